"""README's "Writing a plugin" code runs as printed: the reward plugin registers through its hook
and the unit-test snippet passes against it."""

from __future__ import annotations

import re
import types
from pathlib import Path

import lengthwise
from lengthwise import registry as reg_mod

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Writing a plugin"):README.index("## Layout")]
BLOCKS = re.findall(r"```python\n(.*?)```", SECTION, flags=re.S)


def test_readme_reward_plugin_and_its_test_snippet(monkeypatch):
    plugin_src = next(b for b in BLOCKS if "@lengthwise.hookimpl" in b)
    test_src = next(b for b in BLOCKS if "def test_" in b)
    module = types.ModuleType("lengthwise_my_penalty")
    exec(compile(plugin_src, "README:plugin", "exec"), module.__dict__)
    pm, packages = reg_mod.make_plugin_manager(load_entry_points=False)
    pm.register(module, name="my_penalty")
    registry = reg_mod.Registry(pm, {**packages, "my_penalty": "lengthwise-my-penalty"})
    assert registry.problems == []
    monkeypatch.setattr(reg_mod, "_REGISTRY", registry)
    namespace: dict = {}
    exec(compile(test_src, "README:test", "exec"), namespace)
    namespace["test_my_penalty_by_hand"]()
    assert lengthwise.get_registry().get("reward", "my-penalty").package == "lengthwise-my-penalty"
