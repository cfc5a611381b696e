"""Cosine length-scaling reward (Yeo et al. 2025, "Demystifying Long Chain-of-Thought Reasoning
in LLMs", arXiv 2502.03373, §4, the cosine length-scaling reward).

With the generation cap L (here the response's own cap, ``batch.caps``) and t = ℓ::

    CosFn(t, L, r_0, r_L) = r_L + ½ (r_0 - r_L) (1 + cos(π t / L))

    R(y) = r_exceed                         if ℓ >= L - margin  (hit the cap)
           CosFn(ℓ, L, r_c0, r_cL)          if y is correct
           CosFn(ℓ, L, r_w0, r_wL)          if y is wrong

CosFn equals r_0 at ℓ = 0 and r_L at ℓ = L. Defaults r_c0 = 2, r_cL = 1 (shorter correct is
better), r_w0 = -10, r_wL = 0 (longer wrong is less bad), r_exceed = -10.

Checked against eddycmu/demystify-long-cot ``openrlhf/openrlhf/reward/cosine.py``
(``CosineScaledSparseReward.reward``, commit e90cf9b3): ``r = min_value + 0.5 (max_value -
min_value)(1 + cos(π·gen_len/max_len))`` where for correct (min, max) = (r_cL, r_c0) and for wrong
the swapped (max_value_wrong, min_value_wrong) = (r_wL, r_w0); the exceed check
``gen_len + MAX_LEN_MARGIN >= max_len`` (MAX_LEN_MARGIN = 16) comes first and overrides
correctness. Constants from the repo's run scripts: ``min_value_correct 1``,
``max_value_correct 2``, ``min_value_wrong -10``, ``max_value_wrong 0``,
``common_exceed_length -10``. The repo also adds an n-gram repetition penalty to wrong answers
(a separate reward there); it is not part of this shaper.

``exceed_margin`` defaults to the source's 16 (``openrlhf/openrlhf/reward/common.py``:
``MAX_LEN_MARGIN = 16``): a response within 16 tokens of the cap counts as having hit it, as in the
runs the paper reports. ``exceed_margin: 0`` makes it exactly ℓ >= L. ℓ/L is clipped to [0, 1] for
the interpolation. A response with no answer is "wrong" here, as in the source (its branches are
``if score == 1`` / ``else``).

Because r_exceed overrides correctness, a correct response that used the whole budget (-10) scores
below a wrong one that stopped early (> -10), so ``wrong_may_outrank_correct = True``. Below the
cap, with the defaults, every wrong value (≤ 0) is below every correct one (≥ 1). Params check
r_w0, r_wL <= 0 (as the source does) and r_w0 <= r_c0, r_wL <= r_cL.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from lengthwise import RewardShaper, ShapedRewards, StrictParams

__all__ = ["CosineParams", "CosineLength", "cos_fn"]


class CosineParams(StrictParams):
    """Endpoint rewards for correct/wrong answers at ℓ = 0 and ℓ = L, the cap penalty and margin."""

    r_c0: float = Field(2.0, allow_inf_nan=False, description="correct answer, ℓ = 0")
    r_cL: float = Field(1.0, allow_inf_nan=False, description="correct answer, ℓ = L")
    r_w0: float = Field(-10.0, le=0, allow_inf_nan=False, description="wrong answer, ℓ = 0")
    r_wL: float = Field(0.0, le=0, allow_inf_nan=False, description="wrong answer, ℓ = L")
    r_exceed: float = Field(-10.0, allow_inf_nan=False, description="any answer that reaches the cap")
    exceed_margin: int = Field(16, ge=0, description="ℓ >= L - margin counts as hitting the cap (source: 16)")

    @model_validator(mode="after")
    def _ordered(self) -> "CosineParams":
        if self.r_w0 > self.r_c0 or self.r_wL > self.r_cL:
            raise ValueError("wrong endpoints must not exceed the correct ones (r_w0 <= r_c0, r_wL <= r_cL)")
        return self


def cos_fn(t: np.ndarray, cap: np.ndarray, r0, rL) -> np.ndarray:
    """r_L + ½(r_0 - r_L)(1 + cos(π·t/L)) with t/L clipped to [0, 1]."""
    progress = np.clip(np.asarray(t, dtype=np.float64) / np.asarray(cap, dtype=np.float64), 0.0, 1.0)
    return rL + 0.5 * (np.asarray(r0) - rL) * (1.0 + np.cos(np.pi * progress))


class CosineLength(RewardShaper):
    """Yeo et al. cosine reward: r_0→r_L by cos(πℓ/L), separately for correct and wrong."""

    name: ClassVar[str] = "cosine"
    wrong_may_outrank_correct: ClassVar[bool] = True
    Params = CosineParams
    params: CosineParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        correct = batch.correct
        r0 = np.where(correct, p.r_c0, p.r_w0)
        rL = np.where(correct, p.r_cL, p.r_wL)
        scaled = cos_fn(batch.lengths, batch.caps, r0, rL)
        exceeded = batch.lengths >= batch.caps - p.exceed_margin
        rewards = np.where(exceeded, p.r_exceed, scaled)
        return ShapedRewards(
            rewards=rewards,
            terms={"correctness": rL, "length": rewards - rL},
            metrics={"exceed_frac": float(exceeded.mean()) if len(batch) else 0.0},
        )
