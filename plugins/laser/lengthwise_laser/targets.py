"""Laser-D's adaptive target lengths: per-bucket length coverage and the target chosen from it.

Source: hkust-nlp/Laser.

* Candidates (``verl/utils/reward_score/constants.py``, ``get_length_threshold``, lines 21-25 at
  commit c9e7c4ef): ``range(lower, upper + interval, interval)``, or ``[lower] + range(1024,
  upper + interval, interval)`` when lower < 1024. Scripts: lower 1024/2048/4096 (the
  "L1024/L2048/L4096" in the Laser-D/DE script names), upper = max_response_length 16384,
  interval 1024. The 1024 is the ``floor`` argument here (``candidate_floor`` in the shapers'
  params, default 1024): at GPU scale it only matters for lower = 512, but with lengths of a few
  hundred tokens every candidate but ``lower`` lies at or above 1024 > upper, so the list
  collapses to ``[lower]`` and the adaptive target can only be the batch's longest response.
* Coverage (``verl/trainer/ppo/ray_trainer.py``, ``_count_accuracy_bands_metrics`` with
  ``_calculate_length_coverage_statistics``): prompts are put in monitor bands (see
  :mod:`lengthwise_laser.buckets`) and, for each band b and candidate ℓ_k,
  ``coverage[b][k] = #{responses of b's prompts with length <= ℓ_k} / #{responses of b's prompts}``
  — over all of the band's responses, correct or not; an empty band has coverage 0.
* Choice (``verl/utils/reward_score/length_penalty.py``, ``_choose_target_length``), with N the
  rollout count (``n_rollout``; the reward manager never passes it, so the function default 8
  applies — the scripts' rollout.n is 8 too)::

      floor:  n_b = floor(2N/3) high, floor(N/3) medium, 1 low;   E_k = floor(coverage[b][k] · n_b)
      ceil:   n_b = ceil(2N/3)  high, ceil(N/3)  medium, 1 low;   E_k = coverage[b][k] · n_b
      target_b = min{ℓ_k : E_k >= expected_n_correct and ℓ_k < L_max}, else L_max

  n_b is the fewest correct answers a prompt of the bucket has out of N, so E_k estimates how many
  of them fit under ℓ_k; expected_n_correct = 1 (config default, no script overrides it).
  L_max is the longest response of the batch being shaped (``int(response_length.max())``), so a
  bucket with no qualifying candidate gets "no limit": every correct answer earns the bonus and no
  wrong one is over-long. :func:`choose_targets` returns ``None`` for that case and the shapers
  resolve it against each batch.

The source monitors a fixed 500-prompt sample of the training set (``data.monitor_files``) with
``trainer.monitor_freq=20``; lengthwise computes the same statistics from the training batches the
shaper sees (see :mod:`lengthwise_laser.laser_d`).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from .buckets import HIGH, LEVELS, MEDIUM

__all__ = [
    "SOURCE_CANDIDATE_FLOOR",
    "candidate_lengths",
    "coverage",
    "bucket_rollouts",
    "expected_correct",
    "choose_targets",
]

RoundMethod = Literal["floor", "ceil"]


#: The source's floor of the regular candidates (constants.py line 21: ``if lower_bound < 1024``).
SOURCE_CANDIDATE_FLOOR = 1024


def candidate_lengths(lower: int, upper: int, interval: int, floor: int = SOURCE_CANDIDATE_FLOOR) -> list[int]:
    """The candidate target lengths: ``[lower] + range(floor, upper + interval, interval)`` when
    ``lower < floor``, else ``range(lower, upper + interval, interval)`` (source's rule, see above)."""
    if lower < floor:
        return [lower] + list(range(floor, upper + interval, interval))
    return list(range(lower, upper + interval, interval))


def coverage(lengths: np.ndarray, bands: np.ndarray, thresholds: list[int]) -> dict[str, list[float]]:
    """Per band, the share of its responses with length <= each threshold (0.0 for an empty band)."""
    lengths = np.asarray(lengths, dtype=np.float64)
    thr = np.asarray(thresholds, dtype=np.float64)
    out: dict[str, list[float]] = {}
    for level in LEVELS:
        sel = lengths[bands == level]
        total = len(sel)
        if total == 0:
            out[level] = [0.0] * len(thresholds)
            continue
        covered = np.count_nonzero(sel[:, None] <= thr[None, :], axis=0)
        out[level] = [int(c) / total for c in covered]
    return out


def bucket_rollouts(level: str, n_rollout: int, round_method: RoundMethod) -> int:
    """n_b: the fewest correct answers (out of ``n_rollout``) a prompt of the bucket has."""
    if level == HIGH:
        num = 2 * n_rollout
    elif level == MEDIUM:
        num = n_rollout
    else:
        return 1
    return num // 3 if round_method == "floor" else -(-num // 3)


def expected_correct(ratio: float, n_b: int, round_method: RoundMethod) -> float:
    """E: ``floor(ratio · n_b)`` (floor) or ``ratio · n_b`` (ceil: the count is rounded, not E)."""
    product = ratio * n_b
    return float(math.floor(product)) if round_method == "floor" else product


def choose_targets(
    cov: dict[str, list[float]],
    thresholds: list[int],
    n_rollout: int,
    expected_n_correct: int,
    round_method: RoundMethod,
) -> dict[str, int | None]:
    """Smallest candidate whose expected correct count reaches ``expected_n_correct``, per bucket.

    ``None`` means no candidate qualified (target = the batch's longest response). The source's
    extra condition ℓ_k < L_max is applied when the target is resolved against a batch.
    """
    targets: dict[str, int | None] = {}
    for level in LEVELS:
        n_b = bucket_rollouts(level, n_rollout, round_method)
        ok = [t for t, r in zip(thresholds, cov[level]) if expected_correct(r, n_b, round_method) >= expected_n_correct]
        targets[level] = min(ok) if ok else None
    return targets
