"""lengthwise's built-in strategies, registered through the same hooks as an external plugin.

* schedule ``constant`` — L_t = L (the fixed ``max_tokens`` of a plain GRPO run);
* reward ``length-capped`` — R = correct_reward if the answer in clip(y, L_t) is correct, else
  wrong_reward (DeepScaleR / SIRI / ThinkPrune's outcome reward).

Every method's configs need one of these, so they ship with the host: a registry holding only
``lengthwise-laser`` runs the Laser configs. The registry loads this package before any entry
point (as simonw/llm's ``DEFAULT_PLUGINS``), under the package name ``lengthwise``.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from .constant import Constant, ConstantParams
from .length_capped import LengthCapped, LengthCappedParams, capped_verdict

__all__ = ["Constant", "ConstantParams", "LengthCapped", "LengthCappedParams", "capped_verdict"]


@hookimpl
def register_schedules(register):
    register(Constant)


@hookimpl
def register_rewards(register):
    register(LengthCapped)
