"""Kimi k1.5 length penalty (Kimi Team 2025, arXiv 2501.12599, §2.3.3 "Length Penalty").

Within each group (the k responses sampled for one prompt, *all* of them, correct or wrong),
with ℓ_min and ℓ_max the shortest and longest length::

    λ(y)   = 0.5 - (ℓ - ℓ_min) / (ℓ_max - ℓ_min)            (λ = 0 when ℓ_max = ℓ_min)
    S(y)   = λ            if y is correct
             min(0, λ)    if y is wrong (with an answer)
             0            if y has no answer
    R(y)   = R_c(y) + w · S(y)                              applied from step ``warmup_steps`` on

so λ runs from +0.5 (shortest) to -0.5 (longest); short wrong answers are not rewarded, long ones
are penalised.

Checked against hkust-nlp/Laser ``verl/utils/reward_score/length_penalty.py``
(``compute_kimi_penalty``, commit c9e7c4ef): w = ``len_coef`` = 0.4, min/max over all responses
of the uid, correct = score 1.0 (+w·λ), wrong = score -0.5 (+w·min(0, λ)) — hence the default
scale {1, -0.5} (Laser's scripts; the Kimi report itself uses a {0, 1} reward and gives no w).
A response with no answer scores -1.0 there (``hf_math_verifier.compute_score``: ``if not
is_boxed_matched: box_match = -1.0``) and falls in neither branch (``if score_lst[i] == 1.0`` /
``elif score_lst[i] == -0.5``), so it gets ``format_reward`` = -1.0 and no length term; its length
still counts in the group's ℓ_min/ℓ_max ("we consider all the responses").

Warm-up: the Kimi report (§2.3.3) notes the length penalty slows training at first, so it uses a
phase of plain policy optimisation "followed by a constant length penalty". ``warmup_steps``
(default 0: the penalty from the start, as in Laser's scripts) leaves the reward at R_c for the
batches of steps ``t < warmup_steps`` (``batch.step``, lengthwise's 0-based step); the report
gives no number, so a run chooses it.

Edge cases, where Laser and this module differ:

* equal lengths (ℓ_max = ℓ_min, including a group of size 1): λ = 0, no length term. Laser also
  gives 0 for equal lengths, but for a group of size 1 it sets ℓ_min = 0, ℓ_max = 1 and computes
  λ = 0.5 - ℓ/(1 + ε), a large negative number for any real length — an artefact we do not copy
  (the paper's formula has ℓ_min = ℓ_max = ℓ there; open-r1's ``len_reward`` also returns 0).
* Laser divides by (ℓ_max - ℓ_min + 1e-6); here the division is exact (ℓ_max > ℓ_min is
  checked first), a difference below 1e-6 relative.

With ``0.5·w <= correct_reward - wrong_reward`` (checked) a correct response (≥ R_c - w/2)
never scores below a wrong one (≤ wrong_reward).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from lengthwise import RewardShaper, ShapedRewards
from lengthwise.terms import FormatPenaltyParams, correctness_reward
from lengthwise.terms import group_max, group_min

__all__ = ["KimiParams", "KimiLengthPenalty", "kimi_lambda"]


class KimiParams(FormatPenaltyParams):
    """Laser's scale {1, -0.5} and the length weight w."""

    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(-0.5, allow_inf_nan=False)
    format_reward: float | None = Field(
        -1.0, allow_inf_nan=False, description="R_c of a response with no answer (Laser's compute_score: -1.0)"
    )
    len_coef: float = Field(0.4, ge=0, allow_inf_nan=False, description="w: weight of the length term")
    warmup_steps: int = Field(0, ge=0, description="steps of plain correctness reward before the penalty starts")

    @model_validator(mode="after")
    def _penalty_keeps_order(self) -> "KimiParams":
        if 0.5 * self.len_coef > self.correct_reward - self.wrong_reward:
            raise ValueError("len_coef/2 must not exceed correct_reward - wrong_reward (a wrong answer would outrank)")
        return self


def kimi_lambda(lengths: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """λ = 0.5 - (ℓ - ℓ_min)/(ℓ_max - ℓ_min) over each whole group; 0 where all lengths are equal."""
    ell = np.asarray(lengths, dtype=np.float64)
    lo = group_min(ell, group, n_groups)
    hi = group_max(ell, group, n_groups)
    spread = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = 0.5 - (ell - lo) / spread
    return np.where(spread > 0, lam, 0.0)


class KimiLengthPenalty(RewardShaper):
    """Kimi k1.5 length penalty: λ = 0.5 - (ℓ-ℓmin)/(ℓmax-ℓmin) per group, wrong only ≤ 0."""

    name: ClassVar[str] = "kimi"
    Params = KimiParams
    params: KimiParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        rc = correctness_reward(batch.correct, p, batch.has_answer)
        lam = kimi_lambda(batch.lengths, batch.group, batch.n_groups)
        scored = np.where(batch.correct, lam, np.where(batch.has_answer, np.minimum(lam, 0.0), 0.0))
        active = batch.step >= p.warmup_steps
        length = p.len_coef * scored if active else np.zeros(len(batch), dtype=np.float64)
        return ShapedRewards(
            rewards=rc + length,
            terms={"correctness": rc, "length": length},
            metrics={
                "length_term_mean": float(length.mean()) if len(batch) else 0.0,
                "penalty_active": float(active),
            },
        )
