"""One training step's length logic: cap → (graded batch) → difficulty → rewards.

:class:`LengthController` is what a trainer holds (verl's adapter, the CPU demo): it asks the
schedule for the step's cap, and after the scorer has graded the step's responses it runs the
difficulty estimator and the reward shaper on the whole batch. Its state dict bundles the
strategies' states so a resumed run continues exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .batch import Difficulty, RolloutBatch, ShapedRewards
from .config import LengthwiseConfig, Strategies, build_strategies

__all__ = ["LengthController", "StepResult"]


@dataclass(frozen=True)
class StepResult:
    """Rewards, the difficulty they used, and flat ``lengthwise/<what>`` metrics for the tracker."""

    rewards: ShapedRewards
    difficulty: Difficulty | None
    metrics: dict[str, float] = field(default_factory=dict)


class LengthController:
    """Holds a run's schedule, difficulty estimator and reward shaper."""

    def __init__(self, strategies: Strategies) -> None:
        self.schedule = strategies.schedule
        self.reward = strategies.reward
        self.difficulty = strategies.difficulty

    @classmethod
    def from_config(cls, config: LengthwiseConfig) -> "LengthController":
        return cls(build_strategies(config))

    def cap(self, step: int) -> int:
        """Generation max_tokens for ``step``."""
        return self.schedule.cap(step)

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
        m: dict[str, float] = {}
        if len(batch):
            m["lengthwise/cap"] = float(batch.caps.max())
            m["lengthwise/mean_length"] = float(batch.lengths.mean())
            m["lengthwise/accuracy"] = float(batch.correct.mean())
            m["lengthwise/truncation_rate"] = float((batch.lengths >= batch.caps).mean())
            m["lengthwise/reward_mean"] = float(np.mean(shaped.rewards))
            if batch.correct.any():
                m["lengthwise/mean_length_correct"] = float(batch.lengths[batch.correct].mean())
            if (~batch.correct).any():
                m["lengthwise/mean_length_wrong"] = float(batch.lengths[~batch.correct].mean())
        if difficulty is not None:
            for label in np.unique(difficulty.bucket):
                sel = difficulty.bucket == label
                m[f"lengthwise/bucket_{label}/share"] = float(sel.mean())
                m[f"lengthwise/bucket_{label}/mean_length"] = float(batch.lengths[sel].mean())
            m.update({f"lengthwise/difficulty/{k}": float(v) for k, v in difficulty.metrics.items()})
        m.update({f"lengthwise/reward/{k}": float(v) for k, v in shaped.metrics.items()})
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
