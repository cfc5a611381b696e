"""The correctness part every reward shaper starts from.

R_c(y) = ``correct_reward``  if the (length-capped) verdict is correct,
         ``format_reward``   if the scorer found no answer in it (``RolloutBatch.has_answer``) and
                             ``format_reward`` is set,
         ``wrong_reward``    otherwise (a wrong answer; or no answer when ``format_reward`` is None).

Papers differ in scale: DeepScaleR/SIRI use {1, 0}, Laser's scripts {1, -0.5} with -1 for an
invalid format, DeepCompress and DAPO {1, -1}; each shaper's ``Params`` sets its paper's default.
What a response with no answer gets follows each source: Laser's
``verl/utils/reward_score/hf_math_verifier.py`` (``compute_score``) gives -1.0 "if not
is_boxed_matched" or when a think delimiter is missing, so Laser, Laser-D, Laser-DE and Laser's
Kimi penalty default ``format_reward = -1.0``; every other source scores "no answer" as wrong
(DeepCompress's ``reward_func``: ``score = 1.0 if acc else -1.0`` with ``acc = format_correct and
…``; DeepScaleR ``format_error_reward = incorrect_reward = 0``; verl's ``math_dapo``: -1 for
anything not correct; Arora & Zanette's ``math_server.py``: ``accuracy * (…)``, 0 unless correct;
L1's ``math_reward.py``: the 0/1 correctness plus its length delta; Yeo et al.'s cosine reward:
``if score == 1`` / ``else``), so their ``format_reward`` stays None.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from ..strategy import StrictParams

__all__ = ["CorrectnessParams", "correctness_reward"]


class CorrectnessParams(StrictParams):
    """Reward for a correct, a wrong, and (optionally, separately) an unanswered response."""

    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(0.0, allow_inf_nan=False)
    format_reward: float | None = Field(
        None, allow_inf_nan=False, description="R_c of a response with no answer (None: wrong_reward)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> "CorrectnessParams":
        if self.wrong_reward > self.correct_reward:
            raise ValueError("wrong_reward must not exceed correct_reward")
        if self.format_reward is not None and self.format_reward > self.correct_reward:
            raise ValueError("format_reward must not exceed correct_reward")
        return self


def correctness_reward(
    correct: np.ndarray, params: CorrectnessParams, has_answer: np.ndarray | None = None
) -> np.ndarray:
    """R_c per response; ``has_answer`` (``RolloutBatch.has_answer``) selects ``format_reward``."""
    correct = np.asarray(correct, dtype=bool)
    out = np.where(correct, params.correct_reward, params.wrong_reward).astype(np.float64)
    if has_answer is not None and params.format_reward is not None:
        out = np.where(~correct & ~np.asarray(has_answer, dtype=bool), params.format_reward, out)
    return out
