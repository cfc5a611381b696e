"""Entry-point discovery with a real package installed by pip (no mocked registry).

The test writes a throwaway plugin project, ``pip install``s it into a private target folder,
and runs ``lengthwise`` in a subprocess whose ``PYTHONPATH`` includes that folder — exactly
what happens after a user's ``pip install lengthwise-foo``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN_PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "lengthwise-throwaway"
version = "0.0.1"

[project.entry-points.lengthwise]
throwaway = "lengthwise_throwaway"
"""

PLUGIN_MODULE = '''
"""A throwaway plugin: one schedule that halves its cap every 10 steps."""
from pydantic import Field
import lengthwise


class Halving(lengthwise.Schedule):
    """Cap halves every 10 steps, never below 64."""

    name = "halving-test"

    class Params(lengthwise.StrictParams):
        start: int = Field(1024, gt=0)

    def cap(self, step):
        return max(64, self.params.start >> (step // 10))

    @property
    def max_cap(self):
        return self.params.start

    @property
    def min_cap(self):
        return min(64, self.params.start)


@lengthwise.hookimpl
def register_schedules(register):
    register(Halving)
'''


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("plugin")
    src = root / "src"
    (src / "lengthwise_throwaway").mkdir(parents=True)
    (src / "pyproject.toml").write_text(PLUGIN_PYPROJECT)
    (src / "lengthwise_throwaway" / "__init__.py").write_text(PLUGIN_MODULE)
    target = root / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return target


def _run(target: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")]), **env}
    full_env.pop("LENGTHWISE_LOAD_PLUGINS", None) if "LENGTHWISE_LOAD_PLUGINS" not in env else None
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120)


def test_installed_plugin_is_discovered_and_builds(installed_plugin):
    proc = _run(installed_plugin, textwrap.dedent("""
        import lengthwise
        spec = lengthwise.get_registry().get("schedule", "halving-test")
        print(spec.package)
        s = lengthwise.create("schedule", "halving-test", start=512)
        print([s.cap(t) for t in (0, 9, 10, 25, 100)])
    """))
    assert proc.returncode == 0, proc.stderr
    # 512 >> 0 = 512 (t<10); 512 >> 1 = 256 (t=10..19); 512 >> 2 = 128; t=100 -> 512>>10 = 0 -> floor 64.
    assert proc.stdout.split("\n")[:2] == ["lengthwise-throwaway", "[512, 512, 256, 128, 64]"]


def test_cli_lists_the_plugin_with_its_package(installed_plugin):
    proc = _run(installed_plugin, "from lengthwise.cli import main; main(['strategies', '--kind', 'schedule'])")
    assert proc.returncode == 0, proc.stderr
    line = next(row for row in proc.stdout.splitlines() if "halving-test" in row)
    assert line.split()[:3] == ["schedule", "halving-test", "lengthwise-throwaway"]


def test_load_plugins_env_restricts_what_loads(installed_plugin):
    code = "import lengthwise; print(sorted({s.package for s in lengthwise.get_registry().specs()}))"
    # the built-ins (package "lengthwise": constant, length-capped) load whatever the variable says
    only = _run(installed_plugin, code, LENGTHWISE_LOAD_PLUGINS="lengthwise-throwaway")
    assert only.returncode == 0, only.stderr
    assert only.stdout.strip() == "['lengthwise', 'lengthwise-throwaway']"
    none = _run(installed_plugin, code, LENGTHWISE_LOAD_PLUGINS="")
    assert none.stdout.strip() == "['lengthwise']"
