"""`lengthwise eval`'s numbers against values computed by hand on a small fixture.

The fixture (``FIXTURE`` below) has two benchmarks. ``aime``: 3 problems × k = 2 samples, four
models; ``math``: 2 problems × k = 1, two models. Responses are graded by the real scorer (plain
``\\boxed{}`` integers, decided by the Rust fast path); token counts are stored in the rows.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lengthwise.evaluation import metrics as M
from lengthwise.evaluation.report import (
    build_table,
    count_tokens,
    format_markdown,
    format_table,
    grade_samples,
    read_csv,
    write_csv,
)
from lengthwise.evaluation.schema import read_generations

OK, BAD, NONE = "right", "wrong", "no-answer"


def _row(model, bench, pid, kind, tokens, gold="7"):
    response = {OK: f"<think>work</think> so \\boxed{{{gold}}}", BAD: "<think>w</think> \\boxed{999}", NONE: "I give up."}
    return {
        "model": model, "benchmark": bench, "problem_id": pid, "ground_truth": gold,
        "response": None if kind is None else response[kind],
        **({} if tokens is None else {"num_tokens": tokens}),
    }


FIXTURE = [
    # aime, base: p1 [✓100, ✗300] → 1/2; p2 [no answer 400, null response] → 0; p3 [✓200, ✓200] → 1.
    _row("base", "aime", "p1", OK, 100), _row("base", "aime", "p1", BAD, 300),
    _row("base", "aime", "p2", NONE, 400), _row("base", "aime", "p2", None, None),
    _row("base", "aime", "p3", OK, 200), _row("base", "aime", "p3", OK, 200),
    # aime, short: p1 [✓60, ✓60] → 1; p2 [✗120, ✓60] → 1/2; p3 [✓60, ✗120] → 1/2.
    _row("short", "aime", "p1", OK, 60), _row("short", "aime", "p1", OK, 60),
    _row("short", "aime", "p2", BAD, 120), _row("short", "aime", "p2", OK, 60),
    _row("short", "aime", "p3", OK, 60), _row("short", "aime", "p3", BAD, 120),
    # aime, tie: the base's verdicts (Pass@1 ties the base at 50 %), every response 120 tokens.
    _row("tie", "aime", "p1", OK, 120), _row("tie", "aime", "p1", BAD, 120),
    _row("tie", "aime", "p2", BAD, 120), _row("tie", "aime", "p2", BAD, 120),
    _row("tie", "aime", "p3", OK, 120), _row("tie", "aime", "p3", OK, 120),
    # aime, worse: p1 [✗, ✗] → 0; p2 [✗, ✗] → 0; p3 [✓, ✗] → 1/2; every response 480 tokens.
    _row("worse", "aime", "p1", BAD, 480), _row("worse", "aime", "p1", BAD, 480),
    _row("worse", "aime", "p2", BAD, 480), _row("worse", "aime", "p2", BAD, 480),
    _row("worse", "aime", "p3", OK, 480), _row("worse", "aime", "p3", BAD, 480),
    # math, k = 1: base q1 ✓50, q2 ✗150; short q1 ✓25, q2 ✓25.
    _row("base", "math", "q1", OK, 50, gold="3"), _row("base", "math", "q2", BAD, 150, gold="4"),
    _row("short", "math", "q1", OK, 25, gold="3"), _row("short", "math", "q2", OK, 25, gold="4"),
]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "fixture.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in FIXTURE))
    samples = read_generations([path])
    correct, answered, verdict = grade_samples(samples)
    tokens, sources = count_tokens(samples)
    rows = build_table(samples, correct, tokens, sources, answered=answered, verdict=verdict, base="base")
    return {(r.model, r.benchmark): r for r in rows}, rows


def test_pass_at_1_is_the_mean_over_problems_of_per_problem_accuracy(table):
    t, _ = table
    assert t["base", "aime"].pass1 == pytest.approx(100 * (0.5 + 0 + 1) / 3)  # 50.0
    assert t["short", "aime"].pass1 == pytest.approx(100 * (1 + 0.5 + 0.5) / 3)  # 66.67
    assert t["tie", "aime"].pass1 == pytest.approx(50.0)
    assert t["worse", "aime"].pass1 == pytest.approx(100 * (0 + 0 + 0.5) / 3)  # 16.67
    # k = 1: plain accuracy.
    assert t["base", "math"].pass1 == pytest.approx(50.0)
    assert t["short", "math"].pass1 == pytest.approx(100.0)
    assert (t["base", "aime"].problems, t["base", "aime"].samples, t["base", "aime"].k_min) == (3, 6, 2)
    assert (t["short", "math"].k_min, t["short", "math"].k_max) == (1, 1)


def test_missing_answers_count_as_wrong_and_a_missing_response_has_no_length(table):
    t, _ = table
    base = t["base", "aime"]
    # Two of six samples have no answer: "I give up." (graded, nothing extracted) and a null response.
    assert base.no_answer == pytest.approx(100 * 2 / 6)
    # Tokens: the null response has no length and is left out: (100+300+400+200+200)/5 = 240.
    assert base.tokens == pytest.approx(240.0)
    assert base.tokens_correct == pytest.approx((100 + 200 + 200) / 3)
    assert base.tokens_wrong == pytest.approx((300 + 400) / 2)  # 350
    assert t["short", "aime"].tokens == pytest.approx((60 + 60 + 120 + 60 + 60 + 120) / 6)  # 80
    assert t["short", "math"].tokens_wrong != t["short", "math"].tokens_wrong  # NaN: no wrong answers


def test_confidence_interval_is_the_normal_approximation_over_problems(table):
    t, _ = table
    # short/aime: p = [1, 1/2, 1/2], mean 2/3, s² = ((1/3)² + 2·(1/6)²)/2 = 1/12, s = 0.288675;
    # half-width = 1.959964 · 0.288675 / √3 = 0.326661 → [34.0006, 99.3327] %.
    r = t["short", "aime"]
    assert r.pass1_ci_low == pytest.approx(100 * (2 / 3 - 0.326661), abs=1e-3)
    assert r.pass1_ci_high == pytest.approx(100 * (2 / 3 + 0.326661), abs=1e-3)
    # base/math (k = 1): p = [1, 0], s = 0.7071, half = 1.96·0.7071/√2 = 0.98 → clipped to [0, 100].
    assert (t["base", "math"].pass1_ci_low, t["base", "math"].pass1_ci_high) == (0.0, 100.0)


def test_siri_delta_acc_and_cr_and_aes_against_the_base(table):
    t, _ = table
    s = t["short", "aime"]
    # acc 2/3 vs 1/2: ΔAcc = max((2/3)/(1/2) − 1, 0) = 1/3; CR = 80/240 = 1/3; ΔAcc/CR = 1.
    assert s.delta_acc == pytest.approx(1 / 3)
    assert s.cr == pytest.approx(1 / 3)
    assert s.delta_acc_per_cr == pytest.approx(1.0)
    # AES = ΔLen + 3·ΔAcc_rel = (240 − 80)/240 + 3·(1/3) = 2/3 + 1 = 5/3.
    assert s.aes == pytest.approx(5 / 3)

    tie = t["tie", "aime"]
    # A tie in accuracy: ΔAcc = 0, CR = 120/240 = 1/2, ΔAcc/CR = 0, AES = ΔLen = 1/2.
    assert (tie.delta_acc, tie.acc_rel) == (0.0, 0.0)
    assert tie.cr == pytest.approx(0.5)
    assert tie.delta_acc_per_cr == 0.0
    assert tie.aes == pytest.approx(0.5)

    w = t["worse", "aime"]
    # acc 1/6 vs 1/2: ΔAcc_rel = −2/3, SIRI ΔAcc clamps to 0; CR = 480/240 = 2;
    # AES = (240 − 480)/240 − 5·(2/3) = −1 − 10/3 = −13/3.
    assert w.acc_rel == pytest.approx(-2 / 3)
    assert w.delta_acc == 0.0
    assert w.cr == pytest.approx(2.0)
    assert w.aes == pytest.approx(-13 / 3)

    b = t["base", "aime"]
    assert (b.delta_acc, b.cr, b.aes) == (0.0, 1.0, 0.0)


def test_average_rows_compare_with_the_base_over_the_same_benchmarks(table):
    t, rows = table
    avg = t["short", "average"]
    # Pass@1 (66.667 + 100)/2 = 83.333; tokens (80 + 25)/2 = 52.5; base: 50 and (240 + 100)/2 = 170.
    assert avg.pass1 == pytest.approx((200 / 3 + 100) / 2)
    assert avg.tokens == pytest.approx(52.5)
    # ΔAcc = 83.333/50 − 1 = 2/3; CR = 52.5/170; AES = (1 − 52.5/170) + 3·(2/3).
    assert avg.delta_acc == pytest.approx(2 / 3)
    assert avg.cr == pytest.approx(52.5 / 170)
    assert avg.aes == pytest.approx(1 - 52.5 / 170 + 2)
    assert math.isnan(avg.pass1_ci_low)
    # "tie" has aime only: its average is its aime row, compared with the base's aime row.
    assert t["tie", "average"].aes == pytest.approx(t["tie", "aime"].aes)
    # Order: benchmarks as first seen, average last; the base first within each.
    assert [(r.benchmark, r.model) for r in rows][:5] == [
        ("aime", "base"), ("aime", "short"), ("aime", "tie"), ("aime", "worse"), ("math", "base"),
    ]
    assert rows[-1].benchmark == "average"


def test_table_markdown_and_csv_round_trip(table, tmp_path):
    _, rows = table
    text = format_table(rows, "base")
    assert "base (base)" in text and "+1.667" in text and "33.3%" in text and "normal approximation" in text
    md = format_markdown(rows, "base")
    assert md.startswith("| benchmark | model |") and md.count("\n| ") == len(rows)  # one line per row after the header
    path = tmp_path / "t.csv"
    write_csv(rows, path)
    back = read_csv(path)
    assert [(r["model"], r["benchmark"]) for r in back] == [(r.model, r.benchmark) for r in rows]
    assert back[1]["aes"] == pytest.approx(5 / 3)
    assert back[1]["pass1_ci_low"] == pytest.approx(100 * (2 / 3 - 0.326661), abs=1e-3)
    assert math.isnan(back[-1]["pass1_ci_low"])  # average rows have no CI: an empty cell


def test_stored_scores_are_ignored_unless_asked(tmp_path):
    # The row claims correct=true on a wrong response; the scorer says wrong.
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({**_row("m", "b", "p", BAD, 10), "correct": True}) + "\n")
    samples = read_generations([path])
    assert grade_samples(samples)[0].tolist() == [False]
    assert grade_samples(samples, use_stored_score=True)[0].tolist() == [True]


# ------------------------------------------------------------------ the formulas alone


def test_ci_methods():
    p = np.array([1.0, 0.5, 0.5, 0.0, 1.0])
    assert all(math.isnan(v) for v in M.pass_at_1_ci([0.5]))  # undefined for one problem
    lo, hi = M.pass_at_1_ci(p, "bootstrap", samples=500, seed=3)
    assert (lo, hi) == M.pass_at_1_ci(p, "bootstrap", samples=500, seed=3)  # fixed seed, same answer
    assert 0.0 <= lo < p.mean() < hi <= 1.0
    with pytest.raises(ValueError):
        M.pass_at_1_ci(p, "wilson")


def test_aes_branches_and_zero_bases():
    w = M.AESWeights()
    # Gain: acc 0.6 vs 0.5 (+20 %), tokens 50 vs 100: 0.5 + 3·0.2 = 1.1. Drop: 0.4 vs 0.5: 0.5 − 5·0.2 = −0.5.
    assert M.aes(0.6, 0.5, 50, 100, w) == pytest.approx(1.1)
    assert M.aes(0.4, 0.5, 50, 100, w) == pytest.approx(-0.5)
    assert M.aes(0.4, 0.5, 50, 100, M.AESWeights(2, 3, 10)) == pytest.approx(2 * 0.5 - 10 * 0.2)
    assert math.isnan(M.aes(0.4, 0.0, 50, 100)) and math.isnan(M.compression_ratio(5, 0))
    assert math.isnan(M.siri_delta_acc(0.3, 0.0))


def test_pareto_front_keeps_ties_and_drops_dominated_points():
    tokens = [100, 200, 200, 300, 150, 100]
    acc = [50, 60, 60, 55, 40, 50]
    # (300, 55) is dominated by (200, 60); (150, 40) by (100, 50); the two (200, 60) and the two
    # (100, 50) tie and all stay.
    assert M.pareto_front(tokens, acc) == [0, 5, 1, 2]
    assert M.pareto_front([1.0, float("nan")], [1.0, 2.0]) == [0]
