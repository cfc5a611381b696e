"""dapo-overlong: R = R_c + min(0, -(ℓ - (L_max - L_c))/L_c · f), verl's DAPORewardManager."""

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch, StrategyParamsError
from lengthwise_baselines import DapoOverlong


def one(length, correct, cap, **params):
    batch = RolloutBatch.from_lists(["q"], [length], [correct], cap)
    return float(lengthwise.create("reward", "dapo-overlong", **params).shape(batch).rewards[0])


# Defaults: ±1, L_c = 4096, f = 1. With cap 8192 the ramp starts at 8192 - 4096 = 4096.
@pytest.mark.parametrize(
    "length, correct, cap, params, expected",
    [
        (0, True, 8192, {}, 1.0),  # far below the buffer: 1 + 0
        (4096, True, 8192, {}, 1.0),  # buffer edge: exceed = 0 -> min(-0, 0) = 0
        (4097, True, 8192, {}, 1.0 - 1 / 4096),  # one token in: -1/4096 = -0.000244140625
        (6144, False, 8192, {}, -1.5),  # half the buffer: -1 - 2048/4096
        (8191, True, 8192, {}, 1.0 - 4095 / 4096),  # one token before the cap
        (8192, True, 8192, {}, 0.0),  # at the cap: 1 - 4096/4096
        (8192, False, 8192, {}, -2.0),  # at the cap, wrong: -1 - 1
        (9000, True, 8192, {}, 0.0),  # past the cap: ℓ clamped to L_max, penalty stays -f
        (1024, True, 2048, {}, 0.5),  # cap 2048 < L_c: buffer clamped to 2048, ramp from 0: 1 - 1024/2048
        (8192, True, 8192, {"penalty_factor": 0.5}, 0.5),  # f = 0.5 at the cap: 1 - 0.5
        (7168, True, 8192, {"buffer_len": 2048}, 0.5),  # L_c = 2048: (7168 - 6144)/2048 = 0.5
        (8192, True, 8192, {"correct_reward": 1.0, "wrong_reward": 0.0}, 0.0),  # {1, 0} scale: 1 - 1
    ],
)
def test_dapo_table(length, correct, cap, params, expected):
    assert one(length, correct, cap, **params) == pytest.approx(expected, abs=1e-12)


def test_dapo_uses_each_responses_cap_and_reports_terms():
    batch = RolloutBatch.from_lists(["a", "a", "b"], [3000, 4000, 4000], [True, False, True], [4096, 4096, 8192])
    out = DapoOverlong(buffer_len=2048).shape(batch)
    # cap 4096, ramp from 2048: 3000 -> -952/2048, 4000 -> -1952/2048; cap 8192 ramp from 6144: 0
    np.testing.assert_allclose(out.terms["length"], [-952 / 2048, -1952 / 2048, 0.0])
    np.testing.assert_allclose(out.rewards, [1 - 952 / 2048, -1 - 1952 / 2048, 1.0])
    assert out.metrics["overlong_frac"] == pytest.approx(2 / 3)


def test_dapo_bad_params():
    with pytest.raises(ValidationError):
        DapoOverlong.Params(buffer_len=0)
    with pytest.raises(ValidationError):  # f = 3 > 1 - (-1): a correct answer at the cap would score below wrong
        DapoOverlong.Params(penalty_factor=3.0)
    with pytest.raises(StrategyParamsError):
        lengthwise.create("reward", "dapo-overlong", overlong_len=10)
