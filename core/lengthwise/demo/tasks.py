"""The demo's synthetic math task: arithmetic and word problems with exact answers, levels 1..8.

A problem is a start value followed by ``level`` operations; its gold answer is an exact
non-negative integer. Difficulty grows with ``level`` in two ways at once: more operations (the
reasoning is one line per operation, so a correct trace gets longer) and larger numbers (the
tiny model's addition and subtraction tables get bigger, with carries past a ten, so each line is
more often wrong):

=====  ==========  ========  ===========  =========================================
level  operations  operands  values stay  start value
=====  ==========  ========  ===========  =========================================
1      1 (+/-)     1..3      0..20        1..12
2      2           1..3      0..20        1..12
3      3           1..5      0..30        1..18, or a product a * b (a, b in 2..4), 50 %
4      4           1..5      0..30        the same
5      5           1..7      0..50        1..30, or a product, 50 %
6      6           1..7      0..50        the same
7      7           1..9      0..99        1..60, or a product, 50 %
8      8           1..9      0..99        the same
=====  ==========  ========  ===========  =========================================

An error anywhere makes the answer wrong, so accuracy falls with the level. The product (when
there is one) always comes first, so evaluating left to right agrees with the usual operator
precedence: the answer is exact. (Version 1 of the task had levels 1..4 with values in 0..20;
the warmed-up model solved all of them, so no length strategy could cost accuracy on hard
problems and the methods could not be told apart.)

Each problem is shown either as an expression ("Compute 3 * 4 + 5 - 2 .") or as a word problem
("Ann has 3 boxes with 4 pens each . She buys 5 more pens . ..."). The reference solution is a
reasoning trace: one line per operation, then ``filler`` lines of number-free hedging (the
first ``filler`` of :data:`FILLER`, in order), then the answer::

    <think>
    3 * 4 = 12
    12 + 5 = 17
    wait , let me look at this again .
    ok , that seems right .
    </think>
    \\boxed{17}

Why this shape: verbosity has to cost tokens but not accuracy, and some reasoning has to be
needed. The hedging lines (7-9 tokens each) carry no numbers and come after the arithmetic, so
the operation lines copy their operands from the prompt exactly as without them, and the boxed
answer copies the last ``= N`` past lines that hold no ``=``; the lines are distinct and always
in the same order, so the model always knows how many it has written. An answer is as likely
right with them as without: a correctness-only reward has nothing to gain from dropping them,
and only a length strategy has. The operation lines are the reasoning: a cap below their length
cuts the answer off — :func:`reasoning_tokens` gives that length per level (6 tokens a line plus
8 of frame: 14 at level 1, 56-62 at level 8). (An earlier version repeated the operation lines as
"check" rounds; the tiny model made copying errors in them, so even correctness-only GRPO learned
to drop them. Hedging placed before the arithmetic was no better: it pushed the prompt's numbers
out of the tiny model's reach.)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Problem", "LEVELS", "FILLER", "make_problem", "make_problems", "solution_trace", "prompt_text", "WORDS",
           "value_max", "reasoning_tokens"]

LEVELS = (1, 2, 3, 4, 5, 6, 7, 8)
# Per level: largest operand, largest value any intermediate may take, largest plain start value.
_OPERAND_MAX = {1: 3, 2: 3, 3: 5, 4: 5, 5: 7, 6: 7, 7: 9, 8: 9}
_VALUE_MAX = {1: 20, 2: 20, 3: 30, 4: 30, 5: 50, 6: 50, 7: 99, 8: 99}
_START_MAX = {1: 12, 2: 12, 3: 18, 4: 18, 5: 30, 6: 30, 7: 60, 8: 60}
#: levels whose start is a product a * b (a, b in 2..4) half of the time
_PRODUCT_FROM = 3

_NAMES = ("Ann", "Bob", "Cal", "Dee", "Eve", "Fin")
_ITEMS = ("pens", "apples", "cards", "coins", "books", "shells")
_GAIN = ("buys {n} more {item}", "finds {n} {item}", "gets {n} {item}")
_LOSS = ("gives away {n} {item}", "loses {n} {item}", "sells {n} {item}")
#: The hedging lines a verbose trace ends its reasoning with (the first k, in order); none holds a number.
FILLER = (
    "wait , let me look at this again .",
    "ok , that seems right .",
    "hmm , let me be careful here .",
    "let me think about it once more .",
    "yes , i am sure now .",
)


@dataclass(frozen=True)
class Problem:
    """One task: ``start`` (an int, or a pair whose product is the start), then ``ops``.

    ops: (sign, operand) pairs, sign ``"+"`` or ``"-"``, applied left to right.
    style: ``"expr"`` or ``"word"`` (how the prompt is written).
    name, item: the word problem's person and object.
    """

    level: int
    start: int | tuple[int, int]
    ops: tuple[tuple[str, int], ...]
    style: str
    name: str = "Ann"
    item: str = "pens"

    def steps(self) -> list[tuple[str, int, int]]:
        """The solution's lines as (left-hand side, value before, value after)."""
        lines = []
        if isinstance(self.start, tuple):
            a, b = self.start
            value = a * b
            lines.append((f"{a} * {b}", a, value))
        else:
            value = self.start
        for sign, n in self.ops:
            new = value + n if sign == "+" else value - n
            lines.append((f"{value} {sign} {n}", value, new))
            value = new
        return lines

    @property
    def answer(self) -> int:
        """The exact answer (evaluated left to right, which equals the precedence order)."""
        value = self.start[0] * self.start[1] if isinstance(self.start, tuple) else self.start
        for sign, n in self.ops:
            value = value + n if sign == "+" else value - n
        return value


def value_max(level: int) -> int:
    """The largest value a problem of ``level`` may reach (start, intermediates, answer)."""
    return _VALUE_MAX[level]


def reasoning_tokens(level: int, product: bool = False) -> int:
    """Tokens of a correct trace without hedging, EOS included (one line per operation).

    ``<think>`` and its newline (2), 6 per line ("a + b = c" and a newline: every number is one
    token), ``</think>`` and its newline (2), ``\\boxed{`` N ``}`` (3), EOS (1):
    6 · (level + product) + 8.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    return 6 * (level + int(product)) + 8


def make_problem(level: int, rng: random.Random) -> Problem:
    """A random problem of difficulty ``level`` (1..8) whose values stay in [0, value_max(level)]."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    top, vmax = _OPERAND_MAX[level], _VALUE_MAX[level]
    product = level >= _PRODUCT_FROM and rng.random() < 0.5
    if product:
        start: int | tuple[int, int] = (rng.randint(2, 4), rng.randint(2, 4))
        value = start[0] * start[1]
    else:
        start = value = rng.randint(1, _START_MAX[level])
    ops = []
    for _ in range(level):
        n = rng.randint(1, top)
        can_add, can_sub = value + n <= vmax, value - n >= 0
        # one of the two always holds: operands are at most 9 and every value range spans >= 20
        sign = "+" if can_add and (not can_sub or rng.random() < 0.5) else "-"
        ops.append((sign, n))
        value = value + n if sign == "+" else value - n
    return Problem(
        level=level,
        start=start,
        ops=tuple(ops),
        style=rng.choice(("expr", "word")),
        name=rng.choice(_NAMES),
        item=rng.choice(_ITEMS),
    )


def make_problems(n: int, seed: int, levels: tuple[int, ...] = LEVELS) -> list[Problem]:
    """``n`` problems with levels drawn uniformly from ``levels``; the same seed gives the same list."""
    rng = random.Random(seed)
    return [make_problem(rng.choice(levels), rng) for _ in range(n)]


def prompt_text(p: Problem) -> str:
    """The question, ending with a newline (the response starts after it)."""
    if p.style == "expr":
        head = f"{p.start[0]} * {p.start[1]}" if isinstance(p.start, tuple) else str(p.start)
        body = " ".join(f"{s} {n}" for s, n in p.ops)
        return f"Q : Compute {head} {body} .\n"
    if isinstance(p.start, tuple):
        parts = [f"{p.name} has {p.start[0]} boxes with {p.start[1]} {p.item} each ."]
    else:
        parts = [f"{p.name} has {p.start} {p.item} ."]
    for sign, n in p.ops:
        phrase = (_GAIN if sign == "+" else _LOSS)[(n + len(parts)) % 3]
        parts.append("Then " + phrase.format(n=n, item=p.item) + " .")
    parts.append(f"How many {p.item} now ?")
    return "Q : " + " ".join(parts) + "\n"


def solution_trace(p: Problem, filler: int) -> str:
    """The reasoning trace: the operations, then ``FILLER[:filler]``, then ``\\boxed{answer}``."""
    if not 0 <= filler <= len(FILLER):
        raise ValueError(f"filler must be in 0..{len(FILLER)}, got {filler}")
    lines = [f"{lhs} = {after}" for lhs, _, after in p.steps()]
    return "<think>\n" + "\n".join(lines + list(FILLER[:filler])) + "\n</think>\n\\boxed{" + str(p.answer) + "}"


# Every word the prompts and traces use (the tokenizer's vocabulary is built from these).
WORDS = tuple(
    sorted(
        {"Q", "Compute", "has", "boxes", "with", "each", "Then", "How", "many", "now", "more"}
        | set(_NAMES)
        | set(_ITEMS)
        | {w for phrase in _GAIN + _LOSS for w in phrase.split() if not w.startswith("{")}
        | {w for line in FILLER for w in line.split() if w.isalpha()}
    )
)
