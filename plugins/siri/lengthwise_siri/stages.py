"""Piecewise-constant stage schedules: DeepScaleR's context lengthening and ThinkPrune's pruning.

L_t = caps[i] where i = #{b in boundaries : b <= t}; a boundary b is the first step of the
next stage (``bisect_right``). ``len(boundaries) == len(caps) - 1``, boundaries strictly
increasing and > 0, so every stage is reached and ``min_cap``/``max_cap`` are min/max of caps.
Caps are integers already; there is no rounding.

* ``deepscaler-stages`` (Luo et al., "DeepScaleR: Surpassing O1-Preview with a 1.5B Model by
  Scaling RL", 2025): 8K → 16K → 24K. Checked against the repository README's Figure 1 caption
  (agentica-project/deepscaler, also in rllm): "At step 1040 and 1520, the context length is
  extended to 16K and 24K" → caps (8192, 16384, 24576), boundaries (1040, 1520). Caps must
  increase strictly (iterative lengthening).
* ``thinkprune`` (Hou et al., "ThinkPrune: Pruning Long Chain-of-Thought of LLMs via
  Reinforcement Learning", arXiv 2504.01296, §3 iterative pruning): rounds of RL with an
  ever stricter token limit. Caps must decrease strictly. Defaults from UCSB-NLP-Chang/ThinkPrune:
  caps 4000 → 3000 → 2000 (``local_scripts/multi_node_run_4k.sh``: ``LENGTH=4000``;
  ``multi_node_run_3k_from4k.sh``: ``LENGTH=3000``; README: "change the length limit"), and the
  first round ends at step 180 (``MODEL=checkpoints-merged/DeepSeek-R1-Distill-Qwen-1.5B-4000/
  global_step_180`` starts the 3000 round). The source never says where the 3000 round ends;
  the default second boundary 360 gives it the same 180 steps (our choice — set your own).

  In the source each round is a **separate run** that starts from the previous round's merged
  checkpoint, so the reference model of its KL loss, the optimiser state and the learning-rate
  warm-up restart every round. One lengthwise run with this schedule keeps all three across the
  boundaries; to reproduce the source run the rounds one by one with a ``constant`` schedule
  (README, "ThinkPrune: one run per round").
"""

from __future__ import annotations

from bisect import bisect_right
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from lengthwise import Schedule, StrictParams

__all__ = ["StagesParams", "ThinkPruneParams", "PiecewiseSchedule", "DeepScaleRStages", "ThinkPrune"]


def _check_stages(caps: list[int], boundaries: list[int], direction: Literal["increasing", "decreasing"]) -> None:
    if len(boundaries) != len(caps) - 1:
        raise ValueError(
            f"need exactly one boundary between consecutive stages: {len(caps)} caps take "
            f"{len(caps) - 1} boundaries, got {len(boundaries)}"
        )
    if any(c <= 0 for c in caps):
        raise ValueError(f"caps must be positive token counts, got {caps}")
    if boundaries and boundaries[0] <= 0:
        raise ValueError(f"the first boundary must be > 0 (stage 0 starts at step 0), got {boundaries[0]}")
    if any(b >= a for b, a in zip(boundaries, boundaries[1:])):
        raise ValueError(f"boundaries must be strictly increasing, got {boundaries}")
    pairs = list(zip(caps, caps[1:]))
    if direction == "increasing" and any(b <= a for a, b in pairs):
        raise ValueError(f"caps must increase strictly from stage to stage, got {caps}")
    if direction == "decreasing" and any(b >= a for a, b in pairs):
        raise ValueError(f"caps must decrease strictly from stage to stage, got {caps}")


class StagesParams(StrictParams):
    """Stage caps and the steps at which the next stage begins (DeepScaleR defaults)."""

    caps: list[int] = Field(default_factory=lambda: [8192, 16384, 24576], min_length=1)
    boundaries: list[int] = Field(default_factory=lambda: [1040, 1520])

    _direction: ClassVar[Literal["increasing", "decreasing"]] = "increasing"

    @model_validator(mode="after")
    def _valid_stages(self) -> "StagesParams":
        _check_stages(self.caps, self.boundaries, self._direction)
        return self


class ThinkPruneParams(StagesParams):
    """ThinkPrune's rounds: 4000 → 3000 → 2000; the first ends at step 180 (scripts), the second at 360 (ours)."""

    caps: list[int] = Field(default_factory=lambda: [4000, 3000, 2000], min_length=1)
    boundaries: list[int] = Field(default_factory=lambda: [180, 360])

    _direction: ClassVar[Literal["increasing", "decreasing"]] = "decreasing"


class PiecewiseSchedule(Schedule):
    """Base: a piecewise-constant cap by step."""

    Params = StagesParams

    def stage(self, step: int) -> int:
        """Index of the stage ``step`` belongs to."""
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        return bisect_right(self.params.boundaries, step)

    def cap(self, step: int) -> int:
        return self.params.caps[self.stage(step)]

    @property
    def max_cap(self) -> int:
        return max(self.params.caps)

    @property
    def min_cap(self) -> int:
        return min(self.params.caps)


class DeepScaleRStages(PiecewiseSchedule):
    """DeepScaleR iterative context lengthening: 8K -> 16K (step 1040) -> 24K (step 1520)."""

    name = "deepscaler-stages"
    Params = StagesParams


class ThinkPrune(PiecewiseSchedule):
    """ThinkPrune iterative pruning: decreasing caps by stage, 4000 -> 3000 (step 180) -> 2000 (step 360)."""

    name = "thinkprune"
    Params = ThinkPruneParams
