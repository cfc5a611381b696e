"""Laser-D/DE candidate target lengths in the shipped configs, derived by hand from the source's
rule (hkust-nlp/Laser ``verl/utils/reward_score/constants.py`` lines 21-25, ``get_length_threshold``):

    lower < floor:   [lower] + range(floor, upper + interval, interval)
    otherwise:       range(lower, upper + interval, interval)

with floor = 1024 in the source (``candidate_floor`` here, default 1024).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lengthwise
from lengthwise.config import build_strategies, load_config
from lengthwise_laser.targets import SOURCE_CANDIDATE_FLOOR, candidate_lengths

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "core" / "lengthwise" / "demo" / "configs"
SOURCE_CONFIG = ROOT / "configs" / "laser-de-1.5b-l4096.yaml"


def by_hand(lower: int, upper: int, interval: int, floor: int) -> list[int]:
    """The rule above, written as a loop: a length is a candidate while it is below upper + interval."""
    out = [lower] if lower < floor else []
    length = floor if lower < floor else lower
    while length < upper + interval:
        out.append(length)
        length += interval
    return out


def test_source_rule_collapses_at_demo_scale():
    # The example: lower 16 < 1024, and range(1024, 128 + 8, 8) is empty -> [16] only.
    assert SOURCE_CANDIDATE_FLOOR == 1024
    assert candidate_lengths(16, 128, 8) == [16]
    # The params now refuse that collapse in one line instead of running a degenerate Laser-D.
    with pytest.raises(lengthwise.StrategyParamsError, match="candidate_floor 1024 exceeds upper_bound 128"):
        lengthwise.create("reward", "laser-d", lower_bound=16, upper_bound=128, interval=8, target_length=128)


def test_source_config_candidates_by_hand():
    # configs/laser-de-1.5b-l4096.yaml (scripts/training/laser-de-1.5b/laser-de-1.5b-l4096.sh):
    # lower 4096, upper 16384, interval 1024, floor 1024 (default). 4096 >= 1024, so
    # range(4096, 16384 + 1024, 1024) = 4096, 5120, ..., 16384: (16384 - 4096)/1024 + 1 = 13 lengths.
    cfg = load_config(SOURCE_CONFIG)
    p = cfg.reward.params
    assert (p["lower_bound"], p["upper_bound"], p["interval"]) == (4096, 16384, 1024)
    assert "candidate_floor" not in p  # the GPU config keeps the source's value
    shaper = build_strategies(cfg).reward
    expected = [4096 + 1024 * k for k in range(13)]
    assert expected[-1] == 16384
    assert shaper.thresholds == expected == by_hand(4096, 16384, 1024, 1024)


@pytest.mark.parametrize("name", ["laser-d", "laser-de"])
def test_demo_config_has_at_least_eight_candidates(name):
    # The demo's numbers are read from the yaml (they get rescaled with the task). Derivation:
    # with lower >= floor the candidates are lower, lower + interval, ... up to the last one below
    # upper + interval, i.e. floor((upper - lower)/interval) + 1 of them; with lower < floor it is
    # lower plus floor((upper - floor)/interval) + 1 of them. (At the time of writing: lower 16,
    # upper 128, interval 8, floor 8 -> 16, 24, ..., 128, (128 - 16)/8 + 1 = 15 lengths.)
    cfg = load_config(DEMO / f"{name}.yaml")
    p = cfg.reward.params
    lower, upper, interval, floor = p["lower_bound"], p["upper_bound"], p["interval"], p["candidate_floor"]
    if lower >= floor:
        count = (upper - lower) // interval + 1
    else:
        count = 1 + (upper - floor) // interval + 1
    shaper = build_strategies(cfg).reward
    assert shaper.thresholds == by_hand(lower, upper, interval, floor)
    assert len(shaper.thresholds) == count >= 8
    assert shaper.thresholds[0] == lower and shaper.thresholds[-1] <= upper + interval - 1
    # every candidate lies inside the demo's cap, so each one can bind
    assert max(shaper.thresholds) <= build_strategies(cfg).schedule.max_cap


@pytest.mark.parametrize(
    "lower, upper, interval, floor",
    [(16, 128, 8, 8), (16, 128, 8, 32), (512, 3072, 1024, 1024), (4096, 16384, 1024, 1024), (5, 50, 7, 12)],
)
def test_candidate_lengths_matches_the_loop(lower, upper, interval, floor):
    assert candidate_lengths(lower, upper, interval, floor) == by_hand(lower, upper, interval, floor)
