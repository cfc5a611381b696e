"""Strategy state saved with verl's checkpoints and restored on resume, in a new process.

The run: DeepCompress (its difficulty keeps an exponential moving average of the batch pass
rate, so step N+1's rewards depend on every earlier step). Steps 1 and 2 are shaped, verl's
checkpoint at step 2 is written the way ``PPOTrainer._save_checkpoint`` does (folder, tracker
file, then ``checkpoint_callback.on_save``), step 3 is shaped for reference. A second Python
process builds the callback with verl's ``build_checkpoint_callback`` from the same config,
which resumes (``trainer.resume_mode=auto``), and shapes step 3 again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

DEEPCOMPRESS = """
name: test-deepcompress
schedule: {name: constant, params: {length: 4096}}
difficulty: {name: deepcompress, params: {momentum: 0.99}}
reward: {name: deepcompress, params: {weight: 0.2, overlong_buffer_len: 1024}}
"""
STATELESS = """
name: test-siri
schedule: {name: siri-cosine, params: {l_max: 4096, l_min: 2048, period: 8}}
reward: {name: length-capped}
"""

pytest.importorskip("verl")

# per step: (uid, [(length, correct), ...]); pass rates 6/8, 2/8, 5/8 so the average moves
STEPS = {
    1: [("a", [(900, 1), (1200, 1), (2500, 1), (3000, 0)]), ("b", [(400, 1), (800, 1), (1600, 1), (3900, 1)])],
    2: [("c", [(700, 0), (1500, 1), (2600, 0), (4000, 0)]), ("d", [(500, 1), (1100, 0), (2100, 0), (3300, 0)])],
    3: [("e", [(600, 1), (1400, 1), (2200, 0), (3600, 1)]), ("f", [(300, 1), (1000, 0), (1900, 1), (2800, 0)])],
}

CHILD = textwrap.dedent(
    """
    import json, sys
    from hydra import compose, initialize_config_module
    from verl.trainer.ppo.checkpoint_callback import build_checkpoint_callback
    from lengthwise.scoring import GradeResult
    from lengthwise.step import record_from_grade, shape_step
    from lengthwise.verl_adapter.state import lengthwise_step

    overrides, step = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    with initialize_config_module(config_module="verl.trainer.config", version_base=None):
        cfg = compose(config_name="ppo_trainer", overrides=overrides)
    run = build_checkpoint_callback(cfg).lengthwise
    out = {"resumed_from": run.resumed_from, "resumed_step": run.resumed_step, "state": run.controller.state_dict()}
    uids = [u for u, rs in step for _ in rs]
    records = [record_from_grade(GradeResult(bool(c), None, "rust", False), n, 4096) for _, rs in step for n, c in rs]
    shaped = shape_step(run.controller, group_ids=uids, records=records, step=lengthwise_step(3))
    out.update(rewards=shaped.rewards.tolist(), state_after=run.controller.state_dict())
    print("RESULT " + json.dumps(out))
    """
)


def _shape(controller, global_step):
    from lengthwise.scoring import GradeResult
    from lengthwise.step import record_from_grade, shape_step
    from lengthwise.verl_adapter.state import lengthwise_step

    rows = STEPS[global_step]
    uids = [u for u, rs in rows for _ in rs]
    records = [record_from_grade(GradeResult(bool(c), None, "rust", False), n, 4096) for _, rs in rows for n, c in rs]
    return shape_step(controller, group_ids=uids, records=records, step=lengthwise_step(global_step))


def _verl_save(cfg, callback, global_step):
    """What PPOTrainer._save_checkpoint does around the callback (minus the model shards)."""
    import os

    folder = os.path.join(cfg.trainer.default_local_dir, f"global_step_{global_step}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(cfg.trainer.default_local_dir, "latest_checkpointed_iteration.txt"), "w") as f:
        f.write(str(global_step))
    callback.on_save(trainer=None, global_step=global_step, checkpoint_dir=folder, async_save=False)
    return folder


def test_resume_in_a_new_process_continues_exactly(verl_overrides, compose, write_config):
    from verl.trainer.ppo.checkpoint_callback import build_checkpoint_callback

    from lengthwise import LengthController, load_config
    from lengthwise.verl_adapter.checkpoint import LengthwiseCheckpointCallback
    from lengthwise.verl_adapter.state import STATE_FILE, lengthwise_config_path, reset_driver_state

    overrides = verl_overrides(write_config(DEEPCOMPRESS), "data.max_response_length=4096")
    cfg = compose(write_config(DEEPCOMPRESS), "data.max_response_length=4096")
    callback = build_checkpoint_callback(cfg)
    assert isinstance(callback, LengthwiseCheckpointCallback) and callback.lengthwise.resumed_from is None
    ctl = callback.lengthwise.controller
    _shape(ctl, 1)
    _shape(ctl, 2)
    folder = _verl_save(cfg, callback, 2)
    saved = json.loads(open(f"{folder}/{STATE_FILE}").read())
    assert saved["global_step"] == 2 and saved["state"] == json.loads(json.dumps(ctl.state_dict()))
    state_at_2 = ctl.state_dict()
    reference = _shape(ctl, 3)

    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(overrides), json.dumps(STEPS[3])],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    child = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert child["resumed_from"] == folder and child["resumed_step"] == 2
    assert child["state"] == json.loads(json.dumps(state_at_2))
    assert child["rewards"] == reference.rewards.tolist()  # bit-identical
    assert child["state_after"] == json.loads(json.dumps(ctl.state_dict()))

    # The check can fail: without the restored average, step 3 is shaped differently.
    reset_driver_state()
    fresh = LengthController.from_config(load_config(lengthwise_config_path(cfg)))
    assert not np.allclose(_shape(fresh, 3).rewards, reference.rewards)


def test_resume_path_mode_and_errors(compose, write_config, tmp_path):
    from verl.trainer.ppo.checkpoint_callback import build_checkpoint_callback

    from lengthwise.verl_adapter.state import STATE_FILE, driver_state, reset_driver_state

    cfg = compose(write_config(DEEPCOMPRESS), "data.max_response_length=4096")
    callback = build_checkpoint_callback(cfg)
    _shape(callback.lengthwise.controller, 1)
    folder = _verl_save(cfg, callback, 1)
    state = callback.lengthwise.controller.state_dict()

    # resume_mode=resume_path: the named folder, whatever the tracker says
    reset_driver_state()
    run = driver_state(compose(write_config(DEEPCOMPRESS), "trainer.resume_mode=resume_path", f"trainer.resume_from_path={folder}"))
    assert run.resumed_step == 1 and run.controller.state_dict() == state

    # resume_mode=disable: fresh state although a checkpoint exists
    reset_driver_state()
    run = driver_state(compose(write_config(DEEPCOMPRESS), "trainer.resume_mode=disable"))
    assert run.resumed_from is None and run.controller.state_dict() != state

    # a checkpoint without lengthwise state cannot resume a stateful run ...
    (tmp_path / "ckpt" / "global_step_1" / STATE_FILE).unlink()
    reset_driver_state()
    with pytest.raises(RuntimeError, match="no lengthwise_state.json"):
        driver_state(compose(write_config(DEEPCOMPRESS)))
    # ... but a stateless one (a SIRI schedule and a plain reward) resumes without it
    reset_driver_state()
    run = driver_state(compose(write_config(STATELESS, "siri.yaml")))
    assert run.resumed_step == 1

    # a state file from another step is refused
    (tmp_path / "ckpt" / "global_step_1" / STATE_FILE).write_text(json.dumps({"format": 1, "global_step": 7, "state": {}}))
    reset_driver_state()
    with pytest.raises(RuntimeError, match="for step 7"):
        driver_state(compose(write_config(DEEPCOMPRESS)))


def test_crash_between_verl_tracker_and_callback_resumes_from_the_pending_state(compose, write_config, tmp_path, caplog):
    """verl 0.9.1 trainer_base._save_checkpoint writes the tracker first ('with open(
    local_latest_checkpointed_iteration, "w") as f: f.write(str(self.global_steps))') and calls
    'self.checkpoint_callback.on_save(...)' after it. The replay buffer records the state when it
    shapes a step (RunState.save_pending), so a crash in between still resumes exactly."""
    import logging
    import os

    from verl.trainer.ppo.checkpoint_callback import build_checkpoint_callback

    from lengthwise.verl_adapter.state import STATE_FILE, driver_state, pending_state_folder, reset_driver_state

    cfg = compose(write_config(DEEPCOMPRESS), "data.max_response_length=4096")
    callback = build_checkpoint_callback(cfg)
    run = callback.lengthwise
    _shape(run.controller, 1)
    run.save_pending(1)  # what LengthwiseReplayBuffer.sample does after shaping step 1
    _verl_save(cfg, callback, 1)
    _shape(run.controller, 2)
    run.save_pending(2)
    assert not pending_state_folder(cfg, 1).exists()  # only the newest step is kept
    state_at_2 = json.loads(json.dumps(run.controller.state_dict()))
    # the crash: verl's folder and tracker for step 2 exist, on_save never ran
    folder = os.path.join(cfg.trainer.default_local_dir, "global_step_2")
    os.makedirs(folder)
    with open(os.path.join(cfg.trainer.default_local_dir, "latest_checkpointed_iteration.txt"), "w") as f:
        f.write("2")
    assert not os.path.exists(os.path.join(folder, STATE_FILE))

    reset_driver_state()
    with caplog.at_level(logging.WARNING, logger="lengthwise.verl_adapter.state"):
        resumed = driver_state(compose(write_config(DEEPCOMPRESS), "data.max_response_length=4096"))
    assert resumed.resumed_step == 2 and resumed.controller.state_dict() == state_at_2
    assert "before the lengthwise checkpoint callback ran" in caplog.text
    assert json.loads(open(os.path.join(folder, STATE_FILE)).read())["global_step"] == 2  # put back

    # without the pending record the stateful run still refuses (it could not continue exactly)
    os.unlink(os.path.join(folder, STATE_FILE))
    import shutil

    shutil.rmtree(pending_state_folder(cfg, 2))
    reset_driver_state()
    with pytest.raises(RuntimeError, match="no lengthwise_state.json"):
        driver_state(compose(write_config(DEEPCOMPRESS)))
