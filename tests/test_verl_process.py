"""No process of a run outlives the command that started it (lengthwise.verl_adapter.process).

The "driver" here is a small Python program standing in for ``python -m verl.trainer.main_ppo``:
it starts what Ray starts — a child in a session of its own with a child of its own, a
double-forked daemon, a process that ignores SIGTERM — so each way of ending the launcher is
checked against the tree shapes a verl run has. Leftovers are found by a marker in their
environment, which every process of the tree inherits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from lengthwise.verl_adapter.process import STOP_GRACE_S, stop_signals_interrupt

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc")

CORE = str(Path(__file__).resolve().parents[1] / "core")

DRIVER = textwrap.dedent("""
    import os, signal, subprocess, sys, time
    py = sys.executable
    # a child in its own session with a child of its own (Ray's workers under the raylet)
    subprocess.Popen([py, "-c", "import subprocess, sys, time; "
                      "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); time.sleep(600)"],
                     start_new_session=True)
    # a double-forked daemon: its parent exits at once, so it is an orphan from the start
    if os.fork() == 0:
        if os.fork() == 0:
            os.setsid()
            time.sleep(600)
        os._exit(0)
    # a process that ignores SIGTERM (only SIGKILL ends it) and maps a file in /dev/shm, as vLLM's
    # message queues do: never unlinked when the process is killed
    subprocess.Popen([py, "-c", "import mmap, os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                      "f = open('/dev/shm/' + os.environ['LW_SHM_NAME'], 'w+b'); f.truncate(4096); "
                      "m = mmap.mmap(f.fileno(), 4096); time.sleep(600)"])
    print("driver up", flush=True)
    mode = sys.argv[1]
    if mode == "fatal":  # a worker that knows the run cannot go on (vLLM's engine died) while verl waits
        from lengthwise.verl_adapter.process import report_fatal
        time.sleep(1.0)
        report_fatal("vLLM's weight sync failed:   boom\\n(second line)")
        report_fatal("a later report")  # the first one wins
    if mode == "exit3":
        time.sleep(0.5)
        sys.exit(3)
    try:
        time.sleep(600)
    except KeyboardInterrupt:
        print("driver interrupted", flush=True)
        sys.exit(130)
""")

LAUNCHER = textwrap.dedent("""
    import signal, sys
    from pathlib import Path
    from lengthwise.verl_adapter.process import run_verl
    if sys.argv[3] == "ignore-sigint":  # a background job of a non-interactive shell
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = run_verl([sys.executable, sys.argv[1], sys.argv[2]], log_path=Path(sys.argv[4]), grace_s=20)
    except KeyboardInterrupt:
        print("launcher interrupted", flush=True)
        sys.exit(130)
    print(f"verl exited {code}", flush=True)
    sys.exit(code)
""")


@pytest.fixture
def wait_gone(marked_processes):
    """wait_gone(marker, within_s) -> the processes of the tree still there after within_s."""

    def _wait_gone(marker: str, within_s: float) -> list[int]:
        deadline = time.monotonic() + within_s
        while True:
            left = marked_processes(marker)
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)

    return _wait_gone


@pytest.fixture
def run(tmp_path, marked_processes):
    """run(mode, sigint) -> (launcher Popen, marker, log path) with the tree up (6 processes)."""
    started = []

    def _run(mode: str = "sleep", sigint: str = "default"):
        driver, launcher = tmp_path / "driver.py", tmp_path / "launcher.py"
        driver.write_text(DRIVER)
        launcher.write_text(LAUNCHER)
        marker = uuid.uuid4().hex
        env = dict(os.environ, LW_PROCESS_TEST=marker, PYTHONPATH=CORE, LW_SHM_NAME=f"lw-test-{marker}")
        log = tmp_path / "rün dir" / "verl.log"  # a space and a non-ASCII letter, as a results folder may have
        log.parent.mkdir(exist_ok=True)
        proc = subprocess.Popen([sys.executable, str(launcher), str(driver), mode, sigint, str(log)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append((proc, marker))
        deadline = time.monotonic() + 60
        # launcher, supervisor, driver, session child and its child, daemon, SIGTERM-ignorer
        while len(marked_processes(marker)) < 7 and mode != "exit3":
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the tree did not come up"
            time.sleep(0.1)
        return proc, marker, log

    yield _run
    for proc, marker in started:  # never leave a tree behind, whatever failed
        for pid in marked_processes(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        proc.wait(timeout=30)
        Path(f"/dev/shm/lw-test-{marker}").unlink(missing_ok=True)


def test_sigkill_of_the_launcher_stops_the_whole_tree(run, wait_gone):
    proc, marker, log = run()
    # another run's file in /dev/shm, not in use at the stop: not ours, so it stays
    decoy = Path(f"/dev/shm/lw-decoy-{marker}")
    decoy.write_bytes(b"x")
    try:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # SIGTERM to all, SIGKILL to the one that ignores it after STOP_GRACE_S
        assert wait_gone(marker, within_s=STOP_GRACE_S + 7) == []
        assert log.read_text().startswith("driver up")  # the log was written by the kernel, not the launcher
        # the tree's mapped /dev/shm file was unlinked once its last user was gone; the decoy was not
        assert not Path(f"/dev/shm/lw-test-{marker}").exists()
        assert decoy.exists()
        assert f"removed 1 shared-memory file(s) the run left in /dev/shm: lw-test-{marker}" in log.read_text()
    finally:
        decoy.unlink(missing_ok=True)


def test_a_shared_memory_file_still_in_use_is_left(tmp_path):
    from lengthwise.verl_adapter.process import remove_orphaned_shm, shm_files_of

    path = Path(f"/dev/shm/lw-inuse-{uuid.uuid4().hex}")
    holder = subprocess.Popen([sys.executable, "-c", "import mmap, sys, time; f = open(sys.argv[1], 'w+b'); "
                               "f.truncate(4096); m = mmap.mmap(f.fileno(), 4096); print('up', flush=True); "
                               "time.sleep(60)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "up\n"
        assert str(path) in shm_files_of([holder.pid])
        assert remove_orphaned_shm({str(path)}) == [] and path.exists()  # mapped by a live process
        holder.kill()
        holder.wait(timeout=10)
        assert remove_orphaned_shm({str(path)}) == [str(path)] and not path.exists()
    finally:
        holder.kill()
        path.unlink(missing_ok=True)


def test_sigkill_of_the_supervisor_takes_the_driver_with_it(run):
    proc, marker, _ = run()
    from lengthwise.verl_adapter.process import descendants

    supervisor = descendants(proc.pid)[0]
    driver = descendants(supervisor)[0]
    os.kill(supervisor, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{driver}").exists() and time.monotonic() < deadline:
        try:  # a zombie until the launcher's reaper (init) collects it: count it as gone
            if Path(f"/proc/{driver}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
        except OSError:
            break
        time.sleep(0.1)
    else:
        assert not Path(f"/proc/{driver}").exists(), "the driver outlived its supervisor"


def test_exit_code_passes_through_and_leftovers_are_stopped(run, wait_gone):
    proc, marker, _ = run("exit3")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 3, out
    assert "verl exited 3" in out
    assert wait_gone(marker, within_s=2) == []  # the supervisor stopped the tree before it exited


def test_a_reported_fatal_error_stops_the_tree_within_a_second_with_its_cause(run, wait_gone):
    from lengthwise.verl_adapter.launcher import failure_cause

    proc, marker, log = run("fatal")
    t0 = time.monotonic()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out  # verl itself would have waited forever
    assert time.monotonic() - t0 < 1.0 + STOP_GRACE_S + 3
    assert wait_gone(marker, within_s=2) == []
    assert "lengthwise: stopping the run: vLLM's weight sync failed: boom (second line)" in log.read_text()
    assert failure_cause(log) == f"vLLM's weight sync failed: boom (second line) (verl's output: {log})"


def test_report_fatal_outside_a_run_does_nothing(monkeypatch):
    from lengthwise.verl_adapter.process import FATAL_ENV, report_fatal

    monkeypatch.delenv(FATAL_ENV, raising=False)
    assert report_fatal("nobody listens") is False


@pytest.mark.parametrize("sigint", ["default", "ignore-sigint"])
def test_ctrl_c_interrupts_verl_then_stops_the_rest(run, sigint, wait_gone):
    # With SIGINT ignored in the launcher (a background job), the driver must still get it back:
    # SIG_IGN survives exec.
    proc, marker, log = run("sleep", sigint)
    if sigint == "default":
        proc.send_signal(signal.SIGINT)
    else:  # the launcher ignores SIGINT itself; what stops it is a scheduler's SIGTERM
        proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "launcher interrupted" in out
    assert "driver interrupted" in log.read_text()  # verl got its KeyboardInterrupt (Ray shuts down)
    assert wait_gone(marker, within_s=2) == []


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_term_and_hup_raise_keyboard_interrupt_while_verl_runs(sig):
    code = textwrap.dedent(f"""
        import os, signal, sys, time
        from lengthwise.verl_adapter.process import stop_signals_interrupt
        try:
            with stop_signals_interrupt():
                os.kill(os.getpid(), signal.{sig})
                time.sleep(10)
        except KeyboardInterrupt:
            sys.exit(130)
        sys.exit(0)
    """)
    res = subprocess.run([sys.executable, "-c", code], timeout=60, env=dict(os.environ, PYTHONPATH=CORE))
    assert res.returncode == 130


def test_handlers_are_restored_afterwards():
    before = signal.getsignal(signal.SIGTERM)
    with stop_signals_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
