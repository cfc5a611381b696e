"""Start-up checks (lengthwise.preflight): a missing or broken math-verify is an error, not a wrong reward."""

from __future__ import annotations

import sys

import pytest

from lengthwise.preflight import PreflightError, check_math_verify, check_training_runtime


def test_working_math_verify_passes():
    pytest.importorskip("math_verify")
    check_math_verify()  # \log_2 8 = 3 through math-verify itself: it must say equal
    check_training_runtime()


def test_missing_math_verify_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "math_verify", None)  # import math_verify -> ImportError
    with pytest.raises(PreflightError, match=r"math-verify is not installed .*graded wrong\. pip install 'lengthwise\[verl\]'"):
        check_training_runtime()
