"""A worker extension whose weight sync fails the way verl's stock one does on vLLM's CPU backend.

It skips the restore of the Linear weights that vLLM's CPU backend drops after packing them, so
verl's ``update_weights_from_ipc`` loads into empty parameters and fails. The vLLM worker imports
it by name (``engine_kwargs.vllm.worker_extension_cls=broken_sync.NoRestore``, with this folder
on ``PYTHONPATH``): tests/vllm/test_cpu_vllm_e2e.py breaks a run's sync on purpose with it.
"""

from typing import Any

from lengthwise.verl_adapter.cpu.vllm import CPUWorkerExtension


class NoRestore(CPUWorkerExtension):
    def restore_dropped_weights(self, model: Any) -> int:
        return 0
