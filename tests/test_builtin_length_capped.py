"""Length-capped correctness reward: values, cap rules, robustness, config wiring."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch
from lengthwise.default_plugins import LengthCapped


def _one(correct, length, cap, **params):
    shaper = lengthwise.create("reward", "length-capped", **params)
    batch = RolloutBatch.from_lists(["q"], [length], [correct], cap)
    return float(shaper.shape(batch).rewards[0])


@pytest.mark.parametrize(
    "correct, length, cap, params, expected, derivation",
    [
        (True, 5000, 8192, {}, 1.0, "correct within the cap: 1"),
        (False, 5000, 8192, {}, 0.0, "wrong: 0"),
        (True, 8192, 8192, {}, 1.0, "cut off at the cap but clip(y, L) was graded correct: 1"),
        (True, 9000, 8192, {}, 1.0, "verdict rule trusts the cap-graded verdict"),
        (True, 9000, 8192, {"cap_rule": "exceeds"}, 0.0, "ℓ > L: wrong under 'exceeds'"),
        (True, 8192, 8192, {"cap_rule": "exceeds"}, 1.0, "ℓ = L is not over the cap"),
        (True, 8192, 8192, {"cap_rule": "reaches"}, 0.0, "ℓ = L: used the whole budget, unfinished"),
        (True, 8191, 8192, {"cap_rule": "reaches"}, 1.0, "ℓ < L: finished"),
        (False, 100, 8192, {"cap_rule": "reaches"}, 0.0, "rules never make a wrong answer right"),
        (True, 10, 8192, {"correct_reward": 1.0, "wrong_reward": -1.0}, 1.0, "±1 scale"),
        (False, 10, 8192, {"correct_reward": 1.0, "wrong_reward": -1.0}, -1.0, "±1 scale"),
        (False, 10, 8192, {"wrong_reward": -0.5}, -0.5, "Laser's {1, -0.5}"),
        (True, 9000, 8192, {"cap_rule": "exceeds", "wrong_reward": -1.0}, -1.0, "overridden → wrong_reward"),
    ],
)
def test_reward_values(correct, length, cap, params, expected, derivation):
    assert _one(correct, length, cap, **params) == expected


def test_batch_terms_and_metrics():
    batch = RolloutBatch.from_lists(
        ["a", "a", "b", "b"], [100, 8192, 9000, 50], [True, True, True, False], [8192, 8192, 8192, 8192]
    )
    out = LengthCapped(cap_rule="reaches").shape(batch)
    np.testing.assert_array_equal(out.rewards, [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(out.terms["correctness"], out.rewards)
    np.testing.assert_array_equal(out.terms["length"], np.zeros(4))
    # accuracy 1/4; at cap: 8192, 9000 → 2/4; over cap: 9000 → 1/4; overridden: 2 verdicts
    assert out.metrics == {"accuracy": 0.25, "at_cap_share": 0.5, "over_cap_share": 0.25, "overridden": 2.0}
    assert out.rewards.dtype == np.float64


def test_per_response_caps():
    # caps differ per response (e.g. a batch spanning a schedule change)
    batch = RolloutBatch.from_lists(["a", "a"], [8000, 8000], [True, True], [8192, 7000])
    np.testing.assert_array_equal(LengthCapped(cap_rule="exceeds").shape(batch).rewards, [1.0, 0.0])


def test_empty_batch():
    batch = RolloutBatch.from_lists([], [], [], 8192)
    out = LengthCapped().shape(batch)
    assert out.rewards.shape == (0,) and out.metrics["accuracy"] == 0.0


def test_bad_params():
    with pytest.raises(ValidationError):
        LengthCapped.Params(correct_reward=0.0, wrong_reward=1.0)  # wrong above correct
    with pytest.raises(ValidationError):
        LengthCapped.Params(cap_rule="truncate")
    with pytest.raises(ValidationError):
        LengthCapped.Params(correct_reward=float("inf"))


@st.composite
def batches(draw):
    n = draw(st.integers(0, 40))
    n_groups = draw(st.integers(1, 8))
    groups = draw(st.lists(st.integers(0, n_groups - 1), min_size=n, max_size=n))
    lengths = draw(st.lists(st.integers(0, 20000), min_size=n, max_size=n))
    correct = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    caps = draw(st.lists(st.integers(1, 16384), min_size=n, max_size=n))
    return RolloutBatch.from_lists(groups, lengths, correct, caps)


@settings(max_examples=200, deadline=None)
@given(
    batch=batches(),
    rule=st.sampled_from(["verdict", "exceeds", "reaches"]),
    scale=st.sampled_from([(1.0, 0.0), (1.0, -1.0), (1.0, -0.5), (2.0, 2.0)]),
)
def test_finite_and_wrong_never_outranks_correct(batch, rule, scale):
    shaper = LengthCapped(correct_reward=scale[0], wrong_reward=scale[1], cap_rule=rule)
    r = shaper.shape(batch).rewards
    assert r.shape == (len(batch),) and np.all(np.isfinite(r))
    assert set(np.unique(r)) <= {scale[0], scale[1]}
    for g in range(batch.n_groups):
        sel = batch.group == g
        right, wrong = r[sel & batch.correct], r[sel & ~batch.correct]
        if right.size and wrong.size:
            assert wrong.max() <= right.min()
    assert not LengthCapped.wrong_may_outrank_correct


def test_stateless_round_trip():
    batch = RolloutBatch.from_lists(["a", "b"], [10, 9000], [True, True], 8192)
    a = LengthCapped(cap_rule="exceeds")
    a.shape(batch)
    b = LengthCapped(cap_rule="exceeds")
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    np.testing.assert_array_equal(a.shape(batch).rewards, b.shape(batch).rewards)


def test_thinkprune_demo_config_discards_unfinished_answers():
    """ThinkPrune (arXiv 2504.01296 §3): "unfinished thoughts and answers are discarded, resulting in
    a zero reward" — cap_rule "reaches". The demo config builds it; at step 0 the cap is 96:
    a correct answer of 95 tokens finished (1), one of 96 used the whole budget (0), even though
    the scorer graded its clipped text correct."""
    from pathlib import Path

    from lengthwise.config import build_strategies, load_config

    path = Path(lengthwise.__file__).parent / "demo" / "configs" / "thinkprune.yaml"
    built = build_strategies(load_config(path))
    assert built.reward.params.cap_rule == "reaches"
    cap = built.schedule.cap(0)
    assert cap == 96
    batch = RolloutBatch.from_lists(["q", "q", "q"], [cap - 1, cap, 10], [True, True, False], cap)
    np.testing.assert_array_equal(built.reward.shape(batch).rewards, [1.0, 0.0, 0.0])
