"""dler: R = (r_c if correct(clip(y, L)) else r_w) · (κ if cut at the cap else 1).

The fork (NVlabs/DLER verl-dler/verl/workers/reward_manager/dapo.py:56-68) multiplies the 0/1
score by scale = (1 - stop_properly)·coef + stop_properly, with coef = 0.1 (dler.sh:110) and
stop_properly = (vLLM finish reason == "stop"), i.e. "not cut at the cap".
"""

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch, StrategyParamsError
from lengthwise_dler import DlerTruncation


def one(length, correct, cap, has_answer=True, truncated=None, **params):
    batch = RolloutBatch.from_lists(
        ["q"], [length], [correct], cap, has_answer=[has_answer],
        truncated=None if truncated is None else [truncated],
    )
    return float(lengthwise.create("reward", "dler", **params).shape(batch).rewards[0])


# Defaults: r_c = 1, r_w = 0, κ = 0.1. "Cut" = ℓ >= cap (the batch's default truncation flag)
# or the scorer's cap cut the text (truncated=True passed explicitly).
@pytest.mark.parametrize(
    "length, correct, cap, kwargs, expected",
    [
        (3000, True, 4000, {}, 1.0),  # stopped before the cap, correct: 1 · 1
        (3000, False, 4000, {}, 0.0),  # stopped, wrong: 0 · 1
        (3999, True, 4000, {}, 1.0),  # one token short of the cap: still stopped
        (4000, True, 4000, {}, 0.1),  # reached the cap with the answer inside clip(y, L): 1 · 0.1
        (4000, False, 4000, {"has_answer": False}, 0.0),  # cut inside its reasoning, no answer: 0 · 0.1
        (120, True, 4000, {"truncated": True}, 0.1),  # the scorer's cap cut the text: cut, 1 · 0.1
        (4000, True, 4000, {"stop_properly_penalty": 0.0}, 0.0),  # κ = 0: the plain truncation penalty
        (4000, True, 4000, {"stop_properly_penalty": 1.0}, 1.0),  # κ = 1: no stop-properly penalty
        (4000, True, 4000, {"stop_properly_penalty": 0.25, "correct_reward": 2.0}, 0.5),  # 2 · 0.25
        (10, False, 4000, {"wrong_reward": -1.0}, -1.0),  # a negative r_w, stopped: -1 · 1
        (4000, False, 4000, {"wrong_reward": -1.0, "stop_properly_penalty": 1.0}, -1.0),  # κ = 1 keeps r_w
    ],
)
def test_dler_table(length, correct, cap, kwargs, expected):
    assert one(length, correct, cap, **kwargs) == pytest.approx(expected, abs=1e-12)


def test_dler_batch_terms_and_metrics():
    # a: correct stopped (1), a: correct cut (0.1), b: wrong stopped (0), b: wrong cut (0)
    batch = RolloutBatch.from_lists(["a", "a", "b", "b"], [50, 64, 20, 64], [True, True, False, False], 64)
    out = DlerTruncation().shape(batch)
    np.testing.assert_allclose(out.rewards, [1.0, 0.1, 0.0, 0.0])
    np.testing.assert_allclose(out.terms["correctness"], [1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(out.terms["stop_scale"], [1.0, 0.1, 1.0, 0.1])
    assert out.metrics["cut_frac"] == pytest.approx(2 / 4)
    assert out.metrics["cut_correct_frac"] == pytest.approx(1 / 4)


def test_dler_each_response_own_cap():
    # caps 40 and 128 in one batch (a schedule step boundary): ℓ = 40 is cut only under cap 40
    batch = RolloutBatch.from_lists(["a", "b"], [40, 40], [True, True], [40, 128])
    np.testing.assert_allclose(DlerTruncation().shape(batch).rewards, [0.1, 1.0])


def test_dler_no_answer_is_wrong():
    # deepscaler_reward_fn returns is_correct: no separate format reward (an unanswered response is 0)
    batch = RolloutBatch.from_lists(["a", "a"], [10, 10], [False, False], 64, has_answer=[False, True])
    np.testing.assert_allclose(DlerTruncation(wrong_reward=-0.5).shape(batch).rewards, [-0.5, -0.5])
    with pytest.raises(StrategyParamsError):
        lengthwise.create("reward", "dler", format_reward=-1.0)


def test_dler_bad_params():
    with pytest.raises(ValidationError):  # κ outside [0, 1]
        DlerTruncation.Params(stop_properly_penalty=1.5)
    with pytest.raises(ValidationError):  # r_w = 0.5 > κ·r_c = 0.1: a wrong answer would beat a cut correct one
        DlerTruncation.Params(wrong_reward=0.5)
    with pytest.raises(ValidationError):  # r_w > r_c
        DlerTruncation.Params(correct_reward=0.0, wrong_reward=1.0)
    with pytest.raises(StrategyParamsError):
        lengthwise.create("reward", "dler", penalty_coef=0.1)  # the fork's key name is not ours
    DlerTruncation.Params(wrong_reward=-1.0)  # κ·r_w = -0.1 <= κ·r_c = 0.1: allowed
