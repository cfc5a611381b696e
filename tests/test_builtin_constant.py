"""The built-in ``constant`` schedule: L_t = L at every step."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise.default_plugins import Constant


def test_constant():
    s = lengthwise.create("schedule", "constant", length=4096)
    assert {s.cap(t) for t in (0, 1, 640, 10**7)} == {4096}
    assert (s.min_cap, s.max_cap) == (4096, 4096)
    with pytest.raises(ValidationError):
        Constant.Params(length=0)
    with pytest.raises(ValueError):
        s.cap(-1)
