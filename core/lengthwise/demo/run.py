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
   ``metrics.jsonl`` (one row per step in the demo's vocabulary — ``cap``, ``mean_length``,
   ``accuracy``, ``heldout_accuracy`` … — plus every ``lengthwise/*``, ``actor/*`` and
   ``timing_s/*`` metric verl logged; the pre-RL held-out evaluation is the row of step 0),
   ``summary.json`` (before/after, step-time breakdown, seed, versions, threads),
   ``checkpoints/global_step_N/`` (verl's actor checkpoint and ``lengthwise_state.json``),
   ``validation/<step>.jsonl`` (verl's dump of every held-out response, score and length;
   ``lengthwise eval`` reads it) and ``plots/``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import LengthwiseConfig, build_strategies
from ..evaluation.schema import finite_float as _num

__all__ = ["DemoSettings", "DemoResult", "run_demo", "demo_rows", "DemoRunError"]

#: verl's file logger writes here (relative to the results folder).
VERL_METRICS = "verl_metrics.jsonl"
_HELDOUT_ACC = "val-core/{source}/acc/mean@1"
_HELDOUT_LEN = "val-aux/{source}/lw_length/mean@1"
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
    initial: dict[str, float]
    final: dict[str, float]
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


def demo_rows(verl_rows: list[dict[str, Any]], data_source: str) -> list[dict[str, Any]]:
    """verl's file-logger rows as the demo's metric rows (see the module docstring).

    verl step ``g`` (1-based) becomes demo step ``g`` with the lengthwise step ``g - 1`` in
    ``lengthwise/step``; verl's validation before training is logged at step 0 and becomes a row
    with only held-out values.
    """
    acc_key = _HELDOUT_ACC.format(source=data_source)
    len_key = _HELDOUT_LEN.format(source=data_source)
    merged: dict[int, dict[str, Any]] = {}
    for r in verl_rows:
        step = int(r["step"])
        merged.setdefault(step, {}).update(r["data"])
    out = []
    for step in sorted(merged):
        data = merged[step]
        row: dict[str, Any] = {"step": step}
        for name in ("cap", "mean_length", "accuracy", "reward_mean", "truncation_rate", "mean_length_correct", "mean_length_wrong"):
            v = _num(data.get(f"lengthwise/{name}"))
            if v is not None:
                row[name] = v
        if _num(data.get(acc_key)) is not None:
            row["heldout_accuracy"] = _num(data[acc_key])
        if _num(data.get(len_key)) is not None:
            row["heldout_mean_length"] = _num(data[len_key])
        for k, v in data.items():
            if k.startswith(("lengthwise/", "actor/", "timing_s/", "critic/")) and _num(v) is not None:
                row[k] = _num(v)
        out.append(row)
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
) -> DemoResult:
    """Run verl's trainer under ``config`` on the CPU and write the results folder ``out_dir``."""
    from tqdm.auto import tqdm

    from ..verl_adapter.cpu import ENV as CPU_ENV
    from ..verl_adapter.launcher import failure_cause, launch_command
    from ..verl_adapter.overrides import CONFIG_ENV_VAR, build_overrides
    from ..verl_adapter.overrides import format_value as _quoted  # paths with spaces or non-ASCII
    from ..verl_adapter.process import run_verl
    from .assets import DATA_SOURCE, resolve_assets

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
    shutil.rmtree(out_dir / "validation", ignore_errors=True)  # a rerun's dumps must not mix with an old run's
    ckpt = out_dir / "checkpoints"
    user = [
        f"trainer.total_training_steps={steps}",
        f"trainer.total_epochs={steps}",
        f"trainer.save_freq={steps}",
        f"trainer.test_freq={settings.eval_every}",
        "trainer.val_before_train=true",
        "trainer.resume_mode=disable",
        f"trainer.default_local_dir={_quoted(ckpt)}",
        f"trainer.validation_data_dir={_quoted(out_dir / 'validation')}",  # per-problem held-out results, `lengthwise eval` reads them
        "trainer.logger=[console,file]",
        f"+ray_kwargs.ray_init.runtime_env.env_vars.VERL_FILE_LOGGER_PATH={_quoted(metrics_src)}",
        f"data.seed={settings.seed}",
        f"hydra.run.dir={_quoted(out_dir / 'hydra')}",  # verl's hydra log goes with the results, not into the cwd
        f"actor_rollout_ref.rollout.seed={settings.seed}",
        # Held-out evaluation: greedy, the whole split in one batch; the tiny model's context.
        # greedy: verl 0.9.1 V1 samples validation at val_kwargs.temperature and ignores do_sample
        "actor_rollout_ref.rollout.val_kwargs.temperature=0",
        "actor_rollout_ref.rollout.val_kwargs.top_p=1.0",
        f"actor_rollout_ref.rollout.max_model_len={config.training.max_prompt_length + strategies.schedule.max_cap}",
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
        rows = demo_rows(_read_verl_rows(metrics_src), DATA_SOURCE)
        train = [r for r in rows if "cap" in r]
        if len(train) > seen:
            bar.update(len(train) - seen)
            seen = len(train)
            last = train[-1]
            held = [r for r in rows if "heldout_accuracy" in r]
            post = {"cap": int(last["cap"]), "len": f"{last.get('mean_length', 0):.1f}",
                    "acc": f"{last.get('accuracy', 0):.2f}"}
            if held:
                post["heldout"] = f"{held[-1]['heldout_accuracy']:.2f}"
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

    rows = demo_rows(_read_verl_rows(metrics_src), DATA_SOURCE)
    metrics_path = out_dir / "metrics.jsonl"
    metrics_path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    train = [r for r in rows if "cap" in r]
    held = [r for r in rows if "heldout_accuracy" in r]
    if not train or not held:
        raise DemoRunError(f"verl finished but logged no training or held-out metrics; see {verl_log}")
    first_held, last_held = held[0], held[-1]
    initial = {"accuracy": first_held["heldout_accuracy"], "mean_length": first_held.get("heldout_mean_length", float("nan"))}
    final = {"accuracy": last_held["heldout_accuracy"], "mean_length": last_held.get("heldout_mean_length", float("nan"))}
    window = max(1, min(10, len(train) // 4))
    lengths = [r["mean_length"] for r in train]
    step_seconds = {}
    for part in _TIMING:
        vals = [r[f"timing_s/{part}"] for r in train if f"timing_s/{part}" in r]
        if vals:
            step_seconds[part] = sum(vals) / len(train)
    for part in ("scoring_s", "shaping_s"):
        vals = [r[f"lengthwise/timing/{part}"] for r in train if f"lengthwise/timing/{part}" in r]
        if vals:
            step_seconds[f"lengthwise_{part[:-2]}"] = sum(vals) / len(train)
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
