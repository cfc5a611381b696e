"""Figures: the accuracy-vs-tokens Pareto plot, the training-dynamics panels and the per-level plot.

    plot_pareto(eval_csv_or_rows, out_dir)        -> [pareto.png, pareto.svg, pareto.pdf]
    plot_dynamics(metrics_path_or_rows, out_dir)  -> [dynamics.png, dynamics.svg, dynamics.pdf]
    plot_levels(level_rows, out_dir)              -> [levels.png, levels.svg, levels.pdf]

Each has a ``*_figure`` twin that returns the open matplotlib figure instead of saving it (the
caller closes it; ``plot_*`` also keep the text as text in the SVG and PDF, see ``_SAVE_RC``).

All draw with matplotlib's Agg backend (no display needed) at their print size: ``width`` ×
``height`` inches (a PNG's pixel size is that × 150 dpi) with text at ``font_size`` points, so a
figure placed at its own width in a paper shows the text at that size. The default is one column
of a two-column paper: 3.3 in wide, every text ≥ 8 pt (titles 9 pt; :data:`MIN_FONT_SIZE` is the
floor), the panels stacked in one column; from 5 in wide the panels sit side by side (up to 3 for
Pareto, 2 × 2 for dynamics, 2 for levels). The PDF keeps text as text (TrueType fonts, Type 42)
for camera-ready submission systems. The same rules hold in every figure:

* legends never cover data: a figure legend under the panels (Pareto, levels), or each panel's
  legend above its plot area with the panel's title as the legend title (dynamics);
* a legend lists only what was drawn (no entry without a line or marker, no empty label);
* axes are fitted to the data (autoscaled with margins: accuracies between 98 % and 100 % are not
  drawn on a 0-100 % axis; an accuracy axis never extends more than 3 % of its full range beyond
  0 or 1);
* token, step and level axes have integer ticks;
* intervals over several training runs say how many (``runs``): when any drawn row averages more
  than one run, the legend is titled "S seeds each" (all alike) or each label reads "NAME (S
  seeds)"; a legend too wide for the figure or panel drops to fewer columns.

Pareto (like the papers' Figure 1): one panel per benchmark of a ``lengthwise eval --csv`` file
(the ``average`` rows in a last panel), x = mean response tokens, y = Pass@1 (%) with its 95 % CI
as an error bar, one colour per model (the same in every panel), the base model as a star, and
the Pareto front (:func:`lengthwise.evaluation.metrics.pareto_front`) as a dashed line. Models
are named in one legend under the panels instead of next to each point, where labels overlapped
the points and the front.

Dynamics: one JSON object per training step (the CPU demo's ``metrics.jsonl``, verl's ``file``
logger, or any tracker dump with these keys), named as :mod:`lengthwise.metrics` names them:

    step                              x axis (else the row's position)
    lengthwise/cap                    panel "length cap" (a step line)
    lengthwise/mean_length, lengthwise/mean_length_correct, lengthwise/mean_length_wrong,
    lengthwise/val/mean_length        panel "mean response length" (with the cap, dotted)
    lengthwise/accuracy, lengthwise/val/accuracy, val-core/<source>/acc/mean@<n> (verl)
                                      panel "accuracy"
    lengthwise/bucket_<b>/mean_length panel "mean length per difficulty bucket", with Laser-D's
    lengthwise/reward/target_length_<b>  target lengths dashed; without buckets this panel shows
                                      lengthwise/reward_mean and lengthwise/truncation_rate

A held-out value at step 0 is the model before RL: drawn as a hollow marker labelled "before
RL" (verl logs it with ``trainer.val_before_train``; the demo writes it as the step-0 row). Step
ticks are integers. Training curves with more than 30 points are drawn raw (faint) and as a
centred moving average.

Levels (issue 20: per-difficulty metrics): rows ``{"config", "level", "accuracy",
"accuracy_ci_low", "accuracy_ci_high", "tokens", "tokens_ci_low", "tokens_ci_high", "runs"}``
(accuracy as a fraction; an interval may be null/NaN), e.g. ``compare.json``'s ``levels``. Two
panels, accuracy (%) and mean tokens against the level, one line per config with its intervals as
bars, configs dodged sideways by up to ±0.2 level so that their bars stay apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .. import metrics as K  # noqa: E402
from .metrics import pareto_front  # noqa: E402
from .report import AVERAGE, ResultRow, read_csv  # noqa: E402
from .schema import EvalInputError, loads, read_text_file  # noqa: E402
from .schema import finite_float as _num  # noqa: E402

__all__ = [
    "DPI",
    "COLUMN_WIDTH",
    "FONT_SIZE",
    "MIN_FONT_SIZE",
    "FORMATS",
    "PARETO_PANEL_HEIGHT",
    "DYNAMICS_PANEL_HEIGHT",
    "LEVELS_PANEL_HEIGHT",
    "pareto_figure",
    "plot_pareto",
    "dynamics_figure",
    "plot_dynamics",
    "read_metrics",
    "LEVEL_KEYS",
    "levels_figure",
    "plot_levels",
    "read_levels",
]

DPI = 150
COLUMN_WIDTH = 3.3  # inches: one column of a two-column paper (ACL, NeurIPS, ICML: 3.25-3.5 in)
FONT_SIZE = 8.0  # points, at print size
MIN_FONT_SIZE = 8.0  # no text smaller than this (ticks and legends included)
FORMATS = ("png", "svg", "pdf")
PARETO_PANEL_HEIGHT = 2.6  # inches per row of panels
DYNAMICS_PANEL_HEIGHT = 1.9  # inches per row of panels
LEVELS_PANEL_HEIGHT = 2.0  # inches per row of panels
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
        "xtick.labelsize": font_size,
        "ytick.labelsize": font_size,
        "legend.fontsize": font_size,
        "legend.title_fontsize": font_size + 1,
        "legend.framealpha": 0.85,
        "lines.markersize": font_size * 0.7,
    }


#: Settings read when a figure is written; :func:`_save` applies them with the style (ticks
#: made at that time read the style too).
_SAVE_RC = {
    "svg.fonttype": "none",  # text stays text in the SVG
    "pdf.fonttype": 42,  # TrueType in the PDF: no Type 3 fonts (rejected by some venues)
}


def _check_size(width: float, height: float | None, font_size: float) -> None:
    if not (0.5 <= width <= 50) or (height is not None and not (0.5 <= height <= 50)):
        raise EvalInputError(f"figure size {width} x {height} in: width and height must be 0.5-50 inches")
    if not (MIN_FONT_SIZE <= font_size <= 30):
        raise EvalInputError(f"font size {font_size} pt: must be {MIN_FONT_SIZE:g}-30")


def _save(fig: Figure, out_dir: Path, stem: str, font_size: float) -> list[Path]:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = [out_dir / f"{stem}.{ext}" for ext in FORMATS]
        with plt.rc_context({**_style(font_size), **_SAVE_RC}):
            for p in paths:
                fig.savefig(p, dpi=DPI)
    finally:
        plt.close(fig)
    return paths


def _integer_ticks(axis, nbins: int | str = "auto") -> None:
    """Whole-number ticks (tokens, steps, levels are counts)."""
    axis.set_major_locator(MaxNLocator(nbins=nbins, integer=True))


def _integer_axis(ax, which: str, nbins: int | str = "auto") -> None:
    """Whole-number ticks on a token axis, call after its data is drawn: a fitted range narrower
    than two whole numbers (8 configs at 25.3-25.4 tokens) is widened to the integers around it,
    so that the axis still has ticks to read."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    _integer_ticks(axis, nbins)
    lo, hi = ax.get_xlim() if which == "x" else ax.get_ylim()
    if math.floor(hi) - math.ceil(lo) < 1:
        lo, hi = math.floor(lo) - 0.2, math.ceil(hi) + 0.2
        (ax.set_xlim if which == "x" else ax.set_ylim)(lo, hi)


def _clamp_ylim(ax, low: float, high: float) -> None:
    """Keep the autoscaled (fitted) y range, but no more than 3 % of [low, high] beyond it."""
    pad = 0.03 * (high - low)
    y0, y1 = ax.get_ylim()
    ax.set_ylim(max(y0, low - pad), min(y1, high + pad))


def _seed_labels(names: Sequence[str], runs: Mapping[str, set[int]]) -> tuple[dict[str, str], str | None]:
    """Legend labels and title that say how many runs (seeds) each drawn name averages.

    No run count anywhere when every name has one run; the bare names under the title "S seeds
    each" when all have the same S > 1; otherwise ``NAME (S seeds)`` per name.
    """
    counts = {n: sorted(runs.get(n) or {1}) for n in names}
    every = {r for rs in counts.values() for r in rs}
    if every <= {1}:
        return {n: n for n in names}, None
    if len(every) == 1:
        return {n: n for n in names}, f"{every.pop()} seeds each"
    out = {}
    for n, rs in counts.items():
        count = str(rs[0]) if len(rs) == 1 else f"{rs[0]}-{rs[-1]}"
        out[n] = f"{n} ({count} seed{'' if rs == [1] else 's'})"
    return out, None


def _figure_legend(fig: Figure, handles: list, columns: int, title: str | None, grow: bool) -> None:
    """The figure's legend under its panels, in as many of ``columns`` as fit the figure's width;
    with ``grow`` (a default height) the figure gets 0.2 in per legend row beyond the planned ones."""
    renderer = fig.canvas.get_renderer()
    planned = math.ceil(len(handles) / columns)
    for ncols in range(min(columns, len(handles)), 0, -1):
        leg = fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False, title=title)
        if ncols == 1 or leg.get_window_extent(renderer).width <= 0.98 * fig.get_figwidth() * fig.dpi:
            break
        leg.remove()
    if grow:
        fig.set_figheight(fig.get_figheight() + 0.2 * (math.ceil(len(handles) / ncols) - planned))


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


def pareto_figure(
    source: str | Path | Sequence[ResultRow] | Sequence[Mapping[str, Any]],
    *,
    benchmarks: Sequence[str] | None = None,
    title: str | None = None,
    width: float = COLUMN_WIDTH,
    height: float | None = None,
    font_size: float = FONT_SIZE,
) -> Figure:
    """The Pareto figure from an eval CSV (or its rows), open (close it with ``plt.close``).

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
    panels = {
        bench: [r for r in rows if r["benchmark"] == bench and not (math.isnan(r["tokens"]) or math.isnan(r["pass1"]))]
        for bench in order
    }
    drawn = [m for m in models if any(r["model"] == m for pts in panels.values() for r in pts)]
    if not drawn:
        raise EvalInputError("no row has both Pass@1 and tokens to plot")
    fronts = {b: pareto_front([r["tokens"] for r in pts], [r["pass1"] for r in pts]) for b, pts in panels.items()}
    draws_front = any(len(f) > 1 for f in fronts.values())
    runs: dict[str, set[int]] = {}
    for pts in panels.values():
        for r in pts:
            n = r.get("runs")
            runs.setdefault(r["model"], set()).add(1 if n is None or math.isnan(n) else int(n))
    label, legend_title = _seed_labels(drawn, runs)

    ncols = 1 if width < _WIDE else min(3, len(order))
    nrows = math.ceil(len(order) / ncols)
    legend_cols = 2 if width < _WIDE else 4
    legend_rows = math.ceil((len(drawn) + draws_front) / legend_cols) + (legend_title is not None)
    grow = height is None
    if height is None:
        height = PARETO_PANEL_HEIGHT * nrows + 0.2 * legend_rows + 0.3 + (0.3 if title else 0)
    with plt.rc_context(_style(font_size)):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, layout="constrained")
        for ax, bench in zip(axes.flat, order):
            pts = panels[bench]
            x = np.array([r["tokens"] for r in pts])
            y = np.array([r["pass1"] for r in pts])
            front = fronts[bench]
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
            ax.margins(x=0.08, y=0.12)  # fitted to the points and their intervals
            ax.autoscale_view()
            _clamp_ylim(ax, 0.0, 100.0)
            _integer_axis(ax, "x", nbins=5 if width / ncols < 3 else 7)  # no touching labels
        for ax in list(axes.flat)[len(order):]:
            ax.set_visible(False)
        handles = [
            plt.Line2D([], [], ls="", marker="*" if m in bases else "o", color=colour[m],
                       ms=font_size * (1.1 if m in bases else 0.8),
                       label=label[m] if m not in bases or "base" in m.lower() else f"{label[m]} (base)")
            for m in drawn
        ]
        if draws_front:
            handles.append(plt.Line2D([], [], ls="--", color="0.45", lw=1.0, label="Pareto front"))
        _figure_legend(fig, handles, legend_cols, legend_title, grow)
        if title:
            fig.suptitle(title, fontsize=font_size + 2, fontweight="bold")
    return fig


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
    """Draw :func:`pareto_figure` and save it; returns the PNG, SVG and PDF paths (``pareto.*``)."""
    fig = pareto_figure(source, benchmarks=benchmarks, title=title, width=width, height=height, font_size=font_size)
    return _save(fig, Path(out_dir), "pareto", font_size)


# ------------------------------------------------------------------ dynamics


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a metrics JSON-lines file (one object per step).

    Two layouts are read: flat rows (``{"step": 3, <lengthwise.metrics.CAP>: 4096, ...}``, the demo's
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

    def get(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for s, r in zip(self.steps, self.rows):
            v = _num(r.get(key))
            if v is not None:
                xs.append(s)
                ys.append(v)
        return np.array(xs), np.array(ys)

    def buckets(self) -> list[str]:
        pat = re.compile("^" + re.escape(K.bucket_key("@", "mean_length")).replace("@", "(.+)") + "$")
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


def _empty(ax, message: str, title: str) -> None:
    # Not set_xticks([]): the panels share x, and that would clear the others' ticks too.
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_axis_off()
    ax.set_title(title, loc="left")


def _panel_legend(ax, title: str, font_size: float, columns: int = 2) -> None:
    """The panel's title with its legend under it, both above the plot area (never over data).

    ``columns`` entries per row at most, fewer when the row would be wider than the panel
    (constrained layout would otherwise shrink the plot area to make room).
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        ax.set_title(title, loc="left")
        return
    fig = ax.get_figure()
    room = fig.get_figwidth() * fig.dpi * ax.get_position().width  # before layout: close enough
    for ncols in range(min(columns, len(handles)), 0, -1):
        leg = ax.legend(
            handles, labels, title=title, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=ncols,
            frameon=False, alignment="left", borderaxespad=0.2, handlelength=1.6, columnspacing=1.0,
            title_fontproperties={"weight": "bold", "size": font_size + 1},
        )
        if ncols == 1 or leg.get_window_extent(fig.canvas.get_renderer()).width <= room:
            return


def dynamics_figure(
    metrics: str | Path | Iterable[Mapping[str, Any]],
    *,
    title: str | None = None,
    width: float = COLUMN_WIDTH,
    height: float | None = None,
    font_size: float = FONT_SIZE,
) -> Figure:
    """The training-dynamics panels from a metrics JSONL path (or its rows), open.

    ``height`` defaults to :data:`DYNAMICS_PANEL_HEIGHT` per row of panels (4 rows below 5 in
    wide, else 2). A path's figure is titled after its run directory unless ``title`` is given.
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
    cap_x, cap_y = S.get(K.CAP)
    known = (K.CAP, K.MEAN_LENGTH, K.ACCURACY, K.VAL_ACCURACY, K.VAL_MEAN_LENGTH)
    if not any(len(S.get(k)[1]) for k in known) and not S.buckets() and not S.verl_val_acc():
        raise EvalInputError(
            f"no plottable metrics: expected keys such as step, {', '.join(known)} (lengthwise.metrics' names)"
        )
    c_train, c_held, c_cap = "tab:blue", "tab:orange", "0.35"

    shape = (4, 1) if width < _WIDE else (2, 2)
    if height is None:
        height = DYNAMICS_PANEL_HEIGHT * shape[0] + (0.3 if title else 0)
    with plt.rc_context(_style(font_size)):
        fig, axes = plt.subplots(*shape, figsize=(width, height), layout="constrained", sharex=True)
        ax_cap, ax_len, ax_acc, ax_b = axes.flat
        bottom = [ax_b] if shape[1] == 1 else [ax_acc, ax_b]

        # 1. the cap schedule (one line: the title names it, no legend)
        if len(cap_y):
            ax_cap.plot(cap_x, cap_y, drawstyle="steps-post", color=c_cap, lw=1.8)
            ax_cap.set_title("Length cap L_t", loc="left")
            ax_cap.margins(y=0.1)
            _integer_axis(ax_cap, "y")
        else:
            _empty(ax_cap, f"no '{K.CAP}' in the metrics", "Length cap L_t")
        ax_cap.set_ylabel("tokens")

        # 2. response lengths
        drew = False
        for key, colour, label, style in (
            (K.MEAN_LENGTH, c_train, "train, all", None),
            (K.MEAN_LENGTH_CORRECT, "tab:green", "train, correct", ":"),
            (K.MEAN_LENGTH_WRONG, "tab:red", "train, wrong", ":"),
        ):
            x, y = S.get(key)
            if len(y):
                if style:
                    ax_len.plot(x, _smooth(y, max(3, len(y) // 25)) if len(y) > 30 else y, color=colour, ls=style, lw=1.3, label=label)
                else:
                    _train_curve(ax_len, x, y, colour, label)
                drew = True
        x, y = S.get(K.VAL_MEAN_LENGTH)
        if len(y):
            _held_curve(ax_len, x, y, c_held, "held-out")
            drew = True
        if drew:
            if len(cap_y):
                ax_len.plot(cap_x, cap_y, drawstyle="steps-post", color=c_cap, ls="--", lw=1, alpha=0.6, label="cap")
            ax_len.margins(y=0.08)
            _integer_axis(ax_len, "y")
            _panel_legend(ax_len, "Mean response length", font_size)
        else:
            _empty(ax_len, "no length metrics", "Mean response length")
        ax_len.set_ylabel("tokens")

        # 3. accuracy
        drew = False
        x, y = S.get(K.ACCURACY)
        if len(y):
            _train_curve(ax_acc, x, y, c_train, "train")
            drew = True
        x, y = S.get(K.VAL_ACCURACY)
        if len(y):
            _held_curve(ax_acc, x, y, c_held, "held-out")
            drew = True
        val_colours = plt.get_cmap("Dark2")
        for i, (source, key) in enumerate([] if drew and len(S.get(K.VAL_ACCURACY)[1]) else S.verl_val_acc()):
            x, y = S.get(key)
            if len(y):
                _held_curve(ax_acc, x, y, val_colours(i % val_colours.N), f"val {source}")
                drew = True
        if drew:
            ax_acc.margins(y=0.08)
            _clamp_ylim(ax_acc, 0.0, 1.0)
            _panel_legend(ax_acc, "Accuracy", font_size)
        else:
            _empty(ax_acc, "no accuracy metrics", "Accuracy")
        ax_acc.set_ylabel("fraction correct")

        # 4. per-bucket lengths, or reward/truncation when the run has no difficulty buckets
        buckets = S.buckets()
        if buckets:
            palette = ["tab:green", "tab:orange", "tab:red", "tab:purple", "tab:brown", "tab:cyan"]
            for i, b in enumerate(buckets):
                x, y = S.get(K.bucket_key(b, "mean_length"))
                _train_curve(ax_b, x, y, palette[i % len(palette)], f"bucket {b}")
                tx, ty = S.get(K.reward_key(f"target_length_{b}"))  # Laser-D's per-bucket target L_A
                if len(ty):
                    ax_b.plot(tx, ty, drawstyle="steps-post", color=palette[i % len(palette)], ls="--", lw=1.1,
                              label=f"target {b}")
            ax_b.margins(y=0.08)
            _integer_axis(ax_b, "y")
            _panel_legend(ax_b, "Mean length per difficulty bucket", font_size)
            ax_b.set_ylabel("tokens")
        else:
            xr, yr = S.get(K.REWARD_MEAN)
            xt, yt = S.get(K.TRUNCATION_RATE)
            if len(yr) or len(yt):
                if len(yr):
                    _train_curve(ax_b, xr, yr, "tab:purple", "reward mean")
                if len(yt):
                    _train_curve(ax_b, xt, yt, "tab:gray", "truncated share")
                ax_b.margins(y=0.08)
                _panel_legend(ax_b, "Mean reward and truncated share", font_size)
                ax_b.set_ylabel("reward / share")
            else:
                _empty(ax_b, "no per-bucket, reward or truncation metrics", "Per-bucket lengths")
        for ax in bottom:
            ax.set_xlabel("training step")
        for ax in axes.flat:
            _integer_ticks(ax.xaxis)  # steps are whole numbers
        if title:
            fig.suptitle(title, fontsize=font_size + 2, fontweight="bold")
    return fig


def plot_dynamics(
    metrics: str | Path | Iterable[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    title: str | None = None,
    width: float = COLUMN_WIDTH,
    height: float | None = None,
    font_size: float = FONT_SIZE,
) -> list[Path]:
    """Draw :func:`dynamics_figure` and save it; returns the PNG, SVG and PDF paths
    (``dynamics.{png,svg,pdf}`` in ``out_dir``)."""
    fig = dynamics_figure(metrics, title=title, width=width, height=height, font_size=font_size)
    return _save(fig, Path(out_dir), "dynamics", font_size)


# ------------------------------------------------------------------ per level

#: The keys of one per-level row; the four ``*_ci_*`` keys may be missing, null or NaN (no interval).
LEVEL_KEYS = ("config", "level", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
              "tokens", "tokens_ci_low", "tokens_ci_high", "runs")


def read_levels(path: str | Path) -> list[dict[str, Any]]:
    """Per-level rows from a JSON file holding their list, or an object with a ``levels`` key
    holding it (``compare.json``). Rows are checked by :func:`levels_figure`."""
    path = Path(path)
    doc = loads(read_text_file(path), str(path))
    if isinstance(doc, dict):
        if "levels" not in doc:
            raise EvalInputError(f"{path}: expected a list of per-level rows or an object with a 'levels' key")
        doc = doc["levels"]
    if not isinstance(doc, list):
        raise EvalInputError(f"{path}: 'levels' must be a list of per-level rows, got {type(doc).__name__}")
    return doc


def _level_value(row: Mapping[str, Any], key: str, where: str, low: float, high: float) -> float:
    """A number in [low, high], or NaN for a missing/null/NaN value."""
    v = row.get(key)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    x = _num(v)
    if x is None or not (low <= x <= high):
        raise EvalInputError(f"{where}.{key}: expected a number in [{low:g}, {high:g}] or null, got {v!r}")
    return x


def _level_rows(rows: Iterable[Any], where: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for i, r in enumerate(rows):
        at = f"{where}[{i}]"
        if not isinstance(r, Mapping):
            raise EvalInputError(f"{at}: expected an object with keys {', '.join(LEVEL_KEYS)}")
        missing = [k for k in ("config", "level", "accuracy", "tokens", "runs") if k not in r]
        if missing:
            raise EvalInputError(f"{at}: missing {', '.join(missing)}")
        config, level, runs = r["config"], _num(r["level"]), _num(r["runs"])
        if not isinstance(config, str) or not config:
            raise EvalInputError(f"{at}.config: expected a non-empty string, got {config!r}")
        if level is None or not level.is_integer():
            raise EvalInputError(f"{at}.level: expected an integer, got {r['level']!r}")
        if runs is None or not runs.is_integer() or runs < 1:
            raise EvalInputError(f"{at}.runs: expected an integer >= 1, got {r['runs']!r}")
        if (config, int(level)) in seen:
            raise EvalInputError(f"{at}: a second row for config {config!r} at level {int(level)}")
        seen.add((config, int(level)))
        row = {"config": config, "level": int(level), "runs": int(runs)}
        for key in ("accuracy", "accuracy_ci_low", "accuracy_ci_high"):
            row[key] = _level_value(r, key, at, 0.0, 1.0)
        for key in ("tokens", "tokens_ci_low", "tokens_ci_high"):
            row[key] = _level_value(r, key, at, 0.0, math.inf)
        for name in ("accuracy", "tokens"):
            lo, hi = row[f"{name}_ci_low"], row[f"{name}_ci_high"]
            if lo > hi:  # False when either is NaN
                raise EvalInputError(f"{at}: {name}_ci_low {lo:g} > {name}_ci_high {hi:g}")
        out.append(row)
    if not any(not math.isnan(r["accuracy"]) or not math.isnan(r["tokens"]) for r in out):
        raise EvalInputError(f"{where}: no per-level accuracy or tokens to plot")
    return out


def _level_panel(ax, rows: Sequence[Mapping[str, Any]], configs: Sequence[str], colour, key: str, scale: float,
                 font_size: float) -> list[str]:
    """One line per config over the levels, with its interval bars; returns the configs drawn.

    Configs are dodged sideways by up to ±0.2 level so that their bars do not hide each other.
    """
    drawn = []
    step = 0.4 / max(len(configs) - 1, 1) if len(configs) > 1 else 0.0
    for j, c in enumerate(configs):
        pts = sorted((r for r in rows if r["config"] == c and not math.isnan(r[key])), key=lambda r: r["level"])
        if not pts:
            continue
        drawn.append(c)
        x = np.array([r["level"] for r in pts], dtype=np.float64) + (j * step - 0.2 if len(configs) > 1 else 0.0)
        y = np.array([r[key] for r in pts]) * scale
        ax.plot(x, y, color=colour[c], lw=1.3, marker="o", ms=font_size * 0.5, zorder=3)
        for xi, yi, r in zip(x, y, pts):
            err = _err(yi, r[f"{key}_ci_low"] * scale, r[f"{key}_ci_high"] * scale)
            if err is not None:
                ax.errorbar(xi, yi, yerr=err, fmt="none", ecolor=colour[c], elinewidth=0.8, capsize=1.5, zorder=2)
    return drawn


def levels_figure(
    rows: str | Path | Iterable[Mapping[str, Any]],
    *,
    title: str | None = None,
    width: float = COLUMN_WIDTH,
    height: float | None = None,
    font_size: float = FONT_SIZE,
) -> Figure:
    """Accuracy and mean tokens per difficulty level, one line per config, open.

    ``rows``: dicts with :data:`LEVEL_KEYS` (``accuracy`` and its interval as fractions in
    [0, 1], drawn in %; ``runs`` the training runs averaged), or a JSON file of them
    (:func:`read_levels`). Two panels, stacked below 5 in wide, else side by side; ``height``
    defaults to :data:`LEVELS_PANEL_HEIGHT` per row of panels plus the legend.
    """
    _check_size(width, height, font_size)
    if isinstance(rows, (str, Path)):
        rows = _level_rows(read_levels(rows), str(rows))
    else:
        rows = _level_rows(list(rows), "levels")
    configs = list(dict.fromkeys(r["config"] for r in rows))
    colours = plt.get_cmap("tab10" if len(configs) <= 10 else "tab20")
    colour = {c: colours(i % colours.N) for i, c in enumerate(configs)}
    levels = sorted({r["level"] for r in rows})
    runs: dict[str, set[int]] = {}
    for r in rows:
        runs.setdefault(r["config"], set()).add(r["runs"])

    stacked = width < _WIDE
    legend_cols = 2 if stacked else 4
    label, legend_title = _seed_labels(configs, runs)
    legend_rows = math.ceil(len(configs) / legend_cols) + (legend_title is not None)
    grow = height is None
    if height is None:
        height = LEVELS_PANEL_HEIGHT * (2 if stacked else 1) + 0.2 * legend_rows + 0.3 + (0.3 if title else 0)
    with plt.rc_context(_style(font_size)):
        fig, (ax_acc, ax_tok) = plt.subplots(2 if stacked else 1, 1 if stacked else 2, figsize=(width, height),
                                             layout="constrained", sharex=True)
        drawn = _level_panel(ax_acc, rows, configs, colour, "accuracy", 100.0, font_size)
        drawn += _level_panel(ax_tok, rows, configs, colour, "tokens", 1.0, font_size)
        for ax, name, what in ((ax_acc, "Accuracy per level", "accuracy (%)"),
                               (ax_tok, "Mean response length per level", "mean tokens")):
            ax.set_title(name, loc="left")
            ax.set_ylabel(what)
            ax.margins(x=0.06, y=0.1)  # fitted to the points and their intervals
        _clamp_ylim(ax_acc, 0.0, 100.0)
        _integer_axis(ax_tok, "y")
        if len(levels) <= 12:
            ax_tok.set_xticks(levels)
        else:
            _integer_ticks(ax_tok.xaxis)
        for ax in (ax_tok,) if stacked else (ax_acc, ax_tok):
            ax.set_xlabel("difficulty level")
        handles = [plt.Line2D([], [], color=colour[c], lw=1.3, marker="o", ms=font_size * 0.5, label=label[c])
                   for c in configs if c in drawn]
        _figure_legend(fig, handles, legend_cols, legend_title, grow)
        if title:
            fig.suptitle(title, fontsize=font_size + 2, fontweight="bold")
    return fig


def plot_levels(
    rows: str | Path | Iterable[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    title: str | None = None,
    width: float = COLUMN_WIDTH,
    height: float | None = None,
    font_size: float = FONT_SIZE,
) -> list[Path]:
    """Draw :func:`levels_figure` and save it; returns the PNG, SVG and PDF paths (``levels.*``)."""
    fig = levels_figure(rows, title=title, width=width, height=height, font_size=font_size)
    return _save(fig, Path(out_dir), "levels", font_size)
