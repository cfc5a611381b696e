"""GradeOptions: one frozen model for the config's ``scoring:``, ``lengthwise eval`` and ``grade``."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lengthwise.config import LengthwiseConfig
from lengthwise.step import grade_with
from lengthwise.scoring import GradeOptions, grade_detailed


def test_one_model_is_the_config_section():
    assert LengthwiseConfig.model_fields["scoring"].annotation is GradeOptions
    assert GradeOptions().timeout_s == 5.0 and GradeOptions().batch_timeout_s == 60.0


def test_frozen_and_strict_about_names():
    opts = GradeOptions(timeout_s=2)
    with pytest.raises(ValidationError):
        opts.timeout_s = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match="unknown grading option"):
        GradeOptions.build(opts, {"timeout": 3})
    with pytest.raises(TypeError, match="options must be a GradeOptions"):
        GradeOptions.build({"timeout_s": 3}, {})  # type: ignore[arg-type]
    # Overrides apply on top of the base, validated; the base is unchanged.
    assert GradeOptions.build(opts, {"workers": 3}) == GradeOptions(timeout_s=2, workers=3)
    assert opts.workers is None


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("timeout_s", 3600.0001, r"timeout_s must be a finite number of seconds in \(0, 3600\], got 3600.0001"),
        ("batch_timeout_s", float("nan"), r"batch_timeout_s must be a finite number of seconds"),
        ("workers", 257, r"workers must be an int in \[1, 256\] or None, got 257"),
        ("workers", 2.0, r"workers must be an int"),
        ("fallback", "guess", r"fallback must be one of \('none', 'answer_is', 'last_number'\), got 'guess'"),
    ],
)
def test_bad_values_name_the_option(field, value, match):
    with pytest.raises(ValueError, match=match):
        GradeOptions.build(None, {field: value})


def test_limits_themselves_are_accepted():
    assert GradeOptions(timeout_s=3600, batch_timeout_s=1e-3, workers=256).timeout_s == 3600.0


def test_cap_grading_off_ignores_the_cap_offsets():
    """Response "\\boxed{5}": 9 characters; a cap at offset 3 cuts the box, so with
    cap_grading the answer is gone (no_answer, truncated); without it the cap is ignored."""
    resp, gold = ["\\boxed{5}"], ["5"]
    (on,) = grade_detailed(resp, gold, cap_char_offsets=[3])
    (off,) = grade_detailed(resp, gold, cap_char_offsets=[3], cap_grading=False)
    assert (on.path, on.correct, on.truncated) == ("no_answer", False, True)
    assert (off.path, off.correct, off.truncated) == ("rust", True, False)
    (via,) = grade_with(GradeOptions(cap_grading=False), resp, gold, [3])
    assert via == off
