"""Properties every baseline shaper must have, on arbitrary batches (hypothesis)."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_baselines.plugin import REWARDS

NAMES = ["dapo-overlong", "kimi", "l1-exact", "l1-max", "arora-zanette", "cosine"]


def test_all_registered_from_this_package():
    reg = lengthwise.get_registry()
    for name in NAMES:
        spec = reg.get("reward", name)
        assert spec.package == "lengthwise-baselines"
    assert sorted(c.name for c in REWARDS) == sorted(NAMES)


@st.composite
def batches(draw):
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=5))
    n = sum(sizes)
    groups = [g for g, s in enumerate(sizes) for _ in range(s)]
    length = st.one_of(st.integers(0, 40000), st.floats(0, 1e6, allow_nan=False))
    lengths = draw(st.lists(length, min_size=n, max_size=n))
    correct = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    caps = draw(st.one_of(st.integers(1, 32768), st.lists(st.integers(1, 32768), min_size=n, max_size=n)))
    targets = draw(st.lists(st.integers(0, 16000), min_size=n, max_size=n))
    return RolloutBatch.from_lists(groups, lengths, correct, caps, target_lengths=targets)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=200, deadline=None)
@given(batch=batches())
def test_finite_and_ordered(name, batch):
    shaper = lengthwise.create("reward", name)
    out = shaper.shape(batch)
    assert out.rewards.shape == (len(batch),) and out.rewards.dtype == np.float64
    assert np.all(np.isfinite(out.rewards))
    for term in out.terms.values():
        assert np.all(np.isfinite(term))
    if not type(shaper).wrong_may_outrank_correct:
        for g in range(batch.n_groups):
            m = batch.group == g
            right, wrong = out.rewards[m & batch.correct], out.rewards[m & ~batch.correct]
            if len(right) and len(wrong):
                assert wrong.max() <= right.min() + 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_stateless_round_trip(name):
    batch = RolloutBatch.from_lists(["a", "a", "b"], [10, 900, 50], [True, False, True], 1000, target_lengths=[100] * 3)
    a = lengthwise.create("reward", name)
    for _ in range(3):
        a.shape(batch)
    state = json.loads(json.dumps(a.state_dict()))
    b = lengthwise.create("reward", name)
    b.load_state_dict(state)
    np.testing.assert_array_equal(a.shape(batch).rewards, b.shape(batch).rewards)
    with pytest.raises(ValueError):
        b.load_state_dict({"unexpected": 1})


@pytest.mark.parametrize("name", NAMES)
def test_empty_batch(name):
    batch = RolloutBatch.from_lists([], [], [], 1000, target_lengths=[])
    out = lengthwise.create("reward", name).shape(batch)
    assert out.rewards.shape == (0,)
