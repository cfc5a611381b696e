"""A shortened `lengthwise demo` trains through verl's own trainer on CPU and writes its results folder."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("verl")

from click.testing import CliRunner  # noqa: E402

from lengthwise.cli import main  # noqa: E402
from lengthwise.demo.cli import BUILTIN  # noqa: E402
from lengthwise.demo.run import demo_rows  # noqa: E402

SHORT = ["--steps", "2", "--eval-every", "1", "--quiet", "--prompts-per-step", "4", "--rollout-n", "4"]


def test_builtin_demo_configs_are_valid_cpu_configs():
    from lengthwise import build_strategies, load_config
    from lengthwise.demo.cli import MAX_CAP, resolve_config

    assert {"siri-cosine", "baseline", "laser-de", "deepcompress"} <= set(BUILTIN)
    for name in BUILTIN:
        cfg = load_config(resolve_config(name))
        assert cfg.training.device == "cpu" and cfg.training.assets == "cpu-tiny"
        assert build_strategies(cfg).schedule.max_cap <= MAX_CAP


def test_demo_rows_from_verl_file_logger_rows():
    # verl's file logger: {"step": g, "data": {...}}; validation before training is step 0.
    src = "lengthwise/arith"
    verl = [
        {"step": 0, "data": {f"val-core/{src}/acc/mean@1": 0.25, f"val-aux/{src}/lw_length/mean@1": 50.0}},
        {"step": 1, "data": {"lengthwise/cap": 128.0, "lengthwise/mean_length": 40.0, "lengthwise/accuracy": 0.5,
                             "actor/pg_loss": 0.1, "timing_s/gen": 2.0, "perf/throughput": 9.0}},
    ]
    rows = demo_rows(verl, src)
    assert rows == [
        {"step": 0, "heldout_accuracy": 0.25, "heldout_mean_length": 50.0},
        {"step": 1, "cap": 128.0, "mean_length": 40.0, "accuracy": 0.5, "lengthwise/cap": 128.0,
         "lengthwise/mean_length": 40.0, "lengthwise/accuracy": 0.5, "actor/pg_loss": 0.1, "timing_s/gen": 2.0},
    ]


@pytest.mark.slow
def test_short_demo_trains_with_verl_and_writes_results(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--config", "siri-cosine", "--out", str(tmp_path), *SHORT])
    assert res.exit_code == 0, res.output
    out = tmp_path / "siri-cosine"
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [0, 1, 2]
    assert set(rows[0]) == {"step", "heldout_accuracy", "heldout_mean_length"}  # the pre-RL evaluation
    # SIRI cosine, T = 20 from L_max 128: step 1 rolls out at cap(0) = 128, step 2 below it
    assert rows[1]["cap"] == 128 and rows[2]["cap"] < 128
    for r in rows[1:]:
        assert 0 < r["mean_length"] <= r["cap"]
        assert 0.0 <= r["accuracy"] <= 1.0
        assert "lengthwise/reward_mean" in r and "timing_s/update_actor" in r
        assert "heldout_accuracy" in r
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 2 and set(summary["final"]) >= {"accuracy", "mean_length"}
    assert summary["initial"]["accuracy"] == rows[0]["heldout_accuracy"]
    assert {"gen", "update_actor", "step"} <= set(summary["step_seconds"])
    assert summary["environment"]["versions"]["verl"] == "0.9.1"
    state = json.loads((out / "checkpoints" / "global_step_2" / "lengthwise_state.json").read_text())
    assert state["global_step"] == 2 and set(state["state"]) == {"schedule", "reward", "difficulty"}
    assert (out / "config.yaml").is_file() and (out / "verl.log").is_file()
    pngs = list((out / "plots").glob("*.png"))
    assert pngs and all(p.stat().st_size > 1000 for p in pngs)


def test_unknown_demo_config_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--config", "no-such", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "no demo config 'no-such'" in res.output and "siri-cosine" in res.output


def test_schedule_too_long_for_the_demo_model(tmp_path):
    cfg = tmp_path / "big.yaml"
    cfg.write_text("schedule: {name: constant, params: {length: 16384}}\nreward: length-capped\n")
    res = CliRunner().invoke(main, ["demo", "--config", str(cfg), "--out", str(tmp_path / "o"), *SHORT])
    assert res.exit_code == 2
    assert "does not fit the demo model" in res.output
