"""What a strategy accepts, read from its pydantic ``Params`` model (for ``lengthwise strategies NAME``).

Each parameter: name, type (as written in the annotation), default (``None`` plus
``required: true`` when there is none), constraints (pydantic's ``gt``/``ge``/``lt``/``le``/
``multiple_of``/length bounds, and ``Literal`` choices), and the field's description. Cross-field
rules (e.g. ``wrong_reward <= correct_reward``) live in validators and are not listed here.
"""

from __future__ import annotations

import inspect
import sys
import typing
from typing import Any

import annotated_types as at
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined, to_jsonable_python

from .registry import StrategySpec

__all__ = ["describe_params", "describe_spec"]

_BOUNDS = ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="), (at.Lt, "lt", "<"), (at.Le, "le", "<="))


def _type_name(ann: Any) -> str:
    if ann is type(None):
        return "None"
    if isinstance(ann, type) and typing.get_origin(ann) is None:
        return ann.__name__
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " | ".join(_type_name(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(_type_name(a) for a in args)}]" if args else name
    return str(ann).replace("typing.", "")


def _constraints(field: FieldInfo) -> list[str]:
    out: list[str] = []
    for meta in field.metadata:
        for cls, attr, sym in _BOUNDS:
            if isinstance(meta, cls):
                out.append(f"{sym} {getattr(meta, attr)}")
        if isinstance(meta, at.MultipleOf):
            out.append(f"multiple of {meta.multiple_of}")
        if isinstance(meta, at.MinLen):
            out.append(f"length >= {meta.min_length}")
        if isinstance(meta, at.MaxLen):
            out.append(f"length <= {meta.max_length}")
        if getattr(meta, "allow_inf_nan", None) is False:
            out.append("finite")
    return out


def describe_params(params_model: type) -> list[dict[str, Any]]:
    """One dict per parameter of ``params_model`` (see the module docstring)."""
    rows = []
    for name, field in params_model.model_fields.items():
        required = field.is_required()
        if required:
            default = None
        elif field.default_factory is not None:
            default = field.default_factory()
        else:
            default = field.default if field.default is not PydanticUndefined else None
        rows.append(
            {
                "name": name,
                "type": _type_name(field.annotation),
                "default": to_jsonable_python(default, fallback=repr),
                "required": required,
                "constraints": _constraints(field),
                "description": field.description or "",
            }
        )
    return rows


def describe_spec(spec: StrategySpec) -> dict[str, Any]:
    """Everything ``strategies NAME`` shows about one registered strategy."""
    module = sys.modules.get(spec.cls.__module__)
    path = inspect.getsourcefile(module) if module is not None else None
    return {
        "kind": spec.kind,
        "name": spec.name,
        "package": spec.package,
        "class": f"{spec.cls.__module__}.{spec.cls.__qualname__}",
        "file": path,
        "summary": spec.summary,
        "doc": inspect.cleandoc(spec.cls.__doc__ or ""),
        "parameters": describe_params(spec.cls.Params),
    }
