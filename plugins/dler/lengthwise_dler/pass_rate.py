"""The plainest difficulty: a prompt's group pass rate p(q) = (#correct)/(#responses), this step.

Difficulty-Aware DLER tightens truncation on prompts the model already solves (see
:mod:`lengthwise_dler.difficulty_aware`); it needs p(q) and nothing more, so this estimator is
stateless. Buckets name the three kinds of group DAPO's dynamic sampling tells apart:
``all-correct`` (p = 1), ``all-wrong`` (p = 0) and ``mixed``; ``score`` is p(q) itself. The
step's batch is every group generated for it, filtered ones included (lengthwise's replay
buffer hands the estimator all of them), so the bucket shares show how much dynamic sampling
dropped.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from lengthwise import Difficulty, DifficultyEstimator, StrictParams

__all__ = ["GroupPassRate", "GROUP_PASS_RATE", "ALL_CORRECT", "ALL_WRONG", "MIXED"]

#: What this estimator provides (``DifficultyEstimator.provides``): ``pass_rate`` is the response's
#: group pass rate this step, which Difficulty-Aware DLER reads.
GROUP_PASS_RATE = "group-pass-rate"
ALL_CORRECT = "all-correct"
ALL_WRONG = "all-wrong"
MIXED = "mixed"


class GroupPassRate(DifficultyEstimator):
    """p(q) of each response's group; buckets all-correct / mixed / all-wrong."""

    name: ClassVar[str] = "pass-rate"
    provides: ClassVar[frozenset[str]] = frozenset({GROUP_PASS_RATE})
    Params = StrictParams

    def estimate(self, batch) -> Difficulty:
        sizes = np.bincount(batch.group, minlength=batch.n_groups)
        hits = np.bincount(batch.group[batch.correct], minlength=batch.n_groups)
        # integer comparisons: p = 1 and p = 0 exactly, never a float round-off
        per_group = np.where(hits == sizes, ALL_CORRECT, np.where(hits == 0, ALL_WRONG, MIXED))
        pass_rate = (hits / np.maximum(sizes, 1))[batch.group]
        bucket = per_group[batch.group].astype(object)
        return Difficulty(
            pass_rate=pass_rate,
            bucket=bucket,
            score=pass_rate.copy(),
            metrics={"pass_rate_mean": float(np.mean(hits / np.maximum(sizes, 1))) if batch.n_groups else 0.0},
        )
