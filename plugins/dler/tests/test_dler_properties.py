"""Properties of the DLER shapers on arbitrary batches (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_dler import DifficultyAwareDler, DlerTruncation, GroupPassRate
from lengthwise_dler.difficulty_aware import truncation_lengths
from lengthwise_dler.plugin import DIFFICULTY, REWARDS


def test_all_registered_from_this_package():
    reg = lengthwise.get_registry()
    for kind, classes in (("reward", REWARDS), ("difficulty", DIFFICULTY)):
        for cls in classes:
            assert reg.get(kind, cls.name).package == "lengthwise-dler"
    assert sorted(c.name for c in REWARDS) == ["da-dler", "dler"]


@st.composite
def batches(draw):
    sizes = draw(st.lists(st.integers(1, 8), min_size=1, max_size=5))
    n = sum(sizes)
    groups = [g for g, s in enumerate(sizes) for _ in range(s)]
    caps = draw(st.lists(st.integers(1, 5000), min_size=n, max_size=n))
    lengths = [draw(st.integers(0, c)) for c in caps]  # generation never passes the cap
    correct = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return RolloutBatch.from_lists(groups, lengths, correct, caps)


kappas = st.floats(0, 1, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(batch=batches(), kappa=kappas, rho=st.floats(0.01, 1, allow_nan=False))
def test_rewards_in_range_and_correct_never_below_wrong(batch, kappa, rho):
    diff = GroupPassRate().estimate(batch)
    for out in (
        DlerTruncation(stop_properly_penalty=kappa).shape(batch),
        DifficultyAwareDler(stop_properly_penalty=kappa, easy_fraction=rho).shape(batch, diff),
    ):
        r = out.rewards
        assert r.shape == (len(batch),) and np.all((r >= 0) & (r <= 1))
        # with r_c = 1, r_w = 0: a wrong answer scores 0, a correct one 1 or κ or (da-dler, cut early) 0
        assert np.all(r[~batch.correct] == 0)


@settings(max_examples=200, deadline=None)
@given(batch=batches(), rho=st.floats(0.01, 1, allow_nan=False))
def test_da_dler_never_pays_more_than_dler(batch, rho):
    # a tighter truncation can only take reward away
    diff = GroupPassRate().estimate(batch)
    da = DifficultyAwareDler(easy_fraction=rho).shape(batch, diff).rewards
    assert np.all(da <= DlerTruncation().shape(batch).rewards + 1e-15)


@settings(max_examples=300, deadline=None)
@given(
    cap=st.integers(1, 100000),
    p=st.floats(0, 1, allow_nan=False),
    q=st.floats(0, 1, allow_nan=False),
    rho=st.floats(0.001, 1, allow_nan=False),
)
def test_truncation_length_bounds_and_monotone(cap, p, q, rho):
    lo, hi = sorted((p, q))
    l_lo, l_hi = truncation_lengths(np.array([cap, cap]), np.array([lo, hi]), rho)
    assert 1 <= l_hi <= l_lo <= cap  # easier (higher p) never gets a longer truncation
    assert l_hi >= int(np.floor(rho * cap))


def test_stateless():
    s = DlerTruncation()
    assert s.state_dict() == {} and DifficultyAwareDler().state_dict() == {} and GroupPassRate().state_dict() == {}
    with pytest.raises(ValueError):
        s.load_state_dict({"x": 1})
