"""DLER's reward: the truncation length penalty with the stop-properly penalty (Liu et al. 2025,
"DLER: Doing Length pEnalty Right", arXiv 2510.15110; code NVlabs/DLER ``verl-dler/``).

With truncation length L (the rollout cap, ``batch.caps``; DLER: 4000 tokens), stop-properly
coefficient κ and the correctness scale r_c / r_w::

    c(y) = the answer in clip(y, L) is correct       (nothing past the L-th token is graded)
    s(y) = 1  if y ended before the cap              (vLLM finish reason "stop")
           κ  if y was cut at the cap                (finish reason "length")
    R(y) = (r_c if c(y) else r_w) · s(y)

The truncation is the penalty: a response that does not finish within L is cut there, so its
answer (written after ``</think>``, at the end) is gone and it scores r_w = 0; one that was cut
after its answer keeps κ·r_c. κ = 0 is the plain truncation penalty of the paper's abstract.

Sources (NVlabs/DLER, commit ea7d4f7 unless noted; ``dler.sh`` is ``verl-dler/dler.sh`` at
e8d00b1, the last commit that has it — 04db68d removed it; ``verl-dler/dler_slurm.sh:193-194``
at ea7d4f7 carries the same two knobs):

* ``dler.sh:19`` ``max_response_length=4000`` and ``:66`` ``data.max_response_length``: the
  generation cap is the truncation length; ``:112`` ``reward_model.overlong_buffer.enable=False``
  (``verl/workers/reward_manager/dapo.py:137-138`` even raises if it were on): no soft overlong
  term.
* ``dler.sh:110`` ``stop_properly_penalty.penalty_coef=0.1`` (κ), read by
  ``recipe/dapo/main_dapo.py:148-155`` for the training reward manager only (the validation one,
  ``:158-164``, gets none: validation scores plain correctness, as lengthwise's validation does).
* ``verl/workers/reward_manager/dapo.py:56-68`` ``_apply_stop_properly_penalty``:
  ``scale = (1 - stop_properly) * coef + stop_properly``, ``reward_tensor * scale``; ``:150`` the
  score sits on the last valid token; ``:169-171`` the unscaled ``score_tensor`` is kept beside
  the scaled ``reward_tensor`` (``recipe/dapo/dapo_ray_trainer.py:192-193``: scores ->
  ``token_level_scores``, rewards -> ``token_level_rewards``, from which the advantage is
  computed).
* ``verl/workers/rollout/vllm_rollout/vllm_rollout_spmd.py:356-361``: ``stop_properly`` is
  ``finish_reason == 'stop'``.
* the score: ``verl/utils/reward_score/__init__.py:47-52`` (data source ``deepscaler``) ->
  ``deepscaler/math_reward.py:29-36`` (no ``</think>`` or no ``\\boxed{}`` after it: not correct),
  ``:63-74`` (returns ``is_correct``), ``__init__.py:116-121`` (``float``): r_c = 1, r_w = 0; a
  response without ``</think>`` or without an answer is wrong like any other (no separate format
  reward) — grade with ``scoring.require_think_close: true``.

Choices where lengthwise differs from the fork:

* "cut at the cap" is lengthwise's ``RolloutBatch.truncated``: ℓ >= cap, or the scorer's cap cut
  the text. A response whose end-of-sequence token is exactly the cap-th reads as cut here; vLLM
  would call it stopped.
* κ scales r_w as the fork scales the whole score. The fork's scores are 0/1, so a wrong answer
  always gets 0; with a negative r_w a cut wrong answer (κ·r_w) would beat a finished wrong one
  (r_w). The parameters must keep every correct answer at or above every wrong one:
  max(r_w, κ·r_w) <= κ·r_c.
* The fork keeps the unscaled score for dynamic sampling (``filter_groups.metric=seq_reward``,
  ``dler.sh:80``, ``dapo_ray_trainer.py:222-225``) and for the advantage boost
  (``verl/workers/actor/dp_actor.py:386``); lengthwise filters on ``acc`` (the same 0/1
  correctness) and its boost estimator (:mod:`lengthwise.verl_adapter.advantage`) reads the
  scaled reward, so the DLER configs set the boost threshold to κ·r_c.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from lengthwise import RewardShaper, ShapedRewards
from lengthwise.terms import CorrectnessParams, correctness_reward

__all__ = ["DlerParams", "DlerTruncation", "stop_scale"]


class DlerParams(CorrectnessParams):
    """DLER's 0/1 correctness and the stop-properly coefficient κ."""

    correct_reward: float = Field(1.0, allow_inf_nan=False, description="r_c (deepscaler_reward_fn: 1.0)")
    wrong_reward: float = Field(0.0, allow_inf_nan=False, description="r_w (deepscaler_reward_fn: 0.0)")
    stop_properly_penalty: float = Field(
        0.1, ge=0, le=1, allow_inf_nan=False,
        description="κ: factor on the reward of a response cut at the cap (dler.sh: penalty_coef=0.1; 0: plain truncation)",
    )

    @model_validator(mode="after")
    def _correct_stays_above_wrong(self) -> "DlerParams":
        k, rc, rw = self.stop_properly_penalty, self.correct_reward, self.wrong_reward
        if max(rw, k * rw) > min(rc, k * rc):
            raise ValueError(
                "a wrong answer would outrank a correct one cut at the cap: need max(r_w, κ·r_w) <= κ·r_c "
                "(use wrong_reward <= 0 <= correct_reward)"
            )
        return self


def stop_scale(cut: np.ndarray, kappa: float) -> np.ndarray:
    """s(y): 1 for a response that ended, κ for one that was cut."""
    return np.where(np.asarray(cut, dtype=bool), kappa, 1.0).astype(np.float64)


class DlerTruncation(RewardShaper):
    """DLER: 0/1 correctness of clip(y, L), times κ when the response was cut at the cap L."""

    name: ClassVar[str] = "dler"
    Params = DlerParams
    params: DlerParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        rc = correctness_reward(batch.correct, p)
        scale = stop_scale(batch.truncated, p.stop_properly_penalty)
        rewards = rc * scale
        n = len(batch)
        return ShapedRewards(
            rewards=rewards,
            terms={"correctness": rc, "stop_scale": scale},
            metrics={
                "cut_frac": float(batch.truncated.mean()) if n else 0.0,
                "cut_correct_frac": float((batch.truncated & batch.correct).mean()) if n else 0.0,
            },
        )
