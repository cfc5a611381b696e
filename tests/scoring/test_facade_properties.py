"""Property tests (hypothesis) of the scoring facade and a differential test against math-verify.

Facade, for any str input (lone surrogates and NUL included) and any caps:
* it never raises and returns one result per response;
* ``truncated`` is exactly "the cap falls before the end of the response";
* grading with cap c equals grading the Python slice ``response[:c]`` uncapped, so an answer
  written after the cap never counts;
* ``grade`` is ``[r.correct for r in grade_detailed]``; "no_answer" is exactly "nothing extracted".

Differential: equal rationals rendered in two random notations (integer, decimal, \\frac,
\\dfrac, a/b, mixed number, $…$, trailing period, thousands separators, units, ``x =``) are
decided True by the fast path, and wherever the fast path says True math-verify does not say
False (percentages excluded: see mathverify_errors.tsv).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lengthwise import _scoring, scoring

WORKERS = 2
TIMEOUT_S = 2.0

# Text that mixes everything the scorer reacts to with arbitrary code points.
TOKENS = st.sampled_from(
    ["\\boxed{", "\\fbox{", "{", "}", "\\{", "\\}", "</think>", "\\frac", "\\sqrt", "$", "\\%",
     ",", ".", " ", "\n", "-", "x = ", "answer is ", "\x00", "\ud800", "\udfff", "\\left(",
     "\\right)", "\\text{ cm}", "^{\\circ}"]
)
NUMBERS = st.integers(-10**6, 10**6).map(str)
TEXT = st.lists(st.one_of(TOKENS, NUMBERS, st.text(max_size=8)), max_size=24).map("".join)
# Golds: mostly numbers (the fast path settles them), sometimes anything.
GOLDS = st.one_of(NUMBERS, NUMBERS.map(lambda n: f"\\frac{{{n}}}{{7}}"), TEXT)

FACADE_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@st.composite
def batches(draw):
    n = draw(st.integers(1, 6))
    responses = [draw(TEXT) + draw(st.sampled_from(["", "\\boxed{" + draw(NUMBERS) + "}"])) for _ in range(n)]
    golds = [draw(GOLDS) for _ in range(n)]
    caps = [draw(st.one_of(st.none(), st.integers(0, len(r) + 3))) for r in responses]
    return responses, golds, caps


def _grade(responses, golds, caps=None, **kw):
    return scoring.grade_detailed(responses, golds, cap_char_offsets=caps, timeout_s=TIMEOUT_S, workers=WORKERS, **kw)


@FACADE_SETTINGS
@given(batch=batches(), fallback=st.sampled_from(["none", "answer_is", "last_number"]))
def test_facade_total_and_consistent(batch, fallback):
    responses, golds, caps = batch
    results = _grade(responses, golds, caps, fallback=fallback)
    assert len(results) == len(responses)
    for r, resp, cap in zip(results, responses, caps):
        assert r.truncated == (cap is not None and cap < len(resp))
        assert (r.path == "no_answer") == (r.extracted is None)
        if r.correct:
            assert r.path in ("rust", "math_verify")
    # Same verdicts from grade (math-verify is deterministic; timeouts count False either way).
    plain = scoring.grade(responses, golds, cap_char_offsets=caps, fallback=fallback, timeout_s=TIMEOUT_S, workers=WORKERS)
    assert plain == [r.correct for r in results] or any(r.path in ("timeout", "deferred", "error") for r in results)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resp=TEXT, cap=st.integers(0, 80), after=st.booleans())
def test_cap_is_a_python_slice(resp, cap, after):
    """The capped response is graded exactly as its Python prefix ``resp[:cap]`` (Rust counts
    characters as Python does, surrogates included)."""
    if after:
        resp = resp + "\\boxed{42}"
    capped = _scoring.extract(resp, cap_char_offset=cap)
    sliced = _scoring.extract(resp[:cap])
    assert capped[0] == sliced[0]
    assert capped[1] == (cap < len(resp))
    (c, s) = _scoring.grade_batch([resp, resp[:cap]], ["42", "42"], [cap, None])
    assert c[:3] == s[:3]


@FACADE_SETTINGS
@given(prefix=TEXT.filter(lambda t: "\\" not in t and "answer is" not in t), k=st.integers(0, 9), gold=NUMBERS)
def test_answer_after_the_cap_never_counts(prefix, k, gold):
    """A correct boxed answer that the cap cuts, even by its last brace, is not graded."""
    boxed = "\\boxed{" + gold + "}"
    k = min(k, len(boxed) - 1)
    resp = prefix + boxed
    (cut, whole) = _grade([resp, resp], [gold, gold], [len(prefix) + k, len(resp)])
    assert cut.truncated and not cut.correct
    # Without the cut it counts (gold = gold, decided exactly on the fast path).
    assert not whole.truncated and whole.correct and whole.path == "rust"


# ------------------------------------------------------------------ differential vs math-verify


def _thousands(n: int, sep: str) -> str:
    s = f"{abs(n):,}".replace(",", sep)
    return ("-" if n < 0 else "") + s


@st.composite
def notations(draw, q: Fraction) -> str:
    """One way of writing q (exactly)."""
    forms = [f"\\frac{{{q.numerator}}}{{{q.denominator}}}", f"{q.numerator}/{q.denominator}",
             f"\\dfrac{{{q.numerator}}}{{{q.denominator}}}"]
    if q < 0:
        forms.append(f"-\\frac{{{-q.numerator}}}{{{q.denominator}}}")
    if q.denominator == 1:
        n = q.numerator
        forms += [str(n), f"{n}.0", f"{n}\\text{{ cm}}", f"{n}^\\circ"]
        if abs(n) >= 1000:
            forms += [_thousands(n, ","), _thousands(n, "{,}"), _thousands(n, "\\,")]
    d = q.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:  # terminating decimal
        forms.append(str(float(q)) if abs(q) < 10**9 else str(q.numerator))
    if q > 1 and q.denominator > 1:
        whole, rest = divmod(q.numerator, q.denominator)
        forms.append(f"{whole}\\frac{{{rest}}}{{{q.denominator}}}")
    form = draw(st.sampled_from(forms))
    wraps = ["{}", "${}$", "{}.", "\\({}\\)"]
    if "\\text" not in form and "circ" not in form:  # no `(5 cm)` or `x = 5^\circ`
        wraps.append("\\left( {} \\right)")
        # `x = 1,000` stays undecided on purpose: math-verify reads it as not equal to 1000.
        if "," not in form:
            wraps.append("x = {}")
    return draw(st.sampled_from(wraps)).format(form)


RATIONALS = st.builds(Fraction, st.integers(-5000, 5000), st.integers(1, 40))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), q=RATIONALS, other=RATIONALS)
def test_fast_path_against_math_verify(data, q, other):
    same = data.draw(st.booleans())
    r = q if same else other
    answer, gold = data.draw(notations(q)), data.draw(notations(r))
    v = _scoring.decide(answer, gold)
    if q == r:
        assert v is True, f"{answer!r} vs {gold!r}: equal values, fast path says {v}"
    else:
        assert v is not True, f"{answer!r} vs {gold!r}: different values, fast path says True"
    a_c, g_c = _scoring.canonicalize(answer), _scoring.canonicalize(gold)
    ((status, mv),) = scoring.math_verify_batch([(a_c, g_c)], timeout_s=TIMEOUT_S, workers=WORKERS)
    if v is True and status == "ok":
        assert mv is not False, f"{answer!r} vs {gold!r}: fast path True, math-verify False"
    if v is False and status == "ok":
        assert mv is not True, f"{answer!r} vs {gold!r}: fast path False, math-verify True"
