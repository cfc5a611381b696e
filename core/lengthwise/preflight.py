"""Start-up checks: what a training run needs before it spends GPU time.

The scorer decides what its Rust fast path can and sends everything else to math-verify
(:mod:`lengthwise.scoring`). Without math-verify those answers come back with path ``"error"``
and count as wrong — silently: ``\\binom{4}{2}`` against ``6`` is graded incorrect and training
continues on a wrong reward. :func:`check_math_verify` turns that into one error at start-up:
math-verify must import and must decide a known pair (``\\log_2 8`` = ``3``, which needs its
LaTeX parser and the antlr4 runtime it was built for).

``lengthwise train`` calls :func:`check_training_runtime` before it composes verl's config; the
verl reward workers call it when they start, so a node with a broken install fails loudly too.
"""

from __future__ import annotations

import logging

__all__ = ["PreflightError", "check_math_verify", "check_training_runtime", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'lengthwise[verl]' (it brings math-verify[antlr4_9_3])"

# A pair whose verdict is known and that needs math-verify's LaTeX parser (called directly below).
_PROBE = ("\\log_2 8", "3")


class PreflightError(RuntimeError):
    """A missing or broken runtime dependency, with what to install."""


def check_math_verify() -> None:
    """Raise :class:`PreflightError` unless math-verify imports and grades ``\\log_2 8`` = ``3`` as equal."""
    try:
        import math_verify  # noqa: F401
    except ImportError as err:
        raise PreflightError(
            f"math-verify is not installed ({err}): the scorer sends every answer its fast path cannot "
            f"decide to math-verify, and without it those answers are graded wrong. {INSTALL_HINT}"
        ) from None
    from .scoring import math_verify_verdict

    log = logging.getLogger("math_verify")
    level = log.level
    log.setLevel(logging.ERROR)  # its "timeout is disabled" warnings: the probe is tiny and fixed
    try:
        verdict = math_verify_verdict(*_PROBE)
    except Exception as err:  # noqa: BLE001 - any failure here means a broken install
        verdict = f"an error ({type(err).__name__}: {err})"
    finally:
        log.setLevel(level)
    if verdict is not True:
        raise PreflightError(
            f"math-verify is installed but graded {_PROBE[0]} against {_PROBE[1]} as {verdict!r}, not equal: "
            f"its LaTeX parser does not work here (antlr4-python3-runtime must be the version math-verify's "
            f"extra names). {INSTALL_HINT}"
        )


def check_training_runtime() -> None:
    """Everything ``lengthwise train`` needs beyond verl itself (today: a working math-verify)."""
    check_math_verify()
