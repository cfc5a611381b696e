"""Broken plugins found through real entry points: each is skipped with one warning line.

Each plugin is a distribution made of a ``*.dist-info`` folder (METADATA + entry_points.txt) and
a module in a folder put on ``PYTHONPATH`` — what ``importlib.metadata`` finds after a ``pip
install``, without running pip. The CLI runs in a subprocess, as a user runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BROKEN = {
    # distribution: (module source, the warning it must give)
    "lengthwise-noimport": (
        "import a_module_that_does_not_exist\n",
        "warning: plugin lengthwise-noimport skipped: cannot import lengthwise_noimport: "
        "ModuleNotFoundError: No module named 'a_module_that_does_not_exist'",
    ),
    "lengthwise-misspelt": (
        "import lengthwise\n\n@lengthwise.hookimpl\ndef register_reward(register):\n    pass\n",
        "warning: plugin lengthwise-misspelt skipped: unknown hook 'register_reward' in plugin",
    ),
    "lengthwise-unmarked": (
        "def register_rewards(register):\n    pass\n",
        "warning: plugin lengthwise-unmarked skipped: register_rewards lacks @lengthwise.hookimpl, "
        "so pluggy would ignore it",
    ),
    "lengthwise-renamed": (
        "import lengthwise\n\n@lengthwise.hookimpl\ndef register_schedules(add):\n    pass\n",
        "warning: plugin lengthwise-renamed skipped: Plugin 'renamed' for hook 'register_schedules'",
    ),
    "lengthwise-noshape": (
        textwrap.dedent('''
            import lengthwise

            class NoShape(lengthwise.RewardShaper):
                name = "no-shape"

            @lengthwise.hookimpl
            def register_rewards(register):
                register(NoShape)
        '''),
        "warning: plugin lengthwise-noshape skipped: reward NoShape ('no-shape') does not implement shape",
    ),
}


def _site(root: Path, dist: str, source: str) -> Path:
    site = root / dist
    module = dist.replace("-", "_")
    ep_name = dist.removeprefix("lengthwise-")
    (site / f"{module}-0.0.1.dist-info").mkdir(parents=True)
    (site / f"{module}-0.0.1.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.1\n")
    (site / f"{module}-0.0.1.dist-info" / "entry_points.txt").write_text(f"[lengthwise]\n{ep_name} = {module}\n")
    (site / f"{module}.py").write_text(source)
    return site


def _lengthwise(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]), **env}
    full.pop("LENGTHWISE_LOAD_PLUGINS", None)
    if "LENGTHWISE_STRICT_PLUGINS" not in env:
        full.pop("LENGTHWISE_STRICT_PLUGINS", None)
    code = "import sys; from lengthwise.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=full, timeout=120)


@pytest.mark.parametrize("dist", sorted(BROKEN))
def test_broken_plugin_is_skipped_with_one_warning_and_the_rest_works(tmp_path, dist):
    source, warning = BROKEN[dist]
    site = _site(tmp_path, dist, source)
    proc = _lengthwise(site, "strategies")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(warning), proc.stderr
    assert "Traceback" not in proc.stderr
    listed = {tuple(row.split()[:2]) for row in proc.stdout.splitlines()}
    assert {("schedule", "constant"), ("schedule", "siri-cosine"), ("reward", "laser-de")} <= listed


def test_misspelt_hook_names_the_real_one(tmp_path):
    site = _site(tmp_path, "lengthwise-misspelt", BROKEN["lengthwise-misspelt"][0])
    proc = _lengthwise(site, "strategies")
    assert proc.stderr.rstrip().endswith("did you mean register_rewards?"), proc.stderr


@pytest.mark.parametrize("dist", ["lengthwise-noimport", "lengthwise-noshape"])
def test_strict_mode_makes_it_fatal_in_one_line(tmp_path, dist):
    source, warning = BROKEN[dist]
    site = _site(tmp_path, dist, source)
    proc = _lengthwise(site, "strategies", LENGTHWISE_STRICT_PLUGINS="1")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(warning.replace("warning: ", "error: ")), proc.stderr
    assert proc.stderr.rstrip().endswith("(LENGTHWISE_STRICT_PLUGINS=1)")
    debug = _lengthwise(site, "--debug", "strategies", LENGTHWISE_STRICT_PLUGINS="1")
    assert "Traceback" in debug.stderr and "PluginLoadError" in debug.stderr


def test_a_register_helper_that_is_no_hook_is_left_alone(tmp_path):
    source = textwrap.dedent('''
        import lengthwise
        from lengthwise.default_plugins import Constant

        def register_all(register):  # a helper, not a hook: no warning
            register(Constant)

        @lengthwise.hookimpl
        def register_schedules(register):
            pass
    ''')
    site = _site(tmp_path, "lengthwise-helper", source)
    proc = _lengthwise(site, "strategies")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
