"""Running a scorer scenario as its own Python process, under a time limit.

Each scenario of issue 10 runs in a fresh interpreter (a hang, an orphan or a poisoned process
cannot leak into the test session): ``run(code)`` writes ``code`` to a file, runs it with this
checkout's ``lengthwise`` first on the path, and returns the JSON object the script printed last
on stdout, with the wall time and stderr. The scripts import nothing from the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import lengthwise

CORE = str(Path(lengthwise.__file__).resolve().parents[1])

# Answers math-verify decides and the fast path leaves to it; verdicts derived by hand:
# binomials, which the fast path does not read: C(1,1) = 1, C(4,2) = 6, C(5,2) = 10; C(1,1) ≠ 2;
# C(4,2) ≠ 7.
SYMBOLIC = [
    ("\\boxed{\\binom{1}{1}}", "1", True),
    ("\\boxed{\\binom{4}{2}}", "6", True),
    ("\\boxed{\\binom{5}{2}}", "10", True),
    ("\\boxed{\\binom{1}{1}}", "2", False),
    ("\\boxed{\\binom{4}{2}}", "7", False),
]


@dataclass
class Result:
    out: dict
    seconds: float
    stderr: str
    returncode: int


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(p for p in (CORE, e.get("PYTHONPATH", "")) if p)
    return e


def run(code: str, limit_s: float, *, args: tuple[str, ...] = (), stdin_script: bool = False) -> Result:
    """Run ``code`` as a script (or fed on stdin: ``python -``) and parse its last stdout line."""
    code = textwrap.dedent(code)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.py"
        path.write_text(code, encoding="utf-8")
        argv = [sys.executable, "-", *args] if stdin_script else [sys.executable, str(path), *args]
        t0 = time.perf_counter()
        proc = subprocess.run(
            argv, input=code if stdin_script else None, capture_output=True, text=True,
            timeout=limit_s, env=env(), cwd=tmp,
        )
        seconds = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result (rc {proc.returncode}); stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
    return Result(json.loads(lines[-1]), seconds, proc.stderr, proc.returncode)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def wait_gone(pids: list[int], limit_s: float) -> float | None:
    """Seconds until none of ``pids`` is alive, or None if some still are after ``limit_s``."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit_s:
        if not any(alive(p) for p in pids):
            return time.perf_counter() - t0
        time.sleep(0.05)
    return None
