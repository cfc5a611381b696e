"""Generation files: the lengthwise eval schema and verl's validation/rollout dumps.

The eval schema (what ``lengthwise generate`` writes) is JSON lines, one object per sampled
response::

    {"model": "siri-low", "benchmark": "aime24", "problem_id": "aime24-7", "sample_index": 3,
     "response": "<think>…</think> … \\boxed{204}", "ground_truth": "204", "num_tokens": 7093}

    model         str   the model that produced the response (optional; see "Model names")
    benchmark     str   the benchmark (alias ``data_source``; optional with ``--benchmark``)
    problem_id    str | int   the problem; samples of one problem share it (alias ``id``)
    sample_index  int   optional; which of the problem's k samples (default: order in the file);
                        a repeated (model, benchmark, problem_id, sample_index) is an error
    response      str   the generated text; null or "" counts as a wrong answer
    ground_truth  str   the gold answer (alias ``answer``)
    num_tokens    int   optional; the response's length in tokens (else ``--tokenizer``, else an
                        estimate, see :mod:`lengthwise.evaluation.report`)
    correct       bool  optional; a stored verdict, used only with ``--use-stored-score``
    finish_reason str   optional ("stop" / "length"); kept for reference

Other keys (``prompt``, sampling settings, …) are ignored.

Model names, first that applies: ``NAME=PATH`` on the command line names every row read from PATH;
the row's ``model``; ``--model``; the file name (a verl dump ``<dir>/<step>.jsonl``: ``<dir>@<step>``).

verl 0.9 dumps (``trainer.validation_data_dir`` / ``trainer.rollout_data_dir``; written by
``RayPPOTrainer._dump_generations`` → ``_write_generations`` into ``<dir>/<global_step>.jsonl``)
hold one object per response with the keys ``input`` (the decoded prompt), ``output`` (the decoded
response), ``gts`` (the ground truth), ``score`` (the reward's sum), ``step`` (the global step),
plus every per-response ``reward_extra_info`` key (e.g. ``acc``, lengthwise's ``lw_length``;
``uid`` in the v1 trainer). They map as::

    response      ← output
    ground_truth  ← gts (a one-element list is unwrapped)
    problem_id    ← a hash of ``input`` (the same prompt is the same problem)
    num_tokens    ← lw_length (the lengthwise reward manager's token count), when present
    correct       ← acc when present, else score > 0 (only read with --use-stored-score)
    benchmark     ← data_source when present, else --benchmark, else "val"
    model         ← NAME=PATH, else --model, else "<directory>@<step>" for a ``<step>.jsonl`` file

A file is read as a verl dump when its rows carry ``input``, ``output``, ``gts`` and ``score``.

Bounds: only regular files are read (a FIFO or ``/dev/zero`` is refused before it is opened), each
at most :data:`MAX_FILE_BYTES` (``LENGTHWISE_MAX_INPUT_BYTES`` overrides it); JSON nested deeper
than Python's recursion limit is an error naming the file and line. A gold answer must be a string,
an integer or a finite number (a one-element list of one is unwrapped): NaN, infinity, booleans,
objects and empty strings are rejected with the row. A stored verdict that is not true/false or a
finite number is an error only when ``--use-stored-score`` would use it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..inputs import InputFileError, read_regular_file

__all__ = [
    "MAX_FILE_BYTES",
    "EvalInputError",
    "Sample",
    "GenerationSource",
    "parse_sources",
    "read_generations",
    "VERL_KEYS",
    "finite_float",
]

#: Largest generation or metrics file read (bytes); ``LENGTHWISE_MAX_INPUT_BYTES`` overrides it.
MAX_FILE_BYTES = 4 << 30


def finite_float(value: Any) -> float | None:
    """``value`` as a float when it is a finite int or float (not a bool), else None (metric rows)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def max_file_bytes() -> int:
    """:data:`MAX_FILE_BYTES`, or the ``LENGTHWISE_MAX_INPUT_BYTES`` environment variable."""
    env = os.environ.get("LENGTHWISE_MAX_INPUT_BYTES", "").strip()
    return int(env) if env.isdigit() else MAX_FILE_BYTES


def read_text_file(path: Path) -> str:
    """A regular file's UTF-8 text within :func:`max_file_bytes` (errors: :class:`EvalInputError`)."""
    try:
        return read_regular_file(path, max_file_bytes(), "input")
    except InputFileError as err:
        raise EvalInputError(str(err)) from None


def loads(text: str, where: str) -> Any:
    """``json.loads`` whose errors (including too-deep nesting) name ``where``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise EvalInputError(f"{where}: not JSON ({err.msg} at line {err.lineno})") from None
    except RecursionError:
        raise EvalInputError(f"{where}: JSON nested too deeply") from None


#: The keys that mark a row as verl's ``_write_generations`` output.
VERL_KEYS = frozenset({"input", "output", "gts", "score"})


class EvalInputError(ValueError):
    """A generation file that cannot be read; the message names the file (and line)."""


@dataclass(frozen=True)
class Sample:
    """One sampled response, whichever file format it came from.

    ``response`` is None when the file stored only a length and a verdict; ``stored_correct``
    is the file's own verdict (None when it has none).
    """

    model: str
    benchmark: str
    problem_id: str
    sample_index: int
    response: str | None
    ground_truth: str | None
    num_tokens: int | None
    stored_correct: bool | None
    origin: str  # "path:line", for error messages and the per-sample dump
    stored_problem: str | None = None  # why the stored verdict is unusable (raised only if it is used)


@dataclass(frozen=True)
class GenerationSource:
    """A path named on the command line, with the model label given as ``NAME=PATH``, if any."""

    path: Path
    model: str | None = None


def parse_sources(args: Iterable[str]) -> list[GenerationSource]:
    """``PATH`` or ``NAME=PATH`` arguments (an existing path containing ``=`` is a path)."""
    out = []
    for arg in args:
        if "=" in arg and not Path(arg).exists():
            name, _, path = arg.partition("=")
            if not name.strip() or not path:
                raise EvalInputError(f"{arg!r}: expected PATH or NAME=PATH")
            out.append(GenerationSource(Path(path), name.strip()))
        else:
            out.append(GenerationSource(Path(arg)))
    return out


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(
            (p for p in path.iterdir() if p.suffix.lower() in (".jsonl", ".json") and p.is_file()), key=_natural
        )
        if not files:
            raise EvalInputError(f"{path}: no .jsonl files in this directory")
        return files
    if not path.exists():
        raise EvalInputError(f"{path}: no such file or directory")
    return [path]


def _natural(p: Path) -> tuple:
    # verl names dumps by step: 10.jsonl must sort after 9.jsonl.
    return (0, int(p.stem), "") if p.stem.isdigit() else (1, 0, p.name)


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    text = read_text_file(path)
    stripped = text.lstrip()
    if stripped.startswith("["):  # a JSON array of rows
        data = loads(text, str(path))
        rows = list(enumerate(data, 1))
    else:
        rows = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append((lineno, json.loads(line)))
            except json.JSONDecodeError as err:
                raise EvalInputError(f"{path}:{lineno}: not JSON ({err.msg})") from None
            except RecursionError:
                raise EvalInputError(f"{path}:{lineno}: JSON nested too deeply") from None
    if not rows:
        raise EvalInputError(f"{path}: no rows")
    for lineno, row in rows:
        if not isinstance(row, dict):
            raise EvalInputError(f"{path}:{lineno}: expected a JSON object per line, got {type(row).__name__}")
    return rows


def _first(row: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in row and row[k] is not None:
            return row[k]
    return None


def _gold(value: Any, where: str) -> str | None:
    if isinstance(value, list) and len(value) == 1:  # verl stores some ground truths as [answer]
        value = value[0]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise EvalInputError(f"{where}: ground_truth must be a string or a number, got {json.dumps(value)[:60]}")
    if isinstance(value, float):
        if not math.isfinite(value):  # pandas writes a missing answer as NaN; "nan" would be graded
            raise EvalInputError(f"{where}: ground_truth is {value!r}, not an answer (a missing value?)")
        if value.is_integer():  # 204.0 from a pandas round trip is 204
            value = int(value)
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        raise EvalInputError(f"{where}: ground_truth is {value!r}, not an answer (a missing value?)")
    return text


def _int(value: Any, what: str, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        raise EvalInputError(f"{where}: {what} must be a whole number, got {value!r}")
    if value < 0:
        raise EvalInputError(f"{where}: {what} must be >= 0, got {value!r}")
    return int(value)


def _verdict(value: Any, where: str) -> tuple[bool | None, str | None]:
    """``(verdict, problem)``: a usable verdict, or None and why the stored one is unusable."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value > 0, None
    return None, f"{where}: the stored score must be true/false or a finite number, got {value!r}"


def _problem_hash(prompt: str) -> str:
    return "p" + hashlib.sha1(prompt.encode("utf-8")).hexdigest()[:12]


def _default_model(path: Path, verl: bool, row: dict[str, Any]) -> str:
    if verl and path.stem.isdigit():
        return f"{path.parent.name or 'verl'}@{row.get('step', path.stem)}"
    return path.stem


def read_generations(
    sources: Sequence[GenerationSource | str | Path],
    *,
    model: str | None = None,
    benchmark: str | None = None,
) -> list[Sample]:
    """Every sample in ``sources`` (files or directories of ``.jsonl``), in file order.

    ``model`` and ``benchmark`` fill rows that lack them (see the module docstring for the
    precedence). Raises :class:`EvalInputError` naming the file and line of the first bad row.
    """
    samples: list[Sample] = []
    seen: dict[tuple[str, str, str], set[int]] = {}
    for src in sources:
        if not isinstance(src, GenerationSource):
            src = GenerationSource(Path(src))
        for path in _files(src.path):
            rows = _rows(path)
            verl = VERL_KEYS <= set(rows[0][1])
            for lineno, row in rows:
                where = f"{path}:{lineno}"
                s = _verl_sample(row, where) if verl else _eval_sample(row, where)
                name = src.model or _first(row, "model") or model or _default_model(path, verl, row)
                bench = _first(row, "benchmark", "data_source") or benchmark
                if bench is None:
                    if not verl:
                        raise EvalInputError(f"{where}: no benchmark (give the row a 'benchmark' or pass --benchmark)")
                    bench = "val"
                key = (str(name), str(bench), s["problem_id"])
                used = seen.setdefault(key, set())
                idx = s["sample_index"]
                if idx is None:
                    idx = len(used)
                    while idx in used:
                        idx += 1
                elif idx in used:
                    raise EvalInputError(
                        f"{where}: sample {idx} of problem {s['problem_id']!r} ({name}, {bench}) appears twice "
                        "(the same file given twice?)"
                    )
                used.add(idx)
                samples.append(
                    Sample(
                        model=str(name),
                        benchmark=str(bench),
                        problem_id=s["problem_id"],
                        sample_index=idx,
                        response=s["response"],
                        ground_truth=s["ground_truth"],
                        num_tokens=s["num_tokens"],
                        stored_correct=s["correct"][0],
                        origin=where,
                        stored_problem=s["correct"][1],
                    )
                )
    return samples


def _text(value: Any, what: str, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise EvalInputError(f"{where}: {what} must be a string, got {type(value).__name__}")


def _eval_sample(row: dict[str, Any], where: str) -> dict[str, Any]:
    pid = _first(row, "problem_id", "id")
    if pid is None or isinstance(pid, (dict, list, bool)):
        raise EvalInputError(
            f"{where}: no problem_id (the eval schema needs problem_id, ground_truth and response; "
            f"found keys: {', '.join(sorted(row)) or 'none'})"
        )
    if "response" not in row and "num_tokens" not in row:
        raise EvalInputError(f"{where}: no response (and no num_tokens); found keys: {', '.join(sorted(row))}")
    return {
        "problem_id": str(pid),
        "sample_index": _int(row.get("sample_index"), "sample_index", where),
        "response": _text(row.get("response"), "response", where),
        "ground_truth": _gold(_first(row, "ground_truth", "answer"), where),
        "num_tokens": _int(row.get("num_tokens"), "num_tokens", where),
        "correct": _verdict(row.get("correct"), where),
    }


def _verl_sample(row: dict[str, Any], where: str) -> dict[str, Any]:
    missing = sorted(VERL_KEYS - set(row))
    if missing:
        raise EvalInputError(f"{where}: a verl dump row lacks {', '.join(missing)}")
    prompt = _text(row["input"], "input", where) or ""
    stored = row.get("acc") if row.get("acc") is not None else row.get("score")
    length = row.get("lw_length")
    return {
        "problem_id": _problem_hash(prompt),
        "sample_index": None,
        "response": _text(row["output"], "output", where),
        "ground_truth": _gold(row["gts"], where),
        "num_tokens": None if length is None else _int(length, "lw_length", where),
        "correct": _verdict(stored, where),
    }
