"""lengthwise-dler: the reward side of DLER (Liu et al. 2025, "DLER: Doing Length pEnalty Right",
arXiv 2510.15110; NVlabs/DLER ``verl-dler/``).

DLER is a recipe: the simplest length penalty (truncation at the rollout cap) plus optimisation
fixes. The reward side lives here as strategies; the optimisation side is verl's, set from the
config's ``training:`` section (see ``configs/dler-r1-1.5b.yaml``):

=================  =================================================  =========================================
name               module                                             source
=================  =================================================  =========================================
dler               :mod:`lengthwise_dler.truncation`                  dler.sh:19,110; reward_manager/dapo.py:56-68
da-dler            :mod:`lengthwise_dler.difficulty_aware`            arXiv 2510.15110 abstract (rule not public)
pass-rate          :mod:`lengthwise_dler.pass_rate`                   (difficulty: group pass rate, for da-dler)
=================  =================================================  =========================================

The optimisation side, by verl setting (lengthwise ``training:`` key in brackets):
batch-wise normalisation = verl's ``reinforce_plus_plus_baseline`` (``adv_estimator``), the
correct-sample advantage boost = lengthwise's registered estimator ``lengthwise_correct_boost``
(``correct_sample_advantage_boost``, :mod:`lengthwise.verl_adapter.advantage`), clip-higher
(``clip_ratio_high: 0.28``), dynamic sampling (``filter_groups: true``), KL loss 0.0005
(``use_kl_loss``, ``kl_coef``).
"""

from .difficulty_aware import DifficultyAwareDler
from .pass_rate import GroupPassRate
from .truncation import DlerTruncation

__all__ = ["DifficultyAwareDler", "DlerTruncation", "GroupPassRate"]
