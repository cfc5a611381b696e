"""Grading a batch: the Rust fast path, then math-verify for what it leaves undecided.

    grade_detailed(responses, ground_truths, *, cap_char_offsets=None, options=None, **option)
    await grade_detailed_async(...)   the same, waiting on the event loop

The fast path (``lengthwise._scoring.grade_batch``, GIL released, rayon over the batch) caps each
response at its character offset, takes the text after the last ``</think>``, extracts the last
``\\boxed{…}``, canonicalises answer and gold and decides the pairs it can decide exactly.
Distinct undecided (answer, gold) pairs go to :mod:`.executor`; its outcome per pair becomes
path "math_verify" (its verdict), "timeout" (item or batch deadline passed; wrong) or "error"
(math-verify raised or is unavailable; wrong, with a RuntimeWarning).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from typing import Any

from . import executor
from .inputs import prepare
from .options import GradeOptions
from .results import GradeResult

try:  # the compiled fast path
    from .. import _scoring as _rust
except ImportError:  # pragma: no cover - exercised only without the extension
    _rust = None

__all__ = ["available", "grade", "grade_async", "grade_detailed", "grade_detailed_async"]


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
            elif status == "timeout":
                results[i] = GradeResult(False, pair[0], "timeout", truncated)
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
