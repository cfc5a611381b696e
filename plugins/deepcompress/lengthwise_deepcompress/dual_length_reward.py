"""DeepCompress dual length reward (Liang et al. 2025, arXiv 2510.27419, §3 "Dual Length
Reward"): among correct answers, shorter is better on simple prompts and longer on hard ones.

For response y of prompt q, with β(q) = p(q) - P_t the gap between the prompt's group pass rate
and the batch pass-rate moving average (the ``deepcompress`` difficulty estimator,
:mod:`lengthwise_deepcompress.difficulty`; β > 0 "simple", β <= 0 "hard")::

    z(y)   = (ℓ(y) - MEAN_q ℓ) / (STD_q ℓ + ε)        over q's group; STD with ddof = 0, ε = 1e-6
    S(y)   = σ(-β(q) · z(y))                          σ the logistic sigmoid, S ∈ (0, 1), S = 1/2 at the mean
    O(y)   = min(0, -(ℓ - (L_max - L_c)) / L_c · f)   DAPO overlong term, off unless L_c > 0
    R(y)   = R_c(y) + w · 1[y correct] · S(y) + O(y)  R_c = +1 correct, -1 wrong; w = 0.2

``beta: sign`` replaces β by its sign (±1: full-strength sigmoid for every prompt); the default
``beta: difference`` follows the repository's figure ``assets/dual-reward-mechanism.png``, which
draws the bonus w·σ(-β·z) for β from 0 to 1 (simple) and -0 to -1 (hard): the further a prompt's
pass rate is from the average, the steeper the preference; at β = 0 the bonus is flat at w/2.
``only_correct`` (scripts: True) gives wrong answers no length term; the figure also draws the
term on wrong answers, which ``only_correct: false`` reproduces.

So on a simple prompt the shortest correct answer gets the largest bonus (up to w) and on a hard
prompt the longest one does; wrong answers get no length term. z uses the whole group by
default (``standardize_over="group"``); ``"correct"`` standardises over the group's correct
answers only. ``centered=True`` uses S - 1/2 (bonus in (-w/2, w/2)) instead; GRPO's group
normalisation makes the two almost equivalent, but they differ by w/2 between a correct and a
wrong answer of the same group.

Sources checked: Skytliang/DeepCompress ``utils/reward_utils/reward_func.py`` (``reward_func``):
the score is +1 if a ``</think>`` is present and the text after the last one holds a correct
answer, else -1 — set ``scoring.require_think_close: true`` and ``answer_after_think: true`` in a
lengthwise config to grade the same way (the shaper only sees ``batch.correct``).
``scripts/train/deepcompress-zero-{3b,7b}.sh``: ``length_reward.weight=0.2``,
``length_reward.only_correct=True``, ``overlong_buffer.enable=True``, ``overlong_buffer.len=2048``,
``overlong_buffer.penalty_factor=1.0``, ``max_response_length=10240``, ``rollout.n=16``.

Defaults, and where the sources disagree. The forked verl that implements ``length_reward`` is
not public, and the paper's method section (arXiv 2510.27419, §3) could not be read here: the
stored copy of its HTML (v1) holds the abstract and introduction only, and v2 is not stored. Two
sources remain, and they disagree:

* the repository figure ``assets/dual-reward-mechanism.png`` draws correct answers between 1.0
  and 1.1 (1.05 at z = 0) and incorrect ones between -1.0 and -0.9 — ``weight: 0.1,
  only_correct: false`` here (the test ``test_repository_figure_is_weight_one_tenth_on_every_answer``
  reproduces its curves);
* the training scripts, which produced the paper's models, pass ``length_reward.weight=0.2`` and
  ``length_reward.only_correct=True``.

The defaults follow the scripts (what was run), not the illustration; a run that wants the
figure sets the two parameters above. Where both are silent these are our choices: z over the
whole group (the figure's x-axis is one z per response and the scripts name no subset;
``standardize_over: correct`` is the alternative), population std (ddof 0) with ε = 1e-6 so a
group of equal lengths gets z = 0, and no centring (the figure's curves sit above R_o, never
below it).

The DAPO overlong term is **off by default** (``overlong_buffer_len=0``): it is part of the
paper's training recipe (also used by its DeepMath-Zero baseline), not of the dual reward, and a
2048-token buffer only makes sense with a cap near the scripts' 10240 (with a small cap it would
penalise every response). To reproduce the scripts set ``overlong_buffer_len: 2048,
overlong_penalty_factor: 1.0`` (a factor without a buffer is refused: it would act on nothing).
As in verl's DAPO reward manager it applies to correct and wrong answers alike, with L_max the
response's own cap (``batch.caps``); the buffer is clamped to the cap and ℓ to L_max, so
O ∈ [-f, 0].

Wrong never outranks correct: a correct answer scores at least R_c + w·min S - f and a wrong one
at most the wrong reward (plus w·max S with ``only_correct: false``); the params validator
requires the former to be >= the latter.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from lengthwise import Difficulty, RewardShaper, ShapedRewards
from lengthwise.terms import CorrectnessParams, correctness_reward
from lengthwise.terms import group_zscore, overlong_penalty, sigmoid

__all__ = [
    "DualLengthRewardParams",
    "DualLengthReward",
    "dual_length_term",
    "difficulty_beta",
]


class DualLengthRewardParams(CorrectnessParams):
    """±1 correctness, length weight w, standardisation options and the optional DAPO overlong term."""

    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(-1.0, allow_inf_nan=False)
    weight: float = Field(0.2, ge=0, allow_inf_nan=False, description="w: length_reward.weight")
    standardize_over: Literal["group", "correct"] = Field(
        "group", description="which responses of the group define MEAN and STD of the length"
    )
    std_epsilon: float = Field(1e-6, gt=0, allow_inf_nan=False, description="ε added to the group std")
    std_ddof: Literal[0, 1] = Field(0, description="0: population std, 1: sample std")
    centered: bool = Field(False, description="use σ(·) - 1/2 instead of σ(·) as the length term")
    beta: Literal["difference", "sign"] = Field(
        "difference", description="β = p(q) - P_t (the figure's continuum) or only its sign (±1)"
    )
    only_correct: bool = Field(True, description="length term on correct answers only (length_reward.only_correct)")
    overlong_buffer_len: int = Field(0, ge=0, description="L_c of DAPO's overlong term; 0 disables it")
    overlong_penalty_factor: float = Field(1.0, ge=0, allow_inf_nan=False, description="f: penalty at the cap")

    @model_validator(mode="after")
    def _factor_needs_buffer(self) -> "DualLengthRewardParams":
        if self.overlong_buffer_len == 0 and "overlong_penalty_factor" in self.model_fields_set:
            raise ValueError(
                "overlong_penalty_factor only acts with overlong_buffer_len > 0 (the overlong term is off)"
            )
        return self

    @model_validator(mode="after")
    def _correct_stays_above_wrong(self) -> "DualLengthRewardParams":
        worst_length = -0.5 * self.weight if self.centered else 0.0
        # only_correct=False: a wrong answer gets the length term too, up to w (w/2 if centred).
        best_wrong_length = 0.0 if self.only_correct else (0.5 * self.weight if self.centered else self.weight)
        worst_overlong = -self.overlong_penalty_factor if self.overlong_buffer_len > 0 else 0.0
        if self.correct_reward + worst_length + worst_overlong < self.wrong_reward + best_wrong_length:
            raise ValueError(
                "correct_reward + lowest length term - overlong_penalty_factor must be >= wrong_reward "
                "+ highest length term of a wrong answer (otherwise a wrong answer could outrank a correct one)"
            )
        return self


def dual_length_term(z: np.ndarray, beta: np.ndarray, centered: bool = False) -> np.ndarray:
    """S = σ(-β · z): β > 0 (simple) rewards short, β < 0 (hard) rewards long; minus 1/2 if centred."""
    s = sigmoid(-np.asarray(beta, dtype=np.float64) * np.asarray(z, dtype=np.float64))
    return s - 0.5 if centered else s


def difficulty_beta(difficulty: Difficulty | None, n: int, mode: str = "difference") -> np.ndarray:
    """β per response: ``difficulty.score`` (p - P_t) or, with ``mode="sign"``, its sign (β <= 0: -1)."""
    if difficulty is None or difficulty.score is None:
        raise ValueError(
            "the deepcompress reward needs difficulty scores β = p(q) - P_t; "
            "build them with the 'deepcompress' difficulty estimator"
        )
    beta = np.asarray(difficulty.score, dtype=np.float64)
    if beta.shape != (n,) or not np.all(np.isfinite(beta)) or np.any(np.abs(beta) > 1):
        raise ValueError(
            f"difficulty gives scores of shape {beta.shape} (finite, in [-1, 1] required) for {n} responses"
        )
    # A hard prompt exactly at the average has β = 0; its sign is that of its bucket (hard: -1).
    return np.where(beta > 0, 1.0, -1.0) if mode == "sign" else beta


class DualLengthReward(RewardShaper):
    """DeepCompress dual length reward: ±1 + 0.2·σ(-β·z_len) on correct answers (short if simple, long if hard)."""

    name: ClassVar[str] = "deepcompress"
    Params = DualLengthRewardParams
    params: DualLengthRewardParams
    default_difficulty: ClassVar[str | None] = "deepcompress"
    # β = p(q) - P_t in Difficulty.score; Laser's +1/0/-1 bucket score is not a pass-rate gap
    needs_difficulty: ClassVar[frozenset[str]] = frozenset({"pass-rate-gap"})

    def shape(self, batch, difficulty: Difficulty | None = None) -> ShapedRewards:
        p = self.params
        n = len(batch)
        beta = difficulty_beta(difficulty, n, p.beta)
        rc = correctness_reward(batch.correct, p)
        mask = batch.correct if p.standardize_over == "correct" else None
        z = group_zscore(batch.lengths, batch.group, batch.n_groups, mask, p.std_epsilon, p.std_ddof)
        term = p.weight * dual_length_term(z, beta, p.centered)
        length = np.where(batch.correct, term, 0.0) if p.only_correct else term
        overlong = overlong_penalty(batch.lengths, batch.caps, p.overlong_buffer_len, p.overlong_penalty_factor)
        metrics: dict[str, Any] = {}
        if n:
            metrics["simple_share"] = float((beta > 0).mean())
            metrics["overlong_frac"] = float((overlong < 0).mean())
            if batch.correct.any():
                metrics["length_term_mean"] = float(length[batch.correct].mean())
        return ShapedRewards(
            rewards=rc + length + overlong,
            terms={"correctness": rc, "length": length, "overlong": overlong},
            metrics=metrics,
        )
