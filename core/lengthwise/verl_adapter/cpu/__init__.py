"""verl 0.9.1 on a CPU, through verl's own extension points (no verl file edited, nothing patched).

``lengthwise train`` runs a config with ``training.device: cpu`` as a normal verl job plus the
environment ``VERL_PLATFORM=cpu`` and ``VERL_USE_EXTERNAL_MODULES=lengthwise.verl_adapter.cpu``,
which verl's ``__init__`` imports in every process that imports verl (the launcher, the task
runner, the actor workers, the agent-loop and reward workers). Importing this package registers:

==========================================  ===============================================  ======================
verl extension point                        lengthwise class                                 selected by
==========================================  ===============================================  ======================
``PlatformRegistry`` (verl.plugin.platform) :class:`.platform.PlatformCPU` — device ``cpu``,  ``VERL_PLATFORM=cpu``
                                            gloo, host memory stand-ins
``RolloutReplicaRegistry``                  :class:`.rollout.HFReplica` +                    ``rollout.name=hf``
                                            :class:`.rollout.HFRolloutServer` (HF generate)
``_ROLLOUT_REGISTRY`` (server adapters)     :class:`.rollout.HFServerAdapter` — weight sync  ``rollout.name=hf``
``register_trainer``                        :class:`.worker.CPUTrainerSync` (verl's sync     ``trainer.v1.trainer_mode
                                            trainer + the worker below)                      =lengthwise_cpu``
``EngineRegistry`` (in the actor workers)   verl's ``FSDPEngineWithLMHead`` for ``cpu``       ``actor.strategy=fsdp2``
==========================================  ===============================================  ======================

:func:`cpu_overrides` gives the verl keys a CPU run needs (fsdp2, sdpa, fp32, no remove-padding,
logical GPUs for Ray, one TransferQueue storage unit, few workers).
"""

from __future__ import annotations

import os

__all__ = ["MODULE", "ENV", "ROLLOUT_NAME", "TRAINER_MODE", "KV_CACHE_BYTES", "VLLM_WORKER_EXTENSION", "register",
           "cpu_overrides", "vllm_cpu_overrides"]

#: This package's import path (the value of VERL_USE_EXTERNAL_MODULES).
MODULE = __name__
#: ``actor_rollout_ref.rollout.name`` of the HF rollout.
ROLLOUT_NAME = "hf"
#: ``trainer.v1.trainer_mode`` of verl's sync trainer with CPU workers.
TRAINER_MODE = "lengthwise_cpu"
#: The environment every process of a CPU run needs.
ENV = {"VERL_PLATFORM": "cpu", "VERL_USE_EXTERNAL_MODULES": MODULE}

#: Host memory for vLLM's KV cache on a CPU. 1 GiB: the demo model's 64 sequences of 192 tokens
#: need under 10 MiB; a 1.5B model's long rollouts need more (raise it with
#: ``+actor_rollout_ref.rollout.engine_kwargs.vllm.kv_cache_memory_bytes=…``).
KV_CACHE_BYTES = 1 << 30
#: ``engine_kwargs.vllm.worker_extension_cls`` of a CPU run (imported only inside vLLM's workers).
VLLM_WORKER_EXTENSION = f"{MODULE}.vllm.CPUWorkerExtension"

_registered = False


def register() -> None:
    """Register the CPU platform, the HF rollout and the CPU trainer with verl (idempotent)."""
    global _registered
    if _registered:
        return
    from verl.workers.rollout.base import _ROLLOUT_REGISTRY
    from verl.workers.rollout.replica import RolloutReplicaRegistry

    from . import platform  # noqa: F401  (registers PlatformCPU before anything asks verl for the device)
    from .rollout import HFReplica

    RolloutReplicaRegistry.register(ROLLOUT_NAME, lambda: HFReplica)
    _ROLLOUT_REGISTRY[(ROLLOUT_NAME, "async")] = f"{__name__}.rollout.HFServerAdapter"
    from . import worker  # noqa: F401  (registers the lengthwise_cpu trainer mode)

    _registered = True


def cpu_overrides(n_ranks: int = 1) -> dict[str, object]:
    """verl keys for a CPU run with ``n_ranks`` training processes (values as Python objects)."""
    return {
        "trainer.device": "cpu",
        "trainer.v1.trainer_mode": TRAINER_MODE,
        "trainer.n_gpus_per_node": n_ranks,
        "trainer.nnodes": 1,
        "actor_rollout_ref.actor.strategy": "fsdp2",
        "actor_rollout_ref.ref.strategy": "fsdp2",
        "actor_rollout_ref.model.use_remove_padding": False,
        "actor_rollout_ref.model.enable_gradient_checkpointing": False,
        "actor_rollout_ref.actor.fsdp_config.param_offload": False,
        "actor_rollout_ref.actor.fsdp_config.optimizer_offload": False,
        "actor_rollout_ref.rollout.name": ROLLOUT_NAME,
        "actor_rollout_ref.rollout.mode": "async",
        "actor_rollout_ref.rollout.calculate_log_probs": False,
        "actor_rollout_ref.rollout.agent.num_workers": 1,
        "reward.num_workers": 1,
        "data.dataloader_num_workers": 0,
        "transfer_queue.backend.SimpleStorage.num_data_storage_units": 1,
        # the replay buffer polls for finished rollouts every 2 s by default: most of a CPU step
        "+trainer.v1.sampler.sampler_kwargs.poll_interval": 0.05,
        "+ray_kwargs.ray_init.num_gpus": n_ranks,
        "+ray_kwargs.ray_init.num_cpus": 32,
    }


def vllm_cpu_overrides() -> dict[str, object]:
    """verl keys for verl's own vLLM rollout on a CPU, on top of :func:`cpu_overrides` (:mod:`.vllm`: why).

    Sleep mode off (vLLM's ``ModelConfig`` refuses it off CUDA; the key is not in verl's rollout
    yaml, hence ``+``), a KV cache of :data:`KV_CACHE_BYTES` (on the CPU backend
    ``gpu_memory_utilization`` reserves that share of host RAM) and the worker extension that keeps
    verl's weight sync working.
    """
    return {
        "actor_rollout_ref.rollout.name": "vllm",
        "+actor_rollout_ref.rollout.enable_sleep_mode": False,
        "+actor_rollout_ref.rollout.engine_kwargs.vllm.kv_cache_memory_bytes": KV_CACHE_BYTES,
        "+actor_rollout_ref.rollout.engine_kwargs.vllm.worker_extension_cls": VLLM_WORKER_EXTENSION,
    }


if os.environ.get("VERL_PLATFORM", "").strip().lower() == "cpu":
    register()
