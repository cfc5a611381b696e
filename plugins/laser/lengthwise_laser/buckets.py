"""Laser-D difficulty buckets: a prompt's group accuracy p = (#correct)/(#responses) sorts it
into one of three buckets (Liu et al. 2025, "Learn to Reason Efficiently with Adaptive
Length-based Reward Shaping", arXiv 2505.15612, Laser-D).

Reward buckets (hkust-nlp/Laser ``verl/utils/reward_score/length_penalty.py``,
``compute_length_reward_larse_d`` / ``_de``, which pick each response's target length)::

    high    p >= 2/3
    medium  1/3 <= p < 2/3
    low     p < 1/3

Monitor bands (``verl/trainer/ppo/ray_trainer.py``, ``_count_accuracy_bands_metrics``, which
produce the coverage statistics the targets are chosen from) put the equalities on the other
side::

    low     p <= 1/3
    medium  1/3 < p <= 2/3
    high    p > 2/3

The two agree except for prompts with p exactly 1/3 or 2/3 (e.g. 1 or 2 of 3, 2 or 4 of 6
correct; never with 8 or 16 rollouts, whose p is a multiple of 1/8). Both are computed here on
integer counts (3·hits >= 2·n rather than hits/n >= 2/3), which is what the source's float
comparison means: a correctly rounded hits/n equals the double 2/3 exactly when hits/n = 2/3.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from lengthwise import Difficulty, DifficultyEstimator, RolloutBatch, StrictParams

__all__ = [
    "HIGH",
    "MEDIUM",
    "LOW",
    "LEVELS",
    "group_counts",
    "reward_buckets",
    "monitor_bands",
    "LaserBuckets",
]

HIGH = "high"
MEDIUM = "medium"
LOW = "low"
LEVELS: tuple[str, ...] = (HIGH, MEDIUM, LOW)


def group_counts(batch: RolloutBatch) -> tuple[np.ndarray, np.ndarray]:
    """(#correct, #responses) of each response's group, as int64 arrays broadcast to responses."""
    sizes = np.bincount(batch.group, minlength=batch.n_groups)
    hits = np.bincount(batch.group[batch.correct], minlength=batch.n_groups)
    return hits[batch.group].astype(np.int64), sizes[batch.group].astype(np.int64)


def reward_buckets(hits: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Reward-side bucket per response: high p >= 2/3, medium 1/3 <= p < 2/3, low p < 1/3."""
    hits3 = 3 * np.asarray(hits, dtype=np.int64)
    n = np.asarray(sizes, dtype=np.int64)
    out = np.full(hits3.shape, LOW, dtype=object)
    out[hits3 >= n] = MEDIUM
    out[hits3 >= 2 * n] = HIGH
    return out


def monitor_bands(hits: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Monitor-side band per response: low p <= 1/3, medium 1/3 < p <= 2/3, high p > 2/3."""
    hits3 = 3 * np.asarray(hits, dtype=np.int64)
    n = np.asarray(sizes, dtype=np.int64)
    out = np.full(hits3.shape, LOW, dtype=object)
    out[hits3 > n] = MEDIUM
    out[hits3 > 2 * n] = HIGH
    return out


class LaserBuckets(DifficultyEstimator):
    """Laser-D buckets by group accuracy: high p >= 2/3, medium 1/3 <= p < 2/3, low p < 1/3."""

    name: ClassVar[str] = "laser-buckets"
    provides: ClassVar[frozenset[str]] = frozenset({"accuracy-buckets"})
    Params = StrictParams

    def estimate(self, batch: RolloutBatch) -> Difficulty:
        hits, sizes = group_counts(batch)
        bucket = reward_buckets(hits, sizes)
        # score: +1 high (easy), 0 medium, -1 low (hard), for trackers that want a number
        score = np.select([bucket == HIGH, bucket == MEDIUM], [1.0, 0.0], -1.0).astype(np.float64)
        metrics = {f"share_{lvl}": float(np.mean(bucket == lvl)) for lvl in LEVELS} if len(batch) else {}
        return Difficulty(pass_rate=batch.group_pass_rate(), bucket=bucket, score=score, metrics=metrics)
