"""The lengthwise config's text, shipped to every Ray worker so no shared filesystem is needed.

``lengthwise train`` names the config by its absolute path (``lengthwise.config_path`` in verl's
config). On a multi-node cluster without a shared filesystem that path exists only on the launch
node, while the driver, agent-loop and reward workers may run anywhere. So the launcher also puts
the file's text into the Ray job's environment
(``+ray_kwargs.ray_init.runtime_env.env_vars.LENGTHWISE_CONFIG_TEXT``; Ray sets a job's
``runtime_env`` variables in every worker process on every node), and
:func:`lengthwise.verl_adapter.state.load_run_config` reads the config from there when the shipped
copy is for the path asked for — also on the launch node, so every process runs the config as it
was at launch, even if the file is edited or removed later.

Encoding: base64 of the JSON ``{"path": absolute path, "text": the file's YAML text}``. Base64
keeps the value free of newlines, quotes and ``${`` (which hydra's and OmegaConf's parsers would
otherwise read as syntax or interpolation).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from ..config import ConfigError

__all__ = ["CONFIG_TEXT_ENV", "encode_config", "shipped_config_text"]

CONFIG_TEXT_ENV = "LENGTHWISE_CONFIG_TEXT"


def encode_config(path: str | Path) -> str:
    """The environment value that ships the config file at ``path`` (read now, on the launch node)."""
    resolved = str(Path(path).resolve())
    try:
        text = Path(resolved).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{resolved}: cannot read config ({err.strerror or err})") from None
    payload = json.dumps({"path": resolved, "text": text}, ensure_ascii=False)
    return base64.b64encode(payload.encode("utf-8")).decode("ascii")


def shipped_config_text(path: str) -> str | None:
    """The shipped YAML text of the config at ``path``, or None when none was shipped for it."""
    value = os.environ.get(CONFIG_TEXT_ENV)
    if not value:
        return None
    try:
        payload = json.loads(base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8"))
        shipped_path, text = payload["path"], payload["text"]
    except (ValueError, KeyError, TypeError, UnicodeError) as err:
        raise ConfigError(f"${CONFIG_TEXT_ENV} does not hold a shipped lengthwise config ({err})") from None
    return text if shipped_path == str(path) else None
