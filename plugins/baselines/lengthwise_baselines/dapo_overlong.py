"""DAPO's soft overlong punishment (Yu et al. 2025, "DAPO", §3.4 "Overlong Reward Shaping").

With cap L_max (here the response's own generation cap, ``batch.caps``), buffer L_c and factor f::

    R(y) = R_c(y) + min(0, -(ℓ - (L_max - L_c)) / L_c · f)

so the length term is 0 up to L_max - L_c, falls linearly through the buffer and reaches -f at
ℓ = L_max. It applies to every response, correct or wrong.

Checked against verl ``verl/experimental/reward_loop/reward_manager/dapo.py``
(``DAPORewardManager.run_single``, commit b178a3cd): ``expected_len = max_resp_len - len``,
``overlong_reward = min(-exceed_len / len * penalty_factor, 0)`` added to the score; correctness
±1 from ``verl/utils/reward_score/math_dapo.py`` (``1.0 if correct else -1.0``). Defaults
L_c = 4096, f = 1.0 are verl's DAPO recipe values (``overlong_buffer_len=$((1024 * 4))``,
``overlong_penalty_factor=1.0``).

Differences from verl, both outside verl's own domain:

* verl asserts ``max_resp_len >= overlong_buffer.len``; here the cap may change per step
  (a schedule), so the buffer is clamped to the cap: L_c' = min(L_c, L_max).
* verl never sees ℓ > L_max (generation stops at the cap); here ℓ is clamped to L_max, so the
  term never drops below -f.

With ``penalty_factor <= correct_reward - wrong_reward`` (checked) a correct response, at worst
R_c - f, never scores below a wrong one, at best wrong_reward.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from lengthwise import RewardShaper, ShapedRewards
from lengthwise.terms import CorrectnessParams, correctness_reward
from lengthwise.terms import overlong_penalty

__all__ = ["DapoOverlongParams", "DapoOverlong"]


class DapoOverlongParams(CorrectnessParams):
    """DAPO scale (±1), overlong buffer length L_c and penalty factor f."""

    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(-1.0, allow_inf_nan=False)
    buffer_len: int = Field(4096, gt=0, description="L_c: tokens before the cap where the penalty ramps")
    penalty_factor: float = Field(1.0, ge=0, allow_inf_nan=False, description="f: penalty at the cap")

    @model_validator(mode="after")
    def _penalty_keeps_order(self) -> "DapoOverlongParams":
        if self.penalty_factor > self.correct_reward - self.wrong_reward:
            raise ValueError("penalty_factor must not exceed correct_reward - wrong_reward (a wrong answer would outrank)")
        return self


class DapoOverlong(RewardShaper):
    """DAPO soft overlong punishment: linear penalty in the last L_c tokens before the cap."""

    name: ClassVar[str] = "dapo-overlong"
    Params = DapoOverlongParams
    params: DapoOverlongParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        rc = correctness_reward(batch.correct, p)
        length = overlong_penalty(batch.lengths, batch.caps, p.buffer_len, p.penalty_factor)
        overlong = length < 0
        return ShapedRewards(
            rewards=rc + length,
            terms={"correctness": rc, "length": length},
            metrics={
                "overlong_frac": float(overlong.mean()) if len(batch) else 0.0,
                "overlong_penalty_mean": float(length.mean()) if len(batch) else 0.0,
            },
        )
