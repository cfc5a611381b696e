"""Type stub of ``lengthwise._scoring``, the compiled Rust half of the scorer (rust_reward/).

Use :mod:`lengthwise.scoring` instead: it adds input validation, the math-verify fallback and
the per-item timeout. Every function here accepts any ``str`` (lone surrogates are read as one
U+FFFD each, so character offsets match Python's) and raises ``TypeError`` for non-str text,
``ValueError`` for bad options, lengths or negative caps.
"""

from typing import Literal

_Fallback = Literal["none", "answer_is", "last_number"]

def version() -> str:
    """Version of the compiled crate (matches the package version)."""

def extract(
    response: str,
    *,
    cap_char_offset: int | None = None,
    answer_after_think: bool = True,
    require_think_close: bool = False,
    fallback: _Fallback = "none",
) -> tuple[str | None, bool]:
    """(canonicalised answer or None, truncated) of one response capped at ``cap_char_offset``
    characters: the last ``\\boxed{…}`` after the last ``</think>``."""

def canonicalize(s: str) -> str:
    """The cleanup applied to answers and golds before either path compares them: surrounding
    ``$…$``, ``\\(…\\)``, ``\\[…\\]``, a trailing period, thousands separators."""

def decide(answer: str, gold: str, *, same_string: bool = True) -> bool | None:
    """Fast-path verdict on (answer, gold), both canonicalised first: True, False, or None when
    only math-verify can decide. Decided exactly, never True where math-verify says False:
    identical answers math-verify can read; numbers (integers, decimals, fractions, mixed
    numbers as latex2sympy reads them, percentages, ``\\sqrt``, π, powers); ``x = 5``;
    tuples, sets and intervals, including infinite ends, unions and ``x \\in I``; polynomials
    and assignments ``y = P``; choice letters and one-word answers in any wrapping; a trailing
    ``\\text{…}`` unit dropped as math-verify drops it; expressions in variables (radicals,
    ``e``, exp/log, trig, ``f(x) = …``) by randomized identity testing (rust_reward/src/identity.rs:
    exact modulo a prime for rational functions, complex floating point otherwise); equations
    up to a constant factor; lists of constants and tuples, ``a \\pm b``; e-notation
    (``4.5e33`` = 4.5·10³³); times of day (``4:30 \\text{ p.m.}``); a collection against a single
    value is False. ``same_string=False`` skips the identical-string rule (measures the forms the rules read)."""

def grade_batch(
    responses: list[str],
    golds: list[str],
    cap_char_offsets: list[int | None] | None = None,
    *,
    answer_after_think: bool = True,
    require_think_close: bool = False,
    fallback: _Fallback = "none",
) -> list[tuple[bool | None, str | None, str, bool]]:
    """One (verdict, answer, gold, truncated) per response, graded in parallel without the GIL.

    verdict is True / False / None (undecided: ask math-verify); answer is the canonicalised
    answer, None when the capped response has none (verdict is then False); gold is the
    canonicalised gold; truncated says the cap cut the response.
    """
