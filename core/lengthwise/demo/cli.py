"""``lengthwise demo``: the main job on a CPU — verl's own GRPO trainer on a tiny model.

    lengthwise demo                          # SIRI cosine + length-capped reward (default)
    lengthwise demo --config laser-de        # a built-in demo config by name …
    lengthwise demo --config my.yaml         # … or any lengthwise config file
    lengthwise demo --compare baseline,siri-cosine,laser-de   # several, one table at the end
    lengthwise demo --compare core --seeds 3 # the core methods over 3 seeds: tables, signatures, figures
    lengthwise demo --compare all            # every shipped strategy

A comparison writes ``OUT/compare/<config>/seed<k>/`` (one results folder per run; a finished
run whose config, steps and seed are unchanged is reused, so an interrupted comparison resumes)
and, from all of them, ``OUT/compare/compare.{md,csv,json}`` and ``pareto.{png,svg,pdf}``
(:mod:`.compare`).

Built-in demo configs: see :data:`BUILTIN` (``lengthwise/demo/configs/*.yaml``). Every run goes
through verl 0.9.1's V1 trainer on the CPU backend (:mod:`lengthwise.verl_adapter.cpu`), as
``lengthwise train`` does; :mod:`lengthwise.demo.run` drives it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli import print_debug_traceback
from ..config import ConfigError, build_strategies, load_config, parse_config, split_overrides

__all__ = ["demo", "BUILTIN", "resolve_config"]

CONFIG_DIR = Path(__file__).with_name("configs")
BUILTIN = tuple(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
DEFAULT = "siri-cosine"
# The tiny model's context (lengthwise.demo.model.ModelSize.max_positions) less the longest prompt.
MAX_CAP = 192 - 64


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


_FILLED = ("model_path", "tokenizer_path", "train_files", "val_files", "device", "assets")


def _finished(out: Path, cfg, steps: int | None, seed: int):
    """The run's :class:`DemoResult` when ``out`` holds a finished run of this config, steps and seed."""
    import json

    import yaml

    from .run import DemoResult

    summary, written = out / "summary.json", out / "config.yaml"
    if not (summary.is_file() and written.is_file()):
        return None
    try:
        doc = json.loads(summary.read_text(encoding="utf-8"))
        old = yaml.safe_load(written.read_text(encoding="utf-8"))
    except (ValueError, yaml.YAMLError):
        return None
    def comparable(c: dict) -> dict:
        # run_demo fills the asset paths and the device in; everything else must match
        c = dict(c)
        c["training"] = {k: v for k, v in (c.get("training") or {}).items() if k not in _FILLED}
        return c

    want_steps = steps or cfg.training.total_training_steps or 40
    try:
        # re-validated, so that a field added since with its default compares equal
        old = parse_config(old, str(written)).model_dump(mode="json")
    except ConfigError:
        return None
    same = (doc.get("environment", {}).get("seed") == seed and doc.get("steps") == want_steps
            and comparable(old) == comparable(cfg.model_dump(mode="json")))
    if not same:
        return None
    fields = {k: doc[k] for k in ("config_name", "steps", "initial", "final", "train_length_first", "train_length_last", "seconds")}
    return DemoResult(out_dir=out, step_seconds=doc.get("step_seconds", {}), environment=doc.get("environment", {}), **fields)


@click.command("demo", context_settings={"ignore_unknown_options": True})
@click.argument("overrides", nargs=-1, type=click.UNPROCESSED)
@click.option("--config", "config_ref", default=DEFAULT, show_default=True,
              help=f"built-in demo config ({', '.join(BUILTIN)}) or a config file")
@click.option("--compare", default=None,
              help="comma-separated configs to run one after another, 'core' (the methods whose signatures are measured) "
                   "or 'all' (every shipped strategy); overrides --config")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="runs per config in a comparison (seeds SEED, SEED+1, ...)")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("results/demo"), show_default=True,
              help="results folder (one sub-folder per config; comparisons under compare/)")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="GRPO steps (default: the config's total_training_steps)")
@click.option("--prompts-per-step", type=click.IntRange(min=1), default=None,
              help="problems per GRPO step (default: the config's train_batch_size)")
@click.option("--rollout-n", type=click.IntRange(min=1), default=None, help="responses per problem (default: the config's rollout_n)")
@click.option("--eval-every", type=click.IntRange(min=1), default=None,
              help="held-out evaluation period in steps (default: 20; in a comparison only before and after training)")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None, help="torch CPU threads per process (default: torch's choice)")
@click.option("--rerun", is_flag=True, help="in a comparison, train again even where a finished run is on disk")
@click.option("--report-only", is_flag=True,
              help="in a comparison, train nothing: tabulate the finished runs on disk and name the missing ones")
@click.option("--quiet", is_flag=True, help="no progress bars")
def demo(overrides, config_ref, compare, seeds, out_dir, steps, prompts_per_step, rollout_n, eval_every, seed, threads,
         rerun, report_only, quiet) -> None:
    """Train the tiny model with verl's GRPO trainer on CPU under a length strategy; write a results folder.

    OVERRIDES: lengthwise keys (schedule.params.period=10, reward.name=kimi, training.rollout_n=4)
    change the config(s), validated like the file; verl keys (trainer.test_freq=5) go to verl.
    """
    from .compare import COMPARE_SETS
    from .run import DemoRunError, DemoSettings, run_demo

    if compare is not None and compare.strip() in COMPARE_SETS:
        refs = list(COMPARE_SETS[compare.strip()])
    else:
        refs = [r.strip() for r in compare.split(",") if r.strip()] if compare else [config_ref]
    comparing = compare is not None
    if seeds > 1 and not comparing:
        click.echo("error: --seeds needs --compare (e.g. --compare siri-cosine --seeds 3)", err=True)
        sys.exit(2)
    if report_only and (not comparing or rerun):
        click.echo("error: --report-only needs --compare and excludes --rerun", err=True)
        sys.exit(2)
    own, verl_args = split_overrides(overrides)
    from ..verl_adapter.launch import quote_plain_values

    verl_args = quote_plain_values(verl_args)  # a non-ASCII path hydra's lexer cannot read, quoted
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
        if verl_args:  # a typo in a verl key: one line with a did-you-mean, as `lengthwise train` does
            from ..verl_adapter.dry_run import DryRunError
            from ..verl_adapter.launch import check_user_overrides

            try:
                check_user_overrides(verl_args)
            except DryRunError as err:
                raise ConfigError(str(err)) from None
    except ConfigError as err:
        print_debug_traceback()
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    from ..outputs import writing
    from ..verl_adapter.run_lock import RunDirBusy, lock_run_dir

    def lock(directory: Path):
        try:
            return lock_run_dir(directory, log=lambda m: click.echo(m, err=True))
        except RunDirBusy as err:
            print_debug_traceback()
            click.echo(f"error: {err}", err=True)
            sys.exit(2)

    if eval_every is None:
        eval_every = (steps or 10**9) if comparing else 20  # a comparison reads only the final evaluation
    root = out_dir / "compare" if comparing else out_dir
    if comparing:  # one comparison per folder (its table is written there), held until the command ends
        click.get_current_context().call_on_close(lock(root).release)
    results, outcomes, failed, missing = [], [], [], []
    total = len(configs) * (seeds if comparing else 1)
    overall = None
    if comparing and not quiet and not report_only:
        from tqdm.auto import tqdm

        # every run's steps on one bar: its ETA is the whole comparison's
        all_steps = sum((steps or cfg.training.total_training_steps or 40) * seeds for _, cfg in configs)
        overall = tqdm(total=all_steps, desc=f"comparison ({total} runs)", unit="step", dynamic_ncols=True, position=1)
    # seed-major: every config's first seed before any second one, so a comparison cut short has
    # every method at least once (and `--report-only` can tabulate it)
    for k, (ref, cfg) in ((k, c) for k in range(seeds if comparing else 1) for c in configs):
        name = Path(ref).stem
        run_seed = seed + k
        run_dir = root / name / f"seed{run_seed}" if comparing else root / name
        label = f"{name} seed {run_seed}" if comparing else name
        settings = DemoSettings(steps=steps, eval_every=min(eval_every, steps or cfg.training.total_training_steps or 40),
                                seed=run_seed, threads=threads, extra_overrides=tuple(verl_args))
        r = None if (rerun or not comparing) else _finished(run_dir, cfg, steps, run_seed)
        run_steps = steps or cfg.training.total_training_steps or 40
        if r is not None and overall is not None:
            overall.update(run_steps)
        if r is None and report_only:
            click.echo(f"== [{len(results) + len(failed) + len(missing) + 1}/{total}] {label}: not finished, left out ({run_dir})")
            missing.append(label)
            continue
        if r is not None:
            click.echo(f"== [{len(results) + len(failed) + len(missing) + 1}/{total}] {label}: finished run reused ({run_dir})")
        else:
            click.echo(f"== [{len(results) + len(failed) + len(missing) + 1}/{total}] {label}: {cfg.description or cfg.name}" if comparing
                       else f"== {name}: {cfg.description or cfg.name}")
            before = overall.n if overall is not None else 0
            run_lock = lock(run_dir)  # before anything is written there
            try:
                with writing(run_dir):  # a full disk names the results folder
                    r = run_demo(cfg, run_dir, settings, progress=not quiet, log=click.echo,
                                 on_steps=overall.update if overall is not None else None)
            except (DemoRunError, ConfigError) as err:
                print_debug_traceback()
                if overall is not None:  # a failed run's steps are done with: the ETA counts the rest
                    overall.update(max(0, run_steps - (overall.n - before)))
                click.echo(f"error: {err}", err=True)
                if not comparing:
                    sys.exit(1)
                # one failed run (a worker killed for memory, say) does not cost the others
                failed.append(f"{label} ({run_dir / 'verl.log'})")
                continue
            except KeyboardInterrupt:
                resume = " (the same command resumes the comparison)" if comparing else ""
                click.echo(f"interrupted: verl and Ray stopped{resume}", err=True)
                sys.exit(130)
            finally:
                run_lock.release()
            if overall is not None:  # steps the bar did not see finish (the last poll) count now
                overall.update(max(0, run_steps - (overall.n - before)))
            parts = ", ".join(f"{k} {v:.2f}" for k, v in r.step_seconds.items())
            click.echo(f"seconds per step: {parts}")
        results.append((label, r))
        click.echo(_summary_line(label, r))
        click.echo(f"results: {r.out_dir} (metrics.jsonl, summary.json, validation/, checkpoints/, plots/, verl.log)")
        if comparing:
            from .compare import outcome_from_run

            outcomes.append(outcome_from_run(name, run_seed, r))
    if overall is not None:
        overall.close()
    if comparing and not outcomes:
        click.echo("error: no run of the comparison finished", err=True)
        sys.exit(1)
    if comparing:
        from .compare import comparison_rows, format_comparison, write_comparison

        rows = comparison_rows(outcomes)
        baseline = "baseline" if any(o.config == "baseline" for o in outcomes) else outcomes[0].config
        paths = write_comparison(rows, outcomes, root, baseline=baseline)
        click.echo(f"\n== comparison ({len(outcomes)} runs; greedy, held-out split, evaluation cap)\n")
        click.echo(format_comparison(rows, baseline))
        click.echo("written: " + ", ".join(str(p) for p in paths))
        if missing:
            click.echo(f"{len(missing)} run(s) not finished yet, not in the table (the command without --report-only "
                       "trains them): " + "; ".join(missing))
        if failed:
            click.echo(f"error: {len(failed)} run(s) failed and are not in the table (the same command retries them): "
                       + "; ".join(failed), err=True)
            sys.exit(1)
