"""Difficulty-Aware DLER: DLER's truncation with a per-prompt length that shrinks as the prompt
gets easier (Liu et al. 2025, arXiv 2510.15110: "Difficulty-Aware DLER, which adaptively tightens
truncation on easier questions for additional efficiency gains").

The rule is not public. NVlabs/DLER has no difficulty-aware truncation in its code (``git grep
-i difficulty`` over ``verl-dler/verl`` and ``verl-dler/recipe`` at every commit up to ea7d4f7
finds none), its project page (the repository's ``pages`` branch, 0805e78, ``index.html``)
describes DLER only, and the paper's method section could not be read here (the stored copies
of arXiv 2510.15110 hold its abstract and introduction). What follows is our reading of the
abstract's sentence, in DLER's own terms (:mod:`lengthwise_dler.truncation`):

    p(q)  = pass rate of prompt q's group this step         (the difficulty hook; default
                                                             estimator ``pass-rate``)
    L(q)  = ceil(L · (1 − (1 − ρ) · p(q)))                 L = the rollout cap, ρ = easy_fraction
    R(y)  = r_w · κ                    if ℓ(y) > L(q)       (cut at L(q))
            DLER's R(y)                otherwise

so a prompt no rollout solves keeps DLER's L, one every rollout solves is truncated at ρ·L, and
the length moves linearly in between. A response cut at L(q) is graded as one generated with
``max_tokens = L(q)`` would be, with its answer — written after ``</think>``, at the end — past
the cut, so it has none (DLER scores that as wrong), and it did not stop (κ). The scorer graded clip(y, L), not clip(y, L(q)), so a response
that wrote its answer within L(q) and then kept going is counted as unanswered: that is the
approximation (exact for responses that end at their answer, which the task format asks for).
A response within L(q) is scored exactly as DLER scores it, so ρ = 1 is DLER.

Choices, each a parameter or stated here: the difficulty is the current group's pass rate
measured at the full cap L (as Laser-D picks a group's target from its own accuracy); the
interpolation is linear in p(q); L(q) is rounded up, so it never drops below 1 token and
equals L at p = 0; ρ defaults to 0.5 (the source gives no value).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from lengthwise import RewardShaper, ShapedRewards
from lengthwise.terms import correctness_reward

from .pass_rate import GROUP_PASS_RATE
from .truncation import DlerParams, stop_scale

__all__ = ["DifficultyAwareParams", "DifficultyAwareDler", "truncation_lengths"]


class DifficultyAwareParams(DlerParams):
    """DLER's parameters plus ρ, the truncation length of a fully solved prompt relative to the cap."""

    easy_fraction: float = Field(
        0.5, gt=0, le=1, allow_inf_nan=False,
        description="ρ: L(q) = ceil(L·(1 − (1 − ρ)·p(q))); a prompt solved by every rollout is cut at ρ·L (1: DLER)",
    )


def truncation_lengths(caps: np.ndarray, pass_rate: np.ndarray, easy_fraction: float) -> np.ndarray:
    """L(q) per response: ceil(L·(1 − (1 − ρ)·p)), an integer in [ceil(ρ·L), L]."""
    caps = np.asarray(caps, dtype=np.float64)
    p = np.clip(np.asarray(pass_rate, dtype=np.float64), 0.0, 1.0)
    raw = caps * (1.0 - (1.0 - easy_fraction) * p)
    # the product can land a rounding error above an integer (10·(1 − 0.7) = 3.0000000000000004)
    # and ceil would add a whole token: snap to the integer first
    near = np.round(raw)
    raw = np.where(np.abs(raw - near) < 1e-9, near, raw)
    return np.minimum(np.ceil(raw), caps).astype(np.int64)


class DifficultyAwareDler(RewardShaper):
    """Difficulty-Aware DLER: DLER with truncation at L(q) = ceil(L·(1 − (1 − ρ)·p(q)))."""

    name: ClassVar[str] = "da-dler"
    default_difficulty: ClassVar[str | None] = "pass-rate"
    needs_difficulty: ClassVar[frozenset[str]] = frozenset({GROUP_PASS_RATE})
    Params = DifficultyAwareParams
    params: DifficultyAwareParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        if difficulty is None:
            raise ValueError("da-dler needs a difficulty estimator (its default is pass-rate)")
        limit = truncation_lengths(batch.caps, difficulty.pass_rate, p.easy_fraction)
        cut_early = batch.lengths > limit
        n = len(batch)
        rc = correctness_reward(batch.correct & ~cut_early, p)
        scale = stop_scale(batch.truncated | cut_early, p.stop_properly_penalty)
        return ShapedRewards(
            rewards=rc * scale,
            terms={"correctness": rc, "stop_scale": scale, "truncation_length": limit.astype(np.float64)},
            metrics={
                "truncation_length_mean": float(limit.mean()) if n else 0.0,
                "cut_frac": float((batch.truncated | cut_early).mean()) if n else 0.0,
                "cut_early_frac": float(cut_early.mean()) if n else 0.0,
            },
        )
