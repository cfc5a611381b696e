"""``lengthwise eval`` and ``lengthwise plot``.

Bad input (a missing or malformed file, an unknown base model, a CSV that is not an eval table)
ends with ``error: <what and where>`` on stderr and exit status 2, never a traceback.

Grading never fails quietly: every answer math-verify decides gets its full ``--timeout``
wherever it sits in the files (:func:`lengthwise.scoring.grade_detailed_complete`); the answers it
could not decide in that time are counted in the table's ``timeout`` column and named on stderr,
and ``--strict`` makes any of them exit 1 after the table is printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .schema import EvalInputError

__all__ = ["eval_cmd", "plot"]


def _fail(message: str) -> None:
    from ..cli import print_debug_traceback

    print_debug_traceback()  # under --debug, the traceback of the error being reported
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


_FLAGS = {"timeout_s": "--timeout", "batch_timeout_s": "--batch-timeout", "workers": "--workers"}


def _flag_error(err: ValueError) -> str:
    """A GradeOptions error in the flags' words: ``--timeout: timeout_s must be ... got 1e+09``."""
    from pydantic import ValidationError

    from ..scoring.options import describe_error

    if not isinstance(err, ValidationError):
        return str(err)
    parts = []
    for e in err.errors():
        field = str(e["loc"][0]) if e["loc"] else ""
        parts.append(f"{_FLAGS.get(field, '--' + field.replace('_', '-'))}: {describe_error(e)}")
    return "; ".join(parts)


def _aes_weights(value: str):
    from .metrics import AESWeights

    try:
        a, b, g = (float(x) for x in value.split(","))
    except ValueError:
        raise click.BadParameter("expected three numbers ALPHA,BETA,GAMMA, e.g. 1,3,5") from None
    return AESWeights(a, b, g)


@click.command("eval")
@click.argument("generations", nargs=-1, required=True)
@click.option("--base", "base", metavar="MODEL", help="the reference model for ΔAcc, CR and AES")
@click.option("--model", "model", metavar="NAME", help="model name for rows that have none (default: the file name)")
@click.option("--benchmark", metavar="NAME", help="benchmark name for rows that have none")
@click.option("--tokenizer", metavar="PATH", help="local tokenizer directory to count tokens not stored in the files")
@click.option("--use-stored-score", is_flag=True, help="trust the files' own verdicts (correct / acc / score) instead of grading")
@click.option(
    "--answer-after-think/--whole-response", default=True, show_default=True,
    help="grade only the text after the last </think> when there is one",
)
@click.option("--require-think-close", is_flag=True, help="a response without </think> is wrong")
@click.option(
    "--fallback", type=click.Choice(["none", "answer_is", "last_number"]), default="none", show_default=True,
    help="what to extract when a response has no \\boxed{}",
)
@click.option("--timeout", "timeout_s", type=float, default=5.0, show_default=True,
              help="math-verify seconds per undecided answer, at most 3600")
@click.option("--batch-timeout", "batch_timeout_s", type=float, default=60.0, show_default=True,
              help="math-verify seconds per grading round (at least --timeout + 10); answers a round "
                   "cuts off are graded in the next, so each gets its full --timeout")
@click.option("--strict", is_flag=True, help="exit 1 when any answer timed out in math-verify (after the table)")
@click.option("--workers", type=int, help="math-verify worker processes (default: CPUs, at most 8)")
@click.option("--aes-weights", default="1,3,5", show_default=True, metavar="A,B,G",
              help="AES α (length), β (accuracy gain), γ (accuracy drop)")
@click.option("--no-average", is_flag=True, help="no 'average' row per model")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="write the table as CSV")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False, path_type=Path), help="write the table as Markdown")
@click.option("--samples-out", type=click.Path(dir_okay=False, path_type=Path),
              help="write every sample's verdict and token count as JSONL")
def eval_cmd(
    generations, base, model, benchmark, tokenizer, use_stored_score, answer_after_think, require_think_close,
    fallback, timeout_s, batch_timeout_s, strict, workers, aes_weights, no_average, csv_path, md_path, samples_out,
) -> None:
    """Grade GENERATIONS and print Pass@1 (95% Wilson interval), mean tokens, ΔAcc, CR and AES per
    model × benchmark.

    GENERATIONS are JSONL files or directories of them, in the lengthwise eval schema or verl's
    validation/rollout dump format; write NAME=PATH to name the model of a file or directory.
    """
    import json

    from ..outputs import writing
    from ..scoring import GradeOptions
    from . import report as R
    from .schema import parse_sources, read_generations

    weights = _aes_weights(aes_weights)
    try:  # checked before any file is read: a bad value is one line, exit 2
        options = GradeOptions(
            answer_after_think=answer_after_think, require_think_close=require_think_close, fallback=fallback,
            timeout_s=timeout_s, batch_timeout_s=batch_timeout_s, workers=workers,
        )
    except ValueError as err:
        _fail(_flag_error(err))
        return
    try:
        samples = read_generations(parse_sources(generations), model=model, benchmark=benchmark)
        models = list(dict.fromkeys(s.model for s in samples))
        if base is not None and base not in models:
            raise EvalInputError(f"--base {base!r} is not among the models read: {', '.join(models)}")
        tok = R.load_tokenizer(tokenizer) if tokenizer else None
        correct, answered, verdict = R.grade_samples(samples, options, use_stored_score=use_stored_score)
        tokens, sources = R.count_tokens(samples, tok)
        rows = R.build_table(
            samples, correct, tokens, sources, answered=answered, verdict=verdict, base=base, weights=weights,
            average=not no_average,
        )
    except EvalInputError as err:
        _fail(str(err))
        return
    note = R.warn_estimates(sources)
    if note:
        click.echo(f"warning: {note}", err=True)
    click.echo(R.format_table(rows, base))
    undecided = _undecided_line(samples, verdict, timeout_s)
    if undecided:
        click.echo(f"{'error' if strict else 'warning'}: {undecided}", err=True)
    try:
        if csv_path:
            with writing(csv_path):
                R.write_csv(rows, csv_path)
            click.echo(f"wrote {csv_path}", err=True)
        if md_path:
            with writing(md_path):
                md_path.parent.mkdir(parents=True, exist_ok=True)
                md_path.write_text(R.format_markdown(rows, base), encoding="utf-8")
            click.echo(f"wrote {md_path}", err=True)
        if samples_out:
            with writing(samples_out):
                samples_out.parent.mkdir(parents=True, exist_ok=True)
                with samples_out.open("w", encoding="utf-8") as fh:
                    for s, c, a, v, t, src in zip(samples, correct, answered, verdict, tokens, sources):
                        fh.write(json.dumps({
                            "model": s.model, "benchmark": s.benchmark, "problem_id": s.problem_id,
                            "sample_index": s.sample_index, "correct": bool(c), "answered": bool(a), "verdict": v,
                            "num_tokens": None if t != t else int(t), "token_source": src, "origin": s.origin,
                        }) + "\n")
            click.echo(f"wrote {samples_out}", err=True)
    except OSError as err:
        _fail(f"cannot write {_os_error(err)}")
    if strict and undecided:
        sys.exit(1)


def _os_error(err: OSError) -> str:
    """``PATH: No space left on device``: the path the error names, else the text alone."""
    what = err.strerror or str(err)
    return f"{err.filename}: {what}" if err.filename else what


def _undecided_line(samples, verdict, timeout_s: float) -> str | None:
    """One line naming the answers math-verify gave no verdict on, or None."""
    timed = [s for s, v in zip(samples, verdict) if v == "timeout"]
    deferred = [s for s, v in zip(samples, verdict) if v == "deferred"]
    if not timed and not deferred:
        return None
    parts = []
    if timed:
        parts.append(f"{len(timed)} of {len(samples)} answers timed out in math-verify (--timeout {timeout_s:g} s each)")
    if deferred:
        parts.append(f"{len(deferred)} could not be graded (math-verify's workers made no progress)")
    where = ", ".join(s.origin for s in (timed + deferred)[:3]) + (", ..." if len(timed) + len(deferred) > 3 else "")
    return "; ".join(parts) + f"; not counted correct (the table's timeout column): {where}"


@click.group("plot")
def plot() -> None:
    """Figures (PNG, SVG and PDF): `pareto` from an eval CSV, `dynamics` from a training metrics JSONL,
    `levels` from per-level rows (JSON)."""


def _figure_options(f):
    """--width/--height/--font-size: the figure's print size (defaults: one paper column)."""
    from .plots import COLUMN_WIDTH, FONT_SIZE, MIN_FONT_SIZE

    f = click.option("--font-size", type=click.FloatRange(MIN_FONT_SIZE, 30), default=FONT_SIZE, show_default=True,
                     help="text size in points at print size (ticks and legends included)")(f)
    f = click.option("--height", type=click.FloatRange(0.5, 50), default=None,
                     help="figure height in inches [default: from the panels]")(f)
    f = click.option("--width", type=click.FloatRange(0.5, 50), default=COLUMN_WIDTH, show_default=True,
                     help="figure width in inches (one column; 7 for a two-column paper's full width)")(f)
    return f


@plot.command("pareto")
@click.argument("eval_csv", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="output directory")
@click.option("--benchmark", "benchmarks", multiple=True, help="only these benchmarks (repeatable)")
@click.option("--title", default=None, help="figure title (default: none; papers put it in the caption)")
@_figure_options
def pareto(eval_csv: Path, out_dir: Path, benchmarks: tuple[str, ...], title: str | None, width: float,
           height: float | None, font_size: float) -> None:
    """Pass@1 against mean tokens per model, one panel per benchmark, with the Pareto front."""
    from .plots import plot_pareto

    try:
        paths = plot_pareto(eval_csv, out_dir, benchmarks=benchmarks or None, title=title or None, width=width,
                            height=height, font_size=font_size)
    except EvalInputError as err:
        _fail(str(err))
        return
    for p in paths:
        click.echo(str(p))


@plot.command("dynamics")
@click.argument("metrics", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="output directory")
@click.option("--title", default=None, help="figure title (default: from the run directory)")
@_figure_options
def dynamics(metrics: Path, out_dir: Path, title: str | None, width: float, height: float | None,
             font_size: float) -> None:
    """Cap schedule, mean length, accuracy and per-bucket lengths over training steps.

    METRICS is a JSON-lines file: the demo's metrics.jsonl, or verl's file logger
    (trainer.logger=[console,file]; rows {"step": N, "data": {...}}).
    """
    from .plots import plot_dynamics

    try:
        paths = plot_dynamics(metrics, out_dir, title=title, width=width, height=height, font_size=font_size)
    except EvalInputError as err:
        _fail(str(err))
        return
    for p in paths:
        click.echo(str(p))


@plot.command("levels")
@click.argument("levels_json", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="output directory")
@click.option("--title", default=None, help="figure title (default: none; papers put it in the caption)")
@_figure_options
def levels(levels_json: Path, out_dir: Path, title: str | None, width: float, height: float | None,
           font_size: float) -> None:
    """Accuracy and mean tokens per difficulty level, one line per config, with their intervals.

    LEVELS_JSON holds a list of rows {"config", "level", "accuracy", "accuracy_ci_low",
    "accuracy_ci_high", "tokens", "tokens_ci_low", "tokens_ci_high", "runs"} (accuracy as a
    fraction; intervals may be null), or an object whose "levels" key holds it (compare.json).
    """
    from .plots import plot_levels

    try:
        paths = plot_levels(levels_json, out_dir, title=title or None, width=width, height=height, font_size=font_size)
    except EvalInputError as err:
        _fail(str(err))
        return
    for p in paths:
        click.echo(str(p))
