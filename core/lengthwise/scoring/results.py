"""What grading returns: a verdict per response and a summary per batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["GradeResult", "GradingStats", "Path"]

Path = Literal["rust", "math_verify", "timeout", "deferred", "no_answer", "error"]


@dataclass(frozen=True)
class GradeResult:
    """The verdict on one response.

    correct:   the capped response's answer equals the gold.
    extracted: the canonicalised answer, or None when the capped response has none.
    path:      who decided: "rust" (fast path), "math_verify", "timeout" (math-verify had its
               full timeout_s and did not finish; not counted correct), "deferred" (the batch
               deadline cut it off before its full timeout_s: no verdict; not counted
               correct), "no_answer", "error" (math-verify crashed or is not installed; not
               counted correct).
    truncated: the length cap cut the response.
    """

    correct: bool
    extracted: str | None
    path: Path
    truncated: bool


@dataclass(frozen=True)
class GradingStats:
    """Summary of a graded batch (metrics as ``lengthwise/scoring/<what>``)."""

    total: int
    correct: int
    rust: int
    math_verify: int
    timeouts: int
    deferred: int
    errors: int
    no_answer: int
    truncated: int

    @classmethod
    def from_results(cls, results: Sequence[GradeResult]) -> GradingStats:
        paths = [r.path for r in results]
        return cls(
            total=len(results),
            correct=sum(r.correct for r in results),
            rust=paths.count("rust"),
            math_verify=paths.count("math_verify"),
            timeouts=paths.count("timeout"),
            deferred=paths.count("deferred"),
            errors=paths.count("error"),
            no_answer=paths.count("no_answer"),
            truncated=sum(r.truncated for r in results),
        )

    @property
    def fallback_share(self) -> float:
        """Share of the batch sent to math-verify (decided, timed out, deferred or crashed there)."""
        sent = self.math_verify + self.timeouts + self.deferred + self.errors
        return sent / self.total if self.total else 0.0

    @property
    def timeout_share(self) -> float:
        return self.timeouts / self.total if self.total else 0.0

    def as_metrics(self) -> dict[str, float]:
        return {
            "lengthwise/scoring/accuracy": self.correct / self.total if self.total else 0.0,
            "lengthwise/scoring/fallback_share": self.fallback_share,
            "lengthwise/scoring/timeout_share": self.timeout_share,
            "lengthwise/scoring/deferred_share": self.deferred / self.total if self.total else 0.0,
            "lengthwise/scoring/no_answer_share": self.no_answer / self.total if self.total else 0.0,
            "lengthwise/scoring/truncated_share": self.truncated / self.total if self.total else 0.0,
        }
