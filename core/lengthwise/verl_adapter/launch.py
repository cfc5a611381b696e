"""What a launch settles before verl starts (no verl import: about a second).

    quote_plain_values(overrides)      a path value hydra cannot read (non-ASCII), quoted
    check_user_overrides(user_argv)    unknown verl keys (with a did-you-mean) and ill-typed values
    settings = launch_settings(argv)   the run directory, steps, resume mode, rollout, GPUs, data

Both ``lengthwise train`` and ``lengthwise demo`` call :func:`check_user_overrides` on the
overrides a person wrote, so a typo is one line before verl, Ray and the model start, not a hydra
traceback a minute later. :func:`launch_settings` composes verl's config from the launch's
overrides with hydra, from the installed verl's YAML folder (:mod:`.verl_schema`), exactly as
``python -m verl.trainer.main_ppo`` will, and reads the few values the launcher acts on.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LaunchSettings", "check_user_overrides", "launch_settings", "quote_plain_values"]

# characters that make a value hydra structure (lists, dicts, function calls, sweeps, interpolations)
_STRUCTURE = set("[]{}(),$")


def quote_plain_values(overrides: Sequence[str]) -> list[str]:
    """``overrides`` with each value hydra's lexer cannot read but that is plain text quoted.

    Hydra reads an unquoted value only in ASCII: ``trainer.default_local_dir=/data/résultats``
    fails with "token recognition error" (the demo's non-ASCII ``--out`` broke that way). A
    non-ASCII value hydra cannot read and with no hydra structure in it (no brackets, braces,
    parentheses, commas, ``$``) can only have been meant as that string (an apostrophe in a
    path included), so it is passed on quoted; any other override is left as written, for
    hydra's own error.
    """
    from .overrides import format_value, parse_override

    out = []
    for text in overrides:
        o = parse_override(text)
        if o.value is None or o.value.isascii() or _STRUCTURE & set(o.value):
            out.append(text)
            continue
        from hydra.core.override_parser.overrides_parser import OverridesParser  # only for such a value

        try:
            OverridesParser.create().parse_override(text)
            out.append(text)
        except Exception:  # hydra's lexer and parser errors share no useful base class
            out.append(f"{o.prefix}{o.key}={format_value(o.value.strip())}")
    return out


def check_user_overrides(user_argv: Sequence[str]) -> None:
    """Raise :class:`~.dry_run.DryRunError` for an override verl has no key for or whose value
    does not fit the key (the dry run's check, :mod:`.override_types`).

    The schema comes from the dry run's cache when it is current (annotations included); else it
    is verl's default config composed from its YAML, and values are checked against the types of
    the defaults.
    """
    from omegaconf import OmegaConf

    from .dry_run import DryRunError, compose_verl_config
    from .override_types import OverrideTypeError, check_override_types, decode_annotation
    from .verl_schema import load_cached_schema

    if not user_argv:
        return
    cached = load_cached_schema()
    if cached is not None:
        schema, table = cached
        annotations = {t: {k: decode_annotation(v) for k, v in f.items()} for t, f in table.items() if f is not None}
    else:
        schema = OmegaConf.to_container(compose_verl_config([]), resolve=False)
        annotations = {}
    try:
        check_override_types(schema, list(user_argv), annotations)
    except OverrideTypeError as err:
        raise DryRunError(str(err)) from None


@dataclass(frozen=True)
class LaunchSettings:
    """The values of verl's composed config that the launcher acts on."""

    run_dir: Path  # trainer.default_local_dir, absolute (verl takes a relative one from the cwd)
    total_steps: int | None  # trainer.total_training_steps (None: sized by the dataset)
    resume_mode: str
    resume_from_path: str | None
    rollout: str  # actor_rollout_ref.rollout.name
    device: str  # trainer.device
    n_gpus_per_node: int
    nnodes: int
    train_files: tuple[str, ...]
    train_batch_size: int


def _files(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)


def launch_settings(argv: Sequence[str]) -> LaunchSettings:
    """The :class:`LaunchSettings` of the launch ``argv`` (hydra's own ``hydra.*`` keys are left
    out: they configure hydra's app, not verl's config). Raises DryRunError when hydra rejects
    the overrides."""
    from omegaconf import OmegaConf

    from .dry_run import DryRunError, compose_verl_config

    cfg = compose_verl_config([a for a in argv if not a.lstrip("+~").startswith("hydra.")])

    def get(key: str, default: Any = None) -> Any:
        try:
            value = OmegaConf.select(cfg, key, default=default)
        except Exception as err:  # an interpolation that does not resolve
            raise DryRunError(f"cannot resolve {key}: {' '.join(str(err).split())}") from None
        return default if value is None else value

    run_dir = Path(os.path.expanduser(str(get("trainer.default_local_dir", "checkpoints"))))
    if not run_dir.is_absolute():
        run_dir = Path(os.getcwd()) / run_dir  # as verl's _load_checkpoint does
    steps = get("trainer.total_training_steps")
    path = get("trainer.resume_from_path")
    return LaunchSettings(
        run_dir=run_dir,
        total_steps=None if steps is None else int(steps),
        resume_mode=str(get("trainer.resume_mode", "auto")),
        resume_from_path=None if path is None else str(path),
        rollout=str(get("actor_rollout_ref.rollout.name", "")),
        device=str(get("trainer.device", "cuda")),
        n_gpus_per_node=int(get("trainer.n_gpus_per_node", 1)),
        nnodes=int(get("trainer.nnodes", 1)),
        train_files=_files(get("data.train_files")),
        train_batch_size=int(get("data.train_batch_size", 1)),
    )
