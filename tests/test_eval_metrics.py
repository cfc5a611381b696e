"""`lengthwise eval`'s numbers against values computed by hand on a small fixture.

The fixture (``FIXTURE`` below) has two benchmarks. ``aime``: 3 problems × k = 2 samples, four
models; ``math``: 2 problems × k = 1, two models. Responses are graded by the real scorer (plain
``\\boxed{}`` integers, decided by the Rust fast path); token counts are stored in the rows.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_confidence_interval_is_wilson_at_the_effective_sample_size(table):
    t, _ = table
    # short/aime: p = [1, 1/2, 1/2], k = 2, mean 2/3, s² = ((1/3)² + 2·(1/6)²)/2 = 1/12;
    # N·p̂(1 − p̂)/s² = 3·(2/9)·12 = 8, clipped to [N, N·k] = [3, 6] → n_eff = 6, i.e. Wilson(4 of 6):
    # denom = 1 + z²/6 = 1.640243, centre = (2/3 + z²/12)/denom = 0.601611,
    # half = (z/denom)·√((2/9)/6 + z²/144) = 1.194923·0.252416 = 0.301618 → [29.9993, 90.3229] %.
    r = t["short", "aime"]
    assert r.pass1_ci_low == pytest.approx(29.9993, abs=1e-3)
    assert r.pass1_ci_high == pytest.approx(90.3229, abs=1e-3)
    # base/math (k = 1): p = [1, 0], n_eff = N = 2, Wilson(1 of 2): centre 1/2,
    # half = (z/(1 + z²/2))·√(1/8 + z²/16) = 0.671053·0.604228 = 0.405469 → [9.4531, 90.5469] %.
    assert t["base", "math"].pass1_ci_low == pytest.approx(9.4531, abs=1e-3)
    assert t["base", "math"].pass1_ci_high == pytest.approx(90.5469, abs=1e-3)
    # short/math: all correct, n = 2: [2/(2 + z²), 1] = [34.2380, 100] % — open below, never zero width.
    assert t["short", "math"].pass1_ci_low == pytest.approx(100 * 2 / (2 + M.Z95**2))
    assert t["short", "math"].pass1_ci_high == 100.0


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
    assert "base (base)" in text and "+1.667" in text and "33.3%" in text and "Wilson" in text
    md = format_markdown(rows, "base")
    assert md.startswith("| benchmark | model |") and md.count("\n| ") == len(rows)  # one line per row after the header
    path = tmp_path / "t.csv"
    write_csv(rows, path)
    back = read_csv(path)
    assert [(r["model"], r["benchmark"]) for r in back] == [(r.model, r.benchmark) for r in rows]
    assert back[1]["aes"] == pytest.approx(5 / 3)
    assert back[1]["pass1_ci_low"] == pytest.approx(29.9993, abs=1e-3)
    assert math.isnan(back[-1]["pass1_ci_low"])  # average rows have no CI: an empty cell


def test_stored_scores_are_ignored_unless_asked(tmp_path):
    # The row claims correct=true on a wrong response; the scorer says wrong.
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({**_row("m", "b", "p", BAD, 10), "correct": True}) + "\n")
    samples = read_generations([path])
    assert grade_samples(samples)[0].tolist() == [False]
    assert grade_samples(samples, use_stored_score=True)[0].tolist() == [True]


# ------------------------------------------------------------------ the formulas alone


Z2 = M.Z95**2  # z² = 3.841459


def test_wilson_interval_by_hand():
    # 5 of 10: denom = 1 + z²/10 = 1.384146, centre = (0.5 + z²/20)/denom = 0.5 (symmetric),
    # half = (z/denom)·√(0.025 + z²/400) = 1.416010·0.186021 = 0.263407 → [0.236593, 0.763407].
    lo, hi = M.wilson_interval(0.5, 10)
    assert (lo, hi) == (pytest.approx(0.236593, abs=1e-6), pytest.approx(0.763407, abs=1e-6))
    # 0 of 10: centre = half = (z²/20)/denom → [0, z²/(10 + z²)] = [0, 0.277533]; 10 of 10 mirrors it.
    assert M.wilson_interval(0.0, 10) == (0.0, pytest.approx(Z2 / (10 + Z2)))
    assert M.wilson_interval(1.0, 10) == (pytest.approx(10 / (10 + Z2)), 1.0)
    # a fractional n is allowed (an effective sample size)
    assert M.wilson_interval(0.5, 2.5)[0] < M.wilson_interval(0.5, 3)[0]
    for bad in ((1.2, 10), (-0.1, 10), (0.5, 0), (0.5, math.inf), (math.nan, 4)):
        with pytest.raises(ValueError):
            M.wilson_interval(*bad)


def test_pass_at_1_effective_sample_size_by_hand():
    # k = 1 (case a): p = [1, 0, 1, 1], s² = 4·(3/16)/3 = 1/4, N·p̂(1 − p̂)/s² = 4·(3/16)·4 = 3 = N − 1,
    # clipped up to N = 4: plain Wilson on 3 of 4.
    assert M.pass_at_1_n_eff([1, 0, 1, 1]) == 4.0
    assert M.pass_at_1_ci([1, 0, 1, 1]) == M.wilson_interval(0.75, 4)
    # Interior (case b): p = [1, 1/2, 0, 1/2], k = 4, mean 1/2, s² = (1/4 + 0 + 1/4 + 0)/3 = 1/6,
    # n_eff = 4·(1/4)·6 = 6 within [4, 16]. Wilson(1/2, 6): denom = 1 + z²/6 = 1.640243,
    # half = (z/denom)·√(1/24 + z²/144) = 1.194923·0.261426 = 0.312384 → [0.187616, 0.812384].
    p = [1, 0.5, 0, 0.5]
    assert M.pass_at_1_n_eff(p, 4) == pytest.approx(6.0)
    lo, hi = M.pass_at_1_ci(p, 4)
    assert (lo, hi) == (pytest.approx(0.187616, abs=1e-6), pytest.approx(0.812384, abs=1e-6))
    # Problems split into all-right and all-wrong: N·p̂(1 − p̂)/s² = 4·(1/4)·3 = 3 → the floor N = 4,
    # however many samples: perfectly correlated samples are worth one per problem.
    assert M.pass_at_1_n_eff([1, 1, 0, 0], 64) == 4.0
    # Every problem at the same rate 1/2 (s² = 0): the samples are independent, n_eff = N²/Σ 1/k_i
    # = 16/(1/2 + 1/2 + 1/4 + 1/4) = 32/3 for k = [2, 2, 4, 4].
    assert M.pass_at_1_n_eff([0.5] * 4, [2, 2, 4, 4]) == pytest.approx(32 / 3)
    # All correct (0/0): the problem count, N = 5 → [5/(5 + z²), 1] = [0.565518, 1] for any k.
    assert M.pass_at_1_n_eff([1.0] * 5, 8) == 5.0
    assert M.pass_at_1_ci([1.0] * 5, 8) == (pytest.approx(0.565518, abs=1e-6), 1.0)
    # One problem: n_eff = 1 (defined, wide); no problems: NaN.
    assert M.pass_at_1_n_eff([0.5], 2) == 1.0
    assert all(math.isnan(v) for v in M.pass_at_1_ci([]))


def test_pass_at_1_ci_rejects_inconsistent_input():
    with pytest.raises(ValueError, match="whole number"):
        M.pass_at_1_ci([0.5, 1.0])  # k = 1 by default: 0.5 cannot be a verdict
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.pass_at_1_ci([1.5, 1.0], 2)
    with pytest.raises(ValueError, match=">= 1"):
        M.pass_at_1_ci([1.0, 0.0], [1, 0])
    with pytest.raises(ValueError, match="shape"):
        M.pass_at_1_ci([1.0, 0.0], [1, 1, 1])


def test_accuracy_ci_one_run_is_wilson_over_problems():
    r = M.accuracy_ci([[True] * 7 + [False] * 3])
    assert r == (pytest.approx(0.7), *M.wilson_interval(0.7, 10), 1)
    assert (r.runs, r.label) == (1, "1 seed")


def test_accuracy_ci_over_runs_by_hand():
    # S = 3 runs of 10 verdicts: 7, 8, 9 correct. a = [0.7, 0.8, 0.9], p̄ = 0.8, s_a² = 0.02/2 = 0.01,
    # t_{0.975,2} = 4.302653, (z/t)² = 0.207503; n_eff = 0.207503·3·0.16/0.01 = 9.960125 (< cap 30).
    runs = [[True] * c + [False] * (10 - c) for c in (7, 8, 9)]
    r = M.accuracy_ci(runs)
    assert (r.mean, r.runs, r.label) == (pytest.approx(0.8), 3, "3 seeds")
    assert (r.low, r.high) == (pytest.approx(M.wilson_interval(0.8, 9.960125)[0], abs=1e-7),
                               pytest.approx(M.wilson_interval(0.8, 9.960125)[1], abs=1e-7))
    assert (r.low, r.high) == (pytest.approx(0.489551, abs=1e-6), pytest.approx(0.943449, abs=1e-6))
    # Runs that agree exactly (s_a = 0): the cap, all 30 verdicts: Wilson(24 of 30).
    same = M.accuracy_ci([[True] * 8 + [False] * 2] * 3)
    assert (same.low, same.high) == tuple(pytest.approx(v, abs=1e-12) for v in M.wilson_interval(0.8, 30))
    # All correct in every run: [30/(30 + z²), 1], open below.
    perfect = M.accuracy_ci([[True] * 10] * 3)
    assert (perfect.mean, perfect.high) == (1.0, 1.0) and perfect.low == pytest.approx(30 / (30 + Z2))
    # S = 2 runs at 0.8 and 0.6: s_a² = 0.02, t_{0.975,1} = 12.706205,
    # n_eff = (z/t)²·2·0.21/0.02 = 0.023794·21 = 0.499671: two seeds that disagree say little.
    wide = M.accuracy_ci([[True] * 8 + [False] * 2, [True] * 6 + [False] * 4])
    assert (wide.low, wide.high) == tuple(pytest.approx(v, abs=1e-7) for v in M.wilson_interval(0.7, 0.4996706))
    assert wide.high - wide.low > 0.9
    # Near 1/2 the half-width is about Student-t's over runs: a = [0.45, 0.50, 0.55] over 2000 problems,
    # s_a = 0.05, t·s_a/√3 = 4.302653·0.05/1.732051 = 0.124207; n_eff = 0.207503·3·0.25/0.0025 = 62.25,
    # Wilson half = (z/(1 + z²/62.25))·√(0.25/62.25 + z²/(4·62.25²)) = 1.846046·0.065298 = 0.120543.
    mid = M.accuracy_ci_from_counts([900, 1000, 1100], [2000] * 3)
    assert (mid.high - mid.low) / 2 == pytest.approx(0.120543, abs=1e-5)
    assert (mid.high - mid.low) / 2 == pytest.approx(0.124207, rel=0.05)
    # Runs of different sizes weigh the same: mean of 1/2 and 1/1 is 3/4, not 2/3.
    assert M.accuracy_ci([[True, False], [True]]).mean == pytest.approx(0.75)
    assert M.accuracy_ci_from_counts([7, 8, 9], [10, 10, 10]) == r


def test_accuracy_ci_rejects_bad_runs():
    for bad in ([], [[]], [[0.5, 1.0]], [[True], [[True]]]):
        with pytest.raises(ValueError):
            M.accuracy_ci(bad)
    with pytest.raises(ValueError):
        M.accuracy_ci_from_counts([11], [10])


def test_tokens_ci_by_hand():
    # One run, lengths [10, 20, 30]: mean 20, s = 10, half = z·10/√3 = 11.315857 → [8.684143, 31.315857].
    r = M.tokens_ci([[10, 20, 30]])
    assert r == (20.0, pytest.approx(8.684143), pytest.approx(31.315857), 1)
    # Three runs with means 100, 110, 120: s = 10, half = 4.302653·10/√3 = 24.841379 → [85.158621, 134.841379].
    r = M.tokens_ci([[90, 110], [110], [120, 120, 120]])
    assert r == (pytest.approx(110.0), pytest.approx(85.158621), pytest.approx(134.841379), 3)
    # Means 10, 20, 30: 20 ± 24.841379 reaches below 0; a mean length cannot, the low end is 0.
    assert M.tokens_ci([[10], [20], [30]])[1:3] == (0.0, pytest.approx(44.841379))
    # One response: no interval.
    one = M.tokens_ci([[42]])
    assert one.mean == 42 and math.isnan(one.low) and math.isnan(one.high)
    for bad in ([], [[]], [[1, math.nan]], [[-1, 2]]):
        with pytest.raises(ValueError):
            M.tokens_ci(bad)


runs_of_verdicts = st.lists(st.lists(st.booleans(), min_size=1, max_size=60), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(runs_of_verdicts)
def test_accuracy_ci_is_binomial_bounded_and_never_empty(runs):
    r = M.accuracy_ci(runs)
    assert r.runs == len(runs)
    assert 0.0 <= r.low <= r.mean <= r.high <= 1.0
    assert r.high - r.low > 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 64), st.integers(0, 64)), min_size=1, max_size=40))
def test_pass_at_1_ci_is_binomial_bounded_and_never_empty(problems):
    k = [ki for ki, _ in problems]
    p = [min(c, ki) / ki for ki, c in problems]
    n_eff = M.pass_at_1_n_eff(p, k)
    assert len(p) <= n_eff <= len(p) ** 2 / sum(1 / ki for ki in k) + 1e-9
    lo, hi = M.pass_at_1_ci(p, k)
    assert 0.0 <= lo <= M.pass_at_1(p) <= hi <= 1.0
    assert hi - lo > 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4096), min_size=2, max_size=30), min_size=1, max_size=5))
def test_tokens_ci_contains_the_mean_and_is_never_negative(runs):
    r = M.tokens_ci(runs)
    assert r.runs == len(runs) and 0.0 <= r.low <= r.mean <= r.high


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
