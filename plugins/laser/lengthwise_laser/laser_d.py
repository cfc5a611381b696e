"""Laser-D: Laser's step reward with a separate, adaptive target length per difficulty bucket
(Liu et al. 2025, arXiv 2505.15612; hkust-nlp/Laser ``verl/utils/reward_score/length_penalty.py``,
``compute_length_reward_larse_d``).

For a response of ℓ tokens to a prompt in bucket b (``laser-buckets``: high p >= 2/3, medium
1/3 <= p < 2/3, low p < 1/3, p the group accuracy) with current target L_b::

    reward   R = R_c + α · 1[correct] · 1[ℓ <= L_b]          (scripts' mode)
    penalty  R = R_c - α · 1[correct] · 1[ℓ >  L_b]
    hybrid   R = R_c + α · 1[correct] · (1[ℓ <= L_b] - 1[ℓ > L_b])

R_c = 1.0 / -0.5, α = 0.5. The targets L_b are re-chosen from length-coverage statistics (see
:mod:`lengthwise_laser.targets`): the smallest candidate length at which the expected number of
correct answers of a bucket-b prompt, floor(coverage · n_b) with n_b = floor(2N/3), floor(N/3),
1 (N = 8), reaches ``expected_n_correct`` = 1, else "no limit" (the batch's longest response).
The candidates run from ``lower_bound`` to ``upper_bound`` every ``interval``; when lower_bound <
``candidate_floor`` (the source's 1024) they are ``[lower_bound]`` + candidate_floor, … — set
candidate_floor to the lengths' scale when upper_bound < 1024, or only ``[lower_bound]`` is left.

When targets are re-chosen. The source runs its monitor (a fixed 500-prompt sample) before
training and after every ``trainer.monitor_freq`` = 20 updates, and every step shapes with the
latest result. lengthwise computes the same statistics from the batches the shaper sees: before
shaping the c-th batch (c = 0, 1, …, counted by the shaper) it re-chooses the targets from that
batch when c % ``monitor_freq`` == 0 (c = 0 only if ``monitor_at_start``). Batch c is sampled
by the policy after c updates, so this samples the same policy snapshots as the source's monitor
(θ_0, θ_20, θ_40, …), on training prompts instead of a held-out sample. ``target_length`` (8192,
the config default) is the target of every bucket until the first re-choice, and for ever with
``monitor_freq: 0``.

Coverage is grouped by the source monitor's bands (p <= 1/3 low, 1/3 < p <= 2/3 medium,
p > 2/3 high) unless ``monitor_buckets: reward`` uses the shaping buckets instead; it counts all
of a band's responses, correct or not, as the source does.

State (``state_dict``): ``{"targets": {"high"|"medium"|"low": int | None}, "monitored": bool,
"batches_seen": int, "coverage": {level: [float, …]} | None}`` — ``None`` target: no limit.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from lengthwise import Difficulty, RewardShaper, RolloutBatch, ShapedRewards
from lengthwise.terms import correctness_reward

from .buckets import LEVELS, group_counts, monitor_bands, reward_buckets
from .laser import LaserBaseParams, Mode, step_length_term
from .targets import SOURCE_CANDIDATE_FLOOR, candidate_lengths, choose_targets, coverage

__all__ = ["AdaptiveTargetParams", "AdaptiveTargetShaper", "LaserDParams", "LaserD"]


class AdaptiveTargetParams(LaserBaseParams):
    """Target-length adaptation shared by Laser-D and Laser-DE (defaults: config/scripts)."""

    target_length: int = Field(8192, gt=0, description="every bucket's target until the first re-choice")
    lower_bound: int = Field(2048, gt=0, description="smallest candidate target (scripts: 1024, 2048, 4096)")
    upper_bound: int = Field(16384, gt=0, description="largest candidate target (scripts: max_response_length)")
    interval: int = Field(1024, gt=0, description="spacing of the candidates")
    candidate_floor: int = Field(
        SOURCE_CANDIDATE_FLOOR,
        gt=0,
        description="first regular candidate when lower_bound is below it: candidates are [lower_bound] + "
        "floor, floor+interval, ... (source constants.py: 1024; scale it with the lengths, or the list "
        "collapses to [lower_bound] when upper_bound < 1024)",
    )
    n_rollout: int = Field(8, ge=1, description="N in n_b = floor(2N/3), floor(N/3), 1 (source default 8)")
    expected_n_correct: int = Field(1, ge=1, description="correct answers a target must keep in expectation")
    round_method: Literal["floor", "ceil"] = Field("floor", description="rounding of n_b and of the expectation")
    monitor_freq: int = Field(20, ge=0, description="re-choose targets every this many batches (0: never)")
    monitor_at_start: bool = Field(True, description="also re-choose on the first batch (source: before training)")
    monitor_buckets: Literal["monitor", "reward"] = Field(
        "monitor", description="group coverage by the source monitor's bands or by the shaping buckets"
    )

    @model_validator(mode="after")
    def _bounds(self) -> "AdaptiveTargetParams":
        if self.lower_bound > self.upper_bound:
            raise ValueError("lower_bound must not exceed upper_bound")
        if self.lower_bound < self.candidate_floor and self.candidate_floor > self.upper_bound:
            raise ValueError(
                f"candidate_floor {self.candidate_floor} exceeds upper_bound {self.upper_bound}, so the only "
                f"candidate target is lower_bound {self.lower_bound}; set candidate_floor <= upper_bound "
                "(e.g. to lower_bound)"
            )
        return self


def _plain_targets(targets: dict[str, Any]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for level in LEVELS:
        t = targets[level]
        out[level] = None if t is None else int(t)
    return out


class AdaptiveTargetShaper(RewardShaper):
    """Common machinery of Laser-D and Laser-DE: buckets, monitored targets and their state."""

    default_difficulty: ClassVar[str | None] = "laser-buckets"
    # the buckets high/medium/low by group accuracy; another estimator's labels mean nothing here
    needs_difficulty: ClassVar[frozenset[str]] = frozenset({"accuracy-buckets"})
    params: AdaptiveTargetParams

    def __init__(self, params: AdaptiveTargetParams | None = None, **kwargs: Any) -> None:
        super().__init__(params, **kwargs)
        p = self.params
        self.thresholds = candidate_lengths(p.lower_bound, p.upper_bound, p.interval, p.candidate_floor)
        self.targets: dict[str, int | None] = {lvl: p.target_length for lvl in LEVELS}
        self.monitored = False
        self.batches_seen = 0
        self.coverage: dict[str, list[float]] | None = None

    # -- buckets and targets ------------------------------------------------------------------
    def _buckets(self, batch: RolloutBatch, difficulty: Difficulty | None) -> tuple[np.ndarray, np.ndarray]:
        hits, sizes = group_counts(batch)
        if difficulty is None:
            bucket = reward_buckets(hits, sizes)
        else:
            bucket = np.asarray(difficulty.bucket, dtype=object)
            if bucket.shape != (len(batch),) or not set(bucket.tolist()) <= set(LEVELS):
                found = sorted({str(b) for b in bucket.tolist()})
                raise ValueError(
                    f"{self.name} needs difficulty buckets {LEVELS} (estimator 'laser-buckets'), got {found}"
                )
        bands = monitor_bands(hits, sizes) if self.params.monitor_buckets == "monitor" else bucket
        return bucket, bands

    def _due(self) -> bool:
        f = self.params.monitor_freq
        if f <= 0 or self.batches_seen % f:
            return False
        return self.batches_seen > 0 or self.params.monitor_at_start

    def _monitor(self, batch: RolloutBatch, bands: np.ndarray) -> None:
        p = self.params
        self.coverage = coverage(batch.lengths, bands, self.thresholds)
        self.targets = choose_targets(self.coverage, self.thresholds, p.n_rollout, p.expected_n_correct, p.round_method)
        self.monitored = True

    def _resolved(self, batch: RolloutBatch) -> dict[str, int]:
        """Targets for this batch: a monitored target must lie below the batch's longest response."""
        l_max = int(batch.lengths.max())
        out = {}
        for level, t in self.targets.items():
            out[level] = l_max if t is None or (self.monitored and t >= l_max) else int(t)
        return out

    def _prepare(self, batch: RolloutBatch, difficulty: Difficulty | None) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """Buckets, per-response targets and target metrics; advances the monitoring clock."""
        bucket, bands = self._buckets(batch, difficulty)
        monitored_now = self._due()
        if monitored_now:
            self._monitor(batch, bands)
        self.batches_seen += 1
        resolved = self._resolved(batch)
        target = np.array([resolved[b] for b in bucket.tolist()], dtype=np.float64)
        metrics = {f"target_length_{lvl}": float(resolved[lvl]) for lvl in LEVELS}
        metrics["targets_rechosen"] = 1.0 if monitored_now else 0.0
        return bucket, target, metrics

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "targets": dict(self.targets),
            "monitored": self.monitored,
            "batches_seen": self.batches_seen,
            "coverage": None if self.coverage is None else {k: list(v) for k, v in self.coverage.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        unknown = set(state) - {"targets", "monitored", "batches_seen", "coverage"}
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown state keys {sorted(unknown)}")
        self.targets = _plain_targets(state["targets"])
        self.monitored = bool(state["monitored"])
        self.batches_seen = int(state["batches_seen"])
        cov = state.get("coverage")
        self.coverage = None if cov is None else {lvl: [float(x) for x in cov[lvl]] for lvl in LEVELS}


class LaserDParams(AdaptiveTargetParams):
    """Laser-D: adaptive targets plus the step mode."""

    mode: Mode = Field("reward", description="reward: +α within L_b; penalty: -α beyond; hybrid: both")

    @model_validator(mode="after")
    def _penalty_keeps_order(self) -> "LaserDParams":
        if self.mode != "reward" and self.alpha > self.correct_reward - self.wrong_reward:
            raise ValueError("alpha must not exceed correct_reward - wrong_reward in penalty/hybrid mode")
        return self


class LaserD(AdaptiveTargetShaper):
    """Laser-D: Laser's step reward with per-bucket (high/medium/low accuracy) adaptive targets."""

    name: ClassVar[str] = "laser-d"
    Params = LaserDParams
    params: LaserDParams

    def shape(self, batch: RolloutBatch, difficulty: Difficulty | None = None) -> ShapedRewards:
        p = self.params
        base = correctness_reward(batch.correct, p, batch.has_answer)
        if len(batch) == 0:
            return ShapedRewards(rewards=base, terms={"correctness": base, "length": base.copy()})
        _, target, metrics = self._prepare(batch, difficulty)
        length = step_length_term(batch.correct, batch.lengths, target, p.alpha, p.mode)
        metrics["length_term_mean"] = float(length.mean())
        return ShapedRewards(rewards=base + length, terms={"correctness": base, "length": length}, metrics=metrics)
