"""Constant cap: L_t = L for every step (the usual fixed ``max_tokens`` of a GRPO run)."""

from __future__ import annotations

from pydantic import Field

from ..strategy import Schedule, StrictParams

__all__ = ["Constant", "ConstantParams"]


class ConstantParams(StrictParams):
    """The one cap used at every step."""

    length: int = Field(16384, gt=0, description="generation cap L in tokens")


class Constant(Schedule):
    """Constant rollout-length cap L_t = L."""

    name = "constant"
    Params = ConstantParams

    def cap(self, step: int) -> int:
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        return self.params.length

    @property
    def max_cap(self) -> int:
        return self.params.length

    @property
    def min_cap(self) -> int:
        return self.params.length
