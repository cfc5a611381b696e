"""Entry point of lengthwise-dler: registers DLER's two reward shapers and their difficulty estimator."""

from lengthwise import hookimpl

from .difficulty_aware import DifficultyAwareDler
from .pass_rate import GroupPassRate
from .truncation import DlerTruncation

REWARDS = (DlerTruncation, DifficultyAwareDler)
DIFFICULTY = (GroupPassRate,)


@hookimpl
def register_rewards(register):
    for cls in REWARDS:
        register(cls)


@hookimpl
def register_difficulty_estimators(register):
    for cls in DIFFICULTY:
        register(cls)
