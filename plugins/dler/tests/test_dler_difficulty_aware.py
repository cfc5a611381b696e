"""da-dler: L(q) = ceil(L·(1 − (1 − ρ)·p(q))); beyond L(q): r_w·κ; within: DLER's reward.

p(q) comes from the difficulty estimator (default pass-rate: the group's share of correct
answers this step).
"""

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import Difficulty, RolloutBatch
from lengthwise_dler import DifficultyAwareDler, DlerTruncation, GroupPassRate
from lengthwise_dler.difficulty_aware import truncation_lengths


@pytest.mark.parametrize(
    "cap, p, rho, expected",
    [
        (4000, 0.0, 0.5, 4000),  # nothing solved: DLER's L
        (4000, 1.0, 0.5, 2000),  # all solved: ρ·L = 2000
        (4000, 0.5, 0.5, 3000),  # 4000·(1 − 0.5·0.5) = 3000
        (4000, 0.25, 0.5, 3500),  # 4000·(1 − 0.125) = 3500
        (40, 0.5, 0.5, 30),  # 40·(1 − 0.25) = 30
        (10, 1.0, 0.3, 3),  # 10·(1 − 0.7) = 3.0000000000000004 in floats: snapped to 3, not ceil'ed to 4
        (40, 1 / 3, 0.5, 34),  # 40·(1 − 1/6) = 33.33.. -> 34
        (7, 1.0, 0.1, 1),  # 0.7 -> 1: never below one token
        (4000, 0.75, 1.0, 4000),  # ρ = 1: DLER for every prompt
    ],
)
def test_truncation_length_table(cap, p, rho, expected):
    assert int(truncation_lengths(np.array([cap]), np.array([p]), rho)[0]) == expected


def test_da_dler_by_hand():
    # Group a: 4 responses, 2 correct -> p = 0.5 -> L(a) = ceil(64·(1 − 0.5·0.5)) = 48.
    # Group b: 2 responses, both correct -> p = 1 -> L(b) = 32. Cap 64, κ = 0.1, r_c 1, r_w 0.
    lengths = [40, 50, 64, 30, 32, 33]
    correct = [True, True, False, False, True, True]
    batch = RolloutBatch.from_lists(["a"] * 4 + ["b"] * 2, lengths, correct, 64)
    out = lengthwise.create("reward", "da-dler").shape(batch, GroupPassRate().estimate(batch))
    # a0: 40 <= 48, correct, stopped          -> 1
    # a1: 50 > 48: cut at L(a), unanswered    -> 0 · 0.1 = 0
    # a2: 64 > 48 (and at the cap), wrong     -> 0
    # a3: 30 <= 48, wrong, stopped            -> 0
    # b0: 32 <= 32 (exactly L(b)), correct    -> 1
    # b1: 33 > 32: cut at L(b)                -> 0
    np.testing.assert_allclose(out.rewards, [1.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(out.terms["truncation_length"], [48, 48, 48, 48, 32, 32])
    np.testing.assert_allclose(out.terms["stop_scale"], [1.0, 0.1, 0.1, 1.0, 1.0, 0.1])
    assert out.metrics["truncation_length_mean"] == pytest.approx((4 * 48 + 2 * 32) / 6)
    assert out.metrics["cut_early_frac"] == pytest.approx(3 / 6)  # a1, a2, b1: ℓ > L(q)


def test_da_dler_early_cut_with_a_negative_wrong_reward():
    # A response cut at L(q) counts as unanswered, i.e. wrong: r_w · κ.
    batch = RolloutBatch.from_lists(["a", "a"], [10, 60], [True, True], 64)
    diff = Difficulty(pass_rate=np.array([1.0, 1.0]), bucket=np.array(["x", "x"], dtype=object))
    out = DifficultyAwareDler(wrong_reward=-1.0).shape(batch, diff)
    # L = ceil(64·0.5) = 32: first kept (1), second cut: -1 · 0.1 = -0.1
    np.testing.assert_allclose(out.rewards, [1.0, -0.1])


def test_rho_one_is_dler():
    batch = RolloutBatch.from_lists(["a", "a", "b", "b"], [10, 64, 63, 64], [True, True, False, True], 64)
    diff = GroupPassRate().estimate(batch)
    np.testing.assert_array_equal(
        DifficultyAwareDler(easy_fraction=1.0).shape(batch, diff).rewards, DlerTruncation().shape(batch).rewards
    )


def test_da_dler_builds_its_default_difficulty():
    cfg = lengthwise.parse_config({"schedule": "constant", "reward": {"name": "da-dler"}})
    strategies = lengthwise.build_strategies(cfg)
    assert strategies.difficulty.name == "pass-rate"


def test_da_dler_refuses_an_estimator_without_group_pass_rates():
    # deepcompress's estimator provides its pass-rate gap, not the group pass rate da-dler reads
    cfg = lengthwise.parse_config({"schedule": "constant", "reward": "da-dler", "difficulty": "deepcompress"})
    with pytest.raises(lengthwise.ConfigError, match="pass-rate"):
        lengthwise.build_strategies(cfg)


def test_da_dler_needs_difficulty_and_valid_rho():
    batch = RolloutBatch.from_lists(["a"], [10], [True], 64)
    with pytest.raises(ValueError, match="needs a difficulty"):
        DifficultyAwareDler().shape(batch, None)
    for bad in (0.0, 1.5):
        with pytest.raises(ValidationError):
            DifficultyAwareDler.Params(easy_fraction=bad)


def test_pass_rate_buckets():
    # a: 2/3 correct (mixed), b: 2/2 (all-correct), c: 0/1 (all-wrong)
    batch = RolloutBatch.from_lists(list("aaabbc"), [1] * 6, [True, True, False, True, True, False], 8)
    d = GroupPassRate().estimate(batch)
    np.testing.assert_allclose(d.pass_rate, [2 / 3] * 3 + [1.0, 1.0, 0.0])
    assert list(d.bucket) == ["mixed"] * 3 + ["all-correct"] * 2 + ["all-wrong"]
    assert d.metrics["pass_rate_mean"] == pytest.approx((2 / 3 + 1 + 0) / 3)
