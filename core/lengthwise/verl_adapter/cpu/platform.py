"""verl's platform for a host CPU: device ``cpu``, collectives over gloo.

verl asks its platform (``verl.plugin.platform``) for the device name, the torch device module,
the collective backend and the Ray resource name. :class:`PlatformCPU` answers for a machine with
no accelerator; it is registered as ``cpu`` in verl's ``PlatformRegistry`` and selected with
``VERL_PLATFORM=cpu`` (set by ``lengthwise train`` for every Ray process).

Choices, each forced by a verl call site:

* ``current_device()`` returns the string ``"cpu"``: verl moves tensors with
  ``.to(get_device_id())`` and an integer would mean ``cuda:N``.
* ``ray_resource_name()`` is ``"GPU"``: verl's worker groups reserve one accelerator per rank
  (``single_controller/ray/base.py`` asks for ``use_gpu`` and counts only GPU/NPU resources), so a
  CPU run declares logical GPUs to Ray (``ray_init.num_gpus``) that stand for its training ranks.
  Nothing ever runs on a GPU; the names are bookkeeping.
* the device module is :data:`host_device`, torch's ``torch.cpu`` namespace completed with the
  host stand-ins verl calls on any device (memory statistics, RNG state, ``mem_get_info``).
"""

from __future__ import annotations

import contextlib
import os
import types
from typing import Any, Optional

import torch

from verl.plugin.platform import PlatformRegistry
from verl.plugin.platform.platform_base import PlatformBase

__all__ = ["PLATFORM_NAME", "PlatformCPU", "host_device"]

PLATFORM_NAME = "cpu"


def _mem_get_info(device: Any = None) -> tuple[int, int]:
    """(free, total) bytes of host memory, as ``torch.cuda.mem_get_info`` reports device memory."""
    pages = os.sysconf("SC_PHYS_PAGES")
    avail = os.sysconf("SC_AVPHYS_PAGES")
    size = os.sysconf("SC_PAGE_SIZE")
    return avail * size, pages * size


def _zero(*_args: Any, **_kwargs: Any) -> int:
    return 0


def _nothing(*_args: Any, **_kwargs: Any) -> None:
    return None


def _build_host_device() -> types.ModuleType:
    mod = types.ModuleType("lengthwise_host_device")
    mod.__dict__.update({k: getattr(torch.cpu, k) for k in dir(torch.cpu) if not k.startswith("_")})
    mod.is_available = lambda: True
    mod.device_count = lambda: 1
    mod.current_device = lambda: PLATFORM_NAME
    mod.set_device = _nothing
    mod.synchronize = _nothing
    mod.empty_cache = _nothing
    mod.reset_peak_memory_stats = _nothing
    mod.memory_allocated = _zero
    mod.max_memory_allocated = _zero
    mod.memory_reserved = _zero
    mod.max_memory_reserved = _zero
    mod.mem_get_info = _mem_get_info
    mod.get_rng_state = lambda *a, **k: torch.get_rng_state()
    mod.set_rng_state = lambda state, *a, **k: torch.set_rng_state(state)
    mod.manual_seed = lambda seed: torch.manual_seed(seed)
    mod.manual_seed_all = lambda seed: torch.manual_seed(seed)
    mod.is_initialized = lambda: True
    mod.get_device_name = lambda *a, **k: "cpu"
    mod.get_device_properties = lambda *a, **k: types.SimpleNamespace(name="cpu", total_memory=_mem_get_info()[1])
    mod.memory_stats = lambda *a, **k: {}
    mod.Stream = getattr(torch.cpu, "Stream", None)
    mod.stream = getattr(torch.cpu, "stream", contextlib.nullcontext)
    return mod


#: ``torch.cpu`` plus host stand-ins for the accelerator calls verl makes on any device.
host_device = _build_host_device()


@PlatformRegistry.register(platform=PLATFORM_NAME)
class PlatformCPU(PlatformBase):
    """The host CPU as verl's device (see the module docstring)."""

    @property
    def device_name(self) -> str:
        return PLATFORM_NAME

    @property
    def vendor_name(self) -> str:
        return "host"

    @property
    def device_module(self) -> types.ModuleType:
        return host_device

    def is_available(self) -> bool:
        return True

    def is_platform_available(self, use_smi_check: bool = False) -> bool:
        # Never auto-detected: a CPU run is chosen explicitly with VERL_PLATFORM=cpu.
        return False

    def current_device(self) -> str:  # type: ignore[override]
        return PLATFORM_NAME

    def device_count(self) -> int:
        return 1

    def set_device(self, device_index: int) -> None:
        return None

    def synchronize(self, device_index: Optional[int] = None) -> None:
        return None

    def manual_seed(self, seed: int) -> None:
        torch.manual_seed(seed)

    def manual_seed_all(self, seed: int) -> None:
        torch.manual_seed(seed)

    def set_allocator_settings(self, settings: str) -> None:
        return None

    def empty_cache(self) -> None:
        return None

    def get_device_capability(self, device_index: int = 0) -> tuple[Optional[int], Optional[int]]:
        return None, None

    def communication_backend_name(self) -> str:
        return "gloo"

    def visible_devices_envvar(self) -> str:
        return "CUDA_VISIBLE_DEVICES"

    def ray_resource_name(self) -> str:
        return "GPU"

    def ray_noset_envvars(self) -> list[str]:
        return []

    def is_ipc_supported(self) -> bool:
        return False

    @contextlib.contextmanager
    def nvtx_range(self, msg: str):
        yield

    def profiler_start(self) -> None:
        return None

    def profiler_stop(self) -> None:
        return None

    def cudart(self) -> Any:
        return None
