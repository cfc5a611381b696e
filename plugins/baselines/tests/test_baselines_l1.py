"""l1-exact: R_c - α|n - ℓ|; l1-max: R_c · clip(α(n - ℓ) + δ, 0, 1) (α = 0.0003, δ = 0.5)."""

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_baselines import L1Exact, L1Max


def one(name, length, correct, target, **params):
    batch = RolloutBatch.from_lists(["q"], [length], [correct], 16384, target_lengths=[target])
    return float(lengthwise.create("reward", name, **params).shape(batch).rewards[0])


@pytest.mark.parametrize(
    "length, correct, target, expected",
    [
        (1000, True, 1000, 1.0),  # on target: 1 - 0
        (1000, False, 1000, 0.0),  # on target, wrong: 0 - 0
        (2000, True, 1000, 0.7),  # 1000 over: 1 - 0.0003·1000
        (0, False, 1000, -0.3),  # 1000 under: 0 - 0.3 (under is penalised too)
        (5000, True, 1000, -0.2),  # 4000 over: 1 - 1.2, below a wrong answer on target (0)
        (0, True, 0, 1.0),  # zero target, zero length
    ],
)
def test_l1_exact_table(length, correct, target, expected):
    assert one("l1-exact", length, correct, target) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "length, correct, target, expected",
    [
        (1000, True, 1000, 0.5),  # on budget: clip(0 + δ) = 0.5
        (0, True, 1000, 0.8),  # 1000 under: clip(0.3 + 0.5)
        (0, True, 4000, 1.0),  # 4000 under: clip(1.2 + 0.5, 0, 1) = 1
        (2000, True, 1000, 0.2),  # 1000 over: 0.5 - 0.3
        (3000, True, 1000, 0.0),  # 2000 over: clip(-0.1) = 0
        (0, False, 1000, 0.0),  # wrong: 0 whatever the length
    ],
)
def test_l1_max_table(length, correct, target, expected):
    assert one("l1-max", length, correct, target) == pytest.approx(expected, abs=1e-12)


def test_l1_exact_is_flagged_as_able_to_outrank():
    assert L1Exact.wrong_may_outrank_correct is True
    assert L1Max.wrong_may_outrank_correct is False
    batch = RolloutBatch.from_lists(["q", "q"], [5000, 1000], [True, False], 16384, target_lengths=[1000, 1000])
    r = L1Exact().shape(batch).rewards
    assert r[1] > r[0]  # -0.2 (correct, 4000 off) < 0.0 (wrong, on target)


def test_l1_target_fallback():
    # no target array: the param fallback 1000 applies to every response
    batch = RolloutBatch.from_lists(["q", "q"], [2000, 1000], [True, True], 16384)
    np.testing.assert_allclose(L1Exact(target_length=1000).shape(batch).rewards, [0.7, 1.0])
    # a nan entry falls back, a real one is kept: targets [1000, 3000]
    batch = RolloutBatch.from_lists(["q", "q"], [2000, 1000], [True, True], 16384, target_lengths=[np.nan, 3000])
    np.testing.assert_allclose(L1Max(target_length=1000).shape(batch).rewards, [0.2, 1.0])
    # neither: a clear error
    with pytest.raises(ValueError, match="target_length"):
        L1Exact().shape(RolloutBatch.from_lists(["q"], [10], [True], 100))


def test_l1_bad_params():
    with pytest.raises(ValidationError):
        L1Max.Params(delta=1.5)
    with pytest.raises(ValidationError):
        L1Exact.Params(alpha=-1)
    with pytest.raises(ValidationError):  # l1-max needs wrong <= 0
        L1Max.Params(wrong_reward=0.5)
