"""`lengthwise new-plugin NAME` writes a package that installs, registers and passes its own test."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from lengthwise.cli import main


def test_new_plugin_installs_and_passes_its_test(tmp_path):
    res = CliRunner().invoke(main, ["new-plugin", "my-penalty", "--dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    root = tmp_path / "lengthwise-my-penalty"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "README.md", "lengthwise_my_penalty/__init__.py", "pyproject.toml", "tests/test_lengthwise_my_penalty.py"]
    site = tmp_path / "site"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(root)],
        capture_output=True, text=True, timeout=300,
    )
    assert pip.returncode == 0, pip.stderr
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop("LENGTHWISE_LOAD_PLUGINS", None)
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(root / "tests")],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout
    listed = subprocess.run(
        [sys.executable, "-c", "from lengthwise.cli import main; main(['strategies', 'my-penalty'])"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("reward my-penalty  (lengthwise-my-penalty: lengthwise_my_penalty.MyPenaltyReward)")


def test_new_plugin_refuses_bad_names_and_existing_dirs(tmp_path):
    res = CliRunner().invoke(main, ["new-plugin", "Bad Name", "--dir", str(tmp_path)])
    assert res.exit_code == 2 and res.stderr.startswith("error: plugin name 'Bad Name': use lowercase")
    CliRunner().invoke(main, ["new-plugin", "x", "--dir", str(tmp_path)])
    res = CliRunner().invoke(main, ["new-plugin", "x", "--dir", str(tmp_path)])
    assert res.exit_code == 2 and res.stderr == f"error: {tmp_path / 'lengthwise-x'}: already exists; choose another name or --dir\n"


def test_a_taken_name_is_refused_in_one_line_and_nothing_is_written(tmp_path):
    # Before: `new-plugin siri-cosine` wrote a reward named like the installed SIRI schedule;
    # after `pip install` every command failed on the clash (the registry refuses two strategies
    # of one name, of any kind).
    for name, why in (("siri-cosine", "schedule 'siri-cosine' is installed from lengthwise-siri"),
                      ("length-capped", "reward 'length-capped' is installed from lengthwise"),
                      ("siri", "lengthwise-siri is installed")):
        res = CliRunner().invoke(main, ["new-plugin", name, "--dir", str(tmp_path)])
        assert res.exit_code == 2, res.output
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: plugin name {name!r} is taken: "), lines
        assert why in lines[0] or (name == "siri" and "lengthwise_siri is importable" in lines[0]), lines
    assert list(tmp_path.iterdir()) == []
