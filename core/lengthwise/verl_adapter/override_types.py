"""Type-check hydra overrides against verl's config schema before anything is composed or run.

verl's YAML config is untyped to hydra: ``data.train_batch_size=abc`` composes, validates and
reaches the trainer. Here each override ``key=value`` is checked against the schema, which is
verl's ``ppo_trainer`` config composed with no overrides:

* the key must exist — an unknown key is an error with the closest existing key
  (``trainer.n_gpu_per_node`` → ``trainer.n_gpus_per_node``); a ``+key`` (add a new key) that
  is one typo away from an existing key is the same error, since verl would never read it;
* the value must fit the key's type: the annotation of the dataclass that verl builds from that
  section (the section's ``_target_``), else the type of verl's default value. ``int`` takes
  integers only, ``float`` takes integers and floats, ``bool`` only ``true``/``false``; a
  ``str`` key takes any scalar (and a list, as ``data.train_files`` does); a key whose default
  is ``null`` takes anything; interpolations (``${...}``) are left to OmegaConf;
* a few counts and rates must be positive (:data:`POSITIVE`), checked on the composed config.

Every error is one line: the override as given, the expected type, and the value.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["OverrideTypeError", "check_override_types", "check_positive", "POSITIVE"]

#: verl keys that must be >= 1 (counts) or > 0 (rates); verl itself accepts 0 for several.
POSITIVE: dict[str, tuple[str, float]] = {
    "data.train_batch_size": (">=", 1),
    "data.max_prompt_length": (">=", 1),
    "data.max_response_length": (">=", 1),
    "actor_rollout_ref.rollout.n": (">=", 1),
    "actor_rollout_ref.actor.ppo_mini_batch_size": (">=", 1),
    "actor_rollout_ref.actor.optim.lr": (">", 0),
    "trainer.n_gpus_per_node": (">=", 1),
    "trainer.nnodes": (">=", 1),
}


class OverrideTypeError(ValueError):
    """An override whose key verl lacks or whose value does not fit the key's type."""


def _parse(text: str):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        return OverridesParser.create().parse_override(text)
    except Exception as err:  # hydra's grammar errors
        raise OverrideTypeError(f"override {text!r}: cannot parse it ({' '.join(str(err).split())})") from None


def _field_annotation(section: Mapping[str, Any], field: str) -> Any:
    """The annotation of ``field`` in the dataclass named by ``section['_target_']``, if any."""
    target = section.get("_target_") if isinstance(section, Mapping) else None
    if not isinstance(target, str) or "." not in target:
        return None
    module, _, name = target.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
        hints = typing.get_type_hints(cls)
    except Exception:  # an optional backend that does not import here: fall back to the default
        return None
    if not dataclasses.is_dataclass(cls) or field not in hints:
        return None
    return hints[field]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _accepts(ann: Any, value: Any) -> bool:
    """Whether ``value`` (as hydra parsed it) fits the annotation ``ann``."""
    if ann is Any or ann is None:
        return True
    if ann is type(None):
        return value is None
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(a, value) for a in typing.get_args(ann))
    if origin is typing.Literal:
        return value in typing.get_args(ann)
    if origin in (list, tuple, Sequence, typing.List):  # noqa: UP006
        return isinstance(value, list)
    if origin in (dict, Mapping, typing.Dict):  # noqa: UP006
        return isinstance(value, dict)
    if ann is bool:
        return isinstance(value, bool)
    if ann is int:
        return _is_int(value)
    if ann is float:
        return _is_int(value) or isinstance(value, float)
    if ann is str:
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return True  # classes verl builds itself (nested configs): left to verl's validation


def _default_type(default: Any) -> Any:
    if isinstance(default, bool):
        return bool
    if _is_int(default):
        return int
    if isinstance(default, float):
        return float
    if isinstance(default, str):
        return typing.Union[str, list]  # data.train_files and friends: one path or a list
    if isinstance(default, list):
        return list
    if isinstance(default, dict):
        return dict
    return None  # null default: anything


def _type_words(ann: Any) -> str:
    words = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list",
             dict: "a mapping"}
    if ann in words:
        return words[ann]
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        parts = [_type_words(a) for a in typing.get_args(ann) if a is not type(None)]
        nullable = type(None) in typing.get_args(ann)
        return " or ".join(parts) + (" or null" if nullable else "")
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(ann))
    if origin is not None:
        return _type_words(origin)
    return getattr(ann, "__name__", str(ann))


def _node(schema: Mapping[str, Any], parts: Sequence[str]) -> Any:
    node: Any = schema
    for p in parts:
        if not isinstance(node, Mapping) or p not in node:
            return None
        node = node[p]
    return node


def _closest(schema: Mapping[str, Any], parts: list[str]) -> str | None:
    """The existing key closest to ``parts``: the longest existing prefix, then a fuzzy last step."""
    node: Any = schema
    good: list[str] = []
    for p in parts:
        if isinstance(node, Mapping) and p in node:
            good.append(p)
            node = node[p]
            continue
        if not isinstance(node, Mapping):
            return None
        match = difflib.get_close_matches(p, [str(k) for k in node], n=1, cutoff=0.75)
        if not match:
            return None
        good.append(match[0])
        node = node[match[0]]
    return ".".join(good)


def check_override_types(schema: Mapping[str, Any], overrides: Sequence[str]) -> None:
    """Raise :class:`OverrideTypeError` for the first override that does not fit ``schema``.

    ``schema`` is verl's composed default config as plain containers, interpolations unresolved.
    """
    for text in overrides:
        o = _parse(text)
        if o.is_delete():
            continue
        key = o.key_or_group
        parts = key.split(".")
        exists = _node(schema, parts[:-1]) is not None and parts[-1] in (_node(schema, parts[:-1]) or {})
        if not exists:
            if o.is_add() or o.is_force_add():
                close = _closest(schema, parts)
                if close is not None and close != key:
                    raise OverrideTypeError(
                        f"override {text!r}: verl has no key {key} and would never read it; did you mean {close}?"
                    )
                continue
            close = _closest(schema, parts)
            hint = f"; did you mean {close}?" if close else "; see `lengthwise train CONFIG --dry-run` for verl's keys"
            raise OverrideTypeError(f"override {text!r}: verl has no key {key}{hint}")
        value = o.value()
        if isinstance(value, str) and "${" in value:
            continue  # an interpolation: resolved and checked by OmegaConf
        parent = _node(schema, parts[:-1])
        ann = _field_annotation(parent, parts[-1])
        if ann is None:
            ann = _default_type(parent[parts[-1]])
        if not _accepts(ann, value):
            raise OverrideTypeError(f"override {text!r}: {key} expects {_type_words(ann)}, got {value!r}")


def check_positive(resolved: Mapping[str, Any]) -> None:
    """Raise :class:`OverrideTypeError` when a :data:`POSITIVE` key of the composed config is not."""
    for key, (op, bound) in POSITIVE.items():
        value = _node(resolved, key.split("."))
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if (op == ">=" and value < bound) or (op == ">" and value <= bound):
            raise OverrideTypeError(f"{key}={value}: must be {op} {bound:g}")
