"""The split grading/shaping the verl adapter runs equals LengthController.score on the same step.

``grade_response`` (reward workers, one response at a time) followed by ``shape_step`` (driver,
whole step) must give exactly the rewards, state and metrics of ``LengthController.score`` (the
CPU demo's single call), step after step, for each paper's strategies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lengthwise import LengthController, load_config
from lengthwise.step import cap_char_offsets
from lengthwise.scoring import GradeResult
from lengthwise.step import RECORD_KEYS, grade_from_record, grade_response, record_from_grade, shape_step

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

# (group, length, answer) per response; gold 7. Two steps with different pass rates so that moving
# averages and adaptive targets change between them.
STEPS = [
    [("a", 30, "7"), ("a", 45, "7"), ("a", 60, "7"), ("a", 80, "1"),
     ("b", 25, "7"), ("b", 70, "2"), ("b", 50, "7"), ("b", 90, None),
     ("c", 40, "3"), ("c", 65, "7"), ("c", 20, "4"), ("c", 85, "5")],
    [("d", 35, "7"), ("d", 55, "7"), ("d", 75, "9"), ("d", 95, None),
     ("e", 22, "7"), ("e", 44, "7"), ("e", 66, "7"), ("e", 88, "7"),
     ("f", 33, "6"), ("f", 52, "8"), ("f", 71, "7"), ("f", 90, "0")],
]


def _controller(name: str) -> LengthController:
    return LengthController.from_config(load_config(CONFIGS / name))


def _step_inputs(tokenizer, make_response, rows):
    texts = [make_response(n, a, start=7 * i) for i, (_, n, a) in enumerate(rows)]
    ids = [tokenizer.encode(t, add_special_tokens=False) for t in texts]
    assert [len(x) for x in ids] == [n for _, n, _ in rows]
    return [g for g, _, _ in rows], texts, ids


@pytest.mark.parametrize(
    "config, cap",
    [
        ("laser-de-1.5b-l4096.yaml", 64),  # caps below some lengths: cap grading and truncation matter
        ("deepcompress-zero-7b.yaml", 80),
        ("siri-cosine-640-1.5b.yaml", 70),
        ("dapo-overlong-1.5b.yaml", 90),
        ("dler-r1-1.5b.yaml", 64),  # responses past 64 are cut: stop-properly factor and cap grading
    ],
)
def test_split_path_equals_controller_score(config, cap, tokenizer, make_response):
    decode = lambda x: tokenizer.decode(x, skip_special_tokens=True)  # noqa: E731
    whole, split = _controller(config), _controller(config)
    scoring = load_config(CONFIGS / config).scoring
    for step, rows in enumerate(STEPS):
        groups, texts, ids = _step_inputs(tokenizer, make_response, rows)
        # what a vLLM rollout under the cap returns: at most `cap` tokens
        ids = [x[:cap] for x in ids]
        texts = [decode(x) for x in ids]
        ref, graded = whole.score(
            group_ids=groups, responses=texts, ground_truths=["7"] * len(texts), lengths=[len(x) for x in ids],
            caps=cap, step=step, cap_offsets=cap_char_offsets(texts, ids, [cap] * len(ids), decode), token_ids=ids,
        )
        records = []
        for text, x in zip(texts, ids):
            grade, record = grade_response(scoring, text, x, "7", cap, decode)
            records.append(record)
            assert grade == graded[len(records) - 1]
        got = shape_step(split, group_ids=groups, records=records, step=step, token_ids=ids)
        np.testing.assert_array_equal(got.rewards, ref.rewards.rewards)
        assert {k: v for k, v in got.metrics.items() if k in ref.metrics} == ref.metrics
        assert split.state_dict() == whole.state_dict()


def test_record_round_trip():
    for path in ("rust", "math_verify", "timeout", "error", "no_answer"):
        for correct, truncated in ((True, False), (False, True)):
            grade = GradeResult(correct, None, path, truncated)
            record = record_from_grade(grade, 12, 64)
            assert set(record) == set(RECORD_KEYS)
            assert grade_from_record(record) == grade
    assert record_from_grade(GradeResult(True, "7", "rust", False), 5, 8, target_length=300.0)["lw_target_length"] == 300.0


def test_target_lengths_reach_the_shaper():
    # L1-exact: r = c - alpha * |len - n_gold|. With n_gold from each record (L1/LCPO prompts):
    #   correct, len 100, n_gold 120 -> 1 - 0.01*20 = 0.8;  wrong, len 50, n_gold 50 -> 0 - 0 = 0.0
    from lengthwise import parse_config

    ctl = LengthController.from_config(parse_config({
        "schedule": {"name": "constant", "params": {"length": 256}},
        "reward": {"name": "l1-exact", "params": {"alpha": 0.01}},
    }))
    records = [
        record_from_grade(GradeResult(True, "7", "rust", False), 100, 256, target_length=120),
        record_from_grade(GradeResult(False, "3", "rust", False), 50, 256, target_length=50),
    ]
    got = shape_step(ctl, group_ids=["g", "g"], records=records, step=0)
    np.testing.assert_allclose(got.rewards, [0.8, 0.0], atol=1e-12)


def test_bad_inputs_are_named():
    ctl = _controller("siri-cosine-640-1.5b.yaml")
    good = record_from_grade(GradeResult(True, "7", "rust", False), 10, 64)
    with pytest.raises(KeyError, match="LengthwiseRewardManager"):
        shape_step(ctl, group_ids=["g"], records=[{"acc": 1.0}], step=0)
    with pytest.raises(ValueError, match="1 records for 2 responses"):
        shape_step(ctl, group_ids=["g", "g"], records=[good], step=0)
    with pytest.raises(ValueError, match="lengths"):
        shape_step(ctl, group_ids=["g"], records=[good], step=0, lengths=[1, 2])
    with pytest.raises(ValueError, match="cap must be a positive"):
        grade_response(load_config(CONFIGS / "siri-cosine-640-1.5b.yaml").scoring, "x", [1], "7", 0, str)
