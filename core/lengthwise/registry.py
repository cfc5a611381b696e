"""The plugin manager and the registry of named strategies it fills.

Plugins are found through the entry-point group ``lengthwise`` (``pip install`` a plugin
package and it is there); lengthwise's own built-ins (:mod:`lengthwise.default_plugins`:
``constant``, ``length-capped``) register first through the same hooks, as package
``lengthwise``. ``LENGTHWISE_LOAD_PLUGINS`` restricts which installed plugins load: a
comma-separated list of distribution names (``lengthwise-siri,lengthwise-laser``), or the empty
string for none (the built-ins always load) — useful in tests and when two plugins clash.

A plugin that cannot be used is skipped, and every other plugin still loads: it fails to import,
a hook takes an argument the hookspec does not have, a marked hook has a name no hookspec has
(pluggy's ``check_pending``), a module function is named like a hook but lacks ``@hookimpl``, a
hook raises, or a class it registers is not a complete strategy (no subclass of the kind's base,
no ``name``, ``Params`` not a pydantic model, or abstract methods such as ``cap``/``shape``/
``estimate`` left unimplemented). Each problem is one warning line on the ``lengthwise.plugins``
logger (``warning: plugin <distribution> skipped: <error>``); with ``LENGTHWISE_STRICT_PLUGINS=1``
the first one raises :class:`PluginLoadError` instead, for a plugin's CI. Two plugins registering
the same name stay a :class:`PluginConflictError`: which one a config meant is undecidable.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
import os
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy
from pydantic import BaseModel, ValidationError

from . import hookspecs
from .strategy import KINDS, DifficultyEstimator, Kind, RewardShaper, Schedule, Strategy

__all__ = [
    "StrategySpec",
    "Registry",
    "UnknownStrategyError",
    "StrategyParamsError",
    "PluginConflictError",
    "PluginLoadError",
    "DEFAULT_PLUGINS",
    "STRICT_ENV",
    "get_registry",
    "reset_registry",
]

ENTRY_POINT_GROUP = "lengthwise"
#: Modules registered before any entry point, under the package name ``lengthwise``.
DEFAULT_PLUGINS = ("lengthwise.default_plugins",)
#: Set to 1 to make a plugin that cannot load an error instead of a warning.
STRICT_ENV = "LENGTHWISE_STRICT_PLUGINS"
_log = logging.getLogger("lengthwise.plugins")
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


class PluginLoadError(PluginConflictError):
    """A plugin that cannot be used, raised instead of skipped under ``LENGTHWISE_STRICT_PLUGINS=1``."""


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _skip(package: str, problem: str, problems: list[str]) -> None:
    """Report a plugin that is skipped: one warning line, or an error when strict."""
    message = f"plugin {package} skipped: {problem}"
    if _strict():
        raise PluginLoadError(f"{message} ({STRICT_ENV}=1)")
    problems.append(message)
    _log.warning("warning: %s", message)


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class _Clash(PluginConflictError):
    """Internal: a name clash, which stays an error instead of skipping the plugin."""


def check_strategy_class(cls: Any, kind: Kind) -> None:
    """Raise :class:`PluginConflictError` unless ``cls`` is a complete strategy of ``kind``.

    Complete: a subclass of the kind's base with a non-empty string ``name``, a pydantic
    ``Params`` model, and no abstract method left (``cap``/``max_cap`` for a schedule, ``shape``
    for a reward, ``estimate`` for a difficulty estimator) — so ``lengthwise strategies`` never
    lists a class that ``check`` cannot build.
    """
    base = _BASES[kind]
    if not (isinstance(cls, type) and issubclass(cls, base)):
        what = cls.__name__ if isinstance(cls, type) else repr(cls)
        raise PluginConflictError(f"registered {what} as a {kind}; it must subclass {base.__name__}")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginConflictError(f"{cls.__name__} has no string class attribute 'name'")
    params = getattr(cls, "Params", None)
    if not (isinstance(params, type) and issubclass(params, BaseModel)):
        raise PluginConflictError(f"{cls.__name__}.Params must be a pydantic model (subclass lengthwise.StrictParams)")
    missing = sorted(getattr(cls, "__abstractmethods__", ()))
    if missing:
        raise PluginConflictError(f"{kind} {cls.__name__} ('{name}') does not implement {', '.join(missing)}")


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

    def __init__(
        self,
        pm: pluggy.PluginManager,
        packages: dict[str, str] | None = None,
        problems: list[str] | None = None,
    ) -> None:
        """``packages`` maps a plugin's registered name to the distribution that provides it;
        ``problems`` holds the load problems already reported (see :attr:`problems`).

        Each plugin registers all-or-nothing: its classes are checked as it registers them, and
        one bad class (or a hook that raises) skips the whole plugin with a warning.
        """
        self.pm = pm
        self._specs: dict[tuple[Kind, str], StrategySpec] = {}
        #: One line per plugin skipped while loading or registering.
        self.problems: list[str] = list(problems or [])
        packages = packages or {}
        by_plugin: dict[str, list[tuple[Kind, Any]]] = {}
        for kind in KINDS:
            for impl in getattr(pm.hook, _HOOKS[kind]).get_hookimpls():
                by_plugin.setdefault(pm.get_name(impl.plugin) or "?", []).append((kind, impl))
        for plugin_name, impls in by_plugin.items():
            package = packages.get(plugin_name, plugin_name)
            staged: dict[tuple[Kind, str], StrategySpec] = {}
            try:
                for kind, impl in impls:
                    impl.function(register=self._registrar(kind, package, staged))
            except PluginConflictError as err:
                if isinstance(err, _Clash):
                    raise PluginConflictError(str(err)) from None
                _skip(package, str(err), self.problems)
                continue
            except Exception as err:  # a plugin's own bug must not take the host down
                _skip(package, _one_line(err), self.problems)
                continue
            self._specs.update(staged)

    def _registrar(self, kind: Kind, package: str, staged: dict[tuple[Kind, str], StrategySpec]):
        base = _BASES[kind]

        def register(cls: type) -> None:
            check_strategy_class(cls, kind)
            key = (kind, cls.name)
            for table in (self._specs, staged):
                if key in table and table[key].cls is not cls:
                    raise _Clash(f"{kind} '{cls.name}' is registered by both {table[key].package} and {package}")
            staged[key] = StrategySpec(kind, cls.name, cls, package)

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
            close = difflib.get_close_matches(name, self.names(kind), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UnknownStrategyError(f"no {kind} named '{name}'{hint}; installed: {available}") from None

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


def _unmarked_hooks(plugin: Any) -> list[str]:
    """Functions of a plugin module named like a hook (or one typo away) but without ``@hookimpl``.

    Other ``register_*`` helpers (``register_all``) are the plugin's own business.
    """
    if not isinstance(plugin, ModuleType):
        return []
    out = []
    for attr, obj in vars(plugin).items():
        if (
            attr.startswith("register_")
            and difflib.get_close_matches(attr, list(_HOOKS.values()), n=1, cutoff=0.85)
            and inspect.isfunction(obj)
            and obj.__module__ == plugin.__name__
            and not hasattr(obj, "lengthwise_impl")
        ):
            out.append(attr)
    return out


def _hook_hint(name: str) -> str:
    close = difflib.get_close_matches(name, list(_HOOKS.values()), n=1)
    hint = f"; did you mean {close[0]}?" if close else f"; hooks: {', '.join(_HOOKS.values())}"
    return hint


def _register_checked(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Register ``plugin`` and verify its hooks, unregistering it again if any is wrong."""
    unmarked = _unmarked_hooks(plugin)
    if unmarked:
        raise PluginConflictError(
            f"{', '.join(unmarked)} lacks @lengthwise.hookimpl, so pluggy would ignore it"
            + (_hook_hint(unmarked[0]) if unmarked[0] not in _HOOKS.values() else "")
        )
    pm.register(plugin, name=name)  # pluggy checks each hook's arguments against its hookspec
    try:
        pm.check_pending()  # a marked hook no hookspec declares (a misspelt name)
    except pluggy.PluginValidationError as err:
        pm.unregister(name=name)
        unknown = [c for c in vars(pm.hook) if c not in _HOOKS.values() and not c.startswith("_")]
        hint = _hook_hint(unknown[0]) if unknown else ""
        raise PluginConflictError(f"{' '.join(str(err).split())}{hint}") from None


def make_plugin_manager(
    load_entry_points: bool = True, problems: list[str] | None = None
) -> tuple[pluggy.PluginManager, dict[str, str]]:
    """A plugin manager with lengthwise's hookspecs, its built-ins and (by default) installed plugins.

    Returns the manager and a map from plugin name to the distribution that provides it. A
    plugin that cannot be loaded is skipped with a warning and appended to ``problems`` (see the
    module docstring; ``LENGTHWISE_STRICT_PLUGINS=1`` raises :class:`PluginLoadError`).
    """
    problems = [] if problems is None else problems
    pm = pluggy.PluginManager("lengthwise")
    pm.add_hookspecs(hookspecs)
    packages: dict[str, str] = {}
    for module in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module), name=module)
        packages[module] = "lengthwise"
    if not load_entry_points:
        return pm, packages
    wanted = _wanted(os.environ.get("LENGTHWISE_LOAD_PLUGINS"))
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else ep.name
        if wanted is not None and dist.lower().replace("_", "-") not in wanted and ep.name not in wanted:
            continue
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as err:  # ImportError, SyntaxError, or anything the module raises
            _skip(dist, f"cannot import {ep.value}: {_one_line(err)}", problems)
            continue
        try:
            _register_checked(pm, plugin, ep.name)
        except (pluggy.PluginValidationError, PluginConflictError, ValueError) as err:
            _skip(dist, " ".join(str(err).split()), problems)
            continue
        packages[ep.name] = dist
    return pm, packages


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use from the installed plugins."""
    global _REGISTRY
    if _REGISTRY is None:
        problems: list[str] = []
        pm, packages = make_plugin_manager(problems=problems)
        _REGISTRY = Registry(pm, packages, problems)
    return _REGISTRY


def reset_registry() -> None:
    """Forget the cached registry (after installing a plugin at run time, or in tests)."""
    global _REGISTRY
    _REGISTRY = None
