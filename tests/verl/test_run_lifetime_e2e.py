"""Issue 23's acceptance, on verl 0.9.1's own trainer on this CPU.

* ``lengthwise train`` killed with SIGKILL mid-training: within 10 s no process of the run is
  left (verl's driver, Ray's daemons, every worker), and the same command again resumes from the
  last complete checkpoint and trains exactly the remaining steps. Before: verl and Ray kept
  training with no one watching, their log was lost, and the rerun resumed at their last step.
* Two runs on one directory: the second refuses in one line naming the first (its PID and
  command), and the first's files are intact. Before: nothing stopped the second, and
  ``metrics.jsonl`` got torn lines.

Both run in a folder whose name has a space and a non-ASCII letter, passed to verl unquoted.
The model is the demo's tiny Qwen2 after 10 warm-up steps (its answers do not matter here),
built once for the module in a few seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from lengthwise import metrics as K

pytest.importorskip("verl")
pytest.importorskip("torch")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find leftovers")]

STEPS = 4
CONFIG = """
name: e2e-lifetime
schedule: {{name: siri-cosine, params: {{l_max: 48, l_min: 24, period: 4, cycles: 2, first_phase: compression}}}}
difficulty: {{name: deepcompress, params: {{momentum: 0.5}}}}
reward: {{name: deepcompress, params: {{correct_reward: 1.0, wrong_reward: -1.0, weight: 0.2, only_correct: false}}}}
training:
  device: cpu
  model_path: {root}/model
  tokenizer_path: {root}/tokenizer
  train_files: [{root}/data/train.parquet]
  val_files: [{root}/data/val.parquet]
  n_gpus_per_node: 1
  max_prompt_length: 48
  rollout_n: 2
  train_batch_size: 2
  ppo_mini_batch_size: 2
  learning_rate: 1.0e-3
  val_response_length: 48
  save_freq: 1
  test_freq: 0
  verl_overrides:
    actor_rollout_ref.rollout.val_kwargs.temperature: 0
    actor_rollout_ref.rollout.max_model_len: 96
    data.val_max_samples: 4
    trainer.val_before_train: false
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    from lengthwise.demo.assets import AssetSettings, prepare_tiny_assets

    root = tmp_path_factory.mktemp("tiny")
    prepare_tiny_assets(root, AssetSettings(warmup_steps=10, train_problems=64, val_problems=8))
    path = root / "e2e.yaml"
    path.write_text(CONFIG.format(root=json.dumps(str(root))[1:-1]))
    return path


def _env(marker: str) -> dict[str, str]:
    return dict(os.environ, LENGTHWISE_E2E_RUN=marker)


def _complete(folder: Path) -> bool:
    """A checkpoint as issue 23 defines complete: verl's data.pt (written after the actor) is a
    whole zip archive and lengthwise's state file is there and of the same step."""
    try:
        state = json.loads((folder / "lengthwise_state.json").read_text())
    except (OSError, ValueError):
        return False
    step = int(folder.name.split("_")[-1])
    data = folder / "data.pt"
    return data.is_file() and zipfile.is_zipfile(data) and state["global_step"] == step


def _rows(path: Path) -> list[int]:
    if not path.exists():
        return []
    steps = []
    for line in path.read_text().splitlines():
        try:
            steps.append(json.loads(line)["step"])
        except ValueError:
            continue
    return steps


def test_sigkill_mid_training_leaves_no_process_and_the_rerun_trains_the_rest(config, tmp_path, marked_processes):
    run_dir = tmp_path / "rün dir" / "ckpt"
    marker = uuid.uuid4().hex

    def train(metrics: Path) -> list[str]:
        return [sys.executable, "-m", "lengthwise.cli", "train", str(config), f"trainer.total_training_steps={STEPS}",
                f"trainer.default_local_dir={run_dir}", "trainer.logger=[console,file]",
                f"+ray_kwargs.ray_init.runtime_env.env_vars.VERL_FILE_LOGGER_PATH={metrics}"]

    first_metrics = tmp_path / "rün dir" / "m1.jsonl"
    proc = subprocess.Popen(train(first_metrics), env=_env(marker), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=tmp_path)
    try:
        deadline = time.monotonic() + 1200
        while not (run_dir / "global_step_2" / "lengthwise_state.json").exists():  # step 3 is under way
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "verl did not save step 2"
            time.sleep(0.2)
        assert len(marked_processes(marker)) > 5  # launcher, supervisor, driver, Ray's daemons and workers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = time.monotonic()
        while marked_processes(marker) and time.monotonic() - killed_at < 10:
            time.sleep(0.1)
        left = marked_processes(marker)
        gone_after = time.monotonic() - killed_at
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in marked_processes(marker):  # never leave a run behind for the next test, whatever failed
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    assert left == [], f"{len(left)} processes of the run still there 10 s after kill -9 of the launcher"
    log = (run_dir / "verl.log").read_text(errors="replace")
    assert "step:1 - " in log and "step:2 - " in log  # verl's log, written from its first line

    done = sorted(int(p.name.split("_")[-1]) for p in run_dir.glob("global_step_*") if _complete(p))
    last = done[-1]
    assert last >= 2
    time.sleep(1)
    assert _rows(first_metrics)[-1] <= last + 1  # nothing trained on after the kill

    second_metrics = tmp_path / "rün dir" / "m2.jsonl"
    rerun = subprocess.run(train(second_metrics), env=_env(marker), capture_output=True, text=True, timeout=1500,
                           cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _rows(second_metrics) == list(range(last + 1, STEPS + 1))  # exactly the remaining steps
    assert f"resuming from {run_dir / f'global_step_{last}'} (step {last}; next cap " in rerun.stderr
    assert f"training steps {last + 1}-{STEPS}" in rerun.stderr
    assert f"{run_dir}: taking over the lock of a run that ended (pid {proc.pid}" in rerun.stderr
    out = rerun.stdout.splitlines()
    assert out[0].startswith(f"lengthwise: restored the state of step {last} from ")  # the driver's own line
    assert "difficulty.moving_average" in out[0]
    assert [line.split()[1] for line in out[1:]] == [f"{g}/{STEPS}" for g in range(last + 1, STEPS + 1)]
    console = len(out) + len(rerun.stderr.strip().splitlines())
    assert console <= 5 * (STEPS - last) + 5, rerun.stdout + rerun.stderr
    assert marked_processes(marker) == []


def test_two_runs_on_one_directory_the_second_refuses_and_the_first_is_intact(config, tmp_path, marked_processes):
    out = tmp_path / "résultats dir"
    marker = uuid.uuid4().hex
    demo = [sys.executable, "-m", "lengthwise.cli", "demo", "--config", str(config), "--out", str(out), "--steps", "2",
            "--quiet"]
    first = subprocess.Popen(demo, env=_env(marker), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=tmp_path)
    run_dir = out / "e2e"
    try:
        deadline = time.monotonic() + 900
        while not (run_dir / "verl.log").exists():
            assert first.poll() is None, first.stderr.read()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.2)
        second = subprocess.run(demo, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        # `lengthwise train` writing its checkpoints there is refused the same way
        train = subprocess.run([sys.executable, "-m", "lengthwise.cli", "train", str(config),
                                f"trainer.default_local_dir={run_dir}"], capture_output=True, text=True, timeout=300,
                               cwd=tmp_path)
        code = first.wait(timeout=1500)
        stdout, stderr = first.communicate()
    finally:
        if first.poll() is None:
            first.kill()
        for pid in marked_processes(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    for res in (second, train):
        assert res.returncode == 2
        assert res.stderr.strip() == (
            f"error: {run_dir} is in use by another run: pid {first.pid} "
            f"(lengthwise demo --config {config} --out '{out}' --steps 2 --quiet), started "
            + res.stderr.split(", started ", 1)[1].strip()
        ), res.stderr
        assert res.stderr.strip().endswith("wait for it to end or choose another directory")
    assert code == 0, stderr[-3000:]
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]  # no torn line
    assert [r["step"] for r in rows if K.CAP in r] == [1, 2]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["steps"] == 2
    assert (run_dir / "checkpoints" / "global_step_2" / "lengthwise_state.json").is_file()
    assert marked_processes(marker) == []
