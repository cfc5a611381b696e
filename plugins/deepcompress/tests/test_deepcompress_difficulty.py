"""DeepCompress model-aware difficulty: simple iff group pass rate > batch pass-rate EMA (m = 0.99).

The score is the signed gap β(q) = p(q) - P_t (in [-1, 1]); bucket "simple" iff β > 0.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_deepcompress.difficulty import HARD, SIMPLE, ModelAwareDifficulty, classify


def batch_from_groups(groups, lengths=None, cap=1000):
    """groups: list of per-group correctness lists; group ids g0, g1, ...; lengths default 100."""
    ids, correct = [], []
    for g, cs in enumerate(groups):
        ids += [f"g{g}"] * len(cs)
        correct += list(cs)
    if lengths is None:
        lengths = [100] * len(ids)
    return RolloutBatch.from_lists(ids, lengths, correct, cap)


def group_buckets(d, batch):
    """One bucket label per group (first response of each group)."""
    first = [int(np.flatnonzero(batch.group == g)[0]) for g in range(batch.n_groups)]
    return [d.bucket[i] for i in first], [d.score[i] for i in first]


def test_created_through_registry_with_paper_momentum():
    est = lengthwise.create("difficulty", "deepcompress")
    assert isinstance(est, ModelAwareDifficulty)
    assert est.params.momentum == 0.99
    assert est.params.update_before_classify is True
    assert est.state_dict() == {"moving_average": None, "steps": 0}


# Sign flip at the moving average P = 0.5; score β = p - 0.5, every difference below is exact in
# binary floating point (Sterbenz: p and 0.5 within a factor 2, or p - 0.5 a dyadic rational).
@pytest.mark.parametrize(
    "pass_rate, expected, beta, derivation",
    [
        (0.5, HARD, 0.0, "p == P: β = 0.5 - 0.5 = 0, not strictly above -> hard"),
        (np.nextafter(0.5, 1.0), SIMPLE, 2.0**-53, "one ulp above 0.5 (ulp = 2^-53 there): β = +2^-53 -> simple"),
        (np.nextafter(0.5, 0.0), HARD, -(2.0**-54), "one ulp below 0.5 (ulp = 2^-54 there): β = -2^-54 -> hard"),
        (9 / 16, SIMPLE, 0.0625, "G=16, 9 correct: β = 9/16 - 8/16 = 1/16 = 0.0625 > 0"),
        (7 / 16, HARD, -0.0625, "G=16, 7 correct: β = 7/16 - 8/16 = -1/16 = -0.0625"),
        (1.0, SIMPLE, 0.5, "all correct: β = 1 - 0.5 = 0.5"),
        (0.0, HARD, -0.5, "all wrong: β = 0 - 0.5 = -0.5"),
    ],
)
def test_classify_at_just_above_just_below(pass_rate, expected, beta, derivation):
    bucket, score = classify(np.array([pass_rate]), 0.5)
    assert bucket[0] == expected, derivation
    assert score[0] == beta, derivation  # exact, not approx
    assert (score[0] > 0) == (expected == SIMPLE)


# The extremes of β: p = 1 against P = 0 and p = 0 against P = 1 (the figure's range [-1, 1]).
def test_classify_extremes_of_beta():
    bucket, score = classify(np.array([1.0, 0.0]), 0.0)
    assert list(bucket) == [SIMPLE, HARD]  # 1 > 0; 0 == 0 is hard
    assert score.tolist() == [1.0, 0.0]  # 1 - 0 = 1, 0 - 0 = 0
    bucket, score = classify(np.array([1.0, 0.0]), 1.0)
    assert list(bucket) == [HARD, HARD]  # 1 == 1 is hard; 0 < 1
    assert score.tolist() == [0.0, -1.0]  # 1 - 1 = 0, 0 - 1 = -1


def test_sign_flip_end_to_end_with_loaded_average():
    # Moving average 0.5 (loaded); update_before_classify=False -> threshold is exactly 0.5.
    # Groups of 16: 8/16 = 0.5 (at), 9/16 (just above), 7/16 (just below).
    est = ModelAwareDifficulty(update_before_classify=False)
    est.load_state_dict({"moving_average": 0.5, "steps": 10})
    batch = batch_from_groups([[1] * 8 + [0] * 8, [1] * 9 + [0] * 7, [1] * 7 + [0] * 9])
    d = est.estimate(batch)
    buckets, scores = group_buckets(d, batch)
    assert buckets == [HARD, SIMPLE, HARD]
    # β = 8/16 - 0.5 = 0, 9/16 - 0.5 = 0.0625, 7/16 - 0.5 = -0.0625 (all exact)
    assert scores == [0.0, 0.0625, -0.0625]
    assert d.metrics["threshold"] == 0.5
    # batch pass rate = 24/48 = 0.5 -> new average 0.99*0.5 + 0.01*0.5 = 0.5
    assert d.metrics["batch_pass_rate"] == 0.5
    assert est.moving_average == pytest.approx(0.5, abs=1e-15)
    assert est.steps == 11


# Two steps by hand. Step 0: groups p = 0.75, 0.25 -> batch rate 4/8 = 0.5; the average starts
# at the first batch's rate: P_0 = 0.5. Step 1: groups p = 0.5, 0.0 -> batch rate 2/8 = 0.25;
# P_1 = 0.99*0.5 + 0.01*0.25 = 0.4975.
#   update before classifying: threshold 0.4975 -> p = 0.5 is simple.
#       β = 0.5 - 0.4975 = 0.0025 (simple), 0.0 - 0.4975 = -0.4975 (hard)
#   update after classifying:  threshold P_0 = 0.5 -> p = 0.5 equals it -> hard.
#       β = 0.5 - 0.5 = 0 (hard, exact), 0.0 - 0.5 = -0.5 (hard, exact)
# Step 0 scores (threshold 0.5 either way): β = 0.75 - 0.5 = 0.25, 0.25 - 0.5 = -0.25 (exact).
@pytest.mark.parametrize(
    "update_before, step1_buckets, threshold, step1_scores",
    [(True, [SIMPLE, HARD], 0.4975, [0.0025, -0.4975]), (False, [HARD, HARD], 0.5, [0.0, -0.5])],
)
def test_moving_average_two_steps_and_update_order(update_before, step1_buckets, threshold, step1_scores):
    est = ModelAwareDifficulty(update_before_classify=update_before)
    b0 = batch_from_groups([[1, 1, 1, 0], [1, 0, 0, 0]])
    d0 = est.estimate(b0)
    assert group_buckets(d0, b0)[0] == [SIMPLE, HARD]  # 0.75 > 0.5, 0.25 < 0.5 either way
    assert group_buckets(d0, b0)[1] == [0.25, -0.25]
    assert d0.metrics["threshold"] == 0.5
    assert est.moving_average == 0.5
    b1 = batch_from_groups([[1, 1, 0, 0], [0, 0, 0, 0]])
    d1 = est.estimate(b1)
    assert group_buckets(d1, b1)[0] == step1_buckets
    np.testing.assert_allclose(group_buckets(d1, b1)[1], step1_scores, rtol=0, atol=1e-15)
    assert d1.metrics["threshold"] == pytest.approx(threshold, abs=1e-15)
    assert est.moving_average == pytest.approx(0.4975, abs=1e-15)
    assert d1.metrics["moving_average"] == est.moving_average
    assert d1.metrics["simple_share"] == (0.5 if update_before else 0.0)
    np.testing.assert_array_equal(d1.pass_rate, [0.5] * 4 + [0.0] * 4)


def test_first_step_initialises_to_batch_rate_not_zero():
    # All groups at p = 0.25 on the first step: the threshold is 0.25 itself (not 0 or 0.5),
    # so every prompt is "hard" (equality), none "simple".
    est = ModelAwareDifficulty()
    b = batch_from_groups([[1, 0, 0, 0], [0, 1, 0, 0]])
    d = est.estimate(b)
    assert list(d.bucket) == [HARD] * 8
    assert d.score.tolist() == [0.0] * 8  # β = 0.25 - 0.25 = 0 exactly
    assert est.moving_average == 0.25


def test_empty_batch_leaves_state_unchanged():
    est = ModelAwareDifficulty()
    est.estimate(batch_from_groups([[1, 0]]))
    before = est.state_dict()
    d = est.estimate(RolloutBatch.from_lists([], [], [], 100))
    assert len(d.bucket) == 0 and len(d.score) == 0
    assert est.state_dict() == before


def random_batch(rng, n_groups=4, size=8):
    correct = rng.random(n_groups * size) < rng.random()
    ids = np.repeat([f"q{i}" for i in range(n_groups)], size)
    return RolloutBatch.from_lists(list(ids), rng.integers(0, 500, n_groups * size), correct, 512)


@pytest.mark.parametrize("update_before", [True, False])
def test_state_round_trip_through_json(update_before):
    rng = np.random.default_rng(7)
    a = ModelAwareDifficulty(update_before_classify=update_before)
    for _ in range(5):
        a.estimate(random_batch(rng))
    state = json.loads(json.dumps(a.state_dict()))
    assert state["steps"] == 5 and isinstance(state["moving_average"], float)
    b = ModelAwareDifficulty(update_before_classify=update_before)
    b.load_state_dict(state)
    nxt = random_batch(rng)
    da, db = a.estimate(nxt), b.estimate(nxt)
    np.testing.assert_array_equal(da.bucket, db.bucket)
    np.testing.assert_array_equal(da.score, db.score)
    assert dict(da.metrics) == dict(db.metrics)
    assert a.state_dict() == b.state_dict()
    assert a.moving_average.hex() == b.moving_average.hex()  # bit-identical


def test_uninitialised_state_round_trips():
    a = ModelAwareDifficulty()
    b = ModelAwareDifficulty()
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    assert b.moving_average is None
    batch = batch_from_groups([[1, 1, 0], [0, 0, 1]])
    assert list(a.estimate(batch).bucket) == list(b.estimate(batch).bucket)


@pytest.mark.parametrize(
    "state",
    [{"moving_average": 0.5, "extra": 1}, {"moving_average": 1.5}, {"moving_average": float("nan")}],
)
def test_bad_state_rejected(state):
    with pytest.raises(ValueError):
        ModelAwareDifficulty().load_state_dict(state)


@pytest.mark.parametrize("kwargs", [{"momentum": 1.0}, {"momentum": -0.1}, {"window": 3}])
def test_bad_params(kwargs):
    with pytest.raises(ValidationError):
        ModelAwareDifficulty(**kwargs)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.lists(st.lists(st.booleans(), min_size=1, max_size=6), min_size=1, max_size=5),
        min_size=1,
        max_size=6,
    ),
    momentum=st.floats(0.0, 0.999),
    update_before=st.booleans(),
)
def test_property_bucket_matches_threshold_and_average_in_unit_interval(steps, momentum, update_before):
    est = ModelAwareDifficulty(momentum=momentum, update_before_classify=update_before)
    for groups in steps:
        batch = batch_from_groups(groups)
        d = est.estimate(batch)
        thr = d.metrics["threshold"]
        np.testing.assert_array_equal(d.bucket == SIMPLE, d.pass_rate > thr)
        # score is β = p - P exactly, its sign gives the bucket, and it lies in [-1, 1]
        np.testing.assert_array_equal(d.score, d.pass_rate - thr)
        np.testing.assert_array_equal(d.bucket == SIMPLE, d.score > 0)
        np.testing.assert_array_equal(d.bucket == HARD, d.score <= 0)
        assert np.all(np.abs(d.score) <= 1.0)
        assert d.metrics["simple_share"] == float((d.bucket == SIMPLE).mean())
        assert 0.0 <= est.moving_average <= 1.0
        # one bucket per prompt: responses of a group share it
        for g in range(batch.n_groups):
            assert len(set(d.bucket[batch.group == g])) == 1
