"""lengthwise — length-aware RL for reasoning LLMs on top of verl.

Public API:
    create(kind, name, **params)   build a registered strategy ("schedule" | "reward" | "difficulty")
    load_config(path)              read and validate a YAML config
    build_strategies(config)       build the strategies a config names
    LengthController               a run's schedule + difficulty + reward, with state
    RolloutBatch, Difficulty, ShapedRewards   the data strategies exchange
"""

from __future__ import annotations

from typing import Any

from .batch import BatchError, Difficulty, RolloutBatch, ShapedRewards
from .config import ConfigError, LengthwiseConfig, Strategies, build_strategies, load_config, parse_config
from .hookspecs import hookimpl
from .pipeline import LengthController, StepResult
from .registry import (
    PluginConflictError,
    StrategyParamsError,
    UnknownStrategyError,
    get_registry,
    reset_registry,
)
from .strategy import DifficultyEstimator, Kind, RewardShaper, Schedule, Strategy, StrictParams

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "create",
    "hookimpl",
    "load_config",
    "parse_config",
    "build_strategies",
    "get_registry",
    "reset_registry",
    "LengthController",
    "StepResult",
    "LengthwiseConfig",
    "Strategies",
    "RolloutBatch",
    "Difficulty",
    "ShapedRewards",
    "Strategy",
    "StrictParams",
    "Schedule",
    "RewardShaper",
    "DifficultyEstimator",
    "BatchError",
    "ConfigError",
    "UnknownStrategyError",
    "StrategyParamsError",
    "PluginConflictError",
]


def create(kind: Kind, name: str, **params: Any) -> Strategy:
    """Build the installed strategy ``name`` of ``kind`` with validated ``params``.

    >>> lengthwise.create("schedule", "siri-cosine", l_max=16384, l_min=8192, period=640).cap(0)
    16384
    """
    return get_registry().create(kind, name, params)
