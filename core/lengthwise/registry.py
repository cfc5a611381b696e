"""The plugin manager and the registry of named strategies it fills.

Plugins are found through the entry-point group ``lengthwise`` (``pip install`` a plugin
package and it is there). ``LENGTHWISE_LOAD_PLUGINS`` restricts which installed plugins load:
a comma-separated list of distribution names (``lengthwise-siri,lengthwise-laser``), or the
empty string for none — useful in tests and when two plugins clash.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy
from pydantic import ValidationError

from . import hookspecs
from .strategy import KINDS, DifficultyEstimator, Kind, RewardShaper, Schedule, Strategy

__all__ = [
    "StrategySpec",
    "Registry",
    "UnknownStrategyError",
    "StrategyParamsError",
    "PluginConflictError",
    "get_registry",
    "reset_registry",
]

ENTRY_POINT_GROUP = "lengthwise"
_BASES: dict[Kind, type[Strategy]] = {
    "schedule": Schedule,
    "reward": RewardShaper,
    "difficulty": DifficultyEstimator,
}
_HOOKS: dict[Kind, str] = {
    "schedule": "register_schedules",
    "reward": "register_rewards",
    "difficulty": "register_difficulty_estimators",
}


class UnknownStrategyError(LookupError):
    """A config or call named a strategy no installed plugin provides."""


class StrategyParamsError(ValueError):
    """Parameters that do not validate against a strategy's ``Params`` model."""


class PluginConflictError(RuntimeError):
    """Two plugins registered the same name for the same kind, or registered a bad class."""


@dataclass(frozen=True)
class StrategySpec:
    """A registered strategy: what the config names and which package provides it."""

    kind: Kind
    name: str
    cls: type[Strategy]
    package: str

    @property
    def summary(self) -> str:
        doc = (self.cls.__doc__ or "").strip().splitlines()
        return doc[0] if doc else ""


def format_validation_error(err: ValidationError, joiner: str = "; ", indent: str = "") -> str:
    """One line per pydantic error, ``loc: message``; unknown keys read "unknown field"."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = "unknown field" if e["type"] == "extra_forbidden" else e["msg"]
        parts.append(f"{indent}{loc}: {msg}")
    return joiner.join(parts)


class Registry:
    """Named strategies of every kind, filled from a pluggy plugin manager."""

    def __init__(self, pm: pluggy.PluginManager, packages: dict[str, str] | None = None) -> None:
        """``packages`` maps a plugin's registered name to the distribution that provides it."""
        self.pm = pm
        self._specs: dict[tuple[Kind, str], StrategySpec] = {}
        packages = packages or {}
        for kind in KINDS:
            hook = getattr(pm.hook, _HOOKS[kind])
            for impl in hook.get_hookimpls():
                plugin_name = pm.get_name(impl.plugin) or "?"
                package = packages.get(plugin_name, plugin_name)
                impl.function(register=self._registrar(kind, package))

    def _registrar(self, kind: Kind, package: str):
        base = _BASES[kind]

        def register(cls: type) -> None:
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise PluginConflictError(f"{package} registered {cls!r} as a {kind}; it must subclass {base.__name__}")
            name = getattr(cls, "name", None)
            if not isinstance(name, str) or not name:
                raise PluginConflictError(f"{package}: {cls.__name__} has no string class attribute 'name'")
            key = (kind, name)
            if key in self._specs and self._specs[key].cls is not cls:
                other = self._specs[key].package
                raise PluginConflictError(f"{kind} '{name}' is registered by both {other} and {package}")
            self._specs[key] = StrategySpec(kind, name, cls, package)

        return register

    def specs(self, kind: Kind | None = None) -> list[StrategySpec]:
        """All registered strategies (of one kind), sorted by kind then name."""
        out = [s for s in self._specs.values() if kind is None or s.kind == kind]
        return sorted(out, key=lambda s: (KINDS.index(s.kind), s.name))

    def names(self, kind: Kind) -> list[str]:
        return [s.name for s in self.specs(kind)]

    def get(self, kind: Kind, name: str) -> StrategySpec:
        """The spec for ``name``; an unknown name lists what is installed and from where."""
        if kind not in KINDS:
            raise UnknownStrategyError(f"unknown strategy kind '{kind}'; choose one of {', '.join(KINDS)}")
        try:
            return self._specs[(kind, name)]
        except KeyError:
            available = ", ".join(f"{s.name} ({s.package})" for s in self.specs(kind)) or "none installed"
            raise UnknownStrategyError(f"no {kind} named '{name}'; installed: {available}") from None

    def create(self, kind: Kind, name: str, params: dict[str, Any] | None = None) -> Strategy:
        """Validate ``params`` against the strategy's model and build it."""
        spec = self.get(kind, name)
        try:
            validated = spec.cls.Params(**(params or {}))
        except ValidationError as err:
            fields = ", ".join(spec.cls.Params.model_fields) or "none"
            raise StrategyParamsError(
                f"{kind} '{name}': {format_validation_error(err)} (parameters: {fields})"
            ) from None
        return spec.cls(validated)


def _wanted(env: str | None) -> set[str] | None:
    if env is None:
        return None
    return {n.strip().lower().replace("_", "-") for n in env.split(",") if n.strip()}


def make_plugin_manager(load_entry_points: bool = True) -> tuple[pluggy.PluginManager, dict[str, str]]:
    """A plugin manager with lengthwise's hookspecs and (by default) installed plugins loaded.

    Returns the manager and a map from plugin name to the distribution that provides it.
    """
    pm = pluggy.PluginManager("lengthwise")
    pm.add_hookspecs(hookspecs)
    packages: dict[str, str] = {}
    if not load_entry_points:
        return pm, packages
    wanted = _wanted(os.environ.get("LENGTHWISE_LOAD_PLUGINS"))
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else ep.name
        if wanted is not None and dist.lower().replace("_", "-") not in wanted and ep.name not in wanted:
            continue
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        pm.register(ep.load(), name=ep.name)
        packages[ep.name] = dist
    return pm, packages


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use from the installed plugins."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry(*make_plugin_manager())
    return _REGISTRY


def reset_registry() -> None:
    """Forget the cached registry (after installing a plugin at run time, or in tests)."""
    global _REGISTRY
    _REGISTRY = None
