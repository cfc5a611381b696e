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


@pytest.mark.slow
def test_compare_over_seeds_writes_table_and_reuses_finished_runs(tmp_path):
    args = ["demo", "--compare", "baseline", "--seeds", "2", "--out", str(tmp_path), *SHORT]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    root = tmp_path / "compare"
    for seed in (0, 1):
        run = root / "baseline" / f"seed{seed}"
        assert json.loads((run / "summary.json").read_text())["environment"]["seed"] == seed
        dumps = sorted((run / "validation").glob("*.jsonl"))
        assert [p.stem for p in dumps] == ["0", "1", "2"]  # before RL, --eval-every 1, end
    table = (root / "compare.md").read_text()
    assert "| before RL | 1 |" in table and "| baseline | 2 |" in table and "Student t over runs" in table
    assert {p.name for p in root.glob("pareto.*")} == {"pareto.png", "pareto.svg", "pareto.pdf"}
    # `lengthwise eval` reads a run's verl dump
    ev = CliRunner().invoke(main, ["eval", str(root / "baseline" / "seed0" / "validation" / "2.jsonl")])
    assert ev.exit_code == 0, ev.output
    # a second call finds both runs finished and trains nothing
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert again.output.count("finished run reused") == 2 and "verl:" not in again.output


def test_seeds_without_compare_is_an_error(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--seeds", "3", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--seeds needs --compare" in res.output


@pytest.mark.slow
def test_hedging_costs_tokens_not_accuracy_on_the_warm_model():
    """The task's design claim, on the warmed-up model: sampled answers that hedge a lot are as
    often right as those that hedge little (the hedging lines hold no numbers to get wrong),
    while each hedging line costs tokens."""
    import random

    import torch
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    from lengthwise.demo.assets import prepare_tiny_assets
    from lengthwise.demo.tasks import FILLER, make_problem, prompt_text
    from lengthwise.scoring import grade

    assets = prepare_tiny_assets()
    tok = PreTrainedTokenizerFast.from_pretrained(assets.tokenizer_dir)
    tok.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(assets.model_dir).eval()
    rng = random.Random(7)
    probs = [make_problem(rng.choice((1, 2, 3, 4)), rng) for _ in range(256)]
    torch.manual_seed(7)
    texts, lens, golds = [], [], []
    for _ in range(2):
        enc = tok([prompt_text(p) for p in probs], return_tensors="pt", padding=True)
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=128, do_sample=True, temperature=1.0, top_p=1.0,
                                 pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        for p, ids in zip(probs, out[:, enc["input_ids"].shape[1]:].tolist()):
            n = ids.index(tok.eos_token_id) + 1 if tok.eos_token_id in ids else len(ids)
            texts.append(tok.decode(ids[:n], skip_special_tokens=True))
            lens.append(n)
            golds.append(str(p.answer))
    correct = grade(texts, golds)
    hedges = [sum(line in FILLER for line in t.splitlines()) for t in texts]
    few = [c for c, h in zip(correct, hedges) if h <= 2]
    many = [c for c, h in zip(correct, hedges) if h >= 3]
    assert len(few) > 100 and len(many) > 100  # the warm-up model hedges a varying amount
    # accuracies of ~0.25 on ~250 samples each: the difference's standard error is ~0.04
    assert abs(sum(few) / len(few) - sum(many) / len(many)) < 0.12
    len_few = sum(n for n, h in zip(lens, hedges) if h <= 2) / len(few)
    len_many = sum(n for n, h in zip(lens, hedges) if h >= 3) / len(many)
    assert len_many > len_few + 15


@pytest.mark.slow
def test_a_failed_run_does_not_stop_the_comparison(tmp_path):
    # verl fails at start-up on a rollout engine it has no registry entry for (a key and value that
    # pass the launch's own schema check): every run fails, each is reported, none aborts the rest
    res = CliRunner().invoke(main, ["demo", "--compare", "baseline,siri-cosine", "--out", str(tmp_path), *SHORT,
                                    "actor_rollout_ref.rollout.name=no_such_engine"])
    assert res.exit_code == 1
    assert "[1/2] baseline seed 0" in res.output and "[2/2] siri-cosine seed 0" in res.output
    assert res.output.count("verl exited with code") == 2
    assert "no run of the comparison finished" in res.output
