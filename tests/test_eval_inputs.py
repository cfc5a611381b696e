"""Bounded, checked inputs for `lengthwise eval` and `lengthwise plot`: one line, exit 2, the file
(and row) named, nothing blocks or reads without end."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.evaluation.plots import read_metrics


def run(*args: str, **env: str):
    return CliRunner(env=env or None).invoke(main, list(args))


def one_line(res) -> str:
    assert res.exit_code == 2, (res.exit_code, res.output)
    assert "Traceback" not in res.output
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


ROW = {"benchmark": "b", "problem_id": "p1", "response": "\\boxed{7}", "ground_truth": "7"}


def test_dev_zero_and_a_fifo_are_refused_before_reading(tmp_path):
    """Before: `eval /dev/zero` read until MemoryError; a FIFO blocked for ever."""
    assert one_line(run("eval", "/dev/zero")) == "error: /dev/zero: not a regular file"
    fifo = tmp_path / "gens.jsonl"
    os.mkfifo(fifo)
    assert one_line(run("eval", str(fifo))) == f"error: {fifo}: not a regular file"
    assert one_line(run("plot", "dynamics", str(fifo), "--out", str(tmp_path))) == f"error: {fifo}: not a regular file"


def test_size_limit(tmp_path):
    path = write_jsonl(tmp_path / "g.jsonl", [ROW])
    size = path.stat().st_size
    line = one_line(run("eval", str(path), LENGTHWISE_MAX_INPUT_BYTES="20"))
    assert line == f"error: {path}: input is {size} bytes, more than the limit of 20"


def test_deeply_nested_json_is_one_line(tmp_path):
    path = write_jsonl(tmp_path / "deep.jsonl", ['{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"])
    assert one_line(run("eval", str(path))) == f"error: {path}:1: JSON nested too deeply"
    assert one_line(run("plot", "dynamics", str(path), "--out", str(tmp_path))) == (
        f"error: {path}:1: JSON nested too deeply")
    array = tmp_path / "deep.json"
    array.write_text("[" * 100_000 + "]" * 100_000)  # a JSON-array file: the file is named
    assert one_line(run("eval", str(array))) == f"error: {array}: JSON nested too deeply"


@pytest.mark.parametrize("gold, shown", [
    (float("nan"), "nan"), (float("inf"), "inf"), (True, "true"), ({"a": 1}, '{"a": 1}'), ("", "''"), ("nan", "'nan'"),
])
def test_odd_gold_is_rejected_with_its_row(tmp_path, gold, shown):
    """Before: a NaN gold became the string "nan", so \\boxed{nan} scored 100 %."""
    path = write_jsonl(tmp_path / "g.jsonl", [ROW, {**ROW, "problem_id": "p2", "ground_truth": gold}])
    line = one_line(run("eval", str(path)))
    assert line.startswith(f"error: {path}:2: ground_truth"), line
    assert shown in line


def test_nan_score_only_matters_when_stored_scores_are_used(tmp_path):
    """Before: a NaN `score` aborted eval even when scores were not used."""
    q = "user\nWhat is 3+4?\nassistant\n"
    rows = [{"input": q, "output": "\\boxed{7}", "gts": "7", "score": float("nan"), "step": 1},
            {"input": q, "output": "\\boxed{8}", "gts": "7", "score": 0.0, "step": 1}]
    path = write_jsonl(tmp_path / "1.jsonl", rows)
    res = run("eval", str(path))
    assert res.exit_code == 0, res.output
    line = one_line(run("eval", str(path), "--use-stored-score"))
    assert line == f"error: {path}:1: the stored score must be true/false or a finite number, got nan"


def test_unwritable_out_is_one_line(tmp_path):
    """Before: a traceback. (--out under a regular file: fails for root too.)"""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    metrics = write_jsonl(tmp_path / "m.jsonl", [{"step": s, "lengthwise/cap": 100 - s, "lengthwise/mean_length": 50} for s in range(3)])
    line = one_line(run("plot", "dynamics", str(metrics), "--out", str(blocker / "figs")))
    assert line.startswith("error: ") and str(blocker) in line


def test_dynamics_reads_verls_file_logger(tmp_path):
    """verl's FileLogger.log writes {"step": step, "data": data} (verl/utils/tracking.py)."""
    path = write_jsonl(tmp_path / "exp.jsonl", [
        {"step": 1, "data": {"lengthwise/cap": 4096, "response_length/mean": 3000.5}},
        {"step": 2, "data": {"lengthwise/cap": 4000, "response_length/mean": 2900.0}},
    ])
    rows = read_metrics(path)
    assert rows == [{"step": 1, "lengthwise/cap": 4096, "response_length/mean": 3000.5},
                    {"step": 2, "lengthwise/cap": 4000, "response_length/mean": 2900.0}]
    res = run("plot", "dynamics", str(path), "--out", str(tmp_path / "figs"))
    assert res.exit_code == 0, res.output
