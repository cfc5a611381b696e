"""Hook implementations: registers Laser, Laser-D, Laser-DE and the Laser-D buckets with lengthwise."""

from __future__ import annotations

from lengthwise import hookimpl

from .buckets import LaserBuckets
from .laser import Laser
from .laser_d import LaserD
from .laser_de import LaserDE

REWARDS = (Laser, LaserD, LaserDE)
DIFFICULTY_ESTIMATORS = (LaserBuckets,)


@hookimpl
def register_rewards(register):
    for cls in REWARDS:
        register(cls)


@hookimpl
def register_difficulty_estimators(register):
    for cls in DIFFICULTY_ESTIMATORS:
        register(cls)
