"""Hook implementations: registers this package's schedules and reward shaper with lengthwise."""

from __future__ import annotations

from lengthwise import hookimpl

from .constant import Constant
from .length_capped import LengthCapped
from .siri import SiriCosine, SiriStair, SiriStairCosine
from .stages import DeepScaleRStages, ThinkPrune

SCHEDULES = (Constant, SiriStair, SiriCosine, SiriStairCosine, DeepScaleRStages, ThinkPrune)
REWARDS = (LengthCapped,)


@hookimpl
def register_schedules(register):
    for cls in SCHEDULES:
        register(cls)


@hookimpl
def register_rewards(register):
    for cls in REWARDS:
        register(cls)
