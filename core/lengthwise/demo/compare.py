"""``lengthwise demo --compare``: several demo configs over several seeds, one table and one figure.

Every run starts from the same warmed-up model (:mod:`.assets`) and is evaluated greedily on the
same 256 held-out problems, so the runs differ only in the strategy and the seed. The seed
changes the problems each step draws and the responses sampled, so the sampling unit of the
comparison is the training run:

* per config, the held-out accuracy and mean tokens after training are averaged over its S runs,
  with the 95 % Student-t interval over runs (:func:`lengthwise.evaluation.metrics.mean_ci_over_runs`);
  with one seed the intervals are the normal ones over the 256 held-out problems instead (they
  then cover evaluation noise only, not training noise);
* "before RL" is the warmed-up model's held-out evaluation (the step-0 validation of the runs;
  greedy, so the same for every run up to the rollout's batching);
* ΔAcc/CR (SIRI) and AES (O1-Pruner) are computed against "before RL" on the means;
* a config *beats the baseline on length beyond noise* when its token interval lies wholly below
  the baseline's, and *keeps the baseline's accuracy* when its mean accuracy is inside the
  baseline's accuracy interval.

:func:`comparison_rows` builds the rows (:class:`lengthwise.evaluation.report.ResultRow`, the
``lengthwise eval`` table's shape), :func:`write_comparison` writes ``compare.csv`` (readable by
``lengthwise plot pareto``), ``compare.md``, ``compare.json`` and the Pareto figure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..evaluation import metrics as M
from ..evaluation.report import ResultRow, write_csv

__all__ = ["COMPARE_ALL", "COMPARE_CORE", "COMPARE_SETS", "BASE", "BENCHMARK", "RunOutcome", "outcome_from_run",
           "comparison_rows", "level_rows", "verdicts", "format_comparison", "format_levels", "write_comparison"]

#: ``--compare all``: every shipped strategy's demo config, the no-shaping baseline first.
COMPARE_ALL = (
    "baseline", "fixed-budget", "siri-stair", "siri-cosine", "siri-stair-cosine", "thinkprune", "laser", "laser-d",
    "laser-de", "deepcompress", "dapo-overlong", "kimi", "l1-max", "arora-zanette", "cosine", "dler",
)
#: ``--compare core``: the methods whose signatures the comparison measures (:mod:`.signatures`):
#: no shaping, a fixed tight budget, SIRI's two schedules, Laser-D/DE, DeepCompress; and DLER (no signature yet).
COMPARE_CORE = ("baseline", "fixed-budget", "siri-cosine", "siri-stair", "laser-d", "laser-de", "deepcompress", "dler")
COMPARE_SETS = {"all": COMPARE_ALL, "core": COMPARE_CORE}
BASE = "before RL"
BENCHMARK = "demo held-out"
#: a length strategy meets the demo's target when it cuts tokens by at least this share vs the baseline
TARGET_CUT = 0.30


@dataclass(frozen=True)
class Evaluation:
    """One held-out evaluation, per problem (in the dump's order): verdict, tokens, level
    (empty when the data rows carry none) and whether the response was cut off (ℓ >= its cap)."""

    correct: tuple[bool, ...] = ()
    lengths: tuple[float, ...] = ()
    levels: tuple[int, ...] = ()
    truncated: tuple[bool, ...] = ()

    def at_level(self, level: int) -> "Evaluation":
        idx = [i for i, k in enumerate(self.levels) if k == level]
        return Evaluation(tuple(self.correct[i] for i in idx), tuple(self.lengths[i] for i in idx),
                          tuple(self.levels[i] for i in idx), tuple(self.truncated[i] for i in idx))


@dataclass(frozen=True)
class RunOutcome:
    """One finished run: its config name, seed, held-out numbers before and after training, and
    the per-problem evaluations behind them (empty when the run wrote no validation dump)."""

    config: str
    seed: int
    initial_accuracy: float
    initial_tokens: float
    final_accuracy: float
    final_tokens: float
    out_dir: str = ""
    initial: Evaluation = Evaluation()
    final: Evaluation = Evaluation()


def _row(model: str, accs: Sequence[float], toks: Sequence[float], evals: Sequence[Evaluation], problems: int) -> ResultRow:
    """The table row of ``model``'s runs: binomial accuracy interval and token interval
    (:func:`lengthwise.evaluation.metrics.accuracy_ci` / ``tokens_ci``) from the per-problem
    evaluations; from the runs' means alone (``problems`` each) when a run has no dump."""
    if evals and all(e.correct for e in evals) and len(evals) == len(accs):
        acc, acc_lo, acc_hi, _ = M.accuracy_ci([e.correct for e in evals])
    else:  # runs without a dump: their accuracies over ``problems`` each
        acc, acc_lo, acc_hi, _ = M.accuracy_ci_from_counts([a * problems for a in accs], [problems] * len(accs))
    if evals and all(e.lengths for e in evals) and len(evals) == len(toks):
        tok, tok_lo, tok_hi, _ = M.tokens_ci([e.lengths for e in evals])
    else:
        tok, tok_lo, tok_hi = M.mean_ci_over_runs(toks)[:3]
    return ResultRow(
        model=model, benchmark=BENCHMARK, problems=problems, samples=problems * len(accs), k_min=1, k_max=1,
        pass1=100 * acc, pass1_ci_low=100 * acc_lo, pass1_ci_high=100 * acc_hi,
        tokens=tok, tokens_correct=math.nan, tokens_wrong=math.nan, no_answer=math.nan, token_source="stored",
        tokens_ci_low=tok_lo, tokens_ci_high=tok_hi, runs=len(accs),
    )


def _by_config(outcomes: Sequence[RunOutcome]) -> dict[str, list[RunOutcome]]:
    by_config: dict[str, list[RunOutcome]] = {}
    for o in outcomes:
        by_config.setdefault(o.config, []).append(o)
    return by_config


def level_rows(outcomes: Sequence[RunOutcome]) -> list[dict[str, Any]]:
    """Per config (and "before RL") and difficulty level: held-out accuracy and mean tokens with
    their intervals over the runs, and the truncation rate — the per-level figure's input
    (:func:`lengthwise.evaluation.plots.plot_levels`). Empty when the dumps carry no levels."""
    if not outcomes:
        return []
    groups = [(BASE, [outcomes[0].initial])] + [(name, [r.final for r in runs]) for name, runs in _by_config(outcomes).items()]
    out = []
    for name, evals in groups:
        if not evals or not all(e.levels and e.lengths for e in evals):
            continue
        for level in sorted(set(evals[0].levels)):
            parts = [e.at_level(level) for e in evals]
            if not all(p.correct for p in parts):
                continue
            acc, acc_lo, acc_hi, _ = M.accuracy_ci([p.correct for p in parts])
            tok, tok_lo, tok_hi, _ = M.tokens_ci([p.lengths for p in parts])
            cut = [t for p in parts for t in p.truncated]
            out.append({
                "config": name, "level": int(level), "runs": len(parts), "problems": len(parts[0].correct),
                "accuracy": acc, "accuracy_ci_low": acc_lo, "accuracy_ci_high": acc_hi,
                "tokens": tok, "tokens_ci_low": tok_lo, "tokens_ci_high": tok_hi,
                "truncation_rate": float(np.mean(cut)) if cut else math.nan,
            })
    return out


def comparison_rows(outcomes: Sequence[RunOutcome], problems: int = 256) -> list[ResultRow]:
    """"before RL" first, then one row per config in order of first appearance (see the module docstring)."""
    if not outcomes:
        raise ValueError("no runs to compare")
    by_config = _by_config(outcomes)
    first = outcomes[0]
    base = _row(BASE, [first.initial_accuracy], [first.initial_tokens], [first.initial] if first.initial.correct else [],
                problems)
    rows = [base]
    for name, runs in by_config.items():
        row = _row(name, [r.final_accuracy for r in runs], [r.final_tokens for r in runs],
                   [r.final for r in runs if r.final.correct], problems)
        acc, acc0 = row.pass1 / 100, base.pass1 / 100
        row.base = BASE
        row.acc_rel = M.relative_acc_change(acc, acc0)
        row.delta_acc = M.siri_delta_acc(acc, acc0)
        row.cr = M.compression_ratio(row.tokens, base.tokens)
        row.delta_acc_per_cr = M.delta_acc_per_cr(acc, acc0, row.tokens, base.tokens)
        row.aes = M.aes(acc, acc0, row.tokens, base.tokens)
        rows.append(row)
    return rows


def verdicts(rows: Sequence[ResultRow], baseline: str = "baseline") -> dict[str, dict[str, Any]]:
    """Per config: token change vs the baseline and whether it is beyond noise (module docstring)."""
    ref = next((r for r in rows if r.model == baseline), None)
    out: dict[str, dict[str, Any]] = {}
    if ref is None:
        return out
    for r in rows:
        if r.model in (BASE, baseline):
            continue
        cut = 1 - r.tokens / ref.tokens if ref.tokens else math.nan
        shorter = not math.isnan(r.tokens_ci_high) and not math.isnan(ref.tokens_ci_low) and r.tokens_ci_high < ref.tokens_ci_low
        keeps = not math.isnan(ref.pass1_ci_low) and ref.pass1_ci_low <= r.pass1 <= ref.pass1_ci_high
        out[r.model] = {
            "token_cut_vs_baseline": cut,
            "shorter_beyond_noise": shorter,
            "accuracy_inside_baseline_ci": keeps,
            "meets_target": bool(cut >= TARGET_CUT and keeps),
        }
    return out


def _ci(lo: float, hi: float, spec: str) -> str:
    return "" if math.isnan(lo) or math.isnan(hi) else f" [{lo:{spec}}, {hi:{spec}}]"


def format_comparison(rows: Sequence[ResultRow], baseline: str = "baseline") -> str:
    """The comparison as a Markdown table with its notes."""
    v = verdicts(rows, baseline)
    head = ["config", "runs", "held-out acc % [95% CI]", "tokens [95% CI]", "tokens vs baseline", "ΔAcc/CR", "AES", "reading"]
    out = ["| " + " | ".join(head) + " |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        verdict = v.get(r.model)
        if verdict is None:
            change, reading = "—", ("pre-RL model" if r.model == BASE else "reference")
        else:
            pct = round(-100 * verdict["token_cut_vs_baseline"])
            change = f"{pct:+d} %" if pct else "0 %"
            parts = ["shorter beyond noise" if verdict["shorter_beyond_noise"] else "length within noise"]
            parts.append("acc inside baseline CI" if verdict["accuracy_inside_baseline_ci"] else "acc outside baseline CI")
            if verdict["meets_target"]:
                parts.append(f"≥ {100 * TARGET_CUT:.0f} % shorter")
            reading = "; ".join(parts)
        rel = r.model != BASE
        out.append("| " + " | ".join([
            r.model, str(r.runs), f"{r.pass1:.1f}{_ci(r.pass1_ci_low, r.pass1_ci_high, '.1f')}",
            f"{r.tokens:.1f}{_ci(r.tokens_ci_low, r.tokens_ci_high, '.1f')}", change,
            f"{r.delta_acc_per_cr:.3f}" if rel and not math.isnan(r.delta_acc_per_cr) else "—",
            f"{r.aes:+.3f}" if rel and not math.isnan(r.aes) else "—", reading,
        ]) + " |")
    out += [
        "",
        f"Held-out: {rows[0].problems} problems, greedy, after training; means over runs (seeds). "
        + ("95% CI: accuracy Wilson at an effective sample size that covers run-to-run variance (one seed: over "
           "the held-out problems, evaluation noise only); tokens Student t over runs (one seed: normal over "
           "responses). 'runs' is the number of seeds behind each row. ")
        + "ΔAcc/CR = max(acc/acc0 - 1, 0) / (tokens/tokens0) and AES (O1-Pruner: ΔLen + 3·ΔAcc_rel, "
        "or ΔLen - 5·|ΔAcc_rel| when accuracy fell) against the pre-RL model. 'shorter beyond noise': the token "
        "interval lies below the baseline's.",
    ]
    return "\n".join(out) + "\n"


def _no_nan(value: Any) -> Any:
    """``value`` with every NaN float as None (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def read_evaluation(path: Path) -> Evaluation:
    """The per-problem :class:`Evaluation` in one of verl's validation dumps."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    correct = tuple(bool(float(r.get("acc", r.get("score", 0)) or 0) > 0) for r in rows)
    try:
        lengths = tuple(float(r["lw_length"]) for r in rows)
        caps = [float(r.get("lw_cap", math.inf)) for r in rows]
        truncated = tuple(bool(float(r.get("lw_truncated", 0) or 0) > 0) or n >= c for r, n, c in zip(rows, lengths, caps))
    except (KeyError, TypeError, ValueError):
        lengths, truncated = (), ()
    from ..metrics import levels_of

    levels = levels_of([r.get("lw_level") for r in rows])
    return Evaluation(correct, lengths, tuple(int(k) for k in levels) if levels is not None else (), truncated)


def outcome_from_run(config: str, seed: int, result: Any) -> RunOutcome:
    """A :class:`RunOutcome` from a :class:`~lengthwise.demo.run.DemoResult` and its validation dumps.

    verl writes one ``validation/<step>.jsonl`` per evaluation (``trainer.validation_data_dir``);
    the first is the pre-RL evaluation, the last the final one. A run without dumps still
    compares, on its means alone.
    """
    dumps = sorted((p for p in Path(result.out_dir, "validation").glob("*.jsonl") if p.stem.isdigit()),
                   key=lambda p: int(p.stem))
    first = read_evaluation(dumps[0]) if dumps and dumps[0].stem == "0" else Evaluation()
    last = read_evaluation(dumps[-1]) if dumps else Evaluation()
    return RunOutcome(
        config=config, seed=seed,
        initial_accuracy=result.initial["accuracy"], initial_tokens=result.initial["mean_length"],
        final_accuracy=result.final["accuracy"], final_tokens=result.final["mean_length"],
        out_dir=str(result.out_dir), initial=first, final=last,
    )


def format_levels(levels: Sequence[dict[str, Any]]) -> str:
    """The per-level table (Markdown): held-out accuracy and tokens per config and level."""
    if not levels:
        return ""
    configs = list(dict.fromkeys(r["config"] for r in levels))
    ks = sorted({r["level"] for r in levels})
    at = {(r["config"], r["level"]): r for r in levels}
    head = "| config | runs | " + " | ".join(f"L{k} acc % / tokens" for k in ks) + " |"
    out = [head, "|---|---:|" + "---:|" * len(ks)]
    for c in configs:
        cells = []
        for k in ks:
            r = at.get((c, k))
            cells.append("—" if r is None else f"{100 * r['accuracy']:.0f} / {r['tokens']:.0f}")
        runs = max(r["runs"] for r in levels if r["config"] == c)
        out.append(f"| {c} | {runs} | " + " | ".join(cells) + " |")
    n = max(r["problems"] for r in levels)
    out += ["", f"Held-out, greedy, after training (\"{BASE}\": the warmed-up model); about {n} problems per level; "
            "intervals are in compare.json (Wilson for accuracy, over seeds when there are several)."]
    return "\n".join(out) + "\n"


def write_comparison(rows: Sequence[ResultRow], outcomes: Sequence[RunOutcome], out_dir: Path,
                     baseline: str = "baseline") -> list[Path]:
    """``compare.csv`` / ``.md`` / ``.json``, the Pareto and per-level figures in ``out_dir``;
    returns the paths. ``compare.json`` holds the table's rows, the per-level rows, the measured
    signatures (:mod:`.signatures`), every run and where it came from (commit, machine, seeds)."""
    from .signatures import format_signatures, measure_signatures

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, md_path, json_path = out_dir / "compare.csv", out_dir / "compare.md", out_dir / "compare.json"
    write_csv(rows, csv_path)
    levels = level_rows(outcomes)
    sigs = measure_signatures(outcomes)
    md = format_comparison(rows, baseline)
    if levels:
        md += "\n### Per level\n\n" + format_levels(levels)
        levels_csv = out_dir / "compare-levels.csv"
        _write_level_csv(levels, levels_csv)
    if sigs:
        md += "\n### Signatures\n\n" + format_signatures(sigs)
    md_path.write_text(md, encoding="utf-8")
    runs = [{"config": o.config, "seed": o.seed, "out_dir": o.out_dir, "initial_accuracy": o.initial_accuracy,
             "initial_tokens": o.initial_tokens, "final_accuracy": o.final_accuracy, "final_tokens": o.final_tokens}
            for o in outcomes]
    doc = {"provenance": provenance(outcomes), "rows": [asdict(r) for r in rows], "levels": levels,
           "verdicts": verdicts(rows, baseline), "signatures": [s.as_dict() for s in sigs], "runs": runs}
    json_path.write_text(json.dumps(_no_nan(doc), indent=1), encoding="utf-8")
    paths = [csv_path, md_path, json_path] + ([out_dir / "compare-levels.csv"] if levels else [])
    try:
        from ..evaluation.plots import plot_levels, plot_pareto
    except ImportError:  # matplotlib comes with the demo extra
        return paths
    paths += plot_pareto(rows, out_dir, title=None)
    if levels:
        paths += plot_levels(levels, out_dir)
    return paths


_LEVEL_COLUMNS = ("config", "level", "runs", "problems", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
                  "tokens", "tokens_ci_low", "tokens_ci_high", "truncation_rate")


def _write_level_csv(levels: Sequence[dict[str, Any]], path: Path) -> None:
    """The per-level rows as CSV (one row per config and level; empty cells for missing intervals)."""
    import csv

    with Path(path).open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(_LEVEL_COLUMNS)
        for r in levels:
            w.writerow(["" if isinstance(r.get(c), float) and math.isnan(r[c]) else r.get(c, "") for c in _LEVEL_COLUMNS])


def provenance(outcomes: Sequence[RunOutcome]) -> dict[str, Any]:
    """Where the numbers come from: the lengthwise commit, seeds, steps, machine and versions."""
    import os
    import platform
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10,
                                cwd=Path(__file__).resolve().parent).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    env: dict[str, Any] = {}
    for o in outcomes:
        summary = Path(o.out_dir, "summary.json")
        if summary.is_file():
            doc = json.loads(summary.read_text(encoding="utf-8"))
            env = {"steps": doc.get("steps"), "versions": doc.get("environment", {}).get("versions"),
                   "threads": doc.get("environment", {}).get("threads")}
            break
    return {
        "commit": commit, "seeds": sorted({o.seed for o in outcomes}), "configs": list(dict.fromkeys(o.config for o in outcomes)),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "processor": platform.processor() or platform.machine()},
        **env,
    }
