"""One training step's length logic: cap → grade → difficulty → rewards.

:class:`LengthController` is what a trainer holds (verl's adapter, the CPU demo): it asks the
schedule for the step's cap, grades the step's responses with the lengthwise scorer on
``clip(y, L_t)`` (:meth:`LengthController.score`), and runs the difficulty estimator and the
reward shaper on the whole batch. Its state dict bundles the strategies' states so a resumed run
continues exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .batch import Difficulty, RolloutBatch, ShapedRewards
from .config import LengthwiseConfig, Strategies, build_strategies
from .scoring.options import GradeOptions

__all__ = ["LengthController", "StepResult", "answer_flags", "cap_char_offsets", "grade_with"]


def answer_flags(
    graded: Sequence[Any], lengths: Sequence[float], caps: int | Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``RolloutBatch.has_answer`` and ``truncated`` from grade results.

    has_answer: the scorer found an answer (its path is not ``"no_answer"``).
    truncated: the scorer's cap cut the text, or the response reached its generation cap (ℓ >= cap).
    """
    n = len(graded)
    ell = np.asarray(lengths, dtype=np.float64)
    cap = np.full(n, caps, dtype=np.float64) if np.isscalar(caps) else np.asarray(caps, dtype=np.float64)
    has_answer = np.array([g.path != "no_answer" for g in graded], dtype=bool)
    cut = np.array([bool(g.truncated) for g in graded], dtype=bool)
    return has_answer, cut | (ell >= cap)


def cap_char_offsets(
    texts: Sequence[str],
    token_ids: Sequence[Sequence[int]],
    caps: Sequence[int],
    decode: Any,
) -> list[int | None]:
    """Where the cap falls in each response, as a character offset (None: within the cap).

    A response of more than ``cap`` tokens is graded on its first ``cap`` tokens; their decoded
    text ``decode(ids[:cap])`` is a prefix of the full text for the byte-level BPE tokenizers
    these models use, so its length is the offset. ``decode`` is the tokenizer's
    ``decode(list[int]) -> str``.
    """
    out: list[int | None] = []
    for text, ids, cap in zip(texts, token_ids, caps):
        if len(ids) <= cap:
            out.append(None)
        else:
            out.append(min(len(decode(list(ids[: int(cap)]))), len(text)))
    return out


@dataclass(frozen=True)
class StepResult:
    """Rewards, the difficulty they used, and flat ``lengthwise/<what>`` metrics for the tracker."""

    rewards: ShapedRewards
    difficulty: Difficulty | None
    metrics: dict[str, float] = field(default_factory=dict)


def grade_with(
    scoring: GradeOptions,
    responses: Sequence[str],
    ground_truths: Sequence[str],
    cap_offsets: Sequence[int | None] | None = None,
) -> list[Any]:
    """Grade with a config's scoring options; ``cap_offsets`` count only when ``cap_grading`` is on."""
    from .scoring import grade_detailed

    return grade_detailed(
        list(responses),
        list(ground_truths),
        cap_char_offsets=list(cap_offsets) if cap_offsets is not None else None,
        options=scoring,
    )


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
    ) -> tuple[StepResult, list[Any]]:
        """Grade one step's responses and shape their rewards on the whole batch.

        The scorer (:func:`lengthwise.scoring.grade_detailed`) sees each response cut at
        ``cap_offsets`` (see :func:`cap_char_offsets`) when ``scoring.cap_grading`` is on, so an
        answer written past the cap never counts. Returns the step result (with the scorer's
        ``lengthwise/scoring/*`` metrics merged in) and the per-response grade results.
        """
        from .scoring import GradingStats

        graded = grade_with(self.scoring, responses, ground_truths, cap_offsets)
        has_answer, truncated = answer_flags(graded, lengths, caps)
        batch = RolloutBatch.from_lists(
            group_ids,
            lengths,
            [g.correct for g in graded],
            caps,
            has_answer=has_answer,
            truncated=truncated,
            responses=tuple(responses),
            token_ids=tuple(token_ids) if token_ids is not None else None,
            target_lengths=np.asarray(target_lengths, dtype=np.float64) if target_lengths is not None else None,
            step=step,
        )
        result = self.step(batch)
        result.metrics.update(GradingStats.from_results(graded).as_metrics())
        return result, graded

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
