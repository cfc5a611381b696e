"""The string-comparison rule (rust_reward/src/mvstring.rs) against math-verify, on real golds.

math-verify calls two answers equal when the strings it normalises them to are identical and
non-empty. The fast path reproduces the first steps of that normalisation and says True when
they agree. Checked here: every gold of every STRIDE-th row of tests/scoring/data/golds.jsonl
is rewritten the ways a model rewrites an answer, some of which math-verify's normaliser undoes
(``\\dfrac``, ``\\left( \\right)``, ``\\mathbf`` → ``\\textbf``, dollar signs, quotes, ``\\!``)
and some of which it does not (spaces dropped, braces around a digit, ``\\displaystyle``,
"and" between items); each rewrite is compared with its gold and with another gold of the set.
Every pair the fast path decides must get math-verify's verdict.

Property (hypothesis): an answer built from tokens, each written in one of the spellings
math-verify's normaliser may or may not merge (``\\frac``/``\\dfrac``, ``(``/``\\left(``,
``\\mathbf``/``\\textbf``, a dollar sign or nothing, ``\\!`` or nothing, a space or nothing,
``^2``/``^{2}``, ``and``/``,``), against the same tokens spelt another way: wherever the fast path
says True, math-verify says True.
"""

from __future__ import annotations

import json
import logging
import pathlib
import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lengthwise import _scoring, scoring

DATA = pathlib.Path(__file__).parent / "data"
STRIDE = 6
SEED = 20261202


def _rewrites(rng: random.Random, gold: str) -> list[str]:
    """Rewrites of one gold: each applies one of the changes below where the gold allows it."""
    out = []
    if "\\frac" in gold:
        out.append(gold.replace("\\frac", rng.choice(["\\dfrac", "\\tfrac", "\\cfrac"])))
    if "(" in gold and ")" in gold:
        out.append(gold.replace("(", "\\left(").replace(")", "\\right)"))
    if "[" in gold and "]" in gold:
        out.append(gold.replace("[", "\\left[").replace("]", "\\right]"))
    if "\\mathbf" in gold or "\\mathrm" in gold:
        out.append(gold.replace("\\mathbf", "\\textbf").replace("\\mathrm", "\\textrm"))
    if " " in gold:
        k = rng.choice([m.start() for m in re.finditer(" ", gold)])
        out.append(gold[:k] + rng.choice(["$ $", " $$ ", "\\! "]) + gold[k + 1 :])
        out.append(gold.replace(" ", ""))  # not undone: spaces stay in math-verify's string
    if re.search(r"[a-z]\(", gold):
        out.append(re.sub(r"([a-z])\(", r"\1'(", gold, count=1))  # quotes are deleted
    out.append("\\displaystyle " + gold)  # deleted after the strip: leaves a space
    if re.search(r"\^\d", gold):
        out.append(re.sub(r"\^(\d)", r"^{\1}", gold, count=1))
    if ", " in gold:
        out.append(gold.replace(", ", " and ", 1))
    return out


def _pairs() -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    by_set: dict[str, list[str]] = {}
    for line in (DATA / "golds.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        by_set.setdefault(row["set"], []).append(row["gold"])
    pairs = []
    for golds in by_set.values():
        for i in range(0, len(golds), STRIDE):
            gold, other = golds[i], golds[(i + 1) % len(golds)]
            if "%" in gold + other:
                continue  # math-verify's documented percent-parse error (mathverify_errors.tsv)
            for r in _rewrites(rng, gold):
                pairs += [(r, gold), (r, other)]
    return pairs


def test_string_rule_agrees_with_math_verify(scoring_report, compare_with_math_verify):
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.ERROR)
    pairs = _pairs()
    # Pairs only the string rule decides: undecided with it off (the rules that read the forms).
    by_string = [(a, g) for a, g in pairs if _scoring.decide(a, g) and _scoring.decide(a, g, same_string=False) is None]
    decided, verdicts, bad = compare_with_math_verify(pairs)
    scoring_report.append((
        "math-verify's string comparison, reproduced (rewritten real golds)",
        [f"pairs {len(pairs)}; decided {decided} (True {verdicts[True]}, False {verdicts[False]}); "
         f"True by the string rule alone {len(by_string)}; disagreements with math-verify {len(bad)}"] + bad,
    ))
    assert not bad, "\n".join(bad)
    # The rule does real work here: the rewrites math-verify undoes are decided.
    assert len(by_string) >= 50


# Each token and the spellings of it a model may write; some are merged by math-verify's
# normaliser, some are not (spaces, braces around an exponent, "and" for a comma).
SPELLINGS = [
    ["\\frac{1}{2}", "\\dfrac{1}{2}", "\\tfrac{1}{2}", "\\frac12"],
    ["(", "\\left(", "\\mleft("], [")", "\\right)"], ["[", "\\left["], ["]", "\\right]"],
    ["\\mathbf{v}", "\\textbf{v}", "\\mathrm{v}", "v"], ["x", "$x$", "x$", "\\!x", "'x"],
    ["y", " y", "y "], ["^2", "^{2}"], [",", ", ", " and ", "\\,"], ["+", " + "],
    ["\\sqrt{3}", "\\sqrt3", "\\sqrt {3}"], ["\\pi", "\\pi "], ["i", " i"], ["2", "\\displaystyle 2"],
    ["\\text{ cm}", "\\text{cm}", "\\mathrm{~cm}"], ["\\{", "\\left\\{"], ["\\}", "\\right\\}"],
    ["=", " = "], ["\\cos", "\\cos "], ["t", "\\ t"], ["\\%", "%"],
]
TOKEN = st.integers(0, len(SPELLINGS) - 1)


@st.composite
def _spelled_twice(draw):
    tokens = draw(st.lists(TOKEN, min_size=1, max_size=10))
    spell = lambda: "".join(draw(st.sampled_from(SPELLINGS[t])) for t in tokens)  # noqa: E731
    return spell(), spell()


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_spelled_twice())
def test_string_rule_true_only_where_math_verify_says_true(pair):
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.ERROR)
    a, g = (_scoring.canonicalize(x) for x in pair)
    if "%" in a + g:
        return  # math-verify's documented percent-parse error (mathverify_errors.tsv)
    if _scoring.decide(a, g) is True:
        assert scoring.math_verify_verdict(a, g), f"{a!r} vs {g!r}: fast path True, math-verify False"
