"""What ``lengthwise train`` shows of verl's output: one line per step, everything in ``verl.log``.

verl's console for a run is mostly Ray's forwarded worker logs: start-up banners, library
warnings (TransferQueue alone warns about ``target_num_threads`` several times a step on a
small machine), progress bars. All of it goes to ``RUN_DIR/verl.log`` (:mod:`.process`);
:class:`ConsoleView` follows that file and prints, by default:

* one line per training step, from verl's console logger line (``step:N - key:value - ...``,
  ``verl/utils/logger/aggregate_logger.py:26``): the step out of the total, the cap, mean length,
  accuracy and mean shaped reward (``lengthwise/*``), the step's seconds (``timing_s/step``), and
  the held-out accuracy and length when the step validated (``val-core/*/acc/mean@1``,
  ``val-aux/*/lw_length/mean@1``); the validation before training is a ``step 0`` line;
* lengthwise's own lines from the driver (``lengthwise: ...``, e.g. the restored state);

so a step costs at most two lines. ``verbose`` copies the whole log instead, as it is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

from .. import metrics as K

__all__ = ["ConsoleView", "step_line", "parse_metrics_line"]

# Ray prefixes a forwarded line with "(ActorName pid=N[, ip=...]) "
_RAY_PREFIX = re.compile(r"^(?:\x1b\[[0-9;]*m)?\([^()]*pid=\d+[^()]*\)(?:\x1b\[[0-9;]*m)?\s*")
_METRICS = re.compile(r"^step:(?P<step>\d+) - (?P<rest>.*)$")


def _strip_ray(line: str) -> str:
    m = _RAY_PREFIX.match(line)
    return line[m.end():] if m else line


def parse_metrics_line(line: str) -> tuple[int, dict[str, float]] | None:
    """``(step, {key: value})`` of a verl console-logger line (Ray's prefix allowed), else None."""
    m = _METRICS.match(_strip_ray(line.strip()))
    if not m:
        return None
    values: dict[str, float] = {}
    for pair in m.group("rest").split(" - "):
        key, sep, value = pair.rpartition(":")
        if not sep:
            continue
        try:
            values[key.strip()] = float(value)
        except ValueError:
            continue
    return int(m.group("step")), values


def _fmt(v: float | None, spec: str) -> str | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def _first(values: dict[str, float], prefix: str, suffix: str) -> float | None:
    for key, v in values.items():
        if key.startswith(prefix) and key.endswith(suffix):
            return v
    return None


def step_line(step: int, values: dict[str, float], total: int | None = None) -> str:
    """The one console line of a verl step (see the module docstring)."""
    parts = [f"step {step}/{total}" if total else f"step {step}"]
    for label, key, spec in (("cap", K.CAP, ".0f"), ("length", K.MEAN_LENGTH, ".1f"),
                             ("acc", K.ACCURACY, ".3f"), ("reward", K.REWARD_MEAN, ".3f")):
        text = _fmt(values.get(key), spec)
        if text is not None:
            parts.append(f"{label} {text}")
    held_acc = _fmt(_first(values, "val-core/", "/acc/mean@1"), ".3f")
    held_len = _fmt(_first(values, "val-aux/", "/lw_length/mean@1"), ".1f")
    if held_acc is not None:
        parts.append(f"held-out acc {held_acc}" + (f", length {held_len}" if held_len is not None else ""))
    secs = _fmt(values.get("timing_s/step"), ".1f")
    if secs is not None:
        parts.append(f"{secs} s")
    return "  ".join(parts)


class ConsoleView:
    """Follows ``log_path`` and echoes its console view (call :meth:`tick` now and then)."""

    def __init__(self, log_path: Path, echo: Callable[[str], None], *, total_steps: int | None = None,
                 verbose: bool = False, offset: int = 0) -> None:
        self.log_path = Path(log_path)
        self.echo = echo
        self.total = total_steps
        self.verbose = verbose
        self.lines_shown = 0
        self._offset = offset  # where this run's part of the log begins (a resumed run appends)
        self._partial = b""

    def tick(self) -> None:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except OSError:
            return
        if not data:
            return
        self._offset += len(data)
        data = self._partial + data
        # progress bars redraw with \r: only the last state of such a line matters
        *complete, self._partial = data.split(b"\n")
        for raw in complete:
            self._line(raw.rsplit(b"\r", 1)[-1].decode("utf-8", "replace").rstrip())

    def _show(self, text: str) -> None:
        self.echo(text)
        self.lines_shown += 1

    def _line(self, line: str) -> None:
        if self.verbose:
            self._show(line)
            return
        parsed = parse_metrics_line(line)
        if parsed is not None:
            self._show(step_line(*parsed, total=self.total))
            return
        body = _strip_ray(line)
        if body.startswith("lengthwise: "):
            self._show(body)
