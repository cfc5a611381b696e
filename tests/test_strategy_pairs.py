"""Every reward × difficulty estimator × schedule either works or is refused by ``check`` in one
line that names the estimators that do work (issue 23 §5).

"Works" is shown through the path verl's driver takes: the config is built as ``lengthwise
train`` builds it (:func:`lengthwise.config.build_strategies`), each response of a step is turned
into its grading record (``record_from_grade``, what the reward workers send) and the whole step is
shaped by :func:`lengthwise.step.shape_step` with the step's cap from the schedule;
the rewards must be finite, one per response, and the state must survive a JSON round trip (a
checkpoint), step after step. Strategies run with their default parameters.

The rule behind a refusal is declared by the strategies (``RewardShaper.needs_difficulty`` ⊆
``DifficultyEstimator.provides``); the shipped pairs it refuses are the two the issue found
broken: Laser-D/DE with DeepCompress's estimator (a ValueError at step 1) and DeepCompress's reward
with Laser's buckets (Laser's +1/0/-1 bucket score read as a pass-rate gap: a flat 1.1).
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner

import lengthwise
from lengthwise import LengthController
from lengthwise.cli import main
from lengthwise.config import ConfigError, build_strategies, parse_config
from lengthwise.scoring import GradeResult
from lengthwise.step import record_from_grade, shape_step

REGISTRY = lengthwise.get_registry()
SCHEDULES = REGISTRY.names("schedule")
REWARDS = REGISTRY.names("reward")
ESTIMATORS = [None, *REGISTRY.names("difficulty")]  # None: the config names none
PAIRS = list(itertools.product(REWARDS, ESTIMATORS, SCHEDULES))
STEPS = (0, 1, 2, 1100, 1600)  # the schedules' defaults change caps at 180, 360, 1040, 1520, …

# Shipped pairs that must be refused; every other shipped pair must work.
REFUSED = {("laser-d", "deepcompress"), ("laser-de", "deepcompress"), ("deepcompress", "laser-buckets")}
# lengthwise-dler: da-dler reads group pass rates, which only its pass-rate estimator declares; that
# estimator has no accuracy buckets (Laser-D/DE) and no pass-rate gap (DeepCompress)
REFUSED |= {("da-dler", "deepcompress"), ("da-dler", "laser-buckets"),
            ("laser-d", "pass-rate"), ("laser-de", "pass-rate"), ("deepcompress", "pass-rate")}


def config(reward: str, estimator: str | None, schedule: str):
    data = {"schedule": {"name": schedule}, "reward": {"name": reward}}
    if estimator is not None:
        data["difficulty"] = {"name": estimator}
    return parse_config(data)


def records(batch, cap: int) -> tuple[list[dict], list[int]]:
    """The reward workers' records of ``batch`` generated under ``cap`` (lengths stop at the cap)."""
    lengths = np.minimum(batch.lengths, cap).astype(int)
    out = []
    for i in range(len(batch)):
        grade = GradeResult(
            bool(batch.correct[i]),
            None,
            "rust" if batch.has_answer[i] else "no_answer",
            bool(batch.truncated[i] and batch.lengths[i] < cap),  # the scorer's cut
        )
        target = batch.target_lengths[i]
        out.append(record_from_grade(grade, int(lengths[i]), cap, float(target) if np.isfinite(target) else 4096.0))
    return out, lengths.tolist()


def run_steps(controller: LengthController, synthetic) -> list[np.ndarray]:
    rewards = []
    for t, batch in zip(STEPS, synthetic):
        recs, lengths = records(batch, controller.cap(t))
        shaped = shape_step(
            controller,
            group_ids=list(batch.group_ids),
            records=recs,
            step=t,
            token_ids=list(batch.token_ids),
            lengths=lengths,
        )
        assert shaped.rewards.shape == (len(batch),) and np.all(np.isfinite(shaped.rewards))
        assert all(np.isfinite(v) for v in shaped.metrics.values())
        state = json.loads(json.dumps(controller.state_dict()))
        controller.load_state_dict(state)
        rewards.append(shaped.rewards)
    return rewards


@pytest.mark.parametrize("reward, estimator, schedule", PAIRS, ids=["-".join(map(str, p)) for p in PAIRS])
def test_pair_works_or_is_refused_in_one_line(reward, estimator, schedule, synthetic):
    try:
        strategies = build_strategies(config(reward, estimator, schedule))
    except ConfigError as err:
        message = str(err)
        assert "\n" not in message
        spec = REGISTRY.get("reward", reward).cls
        working = [s.name for s in REGISTRY.specs("difficulty") if spec.needs_difficulty <= s.cls.provides]
        assert message.endswith(f"'{reward}' works with difficulty {' or '.join(working)}")
        assert (reward, estimator) in REFUSED
        return
    assert (reward, estimator) not in REFUSED
    built = strategies.difficulty
    assert built is None or strategies.reward.needs_difficulty <= built.provides
    run_steps(LengthController(strategies), synthetic)


def test_refusals_follow_the_declarations():
    # every refused shipped pair is one where the reward reads something the estimator lacks
    for reward, estimator in REFUSED:
        needs = REGISTRY.get("reward", reward).cls.needs_difficulty
        assert needs and not needs <= REGISTRY.get("difficulty", estimator).cls.provides
    # and a reward's default estimator always provides what it reads
    for spec in REGISTRY.specs("reward"):
        if spec.cls.needs_difficulty:
            default = REGISTRY.get("difficulty", spec.cls.default_difficulty).cls
            assert spec.cls.needs_difficulty <= default.provides


def test_check_refuses_a_bad_pair_in_one_line(tmp_path):
    path = tmp_path / "pair.yaml"
    path.write_text("schedule: constant\nreward: laser-d\ndifficulty: deepcompress\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        f"error: {path}: reward 'laser-d' reads accuracy-buckets from its difficulty, but difficulty "
        "'deepcompress' does not provide it; 'laser-d' works with difficulty laser-buckets"
    ]
    ok = CliRunner().invoke(main, ["check", str(path), "difficulty.name=laser-buckets"])
    assert ok.exit_code == 0 and f"{path}: ok" in ok.output


def test_a_plugin_declares_its_own_pairing(synthetic):
    """A plugin's estimator that provides "accuracy-buckets" works with Laser-D; the check is by
    declaration, not by name."""

    class Thirds(lengthwise.DifficultyEstimator):
        name = "thirds"
        provides = frozenset({"accuracy-buckets"})

        def estimate(self, batch):
            return REGISTRY.create("difficulty", "laser-buckets").estimate(batch)

    from lengthwise.config import Strategies, check_difficulty_pairing

    laser_d = REGISTRY.create("reward", "laser-d")
    check_difficulty_pairing(laser_d, Thirds())
    with pytest.raises(ConfigError, match="reads pass-rate-gap from its difficulty, but difficulty 'thirds'"):
        check_difficulty_pairing(REGISTRY.create("reward", "deepcompress"), Thirds())
    schedule = REGISTRY.create("schedule", "constant")
    run_steps(LengthController(Strategies(schedule, laser_d, Thirds())), synthetic)
