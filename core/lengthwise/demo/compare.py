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

__all__ = ["COMPARE_ALL", "BASE", "BENCHMARK", "RunOutcome", "outcome_from_run", "comparison_rows", "verdicts", "format_comparison", "write_comparison"]

#: ``--compare all``: every shipped strategy's demo config, the no-shaping baseline first.
COMPARE_ALL = (
    "baseline", "siri-stair", "siri-cosine", "siri-stair-cosine", "thinkprune", "laser", "laser-d", "laser-de",
    "deepcompress", "dapo-overlong", "kimi", "l1-max", "arora-zanette", "cosine",
)
BASE = "before RL"
BENCHMARK = "demo held-out"
#: a length strategy meets the demo's target when it cuts tokens by at least this share vs the baseline
TARGET_CUT = 0.30


@dataclass(frozen=True)
class RunOutcome:
    """One finished run: its config name, seed and held-out numbers before and after training.

    ``final_verdicts``/``initial_verdicts`` and ``final_lengths``/``initial_lengths``: per-problem
    correctness and response tokens of the final / pre-RL evaluation (for the one-seed intervals;
    empty when the run wrote no validation dump).
    """

    config: str
    seed: int
    initial_accuracy: float
    initial_tokens: float
    final_accuracy: float
    final_tokens: float
    out_dir: str = ""
    initial_verdicts: tuple[bool, ...] = ()
    final_verdicts: tuple[bool, ...] = ()
    initial_lengths: tuple[float, ...] = ()
    final_lengths: tuple[float, ...] = ()


def _row(model: str, accs: Sequence[float], toks: Sequence[float], verdicts: Sequence[Sequence[bool]], problems: int,
         lengths: Sequence[Sequence[float]] = ()) -> ResultRow:
    acc, acc_lo, acc_hi = M.mean_ci_over_runs(accs)
    tok, tok_lo, tok_hi = M.mean_ci_over_runs(toks)
    if len(accs) == 1 and verdicts and len(verdicts[0]) > 1:
        acc_lo, acc_hi = M.pass_at_1_ci([float(v) for v in verdicts[0]])
    if len(toks) == 1 and lengths and len(lengths[0]) > 1:
        # one run: the normal interval of the mean over its held-out responses (evaluation noise)
        n = len(lengths[0])
        half = M.Z95 * float(np.std(lengths[0], ddof=1)) / math.sqrt(n)
        tok_lo, tok_hi = tok - half, tok + half
    return ResultRow(
        model=model, benchmark=BENCHMARK, problems=problems, samples=problems * len(accs), k_min=1, k_max=1,
        pass1=100 * acc, pass1_ci_low=100 * acc_lo, pass1_ci_high=100 * acc_hi,
        tokens=tok, tokens_correct=math.nan, tokens_wrong=math.nan, no_answer=math.nan, token_source="stored",
        tokens_ci_low=tok_lo, tokens_ci_high=tok_hi, runs=len(accs),
    )


def comparison_rows(outcomes: Sequence[RunOutcome], problems: int = 256) -> list[ResultRow]:
    """"before RL" first, then one row per config in order of first appearance (see the module docstring)."""
    if not outcomes:
        raise ValueError("no runs to compare")
    by_config: dict[str, list[RunOutcome]] = {}
    for o in outcomes:
        by_config.setdefault(o.config, []).append(o)
    first = outcomes[0]
    base = _row(BASE, [first.initial_accuracy], [first.initial_tokens],
                [first.initial_verdicts] if first.initial_verdicts else [], problems,
                [first.initial_lengths] if first.initial_lengths else [])
    rows = [base]
    for name, runs in by_config.items():
        row = _row(name, [r.final_accuracy for r in runs], [r.final_tokens for r in runs],
                   [r.final_verdicts for r in runs if r.final_verdicts], problems,
                   [r.final_lengths for r in runs if r.final_lengths])
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
    runs = max(r.runs for r in rows)
    out += [
        "",
        f"Held-out: {rows[0].problems} problems, greedy, after training; means over runs (seeds). "
        + ("95% CI: Student t over runs. " if runs > 1 else "95% CI: normal, over the held-out problems (one seed: evaluation noise only). ")
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


def outcome_from_run(config: str, seed: int, result: Any) -> RunOutcome:
    """A :class:`RunOutcome` from a :class:`~lengthwise.demo.run.DemoResult` and its validation dumps.

    verl writes one ``validation/<step>.jsonl`` per evaluation (``trainer.validation_data_dir``);
    the first is the pre-RL evaluation, the last the final one. Their per-problem verdicts give the
    one-seed interval; a run without dumps still compares, without it.
    """
    dumps = sorted(Path(result.out_dir, "validation").glob("*.jsonl"), key=lambda p: int(p.stem) if p.stem.isdigit() else -1)

    def read(path: Path) -> tuple[tuple[bool, ...], tuple[float, ...]]:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        verdicts = tuple(bool(r.get("acc", r.get("score", 0)) > 0) for r in rows)
        lengths = tuple(float(r["lw_length"]) for r in rows if isinstance(r.get("lw_length"), (int, float)))
        return verdicts, lengths if len(lengths) == len(rows) else ()

    first = read(dumps[0]) if dumps and dumps[0].stem == "0" else ((), ())
    last = read(dumps[-1]) if dumps else ((), ())
    return RunOutcome(
        config=config, seed=seed,
        initial_accuracy=result.initial["accuracy"], initial_tokens=result.initial["mean_length"],
        final_accuracy=result.final["accuracy"], final_tokens=result.final["mean_length"],
        out_dir=str(result.out_dir), initial_verdicts=first[0], final_verdicts=last[0],
        initial_lengths=first[1], final_lengths=last[1],
    )


def write_comparison(rows: Sequence[ResultRow], outcomes: Sequence[RunOutcome], out_dir: Path,
                     baseline: str = "baseline") -> list[Path]:
    """``compare.csv`` / ``.md`` / ``.json`` and the Pareto figure in ``out_dir``; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, md_path, json_path = out_dir / "compare.csv", out_dir / "compare.md", out_dir / "compare.json"
    write_csv(rows, csv_path)
    md_path.write_text(format_comparison(rows, baseline), encoding="utf-8")
    runs = [{k: v for k, v in asdict(o).items() if not k.endswith(("_verdicts", "_lengths"))} for o in outcomes]
    doc = {"rows": [asdict(r) for r in rows], "verdicts": verdicts(rows, baseline), "runs": runs}
    json_path.write_text(json.dumps(_no_nan(doc), indent=1), encoding="utf-8")
    paths = [csv_path, md_path, json_path]
    try:
        from ..evaluation.plots import plot_pareto
    except ImportError:  # matplotlib comes with the demo extra
        return paths
    paths += plot_pareto(rows, out_dir, title=None)
    return paths
