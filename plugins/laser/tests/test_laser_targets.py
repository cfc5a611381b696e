"""Laser-D target choice: candidates, coverage per band, smallest length with enough expected
correct answers (hkust-nlp/Laser constants.py, ray_trainer.py, length_penalty.py)."""

from __future__ import annotations

import numpy as np
import pytest

from lengthwise_laser.targets import bucket_rollouts, candidate_lengths, choose_targets, coverage


@pytest.mark.parametrize(
    "lower, upper, interval, expected",
    [
        (2048, 16384, 1024, list(range(2048, 16385, 1024))),  # 15 candidates, 2048 .. 16384
        (4096, 8192, 1024, [4096, 5120, 6144, 7168, 8192]),
        (1024, 3072, 1024, [1024, 2048, 3072]),
        (512, 3072, 1024, [512, 1024, 2048, 3072]),  # lower < 1024: [lower] + 1024, 2048, ...
        (2048, 5000, 1024, [2048, 3072, 4096, 5120]),  # range(2048, 6024, 1024) overshoots upper
    ],
)
def test_candidate_lengths(lower, upper, interval, expected):
    assert candidate_lengths(lower, upper, interval) == expected


@pytest.mark.parametrize(
    "n_rollout, round_method, high, medium",
    [
        (8, "floor", 5, 2),  # floor(16/3) = 5, floor(8/3) = 2
        (8, "ceil", 6, 3),  # ceil(16/3) = 6, ceil(8/3) = 3
        (3, "floor", 2, 1),
        (3, "ceil", 2, 1),
        (16, "floor", 10, 5),  # floor(32/3), floor(16/3)
        (16, "ceil", 11, 6),
        (1, "floor", 0, 0),
    ],
)
def test_bucket_rollouts(n_rollout, round_method, high, medium):
    assert bucket_rollouts("high", n_rollout, round_method) == high
    assert bucket_rollouts("medium", n_rollout, round_method) == medium
    assert bucket_rollouts("low", n_rollout, round_method) == 1


def test_coverage_counts_all_band_responses():
    lengths = np.array([500, 1500, 2500, 1000, 3000, 4000, 800, 2000])
    bands = np.array(["high"] * 3 + ["medium"] * 3 + ["low"] * 2, dtype=object)
    cov = coverage(lengths, bands, [1024, 2048, 3072, 4096])
    # high {500, 1500, 2500}: <=1024 one, <=2048 two, <=3072 three
    assert cov["high"] == [1 / 3, 2 / 3, 1.0, 1.0]
    # medium {1000, 3000, 4000}; the threshold is inclusive (4000 <= 4096, 1000 <= 1024)
    assert cov["medium"] == [1 / 3, 1 / 3, 2 / 3, 1.0]
    assert cov["low"] == [0.5, 1.0, 1.0, 1.0]
    # an empty band covers nothing
    assert coverage(lengths[:3], bands[:3], [1024])["low"] == [0.0]


THRESHOLDS = [1024, 2048, 3072, 4096]
# Hand-built monitoring result, N = 8 rollouts:
#   floor: n_high = 5, n_medium = 2, n_low = 1;   E = floor(coverage · n)
#   ceil:  n_high = 6, n_medium = 3, n_low = 1;   E = coverage · n (not rounded)
COV = {
    # floor: 0.18·5 = 0.9 -> 0, 0.3·5 = 1.5 -> 1 (>= 1 at 2048), 0.5·5 = 2.5 -> 2 (>= 2 at 3072)
    # ceil:  0.18·6 = 1.08 (>= 1 at 1024), 0.3·6 = 1.8, 0.5·6 = 3.0 (>= 2 at 3072)
    "high": [0.18, 0.3, 0.5, 1.0],
    # floor: 0.25·2 = 0.5 -> 0, 0.4·2 = 0.8 -> 0, 0.6·2 = 1.2 -> 1 (3072), 1.0·2 = 2 (>= 2 at 4096)
    # ceil:  0.25·3 = 0.75, 0.4·3 = 1.2 (>= 1 at 2048), 0.6·3 = 1.8, 3.0 (>= 2 at 4096)
    "medium": [0.25, 0.4, 0.6, 1.0],
    # n_low = 1: E >= 1 only at full coverage (4096); E >= 2 never -> None (no limit)
    "low": [0.2, 0.5, 0.8, 1.0],
}


@pytest.mark.parametrize(
    "round_method, expected_n_correct, expected",
    [
        ("floor", 1, {"high": 2048, "medium": 3072, "low": 4096}),
        ("ceil", 1, {"high": 1024, "medium": 2048, "low": 4096}),
        ("floor", 2, {"high": 3072, "medium": 4096, "low": None}),
        ("ceil", 2, {"high": 3072, "medium": 4096, "low": None}),
    ],
)
def test_choose_targets_floor_vs_ceil(round_method, expected_n_correct, expected):
    assert choose_targets(COV, THRESHOLDS, 8, expected_n_correct, round_method) == expected


def test_no_candidate_means_no_limit():
    cov = {"high": [0.0, 0.1], "medium": [0.0, 0.0], "low": [0.0, 0.9]}
    # floor: 0.1·5 = 0.5 -> 0; low 0.9·1 -> 0: nothing qualifies
    assert choose_targets(cov, [1024, 2048], 8, 1, "floor") == {"high": None, "medium": None, "low": None}
