"""Throughput and agreement of the scorer on realistic responses, in one run.

Run:  .venv/bin/pytest tests/scoring/test_benchmark_real.py --benchmark-only
(pytest is configured with --benchmark-skip, so a plain run skips it.)

Beside test_benchmark.py's synthetic batch (integers, fractions, k√2), this batch is built from
real data (tests/scoring/data, SOURCES.md):

* ``qwen_responses``: the 800 real Qwen2.5-Math responses to 100 MATH problems, as sampled
  (8.9% wrong);
* one response per gold of each benchmark set (MATH500, AIME24/25, AMC23, Minerva,
  OlympiadBench, gaokao2023en, college_math): ``FILLER_CHARS`` characters of real reasoning
  text (other problems' responses, their ``\\boxed`` turned into ``\\mathbf`` so the last box is
  the answer), ``</think>``, and ``\\boxed{answer}``. The answer is the gold as written, or one
  of the harmless rewrites a model makes (``\\dfrac``, no spaces, a trailing thin space
  ``\\,``, ``\\left( \\right)``), and with probability ``WRONG`` the next gold of the same set.

Measured, per set and overall: the share the Rust fast path decides (all items); agreement of
lengthwise's verdict with math-verify's and math-verify's throughput in one process, on every
``MV_STRIDE``-th item (math-verify as it is used: ``verify(parse(\\boxed{gold}),
parse(\\boxed{answer}))`` on the extracted answer, with its own 5 s timeouts; on the extracted
answer rather than the whole response it has less to do, so the ratio is a lower bound); the
steady-state throughput of ``lengthwise.scoring.grade`` on the whole batch (math-verify workers
warm, as in training).
"""

from __future__ import annotations

import gzip
import json
import logging
import pathlib
import random
import re
import time
from collections import defaultdict

import pytest

from lengthwise import _scoring, scoring

DATA = pathlib.Path(__file__).parent / "data"
SEED = 20251129
WRONG = 0.05
FILLER_CHARS = 6000
TARGET_RATIO = 1000.0
MV_STRIDE = 4
E_LITERAL = re.compile(r"^-?\d+(\.\d+)?[eE][+-]?\d+$")
CLOCK = re.compile(r"\d:\d\d.*[ap]\.?m", re.IGNORECASE)


def _load():
    with gzip.open(DATA / "responses.jsonl.gz", "rt", encoding="utf-8") as f:
        real = [json.loads(line) for line in f]
    golds: dict[str, list[str]] = defaultdict(list)
    for line in (DATA / "golds.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        golds[row["set"]].append(row["gold"])
    return real, golds


def _rewrite(rng: random.Random, answer: str) -> str:
    """The answer as written, or a rewrite that reads the same to math-verify."""
    k = rng.random()
    if k < 0.55:
        return answer
    if k < 0.7 and "\\frac" in answer:
        return answer.replace("\\frac", "\\dfrac")
    # Spaces go only where they separate no words (`\\text{two words}`, `a b` keep theirs).
    if k < 0.85 and " " in answer and "\\text" not in answer and not re.search(r"[A-Za-z] +[A-Za-z]", answer):
        return answer.replace(" ", "")
    if k < 0.93 and answer.startswith("(") and answer.endswith(")") and answer.count("(") == 1:
        return "\\left(" + answer[1:-1] + "\\right)"
    return answer + "\\,"


def make_batch(seed: int = SEED):
    """(names, responses, golds): names[i] is the set response i belongs to."""
    rng = random.Random(seed)
    real, golds = _load()
    names = ["qwen_responses"] * len(real)
    responses = [r["response"] for r in real]
    batch_golds = [r["gold"] for r in real]
    filler = [r["response"].replace("\\boxed", "\\mathbf") for r in real]
    for name, gs in golds.items():
        for i, gold in enumerate(gs):
            text, parts = 0, []
            while text < FILLER_CHARS:
                parts.append(rng.choice(filler))
                text += len(parts[-1])
            answer = gs[(i + 1) % len(gs)] if rng.random() < WRONG else _rewrite(rng, gold)
            names.append(name)
            responses.append("\n\n".join(parts) + f"</think>\n\nThe final answer is $\\boxed{{{answer}}}$.")
            batch_golds.append(gold)
    return names, responses, batch_golds


@pytest.fixture(scope="module")
def batch():
    return make_batch()


def test_realistic_benchmark(benchmark, batch, scoring_report):
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.ERROR)
    names, responses, golds = batch
    n = len(responses)
    fast = _scoring.grade_batch(responses, golds)

    # math-verify, one process, on every MV_STRIDE-th extracted answer: verdicts and throughput.
    from math_verify import parse, verify

    def reference(answer, gold):
        if answer is None:
            return False
        return bool(verify(parse(f"\\boxed{{{gold}}}"), parse(f"\\boxed{{{answer}}}")))

    subset = list(range(0, n, MV_STRIDE))
    t0 = time.perf_counter()
    mv = {i: reference(fast[i][1], fast[i][2]) for i in subset}
    mv_rate = len(subset) / (time.perf_counter() - t0)

    # The Rust fast path alone (undecided items left undecided): the ceiling.
    t0 = time.perf_counter()
    for _ in range(3):
        _scoring.grade_batch(responses, golds)
    rust_rate = 3 * n / (time.perf_counter() - t0)

    scoring.grade(responses[:64], golds[:64])  # start the math-verify workers outside the timing
    verdicts = benchmark.pedantic(scoring.grade, args=(responses, golds), rounds=2, warmup_rounds=1)
    lw_rate = n / benchmark.stats.stats.mean

    # per set: items, decided by the fast path, compared with math-verify, agree, documented
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for i, (name, (v, a, g, _), mine) in enumerate(zip(names, fast, verdicts)):
        for key in (name, "all"):
            row = per[key]
            row[0] += 1
            row[1] += v is not None
            if i in mv:
                row[2] += 1
                row[3] += mine == mv[i]
                # math-verify's documented errors (mathverify_errors.tsv): percent-parse, e-notation, clock-time
                row[4] += mine != mv[i] and mine and (
                    "\\%" in (a or "") or "\\%" in g or bool(E_LITERAL.match(a or "") or E_LITERAL.match(g) or CLOCK.search(g))
                )
    lines = [f"{'set':>15} {'items':>6} {'fast path':>10} {'agree w/ mv':>12}  (+ documented mv errors)"]
    for key in [*sorted(k for k in per if k != "all"), "all"]:
        items, decided, compared, agree, documented = per[key]
        lines.append(
            f"{key:>15} {items:>6} {decided / items:>10.1%} {agree / max(compared, 1):>12.1%}  "
            f"(+{documented} of {compared})"
        )
    ratio = lw_rate / mv_rate
    lines += [
        f"mean response {sum(map(len, responses)) / n:,.0f} characters; "
        f"{WRONG:.0%} of the gold-built answers wrong",
        f"steady state: lengthwise {lw_rate:,.0f} responses/s, math-verify one process "
        f"{mv_rate:,.0f}/s on extracted answers: {ratio:,.0f}x "
        f"(target {TARGET_RATIO:,.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'})",
        f"Rust fast path alone {rust_rate:,.0f} responses/s ({rust_rate / mv_rate:,.0f}x math-verify); "
        f"the {1 - per['all'][1] / n:.1%} it leaves to math-verify set the steady-state rate",
    ]
    scoring_report.append(("realistic scoring benchmark", lines))
    items, decided, compared, agree, documented = per["all"]
    assert (agree + documented) / compared >= 0.99
