"""verl's driver under a supervisor: no process of a run outlives the command that started it.

    code = run_verl(argv, env=env, log_path=run_dir / "verl.log", tick=follow)   # train and demo

The process tree of a run::

    lengthwise train | demo          the launcher: holds the write end of the lifeline pipe
    └─ supervisor                    this file run as a script; own session and process group;
       │                             child subreaper; holds the read end of the lifeline
       └─ python -m verl...main_ppo  verl's driver, in the supervisor's group; PR_SET_PDEATHSIG
          ├─ gcs_server, raylet, …   Ray's daemons (fate-shared with the driver by Ray itself)
          └─ Ray workers             the task runner, actor, rollout, reward workers (children
                                     of the raylet, some in sessions of their own)

What guarantees each way of ending it:

* **The launcher dies by any signal, kill -9 included.** The kernel closes every descriptor of a
  dead process, so the supervisor, blocked in ``poll`` on the lifeline's read end, sees end of
  file and stops the whole tree: SIGTERM to every descendant, SIGKILL after :data:`STOP_GRACE_S`
  to whatever is left, then it exits. It finds every descendant because it is a *child
  subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``): an orphan anywhere below it — a Ray daemon
  whose parent died, a double-forked worker — is re-parented to it, not to init, so following
  parent links in ``/proc`` from it reaches all of them, whatever session or process group they
  moved to. No cleanup code has to run in the launcher.
* **The supervisor dies by kill -9.** The driver was started with ``PR_SET_PDEATHSIG=SIGKILL``
  and dies with it; Ray's daemons die with the driver (Ray starts them with the same flag) and
  its workers exit when their raylet goes.
* **verl exits** (finished or failed): the supervisor stops what verl left behind the same way
  and exits with verl's exit code.
* **Ctrl-C, SIGTERM or SIGHUP to the launcher**: :func:`run_verl` sends SIGINT to the
  supervisor's process group (the driver turns it into KeyboardInterrupt and shuts Ray down; the
  supervisor ignores it), waits up to ``grace_s`` for the tree to end, then closes the lifeline
  (the hard stop above).
* **Shared memory.** vLLM's message queues and multiprocessing's semaphores live in
  ``/dev/shm`` and are unlinked only by a clean shutdown. While the run lives, the supervisor
  notes every ``/dev/shm`` file its processes map or hold open (:func:`shm_files_of`, every
  2 s and once more before the stop); after the tree is gone it unlinks those that no live
  process uses (:func:`remove_orphaned_shm`), with the transient ones created since the run
  started that no process uses (verl's ``verl_weights_*`` buckets, Python's ``psm_*`` and
  ``sem.mp-*``: made between two scans or in the shutdown). Never a file in use.
* **A failure verl cannot see end** (vLLM's engine dead while verl waits on it):
  :func:`report_fatal` from inside the run writes the cause to the file :data:`FATAL_ENV` names;
  the supervisor sees it within a poll, stops the tree, and the launcher reports the cause
  (:func:`fatal_cause`) as its one error line.
* **The run's log.** The launcher opens ``log_path`` and hands it to the supervisor as stdout and
  stderr, which the driver inherits: verl's output, including what Ray forwards from its
  workers, is written there by the kernel from the first line, whoever dies first.
* **The run's directory lock** (:mod:`.run_lock`): the descriptors of the locks this process
  holds are inherited by the supervisor, so a lock stays held until the last process of the run
  has ended, not only until the launcher has.

Linux gives all of this. Elsewhere (no ``prctl``, no ``/proc``) the supervisor still watches the
lifeline and stops its own process group, which covers verl's driver and Ray's daemons but not
workers that moved to a session of their own.

This module imports only the standard library at the top: the supervisor runs it as a script
(``python -P .../process.py``), which then costs no import of lengthwise or its dependencies.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "STOP_GRACE_S",
    "INTERRUPT_GRACE_S",
    "VerlProcess",
    "run_verl",
    "stop_signals_interrupt",
    "descendants",
    "FATAL_ENV",
    "report_fatal",
    "fatal_cause",
]

#: Seconds between SIGTERM and SIGKILL when the supervisor stops the tree.
STOP_GRACE_S = 3.0
#: Seconds a Ctrl-C'd verl gets to shut Ray down before the hard stop.
INTERRUPT_GRACE_S = 60.0

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_POLL_S = 0.5
_SHM_SCAN_S = 2.0


# ------------------------------------------------------------------ kernel helpers


def _prctl(option: int, value: int) -> bool:
    """``prctl(option, value)``; False where there is no prctl (not Linux) or it failed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int] | None:
    """pid -> parent pid of every live (not zombie) process in ``/proc``; None without ``/proc``."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    out: dict[int, int] = {}
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and fields[0] != b"Z":  # a zombie has exited already (and has no children)
            out[int(name)] = int(fields[1])
    return out


def descendants(root: int) -> list[int] | None:
    """Every live process below ``root`` (children, their children, …), or None without ``/proc``."""
    parents = _parents()
    if parents is None:
        return None
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


#: The environment variable naming a run's fatal-error file (set by :class:`VerlProcess`; every
#: process of the run inherits it, Ray's workers and vLLM's included).
FATAL_ENV = "LENGTHWISE_FATAL_FILE"


def report_fatal(message: str) -> bool:
    """From anywhere inside a run: record ``message`` as the run's cause of failure and stop it.

    For failures verl cannot see end: an error in vLLM's weight sync kills the engine while
    verl's sender waits for it forever. The supervisor, which watches the file, stops the whole
    tree within a second, and the launcher prints ``message`` as its one ``error:`` line. The
    first report wins; outside a supervised run (no :data:`FATAL_ENV`) this does nothing and
    returns False.
    """
    path = os.environ.get(FATAL_ENV)
    if not path:
        return False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return True
    except OSError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(" ".join(message.split()) + "\n")
    return True


def fatal_cause(log_path: Path) -> str | None:
    """The cause a process of the run reported with :func:`report_fatal`, if any."""
    try:
        return _fatal_path(log_path).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _fatal_path(log_path: Path) -> Path:
    return Path(log_path).with_name(Path(log_path).name + ".fatal")


SHM_DIR = "/dev/shm"
#: The name prefix of verl's shared-memory weight buckets (verl/workers/rollout/vllm_rollout/bucketed_weight_transfer.py).
VERL_BUCKET = "verl_weights_"
#: Names of /dev/shm files that exist only while a process uses them: verl's weight buckets,
#: Python's ``shared_memory`` segments and ``multiprocessing`` semaphores (spawn context).
_TRANSIENT = (VERL_BUCKET, "psm_", "sem.mp-")


def _listdir(path: str) -> set[str]:
    try:
        return set(os.listdir(path))
    except OSError:
        return set()


def shm_files_of(pids: Sequence[int]) -> set[str]:
    """The files under ``/dev/shm`` that ``pids`` have mapped or open (unlinked ones left out)."""
    prefix = SHM_DIR + "/"
    found: set[str] = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps", "rb") as f:
                for line in f:
                    at = line.find(b" " + prefix.encode())
                    if at >= 0:
                        path = os.fsdecode(line[at + 1 :].rstrip(b"\n"))
                        if not path.endswith(" (deleted)"):
                            found.add(path)
        except OSError:  # gone meanwhile, or not ours
            pass
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(prefix) and not target.endswith(" (deleted)"):
                found.add(target)
    return found


def remove_orphaned_shm(paths: set[str]) -> list[str]:
    """Unlink those of ``paths`` that still exist and that no live process maps or holds open.

    ``paths`` are the run's own files: those :func:`shm_files_of` saw its processes use, and
    transient ones (``verl_weights_*``, ``psm_*``, ``sem.mp-*``) made while it ran. A file in use
    is never removed, another run's or one of ours (a process that escaped). Returns the paths removed.
    """
    if not paths:
        return []
    parents = _parents() or {}
    in_use = shm_files_of([pid for pid in parents if pid != os.getpid()])
    removed = []
    for path in sorted(paths - in_use):
        try:
            if os.path.isfile(path) and not os.path.islink(path):
                os.unlink(path)
                removed.append(path)
        except OSError:
            pass
    return removed


def _signal_all(pids: Sequence[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


# ------------------------------------------------------------------ the supervisor (a script)


class _Supervisor:
    """The middle process (see the module docstring)."""

    def __init__(self, lifeline: int, argv: list[str]) -> None:
        self.lifeline = lifeline
        self.argv = argv
        self.me = os.getpid()
        self.subreaper = _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        self.driver: subprocess.Popen | None = None
        self.driver_code: int | None = None
        self.stop_asked = False
        self.shm_seen: set[str] = set()  # /dev/shm files the tree mapped or opened (removed if left behind)
        self._next_shm_scan = 0.0
        self.shm_before = _listdir(SHM_DIR)

    def _note_shm(self, force: bool = False) -> None:
        """Every :data:`_SHM_SCAN_S` (``force``: now, before the stop): note the tree's /dev/shm files.

        vLLM's message queues (``psm_*``) and multiprocessing's semaphores (``sem.mp-*``) are
        unlinked only by a clean shutdown, which a stopped or failed run never has.
        """
        now = time.monotonic()
        if force or now >= self._next_shm_scan:
            self.shm_seen |= shm_files_of(descendants(self.me) or [])
            self._next_shm_scan = now + _SHM_SCAN_S

    def _driver_setup(self) -> None:
        """``preexec_fn`` of the driver (runs in the child between fork and exec)."""
        # SIG_IGN survives exec: the driver must get SIGINT (Ctrl-C) and SIGTERM back.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != self.me:  # the supervisor died before the flag was set
            os._exit(1)

    def _reap(self) -> None:
        """Collect every exited child (orphans re-parented to us included); note the driver's code."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if self.driver is not None and pid == self.driver.pid:
                self.driver_code = self.driver.returncode = os.waitstatus_to_exitcode(status)

    def _lifeline_closed(self, timeout_s: float) -> bool:
        poller = select.poll()
        poller.register(self.lifeline, select.POLLIN | select.POLLHUP | select.POLLERR)
        try:
            events = poller.poll(int(timeout_s * 1000))
        except InterruptedError:
            return False
        if not events:
            return False
        try:
            return os.read(self.lifeline, 1) == b""
        except OSError:
            return True

    def stop_tree(self) -> None:
        """SIGTERM every descendant, SIGKILL what is left after STOP_GRACE_S; reap them all."""
        for sig, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 5.0)):
            left = descendants(self.me)
            if left is None:  # no /proc: our process group is what we can reach
                self._stop_group()
                return
            if not left:
                return
            _signal_all(left, sig)
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                self._reap()
                if not descendants(self.me):
                    return
                time.sleep(0.05)

    def _stop_group(self) -> None:
        """Without /proc: SIGTERM our group (we ignore it), SIGKILL it if the driver outlives the grace."""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.me, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while self.driver_code is None and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        if self.driver_code is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.me, signal.SIGKILL)  # ourselves included: nothing is left to report to

    def run(self) -> int:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver answers Ctrl-C; we stay to clean up

        def asked_to_stop(_signum, _frame):
            self.stop_asked = True

        signal.signal(signal.SIGTERM, asked_to_stop)
        signal.signal(signal.SIGHUP, asked_to_stop)
        try:
            self.driver = subprocess.Popen(self.argv, preexec_fn=self._driver_setup)
        except OSError as err:
            print(f"error: cannot start verl ({self.argv[0]}): {err}", file=sys.stderr, flush=True)
            return 127
        fatal = os.environ.get(FATAL_ENV)
        stopped_by_fatal = False
        while self.driver_code is None and not self.stop_asked:
            if self._lifeline_closed(_POLL_S):
                self.stop_asked = True
                break
            self._reap()
            self._note_shm()
            if fatal and os.path.exists(fatal):  # a process of the run reported why it cannot go on
                print(f"lengthwise: stopping the run: {Path(fatal).read_text(errors='replace').strip()}",
                      file=sys.stderr, flush=True)
                self.stop_asked = stopped_by_fatal = True
        self._note_shm(force=True)
        self.stop_tree()
        self._reap()
        # Files made between two scans, or in the shutdown after the last one (a semaphore of a
        # worker spawned then): new ones since the start with the names only verl's weight buckets
        # and Python's multiprocessing give (always meant to be unlinked) count as the run's too
        made = {os.path.join(SHM_DIR, n) for n in _listdir(SHM_DIR) - self.shm_before if n.startswith(_TRANSIENT)}
        removed = remove_orphaned_shm(self.shm_seen | made)
        if removed:  # to verl.log, where the run's own output goes
            print(f"lengthwise: removed {len(removed)} shared-memory file(s) the run left in {SHM_DIR}: "
                  f"{', '.join(os.path.basename(p) for p in removed)}", file=sys.stderr, flush=True)
        if stopped_by_fatal:  # the driver's own code is the stop's signal: the run failed
            return 1
        if self.driver_code is None:
            return 128 + signal.SIGKILL
        return self.driver_code if self.driver_code >= 0 else 128 - self.driver_code


def _supervise(args: list[str]) -> int:
    if len(args) < 3 or args[1] != "--":
        print("usage: process.py LIFELINE_FD -- COMMAND...", file=sys.stderr)
        return 2
    return _Supervisor(int(args[0]), args[2:]).run()


# ------------------------------------------------------------------ the launcher side


class VerlProcess:
    """The supervisor of one verl run, started with ``argv`` (the driver's command line).

    Output goes to ``log_path`` (truncated, or appended to with ``append``); the descriptors in
    ``keep_fds`` (by default: the run-directory locks this process holds) are inherited by the
    supervisor so that they stay open as long as any process of the run lives.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        log_path: Path,
        keep_fds: Sequence[int] | None = None,
        cwd: str | Path | None = None,
        append: bool = False,
    ) -> None:
        if keep_fds is None:
            from .run_lock import held_lock_fds

            keep_fds = held_lock_fds()
        self.log_path = Path(log_path)
        fatal = _fatal_path(self.log_path)
        fatal.unlink(missing_ok=True)  # a previous run's
        env = dict(os.environ if env is None else env, **{FATAL_ENV: str(fatal)})
        lifeline_r, self._lifeline_w = os.pipe()  # both ends close on exec: only the supervisor gets r
        try:
            log = open(self.log_path, "ab" if append else "wb")
        except OSError:
            os.close(lifeline_r)
            os.close(self._lifeline_w)
            raise
        flags = ["-P"] if sys.version_info >= (3, 11) else []  # not this folder on the supervisor's path
        try:
            self.proc = subprocess.Popen(
                [sys.executable, *flags, str(Path(__file__).resolve()), str(lifeline_r), "--", *argv],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                start_new_session=True, pass_fds=(lifeline_r, *keep_fds),
            )
        except BaseException:
            os.close(self._lifeline_w)
            raise
        finally:
            os.close(lifeline_r)
            log.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        """verl's exit code, or None when ``timeout`` passed first."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def interrupt(self) -> None:
        """SIGINT to the run's process group: verl shuts Ray down (Ctrl-C)."""
        try:
            os.killpg(self.proc.pid, signal.SIGINT)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> int:
        """The hard stop: close the lifeline (the supervisor stops the tree), then wait for it."""
        self._close_lifeline()
        code = self.wait(timeout=STOP_GRACE_S + 10.0)
        if code is None:  # the supervisor itself hangs: its group is all that is left to reach
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
        return code

    def stop(self, grace_s: float = INTERRUPT_GRACE_S) -> int:
        """Interrupt, wait up to ``grace_s`` for the run to end, then stop it hard."""
        if self.poll() is None and grace_s > 0:
            self.interrupt()
            if self.wait(timeout=grace_s) is not None:
                self._close_lifeline()
                return self.proc.returncode
        return self.kill()

    def close(self) -> None:
        """Stop hard if still running; release the lifeline."""
        if self.poll() is None:
            self.kill()
        self._close_lifeline()

    def _close_lifeline(self) -> None:
        if self._lifeline_w >= 0:
            os.close(self._lifeline_w)
            self._lifeline_w = -1

    def __enter__(self) -> VerlProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While verl runs: SIGTERM and SIGHUP raise KeyboardInterrupt, as Ctrl-C does.

    Python's default for them ends the launcher at once. That no longer orphans verl (the
    lifeline does not depend on it), but it skips the graceful stop: a scheduler's ``kill`` or a
    closed terminal should stop verl the way Ctrl-C does. Outside the main thread (where handlers
    cannot be set) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = {sig: signal.signal(sig, raise_interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def run_verl(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log_path: Path,
    tick: Callable[[], None] | None = None,
    tick_s: float = 1.0,
    grace_s: float = INTERRUPT_GRACE_S,
    on_interrupt: Callable[[], None] | None = None,
    cwd: str | Path | None = None,
    append: bool = False,
) -> int:
    """Run verl's driver ``argv`` under the supervisor until it exits; return its exit code.

    ``tick`` runs every ``tick_s`` seconds and once after the exit (progress bars, the console
    view of the log). Ctrl-C, SIGTERM or SIGHUP: ``on_interrupt`` runs, verl gets ``grace_s``
    seconds to stop, then the tree is stopped hard, and KeyboardInterrupt propagates. Any other
    exception (in ``tick``, say) stops the tree hard before it propagates.
    """
    verl = VerlProcess(argv, env=env, log_path=log_path, cwd=cwd, append=append)
    try:
        try:
            with stop_signals_interrupt():
                while True:
                    code = verl.wait(timeout=tick_s)
                    if tick is not None:
                        tick()
                    if code is not None:
                        return code
        except KeyboardInterrupt:
            if on_interrupt is not None:
                on_interrupt()
            verl.stop(grace_s)
            raise
    finally:
        verl.close()


if __name__ == "__main__":
    sys.exit(_supervise(sys.argv[1:]))
