"""`lengthwise eval` never marks an answer wrong because its turn at math-verify never came.

30 hostile rows — power towers 9^{9^{k}} (k = 9..38, exponents of at least 387,420,489, so
sympy never finishes evaluating one) against integer golds, which the Rust fast path leaves to
math-verify — and 30 ordinary rows that also need math-verify (binomials \\binom{n}{2} against
n(n-1)/2, the gold one off for every third row), in both orders, graded with 2 workers, 0.5 s
per answer and a 1 s batch deadline (a grading round: raised to 10.5 s by the grader). Before: with the
towers first the ordinary rows queued behind them were cut off by the batch deadline and
counted wrong, and the result depended on the order. Now each ordinary row gets its verdict,
each tower is a timeout (30 in the table's ``timeout`` column), the two orders give the same
verdicts and table, and ``--strict`` exits 1.
"""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from lengthwise.cli import main

pytest.importorskip("math_verify")

HOSTILE = [(f"h{k}", f"\\boxed{{9^{{9^{{{k}}}}}}}", "6") for k in range(9, 39)]
# binom(n, 2) = n(n-1)/2 (exact, by hand); every third gold is one off, so that row is wrong
ORDINARY = [(f"o{n}", f"\\boxed{{\\binom{{{n}}}{{2}}}}", str(n * (n - 1) // 2 + (1 if n % 3 == 0 else 0)))
            for n in range(3, 33)]


def _write(path, rows):
    path.write_text("".join(json.dumps({"model": "m", "benchmark": "b", "problem_id": pid, "response": resp,
                                        "ground_truth": gold}) + "\n" for pid, resp, gold in rows))
    return path


def _eval(tmp_path, name, rows, *extra):
    gen = _write(tmp_path / f"{name}.jsonl", rows)
    out = tmp_path / f"{name}.samples.jsonl"
    res = CliRunner().invoke(main, ["eval", str(gen), "--timeout", "0.5", "--batch-timeout", "1", "--workers", "2",
                                    "--samples-out", str(out), "--csv", str(tmp_path / f"{name}.csv"), *extra])
    verdicts = {}
    if out.exists():
        verdicts = {json.loads(line)["problem_id"]: json.loads(line)["verdict"] for line in out.read_text().splitlines()}
    return res, verdicts


def test_hostile_rows_are_timeouts_and_ordinary_rows_are_graded_in_either_order(tmp_path):
    want = {pid: ("wrong" if int(pid[1:]) % 3 == 0 else "correct") for pid, _, _ in ORDINARY}
    want.update({pid: "timeout" for pid, _, _ in HOSTILE})
    tables = []
    for name, rows in (("hostile-first", HOSTILE + ORDINARY), ("ordinary-first", ORDINARY + HOSTILE)):
        res, verdicts = _eval(tmp_path, name, rows)
        assert res.exit_code == 0, res.output
        assert verdicts == want, name
        # Pass@1 counts verified answers only: 20 correct of 60 (a timeout is not counted correct);
        # the timeout column follows Pass@1's interval
        row = next(line for line in res.output.splitlines() if line.startswith("b "))
        assert row.split()[3:4] == ["33.3"] and row.split("]")[1].split()[0] == "30", row
        assert "30 of 60 answers timed out in math-verify (--timeout 0.5 s each)" in res.output
        tables.append((tmp_path / f"{name}.csv").read_text())
    assert tables[0] == tables[1]  # the table does not depend on row order
    import csv
    import io

    (line,) = list(csv.DictReader(io.StringIO(tables[0])))
    assert math.isclose(float(line["pass1"]), 100 * 20 / 60) and line["timeouts"] == "30"


def test_strict_fails_after_the_table(tmp_path):
    res, verdicts = _eval(tmp_path, "strict", HOSTILE[:2] + ORDINARY[:2], "--strict")
    assert res.exit_code == 1, res.output
    assert "Pass@1" in res.output  # the table came first
    lines = res.output.splitlines()
    error = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert lines[error].startswith("error: 2 of 4 answers timed out in math-verify")
    assert any("Pass@1" in line for line in lines[:error])
    assert verdicts == {"h9": "timeout", "h10": "timeout", "o3": "wrong", "o4": "correct"}
