"""The comparison's signature measures (lengthwise.demo.signatures) on runs written by hand."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from lengthwise import metrics as K
from lengthwise.demo.compare import Evaluation, RunOutcome
from lengthwise.demo.signatures import format_signatures, level_groups, measure_signatures


def _run(tmp_path, config, seed, rows, cfg=None, final=Evaluation()):
    d = tmp_path / config / f"seed{seed}"
    d.mkdir(parents=True)
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (d / "config.yaml").write_text(yaml.safe_dump(cfg or {}))
    return RunOutcome(config=config, seed=seed, initial_accuracy=0.9, initial_tokens=70, final_accuracy=0.9,
                      final_tokens=60, out_dir=str(d), final=final)


def test_level_groups_follow_the_trace_lengths():
    # un-hedged traces: 6 per line + 8; level 4 with a product has 5 lines = 38 <= 40; level 5
    # without one has 38 but 44 with one; level 6 has at least 6 lines = 44 > 40
    assert level_groups(40) == ((1, 2, 3, 4), (6, 7, 8))


def test_siri_dip_and_recovery_by_hand(tmp_path):
    # one cycle of T = 8, L_max 128, L_min 40 (midpoint 84): caps 128 115 84 | 53 40 53 | 84 115
    # accuracy 0.9 0.9 0.9 | 0.6+e 0.5+e 0.7+e | 0.8 0.8 with e = 0, +0.03, -0.03 over three seeds:
    # dip = mean(low) - mean(high before) = (0.6 + e) - 0.9 = -0.3 - ... : -0.30, -0.27, -0.33
    # recovery = mean(high after) - mean(low) = 0.8 - (0.6 + e): 0.20, 0.17, 0.23
    caps = [128, 115, 84, 53, 40, 53, 84, 115]
    cfg = {"schedule": {"name": "siri-cosine", "params": {"l_max": 128, "l_min": 40, "period": 8, "cycles": 1}}}
    outs = []
    for seed, e in enumerate((0.0, 0.03, -0.03)):
        acc = [0.9, 0.9, 0.9, 0.6 + e, 0.5 + e, 0.7 + e, 0.8, 0.8]
        rows = [{"step": t + 1, K.STEP: t, K.CAP: c, K.ACCURACY: a} for t, (c, a) in enumerate(zip(caps, acc))]
        outs.append(_run(tmp_path, "siri-cosine", seed, rows, cfg))
    sigs = {(s.behaviour, s.measure.split(",")[1].strip()): s for s in measure_signatures(outs)}
    dip = sigs[("SIRI dip per cycle", "all levels (mean over cycles)")]
    rec = sigs[("SIRI recovery per cycle", "all levels (mean over cycles)")]
    assert dip.value == pytest.approx(-0.30) and rec.value == pytest.approx(0.20)
    assert dip.runs == rec.runs == 3 and dip.status == rec.status == "present"
    # sample sd 0.03 over 3 runs: half-width t(0.975, 2) * 0.03 / sqrt(3) = 4.303 * 0.01732 = 0.0745
    assert dip.ci_high - dip.value == pytest.approx(4.302653 * 0.03 / math.sqrt(3), rel=1e-4)
    # no level metrics were logged: the hard-level variant has no value
    assert math.isnan(sigs[("SIRI dip per cycle", "hard levels 6-8 (mean over cycles)")].value)


def test_fixed_budget_and_deepcompress_by_hand(tmp_path):
    levels = (1, 1, 6, 6)

    def ev(correct, lengths):
        return Evaluation(tuple(correct), tuple(float(x) for x in lengths), levels, (False,) * 4)

    outs = []
    for seed, hard_ok in enumerate((0, 1, 0)):
        # baseline: all correct; easy 50 tokens, hard 100 tokens (hard/easy ratio 2)
        outs.append(_run(tmp_path, "baseline", seed, [], final=ev([1, 1, 1, 1], [50, 50, 100, 100])))
        # fixed budget: easy all correct, hard 0 or 1 of 2 correct -> Δ_easy 0, Δ_hard -1 or -0.5
        outs.append(_run(tmp_path, "fixed-budget", seed, [], final=ev([1, 1, hard_ok, 0], [30, 30, 60, 60])))
        # deepcompress: easy 25 tokens (-50 %), hard 90 (-10 %): ratio 3.6 / 2 - 1 = 0.8
        outs.append(_run(tmp_path, "deepcompress", seed, [], final=ev([1, 1, 1, 1], [25, 25, 90, 90])))
    by = {s.config: s for s in measure_signatures(outs)}
    fb, dc = by["fixed-budget"], by["deepcompress"]
    # Δ_hard - Δ_easy per seed: -1, -0.5, -1 -> mean -5/6
    assert fb.value == pytest.approx(-5 / 6) and fb.status == "present"
    assert dc.value == pytest.approx(0.8) and dc.runs == 3
    # identical runs: zero spread, the interval is the point and still above 0
    assert dc.status == "present" and "easy -50 %, hard -10 %" in dc.detail


def test_laser_targets_and_exploration_by_hand(tmp_path):
    cfg = {"training": {"train_batch_size": 2, "rollout_n": 4}}  # 8 responses a step
    t = lambda b: K.reward_key(f"target_length_{b}")  # noqa: E731
    rows = [
        {K.STEP: 0, t("high"): 128, t("medium"): 128, t("low"): 128, K.reward_key("exploration_rate"): 0.25},
        {K.STEP: 1, t("high"): 48, t("medium"): 64, t("low"): 128, K.reward_key("exploration_rate"): 0.125},
        {K.STEP: 2, t("high"): 40, t("medium"): 64, t("low"): 128, K.reward_key("exploration_rate"): 0.0},
    ]
    outs = [_run(tmp_path, "laser-de", s, rows, cfg) for s in range(2)]
    by = {s.behaviour: s for s in measure_signatures(outs)}
    moves = by["Laser-D per-bucket targets differ and move"]
    # targets differ at steps 1 and 2; changes: high 128->48->40 (2), medium 128->64 (1), low none
    assert moves.value == 2 and "target changes per run: 3.0" in moves.detail and moves.status == "present"
    bonus = by["Laser-DE exploration bonus paid"]
    assert bonus.value == pytest.approx(0.25 * 8 + 0.125 * 8)  # 3 responses per run
    assert "| Laser-DE exploration bonus paid | laser-de |" in format_signatures(list(by.values()))


def test_one_run_is_not_measured(tmp_path):
    rows = [{K.STEP: 0, K.reward_key("exploration_rate"): 0.5}]
    (sig,) = measure_signatures([_run(tmp_path, "laser-de", 0, rows, {"training": {"train_batch_size": 1, "rollout_n": 2}})])[1:]
    assert sig.status == "not measured" and sig.runs == 1


def test_a_bonus_paid_in_one_run_only_is_absent_with_the_counts(tmp_path):
    cfg = {"training": {"train_batch_size": 2, "rollout_n": 4}}  # 8 responses a step
    paid = [{K.STEP: 0, K.reward_key("exploration_rate"): 0.5}]  # 0.5 x 8 = 4 responses
    unpaid = [{K.STEP: 0, K.reward_key("exploration_rate"): 0.0}]
    outs = [_run(tmp_path, "laser-de", 0, paid, cfg), _run(tmp_path, "laser-de", 1, unpaid, cfg)]
    bonus = {s.behaviour: s for s in measure_signatures(outs)}["Laser-DE exploration bonus paid"]
    # mean 2, Student t over (4, 0) reaches below 0: absent, and the explanation says what was paid
    assert bonus.value == 2 and bonus.status == "absent"
    assert bonus.explanation == "paid in 1 of 2 runs, not beyond run-to-run noise; responses per run: 4, 0"
