"""Random generators of the answer forms the fast path decides, checked against math-verify.

Each generator (seeded, so the pairs are the same every run) writes pairs of answers in one
form: implicit-multiplication chains with mixed numbers (`10 \\times 1\\frac{1}{2}`,
`(3)\\frac{1}{2}`, `3\\frac{1}{2}\\pi`), unions of intervals with infinite ends, assignments
`y = P`, choice letters and words in their wrappings. Golds are math-verify's own reading of
the answer (or one off it) for chains, independent draws or rewritten copies otherwise. Wherever
the fast path decides, math-verify (``math_verify_verdict``) must give the same verdict.
"""

from __future__ import annotations

import logging
import random

import pytest

PAIRS = 300


def _chain(rng: random.Random) -> str:
    def factor() -> str:
        k = rng.randrange(6)
        if k == 0:
            return str(rng.randrange(0, 12))
        if k == 1:
            return "\\frac{%d}{%d}" % (rng.randrange(0, 9), rng.randrange(1, 9))
        if k == 2:
            return "\\pi"
        if k == 3:
            return "\\sqrt{%d}" % rng.randrange(1, 17)
        if k == 4:
            return "(%d)" % rng.randrange(1, 9)
        return "%d^%d" % (rng.randrange(1, 5), rng.randrange(1, 4))

    def chain() -> str:
        return "".join(factor() for _ in range(rng.randrange(1, 4)))

    e = chain()
    for _ in range(rng.randrange(0, 3)):
        e += rng.choice([" \\cdot ", " \\times ", "/", " + ", " - "]) + chain()
    return e


def mixed_pairs(rng: random.Random):
    import sympy
    from math_verify import parse

    for _ in range(PAIRS // 2):
        a = _chain(rng)
        parsed = parse("\\boxed{%s}" % a, parsing_timeout=None)
        if not parsed:
            continue
        value = sympy.nsimplify(parsed[0])
        yield a, sympy.latex(value)
        yield a, sympy.latex(value + 1)


def _end(rng: random.Random) -> str:
    return rng.choice([str(rng.randrange(-5, 6)), "\\frac{%d}{%d}" % (rng.randrange(-9, 10), rng.randrange(1, 4)),
                       "\\sqrt{%d}" % rng.randrange(1, 6)])


def _union(rng: random.Random) -> str:
    def piece() -> str:
        k = rng.randrange(4)
        lo = "-\\infty" if k == 0 else _end(rng)
        hi = "\\infty" if k == 1 else ("+\\infty" if k == 2 else _end(rng))
        return rng.choice("([") + lo + ", " + hi + rng.choice(")]")

    u = " \\cup ".join(piece() for _ in range(rng.randrange(1, 4)))
    return "x \\in " + u if rng.random() < 0.15 else u


def interval_pairs(rng: random.Random):
    for _ in range(PAIRS):
        a = _union(rng)
        if rng.random() < 0.3:
            pieces = a.replace("x \\in ", "").split(" \\cup ")
            rng.shuffle(pieces)
            yield a, "\\cup".join(pieces)
        else:
            yield a, _union(rng)


def _terms(rng: random.Random) -> list[str]:
    """Signed terms c·x^k of a random polynomial, e.g. ["+2x^{3}", "-1"]."""
    terms = []
    for power in range(rng.randrange(1, 4), -1, -1):
        c = rng.randrange(-3, 4)
        if c:
            terms.append(f"{c:+d}x^{{{power}}}" if power else f"{c:+d}")
    return terms or ["+0"]


def _write(terms: list[str]) -> str:
    return " ".join(terms).lstrip("+")


def assignment_pairs(rng: random.Random):
    for _ in range(PAIRS):
        p = _terms(rng)
        q = list(reversed(p)) if rng.random() < 0.4 else _terms(rng)
        left = rng.choice(["y = ", "y=", "", "z = "])
        right = rng.choice(["y = ", ""])
        yield left + _write(p), right + _write(q)


def word_pairs(rng: random.Random):
    words = ["A", "B", "C", "D", "E", "Yes", "No", "On", "even", "odd", "Evelyn", "east", "ellipse"]
    wraps = ["{}", "({})", "\\text{{{}}}", "\\text{{({})}}", "\\textbf{{({})}}", "\\mathrm{{{}}}"]

    def render(w: str) -> str:
        w = w.lower() if rng.random() < 0.3 else w
        return rng.choice(wraps).format(w)

    for _ in range(PAIRS):
        w = rng.choice(words)
        yield render(w), render(w if rng.random() < 0.5 else rng.choice(words))


GENERATORS = {"mixed": mixed_pairs, "intervals": interval_pairs, "assignments": assignment_pairs,
              "words": word_pairs}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_decided_pairs_agree_with_math_verify(name, scoring_report, compare_with_math_verify):
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.ERROR)
    rng = random.Random(f"lengthwise-{name}")
    pairs = list(GENERATORS[name](rng))
    decided, _verdicts, bad = compare_with_math_verify(pairs)
    scoring_report.append((f"random agreement: {name}",
                           [f"pairs {len(pairs)}, decided {decided}, disagreements {len(bad)}"] + bad))
    # Each generator also writes forms left to math-verify (empty intervals, `z = …` against
    # `y = …`); at least 15% must be decided for the check to mean something.
    assert decided >= 0.15 * len(pairs), f"only {decided} of {len(pairs)} pairs decided"
    assert not bad, "\n".join(bad)
