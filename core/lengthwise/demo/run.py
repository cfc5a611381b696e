"""The CPU demo run: verl's own trainer on the tiny model, with a progress bar and a results folder.

:func:`run_demo` is the whole main job of ``lengthwise demo``. It trains through exactly the path
a GPU user takes — ``lengthwise train``'s overrides, ``python -m verl.trainer.main_ppo``, verl's V1
trainer with lengthwise's agent loop, reward manager, replay buffer and checkpoint callback — on
the CPU backend (:mod:`lengthwise.verl_adapter.cpu`):

1. the model, tokenizer and data files (:func:`lengthwise.demo.assets.resolve_assets`: the tiny
   Qwen2 after its supervised warm-up, cached on disk so every strategy starts from the same
   model, and the synthetic task as verl parquet);
2. verl's trainer for ``steps`` GRPO steps, validating greedily on the held-out split before
   training, every ``eval_every`` steps and at the end; verl's output goes to ``verl.log`` and its
   metrics (verl's ``file`` logger) drive the progress bar;
3. the results folder: ``config.yaml`` (the effective lengthwise config verl's workers read),
   ``metrics.jsonl`` (one row per step with every ``lengthwise/*``, ``actor/*``, ``critic/*``
   and ``timing_s/*`` metric verl logged, under verl's own names (:mod:`lengthwise.metrics`), and
   at each evaluation the held-out ``lengthwise/val/*`` metrics, per level too, computed from
   verl's validation dump; the pre-RL held-out evaluation is the row of step 0),
   ``summary.json`` (held-out before/after, overall and per level; step-time breakdown, seed,
   versions, threads),
   ``checkpoints/global_step_N/`` (verl's actor checkpoint and ``lengthwise_state.json``),
   ``validation/<step>.jsonl`` (verl's dump of every held-out response, score and length;
   ``lengthwise eval`` reads it) and ``plots/``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import metrics as K
from ..config import LengthwiseConfig, build_strategies
from ..evaluation.schema import finite_float as _num

__all__ = ["DemoSettings", "DemoResult", "run_demo", "demo_rows", "read_validation_dumps", "held_out_summary", "DemoRunError"]

#: verl's file logger writes here (relative to the results folder).
VERL_METRICS = "verl_metrics.jsonl"
#: verl's validation dumps (``trainer.validation_data_dir``), one ``<step>.jsonl`` per evaluation.
VALIDATION_DIR = "validation"
_KEPT = ("lengthwise/", "actor/", "timing_s/", "critic/", "val-core/", "val-aux/")
# Step-time parts verl times itself (seconds per step), reported in summary.json.
_TIMING = ("gen", "old_log_prob", "ref", "adv", "update_actor", "update_weights", "save_checkpoint", "testing", "step")


class DemoRunError(RuntimeError):
    """The verl run failed; the message names the log with verl's own output."""


@dataclass(frozen=True)
class DemoSettings:
    """Knobs of the demo that are not part of a lengthwise config."""

    steps: int | None = None  # None: the config's training.total_training_steps
    eval_every: int = 20
    seed: int = 0
    threads: int | None = None  # torch threads per process (default: verl's and torch's choice)
    extra_overrides: tuple[str, ...] = ()


@dataclass
class DemoResult:
    """What a run produced (also written to ``summary.json``)."""

    out_dir: Path
    config_name: str
    steps: int
    initial: dict[str, Any]  # held_out_summary() of the pre-RL evaluation
    final: dict[str, Any]  # ... and of the last one
    train_length_first: float
    train_length_last: float
    seconds: float
    step_seconds: dict[str, float] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    plots: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["out_dir"] = str(self.out_dir)
        d["plots"] = [str(p) for p in self.plots]
        return d


def _read_verl_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    if not path.is_file():
        return rows
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                row = json.loads(line)
            except ValueError:  # a line being written
                continue
            if isinstance(row, dict) and isinstance(row.get("data"), dict):
                rows.append(row)
    return rows


def read_validation_dumps(folder: Path) -> dict[int, dict[str, float]]:
    """Per evaluation step, the held-out metrics (:func:`lengthwise.metrics.val_metrics`) of
    verl's dump ``<step>.jsonl`` in ``folder``; a dump still being written is read up to its last
    whole line."""
    out: dict[int, dict[str, float]] = {}
    if not folder.is_dir():
        return out
    for path in folder.glob("*.jsonl"):
        if not path.stem.isdigit():
            continue
        records = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict):
                records.append(row)
        if records:
            out[int(path.stem)] = K.val_metrics(records)
    return out


def demo_rows(verl_rows: list[dict[str, Any]], held_out: dict[int, dict[str, float]] | None = None) -> list[dict[str, Any]]:
    """verl's file-logger rows merged per step, with the held-out metrics of each evaluation.

    verl step ``g`` (1-based) is row ``g``, with the lengthwise step ``g - 1`` in
    ``lengthwise/step``; verl's validation before training is logged at step 0, which becomes a
    row with only held-out values. Names are verl's (:mod:`lengthwise.metrics`); ``held_out``
    maps an evaluation step to its ``lengthwise/val/*`` metrics (:func:`read_validation_dumps`).
    """
    merged: dict[int, dict[str, Any]] = {}
    for r in verl_rows:
        merged.setdefault(int(r["step"]), {}).update(r["data"])
    for step, values in (held_out or {}).items():
        merged.setdefault(int(step), {}).update(values)
    out = []
    for step in sorted(merged):
        row: dict[str, Any] = {"step": step}
        for k, v in merged[step].items():
            if k.startswith(_KEPT) and _num(v) is not None:
                row[k] = _num(v)
        out.append(row)
    return out


def held_out_summary(row: dict[str, Any]) -> dict[str, Any]:
    """One evaluation's numbers for ``summary.json``: accuracy, mean tokens, truncation rate,
    problems, and ``levels`` (per level: share, accuracy, mean tokens, truncation rate)."""
    out: dict[str, Any] = {
        "accuracy": row.get(K.VAL_ACCURACY, float("nan")),
        "mean_length": row.get(K.VAL_MEAN_LENGTH, float("nan")),
        "truncation_rate": row.get(K.VAL_TRUNCATION_RATE, float("nan")),
        "problems": int(row.get(K.VAL_PROBLEMS, 0)),
    }
    levels: dict[str, dict[str, float]] = {}
    for key, value in row.items():
        parsed = K.parse_level_key(key)
        if parsed is not None and parsed[0]:
            levels.setdefault(str(parsed[1]), {})[parsed[2]] = value
    out["levels"] = dict(sorted(levels.items(), key=lambda kv: int(kv[0])))
    return out


def _environment(settings: DemoSettings) -> dict[str, Any]:
    import importlib.metadata as md

    versions = {}
    for dist in ("lengthwise", "verl", "torch", "transformers", "ray"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    return {
        "seed": settings.seed,
        "threads": settings.threads,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "deterministic_given": "seed, versions, thread count and the request batching of the CPU rollout",
    }


def run_demo(
    config: LengthwiseConfig,
    out_dir: Path,
    settings: DemoSettings = DemoSettings(),
    *,
    progress: bool = True,
    log: Callable[[str], None] = print,
    on_steps: Callable[[int], None] | None = None,
) -> DemoResult:
    """Run verl's trainer under ``config`` on the CPU and write the results folder ``out_dir``.

    ``on_steps(n)`` is called as each batch of ``n`` newly finished training steps is seen (a
    comparison's overall progress bar counts them).
    """
    from tqdm.auto import tqdm

    from ..verl_adapter.cpu import ENV as CPU_ENV
    from ..verl_adapter.launcher import failure_cause, launch_command
    from ..verl_adapter.overrides import CONFIG_ENV_VAR, build_overrides
    from ..verl_adapter.overrides import format_value as _quoted  # paths with spaces or non-ASCII
    from ..verl_adapter.process import run_verl
    from .assets import resolve_assets

    t0 = time.monotonic()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if config.training.device != "cpu":
        config = config.model_copy(update={"training": config.training.model_copy(update={"device": "cpu"})})
    if config.training.assets is None and "model_path" not in config.training.model_fields_set:
        config = config.model_copy(update={"training": config.training.model_copy(update={"assets": "cpu-tiny"})})
    config = resolve_assets(config, log=log, progress=progress)
    steps = settings.steps or config.training.total_training_steps or 40
    strategies = build_strategies(config)

    cfg_path = out_dir / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    metrics_src = out_dir / VERL_METRICS
    metrics_src.unlink(missing_ok=True)
    val_dir = out_dir / VALIDATION_DIR
    shutil.rmtree(val_dir, ignore_errors=True)  # a rerun's dumps must not mix with an old run's
    ckpt = out_dir / "checkpoints"
    user = [
        f"trainer.total_training_steps={steps}",
        f"trainer.total_epochs={steps}",
        f"trainer.save_freq={steps}",
        f"trainer.test_freq={settings.eval_every}",
        "trainer.val_before_train=true",
        "trainer.resume_mode=disable",
        f"trainer.default_local_dir={_quoted(ckpt)}",
        f"trainer.validation_data_dir={_quoted(val_dir)}",  # per-problem held-out results, `lengthwise eval` reads them
        "trainer.logger=[console,file]",
        f"+ray_kwargs.ray_init.runtime_env.env_vars.VERL_FILE_LOGGER_PATH={_quoted(metrics_src)}",
        f"data.seed={settings.seed}",
        f"hydra.run.dir={_quoted(out_dir / 'hydra')}",  # verl's hydra log goes with the results, not into the cwd
        f"actor_rollout_ref.rollout.seed={settings.seed}",
        # Held-out evaluation: greedy, the whole split in one batch; the tiny model's context.
        # greedy: verl 0.9.1 V1 samples validation at val_kwargs.temperature and ignores do_sample
        "actor_rollout_ref.rollout.val_kwargs.temperature=0",
        "actor_rollout_ref.rollout.val_kwargs.top_p=1.0",
        f"actor_rollout_ref.rollout.max_model_len="
        f"{config.training.max_prompt_length + max(strategies.schedule.max_cap, config.training.val_response_length or 0)}",
        "data.val_batch_size=512",
        *settings.extra_overrides,
    ]
    argv = build_overrides(config, cfg_path, strategies.schedule.max_cap, user)
    env = dict(os.environ)
    env.update(CPU_ENV)
    env[CONFIG_ENV_VAR] = str(cfg_path)
    env["VERL_FILE_LOGGER_PATH"] = str(metrics_src)
    env["PYTHONUNBUFFERED"] = "1"
    if settings.threads:
        env["OMP_NUM_THREADS"] = str(settings.threads)
        env["LENGTHWISE_ROLLOUT_THREADS"] = str(settings.threads)
    verl_log = out_dir / "verl.log"
    log(f"verl: {steps} steps of {config.training.train_batch_size} prompts x {config.training.rollout_n} "
        f"responses on CPU; its output goes to {verl_log}")

    bar = tqdm(total=steps, desc="verl GRPO", unit="step", disable=not progress, dynamic_ncols=True)
    seen = 0

    def follow() -> None:
        nonlocal seen
        rows = demo_rows(_read_verl_rows(metrics_src))
        train = [r for r in rows if K.CAP in r]
        if len(train) > seen:
            bar.update(len(train) - seen)
            if on_steps is not None:
                on_steps(len(train) - seen)
            seen = len(train)
            last = train[-1]
            held = read_validation_dumps(val_dir)
            post = {"cap": int(last[K.CAP]), "len": f"{last.get(K.MEAN_LENGTH, 0):.1f}",
                    "acc": f"{last.get(K.ACCURACY, 0):.2f}"}
            if held:
                post["heldout"] = f"{held[max(held)].get(K.VAL_ACCURACY, 0):.2f}"
            bar.set_postfix(post)

    try:
        # verl.log from its first line; no process of the run outlives this one (verl_adapter.process)
        code = run_verl(launch_command(argv), env=env, log_path=verl_log, tick=follow)
    finally:
        bar.close()
    if code != 0:
        cause = failure_cause(verl_log)  # Ray did not start, a full disk: one line
        if cause:
            raise DemoRunError(cause)
        tail = "\n".join(verl_log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
        raise DemoRunError(f"verl exited with code {code}; see {verl_log}. Last lines:\n{tail}")

    rows = demo_rows(_read_verl_rows(metrics_src), read_validation_dumps(val_dir))
    metrics_path = out_dir / "metrics.jsonl"
    metrics_path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    train = [r for r in rows if K.CAP in r]
    held = [r for r in rows if K.VAL_ACCURACY in r]
    if not train or not held:
        raise DemoRunError(f"verl finished but logged no training or held-out metrics; see {verl_log}")
    first_held, last_held = held[0], held[-1]
    initial, final = held_out_summary(first_held), held_out_summary(last_held)
    window = max(1, min(10, len(train) // 4))
    lengths = [r[K.MEAN_LENGTH] for r in train]
    step_seconds = {}
    for part in _TIMING:
        vals = [r[f"timing_s/{part}"] for r in train if f"timing_s/{part}" in r]
        if vals:
            step_seconds[part] = sum(vals) / len(train)
    for name, key in (("lengthwise_scoring", K.TIMING_SCORING), ("lengthwise_shaping", K.TIMING_SHAPING)):
        vals = [r[key] for r in train if key in r]
        if vals:
            step_seconds[name] = sum(vals) / len(train)
    result = DemoResult(
        out_dir=out_dir,
        config_name=config.name or "config",
        steps=len(train),
        initial=initial,
        final=final,
        train_length_first=sum(lengths[:window]) / window,
        train_length_last=sum(lengths[-window:]) / window,
        seconds=time.monotonic() - t0,
        step_seconds=step_seconds,
        environment=_environment(settings),
    )
    result.plots = _plots(metrics_path, out_dir / "plots", log)
    (out_dir / "summary.json").write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    return result


def _plots(metrics_path: Path, out: Path, log: Callable[[str], None]) -> list[Path]:
    try:
        from ..evaluation.plots import plot_dynamics
    except ImportError as err:  # matplotlib is part of the demo extra; say so rather than fail the run
        log(f"plots skipped: {err}")
        return []
    return list(plot_dynamics(metrics_path, out))
