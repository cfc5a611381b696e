"""Check a ``lengthwise train`` launch without a GPU: compose verl's config and validate it.

Steps, each of which raises :class:`DryRunError` with a one-line message:

0. the user's overrides (command line and the config's ``verl_overrides``) are type-checked
   against verl's schema (:mod:`lengthwise.verl_adapter.override_types`): unknown keys with a
   did-you-mean, values that do not fit the key's type, before verl composes anything;
1. compose verl's ``ppo_trainer`` config with hydra from the installed ``verl.trainer.config``
   and the launch overrides (unknown keys, missing ``+``, bad values fail here);
2. resolve every interpolation and report mandatory values (``???``) left unset in the parts
   that will run (the disabled reward model's rollout section is ignored, as verl does);
3. verl's own ``validate_config`` with ``need_reference_policy``/``need_critic``, and the
   rollout and algorithm sections converted to their dataclasses (their ``__post_init__``
   checks); the model and reward sections are not converted: ``HFModelConfig`` downloads the
   tokenizer, and the reward section's dataclass does not accept verl's own YAML in 0.9.1;
4. lengthwise's checks: the strategies build, every cap fits ``data.max_response_length``, the
   validation length too, the rollout tensor-parallel size divides the GPUs of a node, and the
   lengthwise runtime is wired in (``state.wiring_problems``) and every class the config names
   imports (a lengthwise module not written yet is skipped with a note);
5. counts and rates that must be positive are (``override_types.POSITIVE``), and every local
   data file exists (the error names the ``lengthwise prepare-data`` command that writes it).

What a GPU run needs beyond this (vllm or sglang for the rollout, flash-attn when the model's
attention is ``flash_attention_2``, math-verify for the scorer's fallback) is reported in
:attr:`DryRunReport.requirements`, not enforced: a dry run works on a laptop.

verl prints to stdout and logs while importing and validating; that output is captured and
returned separately so the caller decides whether to show it.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import io
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ConfigError, LengthwiseConfig, Strategies, build_strategies
from ..data.specs import DATASETS
from .override_types import OverrideTypeError, check_override_types, check_positive
from .overrides import parse_override

__all__ = ["DryRunError", "DryRunReport", "compose_verl_config", "dry_run"]


class DryRunError(Exception):
    """A launch that verl or lengthwise would reject; the message says what to change."""


@dataclass
class DryRunReport:
    """What a successful dry run found."""

    resolved: dict[str, Any]  # the full verl config, interpolations resolved
    notes: list[str] = field(default_factory=list)  # checks skipped and other remarks
    verl_output: str = ""  # what verl printed/logged meanwhile
    requirements: list[str] = field(default_factory=list)  # what a GPU run needs: "name: ok|missing (...)"


def compose_verl_config(overrides: Sequence[str]) -> Any:
    """verl's ``ppo_trainer`` config with ``overrides`` applied (an OmegaConf DictConfig)."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    # A hydra app (or an earlier compose) may still hold the global instance.
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module="verl.trainer.config", version_base=None):
            return compose(config_name="ppo_trainer", overrides=list(overrides))
    except Exception as err:  # hydra's override/config errors share no base class worth naming
        raise DryRunError(f"verl rejected the overrides: {_one_paragraph(err)}") from None
    finally:
        GlobalHydra.instance().clear()


@functools.lru_cache(maxsize=1)
def verl_schema() -> dict[str, Any]:
    """verl's ``ppo_trainer`` config with no overrides, as containers (interpolations kept)."""
    from omegaconf import OmegaConf

    return OmegaConf.to_container(compose_verl_config([]), resolve=False)  # type: ignore[return-value]


def _prepare_data_hint(path: Path) -> str:
    """The ``lengthwise prepare-data`` command that writes ``path`` (OUT/NAME/SPLIT.parquet)."""
    spec = DATASETS.get(path.parent.name)
    if spec is None or path.suffix != ".parquet":
        return f"write it with `lengthwise prepare-data NAME --out DIR` (NAME: {', '.join(sorted(DATASETS))})"
    split = "" if path.stem == spec.split else f" --split {path.stem}"
    return f"write it with `lengthwise prepare-data {spec.name} --out {path.parent.parent}{split}`"


def _data_files_from_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    """``data.train_files``/``data.val_files`` as the overrides set them (no interpolation), so a
    missing file is reported before verl is imported."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    found: dict[str, Any] = {}
    for text in overrides:
        if text.startswith(("data.train_files=", "data.val_files=")):
            try:
                value = parser.parse_override(text).value()
            except Exception:  # left to hydra's own error in compose
                continue
            if "${" not in str(value):
                found[text.split("=", 1)[0].split(".", 1)[1]] = value
    return {"data": found}


def _check_data_files(resolved: dict[str, Any]) -> None:
    for key in ("train_files", "val_files"):
        value = resolved["data"].get(key)
        for name in value if isinstance(value, list) else [value]:
            if not isinstance(name, str) or "://" in name:
                continue  # remote (hdfs://, s3://): verl copies it; nothing to check here
            path = Path(name).expanduser()
            if not path.is_file():
                what = "is not a regular file" if path.exists() else "does not exist"
                raise DryRunError(f"data.{key}: {path} {what}; {_prepare_data_hint(path)}")


def _model_paths_from_overrides(overrides: Sequence[str]) -> dict[str, str]:
    found = {}
    for text in overrides:
        for key in ("actor_rollout_ref.model.path", "actor_rollout_ref.model.tokenizer_path"):
            if text.startswith(key + "="):
                found[key] = text.split("=", 1)[1].strip("'\"")
    return found


def check_local_inputs(overrides: Sequence[str]) -> None:
    """Data files and local model folders the run names exist (fast, before verl is imported).

    A model path is local when it is absolute or starts with ``.`` or ``~`` (anything else is a
    hub id, which verl downloads); a missing one is a :class:`DryRunError` naming it.
    """
    _check_data_files(_data_files_from_overrides(overrides))
    for key, value in _model_paths_from_overrides(overrides).items():
        if value in ("", "null") or not value.startswith(("/", ".", "~")):
            continue
        path = Path(value).expanduser()
        if not (path / "config.json").is_file() and not (path / "tokenizer.json").is_file() and not (path / "tokenizer_config.json").is_file():
            what = "does not exist" if not path.exists() else "holds no Hugging Face model or tokenizer files"
            raise DryRunError(
                f"{key}: {path} {what}; give a model folder or hub id in training.model_path "
                "(the demo's tiny model: `training.assets: cpu-tiny`, as in configs/cpu-tiny.yaml)"
            )


def _requirements(resolved: dict[str, Any]) -> list[str]:
    """What the GPU run will import, and whether it is installed here."""
    def have(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    needs: list[tuple[str, str, str]] = []
    engine = str(resolved["actor_rollout_ref"]["rollout"].get("name"))
    if engine in ("vllm", "sglang"):
        needs.append((engine, engine, f"pip install 'lengthwise[{engine}]'" if engine == "vllm" else "pip install sglang"))
    override = resolved["actor_rollout_ref"]["model"].get("override_config") or {}
    attn = override.get("attn_implementation", "flash_attention_2")  # verl's default when unset
    if attn == "flash_attention_2":
        needs.append((
            "flash-attn", "flash_attn",
            "pip install flash-attn, or +actor_rollout_ref.model.override_config.attn_implementation=sdpa",
        ))
    needs.append(("math-verify", "math_verify", "pip install 'lengthwise[verl]'"))
    return [f"{name}: ok" if have(module) else f"{name}: missing ({how})" for name, module, how in needs]


def _one_paragraph(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def _missing_values(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [m for k, v in node.items() for m in _missing_values(v, f"{path}.{k}" if path else str(k))]
    if isinstance(node, list):
        return [m for i, v in enumerate(node) for m in _missing_values(v, f"{path}[{i}]")]
    return [path] if node == "???" else []


@contextlib.contextmanager
def _captured(sink: io.StringIO):
    """Route stdout, stderr, warnings and log records to ``sink`` for the block's duration."""
    handler = logging.StreamHandler(sink)
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [handler]
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = lambda msg, cat, *_a, **_k: sink.write(f"{cat.__name__}: {msg}\n")
            yield
    finally:
        root.handlers = saved


def _wired_objects(cfg: Any) -> list[tuple[str, str, str]]:
    """``(config key, module, attribute)`` of every runtime object the composed config names."""
    from omegaconf import OmegaConf

    def fqn(key: str) -> tuple[str, str, str]:
        module, _, attr = str(OmegaConf.select(cfg, key)).rpartition(".")
        return key, module, attr

    def pkg(key: str, path_key: str) -> tuple[str, str, str]:
        # verl's load_extern_object form: "pkg://dotted.module" plus a separate object name
        path = str(OmegaConf.select(cfg, f"{key}.{path_key}"))
        return key, path.removeprefix("pkg://"), str(OmegaConf.select(cfg, f"{key}.name"))

    found = [
        fqn("actor_rollout_ref.rollout.agent.agent_loop_manager_class"),
        pkg("reward.reward_manager", "module.path"),
        pkg("trainer.v1.sampler.custom_sampler", "path"),
        fqn("trainer.checkpoint_callback_class"),
    ]
    loops_path = Path(str(cfg.actor_rollout_ref.rollout.agent.agent_loop_config_path))
    if loops_path.is_file():
        default = str(cfg.actor_rollout_ref.rollout.agent.default_agent_loop)
        entries = OmegaConf.load(loops_path)
        target = next((str(e["_target_"]) for e in entries if str(e.get("name")) == default), None)
        if target is None:
            raise DryRunError(f"{loops_path} has no agent loop named {default!r} (default_agent_loop)")
        module, _, attr = target.rpartition(".")
        found.append((f"{loops_path.name}:{default}", module, attr))
    return found


def _check_wiring(cfg: Any, notes: list[str]) -> None:
    from .state import wiring_problems

    problems = wiring_problems(cfg)
    if problems:
        raise DryRunError("lengthwise's runtime is not wired into verl: " + "; ".join(problems))
    for key, module, attr in _wired_objects(cfg):
        if module.startswith("lengthwise.") and importlib.util.find_spec(module) is None:
            notes.append(f"skipped: {module} (for {key}) is not installed yet, so {attr} was not import-checked")
            continue
        try:
            obj = getattr(importlib.import_module(module), attr)
        except AttributeError:
            raise DryRunError(f"{key} names {module}.{attr}, but {module} defines no {attr}") from None
        except Exception as err:
            raise DryRunError(f"cannot import {module} (named by {key}): {_one_paragraph(err)}") from None
        if not callable(obj):
            raise DryRunError(f"{module}.{attr} (named by {key}) is not a class")


def _lengthwise_checks(cfg: Any, config: LengthwiseConfig, strategies: Strategies) -> None:
    max_len = int(cfg.data.max_response_length)
    sched = strategies.schedule
    if sched.max_cap > max_len:
        raise DryRunError(
            f"the schedule's largest cap ({sched.max_cap}) exceeds data.max_response_length ({max_len}): "
            f"verl truncates every response at data.max_response_length; raise it to at least {sched.max_cap}"
        )
    if int(cfg.actor_rollout_ref.rollout.response_length) < sched.max_cap:
        raise DryRunError(
            f"actor_rollout_ref.rollout.response_length ({cfg.actor_rollout_ref.rollout.response_length}) is "
            f"below the schedule's largest cap ({sched.max_cap})"
        )
    val_len = config.training.val_response_length
    if val_len is not None and val_len > max_len:
        raise DryRunError(
            f"training.val_response_length ({val_len}) exceeds data.max_response_length ({max_len}): validation "
            f"runs on the same rollout server; add the override data.max_response_length={val_len}"
        )
    n_gpus = int(cfg.trainer.n_gpus_per_node)
    tp = int(cfg.actor_rollout_ref.rollout.tensor_model_parallel_size)
    if tp < 1 or n_gpus % tp:
        raise DryRunError(
            f"actor_rollout_ref.rollout.tensor_model_parallel_size ({tp}) must divide "
            f"trainer.n_gpus_per_node ({n_gpus})"
        )
    seq = int(cfg.data.max_prompt_length) + max_len
    actor = cfg.actor_rollout_ref.actor
    if actor.use_dynamic_bsz and int(actor.ppo_max_token_len_per_gpu) < seq:
        raise DryRunError(
            f"actor_rollout_ref.actor.ppo_max_token_len_per_gpu ({actor.ppo_max_token_len_per_gpu}) is below one "
            f"full sequence (max_prompt_length + max_response_length = {seq})"
        )
    if str(cfg.reward.reward_manager.name) == "dapo" and config.reward.name == "dapo-overlong":
        raise DryRunError(
            "reward.reward_manager.name=dapo would apply DAPO's overlong penalty a second time: the lengthwise "
            "reward dapo-overlong already does it"
        )


def dry_run(
    config: LengthwiseConfig, overrides: Sequence[str], user_overrides: Sequence[str] | None = None
) -> DryRunReport:
    """Compose, resolve and validate the launch of ``config`` with ``overrides`` (see module doc).

    ``user_overrides`` are the ones a person wrote (command line, ``verl_overrides``): they are
    type-checked against verl's schema; ``None`` checks them all.
    """
    sink = io.StringIO()
    notes: list[str] = []
    for text in overrides:
        parse_override(text)  # a malformed override is the user's, report it before verl's noise
    try:
        strategies = build_strategies(config)
    except ConfigError as err:
        raise DryRunError(str(err)) from None

    check_local_inputs(overrides)  # fast: before verl is imported
    with _captured(sink):
        from omegaconf import OmegaConf

        checked = list(overrides if user_overrides is None else user_overrides)
        try:
            if checked:  # composing the schema costs ~0.6 s of CPU: only when there is something to check
                check_override_types(verl_schema(), checked)
        except OverrideTypeError as err:
            raise DryRunError(str(err)) from None
        cfg = compose_verl_config(overrides)
        try:
            resolved = OmegaConf.to_container(cfg, resolve=True)
        except Exception as err:
            raise DryRunError(f"cannot resolve verl's config: {_one_paragraph(err)}") from None
        missing = [
            m
            for m in _missing_values(resolved)
            if not (m.startswith("reward.reward_model.") and not cfg.reward.reward_model.enable)
        ]
        if missing:
            raise DryRunError("mandatory verl values left unset (???): " + ", ".join(missing))
        try:
            check_positive(resolved)
        except OverrideTypeError as err:
            raise DryRunError(str(err)) from None

        from verl.trainer.ppo.utils import need_critic, need_reference_policy
        from verl.utils.config import omega_conf_to_dataclass, validate_config

        try:
            validate_config(cfg, use_reference_policy=need_reference_policy(cfg), use_critic=need_critic(cfg))
            omega_conf_to_dataclass(cfg.actor_rollout_ref.rollout)
            omega_conf_to_dataclass(cfg.algorithm)
        except Exception as err:  # verl validates with asserts, ValueError and TypeError alike
            raise DryRunError(f"verl's validation failed: {_one_paragraph(err)}") from None

        _lengthwise_checks(cfg, config, strategies)
        _check_wiring(cfg, notes)
    _check_data_files(resolved)
    return DryRunReport(
        resolved=resolved, notes=notes, verl_output=sink.getvalue(), requirements=_requirements(resolved)
    )
