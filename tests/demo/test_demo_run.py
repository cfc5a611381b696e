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
from lengthwise import metrics as K  # noqa: E402
from lengthwise.demo.run import demo_rows, held_out_summary, read_validation_dumps  # noqa: E402

SHORT = ["--steps", "2", "--eval-every", "1", "--quiet", "--prompts-per-step", "4", "--rollout-n", "4"]


def test_builtin_demo_configs_are_valid_cpu_configs():
    from lengthwise import build_strategies, load_config
    from lengthwise.demo.cli import MAX_CAP, resolve_config

    assert {"siri-cosine", "baseline", "laser-de", "deepcompress"} <= set(BUILTIN)
    for name in BUILTIN:
        cfg = load_config(resolve_config(name))
        assert cfg.training.device == "cpu" and cfg.training.assets == "cpu-tiny"
        assert build_strategies(cfg).schedule.max_cap <= MAX_CAP


def test_demo_rows_keep_verl_names_and_add_the_held_out_metrics():
    # verl's file logger: {"step": g, "data": {...}}; validation before training is step 0.
    src = "lengthwise/arith"
    verl = [
        {"step": 0, "data": {f"val-core/{src}/acc/mean@1": 0.25}},
        {"step": 1, "data": {"lengthwise/cap": 128.0, "lengthwise/mean_length": 40.0, "lengthwise/accuracy": 0.5,
                             "actor/pg_loss": 0.1, "timing_s/gen": 2.0, "perf/throughput": 9.0}},
    ]
    held = {0: {K.VAL_ACCURACY: 0.25, K.val_level_key(1, "accuracy"): 0.5}}
    rows = demo_rows(verl, held)
    assert rows == [
        {"step": 0, f"val-core/{src}/acc/mean@1": 0.25, K.VAL_ACCURACY: 0.25, K.val_level_key(1, "accuracy"): 0.5},
        {"step": 1, K.CAP: 128.0, K.MEAN_LENGTH: 40.0, K.ACCURACY: 0.5, "actor/pg_loss": 0.1, "timing_s/gen": 2.0},
    ]


def test_validation_dumps_become_per_level_held_out_metrics(tmp_path):
    # two dumps as verl writes them (one JSON line per held-out response, reward extras included)
    rec = lambda acc, n, level: {"input": "q", "output": "a", "score": acc, "acc": acc, "lw_length": n,  # noqa: E731
                                 "lw_cap": 128.0, "lw_truncated": 0.0, "lw_level": level}
    (tmp_path / "0.jsonl").write_text("\n".join(json.dumps(r) for r in (rec(1.0, 50, 1), rec(0.0, 90, 8))) + "\n")
    (tmp_path / "40.jsonl").write_text(json.dumps(rec(1.0, 30, 1)) + "\n" + '{"torn')  # a line still being written
    held = read_validation_dumps(tmp_path)
    assert held[0][K.VAL_ACCURACY] == 0.5 and held[0][K.VAL_MEAN_LENGTH] == 70.0
    assert held[0][K.val_level_key(8, "accuracy")] == 0.0 and held[40][K.VAL_PROBLEMS] == 1
    summary = held_out_summary({"step": 0, **held[0]})
    assert summary["accuracy"] == 0.5 and summary["problems"] == 2
    assert summary["levels"] == {"1": {"share": 0.5, "accuracy": 1.0, "mean_length": 50.0, "truncation_rate": 0.0},
                                 "8": {"share": 0.5, "accuracy": 0.0, "mean_length": 90.0, "truncation_rate": 0.0}}


@pytest.mark.slow
def test_short_demo_trains_with_verl_and_writes_results(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--config", "siri-cosine", "--out", str(tmp_path), *SHORT])
    assert res.exit_code == 0, res.output
    out = tmp_path / "siri-cosine"
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [0, 1, 2]
    assert K.VAL_ACCURACY in rows[0] and K.CAP not in rows[0]  # the pre-RL evaluation
    # SIRI cosine, T = 20 from L_max 128: step 1 rolls out at cap(0) = 128, step 2 below it
    assert rows[1][K.CAP] == 128 and rows[2][K.CAP] < 128
    for r in rows[1:]:
        assert 0 < r[K.MEAN_LENGTH] <= r[K.CAP]
        assert 0.0 <= r[K.ACCURACY] <= 1.0
        assert K.REWARD_MEAN in r and "timing_s/update_actor" in r
        assert K.VAL_ACCURACY in r
        # per level, every step: the levels drawn that step, their shares summing to 1
        shares = [v for k, v in r.items() if (p := K.parse_level_key(k)) and not p[0] and p[2] == "share"]
        assert shares and abs(sum(shares) - 1) < 1e-9
    # the 256 held-out problems span the 8 levels, each evaluated
    assert {K.parse_level_key(k)[1] for k in rows[0] if K.parse_level_key(k)} == set(range(1, 9))
    # the metric names are verl's own: every key of a training row is in verl's file-logger row
    verl_keys = set().union(*(json.loads(line)["data"] for line in (out / "verl_metrics.jsonl").read_text().splitlines()))
    assert {k for k in rows[1] if k != "step" and not k.startswith("lengthwise/val/")} <= verl_keys
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 2 and set(summary["final"]) >= {"accuracy", "mean_length", "levels"}
    assert summary["initial"]["accuracy"] == rows[0][K.VAL_ACCURACY]
    assert set(summary["final"]["levels"]) == {str(k) for k in range(1, 9)}
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
    from lengthwise.demo.tasks import FILLER, LEVELS, make_problem, prompt_text
    from lengthwise.scoring import grade

    assets = prepare_tiny_assets()
    tok = PreTrainedTokenizerFast.from_pretrained(assets.tokenizer_dir)
    tok.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(assets.model_dir).eval()
    rng = random.Random(7)
    probs = [make_problem(rng.choice(LEVELS), rng) for _ in range(256)]
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


def test_report_only_trains_nothing(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--compare", "baseline,fixed-budget", "--report-only", "--out", str(tmp_path)])
    assert res.exit_code == 1
    assert res.output.count("not finished, left out") == 2 and "verl:" not in res.output
    assert "no run of the comparison finished" in res.output
    bad = CliRunner().invoke(main, ["demo", "--report-only", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--report-only needs --compare" in bad.output
