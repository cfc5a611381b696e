"""One run per directory: an exclusive lock on ``DIR/.lengthwise.lock``.

    lock = lock_run_dir(directory, log=print)   # RunDirBusy when another run holds it
    ...
    lock.release()                               # or: with lock_run_dir(...):

``lengthwise train`` locks its checkpoint directory (``trainer.default_local_dir``, where
``verl.log`` goes too), ``lengthwise demo`` its results folder, ``demo --compare`` the comparison
folder and each run folder in it. The lock is taken before anything is written there.

The lock is ``flock(LOCK_EX | LOCK_NB)`` on the file. The kernel releases it when the last
descriptor of the file's open description closes, which happens when the processes holding it
have ended, by any signal, kill -9 included. So a lock file left behind by a killed run is not
held, and the next run takes it over and says so in one line (the file still names the run that
stopped; a run that ends normally empties it). The supervisor of verl's driver inherits the descriptor (:mod:`.process`), so the
directory stays locked until the last process of the run has ended, not only the launcher.

The file holds one JSON object naming its holder — ``pid``, ``command``, ``started``, ``host`` — and
a second run gets one line with them::

    DIR is in use by another run: pid 4242 (lengthwise demo --out results), started 2026-05-09 15:20:33 on host1; wait for it to end or choose another directory
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["LOCK_NAME", "RunDirBusy", "RunDirLock", "lock_run_dir", "held_lock_fds", "this_command"]

LOCK_NAME = ".lengthwise.lock"

_HELD: dict[Path, RunDirLock] = {}
_HELD_GUARD = threading.Lock()


class RunDirBusy(RuntimeError):
    """Another live run holds the directory's lock; the message names it."""


def this_command() -> str:
    """This process's command line as a person typed it (``lengthwise demo --out x``)."""
    argv = list(sys.argv)
    prog = Path(argv[0]).name if argv and argv[0] else "python"
    if prog in ("cli.py", "__main__.py") or argv[0].endswith("lengthwise"):
        prog = "lengthwise"
    return shlex.join([prog, *argv[1:]])


def _describe(holder: dict) -> str:
    parts = [f"pid {holder.get('pid', '?')}"]
    if holder.get("command"):
        parts[0] += f" ({holder['command']})"
    if holder.get("started"):
        parts.append(f"started {holder['started']}")
    if holder.get("host") and holder["host"] != socket.gethostname():
        parts[-1] += f" on {holder['host']}"
    return ", ".join(parts)


def _read_holder(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 1 << 16)
        holder = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


class RunDirLock:
    """A held lock on one directory (see the module docstring)."""

    def __init__(self, directory: Path, fd: int) -> None:
        self.directory = directory
        self.fd = fd

    @property
    def path(self) -> Path:
        return self.directory / LOCK_NAME

    def release(self) -> None:
        with _HELD_GUARD:
            _HELD.pop(self.directory, None)
        if self.fd >= 0:
            try:
                os.ftruncate(self.fd, 0)  # a run that ended normally leaves no name behind
            except OSError:
                pass
            os.close(self.fd)  # closing our last descriptor releases the flock
            self.fd = -1

    def __enter__(self) -> RunDirLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock_run_dir(directory: str | Path, *, command: str | None = None,
                 log: Callable[[str], None] | None = None) -> RunDirLock:
    """Create ``directory`` if needed and lock it for this run.

    Raises :class:`RunDirBusy` (one line naming the holder) when a live run holds it, and
    ``OSError`` naming the path when the directory or its lock file cannot be written. A lock
    file of a run that has ended is taken over; ``log`` gets one line saying whose.
    """
    import fcntl

    directory = Path(directory).resolve()
    with _HELD_GUARD:
        if directory in _HELD:
            raise RunDirBusy(f"{directory} is already in use by this command")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            who = _describe(holder) if holder else "a process that has not written its name yet"
            raise RunDirBusy(
                f"{directory} is in use by another run: {who}; wait for it to end or choose another directory"
            ) from None
        previous = _read_holder(fd)
        me = {
            "pid": os.getpid(),
            "command": command if command is not None else this_command(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "host": socket.gethostname(),
        }
        text = (json.dumps(me) + "\n").encode("utf-8")
        try:
            os.pwrite(fd, text, 0)
            os.ftruncate(fd, len(text))
        except OSError as err:  # a full disk: say where
            raise OSError(err.errno, err.strerror, str(path)) from None
    except BaseException:
        os.close(fd)
        raise
    if previous and log is not None:
        log(f"note: {directory}: taking over the lock of a run that ended ({_describe(previous)})")
    lock = RunDirLock(directory, fd)
    with _HELD_GUARD:
        _HELD[directory] = lock
    return lock


def held_lock_fds() -> list[int]:
    """The descriptors of the run-directory locks this process holds (the supervisor inherits them)."""
    with _HELD_GUARD:
        return [lock.fd for lock in _HELD.values() if lock.fd >= 0]
