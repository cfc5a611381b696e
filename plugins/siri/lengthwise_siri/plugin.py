"""Hook implementations: registers this package's schedules with lengthwise.

(``constant`` and ``length-capped``, which SIRI's configs use, are lengthwise's built-ins.)
"""

from __future__ import annotations

from lengthwise import hookimpl

from .siri import SiriCosine, SiriStair, SiriStairCosine
from .stages import DeepScaleRStages, ThinkPrune

SCHEDULES = (SiriStair, SiriCosine, SiriStairCosine, DeepScaleRStages, ThinkPrune)


@hookimpl
def register_schedules(register):
    for cls in SCHEDULES:
        register(cls)
