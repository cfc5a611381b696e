"""The conformance table, run through the facade, the Rust fast path and math-verify.

conformance.tsv holds (answer, gold, expected, rule) rows: every normalisation rule of the
scorer (\\left \\right, \\! \\,, \\dfrac \\tfrac, \\text{} \\mathrm{}, units, degrees, percent,
thousands separators, trailing period, $…$) and every equivalence type it decides (integers,
decimals, fractions, mixed numbers, percentages, \\frac, \\sqrt, π multiples, powers, tuples,
intervals, sets, ``x = 5``), each with True and False cases, plus rows only math-verify can
decide (symbolic expressions, text answers, float rounding) and rows it times out on.
``expected`` is the mathematically right verdict (with MATH's convention that ``50\\%`` also
matches a gold ``50``).

Per row:
* the facade (``grade_detailed`` on a response ending in ``\\boxed{answer}``) gives ``expected``;
* when the fast path decides, it gives ``expected`` (it only decides exactly);
* safety: the fast path never says True where math-verify says False, except on rows listed in
  mathverify_errors.tsv, each with the reason math-verify is wrong there.
The agreement of the fast path with math-verify is printed in the terminal summary.
"""

from __future__ import annotations

import pathlib
from collections import Counter

import pytest

from lengthwise import _scoring, scoring

HERE = pathlib.Path(__file__).parent
TIMEOUT_S = 3.0  # per math-verify item; the two `big` rows take this long, the rest ~50 ms
WORKERS = 2


def read_tsv(name: str, width: int) -> list[tuple[str, ...]]:
    """Rows of a tab-separated table here; '#' lines are comments; cells kept verbatim
    (leading and trailing spaces are part of some answers)."""
    rows = []
    for n, line in enumerate((HERE / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != width:
            raise ValueError(f"{name}:{n}: expected {width} tab-separated cells, got {len(cells)}")
        rows.append(tuple(cells))
    return rows


def _tf(cell: str) -> bool:
    if cell not in ("T", "F"):
        raise ValueError(f"verdict cell must be T or F, got {cell!r}")
    return cell == "T"


ROWS = [(a, g, _tf(e), rule) for a, g, e, rule in read_tsv("conformance.tsv", 4)]
MV_ERRORS = {(a, g): (_tf(says), reason) for a, g, says, reason in read_tsv("mathverify_errors.tsv", 4)}

# The rules and types the issue names; each needs True and False rows.
REQUIRED_RULES = [
    "left_right", "spacing", "dfrac_tfrac", "text_wrapped", "units", "degrees", "percent",
    "thousands", "trailing_period", "dollars", "integer", "decimal", "fraction",
    "mixed_number", "sqrt", "pi", "power", "tuple", "interval", "set", "equation", "polynomial",
    "expression", "e_notation", "clock",
]


def response(answer: str) -> str:
    return f"Let me work it out step by step.</think>\nSo the final answer is \\boxed{{{answer}}}."


@pytest.fixture(scope="module")
def verdicts():
    """Every row's verdict from the three graders, computed once."""
    pairs = [(_scoring.canonicalize(a), _scoring.canonicalize(g)) for a, g, _, _ in ROWS]
    rust = [_scoring.decide(a, g) for a, g, _, _ in ROWS]
    # math-verify on the same canonical strings the facade would send it, under the pool's
    # hard deadline (10^{10^{10}} would otherwise run for hours).
    mv = scoring.math_verify_batch(pairs, timeout_s=TIMEOUT_S, batch_timeout_s=3600, workers=WORKERS)
    facade = scoring.grade_detailed(
        [response(a) for a, _, _, _ in ROWS],
        [g for _, g, _, _ in ROWS],
        timeout_s=TIMEOUT_S,
        batch_timeout_s=3600,
        workers=WORKERS,
    )
    return {"rust": rust, "mv": mv, "facade": facade}


@pytest.mark.parametrize("i", range(len(ROWS)), ids=[f"{i:03d}-{r[3]}" for i, r in enumerate(ROWS)])
def test_row(i, verdicts):
    answer, gold, expected, rule = ROWS[i]
    rust = verdicts["rust"][i]
    status, mv = verdicts["mv"][i]
    got = verdicts["facade"][i]
    documented = MV_ERRORS.get((answer, gold))
    where = f"{answer!r} vs {gold!r} ({rule})"

    if rust is not None:
        assert rust == expected, f"fast path says {rust} on {where}, expected {expected}"
    if rust is True and status == "ok" and mv is False:
        assert documented is not None, (
            f"fast path says True where math-verify says False on {where}: fix the fast path or "
            "document math-verify's error in mathverify_errors.tsv"
        )
    if got.correct != expected:
        # Only math-verify's documented errors may reach the verdict, and only through it.
        assert documented is not None and got.path == "math_verify", (
            f"facade says {got.correct} (path {got.path}) on {where}, expected {expected}"
        )


def test_every_rule_has_true_and_false_rows():
    seen = Counter((rule, expected) for _, _, expected, rule in ROWS)
    missing = [
        f"{rule}:{'T' if v else 'F'}" for rule in REQUIRED_RULES for v in (True, False) if not seen[rule, v]
    ]
    assert not missing, f"rules without True or False rows: {missing}"
    assert len(ROWS) >= 400


def test_documented_errors_reproduce(verdicts):
    """Each documented math-verify error is a table row where math-verify still says what the
    entry records and that differs from the expected verdict (a stale entry fails here)."""
    index = {(a, g): i for i, (a, g, _, _) in enumerate(ROWS)}
    for (answer, gold), (says, reason) in MV_ERRORS.items():
        assert (answer, gold) in index, f"documented pair {answer!r} vs {gold!r} is not in the table"
        i = index[answer, gold]
        assert ROWS[i][2] != says, f"{answer!r} vs {gold!r}: the entry agrees with the table ({reason})"
        assert verdicts["mv"][i] == ("ok", says), (
            f"math-verify now says {verdicts['mv'][i]} on {answer!r} vs {gold!r}; remove the entry"
        )


def test_agreement_report(verdicts, scoring_report):
    rust, mv, facade = verdicts["rust"], verdicts["mv"], verdicts["facade"]
    n = len(ROWS)
    decided = [i for i in range(n) if rust[i] is not None]
    both = [i for i in decided if mv[i][0] == "ok"]
    agree = [i for i in both if rust[i] == mv[i][1]]
    mv_ok = [i for i in range(n) if mv[i][0] == "ok"]
    mv_right = [i for i in mv_ok if mv[i][1] == ROWS[i][2]]
    facade_right = sum(facade[i].correct == ROWS[i][2] for i in range(n))
    lines = [
        f"rows: {n}; fast path decided {len(decided)} ({len(decided) / n:.1%}), "
        f"the rest went to math-verify",
        f"fast path vs math-verify where both answered: {len(agree)}/{len(both)} agree "
        f"({len(agree) / len(both):.1%})",
        f"math-verify vs expected: {len(mv_right)}/{len(mv_ok)} right; "
        f"{sum(s == 'timeout' for s, _ in mv)} timed out after {TIMEOUT_S:g} s",
        f"facade vs expected: {facade_right}/{n}",
        "disagreements (fast path vs math-verify):",
    ]
    for i in both:
        if rust[i] != mv[i][1]:
            a, g, e, rule = ROWS[i]
            why = MV_ERRORS.get((a, g), (None, "UNDOCUMENTED"))[1]
            lines.append(f"  {a!r} vs {g!r} [{rule}]: fast path {rust[i]}, math-verify {mv[i][1]} -> {why}")
    scoring_report.append(("conformance: Rust fast path vs math-verify", lines))
    # The fast path must keep deciding the bulk of the table (87% when written): a change that
    # sends most rows to math-verify is a performance regression even when verdicts stay right.
    assert len(decided) / n >= 0.8
    assert all(rust[i] == mv[i][1] or (ROWS[i][0], ROWS[i][1]) in MV_ERRORS for i in both)
