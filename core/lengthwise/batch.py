"""The data one training step hands to difficulty estimators and reward shapers.

A step's batch holds G responses for each prompt; responses of one prompt share a group id
(verl's ``uid``). Group- and batch-level statistics (pass rates, length spreads, moving
averages) need the whole step at once, so every strategy works on a :class:`RolloutBatch`,
never on one sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["RolloutBatch", "Difficulty", "ShapedRewards", "BatchError", "group_index"]


class BatchError(ValueError):
    """A batch whose arrays disagree in length or hold impossible values."""


def group_index(group_ids: Sequence[Any]) -> tuple[np.ndarray, int]:
    """Map arbitrary hashable group ids to dense ints ``0..n_groups-1`` in first-seen order."""
    seen: dict[Any, int] = {}
    idx = np.empty(len(group_ids), dtype=np.int64)
    for i, g in enumerate(group_ids):
        idx[i] = seen.setdefault(g, len(seen))
    return idx, len(seen)


@dataclass(frozen=True)
class RolloutBatch:
    """One step's responses.

    Attributes:
        group_ids: one id per response; responses to the same prompt share it.
        lengths: response length in tokens (>= 0).
        correct: verdict of the scorer, already length-capped (graded on ``clip(y, cap)``).
        caps: the generation cap L_t each response was sampled under (broadcast from an int).
        has_answer: the scorer found an answer in the (capped) response (``GradeResult.path !=
            "no_answer"``). Rewards with a format penalty (Laser's -1 for "no \\boxed{} after
            </think>") read it. Default: every response has one (then only ``correct`` matters).
            A correct response always has an answer.
        truncated: the response was cut off: it reached its generation cap (ℓ >= cap) or the
            scorer's length cap cut it (``GradeResult.truncated``). Default: ℓ >= cap.
        responses: response texts, when a strategy needs them (Laser-DE's repetition check).
        token_ids: response token ids, an alternative to ``responses`` for repetition checks.
        target_lengths: per-response target length carried in the prompt (L1 / LCPO).
        step: the training step the batch belongs to.
    """

    group_ids: np.ndarray
    lengths: np.ndarray
    correct: np.ndarray
    caps: np.ndarray
    has_answer: np.ndarray | None = None
    truncated: np.ndarray | None = None
    responses: tuple[str, ...] | None = None
    token_ids: tuple[Sequence[int], ...] | None = None
    target_lengths: np.ndarray | None = None
    step: int = 0
    group: np.ndarray = field(init=False, repr=False)
    n_groups: int = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.group_ids)
        lengths = np.asarray(self.lengths)
        correct = np.asarray(self.correct)
        caps = np.asarray(self.caps)
        if caps.ndim == 0:
            caps = np.full(n, int(caps), dtype=np.int64)
        for name, arr in (("lengths", lengths), ("correct", correct), ("caps", caps)):
            if arr.shape != (n,):
                raise BatchError(f"{name} has shape {arr.shape}, expected ({n},) to match group_ids")
        if n and (not np.issubdtype(lengths.dtype, np.number) or np.any(lengths < 0)):
            raise BatchError("lengths must be non-negative numbers of tokens")
        if n and np.any(caps <= 0):
            raise BatchError("caps must be positive token counts")
        if correct.dtype != np.bool_:
            if n and not np.all(np.isin(correct, (0, 1))):
                raise BatchError("correct must be booleans (or 0/1)")
            correct = correct.astype(bool)
        for name, seq in (("responses", self.responses), ("token_ids", self.token_ids)):
            if seq is not None and len(seq) != n:
                raise BatchError(f"{name} has {len(seq)} entries, expected {n}")
        has_answer = self._flags("has_answer", self.has_answer, n, np.ones(n, dtype=bool))
        if n and np.any(correct & ~has_answer):
            raise BatchError("a correct response must have an answer (has_answer False where correct is True)")
        truncated = self._flags("truncated", self.truncated, n, lengths >= caps if n else np.zeros(0, dtype=bool))
        target = None
        if self.target_lengths is not None:
            target = np.asarray(self.target_lengths, dtype=np.float64)
            if target.shape != (n,):
                raise BatchError(f"target_lengths has shape {target.shape}, expected ({n},)")
        group, n_groups = group_index(list(self.group_ids))
        set_ = object.__setattr__  # frozen dataclass: normalise once, at construction
        set_(self, "group_ids", np.asarray(self.group_ids, dtype=object))
        set_(self, "lengths", lengths.astype(np.float64))
        set_(self, "correct", correct)
        set_(self, "caps", caps.astype(np.int64))
        set_(self, "has_answer", has_answer)
        set_(self, "truncated", truncated)
        set_(self, "target_lengths", target)
        if self.responses is not None:
            set_(self, "responses", tuple(self.responses))
        if self.token_ids is not None:
            set_(self, "token_ids", tuple(self.token_ids))
        set_(self, "group", group)
        set_(self, "n_groups", n_groups)

    @staticmethod
    def _flags(name: str, value: Any, n: int, default: np.ndarray) -> np.ndarray:
        if value is None:
            return np.asarray(default, dtype=bool)
        arr = np.asarray(value)
        if arr.shape != (n,):
            raise BatchError(f"{name} has shape {arr.shape}, expected ({n},)")
        if arr.dtype != np.bool_:
            if n and not np.all(np.isin(arr, (0, 1))):
                raise BatchError(f"{name} must be booleans (or 0/1)")
            arr = arr.astype(bool)
        return arr

    @classmethod
    def from_lists(
        cls,
        group_ids: Sequence[Any],
        lengths: Sequence[float],
        correct: Sequence[bool],
        caps: int | Sequence[int],
        **kwargs: Any,
    ) -> "RolloutBatch":
        """Build a batch from plain Python lists (a scalar ``caps`` applies to every response)."""
        caps_arr = np.full(len(group_ids), caps) if np.isscalar(caps) else np.asarray(caps)
        return cls(
            group_ids=np.asarray(list(group_ids), dtype=object),
            lengths=np.asarray(lengths),
            correct=np.asarray(correct),
            caps=caps_arr,
            **kwargs,
        )

    def __len__(self) -> int:
        return len(self.group_ids)

    # Group statistics, broadcast back to responses: every strategy needs some of these.
    def group_sizes(self) -> np.ndarray:
        """Size of each response's group."""
        return np.bincount(self.group, minlength=self.n_groups)[self.group].astype(np.float64)

    def group_pass_rate(self) -> np.ndarray:
        """p(q) for each response: the fraction of correct responses in its group."""
        sizes = np.bincount(self.group, minlength=self.n_groups)
        hits = np.bincount(self.group, weights=self.correct.astype(np.float64), minlength=self.n_groups)
        return (hits / np.maximum(sizes, 1))[self.group]


@dataclass(frozen=True)
class Difficulty:
    """Per-response difficulty, the output of a difficulty estimator.

    Attributes:
        pass_rate: group pass rate p(q) of each response's prompt.
        bucket: a label per response (e.g. ``"high"``/``"medium"``/``"low"`` for Laser-D,
            ``"simple"``/``"hard"`` for DeepCompress).
        score: a signed, method-specific number per response, > 0 for easier prompts:
            DeepCompress's β = p(q) - P_t, a continuous value in [-1, 1] (> 0 simple, <= 0 hard);
            Laser's buckets +1 high, 0 medium, -1 low.
        metrics: batch-level numbers for the tracker (moving averages, bucket shares).
    """

    pass_rate: np.ndarray
    bucket: np.ndarray
    score: np.ndarray | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ShapedRewards:
    """Output of a reward shaper.

    Attributes:
        rewards: one float per response, the scalar that enters the advantage estimator.
        terms: named per-response components (``correctness``, ``length``, …) for logging;
            they need not sum to ``rewards`` when a method combines them non-additively.
        metrics: batch-level numbers for the tracker (target lengths, penalties applied).
    """

    rewards: np.ndarray
    terms: Mapping[str, np.ndarray] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
