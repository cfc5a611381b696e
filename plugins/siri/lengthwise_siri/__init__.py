"""lengthwise-siri: SIRI's rollout-length schedules and the DeepScaleR/ThinkPrune stage schedules.

Schedules: ``siri-stair``, ``siri-cosine``, ``siri-stair-cosine``, ``deepscaler-stages``,
``thinkprune``. The ``constant`` schedule and the ``length-capped`` reward SIRI trains with are
lengthwise's built-ins (:mod:`lengthwise.default_plugins`).
"""

from __future__ import annotations

from .siri import SiriCosine, SiriParams, SiriSchedule, SiriStair, SiriStairCosine
from .stages import DeepScaleRStages, PiecewiseSchedule, StagesParams, ThinkPrune, ThinkPruneParams

__all__ = [
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
