"""Laser-D buckets: reward edges (high p >= 2/3, medium 1/3 <= p < 2/3, low p < 1/3) and the
source monitor's bands (low p <= 1/3, medium 1/3 < p <= 2/3, high p > 2/3)."""

from __future__ import annotations

import numpy as np
import pytest

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_laser.buckets import LaserBuckets, group_counts, monitor_bands, reward_buckets


def one_group(hits: int, size: int) -> RolloutBatch:
    correct = [True] * hits + [False] * (size - hits)
    return RolloutBatch.from_lists(["q"] * size, [100] * size, correct, caps=1000)


@pytest.mark.parametrize(
    "hits, size, reward_bucket, monitor_band",
    [
        # p = hits/size; reward: >= 2/3 high, >= 1/3 medium; monitor: > 2/3 high, > 1/3 medium
        (0, 3, "low", "low"),  # p = 0
        (1, 3, "medium", "low"),  # p = 1/3 exactly: reward 1/3 <= p; monitor p <= 1/3
        (2, 3, "high", "medium"),  # p = 2/3 exactly: reward p >= 2/3; monitor p <= 2/3
        (3, 3, "high", "high"),  # p = 1
        (1, 6, "low", "low"),  # 0.1667
        (2, 6, "medium", "low"),  # 2/6 = 1/3 exactly
        (3, 6, "medium", "medium"),  # 0.5
        (4, 6, "high", "medium"),  # 4/6 = 2/3 exactly
        (5, 6, "high", "high"),  # 0.8333
        (5, 16, "low", "low"),  # 0.3125 < 1/3
        (6, 16, "medium", "medium"),  # 0.375
        (10, 16, "medium", "medium"),  # 0.625 < 2/3
        (11, 16, "high", "high"),  # 0.6875
        (2, 8, "low", "low"),  # 0.25
        (3, 8, "medium", "medium"),  # 0.375
        (5, 8, "medium", "medium"),  # 0.625
        (6, 8, "high", "high"),  # 0.75
        (0, 1, "low", "low"),
        (1, 1, "high", "high"),
    ],
)
def test_bucket_edges(hits, size, reward_bucket, monitor_band):
    batch = one_group(hits, size)
    h, n = group_counts(batch)
    assert set(reward_buckets(h, n).tolist()) == {reward_bucket}
    assert set(monitor_bands(h, n).tolist()) == {monitor_band}
    # the float comparison the source makes agrees with our integer one on these exact quotients
    p = hits / size
    float_bucket = "high" if p >= 2 / 3 else "medium" if p >= 1 / 3 else "low"
    assert float_bucket == reward_bucket
    d = lengthwise.create("difficulty", "laser-buckets").estimate(batch)
    assert d.bucket.tolist() == [reward_bucket] * size
    np.testing.assert_array_equal(d.pass_rate, np.full(size, p))


def test_estimator_mixed_batch_and_metrics():
    # groups: A 3/3 high, B 1/3 medium, C 0/3 low, D 2/3 high
    batch = RolloutBatch.from_lists(
        list("AAABBBCCCDDD"), [1] * 12, [1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0], caps=10
    )
    est = lengthwise.create("difficulty", "laser-buckets")
    assert isinstance(est, LaserBuckets)
    d = est.estimate(batch)
    assert d.bucket.tolist() == ["high"] * 3 + ["medium"] * 3 + ["low"] * 3 + ["high"] * 3
    assert d.score.tolist() == [1.0] * 3 + [0.0] * 3 + [-1.0] * 3 + [1.0] * 3
    assert d.metrics == {"share_high": 0.5, "share_medium": 0.25, "share_low": 0.25}
    assert est.state_dict() == {}


def test_estimator_empty_batch():
    batch = RolloutBatch.from_lists([], [], [], caps=10)
    d = LaserBuckets().estimate(batch)
    assert len(d.bucket) == 0 and d.metrics == {}
