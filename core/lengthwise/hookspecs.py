"""The hooks a lengthwise plugin may implement.

Every hook here is a *registration* hook: the host calls it once per plugin with a
``register`` callback, and the plugin calls ``register(StrategyClass)`` for each strategy it
provides (a subclass of :class:`lengthwise.strategy.Schedule`, ``RewardShaper`` or
``DifficultyEstimator`` with a class attribute ``name`` and a pydantic ``Params`` model).
All three hooks collect from every plugin (none is ``firstresult``); a name registered twice
for the same kind is an error that names both packages.
"""

from __future__ import annotations

from typing import Callable

import pluggy

hookspec = pluggy.HookspecMarker("lengthwise")
hookimpl = pluggy.HookimplMarker("lengthwise")

Register = Callable[[type], None]


@hookspec
def register_schedules(register: Register) -> None:
    """Register rollout-length schedules: classes with ``cap(step) -> int``."""


@hookspec
def register_rewards(register: Register) -> None:
    """Register reward shapers: classes with ``shape(batch, difficulty) -> ShapedRewards``."""


@hookspec
def register_difficulty_estimators(register: Register) -> None:
    """Register difficulty estimators: classes with ``estimate(batch) -> Difficulty``."""
