"""The ``lengthwise`` command line.

Exit codes: 0 success; 2 bad input (unknown strategy, invalid config or override, unreadable or
oversized file, bad data) with one line ``error: <file>: <what>`` on stderr and no traceback;
1 an unexpected failure, also one line. ``lengthwise --debug ...`` (or ``LENGTHWISE_DEBUG=1``)
lets the exception propagate with its traceback instead; where a command turns an exception into
its own one-line error, it prints the traceback first (:func:`print_debug_traceback`).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

import importlib

import click

from .config import ConfigError, build_strategies, is_lengthwise_key, load_config
from .inputs import InputFileError
from .registry import PluginConflictError, StrategyParamsError, UnknownStrategyError, get_registry
from .strategy import KINDS

#: Exceptions that mean "the user's input is wrong": exit 2 with their one-line message.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ConfigError,
    InputFileError,
    PluginConflictError,
    UnknownStrategyError,
    StrategyParamsError,
    OSError,
    ValueError,
    RecursionError,
)
DEBUG_ENV = "LENGTHWISE_DEBUG"


def debug_enabled() -> bool:
    """``lengthwise --debug`` was given (or ``LENGTHWISE_DEBUG`` is set to anything but 0)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and root.params.get("debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def print_debug_traceback() -> None:
    """Under ``--debug``: print the traceback of the exception being handled, if any.

    Commands call it where they turn an exception into their one-line ``error:``, so ``--debug``
    shows where it came from there too.
    """
    if sys.exc_info()[1] is not None and debug_enabled():
        import traceback

        traceback.print_exc()


def _fail(message: str) -> None:
    print_debug_traceback()
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(2)


def error_line(err: BaseException) -> str:
    """One line for ``err``: its message, naming the file for OS errors."""
    if isinstance(err, RecursionError):
        return "input nested too deeply to read"
    if isinstance(err, OSError) and err.filename is not None:
        text = f"{err.filename}: {err.strerror or err}"
    else:
        text = str(err) or type(err).__name__
        if not isinstance(err, (ConfigError, InputFileError, PluginConflictError, UnknownStrategyError,
                                StrategyParamsError)):
            text = f"{type(err).__name__}: {text}"
    return " ".join(text.split())


# Commands whose modules pull in heavy optional dependencies (torch, verl, matplotlib, vllm)
# are imported only when invoked, so `lengthwise strategies` stays instant.
_LAZY = {
    "demo": ("lengthwise.demo.cli", "demo", "Train a tiny model with GRPO on CPU under a length strategy."),
    "train": ("lengthwise.verl_adapter.launcher", "train", "Launch verl's trainer from a lengthwise config."),
    "eval": ("lengthwise.evaluation.cli", "eval_cmd", "Grade generation files; Pass@1, tokens, ΔAcc/CR, AES."),
    "plot": ("lengthwise.evaluation.cli", "plot", "Pareto, training-dynamics and per-level figures."),
    "generate": ("lengthwise.evaluation.generate", "generate", "Sample generations with vLLM into the eval schema."),
    "prepare-data": ("lengthwise.data.cli", "prepare_data", "Turn math datasets into verl parquet files."),
}


def _unavailable(name: str, summary: str, missing: str) -> click.Command:
    """A stand-in command that explains the missing dependency (keeps `--help` usable)."""

    @click.command(name, help=summary, context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def unavailable(args: tuple[str, ...]) -> None:
        _fail(f"`lengthwise {name}` needs {missing}")

    return unavailable


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY:
            module, attr, summary = _LAZY[name]
            try:
                return getattr(importlib.import_module(module), attr)
            except ImportError as err:
                return _unavailable(name, summary, f"{err.name or 'an optional dependency'} ({err})")
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; user-input errors become one line and exit 2 (see the module doc)."""
        debug = debug_enabled()
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # `lengthwise strategies | head`: the reader left, nothing to report
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except USER_ERRORS as err:
            if debug:
                raise
            click.echo(f"error: {error_line(err)}", err=True)
            sys.exit(2)
        except Exception as err:
            if debug:
                raise
            click.echo(f"error: {error_line(err)} (lengthwise --debug shows the traceback)", err=True)
            sys.exit(1)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, c.get_short_help_str(60)) for n, c in self.commands.items()]
        rows += [(n, _LAZY[n][2]) for n in _LAZY]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lengthwise")
@click.option("--debug", is_flag=True, help=f"show tracebacks instead of one-line errors (or {DEBUG_ENV}=1)")
def main(debug: bool) -> None:
    """Length-aware RL for reasoning LLMs: schedules, length rewards, difficulty, scoring."""


def _format_param(p: dict) -> str:
    default = "required" if p["required"] else f"= {json.dumps(p['default'])}"
    constraints = f" [{', '.join(p['constraints'])}]" if p["constraints"] else ""
    return f"{p['name']}: {p['type']} {default}{constraints}"


def _complete_strategy(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion: installed strategy names."""
    try:
        return sorted({s.name for s in get_registry().specs() if s.name.startswith(incomplete)})
    except Exception:  # completion must never print a traceback into the shell
        return []


def _complete_check_args(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Shell completion for `check`: lengthwise override keys after a dot, else files."""
    from click.shell_completion import CompletionItem

    if "." in incomplete and "/" not in incomplete:
        keys = ["schedule.name=", "schedule.params.", "reward.name=", "reward.params.", "difficulty.name=",
                "difficulty.params.", *(f"training.{k}=" for k in _training_fields())]
        return [CompletionItem(k, type="plain") for k in keys if k.startswith(incomplete)]
    return [CompletionItem(incomplete, type="file")]


def _training_fields() -> list[str]:
    from .config import TrainingConfig

    return list(TrainingConfig.model_fields)


@main.command()
@click.argument("name", required=False, shell_complete=_complete_strategy)
@click.option("--kind", type=click.Choice(KINDS), help="only strategies of this kind")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output, with every parameter")
def strategies(name: str | None, kind: str | None, as_json: bool) -> None:
    """List installed strategies as `kind name package`; with NAME, document that strategy.

    NAME shows each parameter's type, default, constraints and description, and where the
    strategy comes from (package, class, file).
    """
    from .describe import describe_spec

    registry = get_registry()
    specs = registry.specs(kind)  # type: ignore[arg-type]
    if name is not None:
        chosen = [s for s in specs if s.name == name]
        if not chosen:
            names = sorted({s.name for s in specs})
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            _fail(f"no strategy named '{name}'{hint}; installed: {', '.join(names) or 'none'}")
        docs = [describe_spec(s) for s in chosen]
        if as_json:
            click.echo(json.dumps(docs if len(docs) > 1 else docs[0], indent=2))
            return
        for i, d in enumerate(docs):
            if i:
                click.echo("")
            click.echo(f"{d['kind']} {d['name']}  ({d['package']}: {d['class']})")
            click.echo(f"  file: {d['file']}")
            for line in d["doc"].splitlines():
                click.echo(f"  {line}".rstrip())
            click.echo("  parameters:" if d["parameters"] else "  parameters: none")
            for p in d["parameters"]:
                click.echo(f"    {_format_param(p)}")
                if p["description"]:
                    click.echo(f"        {p['description']}")
        return
    if as_json:
        click.echo(json.dumps([describe_spec(s) for s in specs], indent=2))
        return
    if not specs:
        click.echo("no strategies installed: pip install a lengthwise plugin (e.g. plugins/siri)", err=True)
        return
    wk = max(len(s.kind) for s in specs)
    wn = max(len(s.name) for s in specs)
    wp = max(len(s.package) for s in specs)
    for s in specs:
        click.echo(f"{s.kind:<{wk}}  {s.name:<{wn}}  {s.package:<{wp}}  {s.summary}".rstrip())


@main.command()
@click.argument("args", nargs=-1, required=True, metavar="CONFIG... [KEY=VALUE...]", shell_complete=_complete_check_args)
def check(args: tuple[str, ...]) -> None:
    """Validate each CONFIG and print the strategies it would build.

    KEY=VALUE overrides lengthwise's own keys in every CONFIG before validation, e.g.
    schedule.params.period=320 reward.name=kimi training.rollout_n=16; the printout shows the
    effective values.
    """
    overrides = [a for a in args if "=" in a or a.startswith("~")]
    configs = [Path(a) for a in args if a not in overrides]
    if not configs:
        _fail("no config file given (usage: lengthwise check CONFIG... [KEY=VALUE...])")
    for text in overrides:
        key = text.lstrip("+~").partition("=")[0]
        if not is_lengthwise_key(key):
            _fail(f"override {text!r}: {key} is not a lengthwise key; verl's keys belong to `lengthwise train`")
    failed = []
    for path in configs:
        try:
            cfg = load_config(path, overrides)
            built = build_strategies(cfg)
        except (ConfigError, PluginConflictError) as err:
            print_debug_traceback()
            message = str(err)
            if not message.startswith(f"{path}:"):
                message = f"{path}: {message}"
            click.echo(f"error: {' '.join(message.split())}", err=True)
            failed.append(path)
            continue
        click.echo(f"{path}: ok{f' ({cfg.name})' if cfg.name else ''}")
        if overrides:
            click.echo(f"  overrides   {' '.join(overrides)}")
        sched = built.schedule
        click.echo(f"  schedule    {cfg.schedule.name}: {sched.params.model_dump()}")
        click.echo(f"              caps in [{sched.min_cap}, {sched.max_cap}]; step 0 -> {sched.cap(0)}")
        click.echo(f"  reward      {cfg.reward.name}: {built.reward.params.model_dump()}")
        if built.difficulty is not None:
            how = "" if cfg.difficulty is not None else " (the reward's default)"
            click.echo(f"  difficulty  {built.difficulty.name}{how}: {built.difficulty.params.model_dump()}")
        t = cfg.training
        click.echo(
            f"  training    {t.algorithm} on {t.model_path}: n={t.rollout_n}, batch={t.train_batch_size}, "
            f"lr={t.learning_rate}, clip=({t.clip_ratio_low}, {t.clip_ratio_high}), temperature={t.temperature}"
        )
        boost = t.correct_sample_advantage_boost
        click.echo(
            f"  advantage   {t.adv_estimator}"
            + (f" + {boost} for reward >= {t.correct_sample_advantage_boost_threshold}" if boost > 0 else "")
            + f"; dynamic sampling {'on' if t.filter_groups else 'off'}"
            + (f"; kl loss {t.kl_coef}" if t.use_kl_loss else f"; in-reward kl {t.kl_coef}" if t.kl_coef > 0 else "")
        )
    if failed:
        sys.exit(2)


@main.command("new-plugin")
@click.argument("name")
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="where to create lengthwise-NAME/")
def new_plugin(name: str, parent: Path) -> None:
    """Write a ready plugin package lengthwise-NAME/: pyproject with the entry point, a reward
    shaper named NAME, a test and a README."""
    from .scaffold import ScaffoldError, write_plugin

    try:
        root = write_plugin(name, parent)
    except ScaffoldError as err:
        _fail(str(err))
    click.echo(f"wrote {root}")
    click.echo(f"next: pip install -e {root} && pytest {root} && lengthwise strategies {root.name.removeprefix('lengthwise-')}")


if __name__ == "__main__":  # pragma: no cover
    main()
