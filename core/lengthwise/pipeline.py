"""One training step's length logic: cap → grade → difficulty → rewards.

:class:`LengthController` is what a trainer holds (verl's adapter, the CPU demo): it asks the
schedule for the step's cap and runs the difficulty estimator and the reward shaper on a graded
batch (:meth:`LengthController.step`). Its state dict bundles the strategies' states so a
resumed run continues exactly. Grading and the per-response records live in :mod:`lengthwise.step`,
the one path a step takes for verl and for :meth:`LengthController.score` alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .batch import Difficulty, RolloutBatch, ShapedRewards
from .config import LengthwiseConfig, Strategies, build_strategies
from .scoring.options import GradeOptions

__all__ = ["LengthController", "StepResult"]


@dataclass(frozen=True)
class StepResult:
    """Rewards, the difficulty they used, and flat ``lengthwise/<what>`` metrics for the tracker."""

    rewards: ShapedRewards
    difficulty: Difficulty | None
    metrics: dict[str, float] = field(default_factory=dict)


class LengthController:
    """Holds a run's schedule, difficulty estimator and reward shaper."""

    def __init__(self, strategies: Strategies, scoring: GradeOptions | None = None) -> None:
        self.schedule = strategies.schedule
        self.reward = strategies.reward
        self.difficulty = strategies.difficulty
        self.scoring = scoring or GradeOptions()

    @classmethod
    def from_config(cls, config: LengthwiseConfig) -> "LengthController":
        return cls(build_strategies(config), config.scoring)

    def cap(self, step: int) -> int:
        """Generation max_tokens for ``step``."""
        return self.schedule.cap(step)

    def score(
        self,
        *,
        group_ids: Sequence[Any],
        responses: Sequence[str],
        ground_truths: Sequence[str],
        lengths: Sequence[int],
        caps: int | Sequence[int],
        step: int,
        cap_offsets: Sequence[int | None] | None = None,
        token_ids: Sequence[Sequence[int]] | None = None,
        target_lengths: Sequence[float] | None = None,
        levels: Sequence[float] | None = None,
    ) -> tuple[StepResult, list[Any]]:
        """Grade one step's responses and shape their rewards on the whole batch — verl's path
        (:func:`lengthwise.step.grade_batch`, then :func:`lengthwise.step.shape_step`) on a batch
        held in Python.

        The scorer sees each response cut at ``cap_offsets`` (see
        :func:`lengthwise.step.cap_char_offsets`) when ``scoring.cap_grading`` is on, so an answer
        written past the cap never counts. ``levels``: each response's difficulty level, for the
        per-level metrics. Returns the step result (its metrics are the ones verl logs: the
        controller's, the scorer's ``lengthwise/scoring/*``, per level) and the per-response grade
        results.
        """
        from .step import grade_batch, shape_step

        n = len(responses)
        cap_list = [int(caps)] * n if np.isscalar(caps) else [int(c) for c in caps]
        grades, records = grade_batch(self.scoring, responses, ground_truths, lengths, cap_list, cap_offsets,
                                      target_lengths, levels)
        shaped = shape_step(self, group_ids=group_ids, records=records, step=step, token_ids=token_ids,
                            lengths=lengths, responses=responses)
        return StepResult(shaped.result.rewards, shaped.result.difficulty, shaped.metrics), grades

    def step(self, batch: RolloutBatch) -> StepResult:
        """Difficulty and rewards for one graded batch, plus the step's metrics."""
        difficulty = self.difficulty.estimate(batch) if self.difficulty is not None else None
        shaped = self.reward.shape(batch, difficulty)
        rewards = np.asarray(shaped.rewards, dtype=np.float64)
        if rewards.shape != (len(batch),) or not np.all(np.isfinite(rewards)):
            raise RuntimeError(
                f"reward '{getattr(self.reward, 'name', self.reward)}' returned {rewards.shape} "
                f"rewards (finite: {bool(np.all(np.isfinite(rewards)))}) for {len(batch)} responses"
            )
        metrics = self._metrics(batch, difficulty, shaped)
        return StepResult(rewards=shaped, difficulty=difficulty, metrics=metrics)

    def _metrics(self, batch: RolloutBatch, difficulty: Difficulty | None, shaped: ShapedRewards) -> dict[str, float]:
        """The step's metrics, named in :mod:`lengthwise.metrics`."""
        from . import metrics as K

        m: dict[str, float] = {}
        if len(batch):
            m[K.CAP] = float(batch.caps.max())
            m[K.MEAN_LENGTH] = float(batch.lengths.mean())
            m[K.ACCURACY] = float(batch.correct.mean())
            m[K.TRUNCATION_RATE] = float(batch.truncated.mean())
            m[K.NO_ANSWER_RATE] = float((~batch.has_answer).mean())
            m[K.REWARD_MEAN] = float(np.mean(shaped.rewards))
            if batch.correct.any():
                m[K.MEAN_LENGTH_CORRECT] = float(batch.lengths[batch.correct].mean())
            if (~batch.correct).any():
                m[K.MEAN_LENGTH_WRONG] = float(batch.lengths[~batch.correct].mean())
        if difficulty is not None:
            for label in np.unique(difficulty.bucket):
                sel = difficulty.bucket == label
                m[K.bucket_key(label, "share")] = float(sel.mean())
                m[K.bucket_key(label, "mean_length")] = float(batch.lengths[sel].mean())
            m.update({K.difficulty_key(k): float(v) for k, v in difficulty.metrics.items()})
        m.update({K.reward_key(k): float(v) for k, v in shaped.metrics.items()})
        return m

    def state_dict(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule.state_dict(),
            "reward": self.reward.state_dict(),
            "difficulty": self.difficulty.state_dict() if self.difficulty is not None else {},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.schedule.load_state_dict(state.get("schedule", {}))
        self.reward.load_state_dict(state.get("reward", {}))
        if self.difficulty is not None:
            self.difficulty.load_state_dict(state.get("difficulty", {}))
