"""Grading a batch: the Rust fast path, then math-verify for what it leaves undecided.

    grade_detailed(responses, ground_truths, *, cap_char_offsets=None, options=None, **option)
    await grade_detailed_async(...)   the same, waiting on the event loop
    grade_detailed_complete(...)      the same, but no answer is left "deferred" (evaluation)

The fast path (``lengthwise._scoring.grade_batch``, GIL released, rayon over the batch) caps each
response at its character offset, takes the text after the last ``</think>``, extracts the last
``\\boxed{…}``, canonicalises answer and gold and decides the pairs it can decide exactly.
Distinct undecided (answer, gold) pairs go to :mod:`.executor`; its outcome per pair becomes
path "math_verify" (its verdict), "timeout" (math-verify had its full ``timeout_s`` and did not
finish; not correct), "deferred" (the batch deadline cut it off before it had its full time;
not correct, and no verdict either) or "error" (math-verify raised or is unavailable; not
correct, with a RuntimeWarning).

Training grades under the batch deadline, which bounds a step's wait; a deferred answer counts
as not correct there and is counted in ``lengthwise/scoring/deferred_share``. An evaluation
wants a verdict on every answer instead, independent of where it sits in the file:
:func:`grade_detailed_complete` grades the deferred ones again, in rounds, until each answer has
a verdict or has timed out on its own full ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from typing import Any

from . import executor
from .inputs import prepare
from .options import MAX_SECONDS, GradeOptions
from .results import GradeResult

try:  # the compiled fast path
    from .. import _scoring as _rust
except ImportError:  # pragma: no cover - exercised only without the extension
    _rust = None

#: Seconds a round of :func:`grade_detailed_complete` gets at least beyond ``timeout_s``.
ROUND_SLACK_S = 10.0

__all__ = ["available", "grade", "grade_async", "grade_detailed", "grade_detailed_async", "grade_detailed_complete"]


def available() -> bool:
    """Whether the compiled Rust fast path loaded."""
    return _rust is not None


def _fast_path(responses, ground_truths, caps, opts: GradeOptions):
    """(results with None where math-verify must decide, fast rows, {pair: [indices]})."""
    if _rust is None:
        raise ImportError(
            "lengthwise._scoring (the compiled scorer) is not available; rebuild with "
            "`pip install -e .` (needs a Rust toolchain)"
        )
    fast = _rust.grade_batch(
        responses,
        ground_truths,
        caps,
        answer_after_think=opts.answer_after_think,
        require_think_close=opts.require_think_close,
        fallback=opts.fallback,
    )
    results: list[GradeResult | None] = [None] * len(fast)
    undecided: dict[tuple[str, str], list[int]] = {}
    for i, (verdict, answer, gold, truncated) in enumerate(fast):
        if answer is None:
            results[i] = GradeResult(False, None, "no_answer", truncated)
        elif verdict is None:
            undecided.setdefault((answer, gold), []).append(i)
        else:
            results[i] = GradeResult(bool(verdict), answer, "rust", truncated)
    return results, fast, undecided


def _merge(results, fast, undecided, outcomes) -> list[GradeResult]:
    for pair, (status, value) in zip(undecided, outcomes):
        for i in undecided[pair]:
            truncated = fast[i][3]
            if status == "ok":
                results[i] = GradeResult(bool(value), pair[0], "math_verify", truncated)
            elif status in ("timeout", "deferred"):
                results[i] = GradeResult(False, pair[0], status, truncated)
            else:
                warnings.warn(f"math-verify failed on item {i}: {value}", RuntimeWarning, stacklevel=4)
                results[i] = GradeResult(False, pair[0], "error", truncated)
    return results


def _deadlines(opts: GradeOptions) -> dict[str, Any]:
    return {"timeout_s": opts.timeout_s, "batch_timeout_s": opts.batch_timeout_s, "workers": opts.workers}


def grade_detailed(
    responses: Sequence[str],
    ground_truths: Sequence[str],
    *,
    cap_char_offsets: Sequence[int | None] | None = None,
    options: GradeOptions | None = None,
    **option: Any,
) -> list[GradeResult]:
    """Grade each response against its gold.

    responses, ground_truths: equal-length lists of str.
    cap_char_offsets: per response the character offset where the length cap falls (None: no
        cap); only the prefix before it is graded (unless ``cap_grading`` is off).
    options: a :class:`GradeOptions` (default: its defaults); keyword arguments named like its
        fields (``timeout_s=2``, ``workers=4``, ...) override single options for this call.

    Bounded: math-verify gets ``timeout_s`` per item and ``batch_timeout_s`` for the batch.
    Safe from any thread, a forked child, a daemonic worker or a script without a main guard,
    and safe to interrupt (see :mod:`.executor`).
    """
    responses, ground_truths, caps, opts = prepare(responses, ground_truths, cap_char_offsets, options, option)
    if not responses:
        return []
    results, fast, undecided = _fast_path(responses, ground_truths, caps, opts)
    if not undecided:
        return results  # type: ignore[return-value]
    outcomes = executor.math_verify_batch(list(undecided), **_deadlines(opts))
    return _merge(results, fast, undecided, outcomes)


def grade_detailed_complete(
    responses: Sequence[str],
    ground_truths: Sequence[str],
    *,
    cap_char_offsets: Sequence[int | None] | None = None,
    options: GradeOptions | None = None,
    **option: Any,
) -> list[GradeResult]:
    """:func:`grade_detailed`, with no answer left "deferred": each gets a verdict or times out
    on its own full ``timeout_s``, whatever its place in the batch.

    The fallback runs in rounds. A round is one math-verify batch of the answers still deferred,
    under a deadline of ``batch_timeout_s``, raised to at least ``timeout_s`` + 10 s so that an
    answer needing its whole ``timeout_s`` fits in a round even when its worker must restart
    first (the previous round's deadline killed the busy ones; a restart imports math-verify, a
    few seconds). A round ends as soon as its answers are settled. After a round that decides
    or times out at least one answer the next follows while any is deferred; after a round that
    settles none (workers slow to start on a loaded machine) the next gets twice the time, up to
    ``timeout_s`` + the executor's worker start-up limit (``STARTUP_S``, 120 s), and a round of
    that length that still settles none ends the grading: what it left keeps the path
    "deferred" for the caller to report. Answers are grouped by distinct (answer, gold) pair, as
    in :func:`grade_detailed`.
    """
    responses, ground_truths, caps, opts = prepare(responses, ground_truths, cap_char_offsets, options, option)
    if not responses:
        return []
    results, fast, undecided = _fast_path(responses, ground_truths, caps, opts)
    todo = list(undecided)
    longest = min(opts.timeout_s + executor.STARTUP_S, MAX_SECONDS)
    round_s = min(max(opts.batch_timeout_s, opts.timeout_s + ROUND_SLACK_S), longest)
    settled: dict[tuple[str, str], tuple[str, object]] = {}
    while todo:
        outcomes = executor.math_verify_batch(todo, timeout_s=opts.timeout_s, batch_timeout_s=round_s,
                                              workers=opts.workers)
        left = [pair for pair, outcome in zip(todo, outcomes) if outcome[0] == "deferred"]
        settled.update((pair, outcome) for pair, outcome in zip(todo, outcomes) if outcome[0] != "deferred")
        if len(left) == len(todo):  # no progress
            if round_s >= longest:  # report, do not spin
                settled.update((pair, ("deferred", None)) for pair in left)
                break
            round_s = min(2 * round_s, longest)
        todo = left
    return _merge(results, fast, undecided, [settled[pair] for pair in undecided])


def grade(
    responses: Sequence[str],
    ground_truths: Sequence[str],
    *,
    cap_char_offsets: Sequence[int | None] | None = None,
    options: GradeOptions | None = None,
    **option: Any,
) -> list[bool]:
    """Correctness of each response (see :func:`grade_detailed`)."""
    graded = grade_detailed(responses, ground_truths, cap_char_offsets=cap_char_offsets, options=options, **option)
    return [r.correct for r in graded]


async def grade_detailed_async(
    responses: Sequence[str],
    ground_truths: Sequence[str],
    *,
    cap_char_offsets: Sequence[int | None] | None = None,
    options: GradeOptions | None = None,
    **option: Any,
) -> list[GradeResult]:
    """:func:`grade_detailed` for coroutines: the fast path runs in the loop's default executor
    (it releases the GIL), math-verify is awaited without blocking the loop, and cancelling the
    task abandons the batch (no answer of it is credited later)."""
    responses, ground_truths, caps, opts = prepare(responses, ground_truths, cap_char_offsets, options, option)
    if not responses:
        return []
    loop = asyncio.get_running_loop()
    results, fast, undecided = await loop.run_in_executor(
        None, _fast_path, responses, ground_truths, caps, opts
    )
    if not undecided:
        return results
    outcomes = await executor.math_verify_batch_async(list(undecided), **_deadlines(opts))
    return _merge(results, fast, undecided, outcomes)


async def grade_async(
    responses: Sequence[str],
    ground_truths: Sequence[str],
    *,
    cap_char_offsets: Sequence[int | None] | None = None,
    options: GradeOptions | None = None,
    **option: Any,
) -> list[bool]:
    """Correctness of each response, awaited (see :func:`grade_detailed_async`)."""
    graded = await grade_detailed_async(
        responses, ground_truths, cap_char_offsets=cap_char_offsets, options=options, **option
    )
    return [r.correct for r in graded]
