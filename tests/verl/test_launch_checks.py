"""What `lengthwise train` and `lengthwise demo` settle before verl starts, each failure one line.

* a GPU config on a machine without vllm or CUDA refuses within seconds (before: Ray waited
  150 s for GPUs that never came, in silence);
* verl keys get a did-you-mean in `demo` as in `train`;
* a non-ASCII path value, which hydra's lexer cannot read unquoted, is quoted;
* the run directory and steps come from verl's composed config;
* verl's log names the file a full disk or a permission kept it from writing;
* `--debug` prints the traceback of an error it would otherwise report in one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.preflight import PreflightError, check_gpu_runtime, cuda_device_count
from lengthwise.verl_adapter.dry_run import DryRunError
from lengthwise.verl_adapter.launch import check_user_overrides, launch_settings, quote_plain_values
from lengthwise.verl_adapter.launcher import failure_line, os_error_in

ROOT = Path(__file__).resolve().parents[2]
SIRI = str(ROOT / "configs" / "siri-cosine-640-1.5b.yaml")
NO_CUDA = cuda_device_count()[0] == 0


@pytest.mark.skipif(not NO_CUDA, reason="a machine without CUDA devices")
def test_gpu_config_without_cuda_or_vllm_refuses_in_seconds(tmp_path):
    env = dict(os.environ)
    env.pop("RAY_ADDRESS", None)
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "lengthwise.cli", "train", SIRI], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    took = time.monotonic() - t0
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        assert lines[0].startswith("error: this GPU config rolls out with vllm (actor_rollout_ref.rollout.name), "
                                   "which is not installed here: pip install 'lengthwise[vllm]'")
    else:
        assert lines[0].startswith("error: this is a GPU config (trainer.device=cuda) but ")
    assert took < 60, f"{took:.0f} s"  # the import of lengthwise and math-verify's probe; verl never starts


@pytest.mark.skipif(not NO_CUDA, reason="a machine without CUDA devices")
def test_gpu_checks_name_what_is_missing(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with pytest.raises(PreflightError, match=r"^this is a GPU config \(trainer.device=cuda\) but .* on this machine"):
        check_gpu_runtime(rollout="hf", device="cuda", n_gpus_per_node=1)
    check_gpu_runtime(rollout="hf", device="cpu", n_gpus_per_node=1)  # a CPU run needs neither
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.1:6379")  # an existing cluster's nodes run the workers
    check_gpu_runtime(rollout="vllm", device="cuda", n_gpus_per_node=8)


def test_demo_gives_verl_keys_a_did_you_mean():
    res = CliRunner().invoke(main, ["demo", "trainer.total_trainng_steps=2"])
    assert res.exit_code == 2, res.output
    assert res.output.strip() == (
        "error: override 'trainer.total_trainng_steps=2': verl has no key trainer.total_trainng_steps; "
        "did you mean trainer.total_training_steps?")
    with pytest.raises(DryRunError, match="data.train_batch_size expects an integer, got 'abc'"):
        check_user_overrides(["data.train_batch_size=abc"])


def test_non_ascii_values_are_quoted_and_read_back_by_hydra(tmp_path):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    path = tmp_path / "résultats d'été" / "ckpt"
    given = [f"trainer.default_local_dir={path}", "trainer.total_training_steps=2", "+x.y=[a,b]", "trainer.logger=[console]"]
    quoted = quote_plain_values(given)
    assert quoted[1:] == given[1:]  # ASCII and structured values stay as written
    parser = OverridesParser.create()
    assert parser.parse_override(quoted[0]).value() == str(path)
    settings = launch_settings(quoted)
    assert settings.run_dir == path and settings.total_steps == 2


def test_a_relative_run_directory_is_taken_from_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = launch_settings(["trainer.experiment_name=e1", "trainer.project_name=p"])
    # verl's default: checkpoints/${trainer.project_name}/${trainer.experiment_name}
    assert settings.run_dir == tmp_path / "checkpoints" / "p" / "e1"
    assert settings.resume_mode == "auto" and settings.device == "cuda"


TRACEBACK = """\
(TaskRunnerV1 pid=77) Traceback (most recent call last):
(TaskRunnerV1 pid=77)   File "/x/verl/trainer/ppo/v1/trainer_base.py", line 1001, in _save_checkpoint
(TaskRunnerV1 pid=77)     torch.save(self.train_dataloader.state_dict(), dataloader_local_path)
(TaskRunnerV1 pid=77) OSError: [Errno 28] No space left on device: '/runs/r1/global_step_4/data.pt'
Error executing job with overrides: []
"""


def test_a_full_disk_in_verl_is_one_line_naming_the_file(tmp_path):
    assert os_error_in(TRACEBACK) == "could not write /runs/r1/global_step_4/data.pt: No space left on device"
    assert os_error_in("PermissionError: [Errno 13] Permission denied: '/ro/verl.log'") == (
        "could not write /ro/verl.log: Permission denied")
    assert os_error_in("FileNotFoundError: [Errno 2] No such file or directory: '/x'") is None
    log = tmp_path / "verl.log"
    log.write_text("lots of output\n" * 100 + TRACEBACK)
    assert failure_line(1, log) == (
        f"error: verl could not write /runs/r1/global_step_4/data.pt: No space left on device (verl's output: {log})")
    log.write_text("step:1 - x:1\nKeyError: 'x'\n")
    assert failure_line(1, log) == f"  step:1 - x:1\n  KeyError: 'x'\nerror: verl exited with code 1; its output is in {log}"
    # lengthwise --debug: verl's traceback, then the one line
    log.write_text("noise\n" + TRACEBACK)
    assert failure_line(1, log, debug=True) == TRACEBACK.rstrip() + "\n" + failure_line(1, log)


@pytest.mark.parametrize("args", [["check", "/nonexistent/x.yaml"], ["train", "/nonexistent/x.yaml"],
                                  ["demo", "--config", "no-such-config"]])
def test_debug_prints_the_traceback_of_a_one_line_error(args):
    plain = subprocess.run([sys.executable, "-m", "lengthwise.cli", *args], capture_output=True, text=True, timeout=120)
    debug = subprocess.run([sys.executable, "-m", "lengthwise.cli", "--debug", *args], capture_output=True, text=True,
                           timeout=120)
    assert plain.returncode == debug.returncode == 2
    assert "Traceback" not in plain.stderr and len(plain.stderr.strip().splitlines()) == 1
    assert debug.stderr.startswith("Traceback (most recent call last):"), debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == plain.stderr.strip()  # the same error line, last


@pytest.mark.parametrize("target, what", [("/dev/full", "No space left on device"),
                                          ("/sys/kernel/uevent_seqnum", "Permission denied")])
def test_full_disk_and_permission_errors_are_one_line_naming_the_path(tmp_path, target, what):
    """ENOSPC (every write to /dev/full) and EACCES (a sysfs file even root may not write) where
    `demo` takes its run directory's lock and where `eval` writes its table. Before, a full disk
    surfaced as another error, or as "[Errno 28] No space left on device" with no path."""
    if not Path(target).exists():
        pytest.skip(f"no {target} here")
    lock = tmp_path / "out" / "siri-cosine" / ".lengthwise.lock"
    lock.parent.mkdir(parents=True)
    lock.symlink_to(target)
    res = subprocess.run([sys.executable, "-m", "lengthwise.cli", "demo", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip() == f"error: {lock}: {what}"

    gen = tmp_path / "g.jsonl"
    gen.write_text('{"model": "m", "benchmark": "b", "problem_id": "p", "response": "\\\\boxed{7}", "ground_truth": "7"}\n')
    res = CliRunner().invoke(main, ["eval", str(gen), "--csv", target])
    assert res.exit_code == 2
    assert res.output.strip().splitlines()[-1] == f"error: cannot write {target}: {what}"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_where_the_effective_config_goes_names_the_file(tmp_path, monkeypatch):
    import tempfile

    from lengthwise.config import effective_config_file, load_config

    cfg = load_config(SIRI, ["training.rollout_n=4"])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "a"))
    where = effective_config_file(cfg, SIRI).relative_to(tmp_path / "a")  # <tmp>/lengthwise/<digest>/<name>
    full = tmp_path / "b" / where
    full.parent.mkdir(parents=True)
    full.symlink_to("/dev/full")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "b"))
    with pytest.raises(OSError) as err:
        effective_config_file(cfg, SIRI)
    assert err.value.filename == str(full) and err.value.strerror == "No space left on device"
