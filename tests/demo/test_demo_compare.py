"""The comparison table of ``lengthwise demo --compare``: intervals over runs, relative metrics, verdicts."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from lengthwise.demo.compare import BASE, COMPARE_ALL, COMPARE_CORE, Evaluation, RunOutcome, comparison_rows, format_comparison, verdicts, write_comparison
from lengthwise.demo.cli import BUILTIN
from lengthwise.evaluation.metrics import T975, mean_ci_over_runs


def test_t_interval_by_hand():
    # x = 0.4, 0.5, 0.6: mean 0.5, s = sqrt(((-0.1)^2 + 0 + 0.1^2) / 2) = 0.1,
    # half = t_{0.975,2} * s / sqrt(3) = 4.302653 * 0.1 / 1.7320508 = 0.248414
    m, lo, hi = mean_ci_over_runs([0.4, 0.5, 0.6])
    assert m == pytest.approx(0.5)
    assert lo == pytest.approx(0.5 - 0.248414, abs=1e-6)
    assert hi == pytest.approx(0.5 + 0.248414, abs=1e-6)
    assert mean_ci_over_runs([0.7])[0] == 0.7 and math.isnan(mean_ci_over_runs([0.7])[1])
    with pytest.raises(ValueError, match="NaN"):
        mean_ci_over_runs([0.5, math.nan])


@given(st.lists(st.floats(0, 200, allow_nan=False), min_size=2, max_size=40))
def test_t_interval_contains_mean_and_is_symmetric(values):
    m, lo, hi = mean_ci_over_runs(values)
    assert lo <= m + 1e-9 and m <= hi + 1e-9
    assert (m - lo) == pytest.approx(hi - m, abs=1e-9)


def test_t_table_decreases_toward_normal():
    assert all(a > b for a, b in zip(T975, T975[1:]))
    assert T975[-1] > 1.959964


def _outcomes():
    # before RL: acc 0.40, 52 tokens (every run's step-0 evaluation is the same model)
    def run(cfg, seed, acc, tok):
        return RunOutcome(cfg, seed, 0.40, 52.0, acc, tok)

    return [
        run("baseline", 0, 0.44, 50.0), run("baseline", 1, 0.46, 52.0), run("baseline", 2, 0.48, 54.0),
        run("siri-cosine", 0, 0.45, 30.0), run("siri-cosine", 1, 0.46, 31.0), run("siri-cosine", 2, 0.47, 32.0),
        run("cosine", 0, 0.30, 50.0), run("cosine", 1, 0.32, 51.0), run("cosine", 2, 0.34, 55.0),
    ]


def test_rows_by_hand():
    rows = comparison_rows(_outcomes())
    assert [r.model for r in rows] == [BASE, "baseline", "siri-cosine", "cosine"]
    base, ref, siri, cos = rows
    assert base.pass1 == pytest.approx(40.0) and base.tokens == 52.0 and base.runs == 1
    # baseline: acc 0.44, 0.46, 0.48 of 256 problems each -> mean 0.46, s^2 = 0.0004; Wilson over
    # runs at n_eff = min((z/t_2)^2 * S * p(1-p) / s^2, 3 * 256)
    #   = (1.959964 / 4.302653)^2 * 3 * 0.2484 / 0.0004 = 0.207502 * 1863 = 386.58
    # Wilson(0.46, 386.58): z^2/n = 3.841459 / 386.58 = 0.0099371,
    #   centre = (0.46 + 0.0049686) / 1.0099371 = 0.460395,
    #   half = 1.959964 / 1.0099371 * sqrt(0.2484 / 386.58 + 3.841459 / (4 * 386.58^2))
    #        = 1.940680 * sqrt(0.00064256 + 0.00000643) = 1.940680 * 0.025475 = 0.049439 -> low 0.410956
    assert ref.pass1 == pytest.approx(46.0)
    assert ref.pass1_ci_low == pytest.approx(41.0956, abs=1e-3)
    # tokens 50, 52, 54 -> mean 52, s = 2, half = 4.302653 * 2 / sqrt(3) = 4.968275
    assert ref.tokens == pytest.approx(52.0) and ref.tokens_ci_high == pytest.approx(56.968275, abs=1e-5)
    # siri: acc 0.46, tokens 31 vs before RL 0.40, 52:
    #   ΔAcc = 0.46/0.40 - 1 = 0.15, CR = 31/52 = 0.596154, ΔAcc/CR = 0.251613
    #   AES = ΔLen + 3·ΔAcc_rel = (1 - 31/52) + 3 * 0.15 = 0.403846 + 0.45 = 0.853846
    assert siri.delta_acc == pytest.approx(0.15) and siri.cr == pytest.approx(31 / 52)
    assert siri.delta_acc_per_cr == pytest.approx(0.15 / (31 / 52))
    assert siri.aes == pytest.approx(0.853846, abs=1e-6)
    # cosine: acc 0.32 < 0.40: ΔAcc = 0 (clamped), AES = (1 - 52/52) - 5 * 0.2 = -1.0
    assert cos.delta_acc == 0.0 and cos.aes == pytest.approx(-1.0)


def test_verdicts_by_hand():
    v = verdicts(comparison_rows(_outcomes()))
    # siri tokens [31 ± 4.302653*1/sqrt(3)] = [28.52, 33.48] lies below baseline's [47.03, 56.97];
    # cut = 1 - 31/52 = 0.404 >= 0.30; acc 46.0 inside baseline's [41.10, 50.98] (test_rows_by_hand)
    assert v["siri-cosine"] == {"token_cut_vs_baseline": pytest.approx(1 - 31 / 52), "shorter_beyond_noise": True,
                                "accuracy_inside_baseline_ci": True, "meets_target": True}
    # cosine: tokens 52 (no cut), accuracy 32 outside the baseline's interval
    assert v["cosine"]["shorter_beyond_noise"] is False
    assert v["cosine"]["accuracy_inside_baseline_ci"] is False and v["cosine"]["meets_target"] is False
    text = format_comparison(comparison_rows(_outcomes()))
    assert "| siri-cosine | 3 | 46.0 [" in text and "-40 %" in text and "≥ 30 % shorter" in text


def test_one_seed_uses_the_problems_interval():
    # one run, 4 problems right of 8: Wilson(0.5, 8): z^2/n = 3.841459/8 = 0.480182,
    #   half = 1.959964 / 1.480182 * sqrt(0.25/8 + 3.841459/256) = 1.324151 * 0.215072 = 0.284788,
    #   centre 0.5 -> low 0.215212
    # tokens 30, 50 four times each: mean 40, s = sqrt(8/7 * 100) = 10.690450,
    #   half = 1.959964 * 10.690450 / sqrt(8) = 7.407968
    o = RunOutcome("baseline", 0, 0.5, 40.0, 0.5, 40.0, final=Evaluation((True, False) * 4, (30.0, 50.0) * 4))
    row = comparison_rows([o], problems=8)[1]
    assert row.pass1_ci_low == pytest.approx(21.5212, abs=1e-3)
    assert row.tokens_ci_low == pytest.approx(40 - 7.407968, abs=1e-5)
    assert row.tokens_ci_high == pytest.approx(40 + 7.407968, abs=1e-5)
    bare = comparison_rows([RunOutcome("baseline", 0, 0.5, 40.0, 0.5, 40.0)], problems=8)[1]
    assert math.isnan(bare.tokens_ci_low)  # no dump: no interval


def test_written_files_are_read_by_plot_pareto(tmp_path):
    pytest.importorskip("matplotlib")
    from lengthwise.cli import main

    rows = comparison_rows(_outcomes())
    paths = write_comparison(rows, _outcomes(), tmp_path)
    names = {p.name for p in paths}
    assert {"compare.csv", "compare.md", "compare.json", "pareto.png", "pareto.pdf"} <= names
    doc = json.loads((tmp_path / "compare.json").read_text())
    assert doc["verdicts"]["siri-cosine"]["meets_target"] is True
    res = CliRunner().invoke(main, ["plot", "pareto", str(tmp_path / "compare.csv"), "--out", str(tmp_path / "again")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "again" / "pareto.png").is_file()


def test_compare_all_names_every_builtin_config():
    assert sorted(COMPARE_ALL) == sorted(BUILTIN)
    assert COMPARE_ALL[0] == "baseline"
    assert set(COMPARE_CORE) <= set(COMPARE_ALL) and COMPARE_CORE[0] == "baseline"


def test_level_rows_and_table_by_hand(tmp_path):
    from lengthwise.demo.compare import format_levels, level_rows

    # before RL (seed 0's step-0 evaluation): level 1 right 2 of 2 (10, 20 tokens), level 2 right 1 of 2
    before = Evaluation((True, True, True, False), (10.0, 20.0, 30.0, 50.0), (1, 1, 2, 2), (False,) * 4)
    after = Evaluation((True, True, False, False), (10.0, 10.0, 20.0, 40.0), (1, 1, 2, 2), (False, False, False, True))
    o = RunOutcome("baseline", 0, 0.75, 27.5, 0.5, 20.0, initial=before, final=after)
    rows = {(r["config"], r["level"]): r for r in level_rows([o])}
    assert rows[(BASE, 2)]["accuracy"] == 0.5 and rows[(BASE, 1)]["tokens"] == 15.0
    assert rows[("baseline", 2)]["accuracy"] == 0.0 and rows[("baseline", 2)]["truncation_rate"] == 0.5
    assert 0.0 < rows[("baseline", 2)]["accuracy_ci_high"] < 1.0  # Wilson: never zero width, never past 1
    assert rows[("baseline", 1)]["accuracy_ci_high"] == 1.0 or rows[("baseline", 1)]["accuracy_ci_high"] <= 1.0
    table = format_levels(list(rows.values()))
    assert "| baseline | 1 | 100 / 10 | 0 / 30 |" in table
    pytest.importorskip("matplotlib")
    paths = {p.name for p in write_comparison(comparison_rows([o], problems=4), [o], tmp_path)}
    assert {"compare-levels.csv", "levels.png", "levels.pdf"} <= paths
    lines = (tmp_path / "compare-levels.csv").read_text().splitlines()
    assert lines[0].startswith("config,level,runs") and len(lines) == 1 + 4  # 2 configs x 2 levels
    doc = json.loads((tmp_path / "compare.json").read_text())
    assert len(doc["levels"]) == 4 and doc["provenance"]["seeds"] == [0]


def test_read_evaluation_from_a_verl_dump(tmp_path):
    from lengthwise.demo.compare import read_evaluation

    dump = tmp_path / "40.jsonl"
    rows = [{"score": 1.0, "acc": 1.0, "lw_length": 20.0, "lw_cap": 128.0, "lw_truncated": 0.0, "lw_level": 2.0},
            {"score": 0.0, "acc": 0.0, "lw_length": 128.0, "lw_cap": 128.0, "lw_truncated": 0.0, "lw_level": 8.0}]
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ev = read_evaluation(dump)
    # the second stopped at its cap: truncated, though the scorer's cap did not cut it
    assert ev == Evaluation((True, False), (20.0, 128.0), (2, 8), (False, True))
