"""One run per directory (lengthwise.verl_adapter.run_lock): refused while held, taken over when stale.

The holder is always another process (a lock is per open file description, and the kernel
releases it only when that process ends), started by these tests and killed by them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lengthwise.verl_adapter.run_lock import LOCK_NAME, RunDirBusy, held_lock_fds, lock_run_dir

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock")

CORE = str(Path(__file__).resolve().parents[1] / "core")

HOLDER = textwrap.dedent("""
    import sys, time
    from lengthwise.verl_adapter.run_lock import lock_run_dir
    lock = lock_run_dir(sys.argv[1], command="lengthwise demo --out x")
    if sys.argv[2] == "child":  # the lock passes to a child, as it does to verl's supervisor
        from pathlib import Path
        from lengthwise.verl_adapter.process import VerlProcess
        # a "driver" that ignores SIGTERM: the supervisor needs its 3 s grace to end it
        run = VerlProcess([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                           "time.sleep(600)"], log_path=Path(sys.argv[1]) / "log")
    print("locked", flush=True)
    time.sleep(600)
""")


def _hold(directory: Path, mode: str = "plain") -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(directory), mode], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=CORE), start_new_session=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def test_a_second_run_is_refused_in_one_line_naming_the_first(tmp_path):
    run_dir = tmp_path / "rün dir"
    holder = _hold(run_dir)
    try:
        with pytest.raises(RunDirBusy) as err:
            lock_run_dir(run_dir)
        message = str(err.value)
        assert "\n" not in message
        assert message.startswith(f"{run_dir.resolve()} is in use by another run: pid {holder.pid} (lengthwise demo --out x)")
        assert message.endswith("wait for it to end or choose another directory")
    finally:
        _kill_group(holder)


def test_a_killed_runs_lock_is_taken_over_and_said_so(tmp_path):
    holder = _hold(tmp_path)
    _kill_group(holder)  # kill -9: nothing of the holder's ran afterwards
    assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == holder.pid  # the stale file is still there
    notes = []
    lock = lock_run_dir(tmp_path, command="lengthwise train x.yaml", log=notes.append)
    try:
        assert len(notes) == 1 and notes[0].startswith(f"note: {tmp_path.resolve()}: taking over the lock of a run that ended (pid {holder.pid}")
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
        assert lock.fd in held_lock_fds()
    finally:
        lock.release()
    assert held_lock_fds() == []
    # a run that ended normally leaves no name behind: the next one has nothing to take over
    notes.clear()
    lock_run_dir(tmp_path, log=notes.append).release()
    assert notes == []


def test_the_lock_is_held_while_any_process_of_the_run_lives(tmp_path):
    # The launcher dies first (kill -9 of its process only); verl's supervisor, which inherited the
    # lock, is still stopping the run: a new run must wait until the last process has ended.
    holder = _hold(tmp_path, "child")
    try:
        holder.kill()  # the launcher alone
        holder.wait(timeout=30)
        deadline, refused = time.monotonic() + 30, 0
        while time.monotonic() < deadline:
            try:
                lock_run_dir(tmp_path).release()
                break
            except RunDirBusy:
                refused += 1
                time.sleep(0.05)
        else:
            pytest.fail("the lock was never released")
        # the supervisor saw its lifeline close and stopped the driver (SIGKILL after its 3 s grace):
        # the lock was held meanwhile, and released once the last process was gone
        assert refused > 0
    finally:
        _kill_group(holder)


def test_an_unwritable_lock_file_is_one_line_naming_it(tmp_path):
    (tmp_path / LOCK_NAME).symlink_to("/dev/full")  # every write: ENOSPC, as on a full disk
    with pytest.raises(OSError) as err:
        lock_run_dir(tmp_path)
    assert err.value.filename == str(tmp_path.resolve() / LOCK_NAME)
    assert "No space left on device" in str(err.value)
