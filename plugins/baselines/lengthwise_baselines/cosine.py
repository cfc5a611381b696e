"""Cosine length-scaling reward (Yeo et al. 2025, "Demystifying Long Chain-of-Thought Reasoning
in LLMs", arXiv 2502.03373, §4, the cosine length-scaling reward), with its sparse repetition
penalty on wrong answers.

With the generation cap L (here the response's own cap, ``batch.caps``) and t = ℓ::

    CosFn(t, L, r_0, r_L) = r_L + ½ (r_0 - r_L) (1 + cos(π t / L))

    R(y) = r_exceed                                   if ℓ >= L - margin  (hit the cap)
           CosFn(ℓ, L, r_c0, r_cL)                    if y is correct
           CosFn(ℓ, L, r_w0, r_wL) + P_rep · rep(y)   if y is wrong

    rep(y) = 1 - #distinct n-grams(y) / #n-grams(y)   (0 with fewer than n tokens)

CosFn equals r_0 at ℓ = 0 and r_L at ℓ = L. Defaults r_c0 = 2, r_cL = 1 (shorter correct is
better), r_w0 = -10, r_wL = 0 (longer wrong is less bad), r_exceed = -10, P_rep = 0 (off), n = 40.

Checked against eddycmu/demystify-long-cot (commit e90cf9b3) ``openrlhf/openrlhf/reward/cosine.py``
(``CosineScaledSparseReward.reward``, L69-95): ``r = min_value + 0.5 (max_value - min_value)(1 +
cos(π·gen_len/max_len))`` where for correct (min, max) = (r_cL, r_c0) and for wrong the swapped
(max_value_wrong, min_value_wrong) = (r_wL, r_w0); the exceed check ``gen_len + MAX_LEN_MARGIN >=
max_len`` (MAX_LEN_MARGIN = 16) comes first and overrides correctness. Constants from the repo's
run scripts: ``min_value_correct 1``, ``max_value_correct 2``, ``min_value_wrong -10``,
``max_value_wrong 0``, ``common_exceed_length -10``.

The repetition penalty is part of the same reward there: on the wrong branch (L79-88) it adds
``get_repetition_penalty(ngram_size, max_penalty, generation)`` (``reward/repetition.py``
L56-70): ``(1 - len(set(ngrams)) / total) * max_penalty`` over the n-grams of
``generation.lower().split()``; correct answers and capped ones get none. ``max_penalty`` is
``--math_rule_common_repetition_max_penalty`` (``cli/train_ppo_ray.py`` L372, default 0, and no
run script sets it, so the paper's runs have it off: ``repetition_max_penalty`` defaults to 0.0);
``ngram_size`` is ``--math_rule_common_repetition_ngram_size`` (L373, default 20; every run script
passes 40, which ``repetition_ngram_size`` defaults to). The runs the paper calls "with repetition
penalty" (``section_4.2__…__cosine_repetition_penalty.sh``) add a different, *dense* reward
(``math_rule_repetition_dense``, -0.05 on each token of a repeated 40-gram), a per-token reward
that a scalar-per-response shaper cannot express; it is not this term.

What the n-grams are made of (``repetition_input``): the source's are lower-cased words of the
decoded prompt + response (``queries``, ``experience_maker.py`` L597). A shaper sees only the
response, and in verl's driver only its token ids, so ``auto`` (the default) counts token-id
n-grams when the batch has ids and lower-cased response words otherwise; ``text`` always counts
words (the source's unit, on the response alone). n = 40 words is about 50-60 tokens of a BPE
tokenizer's math text; set ``repetition_ngram_size`` accordingly with ``token_ids``. The source
divides by the n-gram count unguarded (ZeroDivisionError under n words); here such a response
gets 0. Setting ``repetition_ngram_size`` or ``repetition_input`` while the penalty is off is
refused (they would act on nothing).

``exceed_margin`` defaults to the source's 16 (``openrlhf/openrlhf/reward/common.py`` L9:
``MAX_LEN_MARGIN = 16``): a response within 16 tokens of the cap counts as having hit it, as in the
runs the paper reports. ``exceed_margin: 0`` makes it exactly ℓ >= L. ℓ/L is clipped to [0, 1] for
the interpolation. A response with no answer is "wrong" here, as in the source (its branches are
``if score == 1`` / ``else``).

Because r_exceed overrides correctness, a correct response that used the whole budget (-10) scores
below a wrong one that stopped early (> -10), so ``wrong_may_outrank_correct = True``. Below the
cap, with the defaults, every wrong value (≤ 0) is below every correct one (≥ 1); the repetition
penalty only lowers wrong values. Params check r_w0, r_wL <= 0 and P_rep <= 0 (as the source
does) and r_w0 <= r_c0, r_wL <= r_cL.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from lengthwise import RewardShaper, ShapedRewards, StrictParams
from lengthwise.terms import RepetitionInput, repeated_ngram_share, response_sequence

__all__ = ["CosineParams", "CosineLength", "cos_fn"]


class CosineParams(StrictParams):
    """Endpoint rewards for correct/wrong answers at ℓ = 0 and ℓ = L, the cap penalty and margin, and the
    repetition penalty of wrong answers."""

    r_c0: float = Field(2.0, allow_inf_nan=False, description="correct answer, ℓ = 0")
    r_cL: float = Field(1.0, allow_inf_nan=False, description="correct answer, ℓ = L")
    r_w0: float = Field(-10.0, le=0, allow_inf_nan=False, description="wrong answer, ℓ = 0")
    r_wL: float = Field(0.0, le=0, allow_inf_nan=False, description="wrong answer, ℓ = L")
    r_exceed: float = Field(-10.0, allow_inf_nan=False, description="any answer that reaches the cap")
    exceed_margin: int = Field(16, ge=0, description="ℓ >= L - margin counts as hitting the cap (source: 16)")
    repetition_max_penalty: float = Field(
        0.0,
        le=0,
        allow_inf_nan=False,
        description="P_rep: penalty of a wrong answer made only of repeated n-grams (source default 0: off)",
    )
    repetition_ngram_size: int = Field(40, ge=1, description="n of the repetition n-grams (source scripts: 40 words)")
    repetition_input: RepetitionInput = Field(
        "auto", description="n-grams of token ids (auto: when the batch has them) or of lower-cased response words"
    )

    @model_validator(mode="after")
    def _ordered(self) -> "CosineParams":
        if self.r_w0 > self.r_c0 or self.r_wL > self.r_cL:
            raise ValueError("wrong endpoints must not exceed the correct ones (r_w0 <= r_c0, r_wL <= r_cL)")
        inert = sorted({"repetition_ngram_size", "repetition_input"} & self.model_fields_set)
        if self.repetition_max_penalty == 0 and inert:
            raise ValueError(f"{', '.join(inert)} only act with repetition_max_penalty < 0 (the penalty is off)")
        return self


def cos_fn(t: np.ndarray, cap: np.ndarray, r0, rL) -> np.ndarray:
    """r_L + ½(r_0 - r_L)(1 + cos(π·t/L)) with t/L clipped to [0, 1]."""
    progress = np.clip(np.asarray(t, dtype=np.float64) / np.asarray(cap, dtype=np.float64), 0.0, 1.0)
    return rL + 0.5 * (np.asarray(r0) - rL) * (1.0 + np.cos(np.pi * progress))


class CosineLength(RewardShaper):
    """Yeo et al. cosine reward: r_0→r_L by cos(πℓ/L), separately for correct and wrong (+ repetition penalty)."""

    name: ClassVar[str] = "cosine"
    wrong_may_outrank_correct: ClassVar[bool] = True
    Params = CosineParams
    params: CosineParams

    def repetition(self, batch, exceeded: np.ndarray) -> np.ndarray:
        """P_rep · rep(y) for the wrong answers below the cap, 0 elsewhere (and when P_rep = 0)."""
        p = self.params
        out = np.zeros(len(batch), dtype=np.float64)
        if p.repetition_max_penalty == 0:
            return out
        for i in np.flatnonzero(~batch.correct & ~exceeded):
            sequence = response_sequence(batch, int(i), p.repetition_input, self.name, lowercase=True)
            out[i] = p.repetition_max_penalty * repeated_ngram_share(sequence, p.repetition_ngram_size)
        return out

    def shape(self, batch, difficulty=None) -> ShapedRewards:
        p = self.params
        correct = batch.correct
        r0 = np.where(correct, p.r_c0, p.r_w0)
        rL = np.where(correct, p.r_cL, p.r_wL)
        scaled = cos_fn(batch.lengths, batch.caps, r0, rL)
        exceeded = batch.lengths >= batch.caps - p.exceed_margin
        repetition = self.repetition(batch, exceeded)
        rewards = np.where(exceeded, p.r_exceed, scaled + repetition)
        metrics = {"exceed_frac": float(exceeded.mean()) if len(batch) else 0.0}
        if p.repetition_max_penalty != 0 and len(batch):
            metrics["repetition_penalty_mean"] = float(repetition.mean())
        return ShapedRewards(
            rewards=rewards,
            terms={"correctness": rL, "length": rewards - rL - repetition, "repetition": repetition},
            metrics=metrics,
        )
