"""`lengthwise plot pareto|dynamics` and `plot_dynamics()`: the files exist, are real PNG/SVG
images of the expected pixel size, and draw what the inputs hold."""

from __future__ import annotations

import json
import math
import struct

import pytest
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.evaluation.plots import (
    COLUMN_WIDTH,
    DPI,
    DYNAMICS_PANEL_HEIGHT,
    FONT_SIZE,
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
    # One paper column (3.5 in) at 150 dpi; 3 panels (aime24, math500, average) stacked at 2.6 in,
    # a legend of 6 models + the front in 2 columns (4 rows: 3 model rows x 0.2 in) plus 0.3 in, no title:
    # 3 x 2.6 + 3 x 0.2 + 0.3 = 8.7 in.
    assert png_size(png) == (round(COLUMN_WIDTH * DPI), round((3 * PARETO_PANEL_HEIGHT + 0.6 + 0.3) * DPI))
    text = check_svg(svg)
    for label in ("aime24", "math500", "average over benchmarks", "siri-low", "Pareto front", "Pass@1 (%)",
                  "mean response length (tokens)"):
        assert label in text, label
    assert "base (base)" not in text  # the base model is marked by its star, its name said once


def test_pareto_panels_can_be_chosen_and_unknown_ones_are_an_error(tmp_path):
    paths = plot_pareto(eval_rows(), tmp_path, benchmarks=["aime24"], title=None)
    assert png_size(paths[0]) == (round(COLUMN_WIDTH * DPI), round((PARETO_PANEL_HEIGHT + 0.6 + 0.3) * DPI))
    assert "math500" not in check_svg(paths[1])
    csv_path = tmp_path / "eval.csv"
    write_csv(eval_rows(), csv_path)
    res = CliRunner().invoke(main, ["plot", "pareto", str(csv_path), "--out", str(tmp_path), "--benchmark", "gsm8k"])
    assert res.exit_code == 2 and "gsm8k not in the table" in res.stderr


def metrics_rows(prefixed: bool, steps: int = 60):
    rows = []
    for s in range(steps):
        cap = 64 if (s // 20) % 2 else 128
        length = min(cap, 100 - 0.5 * s)
        base = {"step": s, "cap": cap, "mean_length": length, "accuracy": 0.3 + 0.005 * s, "reward_mean": 0.1 * (s % 5)}
        row = {("lengthwise/" + k if prefixed and k != "step" else k): v for k, v in base.items()}
        if prefixed:
            row.update({"lengthwise/bucket_high/mean_length": length * 0.6, "lengthwise/bucket_low/mean_length": length * 1.3})
        if s % 10 == 9:
            row.update(heldout_accuracy=0.35 + 0.004 * s, heldout_mean_length=90 - 0.4 * s)
        rows.append(row)
    return rows


@pytest.mark.parametrize("prefixed", [False, True])
def test_dynamics_accepts_bare_and_lengthwise_prefixed_keys(tmp_path, prefixed):
    paths = plot_dynamics(metrics_rows(prefixed), tmp_path)
    assert [p.name for p in paths] == ["dynamics.png", "dynamics.svg", "dynamics.pdf"]
    # one column: 3.5 in wide, four panels stacked at 1.9 in each
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
    # 3.5 in x (4 x 1.9 in + 0.3 in for the title) at 150 dpi
    assert png_size(png) == (525, 1185)
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
    res = CliRunner().invoke(main, ["plot", "pareto", str(csv_path), "--out", str(tmp_path), "--font-size", "2"])
    assert res.exit_code == 2  # click's range check: a usage error, no traceback
    assert "Traceback" not in res.output


def test_default_text_is_legible_at_column_width(tmp_path):
    """Before: ~4-5 pt once the 15 in figure was shrunk to a column. Now drawn at column width."""
    import re

    svg = plot_pareto(eval_rows(), tmp_path)[1].read_text()
    sizes = [float(x) for x in re.findall(r"font-size: ([\d.]+)px", svg)]  # SVG user unit = 1 pt here
    assert sizes and min(sizes) >= FONT_SIZE - 1  # tick labels are 1 pt smaller than the 8 pt text


def test_short_runs_get_integer_step_ticks_and_the_pre_rl_point(tmp_path):
    import re

    rows = metrics_rows(False, steps=5)
    rows[0].update(heldout_accuracy=0.2, heldout_mean_length=95)  # step 0: before any RL step
    svg = plot_dynamics(rows, tmp_path)[1].read_text()
    assert "held-out before RL" in svg
    ticks = set(re.findall(r">(-?\d+\.\d+)</text>", svg))
    # fractional labels may appear on y axes (0.2, 0.4 ...) but no x tick is fractional: every
    # integer step 0..4 is labelled and no half steps like 0.5 or 1.5 appear
    assert not {"0.5", "1.5", "2.5", "3.5"} & ticks
