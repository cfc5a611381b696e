"""No option accepted and ignored (issue 23 §5): every parameter of every registered strategy
changes what the strategy computes, or the values it would ignore are refused in one line.

For each parameter the test tries other values, derived from the field's type and default
(the other ``Literal`` choices, the other bool, numbers around and far from the default, None
for an optional one, lists scaled), and compares the strategy's output with its output at the
defaults on the generic synthetic steps of ``conftest.synthetic_steps``:

* a schedule: its cap at steps 0..49 and every 7th step to 4000, and its min/max cap;
* a difficulty estimator: the buckets and scores of 24 consecutive steps (state carried);
* a reward: the rewards of the same 24 steps, with its default difficulty estimator; a step that
  raises counts as an output too (its error message), so a parameter that turns an error into
  rewards (L1's fallback target) has an effect.

A value the params refuse counts as "rejected", and the refusal must be one line. Some
parameters act only together with another (DeepCompress's ``overlong_penalty_factor`` only with
``overlong_buffer_len > 0``; Laser-D's ``target_length`` only before the first re-choice); for a
parameter with no effect at the defaults, each other parameter is moved to each of its values in
turn and the parameter must have an effect in one of those settings.
"""

from __future__ import annotations

import importlib.util
import sys
import types
import typing
from typing import Any, Literal, get_args, get_origin

import numpy as np
import pytest
from pydantic import ValidationError
from pydantic_core import PydanticUndefined

import lengthwise
from lengthwise.strategy import DifficultyEstimator, RewardShaper, Schedule, Strategy

STEPS = sorted({*range(0, 4000, 7), *range(50)})  # every 7th step to 4000 (and 0..49)


def _numbers(kind: type, default: Any) -> list[Any]:
    if kind is int:
        if default is None:
            return [1, 2, 3, 16, 100, 1000, 4096]
        near = [default + 1, default - 1, default * 2, default // 2, default * 4, default * 8]
        return [v for v in dict.fromkeys(near + [0, 1, 2, 16, 64, 4096]) if v != default]
    if default is None:
        return [-1.0, -0.5, 0.5, 1.0]
    near = [default * 2, default / 2, default + 0.5, default - 0.5, -default, default * 1.5, default + 0.05]
    return [v for v in dict.fromkeys(near + [0.0, 1.0, -1.0]) if v != default]


def alternatives(field: Any, default: Any) -> list[Any]:
    """Values other than ``default`` that the field's annotation allows (before its validators)."""
    ann = field.annotation
    origin, args = get_origin(ann), get_args(ann)
    if origin is Literal:
        return [a for a in args if a != default]
    if ann is bool:
        return [not default]
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = [] if default is None else [None]
        for arg in args:
            if arg is not type(None):
                out += alternatives(type("F", (), {"annotation": arg})(), default)
        return out
    if origin is list:
        return [[2 * x for x in default], [x // 2 for x in default], [x + 1 for x in default]]
    if ann in (int, float):
        return _numbers(ann, default)
    raise AssertionError(f"no alternatives for a field of type {ann!r}: extend the test")


def defaults(params_cls: type) -> dict[str, Any]:
    out = {}
    for name, field in params_cls.model_fields.items():
        if field.default is not PydanticUndefined:
            out[name] = field.default
        elif field.default_factory is not None:
            out[name] = field.default_factory()
    return out


def _key(params: dict[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


_OUTPUTS: dict[tuple, tuple] = {}


def output(cls: type[Strategy], params: dict[str, Any], steps) -> tuple:
    """What the strategy computes from ``steps`` with ``params`` (a comparable tuple; memoised)."""
    key = (cls, id(steps), _key(params))
    if key not in _OUTPUTS:
        _OUTPUTS[key] = _compute(cls, params, steps)
    return _OUTPUTS[key]


def _compute(cls: type[Strategy], params: dict[str, Any], steps) -> tuple:
    strategy = cls(cls.Params(**params))
    if isinstance(strategy, Schedule):
        return (tuple(strategy.cap(t) for t in STEPS), strategy.min_cap, strategy.max_cap)
    if isinstance(strategy, DifficultyEstimator):
        out = []
        for batch in steps:
            d = strategy.estimate(batch)
            out.append((tuple(d.bucket.tolist()), None if d.score is None else d.score.tobytes()))
        return tuple(out)
    assert isinstance(strategy, RewardShaper)
    estimator = None
    if strategy.default_difficulty is not None:
        estimator = lengthwise.create("difficulty", strategy.default_difficulty)
    out = []
    for batch in steps:
        try:
            difficulty = estimator.estimate(batch) if estimator is not None else None
            out.append(np.asarray(strategy.shape(batch, difficulty).rewards, dtype=np.float64).tobytes())
        except ValueError as err:
            out.append(("error", str(err)))
    return tuple(out)


def accepted(cls: type[Strategy], params: dict[str, Any], refusals: list[str]) -> bool:
    try:
        cls.Params(**params)
    except ValidationError:
        try:  # the message a config gets, through the registry
            lengthwise.get_registry().create(cls.kind, cls.name, params)
        except lengthwise.StrategyParamsError as err:
            refusals.append(str(err))
            return False
        except lengthwise.UnknownStrategyError:  # a class not in the registry (the template)
            refusals.append("refused")
            return False
        raise AssertionError(f"{cls.name}: {params} fails Params but not the registry")
    return True


def effect(cls: type[Strategy], name: str, base: dict[str, Any], steps, refusals: list[str]) -> tuple[bool, int]:
    """Whether some other value of ``name`` changes the output from the one at ``base`` (the
    parameters set explicitly; the others keep their defaults), and how many values were accepted."""
    reference = output(cls, base, steps)
    field = cls.Params.model_fields[name]
    taken = 0
    for value in alternatives(field, {**defaults(cls.Params), **base}[name]):
        params = {**base, name: value}
        if accepted(cls, params, refusals):
            taken += 1
            if output(cls, params, steps) != reference:
                return True, taken
    return False, taken


def _switches_first(cls: type[Strategy]) -> list[str]:
    """Parameter names, bool and Literal ones first: they are the usual gates of another one."""
    fields = cls.Params.model_fields
    def switch(name: str) -> bool:
        return fields[name].annotation is bool or get_origin(fields[name].annotation) is Literal

    return sorted(fields, key=lambda name: 0 if switch(name) else 1)


def check_every_parameter(cls: type[Strategy], steps) -> list[str]:
    """Problems: parameters that changed nothing; rejections not on one line."""
    problems = []
    default = defaults(cls.Params)
    for name in cls.Params.model_fields:
        refusals: list[str] = []
        found, taken = effect(cls, name, {}, steps, refusals)
        if not found:  # it may act only together with another parameter
            for other in _switches_first(cls):
                if other == name:
                    continue
                for value in alternatives(cls.Params.model_fields[other], default[other]):
                    context = {other: value}
                    if accepted(cls, context, []):
                        found, more = effect(cls, name, context, steps, refusals)
                        taken += more
                        if found:
                            break
                if found:
                    break
        if not found and taken:
            problems.append(f"{cls.kind} {cls.name}: parameter {name} is accepted and changes nothing")
        problems += [f"{cls.kind} {cls.name}: refusal of {name} is not one line: {r!r}" for r in refusals if "\n" in r]
    return problems


SPECS = lengthwise.get_registry().specs()


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.kind}-{s.name}" for s in SPECS])
def test_every_parameter_changes_the_output(spec, synthetic):
    assert check_every_parameter(spec.cls, synthetic) == []


def test_every_strategy_is_covered():
    # the shipped strategies, so a plugin that fails to load cannot shrink the test silently
    names = {(s.kind, s.name) for s in SPECS}
    assert len([n for n in names if n[0] == "reward"]) >= 11 and ("difficulty", "deepcompress") in names
    assert ("schedule", "siri-cosine") in names and ("reward", "length-capped") in names


def test_the_check_finds_an_ignored_parameter(synthetic):
    """A reward that offers a parameter and never reads it is reported."""

    class Params(lengthwise.StrictParams):
        weight: float = 1.0
        unused: int = 3

    class Ignoring(RewardShaper):
        name = "ignoring"

        def shape(self, batch, difficulty=None):
            return lengthwise.ShapedRewards(rewards=self.params.weight * batch.correct.astype(float))

    Ignoring.Params = Params
    problems = check_every_parameter(Ignoring, synthetic)
    assert problems == ["reward ignoring: parameter unused is accepted and changes nothing"]


def test_new_plugin_template_offers_only_what_it_applies(tmp_path, synthetic):
    from lengthwise.scaffold import write_plugin

    root = write_plugin("probe-penalty", tmp_path)
    path = root / "lengthwise_probe_penalty" / "__init__.py"
    spec = importlib.util.spec_from_file_location("lengthwise_probe_penalty", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["lengthwise_probe_penalty"] = module
    try:
        spec.loader.exec_module(module)
        cls = module.ProbePenaltyReward
        assert set(cls.Params.model_fields) == {"correct_reward", "wrong_reward", "target", "coef"}
        assert check_every_parameter(cls, synthetic) == []
    finally:
        sys.modules.pop("lengthwise_probe_penalty", None)
