"""Every user-input error is one line that names the file, exit 2, no traceback; overrides of
lengthwise's own keys; `strategies NAME`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.config import ConfigError, apply_overrides, load_config, split_overrides
from lengthwise.inputs import MAX_BYTES, MAX_DEPTH, InputFileError, load_yaml_text, read_regular_file

ROOT = Path(__file__).resolve().parents[1]
SIRI = ROOT / "configs" / "siri-cosine-640-1.5b.yaml"

# Ten levels of ten-fold aliases: 10^9 values once expanded (the "billion laughs").
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdefghi", "bcdefghij")
)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_error_line(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_check_applies_lengthwise_overrides_and_shows_the_effective_values():
    r = run("check", str(SIRI), "schedule.params.period=320", "reward.name=kimi", "training.rollout_n=16")
    assert r.exit_code == 0, r.stderr
    assert "'period': 320" in r.stdout
    assert "reward      kimi:" in r.stdout
    assert "n=16," in r.stdout


@pytest.mark.parametrize("override, message", [
    ("training.rolout_n=16", "override 'training.rolout_n=16': unknown key training.rolout_n; did you mean training.rollout_n?"),
    ("schedule.parms.period=3", "unknown key schedule.parms; did you mean schedule.params?"),
    ("training.rollout_n=abc", "training.rollout_n: Input should be a valid integer"),
    ("schedule.params.period=ten", "schedule 'siri-cosine': period: Input should be a valid integer"),
    ("reward.name=kimy", "no reward named 'kimy' (did you mean 'kimi'?)"),
    ("trainer.n_gpus_per_node=4", "trainer.n_gpus_per_node is not a lengthwise key; verl's keys belong to `lengthwise train`"),
])
def test_bad_override_is_one_line(override, message):
    line = one_error_line(run("check", str(SIRI), override))
    assert message in line, line
    if override.split("=")[0].startswith(("training", "schedule", "reward")):
        assert line.startswith(f"error: {SIRI}: "), line


def test_plus_prefixed_lengthwise_key_is_applied_not_ignored():
    """Before: `+schedule.params.period=320` went to verl and was silently ignored."""
    own, verl = split_overrides(["+schedule.params.period=320", "reward.reward_manager.name=dapo", "reward.name=kimi"])
    assert own == ["schedule.params.period=320", "reward.name=kimi"]
    assert verl == ["reward.reward_manager.name=dapo"]  # verl's own `reward` section stays verl's
    cfg = apply_overrides(load_config(SIRI), own)
    assert cfg.schedule.params["period"] == 320 and cfg.reward.name == "kimi"
    assert cfg.reward.params == {}  # the file's length-capped params belonged to another reward


def test_strategy_error_names_the_file(tmp_path):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("schedule: {name: constant}\nreward: length-capped\n")
    b.write_text("schedule: {name: siri-cosin}\nreward: length-capped\n")
    r = run("check", str(a), str(b))
    assert r.exit_code == 2
    assert r.stdout.startswith(f"{a}: ok")
    assert r.stderr.splitlines() == [
        f"error: {b}: invalid strategies: schedule: no schedule named 'siri-cosin' (did you mean 'siri-cosine'?); "
        "installed: " + r.stderr.split("installed: ")[1].rstrip()
    ]


def test_yaml_error_names_file_line_and_column(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("schedule: constant\nreward: [kimi\n")
    line = one_error_line(run("check", str(p)))
    assert line.startswith(f"error: {p}:3:1: not valid YAML: expected ',' or ']'"), line
    assert "<unicode string>" not in line


def test_deep_yaml_is_refused_before_recursion(tmp_path):
    p = tmp_path / "deep.yaml"
    p.write_text("schedule: " + "[" * 5000 + "]" * 5000 + "\n")
    line = one_error_line(run("check", str(p)))
    assert line == f"error: {p}:1:{10 + MAX_DEPTH}: nested deeper than {MAX_DEPTH} levels"


def test_alias_bomb_under_verl_overrides_is_rejected_fast(tmp_path):
    """Before: `check` passed and `train --print-command` still ran after 60 s."""
    p = tmp_path / "bomb.yaml"
    indented = "".join(f"    {line}\n" for line in BOMB.splitlines())
    p.write_text(f"schedule: constant\nreward: length-capped\ntraining:\n  verl_overrides:\n{indented}")
    start = time.perf_counter()
    line = one_error_line(run("check", str(p)))
    assert time.perf_counter() - start < 5
    assert "expands to more than 100000 values (YAML aliases?)" in line and str(p) in line


def test_oversized_and_non_regular_config(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("#" * (MAX_BYTES + 1))
    assert one_error_line(run("check", str(big))) == (
        f"error: {big}: config is {MAX_BYTES + 1} bytes, more than the limit of {MAX_BYTES}")
    assert one_error_line(run("check", "/dev/zero")) == "error: /dev/zero: not a regular file"
    assert one_error_line(run("check", str(tmp_path))) == f"error: {tmp_path}: not a regular file"
    missing = tmp_path / "missing.yaml"
    assert one_error_line(run("check", str(missing))) == (
        f"error: {missing}: cannot read config (No such file or directory)")


def test_fifo_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="not a regular file"):
        read_regular_file(fifo, 100)


def test_yaml_limits_keep_ordinary_yaml():
    # shared anchors are fine while the expanded size stays small: 1 + 2 keys + 2 values... = 5 nodes
    assert load_yaml_text("a: &x 3\nb: *x\n", "t") == {"a": 3, "b": 3}
    with pytest.raises(InputFileError, match=r"^t:\d+:\d+: expands to more than 100000 values"):
        load_yaml_text(BOMB, "t")


def test_apply_overrides_keeps_which_fields_the_file_set():
    cfg = load_config(SIRI)
    out = apply_overrides(cfg, ["training.rollout_n=16"])
    assert out.training.model_fields_set == cfg.training.model_fields_set | {"rollout_n"}
    with pytest.raises(ConfigError, match="expected key=value"):
        apply_overrides(cfg, ["reward.name"])
    assert apply_overrides(cfg, ["~difficulty"]).difficulty is None


def test_strategies_name_documents_each_parameter():
    r = run("strategies", "siri-cosine")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0] == "schedule siri-cosine  (lengthwise-siri: lengthwise_siri.siri.SiriCosine)"
    assert "    period: int = 640 [> 0]" in r.stdout
    assert "steps in one compression–expansion cycle (T)" in r.stdout
    doc = json.loads(run("strategies", "siri-cosine", "--json").stdout)
    period = next(p for p in doc["parameters"] if p["name"] == "period")
    assert period == {"name": "period", "type": "int", "default": 640, "required": False,
                      "constraints": ["> 0"], "description": "steps in one compression–expansion cycle (T)"}
    assert doc["package"] == "lengthwise-siri" and doc["file"].endswith("lengthwise_siri/siri.py")
    listing = json.loads(run("strategies", "--json").stdout)
    assert all("parameters" in row for row in listing)


def test_strategies_unknown_name_suggests():
    line = one_error_line(run("strategies", "siri-cosin"))
    assert line.startswith("error: no strategy named 'siri-cosin' (did you mean 'siri-cosine'?); installed: ")


def test_alias_bomb_never_reaches_train(tmp_path):
    """Before: `train --print-command` was still running after 60 s."""
    p = tmp_path / "bomb.yaml"
    indented = "".join(f"    {line}\n" for line in BOMB.splitlines())
    p.write_text(f"schedule: constant\nreward: length-capped\ntraining:\n  verl_overrides:\n{indented}")
    start = time.perf_counter()
    line = one_error_line(run("train", str(p), "--print-command"))
    assert time.perf_counter() - start < 5
    assert "expands to more than 100000 values (YAML aliases?)" in line


@pytest.mark.parametrize("words, cword, expected", [
    ("lengthwise strategies siri-c", 2, ["plain,siri-cosine"]),
    ("lengthwise check a.yaml training.rollout_", 3, ["plain,training.rollout_n="]),
    ("lengthwise check a.yaml training.rollou", 3, ["plain,training.rollout=", "plain,training.rollout_n="]),
    ("lengthwise check conf", 2, ["file,conf"]),
])
def test_shell_completion_of_strategy_names_and_keys(words, cword, expected):
    env = {"COMP_WORDS": words, "COMP_CWORD": str(cword), "_LENGTHWISE_COMPLETE": "bash_complete"}
    r = CliRunner().invoke(main, [], env=env, prog_name="lengthwise")
    assert r.stdout.split() == expected
