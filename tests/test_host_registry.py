"""The pluggy host: registration hooks, name lookup errors, parameter validation."""

from __future__ import annotations

import types

import pytest
from pydantic import Field

import lengthwise
from lengthwise import hookimpl
from lengthwise.registry import (
    PluginConflictError,
    PluginLoadError,
    Registry,
    StrategyParamsError,
    UnknownStrategyError,
    make_plugin_manager,
)


class Fixed(lengthwise.Schedule):
    """A fixed cap, for host tests."""

    name = "fixed-test"

    class Params(lengthwise.StrictParams):
        length: int = Field(4096, gt=0)

    def cap(self, step: int) -> int:
        return self.params.length

    @property
    def max_cap(self) -> int:
        return self.params.length


def _plugin(**hooks) -> types.ModuleType:
    mod = types.ModuleType("host_test_plugin")
    for name, fn in hooks.items():
        setattr(mod, name, hookimpl(fn))
    return mod


def _registry(*plugins: types.ModuleType) -> Registry:
    pm, packages = make_plugin_manager(load_entry_points=False)  # the built-ins only
    for i, p in enumerate(plugins):
        pm.register(p, name=f"plugin{i}")
    return Registry(pm, {**packages, **{f"plugin{i}": f"pkg-{i}" for i in range(len(plugins))}})


def test_registered_strategy_is_found_with_its_package():
    reg = _registry(_plugin(register_schedules=lambda register: register(Fixed)))
    spec = reg.get("schedule", "fixed-test")
    assert (spec.kind, spec.name, spec.package, spec.cls) == ("schedule", "fixed-test", "pkg-0", Fixed)
    assert spec.summary == "A fixed cap, for host tests."
    assert reg.create("schedule", "fixed-test", {"length": 100}).cap(7) == 100


def test_unknown_name_lists_installed_choices():
    reg = _registry(_plugin(register_schedules=lambda register: register(Fixed)))
    with pytest.raises(UnknownStrategyError, match=r"no schedule named 'cosine'; installed: constant \(lengthwise\), fixed-test \(pkg-0\)$"):
        reg.get("schedule", "cosine")
    with pytest.raises(UnknownStrategyError, match=r"^no reward named 'laser'; installed: length-capped \(lengthwise\)$"):
        reg.get("reward", "laser")
    with pytest.raises(UnknownStrategyError, match="none installed"):
        reg.get("difficulty", "deepcompress")
    with pytest.raises(UnknownStrategyError, match=r"^no schedule named 'fixed-tset' \(did you mean 'fixed-test'\?\); installed: "):
        reg.get("schedule", "fixed-tset")
    with pytest.raises(UnknownStrategyError, match="unknown strategy kind"):
        reg.get("scheduler", "fixed-test")  # type: ignore[arg-type]


def test_bad_params_name_the_field_and_the_valid_parameters():
    reg = _registry(_plugin(register_schedules=lambda register: register(Fixed)))
    with pytest.raises(StrategyParamsError, match=r"length: Input should be greater than 0 \(parameters: length\)"):
        reg.create("schedule", "fixed-test", {"length": 0})
    with pytest.raises(StrategyParamsError, match="lenght: unknown field"):
        reg.create("schedule", "fixed-test", {"lenght": 5})
    with pytest.raises(StrategyParamsError, match="length: Input should be a valid integer"):
        reg.create("schedule", "fixed-test", {"length": "long"})


def test_same_name_from_two_packages_is_a_conflict():
    class Other(Fixed):
        pass

    a = _plugin(register_schedules=lambda register: register(Fixed))
    b = _plugin(register_schedules=lambda register: register(Other))
    with pytest.raises(PluginConflictError, match="registered by both pkg-[01] and pkg-[01]"):
        _registry(a, b)


def test_registering_a_non_strategy_skips_the_plugin_with_one_warning(caplog):
    good = _plugin(register_schedules=lambda register: register(Fixed))
    bad = _plugin(register_rewards=lambda register: register(Fixed))
    reg = _registry(good, bad)
    assert reg.names("schedule")[-1:] == ["fixed-test"]  # the good plugin still loads
    assert reg.problems == ["plugin pkg-1 skipped: registered Fixed as a reward; "
                            "it must subclass RewardShaper"]
    assert [r.getMessage() for r in caplog.records] == [f"warning: {reg.problems[0]}"]

    class Nameless(lengthwise.DifficultyEstimator):
        def estimate(self, batch):  # pragma: no cover - never built
            raise NotImplementedError

    reg = _registry(_plugin(register_difficulty_estimators=lambda register: register(Nameless)))
    assert reg.problems == ["plugin pkg-0 skipped: Nameless has no string class attribute 'name'"]


class NoShape(lengthwise.RewardShaper):
    """A reward that forgot ``shape``."""

    name = "no-shape"


class HalfSchedule(lengthwise.Schedule):
    """A schedule with ``cap`` but no ``max_cap``."""

    name = "half"

    def cap(self, step: int) -> int:  # pragma: no cover - never built
        return 1


@pytest.mark.parametrize("cls, kind, hook, missing", [
    (NoShape, "reward", "register_rewards", "shape"),
    (HalfSchedule, "schedule", "register_schedules", "max_cap"),
])
def test_incomplete_class_is_rejected_when_it_registers(cls, kind, hook, missing):
    """Before: listed by `strategies`, then a TypeError traceback from `check`."""
    def register_both(register):
        register(Fixed)
        if hook == "register_schedules":
            register(cls)

    hooks = {"register_schedules": register_both}
    if hook != "register_schedules":
        hooks[hook] = lambda register: register(cls)
    both = _plugin(**hooks)
    reg = _registry(both)
    # all-or-nothing: the plugin's good schedule is not registered either
    assert "fixed-test" not in reg.names("schedule")
    assert reg.problems == [f"plugin pkg-0 skipped: {kind} {cls.__name__} ('{cls.name}') does not implement {missing}"]


def test_a_hook_that_raises_skips_its_plugin():
    def boom(register):
        raise RuntimeError("database down")

    reg = _registry(_plugin(register_schedules=boom))
    assert reg.problems == ["plugin pkg-0 skipped: RuntimeError: database down"]


def test_strict_mode_makes_a_skipped_plugin_fatal(monkeypatch):
    monkeypatch.setenv("LENGTHWISE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match=r"^plugin pkg-0 skipped: .*does not implement shape \(LENGTHWISE_STRICT_PLUGINS=1\)$"):
        _registry(_plugin(register_rewards=lambda register: register(NoShape)))


def test_builtins_register_through_the_hooks_without_any_entry_point():
    """constant and length-capped are lengthwise's own (issue 11 §5)."""
    reg = _registry()
    assert [(s.kind, s.name, s.package) for s in reg.specs()] == [
        ("schedule", "constant", "lengthwise"), ("reward", "length-capped", "lengthwise")]


def test_strategy_constructor_accepts_params_or_kwargs_not_both():
    assert Fixed(length=12).cap(0) == 12
    assert Fixed(Fixed.Params(length=13)).cap(0) == 13
    with pytest.raises(TypeError, match="not both"):
        Fixed(Fixed.Params(length=13), length=4)


def test_stateless_strategy_rejects_foreign_state():
    s = Fixed()
    assert s.state_dict() == {}
    s.load_state_dict({})
    with pytest.raises(ValueError, match="stateless"):
        s.load_state_dict({"ema": 0.5})
