"""Laser-DE: Laser-D plus exploration — a wrong answer that ran past its bucket's target without
looping earns the same +α a short correct answer does (Liu et al. 2025, arXiv 2505.15612;
hkust-nlp/Laser ``verl/utils/reward_score/length_penalty.py``, ``compute_length_reward_larse_de``).

For a response of ℓ tokens to a prompt in bucket b with current target L_b (as in
:mod:`lengthwise_laser.laser_d`)::

    correct:  R = R_c + α · 1[ℓ <= L_b]
    wrong, with an answer:  R = R_c + α · 1[ℓ > L_b] · 1[not repetitive]
    no answer:              R = format_reward (-1.0), no bonus

R_c = 1.0 / -0.5, α = 0.5. The source has no penalty/hybrid variant for Laser-DE (it ignores
``length_reward_type``), so neither does this class. "Repetitive" is the source's n-gram check on
the response's token ids (:mod:`lengthwise_laser.repetition`); with no ids in the batch the
response texts are split on whitespace instead, and a batch with neither is an error as soon as
a response needs the check.

Who may explore: the source pays the bonus where ``score_lst[i] == -0.5`` (``elif score_lst[i]
== -0.5: if response_length[i] > dynamic_target_length:``), i.e. a *formatted* wrong answer — a
``\\boxed`` answer after ``</think>`` and both think delimiters (``hf_math_verifier.compute_score``);
a response without one scores -1.0 and never explores. lengthwise pays it where the scorer found
an answer (``batch.has_answer``) and the answer is wrong. A response cut off at the cap usually
has no answer (no bonus); one that wrote its boxed answer and then ran into the cap has one, and
explores as it does in the source. Grade with ``scoring.require_think_close: true`` so that
"answer" means "after ``</think>``", as in the source.

Wrong never outranks correct: the best wrong reward is R_c(wrong) + α and the worst correct
reward is R_c(correct), so the params require α <= correct_reward - wrong_reward (0.5 <= 1.5 by
default: an explored wrong answer scores 0.0, a correct one at least 1.0).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from lengthwise import Difficulty, RolloutBatch, ShapedRewards
from lengthwise.terms import RepetitionInput, correctness_reward, response_sequence

from .laser import step_length_term
from .laser_d import AdaptiveTargetParams, AdaptiveTargetShaper
from .repetition import is_repetitive

__all__ = ["LaserDEParams", "LaserDE"]


class LaserDEParams(AdaptiveTargetParams):
    """Laser-DE: adaptive targets plus the exploration bonus and its repetition check."""

    repetition_ngram: int = Field(4, ge=1, description="n of the repetition check (source default 4)")
    repetition_input: RepetitionInput = Field(
        "auto", description="what the repetition check reads; auto: token ids if the batch has them, else text"
    )

    @model_validator(mode="after")
    def _exploration_keeps_order(self) -> "LaserDEParams":
        if self.alpha > self.correct_reward - self.wrong_reward:
            raise ValueError("alpha must not exceed correct_reward - wrong_reward (an explored wrong answer would outrank a correct one)")
        return self


class LaserDE(AdaptiveTargetShaper):
    """Laser-DE: Laser-D, plus +α for wrong, over-target, non-repetitive (exploring) answers."""

    name: ClassVar[str] = "laser-de"
    Params = LaserDEParams
    params: LaserDEParams

    def shape(self, batch: RolloutBatch, difficulty: Difficulty | None = None) -> ShapedRewards:
        p = self.params
        base = correctness_reward(batch.correct, p, batch.has_answer)
        if len(batch) == 0:
            zero = base.copy()
            return ShapedRewards(rewards=base, terms={"correctness": base, "length": zero, "exploration": zero.copy()})
        _, target, metrics = self._prepare(batch, difficulty)
        length = step_length_term(batch.correct, batch.lengths, target, p.alpha, "reward")
        # the source's ``score == -0.5``: a wrong answer in a valid format (has_answer)
        candidates = ~batch.correct & batch.has_answer & (batch.lengths > target)
        checked = np.flatnonzero(candidates)
        repetitive = np.zeros(len(batch), dtype=bool)
        for i in checked:
            sequence = response_sequence(batch, int(i), p.repetition_input, self.name)
            repetitive[i] = is_repetitive(sequence, p.repetition_ngram)
        explored = candidates & ~repetitive
        exploration = np.where(explored, p.alpha, 0.0)
        metrics.update(
            {
                "length_term_mean": float(length.mean()),
                "exploration_rate": float(explored.mean()),
                "repetition_checked": float(len(checked)),
                "repetitive": float(repetitive.sum()),
            }
        )
        return ShapedRewards(
            rewards=base + length + exploration,
            terms={"correctness": base, "length": length, "exploration": exploration},
            metrics=metrics,
        )
