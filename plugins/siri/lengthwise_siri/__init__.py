"""lengthwise-siri: SIRI's rollout-length schedules, stage schedules and the length-capped reward.

Schedules: ``constant``, ``siri-stair``, ``siri-cosine``, ``siri-stair-cosine``,
``deepscaler-stages``, ``thinkprune``. Reward shaper: ``length-capped``.
"""

from __future__ import annotations

from .constant import Constant
from .length_capped import LengthCapped, LengthCappedParams
from .siri import SiriCosine, SiriParams, SiriSchedule, SiriStair, SiriStairCosine
from .stages import DeepScaleRStages, PiecewiseSchedule, StagesParams, ThinkPrune, ThinkPruneParams

__all__ = [
    "Constant",
    "LengthCapped",
    "LengthCappedParams",
    "SiriCosine",
    "SiriParams",
    "SiriSchedule",
    "SiriStair",
    "SiriStairCosine",
    "DeepScaleRStages",
    "PiecewiseSchedule",
    "StagesParams",
    "ThinkPrune",
    "ThinkPruneParams",
]
