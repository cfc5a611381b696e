"""Files and YAML from users, read with limits so a hostile or broken input fails fast, in one line.

:func:`read_regular_file` refuses FIFOs, devices and directories and anything over a size limit.

YAML limits (module constants): the file's size (``MAX_BYTES``), nesting depth (``MAX_DEPTH``) and
the number of values after alias expansion (``MAX_VALUES``). PyYAML shares an aliased node
instead of copying it, so a "billion laughs" file loads in microseconds — and then hangs
whatever walks it (pydantic, the override writer). The check here walks the composed node graph
as a consumer would, counting every value reached through every alias, and stops at the
budget; depth is measured on the parser's event stream first, because PyYAML's composer recurses
and a deeply nested file would otherwise end in a RecursionError.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "InputFileError",
    "load_yaml_file",
    "load_yaml_text",
    "read_regular_file",
]

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_VALUES = 100_000


class InputFileError(ValueError):
    """An input file that cannot be used; the message is one line and names the origin."""


def _where(origin: str, mark: Any) -> str:
    return f"{origin}:{mark.line + 1}:{mark.column + 1}" if mark is not None else origin


def load_yaml_text(text: str, origin: str) -> Any:
    """Parse ``text`` (named ``origin`` in errors) within the module's limits."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InputFileError(f"{origin}: larger than {MAX_BYTES} bytes")
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputFileError(f"{_where(origin, event.start_mark)}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        context = getattr(err, "context", None)
        detail = f"{problem} ({context})" if context else problem
        raise InputFileError(f"{_where(origin, mark)}: not valid YAML: {' '.join(str(detail).split())}") from None
    if node is None:
        return None
    seen = 0
    stack = [node]
    while stack:
        n = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise InputFileError(
                f"{_where(origin, n.start_mark)}: expands to more than {MAX_VALUES} values (YAML aliases?)"
            )
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)
    try:
        return yaml.SafeLoader(text).construct_document(node)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputFileError(f"{_where(origin, mark)}: not valid YAML: {getattr(err, 'problem', err)}") from None


def read_regular_file(path: str | Path, max_bytes: int, what: str = "file") -> str:
    """The UTF-8 text of ``path``, which must be a regular file of at most ``max_bytes`` bytes.

    A FIFO, device (``/dev/zero``) or directory is refused before it is opened for reading, so
    nothing blocks or reads without end.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as err:
        raise InputFileError(f"{path}: cannot read {what} ({err.strerror or err})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{path}: not a regular file")
    if st.st_size > max_bytes:
        raise InputFileError(f"{path}: {what} is {st.st_size} bytes, more than the limit of {max_bytes}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as err:
        raise InputFileError(f"{path}: cannot read {what} ({err.strerror or err})") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{path}: {what} is more than the limit of {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputFileError(f"{path}: not UTF-8 text (byte {err.start})") from None


def load_yaml_file(path: str | Path, what: str = "config") -> Any:
    """Read and parse a YAML file within the limits (a regular file of at most ``MAX_BYTES``)."""
    return load_yaml_text(read_regular_file(path, MAX_BYTES, what), str(path))
