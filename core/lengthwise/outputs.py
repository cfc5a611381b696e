"""Writing files: an error names the path that was being written.

    with writing(path):
        path.write_text(text)

``OSError`` raised by ``write()`` or ``close()`` — a full disk (ENOSPC), a quota (EDQUOT) — carries
no file name, so the command line's one-line error (:func:`lengthwise.cli.error_line`) could say
only "No space left on device". Inside ``writing(path)`` such an error is raised again with
``path`` as its file name; an error that already names a file keeps it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

__all__ = ["writing"]


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Re-raise an ``OSError`` without a file name as the same error naming ``path``."""
    try:
        yield
    except OSError as err:
        if err.filename is not None or err.errno is None:
            raise
        raise type(err)(err.errno, err.strerror or str(err), str(path)) from None
