"""Entry point of lengthwise-deepcompress: registers the difficulty estimator and reward shaper."""

from lengthwise import hookimpl

from .difficulty import ModelAwareDifficulty
from .dual_length_reward import DualLengthReward


@hookimpl
def register_difficulty_estimators(register):
    register(ModelAwareDifficulty)


@hookimpl
def register_rewards(register):
    register(DualLengthReward)
