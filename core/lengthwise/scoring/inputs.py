"""The checks every grading call runs before any work: options and batch, in one place.

    prepare(responses, ground_truths, cap_char_offsets, options, overrides)
        -> (responses, ground_truths, caps, GradeOptions)

Raises TypeError / ValueError naming the bad argument (``responses[3] must be str``,
``timeout_s must be a finite number of seconds in (0, 3600], got inf``); nothing is started and
nothing is kept from a call that fails here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .options import GradeOptions

__all__ = ["prepare"]


def _check_strs(values: Any, name: str) -> list[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of str, got {type(values).__name__}")
    values = list(values)
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise TypeError(f"{name}[{i}] must be str, got {type(v).__name__}")
    return values


def _check_caps(caps: Any, n: int) -> list[int | None] | None:
    if caps is None:
        return None
    if isinstance(caps, (str, bytes)) or not isinstance(caps, Sequence):
        raise TypeError(f"cap_char_offsets must be a list of int or None, got {type(caps).__name__}")
    caps = list(caps)
    if len(caps) != n:
        raise ValueError(f"cap_char_offsets has {len(caps)} entries for {n} responses")
    out: list[int | None] = []
    for i, c in enumerate(caps):
        if c is None:
            out.append(None)
            continue
        if isinstance(c, bool) or not isinstance(c, int):
            try:
                import numpy as np

                if isinstance(c, np.integer):
                    c = int(c)
                else:
                    raise TypeError
            except (ImportError, TypeError):
                raise TypeError(f"cap_char_offsets[{i}] must be int or None, got {type(c).__name__}") from None
        if c < 0:
            raise ValueError(f"cap_char_offsets[{i}] must be >= 0, got {c}")
        out.append(c)
    return out


def prepare(
    responses: Any,
    ground_truths: Any,
    cap_char_offsets: Any,
    options: GradeOptions | None,
    overrides: Mapping[str, Any],
) -> tuple[list[str], list[str], list[int | None] | None, GradeOptions]:
    """Validated arguments of a grading call; caps are dropped when ``cap_grading`` is off."""
    opts = GradeOptions.build(options, overrides)
    responses = _check_strs(responses, "responses")
    ground_truths = _check_strs(ground_truths, "ground_truths")
    if len(responses) != len(ground_truths):
        raise ValueError(
            f"responses and ground_truths differ in length: {len(responses)} != {len(ground_truths)}"
        )
    caps = _check_caps(cap_char_offsets, len(responses))
    return responses, ground_truths, caps if opts.cap_grading else None, opts
