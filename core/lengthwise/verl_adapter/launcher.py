"""``lengthwise train CONFIG.yaml [hydra overrides...]``: run verl's trainer on a lengthwise config.

The launch is ``python -m verl.trainer.main_ppo <overrides>``; its exit code is this command's.
The overrides are built by :mod:`lengthwise.verl_adapter.overrides` (config → verl keys, the
runtime wiring, the config's ``verl_overrides``, then the command line's own overrides, last one
winning). Before verl starts, in this order, each failure one ``error:`` line and exit 2:

1. the overrides a person wrote are checked against verl's schema (unknown keys with a
   did-you-mean, ill-typed values: :func:`.launch.check_user_overrides`), and verl's config is
   composed to read the run directory (``trainer.default_local_dir``) and steps;
2. a GPU config needs its rollout engine and CUDA devices here (:func:`lengthwise.preflight.check_gpu_runtime`);
3. local data and model files exist;
4. the run directory is locked for this run (:mod:`.run_lock`: a second run on it refuses,
   naming the first);
5. the checkpoint to resume from is the last complete one (:mod:`.resume`), and what it restores
   is printed; a checkpoint beyond the run's steps is an error.

verl then runs under :mod:`.process`, which guarantees that no process of the run outlives this
command, whatever signal ends it; its whole output goes to ``RUN_DIR/verl.log``, and the console
gets one line per step (:mod:`.console`; ``-v`` shows everything). When verl fails, the cause is
one line where its log shows one (Ray did not start, a file could not be written), else the
log's last lines.

``--dry-run`` composes and validates the exact config the launch would run (see
:mod:`lengthwise.verl_adapter.dry_run`), prints it as YAML followed by a summary, and exits 0, or
exits 2 with ``error: ...``. Its verl-side checks start first, in a child process that imports
verl while the config loads (:mod:`lengthwise.verl_adapter.verl_checks`). ``--print-command`` prints the launch command line instead of
running it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from ..config import (
    ConfigError,
    LengthwiseConfig,
    build_strategies,
    effective_config_file,
    load_config,
    split_overrides,
)
from .overrides import CONFIG_ENV_VAR, build_overrides, parse_override

__all__ = ["train", "launch_command", "ray_start_failure", "os_error_in", "failure_cause", "failure_line",
           "last_traceback"]

_TRAINER_MODULE = "verl.trainer.main_ppo"


def _fail(message: str) -> None:
    from ..cli import print_debug_traceback

    print_debug_traceback()  # under --debug, the traceback of the error being reported
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def launch_command(overrides: list[str]) -> list[str]:
    """The argv that starts verl's trainer with ``overrides``."""
    return [sys.executable, "-m", _TRAINER_MODULE, *overrides]


def _summary(config: LengthwiseConfig, path: Path, resolved: dict[str, Any], n_overrides: int) -> list[str]:
    strategies = build_strategies(config)
    sched = strategies.schedule
    data, arr, trainer = resolved["data"], resolved["actor_rollout_ref"], resolved["trainer"]
    actor, rollout, algo = arr["actor"], arr["rollout"], resolved["algorithm"]
    kl = (
        f"kl loss {actor['kl_loss_coef']} ({actor['kl_loss_type']})"
        if actor["use_kl_loss"]
        else f"in-reward kl {algo['kl_ctrl']['kl_coef']}"
        if algo["use_kl_in_reward"]
        else "no kl"
    )
    fg = algo["filter_groups"]
    steps = trainer["total_training_steps"]
    lines = [
        f"config       {path} ({config.name or path.stem}); {n_overrides} overrides",
        f"model        {arr['model']['path']}",
        f"data         train {data['train_files']}  val {data['val_files']}",
        f"lengths      prompt {data['max_prompt_length']}, response {data['max_response_length']}; "
        f"cap {sched.min_cap}..{sched.max_cap} ({config.schedule.name}), step 0 -> {sched.cap(0)}",
        f"strategies   reward {config.reward.name}"
        + (f", difficulty {strategies.difficulty.name}" if strategies.difficulty is not None else ""),
        f"algorithm    {algo['adv_estimator']} ({config.training.algorithm}); n {rollout['n']}, "
        f"batch {data['train_batch_size']}, mini-batch {actor['ppo_mini_batch_size']}, "
        f"lr {actor['optim']['lr']}, clip ({actor['clip_ratio_low']}, {actor['clip_ratio_high']}), "
        f"{actor['loss_agg_mode']}, entropy {actor['entropy_coeff']}, {kl}",
        f"sampling     temperature {rollout['temperature']}, top_p {rollout['top_p']}; "
        f"val temperature {rollout['val_kwargs']['temperature']}, top_p {rollout['val_kwargs']['top_p']}, "
        f"n {rollout['val_kwargs']['n']}",
        "dynamic      "
        + (f"filter_groups on {fg['metric']}" if fg["enable"] else "off"),
        f"resources    {trainer['nnodes']} node(s) x {trainer['n_gpus_per_node']} GPU(s), "
        f"{rollout['name']} tp {rollout['tensor_model_parallel_size']}",
        f"schedule     {steps if steps is not None else 'dataset-sized'} steps, {trainer['total_epochs']} epoch(s) max, "
        f"save every {trainer['save_freq']}, test every {trainer['test_freq']}",
    ]
    return lines


@click.command(
    "train",
    context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]},
)
@click.argument("config_file", type=click.Path(path_type=Path))
@click.argument("overrides", nargs=-1, type=click.UNPROCESSED)
@click.option("--dry-run", is_flag=True, help="compose and validate verl's config, print it, do not train")
@click.option("--print-command", is_flag=True, help="print the verl command line instead of running it")
@click.option("-v", "--verbose", is_flag=True,
              help="show all of verl's output (always in RUN_DIR/verl.log), not one line per step")
def train(config_file: Path, overrides: tuple[str, ...], dry_run: bool, print_command: bool, verbose: bool) -> None:
    """Launch verl's trainer from CONFIG_FILE, with optional hydra OVERRIDES (key=value).

    OVERRIDES are verl's dotted keys, applied last, e.g. trainer.n_gpus_per_node=4
    actor_rollout_ref.rollout.gpu_memory_utilization=0.8; keys verl's schema lacks need a
    leading +. Lengthwise's own keys (schedule.params.period=320, reward.name=kimi,
    training.rollout_n=16) change the config itself, validated like the file.
    """
    checks = None
    if dry_run and importlib.util.find_spec("verl") is not None:
        from .verl_checks import VerlChecks

        checks = VerlChecks()  # imports verl in a child meanwhile (most of a dry run's time)
    try:
        _train(config_file, overrides, dry_run, print_command, verbose, checks)
    finally:
        if checks is not None:
            checks.close()


def _train(config_file: Path, overrides: tuple[str, ...], dry_run: bool, print_command: bool, verbose: bool,
           checks: Any) -> None:
    from .launch import quote_plain_values

    own, verl_args = split_overrides(overrides)
    verl_args = quote_plain_values(verl_args)  # a non-ASCII path hydra's lexer cannot read, quoted
    try:
        config = load_config(config_file, own)
        if config.training.assets is not None:
            # built-in model and data (cpu-tiny), made on first use (2-3 minutes on 2 idle cores,
            # then cached); the effective config names them
            from ..demo.assets import resolve_assets

            config = resolve_assets(config, log=lambda m: click.echo(m, err=True))
        strategies = build_strategies(config)
        # Workers read the config from a file: with lengthwise overrides (or filled-in assets),
        # the effective one.
        rewritten = bool(own) or config.training.assets is not None
        run_config = effective_config_file(config, config_file) if rewritten else Path(config_file)
        argv = build_overrides(config, run_config, strategies.schedule.max_cap, verl_args)
    except ConfigError as err:
        _fail(str(err) if str(err).startswith(str(config_file)) else f"{config_file}: {err}")
    # what a person wrote, as merged (a key keeps lengthwise's "+"): type-checked by --dry-run
    written = {parse_override(o).key for o in [*verl_args, *(f"{k}=" for k in config.training.verl_overrides)]}
    user_argv = [o for o in argv if parse_override(o).key in written]
    if importlib.util.find_spec("verl") is None:
        _fail("verl is not installed: pip install 'lengthwise[verl]'")
    from ..preflight import PreflightError, check_training_runtime

    try:
        check_training_runtime()
    except PreflightError as err:
        _fail(str(err))

    if dry_run:
        from .dry_run import DryRunError
        from .dry_run import dry_run as run_dry

        try:
            report = run_dry(config, argv, user_argv, checks)
        except (DryRunError, ConfigError) as err:
            _fail(str(err))
        import yaml

        if verbose and report.verl_output.strip():
            click.echo(report.verl_output.rstrip(), err=True)
        click.echo(yaml.safe_dump(report.resolved, sort_keys=False, default_flow_style=False).rstrip())
        click.echo("")
        click.echo("# lengthwise train --dry-run: verl's validation and lengthwise's checks passed")
        for line in _summary(config, config_file, report.resolved, len(argv)):
            click.echo(f"#   {line}")
        if own:
            click.echo(f"#   lengthwise   {' '.join(own)}")
        click.echo(f"#   gpu run      {'; '.join(report.requirements)}")
        for note in report.notes:
            click.echo(f"#   note: {note}")
    if print_command:
        click.echo(shlex.join(launch_command(argv)))
    if dry_run or print_command:
        return

    sys.exit(_launch(config, config_file, strategies, argv, user_argv, run_config, verbose))


def _launch(config: LengthwiseConfig, config_file: Path, strategies: Any, argv: list[str], user_argv: list[str],
            run_config: Path, verbose: bool) -> int:
    """Check what the launch needs, lock the run directory, plan the resume, run verl; its exit code."""
    from ..pipeline import LengthController
    from ..preflight import PreflightError, check_gpu_runtime
    from .console import ConsoleView
    from .dry_run import DryRunError, check_local_inputs
    from .launch import check_user_overrides, launch_settings
    from .process import run_verl
    from .resume import ResumeError, plan_resume
    from .run_lock import RunDirBusy, lock_run_dir

    try:
        check_user_overrides(user_argv)
        settings = launch_settings(argv)
        check_gpu_runtime(rollout=settings.rollout, device=settings.device, n_gpus_per_node=settings.n_gpus_per_node)
    except (DryRunError, PreflightError) as err:
        _fail(str(err))
    try:
        check_local_inputs(argv)
    except DryRunError as err:
        _fail(f"{config_file}: {err}")
    try:
        lock = lock_run_dir(settings.run_dir, log=lambda m: click.echo(m, err=True))
    except RunDirBusy as err:
        _fail(str(err))
    try:
        stateful = any(LengthController.from_config(config).state_dict().values())
        try:
            plan = plan_resume(settings.run_dir, mode=settings.resume_mode, resume_from_path=settings.resume_from_path,
                               total_steps=settings.total_steps, stateful=stateful)
        except ResumeError as err:
            _fail(str(err))
        for note in plan.notes:
            click.echo(f"note: {note}", err=True)
        if plan.finished:
            click.echo(f"{settings.run_dir}: nothing to train: {plan.folder} is the run's last step "
                       f"({settings.total_steps}); raise trainer.total_training_steps to train further", err=True)
            return 0
        if plan.folder is not None:
            click.echo(plan.describe(strategies.schedule.cap(plan.step), settings.total_steps), err=True)
            if settings.resume_mode == "auto":
                argv = [*argv, *plan.overrides()]  # exactly this folder, not verl's tracker file
        env = dict(os.environ)
        env[CONFIG_ENV_VAR] = str(run_config.resolve())
        env["PYTHONUNBUFFERED"] = "1"  # verl's log is a file: line by line, and nothing lost to a kill
        if config.training.device == "cpu":
            from .cpu import ENV as CPU_ENV

            env.update(CPU_ENV)
        log = settings.run_dir / "verl.log"
        append = plan.folder is not None and log.is_file()  # a resumed run continues the log
        view = ConsoleView(log, click.echo, total_steps=settings.total_steps, verbose=verbose,
                           offset=log.stat().st_size if append else 0)
        click.echo(f"verl: output in {log}" + ("" if verbose else " (-v shows all of it here)"), err=True)
        try:
            code = run_verl(launch_command(argv), env=env, log_path=log, tick=view.tick, append=append,
                            on_interrupt=lambda: click.echo("interrupted: stopping verl and Ray ...", err=True))
        except KeyboardInterrupt:
            return 130
    finally:
        lock.release()
    if code != 0:
        from ..cli import debug_enabled

        click.echo(failure_line(code, log, show_tail=not verbose, debug=debug_enabled()), err=True)
    return code


def _log_tail(path: Path, keep: int = 64 * 1024) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - keep))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def last_traceback(text: str) -> str | None:
    """The last ``Traceback (most recent call last):`` block of ``text`` (verl's log), to its end."""
    at = text.rfind("Traceback (most recent call last):")
    if at < 0:
        return None
    start = text.rfind("\n", 0, at) + 1  # with Ray's "(Actor pid=N) " prefix
    return text[start:].rstrip()


def failure_cause(log: Path) -> str | None:
    """The cause of a failed verl run in one line: one a process of the run reported
    (:func:`.process.report_fatal`, e.g. vLLM's weight sync failed), or one the end of its log
    shows — Ray did not start, or a file could not be written (a full disk, a permission) — else None."""
    from .process import fatal_cause

    reported = fatal_cause(log)
    if reported:
        return f"{reported} (verl's output: {log})"
    tail = _log_tail(log)
    ray_error = ray_start_failure(tail)
    if ray_error:
        return f"Ray could not start: {ray_error} (verl's output: {log})"
    os_error = os_error_in(tail)
    if os_error:
        return f"verl {os_error} (verl's output: {log})"
    return None


def failure_line(code: int, log: Path, show_tail: bool = True, debug: bool = False) -> str:
    """What to print when verl exited with ``code``: the :func:`failure_cause` as one ``error:``
    line, else the log's last lines and the exit code. ``debug`` (``lengthwise --debug``) puts
    verl's last traceback first."""
    if debug:
        block = last_traceback(_log_tail(log))
        if block:
            return block + "\n" + failure_line(code, log, show_tail=False)
    cause = failure_cause(log)
    if cause:
        return f"error: {cause}"
    last = [ln for ln in _log_tail(log).splitlines() if ln.strip()][-15:] if show_tail else []
    shown = "".join(f"  {ln}\n" for ln in last)
    return f"{shown}error: verl exited with code {code}; its output is in {log}"


_OS_ERROR = re.compile(r"\[Errno (\d+)\] ([^:\n]+?)(?:: '([^'\n]+)')?\s*$", re.MULTILINE)


def os_error_in(text: str) -> str | None:
    """``could not write PATH: No space left on device`` for the last out-of-space or
    permission error in ``text`` (verl's output), else None."""
    import errno

    found = None
    for m in _OS_ERROR.finditer(text):
        if int(m.group(1)) in (errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EDQUOT):
            found = m
    if found is None:
        return None
    what, path = found.group(2).strip(), found.group(3)
    return f"could not write {path}: {what}" if path else f"failed: {what}"


# Where a failed ray.init() shows in verl's output (a traceback through ray.init / Ray's node
# start-up, or Ray's own "could not start" messages).
_RAY_START = ("in ray.init", "ray/_private/node.py", "ray/_private/services.py", "Failed to start the GCS",
              "Could not find any running Ray instance", "RaySystemError", "raylet failed")


def ray_start_failure(stderr_text: str) -> str | None:
    """The last exception line of ``stderr_text`` when it shows that Ray did not start, else None."""
    in_init = re.search(r'ray/_private/worker\.py", line \d+, in init\b', stderr_text)
    if not in_init and not any(marker in stderr_text for marker in _RAY_START):
        return None
    lines = [ln.strip() for ln in stderr_text.splitlines() if ln.strip()]
    for line in reversed(lines):
        head = line.split(":", 1)[0]
        if head.endswith(("Error", "Exception")) and " " not in head:
            return line
    return lines[-1] if lines else "see the output above"
