"""cosine: r_L + ½(r_0 - r_L)(1 + cos(πℓ/L)); r_exceed at ℓ >= L (Yeo et al.)."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_baselines import CosineLength


def one(length, correct, cap=1000, **params):
    batch = RolloutBatch.from_lists(["q"], [length], [correct], cap)
    return float(lengthwise.create("reward", "cosine", **params).shape(batch).rewards[0])


# Defaults: r_c0 = 2, r_cL = 1, r_w0 = -10, r_wL = 0, r_exceed = -10, margin 16; cap L = 1000.
# Source (openrlhf/openrlhf/reward/common.py): "MAX_LEN_MARGIN = 16"; cosine.py:
# "if gen_len + MAX_LEN_MARGIN >= self.max_len: rewards.append(self.exceed_length)".
@pytest.mark.parametrize(
    "length, correct, params, expected",
    [
        (0, True, {}, 2.0),  # ℓ = 0: cos 0 = 1 -> r_c0
        (0, False, {}, -10.0),  # ℓ = 0: r_w0
        (500, True, {}, 1.5),  # cos(π/2) = 0 -> 1 + ½·1
        (500, False, {}, -5.0),  # 0 + ½·(-10)
        (250, True, {}, 1 + 0.5 * (1 + math.sqrt(0.5))),  # cos(π/4) = 0.7071 -> 1.853553
        (250, False, {}, -5 * (1 + math.sqrt(0.5))),  # -8.535534
        (999, True, {"exceed_margin": 0}, 1.0000024673990708),  # 1 + ½(1 + cos(0.999π)), just above r_cL
        (999, True, {}, -10.0),  # default margin 16: 999 + 16 >= 1000
        (984, True, {}, -10.0),  # 984 + 16 = 1000 >= 1000
        (983, False, {}, -5 * (1 + math.cos(0.983 * math.pi))),  # 983 + 16 < 1000: cosine, wrong
        (1000, True, {}, -10.0),  # ℓ = L: hit the cap -> r_exceed, correct or not
        (1000, False, {}, -10.0),
        (1500, True, {}, -10.0),  # ℓ > L
        (984, True, {"exceed_margin": 16}, -10.0),  # source margin: 984 + 16 >= 1000
        (983, True, {"exceed_margin": 16}, 1 + 0.5 * (1 + math.cos(0.983 * math.pi))),
        (1000, True, {"r_exceed": 0.0}, 0.0),
    ],
)
def test_cosine_table(length, correct, params, expected):
    assert one(length, correct, **params) == pytest.approx(expected, abs=1e-12)


def test_cosine_normalises_by_each_cap():
    batch = RolloutBatch.from_lists(["q", "q"], [500, 500], [True, True], [1000, 2000])
    # 500/1000 -> 1.5 ; 500/2000 = 1/4 -> 1.853553
    np.testing.assert_allclose(CosineLength().shape(batch).rewards, [1.5, 1 + 0.5 * (1 + math.sqrt(0.5))])


def test_cosine_flagged_because_exceed_overrides_correctness():
    assert CosineLength.wrong_may_outrank_correct is True
    batch = RolloutBatch.from_lists(["q", "q"], [1000, 500], [True, False], 1000)
    r = CosineLength().shape(batch).rewards
    assert r[1] > r[0]  # wrong at L/2: -5 > correct at the cap: -10


def test_cosine_bad_params():
    with pytest.raises(ValidationError):  # the source refuses positive wrong rewards
        CosineLength.Params(r_w0=1.0)
    with pytest.raises(ValidationError):
        CosineLength.Params(r_cL=-1.0)  # r_wL = 0 > r_cL
