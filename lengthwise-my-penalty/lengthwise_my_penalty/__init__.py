"""lengthwise-my-penalty: the ``my-penalty`` reward shaper.

R(y) = correct_reward - coef * max(0, len(y) - target) / target   if y is correct,
R(y) = wrong_reward                                                otherwise.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

import lengthwise
from lengthwise.terms import CorrectnessParams, correctness_reward


class MyPenaltyRewardParams(CorrectnessParams):
    """Correctness scale plus a linear penalty on correct answers longer than ``target``."""

    target: int = Field(4096, gt=0, description="length (tokens) above which correct answers are penalised")
    coef: float = Field(0.5, ge=0, allow_inf_nan=False, description="penalty at twice the target length")


class MyPenaltyReward(lengthwise.RewardShaper):
    """Correct answers lose coef * (len - target)/target above the target length."""

    name = "my-penalty"
    Params = MyPenaltyRewardParams

    def shape(self, batch: lengthwise.RolloutBatch, difficulty=None) -> lengthwise.ShapedRewards:
        p = self.params
        correctness = correctness_reward(batch.correct, p)
        excess = np.maximum(0.0, batch.lengths - p.target) / p.target
        length = np.where(batch.correct, -p.coef * excess, 0.0)
        rewards = correctness + length
        return lengthwise.ShapedRewards(
            rewards=rewards,
            terms={"correctness": correctness, "length": length},
            metrics={"penalised_share": float((length < 0).mean()) if len(batch) else 0.0},
        )


@lengthwise.hookimpl
def register_rewards(register):
    register(MyPenaltyReward)
