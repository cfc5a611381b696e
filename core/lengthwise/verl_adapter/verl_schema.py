"""verl's ``ppo_trainer`` config composed from its YAML folder, and a cache of its schema.

Nothing here imports verl (``import verl`` loads torch and tensordict: several seconds).
:func:`verl_config_dir` finds the installed ``verl/trainer/config`` folder without importing the
package, and :func:`compose` composes from that folder with hydra — the same files, so the same
config as ``initialize_config_module("verl.trainer.config")``, which would import verl first.

The schema the dry run type-checks overrides against (verl's config composed with no overrides,
plus the annotations of the dataclasses its ``_target_`` keys name) is cached in
``$XDG_CACHE_HOME/lengthwise/verl-schema.json`` (``~/.cache`` when unset). The cache records what
it was built from — verl's version and folder, the Python version, size and modification time of
every YAML file under the config folder and of every source file of the annotated classes — and
is rebuilt when any of it differs. Deleting the file is always safe.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["CACHE_FORMAT", "verl_config_dir", "compose", "cache_path", "load_cached_schema", "save_schema"]

#: Bump when the cached content changes shape (an older file is then ignored and rewritten).
CACHE_FORMAT = 1
CONFIG_NAME = "ppo_trainer"


def verl_config_dir() -> Path:
    """The installed ``verl/trainer/config`` folder (found without importing verl)."""
    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("verl is not installed: pip install 'lengthwise[verl]'")
    return Path(next(iter(spec.submodule_search_locations))) / "trainer" / "config"


def verl_version() -> str:
    """verl's ``__version__`` as its package reads it (the file ``verl/version/version``)."""
    try:
        return (verl_config_dir().parent.parent / "version" / "version").read_text(encoding="utf-8").strip()
    except OSError:
        from importlib.metadata import version

        return version("verl")


def compose(overrides: Sequence[str]) -> Any:
    """verl's ``ppo_trainer`` config with ``overrides`` applied (an OmegaConf DictConfig).

    Raises hydra's own exceptions (unknown key, missing ``+``, bad value).
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    # A hydra app (or an earlier compose) may still hold the global instance.
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
            return hydra_compose(config_name=CONFIG_NAME, overrides=list(overrides))
    finally:
        GlobalHydra.instance().clear()


def cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lengthwise" / "verl-schema.json"


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def _yaml_files(folder: Path) -> dict[str, list[int] | None]:
    return {str(p.relative_to(folder)): _stat(p) for p in sorted(folder.rglob("*.yaml"))}


def _key() -> dict[str, Any]:
    folder = verl_config_dir()
    return {
        "format": CACHE_FORMAT,
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "verl": verl_version(),
        "config_dir": str(folder),
        "yaml": _yaml_files(folder),
    }


def load_cached_schema() -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(schema, annotation table)`` from the cache when it is current, else None."""
    path = cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if data["key"] != _key():
            return None
        if any(_stat(Path(name)) != stat for name, stat in data["sources"].items()):
            return None
        return data["schema"], data["annotations"]
    except (KeyError, TypeError, AttributeError):
        return None


def save_schema(schema: dict[str, Any], annotations: dict[str, Any], sources: Sequence[str]) -> None:
    """Write the cache (atomically; an unwritable cache folder is silently skipped)."""
    path = cache_path()
    data = {
        "key": _key(),
        "sources": {name: _stat(Path(name)) for name in sources},
        "schema": schema,
        "annotations": annotations,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".verl-schema.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass
