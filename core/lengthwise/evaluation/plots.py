"""Figures: the accuracy-vs-tokens Pareto plot and the training-dynamics panels.

    plot_pareto(eval_csv_or_rows, out_dir)        -> [pareto.png, pareto.svg, pareto.pdf]
    plot_dynamics(metrics_path_or_rows, out_dir)  -> [dynamics.png, dynamics.svg, dynamics.pdf]

Both draw with matplotlib's Agg backend (no display needed) at their print size: ``width`` ×
``height`` inches (a PNG's pixel size is that × 150 dpi) with text at ``font_size`` points, so a
figure placed at its own width in a paper shows the text at that size. The default is one column
of a two-column paper: 3.5 in wide, 8 pt text (titles 9 pt), the panels stacked in one column;
from 5 in wide the panels sit side by side (up to 3 for Pareto, 2 × 2 for dynamics). The PDF
keeps text as text (TrueType fonts, Type 42) for camera-ready submission systems.

Pareto (like the papers' Figure 1): one panel per benchmark of a ``lengthwise eval --csv`` file
(the ``average`` rows in a last panel), x = mean response tokens, y = Pass@1 (%) with its 95 % CI
as an error bar, one colour per model (the same in every panel), the base model as a star, and
the Pareto front (:func:`lengthwise.evaluation.metrics.pareto_front`) as a dashed line. Models
are named in one legend under the panels instead of next to each point, where labels overlapped
the points and the front.

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

A held-out value at step 0 is the model before RL: drawn as a hollow marker labelled "before
RL" (verl logs it with ``trainer.val_before_train``; the demo writes it as the step-0 row). Step
ticks are integers. Training curves with more than 30 points are drawn raw (faint) and as a
centred moving average.
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
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .metrics import pareto_front  # noqa: E402
from .report import AVERAGE, ResultRow, read_csv  # noqa: E402
from .schema import EvalInputError, loads, read_text_file  # noqa: E402
from .schema import finite_float as _num  # noqa: E402

__all__ = [
    "DPI",
    "COLUMN_WIDTH",
    "FONT_SIZE",
    "FORMATS",
    "PARETO_PANEL_HEIGHT",
    "DYNAMICS_PANEL_HEIGHT",
    "plot_pareto",
    "plot_dynamics",
    "read_metrics",
]

DPI = 150
COLUMN_WIDTH = 3.5  # inches: one column of a two-column paper (ACL, NeurIPS, ICML: 3.25-3.5 in)
FONT_SIZE = 8.0  # points, at print size
FORMATS = ("png", "svg", "pdf")
PARETO_PANEL_HEIGHT = 2.6  # inches per row of panels
DYNAMICS_PANEL_HEIGHT = 1.9  # inches per row of panels
_WIDE = 5.0  # from this width (inches) panels sit side by side


def _style(font_size: float) -> dict[str, Any]:
    return {
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": font_size,
        "axes.titlesize": font_size + 1,
        "axes.titleweight": "bold",
        "axes.labelsize": font_size,
        "xtick.labelsize": font_size - 1,
        "ytick.labelsize": font_size - 1,
        "legend.fontsize": font_size - 1,
        "legend.framealpha": 0.85,
        "lines.markersize": font_size * 0.7,
        "svg.fonttype": "none",  # text stays text in the SVG
        "pdf.fonttype": 42,  # TrueType in the PDF: no Type 3 fonts (rejected by some venues)
    }


def _check_size(width: float, height: float | None, font_size: float) -> None:
    if not (0.5 <= width <= 50) or (height is not None and not (0.5 <= height <= 50)):
        raise EvalInputError(f"figure size {width} x {height} in: width and height must be 0.5-50 inches")
    if not (4 <= font_size <= 30):
        raise EvalInputError(f"font size {font_size} pt: must be 4-30")


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{stem}.{ext}" for ext in FORMATS]
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


def _err(centre: float, lo: Any, hi: Any) -> list[list[float]] | None:
    """An errorbar extent from a CI's ends, or None when either end is missing."""
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return None
    return [[centre - lo], [hi - centre]]


def plot_pareto(
    source: str | Path | Sequence[ResultRow] | Sequence[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    benchmarks: Sequence[str] | None = None,
    title: str | None = None,
    width: float = COLUMN_WIDTH,
    height: float | None = None,
    font_size: float = FONT_SIZE,
) -> list[Path]:
    """Draw the Pareto figure from an eval CSV (or its rows); returns the PNG, SVG and PDF paths.

    ``height`` defaults to :data:`PARETO_PANEL_HEIGHT` per row of panels plus the legend.
    """
    _check_size(width, height, font_size)
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

    ncols = 1 if width < _WIDE else min(3, len(order))
    nrows = math.ceil(len(order) / ncols)
    legend_rows = math.ceil(len(models) / (2 if width < _WIDE else 4))
    if height is None:
        height = PARETO_PANEL_HEIGHT * nrows + 0.2 * legend_rows + 0.3 + (0.3 if title else 0)
    with plt.rc_context(_style(font_size)):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, layout="constrained")
        for ax, bench in zip(axes.flat, order):
            pts = [r for r in rows if r["benchmark"] == bench and not (math.isnan(r["tokens"]) or math.isnan(r["pass1"]))]
            x = np.array([r["tokens"] for r in pts])
            y = np.array([r["pass1"] for r in pts])
            front = pareto_front(x, y)
            if len(front) > 1:
                ax.plot(x[front], y[front], ls="--", color="0.45", lw=1.0, zorder=1)
            for i, r in enumerate(pts):
                yerr = _err(y[i], r.get("pass1_ci_low"), r.get("pass1_ci_high"))
                xerr = _err(x[i], r.get("tokens_ci_low"), r.get("tokens_ci_high"))  # runs over seeds only
                is_base = r["model"] in bases
                ax.errorbar(
                    x[i], y[i], yerr=yerr, xerr=xerr, fmt="*" if is_base else "o",
                    ms=font_size * (1.3 if is_base else 0.8), color=colour[r["model"]], ecolor=colour[r["model"]],
                    elinewidth=0.8, capsize=2, mec="black" if i in front else "white", mew=0.6, zorder=3,
                )
            ax.set_title(bench if bench != AVERAGE else "average over benchmarks")
            ax.set_xlabel("mean response length (tokens)")
            ax.set_ylabel("Pass@1 (%)")
            ax.margins(x=0.08, y=0.12)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5 if width / ncols < 3 else 7))  # no touching labels
        for ax in list(axes.flat)[len(order):]:
            ax.set_visible(False)
        handles = [
            plt.Line2D([], [], ls="", marker="*" if m in bases else "o", color=colour[m],
                       ms=font_size * (1.1 if m in bases else 0.8),
                       label=m if m not in bases or "base" in m.lower() else f"{m} (base)")
            for m in models
        ]
        handles.append(plt.Line2D([], [], ls="--", color="0.45", lw=1.0, label="Pareto front"))
        fig.legend(handles=handles, loc="outside lower center", ncols=2 if width < _WIDE else 4, frameon=False)
        if title:
            fig.suptitle(title, fontsize=font_size + 2, fontweight="bold")
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
    ax.plot(x, y, color=colour, lw=1.2, ls="-", marker="s", ms=3, label=label)
    pre = x == 0
    if pre.any():  # the held-out value before any RL step: the run's starting point
        ax.plot(x[pre], y[pre], ls="", marker="o", ms=6, mfc="white", mec=colour, mew=1.4, zorder=4,
                label=f"{label} before RL")


def _empty(ax, message: str) -> None:
    # Not set_xticks([]): the panels share x, and that would clear the others' ticks too.
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_axis_off()


def plot_dynamics(
    metrics: str | Path | Iterable[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    title: str | None = None,
    width: float = COLUMN_WIDTH,
    height: float | None = None,
    font_size: float = FONT_SIZE,
) -> list[Path]:
    """Draw the training-dynamics panels from a metrics JSONL path (or its rows).

    Returns the PNG, SVG and PDF paths (``dynamics.{png,svg,pdf}`` in ``out_dir``). ``height``
    defaults to :data:`DYNAMICS_PANEL_HEIGHT` per row of panels (4 rows below 5 in wide, else 2).
    """
    _check_size(width, height, font_size)
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

    shape = (4, 1) if width < _WIDE else (2, 2)
    if height is None:
        height = DYNAMICS_PANEL_HEIGHT * shape[0] + (0.3 if title else 0)
    with plt.rc_context(_style(font_size)):
        fig, axes = plt.subplots(*shape, figsize=(width, height), layout="constrained", sharex=True)
        ax_cap, ax_len, ax_acc, ax_b = axes.flat
        bottom = [ax_b] if shape[1] == 1 else [ax_acc, ax_b]

        # 1. the cap schedule
        if len(cap_y):
            ax_cap.plot(cap_x, cap_y, drawstyle="steps-post", color=c_cap, lw=1.8, label="cap L_t")
            ax_cap.set_ylim(0, cap_y.max() * 1.1)
            ax_cap.legend(loc="lower right")
        else:
            _empty(ax_cap, "no 'cap' in the metrics")
        ax_cap.set_title("Length cap L_t")
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
                ax_b.set_title("Mean reward and truncated share")
                ax_b.set_ylabel("reward / share")
            else:
                _empty(ax_b, "no per-bucket, reward or truncation metrics")
                ax_b.set_title("Per-bucket lengths")
        for ax in bottom:
            ax.set_xlabel("training step")
        for ax in axes.flat:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
        if title:
            fig.suptitle(title, fontsize=font_size + 2, fontweight="bold")
        return _save(fig, Path(out_dir), "dynamics")
