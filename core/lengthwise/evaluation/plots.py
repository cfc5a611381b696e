"""Figures: the accuracy-vs-tokens Pareto plot and the training-dynamics panels.

    plot_pareto(eval_csv_or_rows, out_dir)        -> [pareto.png, pareto.svg]
    plot_dynamics(metrics_path_or_rows, out_dir)  -> [dynamics.png, dynamics.svg]

Both draw with matplotlib's Agg backend (no display needed) at a fixed size and 150 dpi, so a
PNG's pixel size is ``figsize × 150``.

Pareto (like the papers' Figure 1): one panel per benchmark of a ``lengthwise eval --csv`` file
(the ``average`` rows in a last panel), x = mean response tokens, y = Pass@1 (%) with its 95 % CI
as an error bar, one colour per model (the same in every panel), the base model as a star, each
point labelled, and the Pareto front (:func:`lengthwise.evaluation.metrics.pareto_front`) as a
dashed line.

Dynamics: one JSON object per training step (the CPU demo's ``metrics.jsonl``, or any tracker
dump with these keys). Every key is looked up bare and with the ``lengthwise/`` prefix
(``cap`` or ``lengthwise/cap``):

    step                              x axis (else the row's position)
    cap                               panel "length cap" (a step line)
    mean_length, mean_length_correct, mean_length_wrong, heldout_mean_length
                                      panel "mean response length" (with the cap, dotted)
    accuracy, heldout_accuracy, val_accuracy, val-core/<source>/acc/mean@<n> (verl)
                                      panel "accuracy"
    bucket_<b>/mean_length            panel "mean length per difficulty bucket", with Laser-D's
    reward/target_length_<b>          target lengths dashed; without buckets this panel shows
                                      reward_mean and truncation rate instead

Training curves with more than 30 points are drawn raw (faint) and as a centred moving average.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .metrics import pareto_front  # noqa: E402
from .report import AVERAGE, ResultRow, read_csv  # noqa: E402
from .schema import EvalInputError, loads, read_text_file  # noqa: E402

__all__ = ["DPI", "PARETO_PANEL", "DYNAMICS_SIZE", "plot_pareto", "plot_dynamics", "read_metrics"]

DPI = 150
PARETO_PANEL = (5.0, 4.2)  # inches per panel
DYNAMICS_SIZE = (12.0, 8.0)  # inches
_STYLE = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "legend.framealpha": 0.85,
    "font.size": 9,
    "svg.fonttype": "none",  # text stays text in the SVG
}


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    for p in paths:
        fig.savefig(p, dpi=DPI)
    plt.close(fig)
    return paths


# ------------------------------------------------------------------ Pareto


def _pareto_rows(source: str | Path | Sequence[ResultRow] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(source, (str, Path)):
        return read_csv(source)
    rows = []
    for r in source:
        rows.append(r.__dict__.copy() if isinstance(r, ResultRow) else dict(r))
    if not rows:
        raise EvalInputError("no rows to plot")
    return rows


def plot_pareto(
    source: str | Path | Sequence[ResultRow] | Sequence[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    benchmarks: Sequence[str] | None = None,
    title: str | None = "Accuracy vs. response length",
) -> list[Path]:
    """Draw the Pareto figure from an eval CSV (or its rows); returns the PNG and SVG paths."""
    rows = _pareto_rows(source)
    order = list(dict.fromkeys(r["benchmark"] for r in rows))
    if AVERAGE in order:  # the average panel goes last
        order.remove(AVERAGE)
        order.append(AVERAGE)
    if benchmarks:
        unknown = [b for b in benchmarks if b not in order]
        if unknown:
            raise EvalInputError(f"benchmark(s) {', '.join(unknown)} not in the table; it has {', '.join(order)}")
        order = list(benchmarks)
    models = list(dict.fromkeys(r["model"] for r in rows))
    bases = {r.get("base") for r in rows if r.get("base")}
    colours = plt.get_cmap("tab10" if len(models) <= 10 else "tab20")
    colour = {m: colours(i % colours.N) for i, m in enumerate(models)}

    ncols = min(3, len(order))
    nrows = math.ceil(len(order) / ncols)
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(PARETO_PANEL[0] * ncols, PARETO_PANEL[1] * nrows + (0.4 if title else 0)),
            squeeze=False, layout="constrained",
        )
        for ax, bench in zip(axes.flat, order):
            pts = [r for r in rows if r["benchmark"] == bench and not (math.isnan(r["tokens"]) or math.isnan(r["pass1"]))]
            x = np.array([r["tokens"] for r in pts])
            y = np.array([r["pass1"] for r in pts])
            front = pareto_front(x, y)
            if len(front) > 1:
                ax.plot(x[front], y[front], ls="--", color="0.45", lw=1.2, zorder=1, label="Pareto front")
            for i, r in enumerate(pts):
                lo, hi = r.get("pass1_ci_low", math.nan), r.get("pass1_ci_high", math.nan)
                yerr = None if (lo is None or hi is None or math.isnan(lo) or math.isnan(hi)) else [[y[i] - lo], [hi - y[i]]]
                is_base = r["model"] in bases
                ax.errorbar(
                    x[i], y[i], yerr=yerr, fmt="*" if is_base else "o", ms=13 if is_base else 8,
                    color=colour[r["model"]], ecolor=colour[r["model"]], elinewidth=1, capsize=3,
                    mec="black" if i in front else "white", mew=0.8, zorder=3,
                )
            # One label per position: tied models (same tokens and Pass@1) share it instead of overprinting.
            labels: dict[tuple[float, float], list[str]] = {}
            for i, r in enumerate(pts):
                labels.setdefault((x[i], y[i]), []).append(r["model"] + (" (base)" if r["model"] in bases else ""))
            for (px, py), names in labels.items():
                ax.annotate(
                    ", ".join(names), (px, py), xytext=(6, 5), textcoords="offset points", fontsize=8,
                    color="0.15", zorder=4,
                )
            ax.set_title(bench if bench != AVERAGE else "average over benchmarks")
            ax.set_xlabel("mean response tokens")
            ax.set_ylabel("Pass@1 (%)")
            ax.margins(x=0.18, y=0.15)  # room for the labels right of each point
            if len(front) > 1:
                ax.legend(loc="lower right")
        for ax in list(axes.flat)[len(order):]:
            ax.set_visible(False)
        if title:
            fig.suptitle(title, fontsize=13, fontweight="bold")
        return _save(fig, Path(out_dir), "pareto")


# ------------------------------------------------------------------ dynamics


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a metrics JSON-lines file (one object per step).

    Two layouts are read: flat rows (``{"step": 3, "lengthwise/cap": 4096, ...}``, the demo's
    ``metrics.jsonl``) and verl's file logger (``{"step": 3, "data": {...}}``,
    ``trainer.logger=[file]``), whose ``data`` is flattened into the row. Only regular files
    within the input size limit are read (see :mod:`lengthwise.evaluation.schema`).
    """
    path = Path(path)
    text = read_text_file(path)
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        row = loads(line, f"{path}:{lineno}")
        if not isinstance(row, dict):
            raise EvalInputError(f"{path}:{lineno}: expected one JSON object per line")
        data = row.get("data")
        if isinstance(data, dict) and "step" in row:  # verl's file logger
            row = {"step": row["step"], **data}
        rows.append(row)
    if not rows:
        raise EvalInputError(f"{path}: no rows")
    return rows


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


class _Series:
    """Look-ups over the rows, bare key or ``lengthwise/`` key, returning (steps, values)."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]):
        self.rows = rows
        self.steps = [_num(r.get("step")) if _num(r.get("step")) is not None else float(i) for i, r in enumerate(rows)]
        self.keys = list(dict.fromkeys(k for r in rows for k in r))

    def get(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        for key in (name, f"lengthwise/{name}"):
            xs, ys = [], []
            for s, r in zip(self.steps, self.rows):
                v = _num(r.get(key))
                if v is not None:
                    xs.append(s)
                    ys.append(v)
            if ys:
                return np.array(xs), np.array(ys)
        return np.array([]), np.array([])

    def buckets(self) -> list[str]:
        pat = re.compile(r"^(?:lengthwise/)?bucket_(.+)/mean_length$")
        found = list(dict.fromkeys(m.group(1) for k in self.keys if (m := pat.match(k))))
        rank = {b: i for i, b in enumerate(("easy", "simple", "high", "medium", "low", "hard"))}
        return sorted(found, key=lambda b: (rank.get(b, len(rank)), b))

    def verl_val_acc(self) -> list[tuple[str, str]]:
        pat = re.compile(r"^val-core/(.+)/acc/mean@\d+$")
        return [(m.group(1), k) for k in self.keys if (m := pat.match(k))]


def _smooth(y: np.ndarray, window: int) -> np.ndarray:
    half = window // 2
    c = np.concatenate([[0.0], np.cumsum(y)])
    idx = np.arange(len(y))
    lo = np.maximum(0, idx - half)
    hi = np.minimum(len(y), idx + half + 1)
    return (c[hi] - c[lo]) / (hi - lo)


def _train_curve(ax, x: np.ndarray, y: np.ndarray, colour, label: str) -> None:
    if len(y) > 30:
        ax.plot(x, y, color=colour, alpha=0.25, lw=0.8)
        ax.plot(x, _smooth(y, max(3, len(y) // 25)), color=colour, lw=1.8, label=f"{label} (moving avg.)")
    else:
        ax.plot(x, y, color=colour, lw=1.6, marker="o" if len(y) <= 12 else None, ms=3, label=label)


def _held_curve(ax, x: np.ndarray, y: np.ndarray, colour, label: str) -> None:
    ax.plot(x, y, color=colour, lw=1.4, ls="-", marker="s", ms=4, label=label)


def _empty(ax, message: str) -> None:
    # Not set_xticks([]): the panels share x, and that would clear the others' ticks too.
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_axis_off()


def plot_dynamics(
    metrics: str | Path | Iterable[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    title: str | None = None,
) -> list[Path]:
    """Draw the training-dynamics panels from a metrics JSONL path (or its rows).

    Returns the PNG and SVG paths (``dynamics.png``, ``dynamics.svg`` in ``out_dir``).
    """
    if isinstance(metrics, (str, Path)):
        rows = read_metrics(metrics)
        title = title if title is not None else f"Training dynamics — {Path(metrics).parent.name or Path(metrics).stem}"
    else:
        rows = [dict(r) for r in metrics]
        if not rows:
            raise EvalInputError("no metric rows to plot")
    S = _Series(rows)
    cap_x, cap_y = S.get("cap")
    known = ("cap", "mean_length", "accuracy", "heldout_accuracy", "heldout_mean_length")
    if not any(len(S.get(k)[1]) for k in known) and not S.buckets() and not S.verl_val_acc():
        raise EvalInputError(
            "no plottable metrics: expected keys such as step, cap, mean_length, accuracy, heldout_accuracy "
            "(bare or with the lengthwise/ prefix)"
        )
    c_train, c_held, c_cap = "tab:blue", "tab:orange", "0.35"

    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(2, 2, figsize=DYNAMICS_SIZE, layout="constrained", sharex=True)
        ax_cap, ax_len, ax_acc, ax_b = axes.flat

        # 1. the cap schedule
        if len(cap_y):
            ax_cap.plot(cap_x, cap_y, drawstyle="steps-post", color=c_cap, lw=1.8, label="cap L_t")
            ax_cap.set_ylim(0, cap_y.max() * 1.1)
            ax_cap.legend(loc="lower right")
        else:
            _empty(ax_cap, "no 'cap' in the metrics")
        ax_cap.set_title("Length cap schedule")
        ax_cap.set_ylabel("tokens")

        # 2. response lengths
        drew = False
        for key, colour, label, style in (
            ("mean_length", c_train, "train, all", None),
            ("mean_length_correct", "tab:green", "train, correct", ":"),
            ("mean_length_wrong", "tab:red", "train, wrong", ":"),
        ):
            x, y = S.get(key)
            if len(y):
                if style:
                    ax_len.plot(x, _smooth(y, max(3, len(y) // 25)) if len(y) > 30 else y, color=colour, ls=style, lw=1.3, label=label)
                else:
                    _train_curve(ax_len, x, y, colour, label)
                drew = True
        x, y = S.get("heldout_mean_length")
        if len(y):
            _held_curve(ax_len, x, y, c_held, "held-out")
            drew = True
        if drew:
            if len(cap_y):
                ax_len.plot(cap_x, cap_y, drawstyle="steps-post", color=c_cap, ls="--", lw=1, alpha=0.6, label="cap")
            ax_len.set_ylim(0, ax_len.dataLim.y1 * 1.1)  # headroom: the cap line must not sit on the frame
            ax_len.legend(loc="best")
        else:
            _empty(ax_len, "no length metrics")
        ax_len.set_title("Mean response length")
        ax_len.set_ylabel("tokens")

        # 3. accuracy
        drew = False
        x, y = S.get("accuracy")
        if len(y):
            _train_curve(ax_acc, x, y, c_train, "train")
            drew = True
        for key, label in (("heldout_accuracy", "held-out"), ("val_accuracy", "validation")):
            x, y = S.get(key)
            if len(y):
                _held_curve(ax_acc, x, y, c_held, label)
                drew = True
        val_colours = plt.get_cmap("Dark2")
        for i, (source, key) in enumerate(S.verl_val_acc()):
            x, y = S.get(key)
            if len(y):
                _held_curve(ax_acc, x, y, val_colours(i % val_colours.N), f"val {source}")
                drew = True
        if drew:
            ax_acc.set_ylim(-0.02, 1.02)
            ax_acc.legend(loc="best")
        else:
            _empty(ax_acc, "no accuracy metrics")
        ax_acc.set_title("Accuracy")
        ax_acc.set_ylabel("fraction correct")
        ax_acc.set_xlabel("training step")

        # 4. per-bucket lengths, or reward/truncation when the run has no difficulty buckets
        buckets = S.buckets()
        if buckets:
            palette = ["tab:green", "tab:orange", "tab:red", "tab:purple", "tab:brown", "tab:cyan"]
            for i, b in enumerate(buckets):
                x, y = S.get(f"bucket_{b}/mean_length")
                _train_curve(ax_b, x, y, palette[i % len(palette)], f"bucket {b}")
                tx, ty = S.get(f"reward/target_length_{b}")  # Laser-D's per-bucket target L_A
                if len(ty):
                    ax_b.plot(tx, ty, drawstyle="steps-post", color=palette[i % len(palette)], ls="--", lw=1.1,
                              label=f"target {b}")
            ax_b.set_ylim(0, ax_b.dataLim.y1 * 1.1)
            ax_b.legend(loc="best")
            ax_b.set_title("Mean length per difficulty bucket")
            ax_b.set_ylabel("tokens")
        else:
            xr, yr = S.get("reward_mean")
            xt, yt = S.get("truncation_rate")
            if not len(yt):
                xt, yt = S.get("truncated")
            if len(yr) or len(yt):
                if len(yr):
                    _train_curve(ax_b, xr, yr, "tab:purple", "reward mean")
                if len(yt):
                    _train_curve(ax_b, xt, yt, "tab:gray", "truncated share")
                ax_b.legend(loc="best")
                ax_b.set_title("Reward and truncation (no difficulty buckets)")
                ax_b.set_ylabel("value")
            else:
                _empty(ax_b, "no per-bucket, reward or truncation metrics")
                ax_b.set_title("Per-bucket lengths")
        ax_b.set_xlabel("training step")
        if title:
            fig.suptitle(title, fontsize=13, fontweight="bold")
        return _save(fig, Path(out_dir), "dynamics")
