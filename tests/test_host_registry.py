"""The pluggy host: registration hooks, name lookup errors, parameter validation."""

from __future__ import annotations

import types

import pytest
from pydantic import Field

import lengthwise
from lengthwise import hookimpl
from lengthwise.registry import (
    PluginConflictError,
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
    pm, _ = make_plugin_manager(load_entry_points=False)
    for i, p in enumerate(plugins):
        pm.register(p, name=f"plugin{i}")
    return Registry(pm, {f"plugin{i}": f"pkg-{i}" for i in range(len(plugins))})


def test_registered_strategy_is_found_with_its_package():
    reg = _registry(_plugin(register_schedules=lambda register: register(Fixed)))
    spec = reg.get("schedule", "fixed-test")
    assert (spec.kind, spec.name, spec.package, spec.cls) == ("schedule", "fixed-test", "pkg-0", Fixed)
    assert spec.summary == "A fixed cap, for host tests."
    assert reg.create("schedule", "fixed-test", {"length": 100}).cap(7) == 100


def test_unknown_name_lists_installed_choices():
    reg = _registry(_plugin(register_schedules=lambda register: register(Fixed)))
    with pytest.raises(UnknownStrategyError, match=r"no schedule named 'cosine'; installed: fixed-test \(pkg-0\)"):
        reg.get("schedule", "cosine")
    with pytest.raises(UnknownStrategyError, match="none installed"):
        reg.get("reward", "laser")
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


def test_registering_a_non_strategy_is_rejected():
    with pytest.raises(PluginConflictError, match="must subclass RewardShaper"):
        _registry(_plugin(register_rewards=lambda register: register(Fixed)))

    class Nameless(lengthwise.DifficultyEstimator):
        def estimate(self, batch):  # pragma: no cover - never built
            raise NotImplementedError

    with pytest.raises(PluginConflictError, match="no string class attribute 'name'"):
        _registry(_plugin(register_difficulty_estimators=lambda register: register(Nameless)))


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
