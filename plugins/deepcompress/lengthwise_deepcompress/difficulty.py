"""DeepCompress model-aware difficulty (Liang et al. 2025, arXiv 2510.27419, §3 "Model-Aware
Difficulty"): a prompt is "simple" when the model solves it more often than it solves the
average prompt of recent batches, "hard" otherwise.

For step t with batch B_t (G responses per prompt q)::

    p(q)  = (1/G) · Σ_i c(y_i)                          group pass rate
    P̂_t   = (1/|B_t|) · Σ_{y ∈ B_t} c(y)                batch pass rate (response level)
    P_t   = P̂_0                                         first step (initialisation)
    P_t   = m · P_{t-1} + (1 - m) · P̂_t                 later steps, momentum m = 0.99
    bucket(q) = "simple"  if p(q) >  P_t
                "hard"    if p(q) <= P_t                (equality is hard)
    score(q)  = β(q) = p(q) - P_t                       in [-1, 1]; > 0 simple, <= 0 hard

Source checked: Skytliang/DeepCompress ``scripts/train/deepcompress-zero-{3b,7b}.sh`` set
``custom_reward_function.length_reward.moving_average.weight=0.99`` (our ``momentum``), rollout
n = 16, with ``algorithm.filter_groups`` on ``acc``: the batch pass rate is the one of everything
generated, before DAPO drops all-correct and all-wrong groups (lengthwise's verl replay buffer
hands the estimator every generated group of the step, refill rounds included). The forked verl
that computes the average is not public and the paper's method section (arXiv 2510.27419 §3)
could not be read here (the stored HTML holds abstract and introduction only), so three details
are our choices, each a parameter:

* **order** (``update_before_classify=True``): the current batch enters the average before its
  prompts are classified, so on the first step prompts are compared with that batch's own pass
  rate. With ``False`` the comparison uses the average of the *previous* steps (on the first
  step, again the batch's own pass rate — there is nothing earlier).
* **initialisation**: the average starts at the first batch's pass rate, not at 0 or 0.5, so the
  first steps are not all "simple" (or all "hard") while a 0.99 average warms up.
* **equality**: ``p(q) == P_t`` is "hard" (strictly above is "simple"). With G = 16 a group pass
  rate is a multiple of 1/16 and a float average rarely equals one exactly, except on the first
  step of a batch whose groups all have the same pass rate.

P̂_t is the share of correct responses in the batch; with equal group sizes (verl's rollout.n)
it equals the mean of the group pass rates. An empty batch leaves the average unchanged.

Why the score is the signed gap β = p(q) - P_t rather than just ±1: the repository's figure of
the reward (``assets/dual-reward-mechanism.png``, "Reward for Simple/Hard Questions") draws the
length bonus for a continuum of β from 0 to 1 on simple and from -0 to -1 on hard questions —
the range of a difference of two pass rates. The reward shaper uses β directly by default
(``beta: difference``) or only its sign (``beta: sign``).

State (``state_dict``): ``{"moving_average": float | None, "steps": int}``; ``None`` means not
yet initialised. Floats survive ``json.dumps``/``json.loads`` bit-exactly (``repr`` round trip).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from lengthwise import Difficulty, DifficultyEstimator, StrictParams

__all__ = ["ModelAwareDifficultyParams", "ModelAwareDifficulty", "classify", "SIMPLE", "HARD"]

SIMPLE = "simple"
HARD = "hard"


class ModelAwareDifficultyParams(StrictParams):
    """EMA momentum of the batch pass rate and whether the update precedes classification."""

    momentum: float = Field(
        0.99, ge=0, lt=1, allow_inf_nan=False, description="m: weight of the old average (scripts: 0.99)"
    )
    update_before_classify: bool = Field(
        True, description="fold the current batch into the average before comparing its prompts with it"
    )


def classify(pass_rate: np.ndarray, moving_average: float) -> tuple[np.ndarray, np.ndarray]:
    """Bucket labels and scores: "simple" where ``pass_rate > moving_average``, else "hard"; score β = p - P."""
    beta = np.asarray(pass_rate, dtype=np.float64) - moving_average
    simple = beta > 0
    bucket = np.where(simple, SIMPLE, HARD).astype(object)
    return bucket, beta


class ModelAwareDifficulty(DifficultyEstimator):
    """DeepCompress: simple if the group pass rate exceeds the batch pass-rate EMA (m=0.99), else hard."""

    name: ClassVar[str] = "deepcompress"
    provides: ClassVar[frozenset[str]] = frozenset({"pass-rate-gap"})
    Params = ModelAwareDifficultyParams
    params: ModelAwareDifficultyParams

    def __init__(self, params: ModelAwareDifficultyParams | None = None, **kwargs: Any) -> None:
        super().__init__(params, **kwargs)
        self.moving_average: float | None = None
        self.steps = 0

    def _updated(self, batch_pass_rate: float) -> float:
        if self.moving_average is None:
            return batch_pass_rate
        m = self.params.momentum
        return m * self.moving_average + (1.0 - m) * batch_pass_rate

    def estimate(self, batch) -> Difficulty:
        pass_rate = batch.group_pass_rate()
        if len(batch) == 0:
            empty = np.empty(0, dtype=np.float64)
            ma = self.moving_average
            metrics = {} if ma is None else {"moving_average": ma}
            return Difficulty(pass_rate=empty, bucket=np.empty(0, dtype=object), score=empty, metrics=metrics)
        batch_rate = float(batch.correct.mean())
        new_average = self._updated(batch_rate)
        threshold = new_average if (self.params.update_before_classify or self.moving_average is None) else (
            self.moving_average
        )
        bucket, score = classify(pass_rate, threshold)
        self.moving_average = new_average
        self.steps += 1
        return Difficulty(
            pass_rate=pass_rate,
            bucket=bucket,
            score=score,
            metrics={
                "moving_average": new_average,
                "threshold": threshold,
                "batch_pass_rate": batch_rate,
                "simple_share": float((score > 0).mean()),
            },
        )

    def state_dict(self) -> dict[str, Any]:
        return {"moving_average": self.moving_average, "steps": self.steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        unknown = set(state) - {"moving_average", "steps"}
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown state keys {sorted(unknown)}")
        ma = state.get("moving_average")
        if ma is not None:
            ma = float(ma)
            if not np.isfinite(ma) or not 0.0 <= ma <= 1.0:
                raise ValueError(f"moving_average must be a pass rate in [0, 1], got {ma}")
        self.moving_average = ma
        self.steps = int(state.get("steps", 0))
