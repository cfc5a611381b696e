"""Which checkpoint a run resumes from (lengthwise.verl_adapter.resume): the last complete one.

Checkpoint folders are written here as verl 0.9.1's ``_save_checkpoint`` writes them — the
actor's shards with ``torch.save`` (zip archives), ``data.pt``, then lengthwise's state file —
and then damaged the ways a killed run leaves them: cut short, a file missing, a shard of one
rank missing, a state file of another step.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from lengthwise.verl_adapter.resume import ResumeError, checkpoint_problem, describe_state, plan_resume  # noqa: E402
from lengthwise.verl_adapter.state import PENDING_DIR, STATE_FILE  # noqa: E402

EMA = {"schedule": {}, "reward": {}, "difficulty": {"moving_average": 0.625, "steps": 4}}


def save(root: Path, step: int, *, world: int = 1, state: dict | None = EMA, state_step: int | None = None) -> Path:
    folder = root / f"global_step_{step}"
    actor = folder / "actor"
    actor.mkdir(parents=True)
    for rank in range(world):
        for kind in ("model", "optim", "extra_state"):
            torch.save({"w": torch.ones(2) * rank}, actor / f"{kind}_world_size_{world}_rank_{rank}.pt")
    torch.save({"sampler": step}, folder / "data.pt")
    (root / "latest_checkpointed_iteration.txt").write_text(str(step))
    if state is not None:
        (folder / STATE_FILE).write_text(json.dumps({"format": 1, "global_step": state_step or step, "config": "t",
                                                     "state": state}))
    return folder


def test_the_last_complete_checkpoint_is_chosen_and_the_broken_ones_are_named(tmp_path):
    save(tmp_path, 2)
    save(tmp_path, 4)
    cut = save(tmp_path, 6)
    data = (cut / "data.pt").read_bytes()
    (cut / "data.pt").write_bytes(data[: len(data) // 2])  # killed while writing data.pt
    no_state = save(tmp_path, 8, state=None)  # killed between verl's tracker file and the callback
    assert (tmp_path / "latest_checkpointed_iteration.txt").read_text() == "8"  # verl's own rule would take 8

    plan = plan_resume(tmp_path, total_steps=10, stateful=True)
    assert plan.folder == tmp_path / "global_step_4" and plan.step == 4 and not plan.finished
    assert plan.notes == [
        f"{tmp_path}: skipping incomplete checkpoint(s) global_step_8 (no {STATE_FILE} (the strategies keep state)), "
        "global_step_6 (data.pt is cut short); resuming from global_step_4"
    ]
    assert plan.overrides() == ["trainer.resume_mode=resume_path", f"trainer.resume_from_path={tmp_path / 'global_step_4'}"]
    assert plan.describe(next_cap=96, total_steps=10) == (
        f"resuming from {tmp_path / 'global_step_4'} (step 4; next cap 96; difficulty.moving_average 0.625; "
        "difficulty.steps 4); training steps 5-10"
    )
    # a config whose strategies keep no state needs no state file: step 8 is complete for it
    assert plan_resume(tmp_path, total_steps=10, stateful=False).folder == no_state


@pytest.mark.parametrize("damage, problem", [
    (lambda f: (f / "data.pt").unlink(), "no data.pt (verl stopped while saving)"),
    (lambda f: (f / "actor" / "optim_world_size_2_rank_1.pt").unlink(), "lacks the optim shard of rank 1 (of 2)"),
    (lambda f: (f / "actor" / "model_world_size_2_rank_0.pt").write_bytes(b"PK\x03\x04 cut"), "model_world_size_2_rank_0.pt is cut short"),
    (lambda f: [p.unlink() for p in (f / "actor").iterdir()], "no actor checkpoint"),
])
def test_each_kind_of_damage_is_named(tmp_path, damage, problem):
    folder = save(tmp_path, 3, world=2)
    assert checkpoint_problem(folder, 3, stateful=True) is None
    damage(folder)
    assert problem in checkpoint_problem(folder, 3, stateful=True)


def test_a_state_file_of_another_step_is_not_a_checkpoint_of_this_one(tmp_path):
    folder = save(tmp_path, 5, state_step=4)
    assert checkpoint_problem(folder, 5, stateful=True) == f"{STATE_FILE} is for step 4"


def test_the_pending_record_completes_a_checkpoint_saved_before_the_callback(tmp_path):
    # state.py "The crash window": the replay buffer recorded step 6's state before verl's save
    folder = save(tmp_path, 6, state=None)
    pending = tmp_path / PENDING_DIR / "global_step_6"
    pending.mkdir(parents=True)
    (pending / STATE_FILE).write_text(json.dumps({"format": 1, "global_step": 6, "config": "t", "state": EMA}))
    plan = plan_resume(tmp_path, total_steps=8, stateful=True)
    assert plan.folder == folder and plan.state["state"] == EMA


def test_a_checkpoint_beyond_the_runs_steps_is_one_error_and_the_last_step_means_finished(tmp_path):
    save(tmp_path, 6)
    with pytest.raises(ResumeError) as err:
        plan_resume(tmp_path, total_steps=4, stateful=True)
    assert str(err.value).startswith(f"{tmp_path / 'global_step_6'} is a checkpoint of step 6, beyond this run's 4 steps")
    assert "\n" not in str(err.value)
    assert plan_resume(tmp_path, total_steps=6, stateful=True).finished


def test_resume_path_must_be_complete_and_disable_starts_fresh(tmp_path):
    folder = save(tmp_path, 2)
    assert plan_resume(tmp_path, mode="resume_path", resume_from_path=str(folder)).folder == folder
    (folder / "data.pt").unlink()
    with pytest.raises(ResumeError, match="is not a complete checkpoint: no data.pt"):
        plan_resume(tmp_path, mode="resume_path", resume_from_path=str(folder))
    with pytest.raises(ResumeError, match="must name a global_step_N folder"):
        plan_resume(tmp_path, mode="resume_path", resume_from_path=str(tmp_path))
    assert plan_resume(tmp_path, mode="disable").folder is None
    assert plan_resume(tmp_path / "nothing-here").folder is None


def test_describe_state_lists_every_saved_value():
    assert describe_state({"schedule": {}, "reward": {"targets": [512, 1024, 2048]}, "difficulty": {}}) == (
        "reward.targets [512, 1024, 2048]")
    assert describe_state(None) == "no strategy state"
