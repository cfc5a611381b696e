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

The dataclass annotations come from importing the ``_target_`` classes, which imports verl (several
seconds). :func:`annotation_table` reads them once into JSON (:func:`encode_annotation`), so the dry
run keeps them in its schema cache (:mod:`.verl_schema`) and type-checks without verl; decoded
(:func:`decode_annotation`) they accept and describe values exactly as the classes' own annotations.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "OverrideTypeError",
    "check_override_types",
    "check_positive",
    "POSITIVE",
    "schema_targets",
    "annotation_table",
    "encode_annotation",
    "decode_annotation",
]

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


def _target_class(target: str) -> Any:
    """The dataclass a ``_target_`` names, or None (not a dataclass, or it does not import here)."""
    module, _, name = target.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), name)
    except Exception:  # an optional backend that does not import here: fall back to the default
        return None
    return cls if dataclasses.is_dataclass(cls) else None


def _field_annotation(section: Mapping[str, Any], field: str, annotations: Mapping[str, Any] | None = None) -> Any:
    """The annotation of ``field`` in the dataclass named by ``section['_target_']``, if any.

    ``annotations`` (target -> field -> annotation, from :func:`annotation_table` decoded) is used
    instead of importing the class when given.
    """
    target = section.get("_target_") if isinstance(section, Mapping) else None
    if not isinstance(target, str) or "." not in target:
        return None
    if annotations is not None:
        return (annotations.get(target) or {}).get(field)
    cls = _target_class(target)
    if cls is None:
        return None
    try:
        hints = typing.get_type_hints(cls)
    except Exception:
        return None
    return hints.get(field)


def schema_targets(schema: Any) -> list[str]:
    """Every ``_target_`` named in ``schema`` (sorted, each once)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            target = node.get("_target_")
            if isinstance(target, str) and "." in target:
                found.add(target)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return sorted(found)


def annotation_table(targets: Sequence[str]) -> tuple[dict[str, dict[str, Any] | None], list[str]]:
    """``(target -> field -> encoded annotation, source files)`` for ``targets`` (imports them).

    A target that is not an importable dataclass maps to None (its keys fall back to the default
    value's type, as :func:`check_override_types` does without a table). The source files are those
    of every class in the dataclasses' MROs: the table is stale when one of them changes.
    """
    import inspect

    table: dict[str, dict[str, Any] | None] = {}
    files: set[str] = set()
    for target in targets:
        cls = _target_class(target)
        try:
            hints = typing.get_type_hints(cls) if cls is not None else None
        except Exception:
            hints = None
        if hints is None:
            table[target] = None
            continue
        table[target] = {name: encode_annotation(ann) for name, ann in hints.items()}
        for base in cls.__mro__:
            try:
                files.add(inspect.getfile(base))
            except TypeError:  # builtins (object)
                pass
    return table, sorted(files)


_SCALARS = {"bool": bool, "int": int, "float": float, "str": str, "list": list, "dict": dict, "NoneType": type(None)}


def encode_annotation(ann: Any) -> Any:
    """``ann`` as JSON data from which :func:`decode_annotation` rebuilds an annotation that
    :func:`_accepts` and :func:`_type_words` treat exactly as ``ann``."""
    if ann is Any or ann is None:
        return "any"
    if isinstance(ann, type) and ann.__name__ in _SCALARS and _SCALARS[ann.__name__] is ann:
        return {"type": ann.__name__}
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin in (typing.Union, types.UnionType):
        return {"union": [encode_annotation(a) for a in args]}
    if origin is typing.Literal and all(a is None or isinstance(a, (str, int, float, bool)) for a in args):
        return {"literal": list(args)}
    if origin in (list, tuple, Sequence, typing.List):  # noqa: UP006
        return {"sequence": "tuple" if origin is tuple else "Sequence" if origin is Sequence else "list"}
    if origin in (dict, Mapping, typing.Dict):  # noqa: UP006
        return {"mapping": "Mapping" if origin is Mapping else "dict"}
    # anything else is accepted as it is (verl checks it); only its name is shown
    return {"class": _type_words(ann)}


def decode_annotation(data: Any) -> Any:
    """The annotation :func:`encode_annotation` encoded."""
    if data == "any":
        return Any
    if "type" in data:
        return _SCALARS[data["type"]]
    if "union" in data:
        return typing.Union[tuple(decode_annotation(a) for a in data["union"])]
    if "literal" in data:
        return typing.Literal[tuple(data["literal"])]
    if "sequence" in data:
        return {"tuple": typing.Tuple[Any, ...], "Sequence": typing.Sequence[Any]}.get(  # noqa: UP006
            data["sequence"], typing.List[Any]  # noqa: UP006
        )
    if "mapping" in data:
        return typing.Mapping[Any, Any] if data["mapping"] == "Mapping" else typing.Dict[Any, Any]  # noqa: UP006
    return type(str(data["class"]), (), {})


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


def check_override_types(
    schema: Mapping[str, Any], overrides: Sequence[str], annotations: Mapping[str, Any] | None = None
) -> None:
    """Raise :class:`OverrideTypeError` for the first override that does not fit ``schema``.

    ``schema`` is verl's composed default config as plain containers, interpolations unresolved.
    ``annotations`` (target -> field -> annotation) replaces importing the ``_target_`` classes.
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
        ann = _field_annotation(parent, parts[-1], annotations)
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
