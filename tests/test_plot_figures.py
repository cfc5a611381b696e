"""`lengthwise plot pareto|dynamics|levels`: the files exist, are real PNG/SVG/PDF images of the
expected pixel size, draw what the inputs hold, and meet the paper rules (issue 20 item 6),
checked on the matplotlib figures themselves: every text >= 8 pt at the 3.3 in column width,
legends outside every plot area and without empty entries, integer token/step/level ticks, y axes
fitted to the data, PNG + PDF written."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.evaluation.plots import (
    COLUMN_WIDTH,
    DPI,
    DYNAMICS_PANEL_HEIGHT,
    FONT_SIZE,
    MIN_FONT_SIZE,
    PARETO_PANEL_HEIGHT,
    plot_dynamics,
    plot_pareto,
)
from lengthwise.evaluation.report import ResultRow, write_csv

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (bytes 16-24, big-endian)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def check_svg(path) -> str:
    text = path.read_text()
    assert path.stat().st_size > 1000 and "<svg" in text[:2000] and text.rstrip().endswith("</svg>")
    return text


def eval_rows():
    nan = math.nan
    pts = {"base": (28.2, 12333), "siri-low": (40.4, 7093), "siri-high": (43.6, 10049),
           "laser": (34.0, 5000), "twin": (34.0, 5000), "worse": (30.0, 11000)}
    rows = [ResultRow(m, "aime24", 30, 1920, 64, 64, a, a - 5, a + 5, t, t, t, 0.0, "stored", base="base")
            for m, (a, t) in pts.items()]
    rows += [ResultRow(m, "math500", 500, 500, 1, 1, a + 40, a + 38, a + 42, t / 2, t / 2, t / 2, 0.0, "stored", base="base")
             for m, (a, t) in pts.items()]
    rows += [ResultRow(m, "average", 530, 2420, 1, 64, a + 20, nan, nan, t * 0.75, nan, nan, 0.0, "stored", base="base")
             for m, (a, t) in pts.items()]
    return rows


def test_pareto_from_an_eval_csv(tmp_path):
    csv_path = tmp_path / "eval.csv"
    write_csv(eval_rows(), csv_path)
    res = CliRunner().invoke(main, ["plot", "pareto", str(csv_path), "--out", str(tmp_path / "fig")])
    assert res.exit_code == 0, res.output
    png, svg, pdf = (tmp_path / "fig" / f"pareto.{ext}" for ext in ("png", "svg", "pdf"))
    assert res.stdout.split() == [str(png), str(svg), str(pdf)]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    # One paper column (3.3 in) at 150 dpi; 3 panels (aime24, math500, average) stacked at 2.6 in,
    # a legend of 6 models + the front in 2 columns (4 rows x 0.2 in) plus 0.3 in, no title:
    # 3 x 2.6 + 4 x 0.2 + 0.3 = 8.9 in.
    assert png_size(png) == (round(COLUMN_WIDTH * DPI), round((3 * PARETO_PANEL_HEIGHT + 0.8 + 0.3) * DPI))
    text = check_svg(svg)
    for label in ("aime24", "math500", "average over benchmarks", "siri-low", "Pareto front", "Pass@1 (%)",
                  "mean response length (tokens)"):
        assert label in text, label
    assert "base (base)" not in text  # the base model is marked by its star, its name said once


def test_pareto_panels_can_be_chosen_and_unknown_ones_are_an_error(tmp_path):
    paths = plot_pareto(eval_rows(), tmp_path, benchmarks=["aime24"], title=None)
    assert png_size(paths[0]) == (round(COLUMN_WIDTH * DPI), round((PARETO_PANEL_HEIGHT + 0.8 + 0.3) * DPI))
    assert "math500" not in check_svg(paths[1])
    csv_path = tmp_path / "eval.csv"
    write_csv(eval_rows(), csv_path)
    res = CliRunner().invoke(main, ["plot", "pareto", str(csv_path), "--out", str(tmp_path), "--benchmark", "gsm8k"])
    assert res.exit_code == 2 and "gsm8k not in the table" in res.stderr


def metrics_rows(prefixed: bool, steps: int = 60):
    """``prefixed``: with Laser-D-style per-bucket lengths (the name is historical: both spellings once worked)."""
    rows = []
    for s in range(steps):
        cap = 64 if (s // 20) % 2 else 128
        length = min(cap, 100 - 0.5 * s)
        base = {"step": s, "lengthwise/cap": cap, "lengthwise/mean_length": length, "lengthwise/accuracy": 0.3 + 0.005 * s,
                "lengthwise/reward_mean": 0.1 * (s % 5)}
        row = dict(base)  # lengthwise.metrics' names: the only spelling the plots read
        if prefixed:
            row.update({"lengthwise/bucket_high/mean_length": length * 0.6, "lengthwise/bucket_low/mean_length": length * 1.3})
        if s % 10 == 9:
            row.update({"lengthwise/val/accuracy": 0.35 + 0.004 * s, "lengthwise/val/mean_length": 90 - 0.4 * s})
        rows.append(row)
    return rows


@pytest.mark.parametrize("prefixed", [False, True])
def test_dynamics_with_and_without_buckets(tmp_path, prefixed):
    paths = plot_dynamics(metrics_rows(prefixed), tmp_path)
    assert [p.name for p in paths] == ["dynamics.png", "dynamics.svg", "dynamics.pdf"]
    # one column: 3.3 in wide, four panels stacked at 1.9 in each
    assert png_size(paths[0]) == (round(COLUMN_WIDTH * DPI), round(4 * DYNAMICS_PANEL_HEIGHT * DPI))
    text = check_svg(paths[1])
    for label in ("Length cap L_t", "cap L_t", "train, all (moving avg.)", "held-out", "Accuracy", "training step"):
        assert label in text, label
    if prefixed:  # per-bucket lengths are drawn when the run has buckets ...
        assert "bucket high" in text and "bucket low" in text and "Mean length per difficulty bucket" in text
    else:  # ... and reward / truncation otherwise
        assert "reward mean" in text and "Mean reward and truncated share" in text and "bucket high" not in text
        assert "no difficulty buckets" not in text


def test_dynamics_cli_from_a_metrics_file_and_its_errors(tmp_path):
    run_dir = tmp_path / "siri-cosine"
    run_dir.mkdir()
    metrics = run_dir / "metrics.jsonl"
    metrics.write_text("".join(json.dumps(r) + "\n" for r in metrics_rows(False, steps=8)))
    res = CliRunner().invoke(main, ["plot", "dynamics", str(metrics), "--out", str(run_dir / "plots")])
    assert res.exit_code == 0, res.output
    png = run_dir / "plots" / "dynamics.png"
    # 3.3 in x (4 x 1.9 in + 0.3 in for the title) at 150 dpi
    assert png_size(png) == (495, 1185)
    assert "Training dynamics — siri-cosine" in check_svg(run_dir / "plots" / "dynamics.svg")

    (tmp_path / "bad.jsonl").write_text('{"step": 1}\n{oops\n')
    res = CliRunner().invoke(main, ["plot", "dynamics", str(tmp_path / "bad.jsonl"), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "bad.jsonl:2: not JSON" in res.stderr
    (tmp_path / "empty.jsonl").write_text('{"step": 1, "loss": 0.5}\n')
    res = CliRunner().invoke(main, ["plot", "dynamics", str(tmp_path / "empty.jsonl"), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "no plottable metrics" in res.stderr
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    res = CliRunner().invoke(main, ["plot", "pareto", str(tmp_path / "x.csv"), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "not a `lengthwise eval --csv` file" in res.stderr
    assert "Traceback" not in res.output


def test_figure_size_and_font_size_options(tmp_path):
    csv_path = tmp_path / "eval.csv"
    write_csv(eval_rows(), csv_path)
    res = CliRunner().invoke(main, ["plot", "pareto", str(csv_path), "--out", str(tmp_path / "w"),
                                    "--width", "7", "--height", "3", "--font-size", "10"])
    assert res.exit_code == 0, res.output
    assert png_size(tmp_path / "w" / "pareto.png") == (1050, 450)  # 7 x 3 in at 150 dpi
    text = (tmp_path / "w" / "pareto.svg").read_text()
    assert "font-size: 10px" in text  # axis labels at 10 pt (the SVG's unit is 1/72 in: px = pt)
    res = CliRunner().invoke(main, ["plot", "pareto", str(csv_path), "--out", str(tmp_path), "--font-size", "7"])
    assert res.exit_code == 2  # below the 8 pt floor: click's range check, a usage error, no traceback
    assert "Traceback" not in res.output


def test_default_text_is_legible_at_column_width(tmp_path):
    """Before: ~4-5 pt once the 15 in figure was shrunk to a column, then 7 pt ticks. Now >= 8 pt."""
    import re

    svg = plot_pareto(eval_rows(), tmp_path)[1].read_text()
    sizes = [float(x) for x in re.findall(r"font-size: ([\d.]+)px", svg)]  # SVG user unit = 1 pt here
    assert sizes and min(sizes) >= FONT_SIZE == MIN_FONT_SIZE == 8  # tick labels and legends included


def test_short_runs_get_integer_step_ticks_and_the_pre_rl_point(tmp_path):
    import re

    rows = metrics_rows(False, steps=5)
    rows[0].update({"lengthwise/val/accuracy": 0.2, "lengthwise/val/mean_length": 95})  # step 0: before any RL step
    svg = plot_dynamics(rows, tmp_path)[1].read_text()
    assert "held-out before RL" in svg
    ticks = set(re.findall(r">(-?\d+\.\d+)</text>", svg))
    # fractional labels may appear on y axes (0.2, 0.4 ...) but no x tick is fractional: every
    # integer step 0..4 is labelled and no half steps like 0.5 or 1.5 appear
    assert not {"0.5", "1.5", "2.5", "3.5"} & ticks


# ------------------------------------------------------------------ the paper rules, on the figures


def check_paper_rules(fig, *, integer_axes=(), fitted=()):
    """Assert issue 20's figure rules on an open figure (drawn first, so the layout has run).

    integer_axes: matplotlib Axis objects whose ticks must be whole numbers;
    fitted: (axes, data_low, data_high) whose y range must hug [data_low, data_high].
    """
    import matplotlib.text
    import numpy as np
    from matplotlib.ticker import FixedLocator, MaxNLocator

    fig.canvas.draw()
    # every text at >= 8 pt, at a print width of one 3.3 in column
    assert fig.get_figwidth() == pytest.approx(3.3)
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert sizes and min(sizes) >= 8
    # legends: outside every plot area, every entry labelled and drawn with a line or marker
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends
    for leg in legends:
        box = leg.get_window_extent()
        for ax in panels:
            assert not box.overlaps(ax.bbox), f"legend {[t.get_text() for t in leg.get_texts()]} over a plot area"
        labels = [t.get_text() for t in leg.get_texts()]
        assert labels and all(label.strip() for label in labels)
        assert len(set(labels)) == len(labels)
        for h in leg.legend_handles:
            assert h.get_linestyle() not in ("None", "none", "") or h.get_marker() not in ("None", "none", "", None)
    # integer ticks: the locator makes whole numbers, and the visible ticks are whole numbers
    for axis in integer_axes:
        loc = axis.get_major_locator()
        assert isinstance(loc, (MaxNLocator, FixedLocator))
        if isinstance(loc, MaxNLocator):
            assert loc._integer  # the public MaxNLocator(integer=True) setting has no getter
        lo, hi = sorted(axis.get_view_interval())
        ticks = [t for t in axis.get_majorticklocs() if lo <= t <= hi]
        assert ticks and np.allclose(ticks, np.round(ticks))
    # fitted y axes: the data inside, and not much else
    for ax, lo, hi in fitted:
        y0, y1 = ax.get_ylim()
        span = max(hi - lo, 1e-9)
        assert y0 <= lo and y1 >= hi
        assert (y1 - y0) <= 1.6 * span, (y0, y1, lo, hi)


def test_the_rule_checker_catches_each_violation():
    """The old figures' faults, one at a time: each must fail check_paper_rules."""
    import matplotlib.pyplot as plt

    def figure(legend_loc="lower left", tick_pt=8, ylim=None, label="x"):
        fig, ax = plt.subplots(figsize=(3.3, 2), layout="constrained")
        ax.plot([0, 1, 2], [0.98, 0.99, 1.0], marker="o", label=label)
        ax.tick_params(labelsize=tick_pt)
        if legend_loc == "inside":
            ax.legend(loc="center", fontsize=8)
        else:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8)
        if ylim:
            ax.set_ylim(*ylim)
        return fig, ax

    fig, ax = figure()
    check_paper_rules(fig, fitted=[(ax, 0.98, 1.0)])  # the control passes
    plt.close(fig)
    for kwargs, rule in (
        ({"legend_loc": "inside"}, "legend"),
        ({"tick_pt": 7}, "font"),
        ({"ylim": (0, 1)}, "fitted"),
        ({"label": " "}, "empty entry"),
    ):
        fig, ax = figure(**kwargs)
        with pytest.raises(AssertionError):
            check_paper_rules(fig, fitted=[(ax, 0.98, 1.0)])
        plt.close(fig)
    fig, ax = figure()
    with pytest.raises(AssertionError):  # 0.5-step ticks on an axis that must be integer
        check_paper_rules(fig, integer_axes=[ax.xaxis])
    plt.close(fig)


def check_files(paths, stem):
    by_ext = {p.suffix: p for p in paths}
    assert {".png", ".pdf"} <= set(by_ext) and all(p.stem == stem for p in paths)
    assert by_ext[".png"].read_bytes()[:8] == PNG_MAGIC
    pdf = by_ext[".pdf"].read_bytes()
    assert pdf[:5] == b"%PDF-" and b"/Type3" not in pdf  # TrueType text, no Type 3 fonts


def near_perfect_rows():
    """Accuracies between 98 and 100 % with their Wilson intervals (from 500 problems), 3 seeds each."""
    from lengthwise.evaluation import metrics as M

    rows = []
    for m, correct, tokens in (("base", 490, 61.4), ("siri", 497, 40.2), ("laser", 500, 45.0), ("dc", 495, 52.7)):
        r = M.accuracy_ci([[True] * correct + [False] * (500 - correct)])
        rows.append(ResultRow(m, "demo", 500, 500, 1, 1, 100 * r.mean, 100 * r.low, 100 * r.high, tokens, tokens,
                              tokens, 0.0, "stored", base="base", tokens_ci_low=tokens - 1.5,
                              tokens_ci_high=tokens + 1.5, runs=1 if m == "base" else 3))
    return rows


def test_pareto_meets_the_paper_rules(tmp_path):
    from lengthwise.evaluation.plots import pareto_figure

    rows = near_perfect_rows()
    fig = pareto_figure(rows)
    ax = fig.axes[0]
    lo = min(r.pass1_ci_low for r in rows)
    check_paper_rules(fig, integer_axes=[ax.xaxis], fitted=[(ax, lo, 100.0)])
    assert ax.get_ylim()[0] > 90  # 98-100 % is not drawn on a 0-100 % axis
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    # mixed run counts: every label says its seeds (base: one evaluation)
    assert labels == ["base (1 seed)", "siri (3 seeds)", "laser (3 seeds)", "dc (3 seeds)", "Pareto front"]
    import matplotlib.pyplot as plt

    plt.close(fig)
    check_files(plot_pareto(rows, tmp_path), "pareto")


def test_pareto_legend_lists_only_what_was_drawn():
    import matplotlib.pyplot as plt

    from lengthwise.evaluation.plots import pareto_figure

    nan = math.nan
    rows = [ResultRow("a", "b", 10, 10, 1, 1, 50.0, 30.0, 70.0, 100.0, nan, nan, 0.0, "stored"),
            ResultRow("lost", "b", 10, 10, 1, 1, nan, nan, nan, nan, nan, nan, 0.0, "missing")]
    fig = pareto_figure(rows)
    try:
        # one point: no front line, so no "Pareto front" entry; "lost" has no point, so no entry
        assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a"]
        check_paper_rules(fig)
    finally:
        plt.close(fig)


def test_a_token_axis_narrower_than_one_token_still_has_integer_ticks():
    """The demo's old comparison: 8 configs between 25.3 and 25.4 tokens."""
    import matplotlib.pyplot as plt

    from lengthwise.evaluation.plots import pareto_figure

    nan = math.nan
    rows = [ResultRow(f"m{i}", "b", 256, 256, 1, 1, 99.0 + 0.1 * i, 97.0, 99.9, 25.3 + 0.01 * i, nan, nan, 0.0,
                      "stored") for i in range(8)]
    fig = pareto_figure(rows)
    try:
        ax = fig.axes[0]
        check_paper_rules(fig, integer_axes=[ax.xaxis])
        lo, hi = ax.get_xlim()
        assert [t for t in ax.get_xticks() if lo <= t <= hi] == [25, 26]  # widened to the integers around it
    finally:
        plt.close(fig)


def test_dynamics_meets_the_paper_rules(tmp_path):
    import matplotlib.pyplot as plt

    from lengthwise.evaluation.plots import dynamics_figure

    rows = metrics_rows(True)
    for r in rows:  # accuracies between 0.98 and 1.0
        r["lengthwise/accuracy"] = 0.98 + 0.0003 * r["step"]
        if "lengthwise/val/accuracy" in r:
            r["lengthwise/val/accuracy"] = 0.985 + 0.0002 * r["step"]
    fig = dynamics_figure(rows)
    try:
        ax_cap, ax_len, ax_acc, ax_b = fig.axes
        keys = ("lengthwise/mean_length", "lengthwise/val/mean_length", "lengthwise/cap")  # the length panel's lines
        lengths = [r[k] for r in rows for k in keys if k in r]
        check_paper_rules(
            fig,
            integer_axes=[ax_cap.yaxis, ax_len.yaxis, ax_b.yaxis] + [a.xaxis for a in fig.axes],
            fitted=[(ax_acc, 0.98, 0.98 + 0.0003 * 59), (ax_len, min(lengths), 128)],
        )
        assert ax_acc.get_ylim()[0] > 0.9 and ax_acc.get_ylim()[1] < 1.01  # not 0-1
        # each panel's legend sits above its own plot area, titled with the panel's name
        assert ax_len.get_legend().get_title().get_text() == "Mean response length"
        assert ax_len.get_legend().get_window_extent().y0 >= ax_len.bbox.y1
    finally:
        plt.close(fig)
    check_files(plot_dynamics(rows, tmp_path), "dynamics")


# ------------------------------------------------------------------ per level


def level_rows():
    """Two configs over levels 1-3; accuracies as fractions, intervals from metrics over 3 seeds."""
    nan = math.nan
    return [
        {"config": "baseline", "level": 1, "accuracy": 0.98, "accuracy_ci_low": 0.95, "accuracy_ci_high": 0.995,
         "tokens": 24.5, "tokens_ci_low": 23.0, "tokens_ci_high": 26.0, "runs": 3},
        {"config": "baseline", "level": 2, "accuracy": 0.9, "accuracy_ci_low": 0.85, "accuracy_ci_high": 0.94,
         "tokens": 40.2, "tokens_ci_low": 38.0, "tokens_ci_high": 42.5, "runs": 3},
        {"config": "baseline", "level": 3, "accuracy": 0.55, "accuracy_ci_low": 0.45, "accuracy_ci_high": 0.65,
         "tokens": 71.0, "tokens_ci_low": nan, "tokens_ci_high": nan, "runs": 3},
        {"config": "siri-cosine", "level": 1, "accuracy": 0.99, "accuracy_ci_low": 0.97, "accuracy_ci_high": 0.998,
         "tokens": 20.1, "tokens_ci_low": 19.0, "tokens_ci_high": 21.0, "runs": 3},
        {"config": "siri-cosine", "level": 3, "accuracy": 0.4, "accuracy_ci_low": None, "accuracy_ci_high": None,
         "tokens": 52.3, "tokens_ci_low": 50.0, "tokens_ci_high": 55.0, "runs": 3},
    ]


def test_levels_figure_draws_each_config_per_level_and_meets_the_paper_rules(tmp_path):
    import matplotlib.pyplot as plt

    from lengthwise.evaluation.plots import levels_figure

    fig = levels_figure(level_rows())
    try:
        ax_acc, ax_tok = fig.axes
        check_paper_rules(
            fig,
            integer_axes=[ax_tok.xaxis, ax_tok.yaxis],
            fitted=[(ax_acc, 40.0, 99.8), (ax_tok, 19.0, 71.0)],
        )
        assert list(ax_tok.get_xticks()) == [1, 2, 3]
        assert ax_acc.get_ylim()[1] <= 103  # an accuracy axis stops near 100 %
        # one line per config and panel, accuracy in %: baseline's 3 levels, siri's 2 (no level 2)
        lines = {ax: [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 1 or ln.get_marker() == "o"] for ax in fig.axes}
        ys = sorted(tuple(np.round(ln.get_ydata(), 3)) for ln in lines[ax_acc] if ln.get_marker() == "o")
        assert ys == [(98.0, 90.0, 55.0), (99.0, 40.0)]
        xs = sorted(tuple(np.round(ln.get_xdata(), 3)) for ln in lines[ax_tok] if ln.get_marker() == "o")
        # dodged by ±0.2 level: two configs sit at level − 0.2 and level + 0.2
        assert xs == [(0.8, 1.8, 2.8), (1.2, 3.2)]
        # same run count everywhere: bare names under one "3 seeds each" title
        leg = fig.legends[0]
        assert [t.get_text() for t in leg.get_texts()] == ["baseline", "siri-cosine"]
        assert leg.get_title().get_text() == "3 seeds each"
        # interval bars: accuracy 4 of 5 points (siri level 3 has none), tokens 4 of 5
        assert len(ax_acc.containers) == 4 and len(ax_tok.containers) == 4
    finally:
        plt.close(fig)


def test_plot_levels_cli_reads_a_list_or_a_levels_key(tmp_path):
    (tmp_path / "list.json").write_text(json.dumps(level_rows()).replace("NaN", "null"))
    (tmp_path / "compare.json").write_text(json.dumps({"rows": [], "levels": level_rows()}))
    for name in ("list.json", "compare.json"):
        out = tmp_path / name.split(".")[0]
        res = CliRunner().invoke(main, ["plot", "levels", str(tmp_path / name), "--out", str(out)])
        assert res.exit_code == 0, res.output
        png, svg, pdf = (out / f"levels.{ext}" for ext in ("png", "svg", "pdf"))
        assert res.stdout.split() == [str(png), str(svg), str(pdf)]
        # 3.3 in x (2 stacked panels x 2.0 in + the legend: 1 row of 2 configs + its title, 2 x 0.2 in, + 0.3 in)
        assert png_size(png) == (round(COLUMN_WIDTH * DPI), round((2 * 2.0 + 0.4 + 0.3) * DPI))
        text = check_svg(svg)
        for label in ("Accuracy per level", "Mean response length per level", "difficulty level", "siri-cosine",
                      "3 seeds each", "accuracy (%)", "mean tokens"):
            assert label in text, label
        assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"rows": []}, "expected a list of per-level rows or an object with a 'levels' key"),
        ({"levels": 3}, "'levels' must be a list"),
        ([{"config": "a", "level": 1, "accuracy": 0.5, "tokens": 3}], "levels.json[0]: missing runs"),
        ([{"config": "a", "level": 1.5, "accuracy": 0.5, "tokens": 3, "runs": 1}], "[0].level: expected an integer"),
        ([{"config": "a", "level": 1, "accuracy": 50, "tokens": 3, "runs": 1}], "[0].accuracy: expected a number in [0, 1]"),
        ([{"config": "a", "level": 1, "accuracy": 0.5, "accuracy_ci_low": 0.4, "accuracy_ci_high": 1.2,
           "tokens": 3, "runs": 1}], "[0].accuracy_ci_high: expected a number in [0, 1]"),
        ([{"config": "a", "level": 1, "accuracy": 0.5, "accuracy_ci_low": 0.6, "accuracy_ci_high": 0.4,
           "tokens": 3, "runs": 1}], "accuracy_ci_low 0.6 > accuracy_ci_high 0.4"),
        ([{"config": "a", "level": 1, "accuracy": 0.5, "tokens": 3, "runs": 0}], "[0].runs: expected an integer >= 1"),
        ([{"config": "a", "level": 1, "accuracy": 0.5, "tokens": 3, "runs": 1}] * 2, "a second row for config 'a' at level 1"),
        ([{"config": "", "level": 1, "accuracy": 0.5, "tokens": 3, "runs": 1}], "[0].config: expected a non-empty string"),
        ([{"config": "a", "level": 1, "accuracy": None, "tokens": None, "runs": 1}], "no per-level accuracy or tokens"),
        ([], "no per-level accuracy or tokens"),
    ],
)
def test_plot_levels_bad_input_is_one_error_line(tmp_path, doc, message):
    path = tmp_path / "levels.json"
    path.write_text(json.dumps(doc))
    res = CliRunner().invoke(main, ["plot", "levels", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and message in res.stderr, res.stderr
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()  # nothing half-written
