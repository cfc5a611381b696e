"""``lengthwise new-plugin NAME``: write a ready plugin package.

The package ``lengthwise-NAME/`` holds a ``pyproject.toml`` with the ``lengthwise`` entry point,
``lengthwise_NAME/__init__.py`` with one reward shaper (named NAME) and its hook, a test that
builds it through ``lengthwise.create`` and checks hand-derived rewards, and a README. After
``pip install -e lengthwise-NAME`` the strategy is listed by ``lengthwise strategies`` and
``pytest lengthwise-NAME`` passes.

A name that is taken is refused before anything is written: a strategy of that name already
installed (of any kind: the registry refuses two strategies of one name, so every command would
fail after ``pip install``), or an installed distribution ``lengthwise-NAME`` or importable
module ``lengthwise_NAME`` (the new package would shadow or be shadowed by it).

The shaper is a template to edit: correct answers get ``correct_reward`` minus
``coef · max(0, ℓ − target)/target`` (a linear penalty above a target length), wrong ones
``wrong_reward``.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["ScaffoldError", "NAME_PATTERN", "write_plugin"]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class ScaffoldError(ValueError):
    """A plugin name or target directory that cannot be used."""


_PYPROJECT = '''[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "lengthwise-{name}"
version = "0.1.0"
description = "A lengthwise plugin: the {name} reward"
requires-python = ">=3.10"
dependencies = ["lengthwise>={version}", "numpy", "pydantic>=2"]

[project.optional-dependencies]
test = ["pytest"]

[project.entry-points.lengthwise]
{module} = "{module}"

[tool.setuptools]
packages = ["{module}"]
'''

_MODULE = '''"""lengthwise-{name}: the ``{name}`` reward shaper.

R(y) = correct_reward - coef * max(0, len(y) - target) / target   if y is correct,
R(y) = wrong_reward                                                otherwise.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

import lengthwise
from lengthwise.terms import CorrectnessParams, correctness_reward


class {cls}Params(CorrectnessParams):
    """Correctness scale plus a linear penalty on correct answers longer than ``target``."""

    target: int = Field(4096, gt=0, description="length (tokens) above which correct answers are penalised")
    coef: float = Field(0.5, ge=0, allow_inf_nan=False, description="penalty at twice the target length")


class {cls}(lengthwise.RewardShaper):
    """Correct answers lose coef * (len - target)/target above the target length."""

    name = "{name}"
    Params = {cls}Params

    def shape(self, batch: lengthwise.RolloutBatch, difficulty=None) -> lengthwise.ShapedRewards:
        p = self.params
        correctness = correctness_reward(batch.correct, p)
        excess = np.maximum(0.0, batch.lengths - p.target) / p.target
        length = np.where(batch.correct, -p.coef * excess, 0.0)
        rewards = correctness + length
        return lengthwise.ShapedRewards(
            rewards=rewards,
            terms={{"correctness": correctness, "length": length}},
            metrics={{"penalised_share": float((length < 0).mean()) if len(batch) else 0.0}},
        )


@lengthwise.hookimpl
def register_rewards(register):
    register({cls})
'''

_TEST = '''"""The {name} reward, built as a config would build it."""

import numpy as np
import pytest

import lengthwise
from lengthwise import RolloutBatch


def test_rewards_by_hand():
    shaper = lengthwise.create("reward", "{name}", target=100, coef=0.5)
    # lengths 50, 150, 300 correct; 300 wrong. Excess over 100: 0, 0.5, 2.
    batch = RolloutBatch.from_lists(["q", "q", "q", "q"], [50, 150, 300, 300], [True, True, True, False], 512)
    out = shaper.shape(batch)
    # 1 - 0.5*0 = 1; 1 - 0.5*0.5 = 0.75; 1 - 0.5*2 = 0; wrong: wrong_reward = 0
    np.testing.assert_allclose(out.rewards, [1.0, 0.75, 0.0, 0.0])
    assert out.metrics["penalised_share"] == 0.5


def test_params_are_validated():
    with pytest.raises(lengthwise.StrategyParamsError):
        lengthwise.create("reward", "{name}", target=0)


def test_it_is_registered_by_this_package():
    spec = lengthwise.get_registry().get("reward", "{name}")
    assert spec.package == "lengthwise-{name}"
'''

_README = '''# lengthwise-{name}

A lengthwise plugin providing the `{name}` reward shaper.

    pip install -e .            # then: lengthwise strategies {name}
    pip install -e '.[test]' && pytest

Use it in a config: `reward: {{name: {name}, params: {{target: 4096, coef: 0.5}}}}`.
'''


def _taken(name: str, module: str) -> str | None:
    """What already uses ``name`` (a strategy, a distribution, a module), or None."""
    import importlib.metadata
    import importlib.util

    from .registry import get_registry

    same = [s for s in get_registry().specs() if s.name == name]
    if same:
        return "; ".join(f"{s.kind} {s.name!r} is installed from {s.package}" for s in same)
    try:
        importlib.metadata.distribution(f"lengthwise-{name}")
        return f"the distribution lengthwise-{name} is installed"
    except importlib.metadata.PackageNotFoundError:
        pass
    if importlib.util.find_spec(module) is not None:
        return f"a module {module} is importable here"
    return None


def write_plugin(name: str, parent: Path, version: str = "0.1") -> Path:
    """Write ``parent/lengthwise-NAME`` (see the module docstring); return its path."""
    if not NAME_PATTERN.match(name):
        raise ScaffoldError(
            f"plugin name {name!r}: use lowercase letters, digits and single dashes, starting with a letter "
            "(e.g. my-penalty)"
        )
    name = name.removeprefix("lengthwise-")
    root = Path(parent) / f"lengthwise-{name}"
    if root.exists():
        raise ScaffoldError(f"{root}: already exists; choose another name or --dir")
    module = f"lengthwise_{name.replace('-', '_')}"
    taken = _taken(name, module)
    if taken:
        raise ScaffoldError(f"plugin name {name!r} is taken: {taken}; choose another name")
    cls = "".join(part.capitalize() for part in name.split("-")) + "Reward"
    files = {
        root / "pyproject.toml": _PYPROJECT.format(name=name, module=module, version=version),
        root / module / "__init__.py": _MODULE.format(name=name, cls=cls),
        root / "tests" / f"test_{module}.py": _TEST.format(name=name),
        root / "README.md": _README.format(name=name),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
