"""lengthwise.metrics: the names every metric has, and the per-level and held-out numbers, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from lengthwise import metrics as K
from lengthwise.batch import RolloutBatch
from lengthwise.config import Strategies
from lengthwise.pipeline import LengthController
from lengthwise import create


def test_level_metrics_by_hand():
    # levels 1 1 2 2 2; correct T F T T F; lengths 10 20 30 40 50; truncated F F F T T
    m = K.level_metrics(np.array([1, 1, 2, 2, 2]), np.array([1, 0, 1, 1, 0], bool), np.array([10, 20, 30, 40, 50.0]),
                        np.array([0, 0, 0, 1, 1], bool))
    assert m == {
        "lengthwise/level_1/share": 2 / 5, "lengthwise/level_1/accuracy": 1 / 2,
        "lengthwise/level_1/mean_length": 15.0, "lengthwise/level_1/truncation_rate": 0.0,
        "lengthwise/level_2/share": 3 / 5, "lengthwise/level_2/accuracy": 2 / 3,
        "lengthwise/level_2/mean_length": 40.0, "lengthwise/level_2/truncation_rate": 2 / 3,
    }


def test_val_metrics_from_verl_records_by_hand():
    # three responses: a correct level-1 one of 12 tokens under cap 16; a wrong level-3 one that
    # stopped at its cap (16 >= 16: truncated though the scorer did not cut it); a correct level-3 one
    records = [
        {"acc": 1.0, "lw_length": 12.0, "lw_cap": 16.0, "lw_truncated": 0.0, "lw_level": 1.0},
        {"acc": 0.0, "lw_length": 16.0, "lw_cap": 16.0, "lw_truncated": 0.0, "lw_level": 3.0},
        {"acc": 1.0, "lw_length": 8.0, "lw_cap": 16.0, "lw_truncated": 0.0, "lw_level": 3.0},
    ]
    m = K.val_metrics(records)
    assert m[K.VAL_PROBLEMS] == 3 and m[K.VAL_ACCURACY] == pytest.approx(2 / 3)
    assert m[K.VAL_MEAN_LENGTH] == pytest.approx(12.0) and m[K.VAL_TRUNCATION_RATE] == pytest.approx(1 / 3)
    assert m[K.val_level_key(3, "truncation_rate")] == 0.5 and m[K.val_level_key(3, "mean_length")] == 12.0
    assert m[K.val_level_key(1, "accuracy")] == 1.0
    # without levels there are no per-level keys; an empty evaluation has no metrics at all
    assert not any(K.parse_level_key(k) for k in K.val_metrics([{k: v for k, v in r.items() if k != "lw_level"} for r in records]))
    assert K.val_metrics([]) == {}


def test_parse_level_key_reads_exactly_the_level_keys():
    assert K.parse_level_key(K.level_key(4, "accuracy")) == (False, 4, "accuracy")
    assert K.parse_level_key(K.val_level_key(8, "mean_length")) == (True, 8, "mean_length")
    for other in (K.ACCURACY, K.VAL_ACCURACY, "lengthwise/level_x/accuracy", "lengthwise/level_3/other",
                  K.bucket_key("high", "share"), "actor/level_3/accuracy"):
        assert K.parse_level_key(other) is None


@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True), st.text(max_size=3)), max_size=8))
def test_levels_of_is_all_or_nothing(values):
    out = K.levels_of(values)
    whole = all(isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) <= 2**31 for v in values)
    assert (out is not None) == (bool(values) and whole)
    if out is not None:
        assert out.tolist() == [int(v) for v in values]


def test_the_controller_logs_the_module_names():
    ctl = LengthController(Strategies(create("schedule", "constant", length=64), create("reward", "length-capped"), None))
    batch = RolloutBatch.from_lists(["a", "a", "b"], [10, 64, 30], [True, False, True], 64)
    m = ctl.step(batch).metrics
    for name in (K.CAP, K.MEAN_LENGTH, K.ACCURACY, K.TRUNCATION_RATE, K.NO_ANSWER_RATE, K.REWARD_MEAN,
                 K.MEAN_LENGTH_CORRECT, K.MEAN_LENGTH_WRONG):
        assert name in m
    assert m[K.TRUNCATION_RATE] == pytest.approx(1 / 3)  # the 64-token response reached its cap


def test_no_other_module_spells_a_core_metric_name():
    """The step metrics' names live in lengthwise.metrics: no other source file writes them out."""
    from pathlib import Path

    import lengthwise

    root = Path(lengthwise.__file__).parent
    names = ('"lengthwise/cap"', '"lengthwise/mean_length"', '"lengthwise/accuracy"', '"lengthwise/truncation_rate"',
             '"lengthwise/val/accuracy"', '"lengthwise/step"')
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if p.name != "metrics.py"
                 and any(n in p.read_text(encoding="utf-8") for n in names)]
    assert offenders == []
