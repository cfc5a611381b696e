"""Batch grading of reasoning responses against gold answers.

    grade(responses, ground_truths, *, cap_char_offsets=None, options=None, **option) -> list[bool]
    grade_detailed(...)                                     -> list[GradeResult]
    await grade_async(...) / await grade_detailed_async(...)   the same from a coroutine
    grade_detailed_complete(...)                            no answer left "deferred" (evaluation)
    GradeOptions(...)                                       the options (config ``scoring:``, eval flags)
    GradingStats.from_results(results)                      fallback share, timeouts
    shutdown_pool()                                         stop the math-verify workers
    available()                                             the Rust fast path loaded

Two paths give one verdict. The Rust fast path decides the pairs it can decide exactly (integers,
decimals, fractions, mixed numbers, percentages, √, π, tuples, intervals, sets, ``x = 5``); the
rest goes to math-verify (``verify(parse(\\boxed{gold}), parse(\\boxed{answer}))`` on the same
canonical strings) in worker processes, each item under ``timeout_s`` and the batch under
``batch_timeout_s``; an item that overruns its own ``timeout_s`` counts as incorrect with path
``"timeout"``, one the batch deadline cuts off first has path ``"deferred"`` (no verdict;
:func:`grade_detailed_complete` grades those again until each has one or has timed out).

Length cap: with a cap of L tokens the caller passes, per response, the character offset where
token L starts (from the tokenizer's offsets); only that prefix is graded, so an answer written
after the cap never counts, and ``GradeResult.truncated`` says the cap cut the response.

Callable from anywhere with no precautions: scripts without ``if __name__ == "__main__":``,
threads, forked children (Ray, DataLoader workers), daemonic multiprocessing workers, asyncio,
notebooks; an interrupted call (SIGALRM, Ctrl-C, a cancelled task) leaves the workers healthy and
none of its answers lands in a later call. The math-verify workers are fresh interpreters
(``python .../lengthwise/scoring/_worker.py``) driven over pipes with per-request ids, not a
multiprocessing pool: why, and how each case is handled, in :mod:`.executor`.

Modules: :mod:`.options` (GradeOptions, the option checks), :mod:`.inputs` (argument checks),
:mod:`.grading` (fast path + fallback), :mod:`.executor` (the worker pool), :mod:`._worker` and
:mod:`.protocol` (the worker process and its frames), :mod:`.reference` (math-verify's verdict),
:mod:`.results` (GradeResult, GradingStats).
"""

from __future__ import annotations

from .executor import math_verify_batch, math_verify_batch_async, shutdown_pool
from .grading import available, grade, grade_async, grade_detailed, grade_detailed_async, grade_detailed_complete
from .options import FALLBACKS, Fallback, GradeOptions
from .reference import math_verify_verdict
from .results import GradeResult, GradingStats, Path

__all__ = [
    "FALLBACKS",
    "Fallback",
    "GradeOptions",
    "GradeResult",
    "GradingStats",
    "Path",
    "available",
    "grade",
    "grade_async",
    "grade_detailed",
    "grade_detailed_async",
    "grade_detailed_complete",
    "math_verify_batch",
    "math_verify_batch_async",
    "math_verify_verdict",
    "shutdown_pool",
]
