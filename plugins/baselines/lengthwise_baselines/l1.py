"""L1 / LCPO length-controlled rewards (Aggarwal & Welleck 2025, "L1: Controlling How Long A
Reasoning Model Thinks With Reinforcement Learning", arXiv 2503.04697, §3).

The prompt carries a target n_gold ("Think for n_gold tokens"); per response it comes from
``batch.target_lengths`` (a nan entry, or no array at all, falls back to ``params.target_length``).

LCPO-Exact (``l1-exact``)::

    r(y) = R_c(y) - α · |n_gold - ℓ|                       α = 0.0003

LCPO-Max (``l1-max``), a budget rather than a target::

    r(y) = R_c(y) · clip(α · (n_gold - ℓ) + δ, 0, 1)       α = 0.0003, δ = 0.5
           (wrong responses get wrong_reward, 0 by default)

Checked against cmu-l3/l1 ``math_reward.py`` (commit 93dd3301): Exact is
``get_delta_score_linear`` added to the 0/1 correctness (``delta_score + correctness_score`` with
delta_score = -α|n - ℓ|), α = 0.0003 in ``scripts/train/run_l1_exact.sh`` — hence the {1, 0}
default scale. The repo's Max variant (``get_delta_score_linear_both``, target sent as a negative
``num_tokens``) computes (clip(α(n - ℓ), -1, 1) + 1)/2 = clip(α/2·(n - ℓ) + 1/2, 0, 1), i.e. the
paper's form with δ = 0.5 and the slope α/2; whether it is multiplied by or added to the
correctness depends on ``reward_config.multiplier_reward``, which ``run_l1_max.sh`` leaves to the
caller. We follow the paper's multiplicative form with the paper's α and δ.

``l1-exact`` can rank a wrong response above a correct one: a correct answer 4000 tokens off
target scores 1 - 1.2 = -0.2, a wrong one on target scores 0. The paper accepts this — adherence
to the requested length is half the objective — so ``wrong_may_outrank_correct = True``.
``l1-max`` cannot (correct ≥ 0 ≥ wrong, checked).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from lengthwise import RewardShaper, RolloutBatch, ShapedRewards
from lengthwise.terms import CorrectnessParams, correctness_reward

__all__ = ["L1ExactParams", "L1MaxParams", "L1Exact", "L1Max", "resolve_targets"]


class _L1Params(CorrectnessParams):
    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(0.0, allow_inf_nan=False)
    alpha: float = Field(0.0003, ge=0, allow_inf_nan=False, description="α: reward per token of deviation")
    target_length: int | None = Field(
        None, ge=0, description="n_gold when the batch carries no per-response target (or a nan one)"
    )


class L1ExactParams(_L1Params):
    """LCPO-Exact: 0/1 correctness, α = 0.0003, optional fallback target."""


class L1MaxParams(_L1Params):
    """LCPO-Max: 0/1 correctness, α = 0.0003, δ = 0.5, optional fallback target."""

    delta: float = Field(0.5, ge=0, le=1, allow_inf_nan=False, description="δ: value at ℓ = n_gold")

    @model_validator(mode="after")
    def _signs(self) -> "L1MaxParams":
        if self.wrong_reward > 0 or self.correct_reward < 0:
            raise ValueError("l1-max needs wrong_reward <= 0 <= correct_reward (the clip can reach 0)")
        return self


def resolve_targets(batch: RolloutBatch, fallback: int | None) -> np.ndarray:
    """n_gold per response: ``batch.target_lengths`` with nan (or a missing array) -> ``fallback``."""
    n = len(batch)
    if batch.target_lengths is None:
        target = np.full(n, np.nan)
    else:
        target = np.asarray(batch.target_lengths, dtype=np.float64).copy()
    missing = np.isnan(target)
    if missing.any():
        if fallback is None:
            raise ValueError(
                f"{int(missing.sum())} response(s) have no target length: the batch carries none "
                "(target_lengths) and the params set no target_length fallback"
            )
        target[missing] = float(fallback)
    if np.any(~np.isfinite(target)) or np.any(target < 0):
        raise ValueError("target lengths must be finite and >= 0")
    return target


class L1Exact(RewardShaper):
    """L1 / LCPO-Exact: R_c - α|n_gold - ℓ| toward a per-prompt target length."""

    name: ClassVar[str] = "l1-exact"
    wrong_may_outrank_correct: ClassVar[bool] = True
    Params = L1ExactParams
    params: L1ExactParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        target = resolve_targets(batch, p.target_length)
        rc = correctness_reward(batch.correct, p)
        length = -p.alpha * np.abs(target - batch.lengths)
        return ShapedRewards(
            rewards=rc + length,
            terms={"correctness": rc, "length": length},
            metrics={
                "target_length_mean": float(target.mean()) if len(batch) else 0.0,
                "abs_deviation_mean": float(np.abs(target - batch.lengths).mean()) if len(batch) else 0.0,
            },
        )


class L1Max(RewardShaper):
    """L1 / LCPO-Max: R_c · clip(α(n_gold - ℓ) + δ, 0, 1), a soft token budget."""

    name: ClassVar[str] = "l1-max"
    Params = L1MaxParams
    params: L1MaxParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        target = resolve_targets(batch, p.target_length)
        rc = correctness_reward(batch.correct, p)
        budget = np.clip(p.alpha * (target - batch.lengths) + p.delta, 0.0, 1.0)
        rewards = np.where(batch.correct, p.correct_reward * budget, p.wrong_reward)
        return ShapedRewards(
            rewards=rewards,
            terms={"correctness": rc, "length": budget},
            metrics={
                "target_length_mean": float(target.mean()) if len(batch) else 0.0,
                "over_budget_frac": float((batch.lengths > target).mean()) if len(batch) else 0.0,
            },
        )
