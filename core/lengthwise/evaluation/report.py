"""Grade samples, count their tokens, and build the model × benchmark table.

    grade_samples(samples, options)          -> Graded: verdict per sample (the lengthwise scorer)
    count_tokens(samples, tokenizer=None)    -> tokens per sample and where each count came from
    build_table(samples, correct, tokens, …) -> list[ResultRow] (formulas: :mod:`.metrics`)

Pass@1's interval is :func:`.metrics.pass_at_1_ci`: the 95 % Wilson interval at an effective
sample size between N problems and N·k samples (always inside [0, 100] %, never of zero width).
    format_table / format_markdown / write_csv

Verdicts come from :func:`lengthwise.scoring.grade_detailed_complete` on every response
(``</think>`` split, fallback and math-verify timeout as options); a file's stored verdict is used
only when ``use_stored_score`` is set. A missing response (null or empty) or one with no
extractable answer counts as wrong. Every answer math-verify has to decide gets its full
``timeout_s``, wherever it is in the files (the batch deadline only paces the grading, in
rounds), so the table does not depend on row order. An answer math-verify could not decide in
that time is a ``timeout``: not counted correct in Pass@1 (a verified answer is the only correct
one, and a model must not gain by answers that stall the grader), and counted in the table's
``timeout`` column, never silently folded into the wrong answers.

Token counts, per sample, first available of: the file's ``num_tokens`` (verl: ``lw_length``);
the given tokenizer (``len(tokenizer(text, add_special_tokens=False).input_ids)``); an estimate of
⌈characters / 4⌉, flagged ``estimate`` in the table (``~``) and the CSV's ``token_source``. A
missing response without a stored count has no length: it counts as wrong for Pass@1 but is left
out of the token means (a failed generation must not make a model look concise).

The table has one row per (model, benchmark) and, with several benchmarks, an ``average`` row per
model: the unweighted mean over that model's benchmarks of Pass@1 and of each token mean (no CI);
its ΔAcc / CR / AES compare with the base model's average over the same benchmarks (NaN when the
base lacks one of them).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..scoring.options import GradeOptions
from . import metrics as M
from .schema import EvalInputError, Sample

__all__ = [
    "Graded",
    "grade_samples",
    "load_tokenizer",
    "count_tokens",
    "ResultRow",
    "build_table",
    "format_table",
    "format_markdown",
    "write_csv",
    "AVERAGE",
]

AVERAGE = "average"
TOKEN_SOURCES = ("stored", "tokenizer", "estimate", "missing")


class Graded(NamedTuple):
    """One entry per sample: ``correct`` and ``answered`` (bool arrays) and ``verdict`` (str):
    "correct", "wrong", "no_answer" (nothing extractable), "missing" (no response), "timeout"
    and "deferred" (math-verify gave no verdict; see the module docstring), "error"
    (math-verify failed), "stored" (the file's own verdict, with ``use_stored_score``)."""

    correct: np.ndarray
    answered: np.ndarray
    verdict: list[str]


def grade_samples(
    samples: Sequence[Sample], options: GradeOptions | None = None, *, use_stored_score: bool = False
) -> Graded:
    """Grade every sample with ``options`` (the scorer's :class:`~lengthwise.scoring.GradeOptions`;
    default: its defaults).

    ``use_stored_score``: trust a file's own verdict where it has one.
    ``answered``: the scorer extracted an answer (stored verdicts count as answered).
    """
    from ..scoring import grade_detailed_complete

    n = len(samples)
    correct = np.zeros(n, dtype=bool)
    answered = np.zeros(n, dtype=bool)
    verdict = ["missing"] * n
    todo: list[int] = []
    for i, s in enumerate(samples):
        if use_stored_score and s.stored_problem is not None:
            raise EvalInputError(s.stored_problem)
        if use_stored_score and s.stored_correct is not None:
            correct[i] = s.stored_correct
            answered[i] = True
            verdict[i] = "stored"
        elif not s.response:
            continue  # a missing response is a wrong answer
        elif s.ground_truth is None:
            raise EvalInputError(f"{s.origin}: no ground truth to grade against")
        else:
            todo.append(i)
    if todo:
        results = grade_detailed_complete(
            [samples[i].response for i in todo],  # type: ignore[misc]
            [samples[i].ground_truth for i in todo],  # type: ignore[misc]
            options=options,
        )
        for i, r in zip(todo, results):
            correct[i] = r.correct
            answered[i] = r.extracted is not None
            if r.path in ("timeout", "deferred", "error", "no_answer"):
                verdict[i] = r.path
            else:
                verdict[i] = "correct" if r.correct else "wrong"
    return Graded(correct, answered, verdict)


def load_tokenizer(path: str | Path) -> Any:
    """A Hugging Face tokenizer from a local directory (never the hub)."""
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise EvalInputError("--tokenizer needs the `transformers` package (pip install transformers)") from None
    p = Path(path)
    if not p.exists():
        raise EvalInputError(f"--tokenizer {path}: no such directory")
    try:
        return AutoTokenizer.from_pretrained(str(p), local_files_only=True)
    except Exception as err:  # transformers raises OSError/ValueError/… for a bad directory
        raise EvalInputError(f"--tokenizer {path}: cannot load a tokenizer ({' '.join(str(err).split())[:300]})") from None


def estimate_tokens(text: str) -> int:
    """⌈characters / 4⌉: the usual rule of thumb for BPE vocabularies on English and LaTeX."""
    return -(-len(text) // 4)


def count_tokens(samples: Sequence[Sample], tokenizer: Any = None) -> tuple[np.ndarray, list[str]]:
    """Tokens per sample (float; NaN for a missing response) and the source of each count."""
    counts = np.zeros(len(samples), dtype=np.float64)
    sources: list[str] = [""] * len(samples)
    need: list[int] = []
    for i, s in enumerate(samples):
        if s.num_tokens is not None:
            counts[i], sources[i] = s.num_tokens, "stored"
        elif not s.response:
            counts[i], sources[i] = math.nan, "missing"
        else:
            need.append(i)
    if need and tokenizer is not None:
        batch = 256
        for start in range(0, len(need), batch):
            idx = need[start : start + batch]
            enc = tokenizer([samples[i].response for i in idx], add_special_tokens=False)
            for i, ids in zip(idx, enc["input_ids"]):
                counts[i], sources[i] = len(ids), "tokenizer"
    elif need:
        for i in need:
            counts[i], sources[i] = estimate_tokens(samples[i].response or ""), "estimate"
    return counts, sources


@dataclass
class ResultRow:
    """One line of the table. Pass@1 and its CI are percentages; tokens are means per sample."""

    model: str
    benchmark: str
    problems: int
    samples: int
    k_min: int
    k_max: int
    pass1: float
    pass1_ci_low: float
    pass1_ci_high: float
    tokens: float
    tokens_correct: float
    tokens_wrong: float
    no_answer: float  # % of samples without an extractable answer
    token_source: str
    timeouts: int = 0  # samples math-verify could not decide within its timeout (not counted correct)
    base: str = ""
    acc_rel: float = math.nan  # (acc − acc₀)/acc₀
    delta_acc: float = math.nan  # SIRI: max(acc/acc₀ − 1, 0)
    cr: float = math.nan  # SIRI: len/len₀
    delta_acc_per_cr: float = math.nan
    aes: float = math.nan  # O1-Pruner
    tokens_ci_low: float = math.nan  # 95 % CI of ``tokens`` (over runs; ``lengthwise demo --compare``)
    tokens_ci_high: float = math.nan
    runs: int = 1  # training runs (seeds) averaged into this row

    @property
    def is_average(self) -> bool:
        return self.benchmark == AVERAGE


def _group_row(model, bench, sel_samples, correct, answered, tokens, sources, timeouts: int = 0) -> ResultRow:
    by_problem: dict[str, list[int]] = {}
    for j, s in enumerate(sel_samples):
        by_problem.setdefault(s.problem_id, []).append(j)
    per_problem = np.array([correct[idx].mean() for idx in by_problem.values()])
    ks = [len(idx) for idx in by_problem.values()]
    lo, hi = M.pass_at_1_ci(per_problem, np.array(ks))
    kinds = sorted({src for src in sources if src != "missing"}, key=TOKEN_SOURCES.index) or ["missing"]
    return ResultRow(
        model=model,
        benchmark=bench,
        problems=len(by_problem),
        samples=len(sel_samples),
        k_min=min(ks),
        k_max=max(ks),
        pass1=100 * M.pass_at_1(per_problem),
        pass1_ci_low=100 * lo,
        pass1_ci_high=100 * hi,
        tokens=M.mean_or_nan(tokens),
        tokens_correct=M.mean_or_nan(tokens[correct]),
        tokens_wrong=M.mean_or_nan(tokens[~correct]),
        no_answer=100 * float((~answered).mean()),
        token_source="+".join(kinds),
        timeouts=timeouts,
    )


def _average_row(model: str, rows: list[ResultRow]) -> ResultRow:
    def avg(attr: str) -> float:
        vals = [getattr(r, attr) for r in rows]
        return math.nan if any(math.isnan(v) for v in vals) else float(np.mean(vals))

    kinds = sorted({k for r in rows for k in r.token_source.split("+")}, key=TOKEN_SOURCES.index)
    return ResultRow(
        model=model,
        benchmark=AVERAGE,
        problems=sum(r.problems for r in rows),
        samples=sum(r.samples for r in rows),
        k_min=min(r.k_min for r in rows),
        k_max=max(r.k_max for r in rows),
        pass1=avg("pass1"),
        pass1_ci_low=math.nan,
        pass1_ci_high=math.nan,
        tokens=avg("tokens"),
        tokens_correct=avg("tokens_correct"),
        tokens_wrong=avg("tokens_wrong"),
        no_answer=avg("no_answer"),
        token_source="+".join(kinds),
        timeouts=sum(r.timeouts for r in rows),
    )


def _relate(row: ResultRow, base: ResultRow, weights: M.AESWeights) -> None:
    acc, acc0 = row.pass1 / 100, base.pass1 / 100
    row.base = base.model
    row.acc_rel = M.relative_acc_change(acc, acc0)
    row.delta_acc = M.siri_delta_acc(acc, acc0)
    row.cr = M.compression_ratio(row.tokens, base.tokens)
    row.delta_acc_per_cr = M.delta_acc_per_cr(acc, acc0, row.tokens, base.tokens)
    row.aes = M.aes(acc, acc0, row.tokens, base.tokens, weights)


def build_table(
    samples: Sequence[Sample],
    correct: np.ndarray,
    tokens: np.ndarray,
    token_sources: Sequence[str],
    *,
    answered: np.ndarray | None = None,
    verdict: Sequence[str] | None = None,
    base: str | None = None,
    weights: M.AESWeights = M.AESWeights(),
    average: bool = True,
) -> list[ResultRow]:
    """The table's rows: benchmarks in order of first appearance (``average`` last), the base
    model first within each benchmark, then the others in order of first appearance.
    ``verdict`` (from :func:`grade_samples`) gives each row its ``timeouts`` count."""
    correct = np.asarray(correct, dtype=bool)
    tokens = np.asarray(tokens, dtype=np.float64)
    answered = correct.copy() if answered is None else np.asarray(answered, dtype=bool)
    verdict = ["" for _ in samples] if verdict is None else list(verdict)
    if not (len(samples) == len(correct) == len(tokens) == len(token_sources) == len(answered) == len(verdict)):
        raise ValueError("samples, correct, tokens, answered, verdict and token_sources differ in length")
    models = list(dict.fromkeys(s.model for s in samples))
    benches = list(dict.fromkeys(s.benchmark for s in samples))
    if base is not None and base not in models:
        raise EvalInputError(f"--base {base!r} is not among the models read: {', '.join(models)}")
    if base is not None:
        models.remove(base)
        models.insert(0, base)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(samples):
        groups.setdefault((s.model, s.benchmark), []).append(i)

    table: dict[tuple[str, str], ResultRow] = {}
    for (model, bench), idx in groups.items():
        ix = np.asarray(idx)
        table[(model, bench)] = _group_row(
            model, bench, [samples[i] for i in idx], correct[ix], answered[ix], tokens[ix],
            [token_sources[i] for i in idx],
            timeouts=sum(verdict[i] in ("timeout", "deferred") for i in idx),
        )
    if average and len(benches) > 1:
        for model in models:
            mine = [table[(model, b)] for b in benches if (model, b) in table]
            table[(model, AVERAGE)] = _average_row(model, mine)
        benches.append(AVERAGE)

    if base is not None:
        base_benches = {b for (m, b) in table if m == base and b != AVERAGE}
        for (model, bench), row in table.items():
            if bench == AVERAGE:
                mine = {b for (m, b) in table if m == model and b != AVERAGE}
                if mine <= base_benches:
                    ref = _average_row(base, [table[(base, b)] for b in benches if b in mine])
                    _relate(row, ref, weights)
            elif (base, bench) in table:
                _relate(row, table[(base, bench)], weights)
    return [table[(m, b)] for b in benches for m in models if (m, b) in table]


# ------------------------------------------------------------------ output


def _f(x: float, spec: str, dash: str = "—") -> str:
    return dash if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def _k(r: ResultRow) -> str:
    return f"{r.k_min}" if r.k_min == r.k_max else f"{r.k_min}-{r.k_max}"


def _cells(r: ResultRow, base: str | None) -> list[str]:
    est = "~" if "estimate" in r.token_source else ""
    ci = "" if math.isnan(r.pass1_ci_low) else f" [{r.pass1_ci_low:.1f}, {r.pass1_ci_high:.1f}]"
    rel = base is not None and r.model != base
    return [
        r.benchmark,
        r.model + (" (base)" if base is not None and r.model == base else ""),
        f"{r.problems}×{_k(r)}",
        f"{r.pass1:.1f}{ci}",
        str(r.timeouts),
        est + _f(r.tokens, ".0f"),
        est + _f(r.tokens_correct, ".0f"),
        est + _f(r.tokens_wrong, ".0f"),
        (_f(100 * r.delta_acc, ".1f") + ("" if math.isnan(r.delta_acc) else "%")) if rel else "—",
        _f(r.cr, ".3f") if rel else "—",
        _f(r.delta_acc_per_cr, ".3f") if rel else "—",
        _f(r.aes, "+.3f") if rel else "—",
    ]


_HEAD = ["benchmark", "model", "N×k", "Pass@1 [95% CI]", "timeout", "tokens", "tok correct", "tok wrong", "ΔAcc", "CR", "ΔAcc/CR", "AES"]


def _notes(rows: Sequence[ResultRow], base: str | None) -> list[str]:
    notes = [
        "Pass@1: mean over problems of the per-problem mean correctness over k samples, %; "
        "95% Wilson interval over problems, at an effective sample size between N (samples of a problem "
        "fully correlated) and N*k (independent) estimated from the spread of per-problem accuracies.",
        "timeout: answers math-verify could not decide within --timeout seconds each; not counted correct.",
    ]
    if base is not None:
        notes.append(
            f"vs base {base}: ΔAcc = max(acc/acc0 - 1, 0), CR = tokens/tokens0 (SIRI); "
            "AES = ΔLen + 3·ΔAcc_rel if ΔAcc_rel >= 0 else ΔLen - 5·|ΔAcc_rel| (O1-Pruner), "
            "ΔLen = 1 - tokens/tokens0, ΔAcc_rel = acc/acc0 - 1."
        )
    if any("estimate" in r.token_source for r in rows):
        notes.append("~ token counts are estimates (ceil(characters/4)); pass --tokenizer PATH for exact counts.")
    return notes


def format_table(rows: Sequence[ResultRow], base: str | None = None) -> str:
    """A plain-text table for the terminal, with a rule between benchmarks and footnotes."""
    body = [_cells(r, base) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(_HEAD)]
    right = set(range(2, len(_HEAD)))

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [line(_HEAD), "  ".join("-" * w for w in widths)]
    prev = None
    for r, cells in zip(rows, body):
        if prev is not None and r.benchmark != prev:
            out.append("")
        out.append(line(cells))
        prev = r.benchmark
    out.append("")
    out.extend(_notes(rows, base))
    return "\n".join(out)


def format_markdown(rows: Sequence[ResultRow], base: str | None = None) -> str:
    """The same table as GitHub-flavoured Markdown."""
    out = ["| " + " | ".join(_HEAD) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(_HEAD) - 2)) + "|"]
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(r, base)) + " |")
    out.append("")
    out.extend(_notes(rows, base))
    return "\n".join(out) + "\n"


CSV_COLUMNS = [f.name for f in fields(ResultRow)]


def write_csv(rows: Sequence[ResultRow], path: str | Path) -> None:
    """One line per row, every :class:`ResultRow` field (NaN written as an empty cell)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        for r in rows:
            d = asdict(r)
            w.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()})


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a CSV written by :func:`write_csv` (numbers parsed; empty cells NaN)."""
    from .schema import read_text_file

    path = Path(path)
    text = read_text_file(path)  # a regular file within the size limit
    try:
        raw = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise EvalInputError(f"{path}: cannot read ({err})") from None
    if not raw:
        raise EvalInputError(f"{path}: no rows")
    need = {"model", "benchmark", "pass1", "tokens"}
    missing = need - set(raw[0])
    if missing:
        raise EvalInputError(
            f"{path}: not a `lengthwise eval --csv` file (missing columns: {', '.join(sorted(missing))})"
        )
    out = []
    for lineno, row in enumerate(raw, 2):
        parsed: dict[str, Any] = {}
        for k, v in row.items():
            if k in ("model", "benchmark", "token_source", "base"):
                parsed[k] = v or ""
                continue
            try:
                parsed[k] = float(v) if v not in ("", None) else math.nan
            except ValueError:
                raise EvalInputError(f"{path}:{lineno}: column {k} is not a number: {v!r}") from None
        out.append(parsed)
    return out


def warn_estimates(sources: Sequence[str]) -> str | None:
    """The warning to print when some token counts are estimates (None when none are)."""
    n = sum(1 for s in sources if s == "estimate")
    if not n:
        return None
    return (
        f"{n} of {len(sources)} responses have no stored token count and no --tokenizer was given: "
        "their lengths are estimated as ceil(characters / 4) (marked ~ in the table)"
    )
