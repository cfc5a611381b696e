"""A math-verify worker: ``python .../lengthwise/scoring/_worker.py PARENT_PID REQUEST_FD REPLY_FD``.

Started by :mod:`.executor` as a fresh interpreter (never a fork of the caller, never a re-import
of the caller's ``__main__``). It is run by path, not with ``-m lengthwise.scoring._worker``:
``-m`` would import the whole ``lengthwise`` package first (numpy, pydantic, the config models),
which on a loaded 2-core machine made each worker start seconds later; run by path it loads only
its two siblings :mod:`.protocol` and :mod:`.reference`, then math-verify. It reads requests from REQUEST_FD and writes replies to REPLY_FD
(frames of :mod:`.protocol`); its stdin is /dev/null and its stdout the parent's stderr, so a
stray print can never corrupt a reply.

It never outlives its parent by more than the deadline of the item it is working on:

* the kernel sends it SIGKILL when the thread that started it exits (``PR_SET_PDEATHSIG`` on
  Linux; the executor starts workers from its dispatcher thread, which lives as long as the pool);
* waiting for a request, it exits at end of file on REQUEST_FD (the parent's end closed) and
  when ``getppid()`` changes (checked every 0.5 s);
* working on an item, ``ITIMER_REAL`` is armed with the item's ``timeout_s`` and SIGALRM keeps
  its default action, so the kernel terminates the process at the deadline even while sympy
  holds the GIL in C code. The parent reads exit status -SIGALRM as path "timeout".

SIGINT is ignored: Ctrl-C in a terminal reaches the whole process group, and the parent decides
what an interrupted call means for its workers.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1

if __package__:  # imported as lengthwise.scoring._worker (tests, tools)
    from . import protocol, reference
else:  # run by path: the siblings by file, without importing the lengthwise package
    import importlib.util

    def _sibling(name: str):
        here = os.path.dirname(os.path.abspath(__file__))
        if sys.path and os.path.abspath(sys.path[0] or ".") == here:
            del sys.path[0]  # Python 3.10 has no -P: our directory must not shadow anything
        spec = importlib.util.spec_from_file_location(f"_lengthwise_worker_{name}", os.path.join(here, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    protocol, reference = _sibling("protocol"), _sibling("reference")


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    parent, requests, replies = (int(a) for a in argv[1:4])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    _die_with_parent(parent)
    for entry in json.loads(os.environ.get(protocol.PATH_ENV, "[]")):
        if entry not in sys.path:
            sys.path.append(entry)
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    try:
        math_verify_verdict = reference.math_verify_verdict
        math_verify_verdict("1", "1")  # import everything math-verify loads lazily, before "ready"
    except BaseException as e:  # math-verify missing or broken
        protocol.write_frame(replies, {"fatal": f"{e.__class__.__name__}: {str(e)[:300]}"})
        return 1
    protocol.write_frame(replies, {"ready": os.getpid()})
    while True:
        request = protocol.read_frame(requests)
        if request is None:  # the parent closed its end (shut down or died)
            return 0
        signal.setitimer(signal.ITIMER_REAL, float(request["timeout_s"]))
        try:
            reply = {"id": request["id"], "verdict": math_verify_verdict(request["answer"], request["gold"])}
        except Exception as e:  # noqa: BLE001 - math-verify crashed on this item: report it, keep serving
            reply = {"id": request["id"], "error": f"{e.__class__.__name__}: {str(e)[:200]}"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        protocol.write_frame(replies, reply)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:  # the parent closed its end while we wrote: it no longer wants us
        os._exit(0)
