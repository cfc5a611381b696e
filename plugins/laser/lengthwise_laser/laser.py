"""Laser: a step length reward around one fixed target length L_T (Liu et al. 2025, "Learn to
Reason Efficiently with Adaptive Length-based Reward Shaping", arXiv 2505.15612).

For a response of ℓ tokens with correctness reward R_c (+1 correct, -0.5 wrong, -1 no answer)::

    reward   R = R_c + α · 1[correct] · 1[ℓ <= L_T]
    penalty  R = R_c - α · 1[correct] · 1[ℓ >  L_T]
    hybrid   R = R_c + α · 1[correct] · (1[ℓ <= L_T] - 1[ℓ > L_T])

Wrong answers get no length term. Source: hkust-nlp/Laser
``verl/utils/reward_score/length_penalty.py``, ``compute_length_reward_larse`` (``reward`` /
``penalty`` / ``hybrid`` = ``length_reward_type``; α = ``length_reward_scalar``). Scripts
``scripts/training/laser-1.5b/laser-1.5b-l{2048,4096,8192}.sh``: α = 0.5, type ``reward``
(config default), L_T ∈ {2048, 4096, 8192}, max_response_length 16384; ``lengthy_ppo_trainer.yaml``
defaults ``target_length: 8192``. The correctness scale comes from
``verl/utils/reward_score/hf_math_verifier.py`` (``compute_score``): 1.0 correct, -0.5 wrong
and -1.0 when the ``\\boxed`` answer or a think delimiter is missing (``if not is_boxed_matched:
box_match = -1.0``): ``format_reward`` (default -1.0) for a response in which the scorer found no
answer (``batch.has_answer``). The source's length terms test ``score == 1.0``, so they never
touch those. Grade with ``scoring.require_think_close: true`` (an answer only after ``</think>``),
as the shipped Laser config does; the source's ``<think>`` check is on prompt + response, and the
R1-Distill chat template puts ``<think>`` in the prompt, so it is not re-checked here.

Wrong never outranks correct: with ``penalty``/``hybrid`` a correct answer can drop to
R_c - α, so the params require α <= correct_reward - wrong_reward (0.5 <= 1.5 by default).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from lengthwise import Difficulty, RewardShaper, RolloutBatch, ShapedRewards
from lengthwise.terms import FormatPenaltyParams, correctness_reward

__all__ = ["LaserParams", "Laser", "Mode", "step_length_term"]

Mode = Literal["reward", "penalty", "hybrid"]


def step_length_term(correct: np.ndarray, lengths: np.ndarray, target: np.ndarray | float, alpha: float, mode: Mode) -> np.ndarray:
    """α-steps for correct responses: +α within the target, -α beyond it, per ``mode``."""
    within = np.asarray(lengths, dtype=np.float64) <= np.asarray(target, dtype=np.float64)
    if mode == "reward":
        step = np.where(within, alpha, 0.0)
    elif mode == "penalty":
        step = np.where(within, 0.0, -alpha)
    else:
        step = np.where(within, alpha, -alpha)
    return np.where(np.asarray(correct, dtype=bool), step, 0.0).astype(np.float64)


class LaserBaseParams(FormatPenaltyParams):
    """Correctness scale and step size α shared by Laser, Laser-D and Laser-DE."""

    correct_reward: float = Field(1.0, allow_inf_nan=False, description="R_c of a correct answer (scripts: 1.0)")
    wrong_reward: float = Field(-0.5, allow_inf_nan=False, description="R_c of a wrong answer (scripts: -0.5)")
    format_reward: float | None = Field(
        -1.0, allow_inf_nan=False, description="R_c of a response with no answer (hf_math_verifier: -1.0)"
    )
    alpha: float = Field(0.5, ge=0, allow_inf_nan=False, description="α, the length reward step (length_reward_scalar)")


class LaserParams(LaserBaseParams):
    """Laser: fixed target length L_T and the mode of the step."""

    target_length: int = Field(8192, gt=0, description="L_T (scripts: 2048, 4096, 8192)")
    mode: Mode = Field("reward", description="reward: +α within L_T; penalty: -α beyond; hybrid: both")

    @model_validator(mode="after")
    def _penalty_keeps_order(self) -> "LaserParams":
        if self.mode != "reward" and self.alpha > self.correct_reward - self.wrong_reward:
            raise ValueError("alpha must not exceed correct_reward - wrong_reward in penalty/hybrid mode")
        return self


class Laser(RewardShaper):
    """Laser: correct answers get +α (reward), -α (penalty) or ±α (hybrid) around a fixed L_T."""

    name: ClassVar[str] = "laser"
    Params = LaserParams
    params: LaserParams

    def shape(self, batch: RolloutBatch, difficulty: Difficulty | None = None) -> ShapedRewards:
        p = self.params
        base = correctness_reward(batch.correct, p, batch.has_answer)
        length = step_length_term(batch.correct, batch.lengths, float(p.target_length), p.alpha, p.mode)
        metrics: dict[str, Any] = {"target_length": float(p.target_length)}
        if len(batch):
            metrics["length_term_mean"] = float(length.mean())
        return ShapedRewards(rewards=base + length, terms={"correctness": base, "length": length}, metrics=metrics)
