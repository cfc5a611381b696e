"""The expression rules (rust_reward/src/expr.rs, identity.rs) agree with math-verify on
generated pairs.

Random expression trees in several variables — sums, products, quotients, integer and
fractional powers, ``\\sqrt``, ``\\sqrt[3]``, ``e^{…}``, ``\\exp``, ``\\ln``, ``\\log``,
``\\sin``/``\\cos``/``\\tan``, ``\\pi`` — are written twice in independent notations (operands
commuted, ``\\frac{a}{b}`` or ``(a)/(b)``, ``\\cdot``/``\\times``/juxtaposition, ``e^{u}`` or
``\\exp(u)``, ``u^{1/2}`` or ``\\sqrt{u}``, ``\\left( \\right)``), sometimes through an identity
(``\\sin^2 u + \\cos^2 u`` for 1, ``e^{a}e^{b}`` for ``e^{a+b}``), and with probability one half
one copy is mutated (a number changed, ``\\sin`` for ``\\cos``, a variable renamed, a sign
flipped). Pairs with assignments (``y = …``, ``f(x) = …``), equations ``L = R`` against a
scaled (``c L - c R = 0``) or flipped copy, and letters math-verify treats specially (capitals,
``e``, ``i``) are mixed in. Wherever the fast path decides, math-verify
(``math_verify_verdict``) must give the same verdict, and the rule must decide most pairs.

``LENGTHWISE_AGREEMENT_N`` raises the number of pairs for a long exploratory run.
"""

from __future__ import annotations

import logging
import os
import random


N = int(os.environ.get("LENGTHWISE_AGREEMENT_N", "160"))
VARS = ["x", "y", "t", "a", "b", "k", "n", "r", "u", "v", "i", "\\omega", "\\theta", "\\Delta", "x_{0}", "C_{1}", "N"]
FUNCS = ["\\sin", "\\cos", "\\tan", "\\ln", "\\log", "\\exp", "\\sqrt", "\\sqrt[3]"]


def tree(rng: random.Random, depth: int, names: list[str]):
    """A random expression tree of nested tuples."""
    if depth <= 0 or rng.random() < 0.25:
        k = rng.random()
        if k < 0.45:
            return ("var", rng.choice(names))
        if k < 0.75:
            return ("int", rng.randint(1, 9))
        if k < 0.9:
            return ("frac", rng.randint(1, 9), rng.randint(2, 9))
        return ("pi",)
    op = rng.choice(["add", "add", "sub", "mul", "mul", "div", "pow", "fn", "fn", "exp"])
    if op in ("add", "sub", "mul", "div"):
        return (op, tree(rng, depth - 1, names), tree(rng, depth - 1, names))
    if op == "pow":
        return ("pow", tree(rng, depth - 1, names), rng.choice([2, 3, -1, "1/2", "2/3"]))
    if op == "exp":
        return ("exp", tree(rng, depth - 1, names))
    return ("fn", rng.choice(FUNCS), tree(rng, depth - 1, names))


def render(rng: random.Random, t) -> str:
    """One LaTeX notation of the tree (choices drawn from rng)."""
    kind = t[0]
    if kind == "var":
        return t[1]
    if kind == "int":
        return str(t[1])
    if kind == "frac":
        return rng.choice(["\\frac{%d}{%d}", "\\dfrac{%d}{%d}", "(%d/%d)"]) % (t[1], t[2])
    if kind == "pi":
        return "\\pi"
    if kind in ("add", "sub"):
        a, b = render(rng, t[1]), render(rng, t[2])
        if kind == "add" and rng.random() < 0.5:
            a, b = b, a
        sign = "+" if kind == "add" else "-"
        return f"{a} {sign} {wrap(rng, b)}" if kind == "sub" else f"{a} {sign} {b}"
    if kind == "mul":
        a, b = wrap(rng, render(rng, t[1])), wrap(rng, render(rng, t[2]))
        if rng.random() < 0.5:
            a, b = b, a
        return a + rng.choice([" \\cdot ", " \\times ", " * "]) + b
    if kind == "div":
        a, b = render(rng, t[1]), render(rng, t[2])
        if rng.random() < 0.6:
            return "\\frac{%s}{%s}" % (a, b)
        return f"{wrap(rng, a, force=True)}/{wrap(rng, b, force=True)}"
    if kind == "pow":
        base, e = wrap(rng, render(rng, t[1]), force=True), t[2]
        if e == "1/2" and rng.random() < 0.5:
            return "\\sqrt{%s}" % render(rng, t[1])
        return "%s^{%s}" % (base, e)
    if kind == "exp":
        u = render(rng, t[1])
        return rng.choice(["e^{%s}", "\\exp(%s)", "\\exp\\left(%s\\right)"]) % u
    f, u = t[1], render(rng, t[2])
    if f.startswith("\\sqrt"):
        return "%s{%s}" % (f, u)
    return rng.choice(["%s(%s)", "%s\\left(%s\\right)"]) % (f, u)


def wrap(rng: random.Random, s: str, force: bool = False) -> str:
    if force or any(op in s for op in "+-/ "):
        return rng.choice(["(%s)", "\\left(%s\\right)"]) % s
    return s


def mutate(rng: random.Random, t):
    """The tree with one small change (usually a different value)."""
    kind = t[0]
    if kind == "int":
        return ("int", t[1] + rng.choice([1, 2, -1]) if t[1] > 1 else t[1] + 1)
    if kind == "var":
        return ("var", rng.choice([v for v in VARS if v != t[1]]))
    if kind == "frac":
        return ("frac", t[1] + 1, t[2])
    if kind == "pi":
        return ("int", 3)
    if kind == "fn":
        others = [f for f in FUNCS if f != t[1]]
        return ("fn", rng.choice(others), t[2]) if rng.random() < 0.5 else ("fn", t[1], mutate(rng, t[2]))
    if kind == "add":
        return ("sub", t[1], t[2]) if rng.random() < 0.3 else (kind, mutate(rng, t[1]), t[2])
    if kind in ("sub", "mul", "div"):
        i = rng.choice([1, 2])
        out = list(t)
        out[i] = mutate(rng, t[i])
        return tuple(out)
    if kind == "pow":
        return ("pow", mutate(rng, t[1]), t[2])
    return ("exp", mutate(rng, t[1]))


def identity(rng: random.Random, t):
    """Optionally rewrite through an identity math-verify's simplifier knows."""
    k = rng.random()
    if k < 0.1:
        u = render(rng, tree(rng, 1, ["x", "t"]))
        return f"\\left({render(rng, t)}\\right) \\cdot \\left(\\sin^{{2}}({u}) + \\cos^{{2}}({u})\\right)"
    if k < 0.2 and t[0] == "exp" and t[1][0] == "add":
        return f"e^{{{render(rng, t[1][1])}}} \\cdot e^{{{render(rng, t[1][2])}}}"
    return render(rng, t)


def equation(rng: random.Random, t_left, t_right, scale: int, flip: bool) -> str:
    """``L = R`` written as is, flipped, or as ``c L - c R = 0``."""
    left, right = render(rng, t_left), render(rng, t_right)
    if scale != 1:
        return f"{scale} \\left({left}\\right) - {scale} \\left({right}\\right) = 0"
    return f"{right} = {left}" if flip else f"{left} = {right}"


def expression_pairs(rng: random.Random):
    for _ in range(N):
        names = rng.sample(VARS, rng.randint(1, 3))
        t = tree(rng, rng.randint(1, 3), names)
        a = render(rng, t)
        b = identity(rng, mutate(rng, t) if rng.random() < 0.5 else t)
        k = rng.random()
        if k < 0.1:
            a = "y = " + a
        elif k < 0.2:
            a, b = "f(x) = " + a, "f(x) = " + b
        elif k < 0.3:
            # equations L = R against a scaled, flipped or mutated copy
            r = tree(rng, 1, names)
            a = equation(rng, t, r, 1, False)
            t2 = mutate(rng, t) if rng.random() < 0.4 else t
            b = equation(rng, t2, r, rng.choice([1, 1, 2, -3]), rng.random() < 0.5)
        yield a, b


def test_expression_pairs_agree_with_math_verify(scoring_report, compare_with_math_verify):
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.CRITICAL)
    rng = random.Random("lengthwise-expressions")
    pairs = list(expression_pairs(rng))
    decided, verdicts, bad = compare_with_math_verify(pairs)
    scoring_report.append(("random agreement: expressions",
                           [f"pairs {len(pairs)}, decided {decided} (True {verdicts[True]}, False "
                            f"{verdicts[False]}), disagreements {len(bad)}"] + bad))
    assert decided >= 0.5 * len(pairs), f"only {decided} of {len(pairs)} pairs decided"
    assert verdicts[True] and verdicts[False]
    assert not bad, "\n".join(bad)


def _constant(rng: random.Random) -> tuple[str, str]:
    """A constant written two equal ways."""
    k = rng.randrange(5)
    n, d = rng.randint(-9, 9), rng.randint(1, 6)
    if k == 0:
        return str(n), rng.choice([str(n), "(%d)" % n if n < 0 else str(n)])
    if k == 1:
        sign = "-" if n < 0 else ""
        return "%s\\frac{%d}{%d}" % (sign, abs(n), d), "%s%d/%d" % (sign, abs(n), d)
    if k == 2:
        r = rng.choice([2, 3, 5, 6, 7])
        return "%d\\sqrt{%d}" % (d, r), "\\sqrt{%d}" % (d * d * r)
    if k == 3:
        return "2^{%d}" % d, str(2**d)
    r = rng.choice([2, 3, 5])
    return "\\sqrt[3]{%d}" % r, "%d^{1/3}" % r


def _assigned(rng: random.Random, values: list[str], var: str) -> str:
    """A list of values of `var` as a model writes it: `x = a, x = b`, `x = a, b` or bare."""
    k = rng.randrange(3)
    if k == 0:
        return ", ".join(f"{var} = {v}" for v in values)
    if k == 1:
        return f"{var}=" + ", ".join(values)
    return ", ".join(values)


def list_pairs(rng: random.Random):
    """Lists of constants, tuples of constants and `\\pm`, in any order, sometimes one element
    changed, dropped or repeated; lists of one variable's values (`x = 1, x = 2`) too, now and
    then with another variable on the right."""
    for _ in range(N // 2):
        size = rng.randint(2, 4)
        arity = rng.choice([1, 1, 2, 3])
        left, right = [], []
        for _ in range(size):
            comps = [_constant(rng) for _ in range(arity)]
            if arity == 1:
                left.append(comps[0][0])
                right.append(comps[0][1])
            else:
                left.append("(" + ", ".join(c[0] for c in comps) + ")")
                right.append("(" + ", ".join(c[1] for c in comps) + ")")
        if arity == 1 and rng.random() < 0.3:
            a, b = _constant(rng)
            c, d = _constant(rng)
            left.append(f"{a} \\pm {c}")
            right += [f"{b} + {d}", f"{b} - {d}"]
        rng.shuffle(right)
        k = rng.random()
        if k < 0.2:
            right[0] = right[0] + " + 1"
        elif k < 0.3:
            right.pop()
        elif k < 0.35:
            right.append(right[0])
        if arity == 1 and rng.random() < 0.3:
            var = rng.choice("xyt")
            other = var if rng.random() < 0.8 else rng.choice("xyz")
            yield _assigned(rng, left, var), _assigned(rng, right, other)
            continue
        text = ", ".join(right)
        yield ", ".join(left), ("\\{" + text + "\\}" if rng.random() < 0.3 else text)


def test_list_pairs_agree_with_math_verify(scoring_report, compare_with_math_verify):
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.CRITICAL)
    pairs = list(list_pairs(random.Random("lengthwise-lists")))
    decided, verdicts, bad = compare_with_math_verify(pairs)
    scoring_report.append(("random agreement: lists",
                           [f"pairs {len(pairs)}, decided {decided} (True {verdicts[True]}, False "
                            f"{verdicts[False]}), disagreements {len(bad)}"] + bad))
    assert decided >= 0.5 * len(pairs), f"only {decided} of {len(pairs)} pairs decided"
    assert not bad, "\n".join(bad)


def test_constants_against_complex_mode_expressions(scoring_report, compare_with_math_verify):
    """A constant against an expression in complex mode (a standalone `i`, a plain symbol to
    math-verify): the modes differ, but with no symbol on one side a False is still sure."""
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.CRITICAL)
    constants = ["0", "1", "-2", "\\frac{18}{5}", "\\sqrt{2}", "\\pi", "-1", "\\frac{1}{2}", "e"]
    complex_mode = ["-3+9 i", "i", "2i", "1 + i", "i^2", "i^{2}+1", "\\frac{4 i+2}{3}", "(1+i)(1-i)",
                    "\\sqrt{2} i", "-i", "5 i - 5 i", "i \\cdot i", "\\frac{i}{i}", "i^4", "\\pi i"]
    pairs = [p for c in constants for x in complex_mode for p in [(c, x), (x, c)]]
    decided, verdicts, bad = compare_with_math_verify(pairs)
    scoring_report.append(("random agreement: constants against complex-mode expressions",
                           [f"pairs {len(pairs)}, decided {decided} (True {verdicts[True]}, False "
                            f"{verdicts[False]}), disagreements {len(bad)}"] + bad))
    assert decided >= 0.9 * len(pairs)
    assert not bad, "\n".join(bad)
