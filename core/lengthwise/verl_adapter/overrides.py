"""A lengthwise config as verl hydra overrides (pure: imports neither verl nor hydra).

``lengthwise train`` runs ``python -m verl.trainer.main_ppo <overrides>``. The overrides come
from four layers, later layers winning key by key:

1. :func:`training_overrides` — the paper-facing ``training:`` section mapped onto verl keys, with
   ``data.max_response_length`` = the schedule's largest cap (verl sizes rollout buffers with it;
   the per-step cap itself is applied by the agent loop as vLLM ``max_tokens``);
2. :func:`wiring_overrides` — the lengthwise runtime classes verl must load (agent loop manager
   and loops, reward manager, replay buffer, checkpoint callback) and the config path every Ray
   worker reads. The keys themselves come from :func:`lengthwise.verl_adapter.state.adapter_overrides`,
   the one place to change when the runtime's class names move; this module adds the
   ``LENGTHWISE_CONFIG`` environment variable for the Ray job;
3. ``training.verl_overrides`` from the config file (dotted keys, passed through);
4. the user's own hydra overrides from the command line.

An override is ``[prefix]key=value`` with prefix ``+`` (add a key verl's struct config lacks),
``++`` (add or replace) or ``~`` (delete). :func:`merge_overrides` keeps one entry per key so a
later layer replaces an earlier one instead of tripping hydra's "already at key" error.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ConfigError, LengthwiseConfig
from .shipped_config import CONFIG_TEXT_ENV, encode_config
from .state import CONFIG_ENV, adapter_overrides  # no verl import: config lookup and run state only

__all__ = [
    "CONFIG_ENV_VAR",
    "PROJECT_NAME",
    "FILTER_GROUPS_METRIC",
    "CORRECT_BOOST_ESTIMATOR",
    "Override",
    "wiring_overrides",
    "training_overrides",
    "format_value",
    "parse_override",
    "merge_overrides",
    "build_overrides",
]

#: Environment variable naming the lengthwise config file inside every Ray worker.
CONFIG_ENV_VAR = CONFIG_ENV
#: ``trainer.project_name`` of every lengthwise run (the experiment name is the config's name).
PROJECT_NAME = "lengthwise"
#: The per-response key of the reward manager's ``reward_extra_info`` that DAPO dynamic sampling
#: filters on (groups whose responses all agree on it carry no gradient): correctness, as in DAPO.
FILTER_GROUPS_METRIC = "acc"
#: The advantage estimator lengthwise registers in verl's registry for DLER's correct-sample boost
#: (:mod:`lengthwise.verl_adapter.advantage`); it wraps ``training.adv_estimator``.
CORRECT_BOOST_ESTIMATOR = "lengthwise_correct_boost"


def wiring_overrides(config_path: Path, trainer_mode: str = "sync") -> list[str]:
    """The overrides that make verl run lengthwise's runtime classes for ``config_path``.

    The config path travels twice: as ``lengthwise.config_path`` in verl's config (read by every
    runtime class that receives verl's config) and as the ``LENGTHWISE_CONFIG`` environment
    variable of the Ray job (for code verl builds without its config). The file's text travels as
    ``LENGTHWISE_CONFIG_TEXT`` in the same environment, so workers on nodes that cannot read the
    path still load the config (:mod:`.shipped_config`). ``trainer_mode`` picks the
    replay buffer (verl's sync or async modes need different base classes).
    """
    path = str(Path(config_path).resolve())
    return [
        *adapter_overrides(path, trainer_mode),
        f"+ray_kwargs.ray_init.runtime_env.env_vars.{CONFIG_ENV_VAR}={format_value(path)}",
        # the file's text too, for nodes that cannot read the path (no shared filesystem)
        f"+ray_kwargs.ray_init.runtime_env.env_vars.{CONFIG_TEXT_ENV}={format_value(encode_config(path))}",
    ]


def _data_path(path: str) -> str:
    # Ray actors may run in another working directory: hand verl absolute paths. URLs and
    # scheme paths (hdfs://, s3://) pass through untouched.
    if "://" in path:
        return path
    return str(Path(path).expanduser().resolve())


def _model_path(path: str) -> str:
    # A local directory becomes absolute; anything else is a hub id and stays as written.
    p = Path(path).expanduser()
    return str(p.resolve()) if p.exists() else path


def _files(paths: Sequence[str]) -> str | list[str]:
    resolved = [_data_path(p) for p in paths]
    return resolved[0] if len(resolved) == 1 else resolved


def training_overrides(config: LengthwiseConfig, max_cap: int, experiment_name: str = "") -> dict[str, Any]:
    """verl keys for the config's ``training:`` section (values as Python objects).

    ``max_cap`` is the schedule's largest cap; ``data.max_response_length`` is the larger of it
    and ``training.val_response_length`` (verl sizes its buffers with it and the agent loop caps
    every request at it: a tight schedule must not shorten the held-out evaluation too; training
    requests get the schedule's cap, :mod:`.agent_loop`).
    Defaults that are not paper settings but that every paper script uses (dynamic batch size
    with one full sequence per micro-batch, padding removal, gradient checkpointing, vLLM with
    tensor parallel 1, console logging) are set here and can be overridden like anything else.
    """
    t = config.training
    response_len = max(max_cap, t.val_response_length or 0)
    seq_len = t.max_prompt_length + response_len
    out: dict[str, Any] = {
        # with a boost, verl runs lengthwise's estimator, which adds it to training.adv_estimator's advantage
        "algorithm.adv_estimator": CORRECT_BOOST_ESTIMATOR if t.correct_sample_advantage_boost > 0 else t.adv_estimator,
        "data.max_prompt_length": t.max_prompt_length,
        "data.max_response_length": response_len,
        "data.train_batch_size": t.train_batch_size,
        "data.filter_overlong_prompts": True,
        "actor_rollout_ref.model.path": _model_path(t.model_path),
        "actor_rollout_ref.model.use_remove_padding": True,
        "actor_rollout_ref.model.enable_gradient_checkpointing": True,
        # verl builds the HF model with override_config.attn_implementation, default
        # flash_attention_2 (workers/config/model.py), which needs the flash-attn package
        "++actor_rollout_ref.model.override_config.attn_implementation": t.attn_implementation,
        "actor_rollout_ref.actor.optim.lr": t.learning_rate,
        "actor_rollout_ref.actor.ppo_mini_batch_size": t.ppo_mini_batch_size,
        # Token-budgeted micro-batches; the ref and rollout log-prob passes inherit both values
        # through verl's own interpolations.
        "actor_rollout_ref.actor.use_dynamic_bsz": True,
        "actor_rollout_ref.actor.ppo_max_token_len_per_gpu": t.micro_batch_tokens or seq_len,
        "actor_rollout_ref.actor.clip_ratio_low": t.clip_ratio_low,
        "actor_rollout_ref.actor.clip_ratio_high": t.clip_ratio_high,
        "actor_rollout_ref.actor.loss_agg_mode": t.loss_agg_mode,
        "actor_rollout_ref.actor.entropy_coeff": t.entropy_coeff,
        "actor_rollout_ref.rollout.name": "vllm",
        "actor_rollout_ref.rollout.tensor_model_parallel_size": 1,
        "actor_rollout_ref.rollout.n": t.rollout_n,
        "actor_rollout_ref.rollout.temperature": t.temperature,
        "actor_rollout_ref.rollout.top_p": t.top_p,
        "actor_rollout_ref.rollout.val_kwargs.temperature": t.val_temperature,
        "actor_rollout_ref.rollout.val_kwargs.top_p": t.val_top_p,
        "actor_rollout_ref.rollout.val_kwargs.n": t.val_n,
        "actor_rollout_ref.rollout.val_kwargs.do_sample": True,
        "trainer.n_gpus_per_node": t.n_gpus_per_node,
        "trainer.nnodes": t.nnodes,
        "trainer.save_freq": t.save_freq,
        "trainer.test_freq": t.test_freq,
        "trainer.project_name": PROJECT_NAME,
        "trainer.experiment_name": experiment_name or config.name or "lengthwise",
        "trainer.logger": ["console"],
    }
    if t.train_files:
        out["data.train_files"] = _files(t.train_files)
    if t.val_files:
        out["data.val_files"] = _files(t.val_files)

    # KL: `use_kl_loss` puts it in the actor loss (k3 "low_var_kl", as Laser's script); otherwise
    # a positive `kl_coef` is an in-reward penalty; zero means no reference model at all.
    if t.use_kl_loss:
        out["actor_rollout_ref.actor.use_kl_loss"] = True
        out["actor_rollout_ref.actor.kl_loss_coef"] = t.kl_coef
        out["actor_rollout_ref.actor.kl_loss_type"] = "low_var_kl"
        out["algorithm.use_kl_in_reward"] = False
    else:
        out["actor_rollout_ref.actor.use_kl_loss"] = False
        out["algorithm.use_kl_in_reward"] = t.kl_coef > 0
        if t.kl_coef > 0:
            out["algorithm.kl_ctrl.kl_coef"] = t.kl_coef

    # verl stops at whichever of total_epochs / total_training_steps comes first (V1 fit loop),
    # so a step budget needs enough epochs: every epoch is at least one step.
    if t.total_training_steps is not None:
        out["trainer.total_training_steps"] = t.total_training_steps
        explicit_epochs = "total_epochs" in t.model_fields_set
        out["trainer.total_epochs"] = t.total_epochs if explicit_epochs else t.total_training_steps
    else:
        out["trainer.total_epochs"] = t.total_epochs

    if t.tokenizer_path:
        out["actor_rollout_ref.model.tokenizer_path"] = _model_path(t.tokenizer_path)
    if t.device == "cpu":
        from .cpu import ENV, cpu_overrides, vllm_cpu_overrides

        out.update(cpu_overrides(t.n_gpus_per_node))
        if t.rollout_engine == "vllm":
            out.update(vllm_cpu_overrides())
        for name, value in ENV.items():
            out[f"+ray_kwargs.ray_init.runtime_env.env_vars.{name}"] = value

    if t.old_log_probs == "rollout":
        # verl's bypass mode (trainer_base._compute_old_log_prob): old_log_probs := rollout_log_probs
        out["actor_rollout_ref.rollout.calculate_log_probs"] = True
        out["algorithm.rollout_correction.bypass_mode"] = True

    if t.filter_groups:
        # DAPO dynamic sampling; verl's parent ReplayBuffer.sample filters, LengthwiseReplayBuffer
        # hands it these settings from verl's config.
        out["algorithm.filter_groups.enable"] = True
        out["algorithm.filter_groups.metric"] = FILTER_GROUPS_METRIC
    return out


# Hydra's unquoted-string grammar is wider than this, but a value made only of these characters
# is certainly read back as the same string.
_PLAIN = re.compile(r"^[A-Za-z0-9_./:@+\-]+$")
_NON_STRING = re.compile(
    r"^([+-]?(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?|[+-]?(inf|nan)|true|false|null|none)$", re.IGNORECASE
)


def format_value(value: Any) -> str:
    """``value`` as a hydra override literal that parses back to the same value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        if value and _PLAIN.match(value) and not _NON_STRING.match(value):
            return value
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return f"'{escaped}'"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    raise ConfigError(f"cannot pass a {type(value).__name__} value ({value!r}) to verl as an override")


@dataclass(frozen=True)
class Override:
    """One hydra override split into its parts."""

    prefix: str  # "", "+", "++" or "~"
    key: str
    value: str | None  # None: "~key" without a value

    def __str__(self) -> str:
        return f"{self.prefix}{self.key}" if self.value is None else f"{self.prefix}{self.key}={self.value}"


def parse_override(text: str) -> Override:
    """Split ``[+|++|~]key[=value]``; a missing ``=`` is an error except for deletions."""
    prefix = "++" if text.startswith("++") else text[:1] if text[:1] in ("+", "~") else ""
    body = text[len(prefix) :]
    key, eq, value = body.partition("=")
    key = key.strip()
    if not key or (not eq and prefix != "~"):
        raise ConfigError(f"bad override {text!r}: expected key=value (e.g. trainer.n_gpus_per_node=4)")
    return Override(prefix, key, value if eq else None)


def merge_overrides(layers: Iterable[Iterable[str]]) -> list[str]:
    """Flatten override layers into one list with one entry per key, later layers winning.

    The winner keeps an earlier ``+``: whether a key needs ``+`` depends on verl's schema, not on
    who sets it, so a user re-setting a lengthwise ``+key`` need not repeat the ``+``.
    """
    merged: dict[str, Override] = {}
    for layer in layers:
        for text in layer:
            new = parse_override(text)
            old = merged.pop(new.key, None)
            if old is not None and new.prefix == "" and old.prefix in ("+", "++"):
                new = Override(old.prefix, new.key, new.value)
            merged[new.key] = new
    return [str(o) for o in merged.values()]


def build_overrides(
    config: LengthwiseConfig,
    config_path: Path,
    max_cap: int,
    user_overrides: Sequence[str] = (),
) -> list[str]:
    """Every override for ``config`` in launch order (see the module docstring for the layers)."""
    name = config.name or Path(config_path).stem
    base = [f"{k}={format_value(v)}" for k, v in training_overrides(config, max_cap, name).items()]
    passthrough = [f"{k}={format_value(v)}" for k, v in config.training.verl_overrides.items()]
    mode = "sync"
    for text in [*passthrough, *user_overrides]:
        o = parse_override(text)
        if o.key == "trainer.v1.trainer_mode" and o.value:
            mode = o.value.strip("'\"")
    merged = merge_overrides([base, wiring_overrides(config_path, mode), passthrough, user_overrides])
    keys = {parse_override(o).key for o in merged}
    missing = [
        f"training.{field} (or the override {key}=...)"
        for field, key in (("train_files", "data.train_files"), ("val_files", "data.val_files"))
        if key not in keys
    ]
    if missing:
        raise ConfigError(f"{config_path}: no data files: set " + " and ".join(missing))
    return merged
