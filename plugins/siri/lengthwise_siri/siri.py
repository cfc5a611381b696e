"""SIRI's periodic rollout-length schedules: stair, cosine and stair-cosine.

Source: Wen, Bai, Li, Tang, "SIRI: Scaling Iterative Reinforcement Learning with Interleaved
Compression" (arXiv 2509.25176; HTML arxiv.org/html/2509.25176v1), §4.3 and Figure 3 (length
schedulers): L_max = 16384, L_min = 8192, period T ∈ {320, 480, 640} (best 640), three cycles;
SIRI-low is the checkpoint at the end of a compression phase, SIRI-high the one at the end of an
expansion phase (abstract; the THU-KEG/SIRI-1.5B-low/-high model cards: "controlled by a cosine
length scheduler"). The formulas below are §4.3's; "Phase order" says which half comes first and
how to change it.

Notation: step t (the host's step counter), shifted step s = t + step_offset, cycle position
u = (s mod T) / T ∈ [0, 1), angle φ = 2πu, mid = (L_max + L_min)/2, amp = (L_max − L_min)/2.

Compression-first shapes (``first_phase="compression"``, the default):

* stair:        L_min for u < 1/2, L_max for u ≥ 1/2.
* cosine:       mid + amp·cos(2πu)                      (§4.3: cos(2πt/T)).
* stair-cosine: L_max                        for φ < π/4 or φ ≥ 7π/4
                mid + amp·cos(2(φ − π/4))    for π/4 ≤ φ < 3π/4   (descent)
                L_min                        for 3π/4 ≤ φ < 5π/4
                mid + amp·cos(2(φ − 3π/4))   for 5π/4 ≤ φ < 7π/4  (ascent)

In all three the first half-cycle is the compression phase (cap at L_min for stair, cap
falling to L_min for the two cosine shapes) and the second half the expansion phase; the
checkpoint at the end of a compression phase (u = 1/2) is SIRI-low's, the one at the end of a
cycle SIRI-high's. The three are aligned: the cosine and the stair-cosine both reach L_min at
exactly u = 1/2 (t = T/2).

Phase order: ``first_phase="expansion"`` mirrors a shape about mid,
L'(u) = L_max + L_min − L(u), which equals shifting it by half a period (stair: L_max first;
cosine: mid − amp·cos(2πu), starting at L_min; stair-cosine: L_min plateau first).

Continuity of stair-cosine (checked by hand and in the tests): at φ = π/4 the descent gives
cos 0 = 1 → L_max (= the plateau before it); at φ = 3π/4, cos π = −1 → L_min (= the plateau
after it); the ascent at φ = 5π/4 gives cos π = −1 → L_min and at φ = 7π/4 gives cos 2π = 1 →
L_max. The §4.3 formula is therefore continuous, and monotone on each transition. Each
transition is half a cosine period squeezed into T/4 steps, so its steepest slope is
2·amp·(4π/T)/2 = 4π·amp/T tokens per step, twice the plain cosine's 2π·amp/T
(amp = 4096, T = 640: 80.4 vs 40.2 tokens per step).

Rounding: the real-valued cap is rounded to the nearest integer with ties to even
(``numpy.rint``, as Python's ``round``): e.g. L_max = 101, L_min = 100 gives 100.5 → 100 at
u = 1/4. Because L_min and L_max are integers the rounded cap stays in [L_min, L_max].

Cycles: with ``cycles = n`` the schedule runs n full cycles (s < n·T) and then holds
``after_cycles``: ``"hold"`` keeps the value the last cycle ends on (its limit as u → 1:
L_max for every compression-first shape, L_min for expansion-first), ``"max"``/``"min"`` hold
L_max/L_min; setting ``after_cycles`` without ``cycles`` is refused (it would act on nothing).
The paper stops training after three cycles; it does not say what a longer run should do, so
the default is ``cycles=None`` (repeat forever).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from lengthwise import Schedule, StrictParams

__all__ = ["SiriParams", "SiriSchedule", "SiriStair", "SiriCosine", "SiriStairCosine"]


class SiriParams(StrictParams):
    """Bounds, period and phase of a SIRI compression–expansion schedule."""

    l_max: int = Field(16384, gt=0, description="cap of the expansion phase (tokens)")
    l_min: int = Field(8192, gt=0, description="cap of the compression phase (tokens)")
    period: int = Field(640, gt=0, description="steps in one compression–expansion cycle (T)")
    first_phase: Literal["compression", "expansion"] = Field(
        "compression", description="which half-cycle comes first"
    )
    cycles: int | None = Field(None, ge=1, description="number of cycles; None repeats forever")
    after_cycles: Literal["hold", "max", "min"] = Field(
        "hold", description="cap once `cycles` cycles are done: the cycle's final value, L_max or L_min"
    )
    step_offset: int = Field(0, ge=0, description="the schedule is evaluated at step + step_offset")

    @model_validator(mode="after")
    def _bounds_ordered(self) -> "SiriParams":
        if self.l_min > self.l_max:
            raise ValueError(f"l_min ({self.l_min}) must not exceed l_max ({self.l_max})")
        if self.cycles is None and "after_cycles" in self.model_fields_set:
            raise ValueError("after_cycles only applies once `cycles` cycles are done; set cycles or drop after_cycles")
        return self


def stair_shape(u: np.ndarray, l_max: float, l_min: float) -> np.ndarray:
    """Compression-first stair: L_min on the first half-cycle, L_max on the second."""
    return np.where(u < 0.5, float(l_min), float(l_max))


def cosine_shape(u: np.ndarray, l_max: float, l_min: float) -> np.ndarray:
    """mid + amp·cos(2πu): L_max at u = 0, L_min at u = 1/2."""
    mid, amp = (l_max + l_min) / 2.0, (l_max - l_min) / 2.0
    return mid + amp * np.cos(2.0 * np.pi * u)


def stair_cosine_shape(u: np.ndarray, l_max: float, l_min: float) -> np.ndarray:
    """Plateaus at L_max and L_min joined by half-period cosine transitions (see module doc).

    In u: L_max on [0, 1/8) ∪ [7/8, 1]; descent mid + amp·cos(4π(u − 1/8)) on [1/8, 3/8);
    L_min on [3/8, 5/8); ascent mid + amp·cos(4π(u − 3/8)) on [5/8, 7/8).
    (φ = 2πu, so 2(φ − π/4) = 4π(u − 1/8) and 2(φ − 3π/4) = 4π(u − 3/8).)
    """
    mid, amp = (l_max + l_min) / 2.0, (l_max - l_min) / 2.0
    out = np.full(np.shape(u), float(l_max))
    descent = (u >= 0.125) & (u < 0.375)
    trough = (u >= 0.375) & (u < 0.625)
    ascent = (u >= 0.625) & (u < 0.875)
    out[descent] = mid + amp * np.cos(4.0 * np.pi * (u[descent] - 0.125))
    out[trough] = float(l_min)
    out[ascent] = mid + amp * np.cos(4.0 * np.pi * (u[ascent] - 0.375))
    return out


class SiriSchedule(Schedule):
    """Base of the SIRI schedules: cycle bookkeeping, phase order, rounding, exact bounds."""

    Params = SiriParams

    @staticmethod
    def _shape(u: np.ndarray, l_max: float, l_min: float) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _real(self, u: np.ndarray) -> np.ndarray:
        """Real-valued cap at cycle positions ``u`` (phase order applied)."""
        p = self.params
        u = np.asarray(u, dtype=np.float64)
        vals = self._shape(u, p.l_max, p.l_min)
        if p.first_phase == "expansion":
            vals = (p.l_max + p.l_min) - vals
        return vals

    def _caps(self, u: np.ndarray) -> np.ndarray:
        # Ties to even; the clip only guards against float noise, the bounds are integers.
        return np.clip(np.rint(self._real(u)), self.params.l_min, self.params.l_max).astype(np.int64)

    @cached_property
    def _after_value(self) -> int:
        p = self.params
        if p.after_cycles == "max":
            return p.l_max
        if p.after_cycles == "min":
            return p.l_min
        return int(self._caps(np.array([1.0]))[0])  # the value the last cycle ends on

    def cap(self, step: int) -> int:
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        p = self.params
        s = int(step) + p.step_offset
        if p.cycles is not None and s >= p.cycles * p.period:
            return self._after_value
        u = (s % p.period) / p.period
        return int(self._caps(np.array([u]))[0])

    @cached_property
    def _reachable(self) -> np.ndarray:
        """Every cap some step >= 0 returns (one period of positions, plus the hold value)."""
        p = self.params
        T = p.period
        if p.cycles is None:
            positions = np.arange(T)
            return self._caps(positions / T)
        end = p.cycles * T
        vals = [np.array([self._after_value], dtype=np.int64)]
        if p.step_offset < end:
            s = np.arange(p.step_offset, min(end, p.step_offset + T))
            vals.append(self._caps((s % T) / T))
        return np.concatenate(vals)

    @property
    def max_cap(self) -> int:
        return int(self._reachable.max())

    @property
    def min_cap(self) -> int:
        return int(self._reachable.min())

    @property
    def max_slope(self) -> float:
        """Steepest change of the real-valued cap, in tokens per step (inf for the stair)."""
        return math.inf


class SiriStair(SiriSchedule):
    """SIRI stair: L_min for half a cycle (compression), L_max for the other half (expansion)."""

    name = "siri-stair"
    _shape = staticmethod(stair_shape)


class SiriCosine(SiriSchedule):
    """SIRI cosine: L_t = (L_max+L_min)/2 + (L_max-L_min)/2 * cos(2*pi*t/T)."""

    name = "siri-cosine"
    _shape = staticmethod(cosine_shape)

    @property
    def max_slope(self) -> float:
        p = self.params
        return (p.l_max - p.l_min) / 2.0 * 2.0 * math.pi / p.period


class SiriStairCosine(SiriSchedule):
    """SIRI stair-cosine: L_max and L_min plateaus of T/4 joined by cosine transitions of T/4."""

    name = "siri-stair-cosine"
    _shape = staticmethod(stair_cosine_shape)

    @property
    def max_slope(self) -> float:
        p = self.params
        return (p.l_max - p.l_min) / 2.0 * 4.0 * math.pi / p.period
