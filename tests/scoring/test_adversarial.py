"""Hostile inputs: the scorer returns within a bounded time, never crashes, and counts them wrong.

Covers 10 MB responses, 10^5 nested braces, unbalanced braces, lone surrogates and NUL bytes,
power towers (``10^{10^{10}}`` answers, ``9^{9^{9}}`` golds), 10^5-digit integers and empty
strings, through the raw extension functions and the facade; the math-verify pool's hard
deadline (a hanging item comes back as path "timeout" and the pool keeps working), a killed
worker being replaced, and clear errors for bad argument types.

Time bounds are generous (the CI machine is small and shared); the Rust functions take
milliseconds on all of these (measured: 10 MB response 0.1 s end to end).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import pytest

from lengthwise import _scoring, scoring
from lengthwise.scoring import executor

WORKERS = 2
RUST_BOUND_S = 5.0  # a Rust-only call on any input here
# Pool slack on top of an item's deadline: killing the worker, starting its replacement
# (imports sympy, ~1.5 s here) and a loaded machine.
POOL_SLACK_S = 8.0

TEN_MB = "reasoning " * 1_000_000  # 10,000,000 characters
NESTED = "\\boxed{" + "{" * 100_000 + "}" * 100_000 + "}"
HUGE_INT = "1" + "0" * 100_000

# (name, response, gold): inputs whose answer the fast path settles (no math-verify call).
RUST_ONLY = [
    ("10MB_boxed", TEN_MB + "\\boxed{5}", "5"),
    ("10MB_no_answer", TEN_MB, "5"),
    ("10MB_think_split", TEN_MB + "</think>" + TEN_MB[:1000] + "\\boxed{\\frac{1}{2}}", "0.5"),
    ("unbalanced_open", "\\boxed{" * 100_000, "5"),
    ("unbalanced_close", "}" * 100_000 + "\\boxed{5}", "5"),
    ("unbalanced_tail", "\\boxed{5} then \\boxed{6", "5"),
    ("open_braces_only", "{" * 100_000, "5"),
    ("surrogate_outside_answer", "\ud800\udfff\\boxed{5}\udc00", "5"),
    ("nul_outside_answer", "\x00" * 1000 + "\\boxed{7}", "7"),
    ("empty_response", "", "5"),
    ("empty_both", "", ""),
    ("empty_box", "\\boxed{}", "5"),
    ("tower_vs_int_gold_is_int", "\\boxed{3}", "4"),
]


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


@pytest.fixture(scope="module", autouse=True)
def warm_pool():
    """Start the math-verify workers once so deadlines below measure items, not start-up.
    (This module's math-verify items are binomials, `\\binom{4}{2}` vs `6`: the fast path does
    not read them.)"""
    scoring.grade(["\\boxed{\\binom{4}{2}}"], ["6"], workers=WORKERS)
    yield


@pytest.mark.parametrize("name,resp,gold", RUST_ONLY, ids=[c[0] for c in RUST_ONLY])
def test_fast_path_inputs_are_bounded(name, resp, gold):
    results, dt = _timed(scoring.grade_detailed, [resp], [gold], workers=WORKERS)
    assert dt < RUST_BOUND_S, f"{name} took {dt:.2f} s"
    (r,) = results
    assert r.path in ("rust", "no_answer")
    # The answer, when there is one, is what the boxed text says (derivation: 5 = 5, 7 = 7,
    # 1/2 = 0.5, 3 ≠ 4; everything else has no complete box).
    want = {"10MB_boxed": True, "10MB_think_split": True, "unbalanced_close": True,
            "unbalanced_tail": True, "surrogate_outside_answer": True, "nul_outside_answer": True}
    assert r.correct is want.get(name, False)


@pytest.mark.parametrize("name,resp,gold", RUST_ONLY, ids=[c[0] for c in RUST_ONLY])
def test_raw_functions_are_bounded(name, resp, gold):
    for fn, args in [
        (_scoring.extract, (resp,)),
        (_scoring.canonicalize, (resp,)),
        (_scoring.decide, (resp, gold)),
        (_scoring.decide, (gold, resp)),
        (_scoring.grade_batch, ([resp, gold], [gold, resp], [None, 3])),
    ]:
        _, dt = _timed(fn, *args)
        assert dt < RUST_BOUND_S, f"{fn.__name__} on {name} took {dt:.2f} s"


@pytest.mark.parametrize(
    "answer,gold",
    [
        ("10^{10^{10}}", "1"),
        ("9^{9^{9}}", "9^{9^{9}}"),
        ("1", "9^{9^{9}}"),
        ("2^{2^{2^{2^{2^{2}}}}}", "2"),
        (HUGE_INT, HUGE_INT),
        (HUGE_INT, HUGE_INT + "1"),
        ("1" * 100_000, "1"),
        (NESTED, "5"),
        ("{" * 50_000 + "}" * 50_000, "{" * 50_000 + "}" * 50_000),
        ("\\frac{" * 10_000, "1"),
        ("(" * 100_000, "1"),
        ("\\sqrt{" * 5000 + "2" + "}" * 5000, "2"),
    ],
    ids=["tower10", "tower9_both", "tower9_gold", "tower2", "huge_int_same", "huge_int_diff",
         "ones_1e5", "nested_1e5", "braces_both", "frac_open", "parens_open", "sqrt_5000"],
)
def test_extension_never_panics_on_pathological_answers(answer, gold):
    """The fast path declines (None) or decides these in bounded time; it never says True on a
    pair that differs. The power towers are never evaluated (exponents are capped)."""
    v, dt = _timed(_scoring.decide, answer, gold)
    assert dt < RUST_BOUND_S
    if answer != gold:
        assert v is not True
    (res,), dt = _timed(_scoring.grade_batch, ["\\boxed{" + answer + "}"], [gold])
    assert dt < RUST_BOUND_S


@pytest.mark.parametrize(
    "answer,gold",
    [("10^{10^{10}}", "1"), ("1", "9^{9^{9}}"), ("10^{10^{10}}", "10^{10^{9}}")],
    ids=["tower_answer", "tower_gold", "tower_both"],
)
def test_math_verify_overrun_is_a_bounded_timeout(answer, gold):
    """math-verify evaluates these power towers for hours; the pool kills the worker at the
    deadline, the item counts as incorrect with path "timeout", and the pool keeps working."""
    timeout_s = 1.5
    (r,), dt = _timed(
        scoring.grade_detailed, ["\\boxed{" + answer + "}"], [gold], timeout_s=timeout_s, workers=WORKERS
    )
    assert r.path == "timeout" and r.correct is False
    assert dt < timeout_s + POOL_SLACK_S, f"took {dt:.1f} s"
    # A fresh worker answers the next item.
    (after,) = scoring.grade_detailed(["\\boxed{\\binom{4}{2}}"], ["6"], workers=WORKERS)
    assert (after.path, after.correct) == ("math_verify", True)


def test_facade_on_huge_and_garbage_answers_is_bounded():
    """Answers the fast path declines go to math-verify; whatever it does, the call returns
    within its deadline and different values never count as correct."""
    timeout_s = 3.0
    cases = [
        ("\\boxed{" + HUGE_INT + "}", HUGE_INT + "1"),  # 10^100000 vs 10^100000 + ... ≠
        (NESTED, "5"),
        ("\\boxed{5\x00}", "6"),
        ("\\boxed{5\ud800}", "6\udfff"),
        ("\\boxed{" + "(" * 100_000 + "}", "1"),
        ("\\boxed{5}", ""),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a math-verify crash is a warning
        results, dt = _timed(
            scoring.grade_detailed, [c[0] for c in cases], [c[1] for c in cases],
            timeout_s=timeout_s, workers=WORKERS,
        )
    assert len(results) == len(cases)
    # Items run two at a time, each under the deadline.
    assert dt < timeout_s * len(cases) / WORKERS + POOL_SLACK_S
    assert not any(r.correct for r in results)
    assert all(r.path in ("math_verify", "timeout", "error", "no_answer") for r in results)


def test_surrogates_become_replacement_characters():
    # A lone surrogate cannot be UTF-8; the extension reads it as U+FFFD instead of raising.
    assert _scoring.canonicalize("5\ud800") == "5\ufffd"
    assert _scoring.extract("\\boxed{\udfff}") == ("\ufffd", False)
    # One character per surrogate, so a cap offset counted in Python lands on the same text:
    # "\ud800\udfff ab" is 5 characters, the box starts at offset 5 and ends at 14.
    text = "\ud800\udfff ab\\boxed{1}"
    assert _scoring.extract(text, cap_char_offset=13) == (None, True)
    assert _scoring.extract(text, cap_char_offset=14) == ("1", False)


def _pool_pids(state: str | None = None) -> list[int]:
    return [pid for pid, st in executor.get_pool().snapshot() if state is None or st == state]


def _wait_for(predicate, limit_s: float = 60.0) -> bool:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_killed_idle_worker_is_replaced():
    # Two distinct items start two workers (the pool grows with demand).
    scoring.grade(["\\boxed{\\binom{4}{2}}", "\\boxed{\\binom{6}{3}}"], ["6", "20"], workers=WORKERS)
    assert _wait_for(lambda: len(_pool_pids("idle")) == WORKERS)
    pids = _pool_pids()
    for pid in pids:  # the workers this test's pool started
        os.kill(pid, signal.SIGKILL)
    # The pool notices each death (end of file on its pipe) and starts a replacement.
    assert _wait_for(lambda: not set(pids) & set(_pool_pids()))
    (r,) = scoring.grade_detailed(["\\boxed{\\binom{5}{2}}"], ["10"], workers=WORKERS)
    assert (r.path, r.correct) == ("math_verify", True)
    assert not set(pids) & set(_pool_pids())


def test_worker_killed_mid_item_gives_error_not_hang():
    """A worker that dies on an item (OOM killer, segfault) answers "error" for it at once,
    rather than at the deadline, and is replaced."""
    scoring.grade(["\\boxed{\\binom{4}{2}}"], ["6"], workers=WORKERS)
    out: dict = {}

    def run():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out["r"] = scoring.grade_detailed(["\\boxed{1}"], ["9^{9^{9}}"], timeout_s=120, batch_timeout_s=120,
                                              workers=WORKERS)
        out["warnings"] = [str(w.message) for w in caught]

    t0 = time.perf_counter()
    th = threading.Thread(target=run)
    th.start()
    assert _wait_for(lambda: bool(_pool_pids("busy")), 30), "the item never reached a worker"
    os.kill(_pool_pids("busy")[0], signal.SIGKILL)
    th.join(timeout=60)
    assert not th.is_alive()
    assert time.perf_counter() - t0 < 60  # far below the 120 s deadline
    (r,) = out["r"]
    assert (r.path, r.correct) == ("error", False)
    assert any("worker died (killed by SIGKILL)" in m for m in out["warnings"])
    (after,) = scoring.grade_detailed(["\\boxed{\\binom{4}{2}}"], ["6"], workers=WORKERS)
    assert (after.path, after.correct) == ("math_verify", True)


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: scoring.grade("\\boxed{1}", ["1"]), TypeError, "responses must be a list of str"),
        (lambda: scoring.grade(None, ["1"]), TypeError, "responses must be a list of str"),
        (lambda: scoring.grade([b"\\boxed{1}"], ["1"]), TypeError, r"responses\[0\] must be str"),
        (lambda: scoring.grade(["\\boxed{1}"], [1]), TypeError, r"ground_truths\[0\] must be str"),
        (lambda: scoring.grade(["a", "b"], ["1"]), ValueError, "differ in length"),
        (lambda: scoring.grade(["a"], ["1"], cap_char_offsets=[-1]), ValueError, ">= 0"),
        (lambda: scoring.grade(["a"], ["1"], cap_char_offsets=[1.5]), TypeError, "must be int or None"),
        (lambda: scoring.grade(["a"], ["1"], cap_char_offsets=[1, 2]), ValueError, "2 entries for 1"),
        (lambda: scoring.grade(["a"], ["1"], fallback="guess"), ValueError, "fallback must be one of"),
        (lambda: scoring.grade(["a"], ["1"], timeout_s=0), ValueError, "timeout_s must be"),
        (lambda: scoring.grade(["a"], ["1"], timout_s=1), TypeError, "unknown grading option"),
        (lambda: scoring.grade(["a"], ["1"], workers=0), ValueError, "workers must be"),
        (lambda: _scoring.decide(1, "1"), TypeError, "must be str"),
        (lambda: _scoring.canonicalize(None), TypeError, "must be str"),
        (lambda: _scoring.extract(b"x"), TypeError, "must be str"),
        (lambda: _scoring.extract("x", fallback="guess"), ValueError, "fallback must be one of"),
        (lambda: _scoring.grade_batch(["a"], ["1", "2"]), ValueError, "differ in length"),
        (lambda: _scoring.grade_batch(["a"], [3]), TypeError, r"ground_truths\[0\] must be str"),
        (lambda: _scoring.grade_batch(["a"], ["1"], [-2]), ValueError, ">= 0"),
        (lambda: _scoring.grade_batch(["a"], ["1"], ["x"]), TypeError, "must be an int or None"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_type_stub_matches_the_extension():
    """core/lengthwise/_scoring.pyi declares exactly the extension's functions, with the same
    parameter names, kinds and defaults."""
    import ast
    import inspect
    import pathlib

    stub = pathlib.Path(_scoring.__file__).with_name("_scoring.pyi")
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    declared = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    exported = {n for n in dir(_scoring) if not n.startswith("_") and callable(getattr(_scoring, n))}
    assert set(declared) == exported
    for name, fn in declared.items():
        real = inspect.signature(getattr(_scoring, name)).parameters
        a = fn.args
        stub_params = [(p.arg, "POSITIONAL_OR_KEYWORD") for p in a.args] + [
            (p.arg, "KEYWORD_ONLY") for p in a.kwonlyargs
        ]
        assert [(n, p.kind.name) for n, p in real.items()] == stub_params, name
        defaults = [ast.literal_eval(d) for d in a.defaults] + [
            ast.literal_eval(d) for d in a.kw_defaults if d is not None
        ]
        assert [p.default for p in real.values() if p.default is not inspect.Parameter.empty] == defaults, name
