"""Length-capped correctness reward (DeepScaleR's outcome reward, used by SIRI and ThinkPrune).

R(y) = correct_reward if an answer extracted from clip(y, L_t) is correct, else wrong_reward;
default scale {1, 0} (SIRI §3 problem formulation: R(y) = 1 if the answer is right, else 0;
DeepScaleR's reward: 1 if correct, 0 if wrong or unformatted). The cap L_t is the step's
schedule value, carried per response in ``batch.caps``. There is no length term: the cap acts
only through the verdict, which is what makes SIRI's compression phase compress.

``batch.correct`` is already graded on clip(y, L_t) by the host's scorer, so by default
(``cap_rule="verdict"``) it is used as it is. A response longer than its cap whose clipped
prefix holds a correct answer is, under that definition, correct: re-marking it wrong would
change the method. Two stricter rules are available for hosts or papers that need them:

* ``cap_rule="exceeds"``: also wrong when ℓ(y) > L_t. Only matters when the verdict was not
  cap-graded (e.g. ``scoring.cap_grading: false``, or a generation cap above the schedule's
  L_t); with SIRI's sampling (max_tokens = L_t) no response exceeds its cap and this equals
  "verdict".
* ``cap_rule="reaches"``: wrong when ℓ(y) ≥ L_t, i.e. the response used the whole budget and
  was (almost surely) cut off. This is ThinkPrune's reading ("unfinished thoughts and answers
  are discarded, resulting in a zero reward", arXiv 2504.01296 §3), and what its configs use.
  (Its code, UCSB-NLP-Chang/ThinkPrune ``verl/trainer/main_ppo.py`` ``RewardManager`` with
  ``qwen_math.compute_score``, grades the cut text with no length check, i.e. ``verdict``; the two
  differ only for a response that wrote its answer and then ran into the cap.)

A rule only ever turns a correct verdict into a wrong one and wrong_reward <= correct_reward
(checked by CorrectnessParams), so a wrong response never outranks a correct one.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..batch import Difficulty, RolloutBatch, ShapedRewards
from ..strategy import RewardShaper
from ..terms import CorrectnessParams, correctness_reward

__all__ = ["LengthCappedParams", "LengthCapped", "capped_verdict"]


class LengthCappedParams(CorrectnessParams):
    """Reward scale ({1, 0} in DeepScaleR/SIRI) and how the cap enters the verdict."""

    correct_reward: float = Field(1.0, allow_inf_nan=False, description="reward of a correct answer (SIRI: 1)")
    wrong_reward: float = Field(
        0.0, allow_inf_nan=False, description="reward of a wrong, unparseable or cut-off answer (SIRI: 0)"
    )
    cap_rule: Literal["verdict", "exceeds", "reaches"] = Field(
        "verdict",
        description="verdict: trust the cap-graded verdict; exceeds: also wrong if length > cap; "
        "reaches: also wrong if length >= cap (truncated)",
    )


def capped_verdict(
    correct: np.ndarray, lengths: np.ndarray, caps: np.ndarray, rule: Literal["verdict", "exceeds", "reaches"]
) -> np.ndarray:
    """The verdict after applying ``rule`` (a boolean array; never turns wrong into correct)."""
    correct = np.asarray(correct, dtype=bool)
    if rule == "exceeds":
        return correct & (lengths <= caps)
    if rule == "reaches":
        return correct & (lengths < caps)
    return correct.copy()


class LengthCapped(RewardShaper):
    """Length-capped correctness: R = correct_reward if clip(y, L_t) is correct, else wrong_reward."""

    name = "length-capped"
    Params = LengthCappedParams

    def shape(self, batch: RolloutBatch, difficulty: Difficulty | None = None) -> ShapedRewards:
        p = self.params
        verdict = capped_verdict(batch.correct, batch.lengths, batch.caps, p.cap_rule)
        rewards = correctness_reward(verdict, p)
        n = len(batch)
        metrics = {
            "accuracy": float(verdict.mean()) if n else 0.0,
            "at_cap_share": float((batch.lengths >= batch.caps).mean()) if n else 0.0,
            "over_cap_share": float((batch.lengths > batch.caps).mean()) if n else 0.0,
            "overridden": float(np.count_nonzero(batch.correct & ~verdict)),
        }
        return ShapedRewards(
            rewards=rewards,
            terms={"correctness": rewards.copy(), "length": np.zeros(n, dtype=np.float64)},
            metrics=metrics,
        )
