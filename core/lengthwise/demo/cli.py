"""``lengthwise demo``: the main job on a CPU — verl's own GRPO trainer on a tiny model.

    lengthwise demo                          # SIRI cosine + length-capped reward (default)
    lengthwise demo --config laser-de        # a built-in demo config by name …
    lengthwise demo --config my.yaml         # … or any lengthwise config file
    lengthwise demo --compare baseline,siri-cosine,laser-de   # several, one table at the end

Built-in demo configs: see :data:`BUILTIN` (``lengthwise/demo/configs/*.yaml``). Every run goes
through verl 0.9.1's V1 trainer on the CPU backend (:mod:`lengthwise.verl_adapter.cpu`), as
``lengthwise train`` does; :mod:`lengthwise.demo.run` drives it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import ConfigError, build_strategies, load_config, split_overrides

__all__ = ["demo", "BUILTIN", "resolve_config"]

CONFIG_DIR = Path(__file__).with_name("configs")
BUILTIN = tuple(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
DEFAULT = "siri-cosine"
# The tiny model's context (lengthwise.demo.model.ModelSize.max_positions) less the longest prompt.
MAX_CAP = 192 - 48


def resolve_config(ref: str) -> Path:
    """A built-in demo config name or a path to a config file."""
    if ref in BUILTIN:
        return CONFIG_DIR / f"{ref}.yaml"
    path = Path(ref)
    if path.is_file():
        return path
    raise ConfigError(f"no demo config {ref!r}: give a file path or one of {', '.join(BUILTIN)}")


def _summary_line(name: str, r) -> str:
    return (
        f"{name:<22} held-out acc {r.initial['accuracy']:.3f} -> {r.final['accuracy']:.3f}   "
        f"held-out len {r.initial['mean_length']:6.1f} -> {r.final['mean_length']:6.1f}   "
        f"train len {r.train_length_first:6.1f} -> {r.train_length_last:6.1f}   ({r.seconds / 60:.1f} min)"
    )


@click.command("demo", context_settings={"ignore_unknown_options": True})
@click.argument("overrides", nargs=-1, type=click.UNPROCESSED)
@click.option("--config", "config_ref", default=DEFAULT, show_default=True,
              help=f"built-in demo config ({', '.join(BUILTIN)}) or a config file")
@click.option("--compare", default=None, help="comma-separated configs to run one after another (overrides --config)")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("results/demo"), show_default=True,
              help="results folder (one sub-folder per config)")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="GRPO steps (default: the config's total_training_steps)")
@click.option("--prompts-per-step", type=click.IntRange(min=1), default=None,
              help="problems per GRPO step (default: the config's train_batch_size)")
@click.option("--rollout-n", type=click.IntRange(min=1), default=None, help="responses per problem (default: the config's rollout_n)")
@click.option("--eval-every", type=click.IntRange(min=1), default=10, show_default=True, help="held-out evaluation period (steps)")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None, help="torch CPU threads per process (default: torch's choice)")
@click.option("--quiet", is_flag=True, help="no progress bars")
def demo(overrides, config_ref, compare, out_dir, steps, prompts_per_step, rollout_n, eval_every, seed, threads, quiet) -> None:
    """Train the tiny model with verl's GRPO trainer on CPU under a length strategy; write a results folder.

    OVERRIDES: lengthwise keys (schedule.params.period=10, reward.name=kimi, training.rollout_n=4)
    change the config(s), validated like the file; verl keys (trainer.test_freq=5) go to verl.
    """
    from .run import DemoRunError, DemoSettings, run_demo

    refs = [r.strip() for r in compare.split(",") if r.strip()] if compare else [config_ref]
    own, verl_args = split_overrides(overrides)
    configs = []
    try:
        for ref in refs:
            path = resolve_config(ref)
            cfg = load_config(path, own)
            sizes = {"train_batch_size": prompts_per_step, "rollout_n": rollout_n}
            sizes = {k: v for k, v in sizes.items() if v is not None}
            if prompts_per_step is not None:
                sizes["ppo_mini_batch_size"] = min(prompts_per_step, cfg.training.ppo_mini_batch_size)
            if sizes:
                cfg = cfg.model_copy(update={"training": cfg.training.model_copy(update=sizes)})
            try:
                strategies = build_strategies(cfg)  # fail on an unknown strategy before any training
            except ConfigError as err:
                raise ConfigError(f"{path}: {err}") from None
            if strategies.schedule.max_cap > MAX_CAP:
                raise ConfigError(
                    f"{path}: the schedule's largest cap ({strategies.schedule.max_cap}) does not fit the demo model "
                    f"(at most {MAX_CAP} response tokens); lower the schedule's caps"
                )
            configs.append((ref, cfg))
    except ConfigError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    settings = DemoSettings(steps=steps, eval_every=eval_every, seed=seed, threads=threads, extra_overrides=tuple(verl_args))
    results = []
    for ref, cfg in configs:
        name = Path(ref).stem
        click.echo(f"== {name}: {cfg.description or cfg.name}")
        try:
            r = run_demo(cfg, out_dir / name, settings, progress=not quiet, log=click.echo)
        except (DemoRunError, ConfigError) as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        results.append((name, r))
        click.echo(_summary_line(name, r))
        parts = ", ".join(f"{k} {v:.2f}" for k, v in r.step_seconds.items())
        click.echo(f"seconds per step: {parts}")
        click.echo(f"results: {r.out_dir} (metrics.jsonl, summary.json, checkpoints/, plots/, verl.log)")
    if len(results) > 1:
        click.echo("\n== comparison (greedy, held-out split, evaluation cap)")
        for name, r in results:
            click.echo(_summary_line(name, r))
