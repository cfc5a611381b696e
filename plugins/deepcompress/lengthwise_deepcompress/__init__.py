"""lengthwise-deepcompress: DeepCompress (Liang et al. 2025, arXiv 2510.27419).

==============================  ==================================================  ==========
registered as                   module                                              kind
==============================  ==================================================  ==========
deepcompress                    :mod:`lengthwise_deepcompress.difficulty`           difficulty
deepcompress                    :mod:`lengthwise_deepcompress.dual_length_reward`   reward
==============================  ==================================================  ==========

The reward declares ``default_difficulty = "deepcompress"``, so a config that names only the
reward gets the model-aware estimator with its defaults (momentum 0.99); it reads the estimator's
score β = p(q) − P_t (``needs_difficulty = {"pass-rate-gap"}``, which the estimator ``provides``),
so another estimator is refused.
"""

from .difficulty import ModelAwareDifficulty
from .dual_length_reward import DualLengthReward

__all__ = ["ModelAwareDifficulty", "DualLengthReward"]
