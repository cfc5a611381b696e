"""lengthwise-baselines: the length rewards the Laser paper's unified view compares against.

Every shaper here fits R̂(y) = C(y) + λ(y)·S(y) (Liu et al. 2025, arXiv 2505.15612, §4):
a correctness term C, a length term S and a gate λ saying to which responses S applies.

=================  ===========================================  ========================================
name               module                                       source
=================  ===========================================  ========================================
dapo-overlong      :mod:`lengthwise_baselines.dapo_overlong`    DAPO §3.4; verl reward_loop dapo.py
kimi               :mod:`lengthwise_baselines.kimi`             Kimi k1.5 §2.3.3; Laser compute_kimi_penalty
l1-exact, l1-max   :mod:`lengthwise_baselines.l1`               L1 / LCPO §3 (Aggarwal & Welleck 2025)
arora-zanette      :mod:`lengthwise_baselines.arora_zanette`    Arora & Zanette 2025 §3
cosine             :mod:`lengthwise_baselines.cosine`           Yeo et al. 2025 §4 (cosine reward)
=================  ===========================================  ========================================
"""

from .arora_zanette import AroraZanette
from .cosine import CosineLength
from .dapo_overlong import DapoOverlong
from .kimi import KimiLengthPenalty
from .l1 import L1Exact, L1Max

__all__ = ["AroraZanette", "CosineLength", "DapoOverlong", "KimiLengthPenalty", "L1Exact", "L1Max"]
