"""math-verify's verdict on one (answer, gold) pair: the reference the fast path agrees with."""

from __future__ import annotations

__all__ = ["math_verify_verdict"]


def _boxed(s: str) -> str:
    return s if "\\boxed" in s else "\\boxed{" + s + "}"


def math_verify_verdict(answer: str, gold: str) -> bool:
    """``verify(parse(\\boxed{gold}), parse(\\boxed{answer}))`` with math-verify's own
    (SIGALRM-based) timeouts disabled.

    Runs in the calling process with no deadline: power towers such as ``10^{10^{10}}`` run for
    hours. The scorer calls it in worker processes it can kill (:mod:`.executor`).
    """
    from math_verify import parse, verify

    gold_parsed = parse(_boxed(gold), parsing_timeout=None)
    answer_parsed = parse(_boxed(answer), parsing_timeout=None)
    return bool(verify(gold_parsed, answer_parsed, timeout_seconds=None))
