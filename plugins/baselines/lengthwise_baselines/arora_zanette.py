"""Self-normalised length penalty on correct answers (Arora & Zanette 2025, "Training Language
Models to Reason Efficiently", arXiv 2502.04463, §3).

Within each group, over its *correct*, finished responses only (``check_eos`` below)::

    z(y)  = (ℓ - MEAN_correct) / (STD_correct + ε)          STD with ddof = 0, ε = 1e-7
    R(y)  = R_c(y) - α · σ(z(y))     if y is correct and finished (has its EOS)
            wrong_reward              if y is wrong or truncated

σ is the logistic sigmoid. The paper writes R = 1{correct}·(1 - α·σ(z)); with the default scale
{1, 0} that is the same number, and for other scales the penalty stays additive (Laser's unified
view: C = R, λ = 1{correct}, S = -α·σ(z)).

Checked against Zanette-Labs/efficient-reasoning ``reward_server/math_server.py`` (``query``,
reward_type ``sigmoid``, commit e3611e4b): lengths of the correct responses per question,
``np.std(lens) + 1e-7`` (population std), ``accuracy * (1 - alpha * sigmoid(relative_length))``,
reward 0 when wrong. α = 0.1 is the value in ``run_rloo_1.5B.sh``/``run_rloo_7B.sh``; the paper
sweeps α ∈ {0.05, 0.1, 0.2, 0.4}.

End-of-sequence check (``check_eos``, default on as the server's ``--check_eos``, L132): a
response whose tokens hold no EOS gets accuracy 0 and reward 0 (L83-88), and, having accuracy 0,
never enters a question's correct lengths (L64-77). A response without EOS is one generation
stopped at its cap; lengthwise marks it ``batch.truncated`` (ℓ >= its cap, or the scorer's cap cut
the text, which leaves the graded text without its EOS too), so with ``check_eos`` a truncated
response counts as wrong: ``wrong_reward`` (the server's 0 on the default scale) and no part in
MEAN/STD. One boundary differs: a response whose EOS is exactly its cap-th token has ℓ = cap and
counts as truncated here, while the server would grade it.

One correct response (or all correct ones the same length): STD = 0, so z = 0/ε = 0 and the
correct response gets R_c - α/2 — as in the official server. hkust-nlp/Laser's reimplementation
(``compute_norm_length_penalty``) differs: α = 0.4, unbiased std + 1e-6, and for a single correct
response MEAN = 0, STD = 1 (so z = ℓ and the penalty is ≈ α); we follow the authors' code.

With ``α <= correct_reward - wrong_reward`` (checked) a correct response (> R_c - α) never scores
below a wrong one.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from lengthwise import RewardShaper, ShapedRewards
from lengthwise.terms import CorrectnessParams, correctness_reward
from lengthwise.terms import group_zscore, sigmoid

__all__ = ["AroraZanetteParams", "AroraZanette", "normalised_correct_length"]


class AroraZanetteParams(CorrectnessParams):
    """{1, 0} scale, penalty weight α and the std epsilon."""

    correct_reward: float = Field(1.0, allow_inf_nan=False)
    wrong_reward: float = Field(0.0, allow_inf_nan=False)
    alpha: float = Field(0.1, ge=0, allow_inf_nan=False, description="α: largest penalty on a correct answer")
    std_epsilon: float = Field(1e-7, gt=0, allow_inf_nan=False, description="ε added to the group std")
    check_eos: bool = Field(
        True, description="a truncated response (no EOS) is wrong and left out of the length statistics (source: on)"
    )

    @model_validator(mode="after")
    def _penalty_keeps_order(self) -> "AroraZanetteParams":
        if self.alpha > self.correct_reward - self.wrong_reward:
            raise ValueError("alpha must not exceed correct_reward - wrong_reward (a wrong answer would outrank)")
        return self


def normalised_correct_length(lengths, correct, group, n_groups, eps) -> np.ndarray:
    """z = (ℓ - mean)/(std + ε) over each group's correct responses; 0 for wrong responses."""
    mask = np.asarray(correct, dtype=bool)
    return np.where(mask, group_zscore(lengths, group, n_groups, mask, eps, ddof=0), 0.0)


class AroraZanette(RewardShaper):
    """Arora & Zanette: correct reward 1 - α·σ((ℓ - mean)/std) over the group's correct answers."""

    name: ClassVar[str] = "arora-zanette"
    Params = AroraZanetteParams
    params: AroraZanetteParams

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        correct = batch.correct & ~batch.truncated if p.check_eos else batch.correct
        rc = correctness_reward(correct, p)
        z = normalised_correct_length(batch.lengths, correct, batch.group, batch.n_groups, p.std_epsilon)
        length = np.where(correct, -p.alpha * sigmoid(z), 0.0)
        n = len(batch)
        return ShapedRewards(
            rewards=rc + length,
            terms={"correctness": rc, "length": length},
            metrics={
                "length_term_mean": float(length.mean()) if n else 0.0,
                "no_eos_correct": float(np.count_nonzero(batch.correct & ~correct)),
            },
        )
