"""Property (hypothesis): under random interrupts, every later verdict is math-verify's own.

Each example interrupts a call at a random moment (0.01-0.6 s) in a random way - an exception
raised from a SIGALRM handler (a caller's own timeout), KeyboardInterrupt (Ctrl-C), or
cancelling the asyncio task - while it grades a random batch that always holds a power tower
(so some of its work is in flight when the interrupt lands). Then it grades a second random
batch without interrupt. Every item of the second batch must come back with path "math_verify"
and exactly the verdict ``math_verify_verdict`` gives when called directly, in this process, on
the same canonical strings. A late answer of the interrupted batch credited to the second
(the old pool's bug) shows up as a wrong verdict: the pairs below mix True and False.
"""

from __future__ import annotations

import asyncio
import signal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lengthwise import _scoring, scoring

WORKERS = 2

# Pairs the fast path leaves to math-verify (checked in `direct`), with both verdicts among them.
CANDIDATES = [
    ("\\binom{1}{1}", "1"),
    ("\\binom{1}{1}", "2"),
    ("\\binom{4}{2}", "6"),
    ("\\binom{4}{2}", "7"),
    ("\\binom{5}{2}", "10"),
    ("\\binom{5}{2}", "11"),
    ("\\binom{6}{3}", "20"),
    ("\\binom{6}{3}", "21"),
]
TOWERS = ["9^{9^{9}}", "10^{10^{10}}", "2^{10^{12}}"]  # each runs for hours in math-verify


@pytest.fixture(scope="module")
def direct():
    """math-verify called directly on the canonical strings the facade would send it."""
    out = {}
    for a, g in CANDIDATES:
        ((verdict, ca, cg, _),) = _scoring.grade_batch(["\\boxed{" + a + "}"], [g])
        if verdict is None:
            out[(a, g)] = scoring.math_verify_verdict(ca, cg)
    assert len(out) >= 6 and set(out.values()) == {True, False}, out
    return out


class Interrupted(Exception):
    pass


def _interrupt_sync(kind: str, delay: float, responses, golds) -> None:
    exc = Interrupted if kind == "sigalrm" else KeyboardInterrupt

    def handler(*_):
        raise exc

    old = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, delay)
        scoring.grade_detailed(responses, golds, timeout_s=30, batch_timeout_s=60, workers=WORKERS)
        pytest.fail("a batch with a power tower finished before the interrupt")
    except exc:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _interrupt_async(delay: float, responses, golds) -> None:
    async def main():
        task = asyncio.create_task(
            scoring.grade_detailed_async(responses, golds, timeout_s=30, batch_timeout_s=60, workers=WORKERS)
        )
        await asyncio.sleep(delay)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["sigalrm", "keyboard", "cancel"]),
    delay=st.floats(0.01, 0.6),
    first=st.lists(st.integers(0, len(CANDIDATES) - 1), max_size=3),
    tower=st.sampled_from(TOWERS),
    second=st.lists(st.integers(0, len(CANDIDATES) - 1), min_size=1, max_size=6),
)
def test_verdicts_after_random_interrupts_equal_math_verify(direct, kind, delay, first, tower, second):
    pairs = [p for p in CANDIDATES if p in direct]
    batch1 = [pairs[i % len(pairs)] for i in first] + [(tower, "1")]
    responses, golds = ["\\boxed{" + a + "}" for a, _ in batch1], [g for _, g in batch1]
    if kind == "cancel":
        _interrupt_async(delay, responses, golds)
    else:
        _interrupt_sync(kind, delay, responses, golds)

    batch2 = [pairs[i % len(pairs)] for i in second]
    got = scoring.grade_detailed(["\\boxed{" + a + "}" for a, _ in batch2], [g for _, g in batch2],
                                 timeout_s=30, batch_timeout_s=120, workers=WORKERS)
    for (a, g), r in zip(batch2, got):
        assert (r.path, r.correct) == ("math_verify", direct[(a, g)]), f"{a!r} vs {g!r}"
