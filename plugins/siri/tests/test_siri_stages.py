"""Stage schedules (DeepScaleR lengthening, ThinkPrune pruning)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import lengthwise
from lengthwise import StrategyParamsError
from lengthwise_siri import DeepScaleRStages, ThinkPrune


@pytest.mark.parametrize(
    "t, expected, derivation",
    [
        (0, 8192, "stage 0: 8K"),
        (1039, 8192, "last 8K step"),
        (1040, 16384, "README: 'at step 1040 ... extended to 16K'"),
        (1519, 16384, "last 16K step"),
        (1520, 24576, "'and 1520 ... 24K'"),
        (10**6, 24576, "the last stage holds"),
    ],
)
def test_deepscaler_defaults(t, expected, derivation):
    s = lengthwise.create("schedule", "deepscaler-stages")
    assert s.cap(t) == expected
    assert (s.min_cap, s.max_cap) == (8192, 24576)


@pytest.mark.parametrize(
    "t, expected, derivation",
    [
        (0, 4000, "multi_node_run_4k.sh: 'LENGTH=4000'"),
        (179, 4000, "last step of round 1 (its checkpoint is global_step_180)"),
        (180, 3000, "multi_node_run_3k_from4k.sh: 'LENGTH=3000', 'MODEL=...-4000/global_step_180'"),
        (359, 3000, "round 2 given the same 180 steps (the source is silent)"),
        (360, 2000, "round 3: 2000"),
    ],
)
def test_thinkprune_defaults(t, expected, derivation):
    s = lengthwise.create("schedule", "thinkprune")
    assert s.cap(t) == expected
    assert (s.min_cap, s.max_cap) == (2000, 4000)


def test_custom_stages_and_single_stage():
    s = lengthwise.create("schedule", "thinkprune", caps=[4000, 3000, 2000], boundaries=[50, 120])
    assert [s.cap(t) for t in (0, 49, 50, 119, 120)] == [4000, 4000, 3000, 3000, 2000]
    one = DeepScaleRStages(caps=[8192], boundaries=[])
    assert one.cap(0) == one.cap(99999) == 8192


@pytest.mark.parametrize(
    "cls, kwargs, why",
    [
        (DeepScaleRStages, dict(boundaries=[1520, 1040]), "unsorted boundaries"),
        (DeepScaleRStages, dict(boundaries=[1040, 1040]), "repeated boundary"),
        (DeepScaleRStages, dict(boundaries=[1040]), "3 caps need 2 boundaries"),
        (DeepScaleRStages, dict(caps=[8192, 16384], boundaries=[0]), "boundary 0 skips stage 0"),
        (DeepScaleRStages, dict(caps=[16384, 8192], boundaries=[10]), "DeepScaleR lengthens"),
        (DeepScaleRStages, dict(caps=[], boundaries=[]), "no stage"),
        (DeepScaleRStages, dict(caps=[0, 8], boundaries=[10]), "cap 0"),
        (ThinkPrune, dict(caps=[2048, 3072, 4096]), "ThinkPrune must decrease"),
        (ThinkPrune, dict(caps=[4096, 4096, 2048]), "not strictly decreasing"),
    ],
)
def test_bad_stage_params(cls, kwargs, why):
    with pytest.raises(ValidationError):
        cls.Params(**kwargs)
    with pytest.raises(StrategyParamsError):
        lengthwise.create("schedule", cls.name, **kwargs)


@settings(max_examples=200, deadline=None)
@given(
    caps=st.lists(st.integers(1, 10**5), min_size=1, max_size=6, unique=True),
    gaps=st.lists(st.integers(1, 500), min_size=5, max_size=5),
    t=st.integers(0, 5000),
)
def test_stage_properties(caps, gaps, t):
    caps = sorted(caps)
    bounds = [sum(gaps[: i + 1]) for i in range(len(caps) - 1)]
    up = DeepScaleRStages(caps=caps, boundaries=bounds)
    down = ThinkPrune(caps=caps[::-1], boundaries=bounds)
    assert up.min_cap <= up.cap(t) <= up.max_cap
    assert up.cap(t) <= up.cap(t + 1)  # lengthening never shrinks
    assert down.cap(t) >= down.cap(t + 1)  # pruning never grows
    for i, b in enumerate(bounds):  # each boundary is the first step of the next stage
        assert up.cap(b - 1) == caps[i] and up.cap(b) == caps[i + 1]


@pytest.mark.parametrize("cls", [DeepScaleRStages, ThinkPrune])
def test_negative_step_raises(cls):
    with pytest.raises(ValueError):
        cls().cap(-1)
