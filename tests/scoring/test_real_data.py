"""The fast path on real benchmark answers and real model responses (tests/scoring/data/).

data/golds.jsonl holds the golds of eight public evaluation sets (SOURCES.md), and
data/responses.jsonl.gz 800 sampled responses of Qwen2.5-Math to 100 MATH problems. Checked:

* safety: wherever the fast path decides, math-verify (``math_verify_verdict``, the reference)
  says the same — on each response against its gold, on each gold against itself (boxed as its
  own answer, which a correct grader calls True; once more with the identical-string rule off,
  so the rules that read it are checked), and on each gold against the next gold of its
  set (mostly a different answer written in the same style, so False verdicts are exercised);
* coverage: the share of each set the fast path decides, printed per set in the terminal
  summary with the agreement figures. "own form" is the share decided when the gold is compared
  with itself with the identical-string rule off (``decide(g, g, same_string=False)``): it
  measures the forms the fast path can read.

math-verify runs in-process on every decided pair of a deterministic sample (every
``STRIDE``-th gold; all responses).
"""

from __future__ import annotations

import gzip
import json
import logging
import pathlib
import re
from collections import defaultdict

import pytest

from lengthwise import _scoring, scoring

DATA = pathlib.Path(__file__).parent / "data"
STRIDE = 1  # every gold goes to math-verify (about a minute in all)
SETS = ["math500", "aime24", "aime25", "amc23", "minerva_math", "olympiadbench", "gaokao2023en", "college_math"]


def _golds() -> dict[str, list[str]]:
    by_set: dict[str, list[str]] = defaultdict(list)
    for line in (DATA / "golds.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by_set[row["set"]].append(row["gold"])
    return by_set


def _responses() -> list[dict]:
    with gzip.open(DATA / "responses.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


GOLDS = _golds()
RESPONSES = _responses()


def _mv(answer: str, gold: str) -> bool:
    return scoring.math_verify_verdict(answer, gold)


E_LITERAL = re.compile(r"^-?\d+(\.\d+)?[eE][+-]?\d+$")
CLOCK = re.compile(r"\d:\d\d.*[ap]\.?m", re.IGNORECASE)


def _documented_error(fast: bool, mv: bool, answer: str, gold: str) -> bool:
    """math-verify's documented errors (mathverify_errors.tsv), where it says False and the fast
    path True: ``percent-parse`` (with the antlr4 4.9.3 runtime it cannot convert any ``N\\%``
    literal; MATH's convention is ``25\\%`` = 25 = 0.25) and ``e-notation`` (it reads
    ``4.5e33`` as 4.5·e·33; the fast path as 4.5·10³³) and ``clock-time`` (``4:30 \\text{ p.m.}``
    is 4/30 to it, ``\\text{4:30 p.m.}`` a string)."""
    if not fast or mv:
        return False
    return "\\%" in answer or "\\%" in gold or bool(E_LITERAL.match(answer) or E_LITERAL.match(gold) or CLOCK.search(answer))


@pytest.fixture(scope="module")
def quiet_math_verify():
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.ERROR)


def test_every_set_is_there():
    assert sorted(GOLDS) == sorted(SETS)
    # Sizes of the public sets (college_math thinned to every 5th; two empty gaokao golds dropped).
    assert {k: len(v) for k, v in GOLDS.items()} == {
        "math500": 500, "aime24": 30, "aime25": 30, "amc23": 40, "minerva_math": 272,
        "olympiadbench": 675, "gaokao2023en": 383, "college_math": 564,
    }
    assert len(RESPONSES) == 800


def _pairs_of(name: str) -> list[tuple[str, str, str]]:
    """(kind, answer, gold) pairs of one set, canonicalised as the facade sends them."""
    golds = [_scoring.canonicalize(g) for g in GOLDS[name]]
    out = []
    for i in range(0, len(golds), STRIDE):
        out.append(("self", golds[i], golds[i]))
        out.append(("form", golds[i], golds[i]))  # read by the rules, not the identical-string rule
        out.append(("next", golds[(i + 1) % len(golds)], golds[i]))
    return out


@pytest.mark.parametrize("name", SETS)
def test_gold_pairs_agree_with_math_verify(name, quiet_math_verify, scoring_report):
    pairs = _pairs_of(name)
    decided = agree = 0
    disagreements = []
    for kind, a, g in pairs:
        fast = _scoring.decide(a, g, same_string=kind != "form")
        if fast is None:
            continue
        decided += 1
        mv = _mv(a, g)
        if fast == mv:
            agree += 1
        elif not _documented_error(fast, mv, a, g):
            disagreements.append(f"{kind}: {a!r} vs {g!r}: fast path {fast}, math-verify {mv}")
    golds = [_scoring.canonicalize(g) for g in GOLDS[name]]
    own = sum(_scoring.decide(g, g) is not None for g in golds) / len(golds)
    form = sum(_scoring.decide(g, g, same_string=False) is not None for g in golds) / len(golds)
    scoring_report.append((
        f"real data: {name}",
        [f"golds {len(golds)}; fast path decides gold vs itself {own:.1%}, own form {form:.1%}; "
         f"sampled pairs {len(pairs)}, decided {decided}, agree with math-verify {agree}/{decided}"]
        + disagreements,
    ))
    assert not disagreements, "\n".join(disagreements)


def test_responses_agree_with_math_verify(quiet_math_verify, scoring_report):
    graded = _scoring.grade_batch([r["response"] for r in RESPONSES], [r["gold"] for r in RESPONSES])
    decided = agree = documented = 0
    disagreements = []
    for (verdict, answer, gold, _), row in zip(graded, RESPONSES):
        assert answer is not None, "every response here has a boxed answer"
        if verdict is None:
            continue
        decided += 1
        mv = _mv(answer, gold)
        agree += verdict == mv
        if verdict != mv:
            if _documented_error(verdict, mv, answer, gold):
                documented += 1
            else:
                disagreements.append(f"{answer!r} vs {gold!r}: fast path {verdict}, math-verify {mv}")
    n = len(RESPONSES)
    scoring_report.append((
        "real data: Qwen2.5-Math responses to 100 MATH problems",
        [f"responses {n}; fast path decides {decided} ({decided / n:.1%}); "
         f"agrees with math-verify on {agree}/{decided} ({agree / decided:.1%}); the other "
         f"{documented} are math-verify's documented errors (percent-parse: `25` vs `25\\%`; e-notation; clock-time)"]
        + disagreements,
    ))
    assert not disagreements, "\n".join(disagreements)
    assert decided / n >= 0.98
