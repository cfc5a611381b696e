"""The correctness part every reward shaper starts from.

R_c(y) = ``correct_reward`` if the (length-capped) verdict is correct, else ``wrong_reward``.
Papers differ in scale: DeepScaleR/SIRI use {1, 0}, Laser's scripts {1, -0.5}, DeepCompress and
DAPO {1, -1}; each shaper's ``Params`` sets its paper's default.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from ..strategy import StrictParams

__all__ = ["CorrectnessParams", "correctness_reward"]


class CorrectnessParams(StrictParams):
    """Reward for a correct and for a wrong (or unparseable, or cut-off) response."""

    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(0.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> "CorrectnessParams":
        if self.wrong_reward > self.correct_reward:
            raise ValueError("wrong_reward must not exceed correct_reward")
        return self


def correctness_reward(correct: np.ndarray, params: CorrectnessParams) -> np.ndarray:
    """R_c per response."""
    return np.where(np.asarray(correct, dtype=bool), params.correct_reward, params.wrong_reward).astype(np.float64)
