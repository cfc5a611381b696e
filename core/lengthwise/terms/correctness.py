"""The correctness part every reward shaper starts from.

R_c(y) = ``correct_reward``  if the (length-capped) verdict is correct,
         ``wrong_reward``    otherwise.

:class:`CorrectnessParams` holds the two. :class:`FormatPenaltyParams` adds ``format_reward``,
the R_c of a response in which the scorer found no answer (``RolloutBatch.has_answer``), for the
sources that score "no answer" apart from "wrong"; :func:`correctness_reward` applies it, and
refuses to run without ``has_answer`` when it is set, so a shaper cannot offer it and drop it.

Papers differ in scale: DeepScaleR/SIRI use {1, 0}, Laser's scripts {1, -0.5} with -1 for an
invalid format, DeepCompress and DAPO {1, -1}; each shaper's ``Params`` sets its paper's default.
Only the Laser sources score "no answer" apart: hkust-nlp/Laser's
``verl/utils/reward_score/hf_math_verifier.py`` (``compute_score``) gives -1.0 "if not
is_boxed_matched" or when a think delimiter is missing, so Laser, Laser-D, Laser-DE and Laser's
Kimi penalty use :class:`FormatPenaltyParams` with ``format_reward = -1.0``. Every other source
scores "no answer" as wrong, so its shaper does not offer ``format_reward``: DeepCompress's
``reward_func`` (``score = 1.0 if acc else -1.0`` with ``acc = format_correct and …``);
DeepScaleR's ``deepscaler_reward_fn`` returns ``is_correct`` (agentica-project/deepscaler
``deepscaler/rewards/math_reward.py`` L101-106), so its ``format_error_reward`` never reaches
training, and ThinkPrune's ``qwen_math.compute_score`` gives 0 for no answer as for a wrong one;
verl's ``math_dapo``: -1 for anything not correct; Arora & Zanette's ``math_server.py``:
``accuracy * (…)``, 0 unless correct; L1's ``math_reward.py`` (cmu-l3/l1, L181): the length
term is added to ``0 if not is_correct else 1``; Yeo et al.'s cosine reward: ``if score == 1`` /
``else``.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from ..strategy import StrictParams

__all__ = ["CorrectnessParams", "FormatPenaltyParams", "correctness_reward"]


class CorrectnessParams(StrictParams):
    """Reward for a correct and for a wrong (or unanswered) response."""

    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(0.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> "CorrectnessParams":
        if self.wrong_reward > self.correct_reward:
            raise ValueError("wrong_reward must not exceed correct_reward")
        return self


class FormatPenaltyParams(CorrectnessParams):
    """Reward for a correct, a wrong, and (separately) an unanswered response."""

    format_reward: float | None = Field(
        None, allow_inf_nan=False, description="R_c of a response with no answer (None: wrong_reward)"
    )

    @model_validator(mode="after")
    def _format_below_correct(self) -> "FormatPenaltyParams":
        if self.format_reward is not None and self.format_reward > self.correct_reward:
            raise ValueError("format_reward must not exceed correct_reward")
        return self


def correctness_reward(
    correct: np.ndarray, params: CorrectnessParams, has_answer: np.ndarray | None = None
) -> np.ndarray:
    """R_c per response; with a ``format_reward`` set, ``has_answer`` (``RolloutBatch.has_answer``)
    is required and selects it for the wrong responses without an answer."""
    correct = np.asarray(correct, dtype=bool)
    out = np.where(correct, params.correct_reward, params.wrong_reward).astype(np.float64)
    format_reward = getattr(params, "format_reward", None)
    if format_reward is not None:
        if has_answer is None:
            raise ValueError("format_reward is set: pass has_answer (batch.has_answer) to correctness_reward")
        out = np.where(~correct & ~np.asarray(has_answer, dtype=bool), format_reward, out)
    return out
