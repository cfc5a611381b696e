"""Config files: YAML that selects strategies by name and carries the training setup.

A config names one schedule, one reward shaper and optionally one difficulty estimator, each
as ``{name: ..., params: {...}}``; parameters are validated against the strategy's own pydantic
model when the config is built. Example::

    schedule: {name: siri-cosine, params: {l_max: 16384, l_min: 8192, period: 640}}
    reward:   {name: length-capped, params: {correct_reward: 1.0, wrong_reward: 0.0}}
    training: {model_path: deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B, rollout_n: 32}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .registry import Registry, StrategyParamsError, UnknownStrategyError, format_validation_error, get_registry
from .scoring.options import GradeOptions
from .strategy import DifficultyEstimator, RewardShaper, Schedule

__all__ = [
    "StrategyRef",
    "TrainingConfig",
    "LengthwiseConfig",
    "ConfigError",
    "Strategies",
    "load_config",
    "parse_config",
    "build_strategies",
]


class ConfigError(ValueError):
    """A config that cannot be used; the message names the problem and the valid choices."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StrategyRef(_Model):
    """A strategy selected by its registered name, with its parameters."""

    name: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class TrainingConfig(_Model):
    """The run around the strategies: model, data and the RL algorithm's hyperparameters.

    Field names follow the papers; ``lengthwise train`` maps them onto verl's config keys and
    ``verl_overrides`` passes anything else through as dotted hydra overrides.
    """

    model_path: str = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
    train_files: list[str] = Field(default_factory=list)
    val_files: list[str] = Field(default_factory=list)
    algorithm: Literal["grpo", "dapo"] = "grpo"
    rollout_n: int = Field(8, ge=1)
    train_batch_size: int = Field(128, ge=1)
    ppo_mini_batch_size: int = Field(64, ge=1)
    learning_rate: float = Field(1e-6, gt=0)
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1)
    clip_ratio_low: float = Field(0.2, ge=0)
    clip_ratio_high: float = Field(0.2, ge=0)
    kl_coef: float = Field(0.0, ge=0)
    use_kl_loss: bool = False
    entropy_coeff: float = Field(0.0, ge=0)
    loss_agg_mode: Literal["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"] = (
        "token-mean"
    )
    filter_groups: bool = False
    max_prompt_length: int = Field(1024, ge=1)
    total_training_steps: int | None = Field(None, ge=1)
    total_epochs: int = Field(1, ge=1)
    val_response_length: int | None = Field(None, ge=1, description="generation length for validation")
    val_temperature: float = Field(0.6, gt=0)
    val_top_p: float = Field(0.95, gt=0, le=1)
    val_n: int = Field(1, ge=1)
    save_freq: int = Field(20, ge=-1)
    test_freq: int = Field(20, ge=-1)
    n_gpus_per_node: int = Field(8, ge=1)
    nnodes: int = Field(1, ge=1)
    verl_overrides: dict[str, Any] = Field(default_factory=dict)


class LengthwiseConfig(_Model):
    """A whole lengthwise config file."""

    name: str = ""
    description: str = ""
    source: str = Field("", description="paper / script the settings come from")
    schedule: StrategyRef
    reward: StrategyRef
    difficulty: StrategyRef | None = None
    scoring: GradeOptions = Field(default_factory=GradeOptions)  # the scorer's options (lengthwise.scoring)
    training: TrainingConfig = Field(default_factory=TrainingConfig)

    @field_validator("schedule", "reward", "difficulty", mode="before")
    @classmethod
    def _name_shorthand(cls, v: Any) -> Any:
        # `schedule: siri-cosine` is accepted as `schedule: {name: siri-cosine}`.
        return {"name": v} if isinstance(v, str) else v


def parse_config(data: Any, origin: str = "<config>") -> LengthwiseConfig:
    """Validate an already-loaded mapping as a :class:`LengthwiseConfig`."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return LengthwiseConfig.model_validate(data)
    except ValidationError as err:
        details = format_validation_error(err, joiner="\n", indent="  ")
        raise ConfigError(f"{origin}: invalid config\n{details}") from None


def load_config(path: str | Path) -> LengthwiseConfig:
    """Read and validate a YAML config file (strategy names are checked by :func:`build_strategies`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config ({err.strerror or err})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    return parse_config(data, str(path))


@dataclass
class Strategies:
    """The strategies a config builds."""

    schedule: Schedule
    reward: RewardShaper
    difficulty: DifficultyEstimator | None


def build_strategies(config: LengthwiseConfig, registry: Registry | None = None) -> Strategies:
    """Build the config's schedule, reward and difficulty estimator.

    When the config names no difficulty estimator and the reward declares a
    ``default_difficulty``, that estimator is built with default parameters.
    """
    registry = registry or get_registry()
    errors: list[str] = []
    built: dict[str, Any] = {}
    for field, kind in (("schedule", "schedule"), ("reward", "reward"), ("difficulty", "difficulty")):
        ref: StrategyRef | None = getattr(config, field)
        if ref is None:
            continue
        try:
            built[field] = registry.create(kind, ref.name, ref.params)
        except (UnknownStrategyError, StrategyParamsError) as err:
            errors.append(f"  {field}: {err}")
    if errors:
        raise ConfigError("invalid strategies\n" + "\n".join(errors))
    reward: RewardShaper = built["reward"]
    difficulty = built.get("difficulty")
    if difficulty is None and reward.default_difficulty is not None:
        difficulty = registry.create("difficulty", reward.default_difficulty)
    return Strategies(schedule=built["schedule"], reward=reward, difficulty=difficulty)
