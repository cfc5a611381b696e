"""verl 0.9.1's own trainer on this CPU through ``lengthwise train``: 2 steps, resume to 4.

The run uses the real pieces end to end — verl's V1 trainer, dataloader, TransferQueue, agent-loop
and reward workers, replay buffer, GRPO advantage, FSDP2 actor update on gloo, checkpoint manager
— with lengthwise's CPU backend (platform, HF rollout, worker) and its adapter. What is checked:

* the caps the rollout server received (its trace, ``LENGTHWISE_ROLLOUT_TRACE``) are the
  schedule's: the requests sampled with the weights of step g-1 are step g's, capped at
  ``schedule.cap(g - 1)``; validation requests get ``val_response_length``;
* the rewards that reach verl's advantage are the shaped ones: verl's ``critic/score/mean`` (the
  token-level scores its advantage uses) equals ``lengthwise/reward_mean`` at every step, and the
  DeepCompress reward is not plain correctness;
* the actor's weights changed (the checksum of the weights synced into the rollout moves);
* the checkpoint holds the actor and ``lengthwise_state.json``; the resumed run continues at step 3
  with the next cap and with the saved moving average (recovered from step 3's metrics:
  EMA_3 = m·EMA_2 + (1 − m)·p_3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("verl")
pytest.importorskip("torch")

pytestmark = pytest.mark.slow

MOMENTUM = 0.5
CONFIG = f"""
name: e2e-cpu
schedule: {{name: siri-cosine, params: {{l_max: 96, l_min: 32, period: 4, cycles: 2, first_phase: compression}}}}
difficulty: {{name: deepcompress, params: {{momentum: {MOMENTUM}}}}}
reward: {{name: deepcompress, params: {{correct_reward: 1.0, wrong_reward: -1.0, weight: 0.2, only_correct: false}}}}
training:
  device: cpu
  assets: cpu-tiny
  n_gpus_per_node: 1
  max_prompt_length: 64
  rollout_n: 4
  train_batch_size: 4
  ppo_mini_batch_size: 4
  learning_rate: 1.0e-3
  val_response_length: 64
  save_freq: 2
  test_freq: 2
  verl_overrides:
    actor_rollout_ref.rollout.val_kwargs.temperature: 0  # greedy (verl 0.9.1 V1 ignores val_kwargs.do_sample)
    actor_rollout_ref.rollout.max_model_len: 160
    data.val_max_samples: 16
    trainer.val_before_train: false
"""


def _cap(step: int) -> int:
    from lengthwise import build_strategies, parse_config
    import yaml

    return build_strategies(parse_config(yaml.safe_load(CONFIG))).schedule.cap(step)


def _train(cfg: Path, ckpt: Path, trace: Path, metrics: Path, steps: int, log: Path) -> None:
    cmd = [
        sys.executable, "-m", "lengthwise.cli", "train", str(cfg),
        f"trainer.total_training_steps={steps}", f"trainer.total_epochs={steps}", "trainer.save_freq=2",
        f"trainer.default_local_dir={ckpt}", "trainer.logger=[console,file]",
        f"+ray_kwargs.ray_init.runtime_env.env_vars.LENGTHWISE_ROLLOUT_TRACE={trace}",
        f"+ray_kwargs.ray_init.runtime_env.env_vars.VERL_FILE_LOGGER_PATH={metrics}",
    ]
    with log.open("w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=1500, env=dict(os.environ), cwd=log.parent)
    assert proc.returncode == 0, log.read_text()[-4000:]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_two_steps_checkpoint_and_exact_resume(tmp_path):
    cfg = tmp_path / "e2e.yaml"
    cfg.write_text(CONFIG)
    ckpt, trace = tmp_path / "ckpt", tmp_path / "trace.jsonl"
    m1, m2 = tmp_path / "m1.jsonl", tmp_path / "m2.jsonl"

    _train(cfg, ckpt, trace, m1, 2, tmp_path / "run1.log")
    step2 = ckpt / "global_step_2"
    assert (step2 / "actor").is_dir() and any((step2 / "actor").glob("model_world_size_1_rank_0.pt"))
    saved = json.loads((step2 / "lengthwise_state.json").read_text())
    assert saved["global_step"] == 2

    _train(cfg, ckpt, trace, m2, 4, tmp_path / "run2.log")
    assert (ckpt / "global_step_4" / "lengthwise_state.json").is_file()

    events = _jsonl(trace)
    train_batches = [e for e in events if e["event"] == "batch" and e["temperature"] > 0]
    val_batches = [e for e in events if e["event"] == "batch" and e["temperature"] == 0]
    caps_by_weights: dict[int, set] = {}
    for e in train_batches:
        caps_by_weights.setdefault(e["weights_step"], set()).update(e["max_tokens"])
        assert all(n <= c for n, c in zip(e["lengths"], e["max_tokens"]))
    # verl step g samples with the weights after step g-1 under lengthwise cap(g-1); steps 1..4
    assert caps_by_weights == {g: {_cap(g)} for g in range(4)}, caps_by_weights
    assert len({_cap(g) for g in range(4)}) > 1  # the schedule moves
    assert val_batches and all(set(e["max_tokens"]) == {64} for e in val_batches)

    loads = [(e["weights_step"], e["checksum"]) for e in events if e["event"] == "weights"]
    # run 1 syncs the initial weights (0), then after steps 1 and 2; run 2 syncs the checkpoint (2),
    # then after steps 3 and 4
    assert [s for s, _ in loads] == [0, 1, 2, 2, 3, 4], loads
    sums = [c for _, c in loads]
    assert len({sums[0], sums[1], sums[2], sums[4], sums[5]}) == 5  # every update moved the actor
    assert sums[3] == pytest.approx(sums[2], rel=1e-12)  # the resumed actor is the saved one

    rows = {r["step"]: r["data"] for r in _jsonl(m1) + _jsonl(m2)}
    for g in (1, 2, 3, 4):
        d = rows[g]
        assert d["lengthwise/cap"] == _cap(g - 1)
        assert d["critic/score/mean"] == pytest.approx(d["lengthwise/reward_mean"], abs=1e-6)
    # the DeepCompress reward is shaped: not a function of correctness alone (0.2·sigmoid terms)
    assert any(abs(rows[g]["lengthwise/reward_mean"] - (2 * rows[g]["lengthwise/accuracy"] - 1)) > 1e-6 for g in (1, 2, 3, 4))

    ema2 = saved["state"]["difficulty"]["moving_average"]
    d3 = rows[3]
    restored = (d3["lengthwise/difficulty/moving_average"] - (1 - MOMENTUM) * d3["lengthwise/difficulty/batch_pass_rate"]) / MOMENTUM
    assert restored == pytest.approx(ema2, abs=1e-9)


def _processes_with(marker: str) -> list[int]:
    """PIDs whose environment holds ``marker`` (verl's and Ray's processes inherit the run's env)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find leftover processes")
def test_ctrl_c_stops_verl_and_ray_and_leaves_no_process(tmp_path):
    import signal
    import time
    import uuid

    cfg = tmp_path / "e2e.yaml"
    cfg.write_text(CONFIG)
    trace = tmp_path / "trace.jsonl"
    marker = f"LENGTHWISE_TEST_RUN={uuid.uuid4().hex}"
    env = dict(os.environ)
    env[marker.split("=")[0]] = marker.split("=")[1]
    cmd = [
        sys.executable, "-m", "lengthwise.cli", "train", str(cfg), "trainer.total_training_steps=50",
        f"trainer.default_local_dir={tmp_path / 'ckpt'}",
        f"+ray_kwargs.ray_init.runtime_env.env_vars.LENGTHWISE_ROLLOUT_TRACE={trace}",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 900
        while not (trace.exists() and '"batch"' in trace.read_text()):  # training is under way
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "verl did not start generating"
            time.sleep(2)
        assert _processes_with(marker)  # verl and Ray are running
        proc.send_signal(signal.SIGINT)  # what Ctrl-C in a terminal sends to `lengthwise train`
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 130
    assert "interrupted: stopping verl and Ray" in proc.stderr.read().decode()
    time.sleep(2)
    assert _processes_with(marker) == []


def test_ray_that_cannot_start_is_one_clear_error(tmp_path):
    cfg = tmp_path / "e2e.yaml"
    cfg.write_text(CONFIG)
    env = dict(os.environ, RAY_ADDRESS="127.0.0.1:1")  # no Ray cluster there: ray.init fails
    proc = subprocess.run([sys.executable, "-m", "lengthwise.cli", "train", str(cfg), "trainer.total_training_steps=1"],
                          capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].startswith("error: Ray could not start: ")
