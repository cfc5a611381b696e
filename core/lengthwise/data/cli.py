"""``lengthwise prepare-data NAME --out DIR``: write DIR/<name>/<split>.parquet for verl."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from .loaders import DataError, prepare_dataset
from .specs import DATASETS, get_spec

__all__ = ["prepare_data"]


def _fail(message: str) -> None:
    from ..cli import print_debug_traceback

    print_debug_traceback()  # under --debug, the traceback of the error being reported
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _load_tokenizer(name: str) -> Any:
    try:
        from transformers import AutoTokenizer
    except ImportError:
        _fail("--tokenizer needs the `transformers` package: pip install 'lengthwise[verl]'")
    try:
        return AutoTokenizer.from_pretrained(name)
    except Exception as err:  # hub, path and format errors alike
        _fail(f"cannot load the tokenizer {name!r}: {' '.join(str(err).split())[:300]}")


_HELP = """Turn the math dataset NAME into verl's RL parquet format.

Writes OUT/NAME/SPLIT.parquet with chat-message prompts ending in "Let's think step by step and
output the final answer within \\boxed{}.", ability "math" and the answer as a rule-based ground
truth. Without --source the data comes from the Hugging Face hub.

\b
Datasets:
""" + "\n".join(f"  {s.name:<11} {s.hub_id} -> {s.split}.parquet" for s in DATASETS.values())


@click.command("prepare-data", help=_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("name", type=click.Choice(sorted(DATASETS)))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="output root")
@click.option("--source", help="local .parquet/.jsonl/.json/.csv file or directory, or a hub dataset id")
@click.option("--split", help="split name written (default: train for training sets, test for benchmarks)")
@click.option("--hub-split", help="split read from the hub (default: the dataset's own)")
@click.option("--limit", type=click.IntRange(min=1), help="keep only the first N rows")
@click.option("--tokenizer", help="also store the chat-templated prompt text (model path or hub id)")
def prepare_data(
    name: str,
    out_dir: Path,
    source: str | None,
    split: str | None,
    hub_split: str | None,
    limit: int | None,
    tokenizer: str | None,
) -> None:
    """Turn the math dataset NAME into verl's RL parquet format (help text: ``_HELP``)."""
    spec = get_spec(name)
    tok = _load_tokenizer(tokenizer) if tokenizer else None
    def progress(items: Iterable[Any]) -> Iterable[Any]:
        # Opened only once rows exist, so an unreadable source prints just its error.
        items = list(items)
        with click.progressbar(items, label=f"{name}: converting", file=sys.stderr) as bar:
            yield from bar

    try:
        result = prepare_dataset(
            spec, out_dir, source=source, split=split, hub_split=hub_split, limit=limit, tokenizer=tok,
            progress=progress,
        )
    except DataError as err:
        _fail(str(err))
    skipped = f", skipped {result.skipped} without a problem or answer" if result.skipped else ""
    click.echo(f"{result.path}: {result.rows} rows from {result.origin}{skipped}")

