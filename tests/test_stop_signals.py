"""A run stopped by a signal stops verl with it (lengthwise.verl_adapter.launcher).

``lengthwise train`` and ``lengthwise demo`` run verl in its own process group; these are the two
pieces that make every way of stopping them reach that group.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_term_and_hup_raise_keyboard_interrupt_while_verl_runs(sig):
    # Before: Python's default for SIGTERM/SIGHUP ended the launcher at once and left verl's
    # process group running.
    code = textwrap.dedent(f"""
        import os, signal, sys, time
        from lengthwise.verl_adapter.launcher import stop_signals_interrupt
        try:
            with stop_signals_interrupt():
                os.kill(os.getpid(), signal.{sig})
                time.sleep(10)
        except KeyboardInterrupt:
            sys.exit(130)
        sys.exit(0)
    """)
    res = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert res.returncode == 130


def test_handlers_are_restored_afterwards():
    from lengthwise.verl_adapter.launcher import stop_signals_interrupt

    before = signal.getsignal(signal.SIGTERM)
    with stop_signals_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_child_gets_sigint_back_when_the_launcher_ignores_it():
    # A background job of a non-interactive shell starts with SIGINT ignored; its children
    # inherit that, so the SIGINT the launcher sends verl would do nothing.
    launcher = textwrap.dedent("""
        import signal, subprocess, sys, time
        from lengthwise.verl_adapter.launcher import child_sigint_default
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        fix = sys.argv[1] == "fix"
        child = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"],
                                 stdout=subprocess.PIPE, preexec_fn=child_sigint_default if fix else None)
        child.stdout.readline()
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=5)
            print("stopped")
        except subprocess.TimeoutExpired:
            child.kill()
            print("ignored")
    """)
    for mode, want in (("fix", "stopped"), ("plain", "ignored")):
        res = subprocess.run([sys.executable, "-c", launcher, mode], capture_output=True, text=True, timeout=60)
        assert res.stdout.strip() == want, (mode, res.stdout, res.stderr)
