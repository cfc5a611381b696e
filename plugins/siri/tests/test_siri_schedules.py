"""SIRI schedules: values from the formulas, phase boundaries, continuity, periodicity, bounds."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import lengthwise
from lengthwise import StrategyParamsError
from lengthwise_siri import SiriCosine, SiriStair, SiriStairCosine

# Paper defaults: L_max 16384, L_min 8192, T 640 → mid = 12288, amp = 4096.
PAPER = dict(l_max=16384, l_min=8192, period=640)


# ---------------------------------------------------------------- cosine
@pytest.mark.parametrize(
    "t, expected, derivation",
    [
        (0, 16384, "cos 0 = 1: 12288 + 4096"),
        (160, 12288, "t = T/4: cos(π/2) = 0: mid"),
        (320, 8192, "t = T/2: cos π = -1: 12288 - 4096"),
        (480, 12288, "t = 3T/4: cos(3π/2) = 0: mid"),
        (640, 16384, "t = T: cos 2π = 1: next cycle starts at L_max"),
        (80, 15184, "t = T/8: cos(π/4) = 0.70711: 12288 + 2896.31 = 15184.31 → 15184"),
        (1, 16384, "cos(2π/640) = 1 - 4.8e-5: 16384 - 0.197 → 16384"),
        (1280 + 320, 8192, "t = 2T + T/2: periodic, = cap(T/2)"),
    ],
)
def test_cosine_paper_values(t, expected, derivation):
    assert lengthwise.create("schedule", "siri-cosine", **PAPER).cap(t) == expected


@pytest.mark.parametrize(
    "t, expected, derivation",
    [
        (100, 14336, "T = 600, t = T/6: cos(π/3) = 0.5: 12288 + 2048"),
        (200, 10240, "t = T/3: cos(2π/3) = -0.5: 12288 - 2048"),
        (300, 8192, "t = T/2: L_min"),
        (400, 10240, "t = 2T/3: cos(4π/3) = -0.5"),
        (500, 14336, "t = 5T/6: cos(5π/3) = 0.5"),
    ],
)
def test_cosine_thirds_and_sixths(t, expected, derivation):
    assert SiriCosine(l_max=16384, l_min=8192, period=600).cap(t) == expected


# ---------------------------------------------------------------- stair-cosine
# Phase boundaries at φ = π/4, 3π/4, 5π/4, 7π/4 → t = T/8, 3T/8, 5T/8, 7T/8 = 80, 240, 400, 560.
@pytest.mark.parametrize(
    "t, expected, derivation",
    [
        (0, 16384, "φ = 0 < π/4: L_max plateau"),
        (79, 16384, "last step of the L_max plateau"),
        (80, 16384, "φ = π/4, descent starts: cos(2·0) = 1 → L_max (continuous)"),
        (120, 15184, "φ = 3π/8: cos(2·π/8) = cos(π/4) = 0.70711 → 12288 + 2896.31"),
        (160, 12288, "φ = π/2, mid-descent: cos(2·π/4) = 0 → mid"),
        (239, 8193, "cos(2·(159π/320)) = -cos(π/160) = -0.99981 → 12288 - 4095.21 = 8192.79"),
        (240, 8192, "φ = 3π/4: L_min plateau (descent would give cos π = -1, same value)"),
        (320, 8192, "φ = π, mid-plateau: L_min"),
        (399, 8192, "last step of the L_min plateau"),
        (400, 8192, "φ = 5π/4, ascent starts: cos(2·π/2) = cos π = -1 → L_min (continuous)"),
        (480, 12288, "φ = 3π/2, mid-ascent: cos(2·3π/4) = cos(3π/2) = 0 → mid"),
        (559, 16383, "cos(2·(319π/320)) = cos(π/160) = 0.99981 → 12288 + 4095.21 = 16383.21"),
        (560, 16384, "φ = 7π/4: L_max plateau (ascent would give cos 2π = 1, same value)"),
        (639, 16384, "last step of the cycle"),
        (640, 16384, "next cycle"),
    ],
)
def test_stair_cosine_boundaries_and_mid_phase(t, expected, derivation):
    assert lengthwise.create("schedule", "siri-stair-cosine", **PAPER).cap(t) == expected


def test_stair_cosine_formula_is_continuous_at_each_boundary():
    # Evaluate the real-valued shape on both sides of each boundary: the jump must vanish.
    s = SiriStairCosine(**PAPER)
    eps = 1e-9
    for b in (0.125, 0.375, 0.625, 0.875):
        left, right = s._real(np.array([b - eps, b]))
        assert abs(left - right) < 1e-3, (b, left, right)


# ---------------------------------------------------------------- stair
@pytest.mark.parametrize(
    "first_phase, t, expected, derivation",
    [
        ("compression", 0, 8192, "first half-cycle compresses: L_min"),
        ("compression", 319, 8192, "u = 319/640 < 1/2"),
        ("compression", 320, 16384, "u = 1/2: expansion starts"),
        ("compression", 639, 16384, "end of the cycle"),
        ("compression", 640, 8192, "next cycle compresses again"),
        ("expansion", 0, 16384, "expansion first: L_max"),
        ("expansion", 320, 8192, "then compression"),
    ],
)
def test_stair(first_phase, t, expected, derivation):
    s = lengthwise.create("schedule", "siri-stair", first_phase=first_phase, **PAPER)
    assert s.cap(t) == expected


def test_expansion_first_cosine_starts_at_l_min():
    s = SiriCosine(first_phase="expansion", **PAPER)
    # mirror about mid: L_max + L_min - (mid + amp·cos(2πu))
    assert [s.cap(t) for t in (0, 160, 320, 480)] == [8192, 12288, 16384, 12288]
    sc = SiriStairCosine(first_phase="expansion", **PAPER)
    assert [sc.cap(t) for t in (0, 160, 320, 480, 600)] == [8192, 12288, 16384, 12288, 8192]


@settings(max_examples=100, deadline=None)
@given(cls=st.sampled_from([SiriStair, SiriCosine, SiriStairCosine]), half=st.integers(1, 500), t=st.integers(0, 10**5))
def test_expansion_first_is_a_half_period_shift(cls, half, t):
    T = 2 * half
    comp = cls(l_max=16384, l_min=8192, period=T)
    exp = cls(l_max=16384, l_min=8192, period=T, first_phase="expansion")
    # Same real value up to float noise; rounding can differ by one only at an exact .5 tie.
    assert abs(exp.cap(t) - comp.cap(t + half)) <= (0 if cls is SiriStair else 1)


# ---------------------------------------------------------------- rounding
@pytest.mark.parametrize(
    "l_max, l_min, t, expected, derivation",
    [
        (101, 100, 1, 100, "T=4, t=T/4: 100.5 + 0.5·cos(π/2) = 100.5 → ties to even → 100 (half-up: 101)"),
        (103, 100, 1, 102, "101.5 + 1.5·0 = 101.5 → ties to even → 102 (floor: 101)"),
        (103, 100, 3, 102, "t=3T/4: 101.5 → 102"),
        (102, 100, 1, 101, "no tie: mid = 101 exactly"),
    ],
)
def test_rounding_is_half_to_even(l_max, l_min, t, expected, derivation):
    assert SiriCosine(l_max=l_max, l_min=l_min, period=4).cap(t) == expected


# ---------------------------------------------------------------- cycles, offset, bounds
def test_cycles_then_hold():
    s = SiriCosine(cycles=3, **PAPER)
    assert s.cap(3 * 640 - 320) == 8192  # trough of the third cycle
    assert s.cap(3 * 640 - 1) == 16384  # 16384 - 0.197 → 16384
    assert s.cap(3 * 640) == 16384  # hold: the value the cycle ends on
    assert s.cap(10**6) == 16384
    stair = SiriStair(cycles=1, **PAPER)
    assert (stair.cap(639), stair.cap(640), stair.cap(5000)) == (16384, 16384, 16384)
    assert SiriStair(**PAPER).cap(640) == 8192  # without cycles it compresses again
    assert SiriStair(cycles=1, first_phase="expansion", **PAPER).cap(640) == 8192
    assert SiriCosine(cycles=1, after_cycles="min", **PAPER).cap(640) == 8192
    assert SiriStair(cycles=1, after_cycles="max", first_phase="expansion", **PAPER).cap(700) == 16384


def test_step_offset_shifts_the_schedule():
    a = SiriStairCosine(**PAPER)
    b = SiriStairCosine(step_offset=240, **PAPER)
    assert [b.cap(t) for t in range(0, 800, 7)] == [a.cap(t + 240) for t in range(0, 800, 7)]
    assert b.cap(0) == 8192  # starts at the L_min plateau


@pytest.mark.parametrize(
    "kwargs, min_cap, max_cap, derivation",
    [
        (dict(PAPER), 8192, 16384, "T even: t = T/2 reaches L_min exactly"),
        (dict(l_max=16384, l_min=8192, period=3), 10240, 16384, "T=3: cos(2π/3) = -0.5 → 12288 - 2048; L_min never hit"),
        (dict(PAPER, cycles=1, step_offset=320), 16384, 16384, "stair: offset past the compression half, then hold L_max"),
    ],
)
def test_min_max_cap_are_exact(kwargs, min_cap, max_cap, derivation):
    cls = SiriStair if "cycles" in kwargs else SiriCosine
    s = cls(**kwargs)
    assert (s.min_cap, s.max_cap) == (min_cap, max_cap)


siri_params = st.fixed_dictionaries(
    {
        "l_min": st.integers(1, 40000),
        "span": st.integers(0, 40000),
        "period": st.integers(1, 3000),
        "first_phase": st.sampled_from(["compression", "expansion"]),
        "step_offset": st.integers(0, 5000),
    }
)


def _build(cls, p, **extra):
    return cls(
        l_max=p["l_min"] + p["span"], l_min=p["l_min"], period=p["period"],
        first_phase=p["first_phase"], step_offset=p["step_offset"], **extra,
    )


@settings(max_examples=200, deadline=None)
@given(cls=st.sampled_from([SiriStair, SiriCosine, SiriStairCosine]), p=siri_params, t=st.integers(0, 10**6))
def test_bounds_and_periodicity(cls, p, t):
    s = _build(cls, p)
    c = s.cap(t)
    assert isinstance(c, int)
    assert s.min_cap <= c <= s.max_cap
    assert p["l_min"] <= s.min_cap <= s.max_cap <= p["l_min"] + p["span"]
    assert s.cap(t + p["period"]) == c
    assert s.cap(t + 7 * p["period"]) == c


@settings(max_examples=200, deadline=None)
@given(
    cls=st.sampled_from([SiriStair, SiriCosine, SiriStairCosine]),
    p=siri_params,
    cycles=st.integers(1, 4),
    after=st.sampled_from(["hold", "max", "min"]),
    t=st.integers(0, 20000),
)
def test_bounds_with_cycles(cls, p, cycles, after, t):
    s = _build(cls, p, cycles=cycles, after_cycles=after)
    assert s.min_cap <= s.cap(t) <= s.max_cap
    end = cycles * p["period"] - p["step_offset"]
    if t >= end:
        assert s.cap(t) == s.cap(max(end, 0) + 12345)  # constant after the last cycle


@settings(max_examples=200, deadline=None)
@given(cls=st.sampled_from([SiriCosine, SiriStairCosine]), p=siri_params, t0=st.integers(0, 10**5))
def test_continuity_bounded_by_max_slope(cls, p, t0):
    s = _build(cls, p)
    caps = np.array([s.cap(t) for t in range(t0, t0 + p["period"] + 2)])
    # The real-valued cap moves at most max_slope per step; rounding each end adds at most 1/2.
    assert np.abs(np.diff(caps)).max(initial=0) <= s.max_slope + 1


def test_max_slope_values():
    # cosine: amp·2π/T = 4096·2π/640 = 40.21; stair-cosine: amp·4π/T = 80.42.
    assert SiriCosine(**PAPER).max_slope == pytest.approx(40.2124, abs=1e-3)
    assert SiriStairCosine(**PAPER).max_slope == pytest.approx(80.4248, abs=1e-3)
    assert math.isinf(SiriStair(**PAPER).max_slope)
    caps = np.array([SiriStairCosine(**PAPER).cap(t) for t in range(640)])
    assert np.abs(np.diff(caps)).max() in (80, 81)


# ---------------------------------------------------------------- params and state
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(l_max=8192, l_min=16384),  # l_min > l_max
        dict(period=0),
        dict(period=-5),
        dict(l_min=0),
        dict(cycles=0),
        dict(step_offset=-1),
        dict(first_phase="sideways"),
        dict(periods=640),  # typo: unknown keys are errors
        dict(after_cycles="max"),  # without cycles it would act on nothing
    ],
)
def test_bad_params(kwargs):
    with pytest.raises(ValidationError):
        SiriCosine.Params(**kwargs)
    with pytest.raises(StrategyParamsError):
        lengthwise.create("schedule", "siri-stair-cosine", **kwargs)


def test_equal_bounds_are_a_constant():
    s = SiriStairCosine(l_max=4096, l_min=4096, period=10)
    assert {s.cap(t) for t in range(30)} == {4096}


@pytest.mark.parametrize("cls", [SiriStair, SiriCosine, SiriStairCosine])
def test_negative_step_raises(cls):
    with pytest.raises(ValueError):
        cls().cap(-1)


@pytest.mark.parametrize("name", ["siri-stair", "siri-cosine", "siri-stair-cosine"])
def test_stateless_round_trip(name):
    a = lengthwise.create("schedule", name, **PAPER)
    state = json.loads(json.dumps(a.state_dict()))
    b = lengthwise.create("schedule", name, **PAPER)
    b.load_state_dict(state)
    assert [a.cap(t) for t in range(0, 2000, 37)] == [b.cap(t) for t in range(0, 2000, 37)]
    with pytest.raises(ValueError):
        b.load_state_dict({"step": 3})
