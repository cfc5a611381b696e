"""`lengthwise strategies` and `lengthwise check` through the installed console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))

EXPECTED = {
    ("schedule", "constant"), ("schedule", "siri-stair"), ("schedule", "siri-cosine"),
    ("schedule", "siri-stair-cosine"), ("schedule", "deepscaler-stages"), ("schedule", "thinkprune"),
    ("reward", "length-capped"),
    ("reward", "laser"), ("reward", "laser-d"), ("reward", "laser-de"),
    ("reward", "deepcompress"), ("difficulty", "deepcompress"),
    ("reward", "dapo-overlong"), ("reward", "kimi"), ("reward", "l1-exact"), ("reward", "l1-max"),
    ("reward", "arora-zanette"), ("reward", "cosine"),
}


def lengthwise(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("lengthwise", path=str(Path(sys.executable).parent)) or "lengthwise"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def test_strategies_lists_every_method_of_the_papers_with_its_package():
    proc = lengthwise("strategies")
    assert proc.returncode == 0, proc.stderr
    rows = {tuple(line.split()[:3]) for line in proc.stdout.splitlines()}
    listed = {(kind, name) for kind, name, _ in rows}
    assert EXPECTED <= listed, f"missing: {sorted(EXPECTED - listed)}"
    packages = {name: pkg for kind, name, pkg in rows}
    assert packages["siri-cosine"] == "lengthwise-siri"
    assert packages["laser-de"] == "lengthwise-laser"
    assert packages["kimi"] == "lengthwise-baselines"
    assert {pkg for (kind, name, pkg) in rows if name == "deepcompress"} == {"lengthwise-deepcompress"}


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_every_shipped_config_passes_check(config):
    proc = lengthwise("check", str(config))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{config}: ok")


def test_at_least_the_four_paper_configs_ship():
    stems = {c.stem for c in CONFIGS}
    for prefix in ("siri-", "laser-de", "deepcompress", "dapo"):
        assert any(s.startswith(prefix) for s in stems), f"no config for {prefix}"


BAD = [
    ("schedule: {name: siri-cosin}\nreward: {name: length-capped}\n",
     ["no schedule named 'siri-cosin'", "siri-cosine (lengthwise-siri)"]),
    ("schedule: {name: siri-cosine, params: {period: ten}}\nreward: {name: length-capped}\n",
     ["schedule 'siri-cosine'", "period: Input should be a valid integer", "parameters: l_max"]),
    ("reward: {name: length-capped}\n", ["schedule: Field required"]),
    ("schedule: constant\nreward: {name: kimi}\nrewards: 1\n", ["rewards: unknown field"]),
    ("schedule: constant\nreward: {name: kimi, params: {len_coef: -1}}\n", ["len_coef: Input should be greater than or equal to 0"]),
    ("schedule: constant\nreward: kimi\ntraining: {rollout_n: 0}\n", ["training.rollout_n"]),
    ("schedule: [constant\n", ["not valid YAML"]),
    ("- just\n- a list\n", ["expected a mapping"]),
]


@pytest.mark.parametrize("text, fragments", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_config_is_one_clear_message_exit_2_no_traceback(tmp_path, text, fragments):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    proc = lengthwise("check", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr


def test_missing_file_is_exit_2(tmp_path):
    proc = lengthwise("check", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert "cannot read config" in proc.stderr and "Traceback" not in proc.stderr


PLUGIN_OF = {"dapo": "lengthwise-baselines", "deepcompress": "lengthwise-deepcompress", "dler": "lengthwise-dler", "laser": "lengthwise-laser",
             "siri": "lengthwise-siri", "cpu-tiny": "lengthwise-siri"}


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_each_config_needs_only_its_methods_plugin(config, monkeypatch):
    """Issue 11 §5: `constant` and `length-capped` are built in, so e.g. lengthwise-laser alone runs
    the Laser config (before: "no schedule named 'constant'")."""
    plugin = next(p for prefix, p in PLUGIN_OF.items() if config.stem.startswith(prefix))
    monkeypatch.setenv("LENGTHWISE_LOAD_PLUGINS", plugin)
    proc = lengthwise("check", str(config))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{config}: ok")
