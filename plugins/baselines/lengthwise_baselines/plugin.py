"""Entry point of lengthwise-baselines: registers its six reward shapers."""

from lengthwise import hookimpl

from .arora_zanette import AroraZanette
from .cosine import CosineLength
from .dapo_overlong import DapoOverlong
from .kimi import KimiLengthPenalty
from .l1 import L1Exact, L1Max

REWARDS = (DapoOverlong, KimiLengthPenalty, L1Exact, L1Max, AroraZanette, CosineLength)


@hookimpl
def register_rewards(register):
    for cls in REWARDS:
        register(cls)
