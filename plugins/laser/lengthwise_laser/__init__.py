"""lengthwise-laser: Laser, Laser-D and Laser-DE (Liu et al. 2025, "Learn to Reason Efficiently
with Adaptive Length-based Reward Shaping", arXiv 2505.15612; code hkust-nlp/Laser).

==============  ===========================================  ==========
registered as   module                                       kind
==============  ===========================================  ==========
laser           :mod:`lengthwise_laser.laser`                reward
laser-d         :mod:`lengthwise_laser.laser_d`              reward
laser-de        :mod:`lengthwise_laser.laser_de`             reward
laser-buckets   :mod:`lengthwise_laser.buckets`              difficulty
==============  ===========================================  ==========

Helpers: :mod:`lengthwise_laser.targets` (coverage statistics and the target-length choice),
:mod:`lengthwise_laser.repetition` (Laser-DE's n-gram repetition check). ``laser-d`` and
``laser-de`` declare ``default_difficulty = "laser-buckets"`` and read its ``"accuracy-buckets"``
(``needs_difficulty``), which ``laser-buckets`` ``provides``; another estimator is refused.
"""

from .buckets import LaserBuckets
from .laser import Laser
from .laser_d import LaserD
from .laser_de import LaserDE

__all__ = ["Laser", "LaserD", "LaserDE", "LaserBuckets"]
