"""The scorer's options: one frozen model used everywhere the scorer is configured.

:class:`GradeOptions` is the ``scoring:`` section of a lengthwise config, the flags of
``lengthwise eval``, the options ``grade_with`` and the verl reward manager grade with, and the
keyword arguments of :func:`lengthwise.scoring.grade` / ``grade_detailed`` / ``grade_async``.
Every option is checked here, once, with a message that names the option and the bad value::

    answer_after_think   grade only the text after the last </think> when there is one
    require_think_close  a response without </think> has no answer (DeepCompress's format rule)
    fallback             without \\boxed{}: "none" | "answer_is" | "last_number"
    cap_grading          grade clip(y, L_t): the cap offsets passed to grade count
    timeout_s            hard deadline per item sent to math-verify, in (0, 3600] seconds
    batch_timeout_s      deadline for a whole batch's math-verify work, in (0, 3600] seconds
    workers              math-verify worker processes (None: CPU count, at most 8), 1..256

Seconds must be finite: ``inf``, ``nan`` or 1e9 would overflow a timer and be unbounded anyway.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = ["Fallback", "FALLBACKS", "GradeOptions", "MAX_SECONDS", "MAX_WORKERS", "describe_error", "describe_errors"]

Fallback = Literal["none", "answer_is", "last_number"]
FALLBACKS: tuple[str, ...] = ("none", "answer_is", "last_number")
MAX_SECONDS = 3600.0  # an hour: longer than any sane grading deadline, far below timer limits
MAX_WORKERS = 256


def _seconds(name: str, value: Any) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        value = float(value)
    if not ok or not math.isfinite(value) or not 0.0 < value <= MAX_SECONDS:
        raise ValueError(
            f"{name} must be a finite number of seconds in (0, {MAX_SECONDS:g}], got {value!r}"
        )
    return value


class GradeOptions(BaseModel):
    """How responses are graded (see the module docstring for each option)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer_after_think: bool = Field(
        True, description="grade only the text after the last </think> when one is present"
    )
    require_think_close: bool = Field(
        False, description="a response with no </think> is wrong (DeepCompress's format rule)"
    )
    fallback: Fallback = Field("none", description="what to extract when there is no \\boxed{}")
    cap_grading: bool = Field(True, description="grade clip(y, L_t): an answer past the cap never counts")
    timeout_s: float = Field(5.0, description="hard per-item deadline of the math-verify fallback")
    batch_timeout_s: float = Field(
        60.0, description="deadline of a batch's math-verify work; undecided items then count as timeout"
    )
    workers: int | None = Field(None, description="math-verify worker processes (None: CPU count, at most 8)")

    @field_validator("timeout_s", "batch_timeout_s", mode="before")
    @classmethod
    def _finite_seconds(cls, v: Any, info) -> float:
        return _seconds(info.field_name, v)

    @field_validator("fallback", mode="before")
    @classmethod
    def _known_fallback(cls, v: Any) -> Any:
        if v not in FALLBACKS:
            raise ValueError(f"fallback must be one of {FALLBACKS}, got {v!r}")
        return v

    @field_validator("workers", mode="before")
    @classmethod
    def _worker_count(cls, v: Any) -> Any:
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_WORKERS):
            raise ValueError(f"workers must be an int in [1, {MAX_WORKERS}] or None, got {v!r}")
        return v

    @classmethod
    def build(cls, base: GradeOptions | None = None, overrides: Mapping[str, Any] | None = None) -> GradeOptions:
        """``base`` (default: the defaults) with ``overrides`` applied, validated.

        Raises TypeError for a name that is not an option and ValueError (one line per bad
        option, each naming it) for a bad value; nothing is kept from a failed call.
        """
        if base is not None and not isinstance(base, GradeOptions):
            raise TypeError(f"options must be a GradeOptions, got {type(base).__name__}")
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(cls.model_fields))
        if unknown:
            raise TypeError(
                f"unknown grading option(s) {', '.join(unknown)}; the options are {', '.join(cls.model_fields)}"
            )
        if not overrides:
            return base if base is not None else cls()
        data = base.model_dump() if base is not None else {}
        data.update(overrides)
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise ValueError(describe_errors(err)) from None


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error of GradeOptions in words: a validator's message above already names
    its option; others read ``option: message, got value``."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    name = ".".join(str(p) for p in error["loc"])
    return f"{name}: {error['msg']}, got {error.get('input')!r}"


def describe_errors(err: ValidationError) -> str:
    """Every error of a GradeOptions validation, ``; ``-joined."""
    return "; ".join(describe_error(e) for e in err.errors())
