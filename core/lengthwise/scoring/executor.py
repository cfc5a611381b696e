"""The math-verify fallback's executor: worker interpreters, request ids, two deadlines.

    math_verify_batch(pairs, timeout_s=5, batch_timeout_s=60, workers=None) -> [Outcome]
    await math_verify_batch_async(...)                                       -> [Outcome]
    shutdown_pool()

Outcome per (answer, gold) pair: ``("ok", bool)`` | ``("timeout", None)`` | ``("deferred", None)`` |
``("error", message)``.

What it is, and why (the caller may be a plain script without a ``__main__`` guard, a forked Ray
or DataLoader worker, a daemonic multiprocessing worker, one of several threads, a coroutine, a
notebook cell, and may be interrupted at any point by SIGALRM, Ctrl-C or task cancellation):

* Workers are fresh interpreters, ``python .../lengthwise/scoring/_worker.py`` started with
  ``subprocess`` and spoken to over two pipes (:mod:`.protocol`). multiprocessing's start methods
  were the old design's failure: forkserver and spawn re-import the caller's ``__main__`` (a
  script without a guard re-ran its body and hung), daemonic processes may not have
  multiprocessing children, and a fork-started pool's handles break in a forked child. A
  subprocess needs none of that, and pebble or loky are built on those same start methods.
* One pool per process, owned by the PID that made it. A forked child never touches the
  parent's pool: an ``os.register_at_fork`` hook closes the child's copies of its pipes (so the
  parent's workers still see end of file when the parent goes) and forgets it, and the PID check
  catches forks that bypass the hook. The child starts its own pool on first use.
* One dispatcher thread per pool owns every worker and pipe: it starts workers, sends requests,
  reads replies and enforces deadlines. Callers (any thread, any event loop) hand it a batch and
  wait on a pipe of their own that the dispatcher writes one byte to when the batch is complete;
  they share no lock with it, so a caller interrupted anywhere cannot leave the pool wedged.
* Every request has a pool-unique id, echoed in the reply; a reply is credited only to the
  request with its id, and only while that request's batch is still wanted. An interrupted or
  timed-out batch is abandoned: its queued items are dropped and the workers busy with its items
  are killed (their answers can no longer be wanted) and replaced, so the next call finds the
  pool healthy.
* Deadlines: each item ``timeout_s`` (the worker's own kernel timer kills it, and the dispatcher
  kills it 1 s later if it is still there: "timeout" — math-verify had its full time and did not
  finish); each batch ``batch_timeout_s`` measured by the caller: the call returns then, and an
  item it cut off — never started, or running for less than ``timeout_s`` — is "deferred", not
  "timeout": it got no verdict, and had no full turn either, so it must not count as a timed-out
  answer (which answers are cut off depends only on their place in the queue).
  :func:`lengthwise.scoring.grade_detailed_complete` grades deferred items again.
* Several callers share the pool: ``workers`` caps how many of a batch's items run at once, and
  the pool holds as many workers as the largest cap among the batches in progress or of the last
  30 s (at least the latest batch's); only idle workers are retired, so two threads with
  different ``workers`` never close each other's workers.
* No orphans: see :mod:`._worker` (PR_SET_PDEATHSIG on the dispatcher thread, end of file on the
  request pipe, getppid polling, the per-item kernel timer).
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from .options import GradeOptions
from .protocol import PATH_ENV, FrameReader, encode

__all__ = [
    "Outcome",
    "MathVerifyPool",
    "default_workers",
    "get_pool",
    "math_verify_batch",
    "math_verify_batch_async",
    "shutdown_pool",
]

logger = logging.getLogger(__name__)

Outcome = tuple[Literal["ok", "timeout", "deferred", "error"], object]

STARTUP_S = 120.0  # a worker that is not ready by then is killed (imports on a loaded machine)
KILL_GRACE_S = 1.0  # the dispatcher's backstop after the worker's own timer
MAX_FAILED_STARTS = 3  # consecutive failed starts before a batch's items are failed, not retried
RETIRE_S = 2.0  # a worker told to exit (end of file) is killed if still there after this
KEEP_WARM_S = 30.0  # workers a recent larger batch used stay this long before they are retired
_POLL_IN = select.POLLIN | select.POLLHUP | select.POLLERR
_WORKER = str(Path(__file__).resolve().with_name("_worker.py"))


def default_workers() -> int:
    """The CPUs this process may run on, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def _status(rc: int | None) -> str:
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


class _Call:
    """One batch handed to the pool. The dispatcher fills ``outcomes`` and, when every item has
    one, writes a byte to ``ready_w`` (owned and closed by the dispatcher); the caller waits on
    ``ready_r`` (owned and closed by the caller)."""

    __slots__ = ("pairs", "timeout_s", "limit", "outcomes", "remaining", "next", "in_flight", "abandoned",
                 "taken", "ready_r", "ready_w")

    def __init__(self, pairs: list[tuple[str, str]], timeout_s: float, limit: int) -> None:
        self.pairs = pairs
        self.timeout_s = timeout_s
        self.limit = limit
        self.outcomes: list[Outcome | None] = [None] * len(pairs)
        self.remaining = len(pairs)
        self.next = 0  # the next item to send
        self.in_flight = 0
        self.abandoned = False
        self.taken = False  # the dispatcher has it: it will answer every item or fail it
        self.ready_r, self.ready_w = os.pipe()


class _Worker:
    __slots__ = ("proc", "req_fd", "rep_fd", "reader", "out", "state", "call", "index", "rid", "deadline")

    def __init__(self, proc: subprocess.Popen, req_fd: int, rep_fd: int) -> None:
        self.proc = proc
        self.req_fd = req_fd  # we write requests here (non-blocking)
        self.rep_fd = rep_fd  # we read replies here (non-blocking)
        self.reader = FrameReader()
        self.out = bytearray()  # request bytes not yet written
        self.state = "starting"  # starting | idle | busy | gone
        self.call: _Call | None = None
        self.index = -1
        self.rid = 0
        self.deadline = time.monotonic() + STARTUP_S


class MathVerifyPool:
    """The math-verify workers of one process (see the module docstring)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._inbox: deque[tuple[str, _Call | None]] = deque()  # deque.append is atomic: no lock
        self._post_lock = threading.Lock()  # only orders posting against closing the wake pipe
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._workers: list[_Worker] = []
        self._by_fd: dict[int, _Worker] = {}
        self._calls: list[_Call] = []
        self._dying: list[tuple[subprocess.Popen, float]] = []
        self._poller = select.poll()  # no kernel object of its own: safe to inherit through fork
        self._poller.register(self._wake_r, _POLL_IN)
        self._ids = itertools.count(1)
        self._recent: dict[int, float] = {}  # a batch's limit -> when a batch with it last ran
        self._last_limit = 0  # the limit of the latest batch: kept warm until the pool closes
        self._failed_starts = 0
        self._start_error: str | None = None
        self._closing = False  # a close was asked for
        self._stopped = False  # the dispatcher is stopping (or has stopped) every worker
        self._closed = False  # the wake pipe is closed (or belongs to the parent: forked child)
        self._thread = threading.Thread(target=self._run, name="lengthwise-math-verify", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ caller side

    @property
    def alive(self) -> bool:
        return not (self._closed or self._stopped) and self._thread.is_alive()

    def submit(self, pairs: list[tuple[str, str]], timeout_s: float, limit: int) -> _Call:
        call = _Call(pairs, timeout_s, limit)
        self._post("call", call)
        return call

    def abandon(self, call: _Call) -> None:
        """The caller no longer wants ``call``'s answers (interrupted or past its deadline)."""
        call.abandoned = True
        self._post("abandon", call)

    def close(self, wait_s: float = 5.0) -> None:
        """Stop the dispatcher and the workers (they get end of file, then SIGKILL)."""
        self._post("close", None)
        if threading.current_thread() is not self._thread:
            self._thread.join(wait_s)
        with self._post_lock:
            if not self._closed and not self._thread.is_alive():
                self._closed = True
                os.close(self._wake_r)
                os.close(self._wake_w)

    def snapshot(self) -> list[tuple[int, str]]:
        """(pid, state) of each worker, for tests and debugging."""
        return [(w.proc.pid, w.state) for w in list(self._workers)]

    def _post(self, kind: str, call: _Call | None) -> None:
        self._inbox.append((kind, call))
        with self._post_lock:
            if self._closed:
                return
            try:
                os.write(self._wake_w, b"\0")
            except (BlockingIOError, OSError):
                pass  # the pipe is full: the dispatcher is awake anyway

    def forget_in_child(self) -> None:
        """In a forked child: close this process's copies of the parent pool's pipes without
        signalling, writing to or reaping the parent's workers (they are not our children)."""
        fds = [self._wake_r, self._wake_w]
        for w in self._workers:
            fds += [w.req_fd, w.rep_fd]
        for c in self._calls:
            fds.append(c.ready_w)
        for fd in fds:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._closed = True

    # ------------------------------------------------------------------ dispatcher thread

    def _run(self) -> None:
        try:
            while True:
                self._take_inbox()
                if self._closing:
                    break
                self._drop_abandoned()
                self._keep_size()
                self._dispatch()
                for fd, _ in self._poller.poll(self._wakeup_ms()):
                    if fd == self._wake_r:
                        self._drain_wake()
                    elif fd in self._by_fd:
                        w = self._by_fd[fd]
                        if fd == w.rep_fd:
                            self._read(w)
                        else:
                            self._flush(w)
                self._enforce_deadlines()
                self._reap()
        except BaseException:  # noqa: BLE001 - a bug here must fail the batches, not hang them
            logger.exception("math-verify dispatcher failed")
        finally:
            self._stop()

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _take_inbox(self) -> None:
        while self._inbox:
            kind, call = self._inbox.popleft()
            if kind == "close":
                self._closing = True
            elif kind == "call":
                assert call is not None
                call.taken = True
                if call.abandoned:
                    self._finish(call)
                    continue
                self._calls.append(call)
                self._last_limit = call.limit
                self._failed_starts, self._start_error = 0, None  # a new batch tries again
                if not call.pairs:
                    self._finish(call)
            # "abandon" only wakes us: _drop_abandoned reads the flag

    def _drop_abandoned(self) -> None:
        for call in [c for c in self._calls if c.abandoned]:
            for w in self._workers:
                if w.state == "busy" and w.call is call:
                    self._kill(w)  # its answer can no longer be wanted; free the slot now
            self._finish(call)

    def _size(self) -> int:
        """Workers to keep: the largest limit among running batches and those of the last
        KEEP_WARM_S (so alternating batch sizes do not restart workers), at least the latest's."""
        now = time.monotonic()
        for c in self._calls:
            self._recent[c.limit] = now
        self._recent = {k: t for k, t in self._recent.items() if now - t < KEEP_WARM_S}
        return max([self._last_limit, *self._recent])

    def _keep_size(self) -> None:
        """Retire idle workers beyond the size; start workers (up to it) only for items that no
        idle or starting worker will take, as the pool grows with demand."""
        live = [w for w in self._workers if w.state != "gone"]
        size = self._size()
        surplus = len(live) - size
        for w in live:
            if surplus <= 0:
                break
            if w.state == "idle":
                self._retire(w)
                surplus -= 1
        waiting = sum(len(c.pairs) - c.next for c in self._calls)
        spare = sum(w.state in ("idle", "starting") for w in self._workers)
        count = sum(w.state != "gone" for w in self._workers)
        while self._start_error is None and count < size and waiting > spare:
            self._spawn()
            spare, count = spare + 1, count + 1
        if self._start_error is not None and not any(w.state != "gone" for w in self._workers):
            for call in list(self._calls):  # items no worker will take: fail them, don't wait
                while call.next < len(call.pairs):
                    self._resolve(call, call.next, ("error", self._start_error))
                    call.next += 1

    def _dispatch(self) -> None:
        for w in list(self._workers):
            if w.state != "idle":
                continue
            call = next((c for c in self._calls if c.next < len(c.pairs) and c.in_flight < c.limit), None)
            if call is None:
                return
            # Round robin: the call just served goes to the back.
            self._calls.remove(call)
            self._calls.append(call)
            i, call.next = call.next, call.next + 1
            answer, gold = call.pairs[i]
            w.state, w.call, w.index, w.rid = "busy", call, i, next(self._ids)
            w.deadline = time.monotonic() + call.timeout_s + KILL_GRACE_S
            call.in_flight += 1
            w.out += encode({"id": w.rid, "answer": answer, "gold": gold, "timeout_s": call.timeout_s})
            self._flush(w)

    def _flush(self, w: _Worker) -> None:
        try:
            while w.out:
                n = os.write(w.req_fd, w.out)
                del w.out[:n]
        except BlockingIOError:
            self._poller.register(w.req_fd, select.POLLOUT)
            return
        except OSError:
            self._died(w)
            return
        if w.req_fd in self._by_fd:
            try:
                self._poller.unregister(w.req_fd)
            except KeyError:
                pass

    def _read(self, w: _Worker) -> None:
        try:
            data = os.read(w.rep_fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._died(w)
            return
        try:
            messages = w.reader.feed(data)
        except ValueError:  # not our protocol (cannot happen with our worker): treat it as dead
            w.proc.kill()
            self._died(w)
            return
        for msg in messages:
            self._on_message(w, msg)

    def _on_message(self, w: _Worker, msg: dict) -> None:
        if "ready" in msg:
            if w.state == "starting":
                w.state = "idle"
                self._failed_starts = 0
        elif "fatal" in msg:
            self._start_error = f"math-verify unavailable: {msg['fatal']}"
            self._kill(w)
        elif w.state == "busy" and msg.get("id") == w.rid and w.call is not None:
            outcome: Outcome = ("ok", bool(msg["verdict"])) if "verdict" in msg else ("error", str(msg.get("error")))
            call, i = w.call, w.index
            w.state, w.call, w.index = "idle", None, -1
            call.in_flight -= 1
            self._resolve(call, i, outcome)
        else:  # a reply for no request in progress: never credit it to anything
            logger.debug("discarded math-verify reply %r from worker %d", msg.get("id"), w.proc.pid)

    def _died(self, w: _Worker) -> None:
        """The worker's pipe closed: it exited. Its item timed out if its own timer killed it."""
        if w.state == "gone":
            return
        try:
            rc = w.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            rc = None
        state, call, i = w.state, w.call, w.index
        self._kill(w)
        if state == "busy" and call is not None:
            call.in_flight -= 1
            if rc == -signal.SIGALRM:
                self._resolve(call, i, ("timeout", None))
            else:
                self._resolve(call, i, ("error", f"math-verify worker died ({_status(rc)})"))
        elif state == "starting":
            self._start_failed(f"a math-verify worker exited before it was ready ({_status(rc)}; see stderr)")

    def _start_failed(self, why: str) -> None:
        self._failed_starts += 1
        if self._failed_starts >= MAX_FAILED_STARTS and self._start_error is None:
            self._start_error = f"{why}, {self._failed_starts} times"

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for w in list(self._workers):
            if w.state == "busy" and now >= w.deadline and w.call is not None:
                call, i = w.call, w.index
                self._kill(w)
                call.in_flight -= 1
                self._resolve(call, i, ("timeout", None))
            elif w.state == "starting" and now >= w.deadline:
                self._kill(w)
                self._start_failed(f"a math-verify worker was not ready after {STARTUP_S:g} s")

    def _resolve(self, call: _Call, i: int, outcome: Outcome) -> None:
        if call.abandoned or call.outcomes[i] is not None:
            return
        call.outcomes[i] = outcome
        call.remaining -= 1
        if call.remaining == 0:
            self._finish(call)

    def _finish(self, call: _Call) -> None:
        if call in self._calls:
            self._calls.remove(call)
        if call.ready_w >= 0:
            try:
                os.write(call.ready_w, b"\1")
            except OSError:
                pass  # the caller has gone
            os.close(call.ready_w)
            call.ready_w = -1

    def _spawn(self) -> None:
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        env = dict(os.environ)
        env[PATH_ENV] = json.dumps([p for p in sys.path if isinstance(p, str)])
        flags = ["-P"] if sys.version_info >= (3, 11) else []  # not the worker's directory on sys.path
        argv = [sys.executable, *flags, _WORKER, str(os.getpid()), str(req_r), str(rep_w)]
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    pass_fds=(req_r, rep_w), env=env)
        except (OSError, ValueError) as err:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
            self._start_error = f"cannot start a math-verify worker ({sys.executable!r}): {err}"
            return
        os.close(req_r)
        os.close(rep_w)
        os.set_blocking(req_w, False)
        os.set_blocking(rep_r, False)
        w = _Worker(proc, req_w, rep_r)
        self._workers.append(w)
        self._by_fd[req_w] = w
        self._by_fd[rep_r] = w
        self._poller.register(rep_r, _POLL_IN)

    def _release(self, w: _Worker) -> None:
        w.state, w.call, w.index = "gone", None, -1
        if w in self._workers:
            self._workers.remove(w)
        for fd in (w.req_fd, w.rep_fd):
            if self._by_fd.pop(fd, None) is not None:
                try:
                    self._poller.unregister(fd)
                except KeyError:
                    pass
                os.close(fd)

    def _kill(self, w: _Worker) -> None:
        try:
            w.proc.kill()
        except OSError:
            pass
        self._release(w)
        self._dying.append((w.proc, time.monotonic()))

    def _retire(self, w: _Worker) -> None:
        self._release(w)  # closing the request pipe: the worker reads end of file and exits
        self._dying.append((w.proc, time.monotonic() + RETIRE_S))

    def _reap(self) -> None:
        now = time.monotonic()
        keep = []
        for proc, kill_at in self._dying:
            if proc.poll() is not None:
                continue
            if now >= kill_at:
                proc.kill()
            keep.append((proc, kill_at))
        self._dying = keep

    def _wakeup_ms(self) -> int:
        now = time.monotonic()
        t = now + 1.0
        for w in self._workers:
            if w.state in ("busy", "starting"):
                t = min(t, w.deadline)
        if self._dying:
            t = min(t, now + 0.05)
        return max(0, int((t - now) * 1000) + 1)

    def _stop(self) -> None:
        """End of the dispatcher: fail what is unfinished, stop the workers, reap them."""
        self._stopped = True  # first: get_pool() must not hand this pool out any more
        while self._inbox:
            kind, call = self._inbox.popleft()
            if kind == "call" and call is not None:
                call.taken = True
                self._calls.append(call)
        for call in list(self._calls):
            for i in range(len(call.pairs)):
                self._resolve(call, i, ("error", "the math-verify pool was shut down"))
            self._finish(call)
        for w in list(self._workers):
            if w.state == "busy":
                self._kill(w)
            else:
                self._retire(w)
        deadline = time.monotonic() + RETIRE_S
        while self._dying and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.02)
        for proc, _ in self._dying:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._dying = []


# ------------------------------------------------------------------ the process's pool

_POOL: MathVerifyPool | None = None
_GUARD = threading.Lock()


def get_pool() -> MathVerifyPool:
    """This process's pool, started on first use (and after a fork, or after it stopped)."""
    global _POOL
    with _GUARD:
        pool = _POOL
        if pool is None or pool.pid != os.getpid() or not pool.alive:
            if pool is not None and pool.pid == os.getpid():
                pool.close(wait_s=0.0)
            _POOL = pool = MathVerifyPool()
        return pool


def shutdown_pool() -> None:
    """Stop this process's math-verify workers (they are restarted on demand). A forked child
    only ever stops its own."""
    global _POOL
    with _GUARD:
        pool, _POOL = _POOL, None
    if pool is not None and pool.pid == os.getpid():
        pool.close()


def _after_fork_in_child() -> None:
    global _POOL, _GUARD
    _GUARD = threading.Lock()  # another thread may have held it at the fork
    if _POOL is not None:
        _POOL.forget_in_child()
    _POOL = None


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(shutdown_pool)


# ------------------------------------------------------------------ waiting for a batch


def _checked(timeout_s: float, batch_timeout_s: float, workers: int | None) -> GradeOptions:
    return GradeOptions.build(None, {"timeout_s": timeout_s, "batch_timeout_s": batch_timeout_s, "workers": workers})


def _collect(call: _Call, late: Outcome) -> list[Outcome]:
    return [o if o is not None else late for o in list(call.outcomes)]


def _pool_gone(pool: MathVerifyPool, call: _Call) -> bool:
    """The pool stopped without taking ``call`` (it was handed out just before it stopped):
    nothing will ever answer it, and it may go to a new pool."""
    return not call.taken and not pool.alive and not pool._thread.is_alive()


def math_verify_batch(
    pairs: Sequence[tuple[str, str]],
    *,
    timeout_s: float = 5.0,
    batch_timeout_s: float = 60.0,
    workers: int | None = None,
) -> list[Outcome]:
    """math-verify's verdict on each (answer, gold) pair, each under ``timeout_s``, the whole
    batch under ``batch_timeout_s`` (items cut off by then: ``("deferred", None)``).

    Safe to interrupt (an exception raised while it waits abandons the batch: no answer of it is
    credited later, the pool stays usable) and to call from several threads at once.
    """
    opts = _checked(timeout_s, batch_timeout_s, workers)
    pairs = [(str(a), str(g)) for a, g in pairs]
    if not pairs:
        return []
    deadline = time.monotonic() + opts.batch_timeout_s
    for attempt in range(2):
        pool = get_pool()
        call = pool.submit(pairs, opts.timeout_s, opts.workers or default_workers())
        done = gone = False
        try:
            poller = select.poll()
            poller.register(call.ready_r, _POLL_IN)
            while not done:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                # Wake at least every second to notice a pool that stopped without our batch.
                done = bool(poller.poll(int(min(left, 1.0) * 1000) + 1))
                if not done and _pool_gone(pool, call):
                    gone = True
                    break
        finally:
            if not done:
                pool.abandon(call)
            os.close(call.ready_r)
        if not gone:
            return _collect(call, ("deferred", None))
    return _collect(call, ("error", "the math-verify pool stopped"))


async def math_verify_batch_async(
    pairs: Sequence[tuple[str, str]],
    *,
    timeout_s: float = 5.0,
    batch_timeout_s: float = 60.0,
    workers: int | None = None,
) -> list[Outcome]:
    """:func:`math_verify_batch` for a coroutine: waits on the event loop, never blocks it;
    cancelling the task abandons the batch."""
    opts = _checked(timeout_s, batch_timeout_s, workers)
    pairs = [(str(a), str(g)) for a, g in pairs]
    if not pairs:
        return []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + opts.batch_timeout_s
    for attempt in range(2):
        pool = get_pool()
        call = pool.submit(pairs, opts.timeout_s, opts.workers or default_workers())
        ready = loop.create_future()
        loop.add_reader(call.ready_r, lambda: ready.done() or ready.set_result(None))
        done = gone = False
        try:
            while not done:
                left = deadline - loop.time()
                if left <= 0:
                    break
                finished, _ = await asyncio.wait({ready}, timeout=min(left, 1.0))
                done = bool(finished)
                if not done and _pool_gone(pool, call):
                    gone = True
                    break
        finally:
            loop.remove_reader(call.ready_r)
            if not done:
                pool.abandon(call)
            os.close(call.ready_r)
        if not gone:
            return _collect(call, ("deferred", None))
    return _collect(call, ("error", "the math-verify pool stopped"))
