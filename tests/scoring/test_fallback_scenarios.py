"""Issue 10's scenarios for the math-verify fallback, each in its own process under a time limit.

One test per scenario the issue found broken, each stating what it checks and what the old
forkserver pool did; the measured time and result of each is printed in the terminal summary
("fallback scenarios"). Verdicts used (derived by hand; binomials are left to math-verify by the
fast path): C(1,1) = 1 (True), C(4,2) = 6 (True), C(1,1) vs 2 (False); power towers such as 7^{7^{8}} (about 5.7 million digits) run
for minutes in math-verify, so they only end by a deadline, as path "timeout".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from lengthwise.scoring import executor

# Shared by every script: the repro's two answers and a helper waiting for a warm pool.
PRELUDE = r"""
import json, os, sys, time
from lengthwise.scoring import grade_detailed, executor
TOWER = "\\boxed{7^{7^{8}}}"
SYM = "\\boxed{\\binom{1}{1}}"

def warm(n):
    # n distinct items, so that n workers start (the pool grows with demand)
    grade_detailed(["\\boxed{\\binom{%d}{1}}" % (k + 2) for k in range(n)], ["%d" % (k + 2) for k in range(n)],
                   workers=n)
    t0 = time.time()
    while sum(st == "idle" for _, st in executor.get_pool().snapshot()) < n and time.time() - t0 < 120:
        time.sleep(0.05)

def pids():
    return [pid for pid, _ in executor.get_pool().snapshot()]
"""


def _report(scoring_report, title: str, line: str) -> None:
    for t, lines in scoring_report:
        if t == "fallback scenarios":
            lines.append(line)
            return
    scoring_report.append(("fallback scenarios", [line]))


@pytest.mark.parametrize("how", ["sigalrm", "keyboard_interrupt", "task_cancel"])
def test_interrupted_call_never_credits_the_next(how, scenario, scoring_report):
    """The issue's repro: warm a 2-worker pool, interrupt a call grading 7^{7^{8}} after 0.5 s,
    then grade C(1,1) vs 1. The old pool credited the tower's late answer to the next
    call (correct=False); now the next call says True via math-verify, and so does a full batch
    after it (the pool is healthy)."""
    code = PRELUDE + r"""
import asyncio, signal
from lengthwise.scoring import grade_detailed_async
class Alarm(Exception):
    pass
def raise_(exc):
    def handler(*_):
        raise exc
    return handler
how = sys.argv[1]
warm(2)
before = pids()
t0 = time.perf_counter()
interrupted = None
if how == "task_cancel":
    async def main():
        task = asyncio.create_task(grade_detailed_async([TOWER], ["1"], workers=2))
        await asyncio.sleep(0.5)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "CancelledError"
    interrupted = asyncio.run(main())
else:
    exc = Alarm if how == "sigalrm" else KeyboardInterrupt
    signal.signal(signal.SIGALRM, raise_(exc))
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        grade_detailed([TOWER], ["1"], workers=2)
    except exc as e:
        interrupted = type(e).__name__
t_interrupt = time.perf_counter() - t0
t1 = time.perf_counter()
(r,) = grade_detailed([SYM], ["1"], workers=2)
t_next = time.perf_counter() - t1
batch = grade_detailed([SYM, SYM, "\\boxed{\\binom{4}{2}}"], ["1", "2", "6"], workers=2)
print(json.dumps({"interrupted": interrupted, "t_interrupt": t_interrupt, "t_next": t_next,
                  "next": [r.correct, r.path], "batch": [[g.correct, g.path] for g in batch],
                  "replaced": len(set(before) - set(pids()))}))
"""
    res = scenario.run(code, 180, args=(how,))
    out = res.out
    assert out["interrupted"] in ("Alarm", "KeyboardInterrupt", "CancelledError")
    assert out["t_interrupt"] < 5.0
    assert out["next"] == [True, "math_verify"]
    assert out["batch"] == [[True, "math_verify"], [False, "math_verify"], [True, "math_verify"]]
    assert out["replaced"] == 1  # the worker busy with the abandoned tower was killed and replaced
    assert res.returncode == 0
    _report(scoring_report, "", f"interrupt ({how}) at {out['t_interrupt']:.2f} s, then sin^2+cos^2 vs 1: "
            f"{out['next']} in {out['t_next']:.2f} s (whole script {res.seconds:.1f} s)")


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_script_without_main_guard(how, scenario, scoring_report):
    """A plain script (no ``if __name__ == "__main__":``) grading an answer that needs
    math-verify: its body runs once and it ends. The old forkserver pool re-imported
    ``__main__`` in every worker: 81 runs of the body in 20 s, then a hang. Also run as
    ``python -`` (a script on stdin, as notebooks and REPLs have no main file)."""
    code = r"""
import json, time
print("BODY RAN", flush=True)
from lengthwise.scoring import grade_detailed
t0 = time.perf_counter()
(r,) = grade_detailed(["\\boxed{\\binom{1}{1}}"], ["1"])
print(json.dumps({"result": [r.correct, r.path], "seconds": time.perf_counter() - t0}))
"""
    t0 = time.perf_counter()
    res = scenario.run(code, 120, stdin_script=how == "stdin")
    assert res.out["result"] == [True, "math_verify"]
    assert res.returncode == 0
    _report(scoring_report, "", f"no main guard ({how}): {res.out['result']}, grade {res.out['seconds']:.2f} s, "
            f"script {time.perf_counter() - t0:.1f} s")


def test_script_body_runs_once(scenario):
    code = r"""
import json, sys
sys.stdout.write("BODY\n"); sys.stdout.flush()
from lengthwise.scoring import grade
print(json.dumps({"v": grade(["\\boxed{\\binom{4}{2}}"], ["6"], workers=2)}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=scenario.env())
    assert proc.stdout.count("BODY") == 1, proc.stdout
    assert '{"v": [true]}' in proc.stdout


@pytest.mark.parametrize("state", ["busy", "idle"])
def test_no_orphans_when_the_parent_is_killed(state, scenario, scoring_report):
    """SIGKILL the process that owns the pool, with its workers busy on power towers (60 s item
    deadline) or idle: every worker is gone within seconds (the kernel's PR_SET_PDEATHSIG; end
    of file on the request pipe when idle). The old pool left busy workers running (one grew to
    10 GB in 9 minutes)."""
    code = PRELUDE + r"""
import threading
warm(2)
if sys.argv[1] == "busy":
    towers = ["\\boxed{10^{10^{10}}}", "\\boxed{9^{9^{9}}}"]
    threading.Thread(target=grade_detailed, args=(towers, ["1", "1"]),
                     kwargs={"workers": 2, "timeout_s": 60, "batch_timeout_s": 60}, daemon=True).start()
    t0 = time.time()
    while sum(st == "busy" for _, st in executor.get_pool().snapshot()) < 2 and time.time() - t0 < 60:
        time.sleep(0.05)
print(json.dumps({"pids": pids(), "states": [st for _, st in executor.get_pool().snapshot()]}), flush=True)
time.sleep(600)
"""
    import json
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "owner.py"
        path.write_text(code, encoding="utf-8")
        proc = subprocess.Popen([sys.executable, str(path), state], stdout=subprocess.PIPE, text=True, env=scenario.env())
        try:
            line = proc.stdout.readline()
            info = json.loads(line)
            assert info["states"] == [state, state]
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            gone_after = scenario.wait_gone(info["pids"], 30.0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert gone_after is not None, f"workers {info['pids']} outlived their parent by 30 s"
    assert gone_after < 5.0
    _report(scoring_report, "", f"parent SIGKILLed, workers {state}: all gone {gone_after:.2f} s after its death")


def test_dispatcher_failure_fails_the_batch_and_leaves_no_worker(scenario, scoring_report):
    """The pool's manager (its dispatcher thread) dying mid-batch, here from an injected bug:
    the waiting call returns at once with "error" items instead of hanging, the workers are
    stopped (and would be killed by the kernel anyway: their parent thread is gone), and the
    next call starts a new pool that works."""
    code = PRELUDE + r"""
import threading, warnings
warm(2)
pool = executor.get_pool()
old = pids()
def boom():
    if any(st == "busy" for _, st in pool.snapshot()):
        raise RuntimeError("injected dispatcher bug")
pool._enforce_deadlines = boom
t0 = time.perf_counter()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    (r,) = grade_detailed([TOWER], ["1"], workers=2, timeout_s=60, batch_timeout_s=60)
took = time.perf_counter() - t0
t1 = time.time()
from pathlib import Path
def alive(p):
    try:
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
while any(alive(p) for p in old) and time.time() - t1 < 30:
    time.sleep(0.05)
gone = not any(alive(p) for p in old)
(after,) = grade_detailed([SYM], ["1"], workers=2)
print(json.dumps({"r": [r.correct, r.path], "took": took, "gone": gone, "after": [after.correct, after.path],
                  "warning": [str(w.message) for w in caught]}))
"""
    res = scenario.run(code, 180)
    out = res.out
    assert out["r"] == [False, "error"]
    assert out["took"] < 10.0  # not the 60 s deadlines
    assert any("pool was shut down" in w or "pool stopped" in w for w in out["warning"])
    assert out["gone"]
    assert out["after"] == [True, "math_verify"]
    assert "injected dispatcher bug" in res.stderr  # logged, not swallowed
    _report(scoring_report, "", f"dispatcher killed by a bug mid-batch: call returned {out['r']} in "
            f"{out['took']:.2f} s, workers gone: {out['gone']}, next call {out['after']}")


def _worker_by_hand(scenario):
    """A math-verify worker started as the executor starts one, driven by the test over its pipes:
    returns (process, request write end, reply read end)."""
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, executor._WORKER, str(os.getpid()), str(req_r), str(rep_w)],
        pass_fds=(req_r, rep_w), env=scenario.env(), stdout=subprocess.DEVNULL,
    )
    os.close(req_r)
    os.close(rep_w)
    return proc, req_w, rep_r


def test_worker_kills_itself_at_its_deadline(scenario, scoring_report):
    """With no parent left to kill it, a worker on a power tower ends at the item's deadline by
    its own kernel timer (SIGALRM, default action: no Python code needs to run). Driven here by
    hand over the worker protocol, never answering or killing it."""
    from lengthwise.scoring.protocol import read_frame, write_frame

    proc, req_w, rep_r = _worker_by_hand(scenario)
    try:
        assert "ready" in read_frame(rep_r)
        write_frame(req_w, {"id": 7, "answer": "1", "gold": "1", "timeout_s": 30})
        assert read_frame(rep_r) == {"id": 7, "verdict": True}
        t0 = time.perf_counter()
        write_frame(req_w, {"id": 8, "answer": "10^{10^{10}}", "gold": "1", "timeout_s": 1.0})
        rc = proc.wait(timeout=30)
        took = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(req_w)
        os.close(rep_r)
    assert rc == -signal.SIGALRM
    assert 0.9 < took < 5.0
    _report(scoring_report, "", f"worker alone on 10^(10^10) with a 1 s deadline: exited by SIGALRM after {took:.2f} s")


def test_idle_worker_exits_when_its_request_pipe_closes(scenario):
    from lengthwise.scoring.protocol import read_frame

    proc, req_w, rep_r = _worker_by_hand(scenario)
    try:
        assert "ready" in read_frame(rep_r)
        os.close(req_w)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(rep_r)


def test_fork_after_a_warm_pool(scenario, scoring_report):
    """Grading in a forked child after the parent's pool is warm (Ray / DataLoader workers):
    the child starts its own pool and grades correctly; its exit (through sys.exit, so its
    atexit handlers run) leaves the parent's workers alone. The old pool failed in the child
    (AssertionError: can only test a child process) and the child's exit shut the parent's
    workers down."""
    code = PRELUDE + r"""
warm(2)
parent_pids = pids()
r, w = os.pipe()
child = os.fork()
if child == 0:
    os.close(r)
    try:
        t0 = time.perf_counter()
        (res,) = grade_detailed([SYM], ["1"], workers=2)
        msg = {"child": [res.correct, res.path], "child_pids": pids(), "t": time.perf_counter() - t0}
    except BaseException as e:
        msg = {"child": repr(e)}
    os.write(w, json.dumps(msg).encode())
    os.close(w)
    sys.exit(0)
os.close(w)
data = b""
while chunk := os.read(r, 65536):
    data += chunk
os.waitpid(child, 0)
msg = json.loads(data)
(after,) = grade_detailed([SYM], ["2"], workers=2)
msg.update({"parent_pids": parent_pids, "parent_after": pids(), "after": [after.correct, after.path]})
print(json.dumps(msg))
"""
    res = scenario.run(code, 180)
    out = res.out
    assert out["child"] == [True, "math_verify"]
    assert not set(out["child_pids"]) & set(out["parent_pids"])
    assert out["parent_after"] == out["parent_pids"]  # the same workers, still serving
    assert out["after"] == [False, "math_verify"]
    _report(scoring_report, "", f"fork after warm pool: child {out['child']} in {out['t']:.2f} s, "
            f"parent's workers untouched, parent after: {out['after']}")


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_inside_a_daemonic_multiprocessing_worker(method, scenario, scoring_report):
    """Grading inside ``multiprocessing.Pool`` workers (daemonic processes), with the parent's
    own pool warm. The old pool: "daemonic processes are not allowed to have children". (The
    ``__main__`` guard here is multiprocessing's own requirement for spawn/forkserver.)"""
    code = PRELUDE + r"""
import multiprocessing as mp

def grade_one(pair):
    from lengthwise.scoring import grade_detailed
    (r,) = grade_detailed([pair[0]], [pair[1]], workers=1)
    return [r.correct, r.path]

if __name__ == "__main__":
    warm(1)
    t0 = time.perf_counter()
    with mp.get_context(sys.argv[1]).Pool(2) as p:
        got = p.map(grade_one, [(SYM, "1"), (SYM, "2"), ("\\boxed{\\binom{4}{2}}", "6"), ("\\boxed{5}", "5")])
    print(json.dumps({"got": got, "t": time.perf_counter() - t0}))
"""
    res = scenario.run(code, 240, args=(method,))
    assert res.out["got"] == [[True, "math_verify"], [False, "math_verify"], [True, "math_verify"], [True, "rust"]]
    _report(scoring_report, "", f"inside multiprocessing.Pool ({method}) workers: 4 items right in {res.out['t']:.1f} s")


def test_two_threads_with_different_workers(scenario, scoring_report):
    """Two threads grading at once with workers=1 and workers=3, four batches each. The old pool
    closed the other thread's workers mid-batch (item errors, BrokenPipe tracebacks); now they
    share one pool sized for the larger batch and every verdict is right."""
    code = PRELUDE + r"""
import threading, warnings
items = [(SYM, "1", True), ("\\boxed{\\binom{4}{2}}", "6", True), (SYM, "2", False),
         ("\\boxed{\\binom{4}{2}}", "7", False), ("\\boxed{\\binom{5}{2}}", "10", True)]
wrong, errors = [], []
def work(n, rounds):
    for k in range(rounds):
        rs = grade_detailed([a for a, _, _ in items], [g for _, g, _ in items], workers=n)
        for r, (a, g, want) in zip(rs, items):
            if r.path != "math_verify":
                errors.append([n, k, r.path])
            elif r.correct != want:
                wrong.append([n, k, a, g])
warnings.simplefilter("error")
t0 = time.perf_counter()
ts = [threading.Thread(target=work, args=(1, 4)), threading.Thread(target=work, args=(3, 4))]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps({"wrong": wrong, "errors": errors, "t": time.perf_counter() - t0,
                  "size": len(executor.get_pool().snapshot())}))
"""
    res = scenario.run(code, 300)
    assert res.out["wrong"] == [] and res.out["errors"] == []
    assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr
    _report(scoring_report, "", f"two threads (workers=1 and 3), 40 items: all right in {res.out['t']:.1f} s, "
            f"pool size {res.out['size']}")


def test_asyncio_tasks_share_the_pool(scenario, scoring_report):
    """Several ``grade_async`` calls on one event loop, plus a blocking ``grade`` from inside a
    running loop (a notebook cell): all verdicts right."""
    code = PRELUDE + r"""
import asyncio
from lengthwise.scoring import grade_async, grade
async def main():
    t0 = time.perf_counter()
    got = await asyncio.gather(grade_async([SYM], ["1"]), grade_async([SYM], ["2"]),
                               grade_async(["\\boxed{\\binom{4}{2}}", "\\boxed{3}"], ["6", "4"]))
    inside = grade(["\\boxed{\\binom{5}{2}}"], ["10"])
    return {"got": got, "inside": inside, "t": time.perf_counter() - t0}
print(json.dumps(asyncio.run(main())))
"""
    res = scenario.run(code, 180)
    assert res.out["got"] == [[True], [False], [True, False]]
    assert res.out["inside"] == [True]
    _report(scoring_report, "", f"asyncio: 3 concurrent grade_async + grade inside a running loop: right in {res.out['t']:.1f} s")


def test_bad_timeouts_are_refused_up_front_and_poison_nothing(scenario, scoring_report):
    """timeout_s / batch_timeout_s of inf, nan, 1e9, 2.2e6, 0, -1, a bool or a string: one clear
    ValueError each, before any work; the next call in the same process grades normally. The
    old pool raised OverflowError for ≥ ~2.1e6 and then failed every later call the same way."""
    code = PRELUDE + r"""
bad = [float("inf"), float("-inf"), float("nan"), 1e9, 2.2e6, 3600.5, 0, -1, True, "5", None]
msgs = []
for name in ("timeout_s", "batch_timeout_s"):
    for v in bad:
        try:
            grade_detailed([SYM], ["1"], **{name: v})
            msgs.append(None)
        except ValueError as e:
            msgs.append(str(e))
(r,) = grade_detailed([SYM], ["1"], workers=2)
print(json.dumps({"msgs": msgs, "after": [r.correct, r.path]}))
"""
    res = scenario.run(code, 120)
    msgs = res.out["msgs"]
    assert all(m is not None for m in msgs)
    assert all("must be a finite number of seconds in (0, 3600]" in m for m in msgs)
    assert msgs[3] == "timeout_s must be a finite number of seconds in (0, 3600], got 1000000000.0"
    assert res.out["after"] == [True, "math_verify"]
    _report(scoring_report, "", f"bad timeouts: 22 ValueErrors, e.g. {msgs[0]!r}; next call {res.out['after']}")


def test_eval_cli_bad_timeout_is_one_line_exit_2(scenario, tmp_path):
    gen = tmp_path / "gen.jsonl"
    gen.write_text('{"model":"m","benchmark":"b","problem_id":"1","response":"\\\\boxed{5}","ground_truth":"5"}\n')
    for flag, value in [("--timeout", "1e9"), ("--timeout", "inf"), ("--batch-timeout", "0")]:
        proc = subprocess.run([sys.executable, "-m", "lengthwise.cli", "eval", str(gen), flag, value],
                              capture_output=True, text=True, timeout=120, env=scenario.env())
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {flag}: "), proc.stderr
        assert "must be a finite number of seconds in (0, 3600]" in lines[0]


def test_config_refuses_bad_scoring_timeouts():
    from lengthwise.config import ConfigError, parse_config

    base = {"schedule": "siri-cosine", "reward": "length-capped"}
    with pytest.raises(ConfigError, match=r"scoring.timeout_s: .*timeout_s must be a finite number of seconds"):
        parse_config({**base, "scoring": {"timeout_s": 1e9}})
    with pytest.raises(ConfigError, match=r"batch_timeout_s must be a finite number"):
        parse_config({**base, "scoring": {"batch_timeout_s": float("inf")}})
    cfg = parse_config({**base, "scoring": {"timeout_s": 2, "batch_timeout_s": 30}})
    assert (cfg.scoring.timeout_s, cfg.scoring.batch_timeout_s) == (2.0, 30.0)


def test_batch_deadline_bounds_16_power_towers(scenario, scoring_report):
    """16 power towers (2^{10^{10}} ... 17^{10^{25}}: at least 3·10^9 digits each, so math-verify
    never finishes one), 2 workers, 5 s per item: without a batch deadline the call takes
    5 s × 16 / 2 = 40 s at least (the old pool: 52 s). With batch_timeout_s=8 it returns after
    about 8 s. The first two towers had their full 5 s: "timeout". The next two were running for
    less than 5 s at the deadline and the other twelve never started: "deferred" (no verdict,
    and no full turn either; before, all 16 counted as "timeout"). The next call is right."""
    code = PRELUDE + r"""
warm(2)
towers = ["\\boxed{%d^{10^{%d}}}" % (k + 2, 10 + k) for k in range(16)]
t0 = time.perf_counter()
rs = grade_detailed(towers, ["1"] * 16, workers=2, timeout_s=5, batch_timeout_s=8)
took = time.perf_counter() - t0
t1 = time.perf_counter()
(r,) = grade_detailed([SYM], ["1"], workers=2)
print(json.dumps({"paths": [x.path for x in rs], "correct": [x.correct for x in rs], "took": took,
                  "next": [r.correct, r.path], "t_next": time.perf_counter() - t1}))
"""
    res = scenario.run(code, 180)
    out = res.out
    assert out["paths"] == ["timeout"] * 2 + ["deferred"] * 14 and not any(out["correct"])
    assert 7.5 < out["took"] < 14.0
    assert out["next"] == [True, "math_verify"]
    _report(scoring_report, "", f"16 power towers, batch_timeout_s=8: returned in {out['took']:.1f} s, 2 x timeout, "
            f"14 x deferred; next call {out['next']} in {out['t_next']:.1f} s")


def test_complete_grading_gives_every_tower_its_full_turn(scenario, scoring_report):
    """grade_detailed_complete (what `lengthwise eval` grades with) on 12 towers followed by 2
    binomials that math-verify decides (C(1,1) = 1: True; C(4,2) vs 7: False), 2 workers, 1 s per
    item, batch_timeout_s=1 (raised to 11 s a round): the first round cuts some towers and the
    binomials off ("deferred"), later rounds grade them, so every tower ends "timeout" and both
    binomials get math-verify's verdict — the same as with the binomials first."""
    code = PRELUDE + r"""
from lengthwise.scoring import grade_detailed_complete
warm(2)
towers = ["\\boxed{%d^{10^{%d}}}" % (k + 2, 10 + k) for k in range(12)]
binoms, golds = [SYM, "\\boxed{\\binom{4}{2}}"], ["1", "7"]
out = {}
for name, resp, gold in (("towers first", towers + binoms, ["1"] * 12 + golds),
                         ("binomials first", binoms + towers, golds + ["1"] * 12)):
    t0 = time.perf_counter()
    rs = grade_detailed_complete(resp, gold, workers=2, timeout_s=1, batch_timeout_s=1)
    out[name] = {"took": time.perf_counter() - t0, "by": {r_: [x.path, x.correct] for r_, x in zip(resp, rs)}}
print(json.dumps(out))
"""
    res = scenario.run(code, 300)
    out = res.out
    for name in ("towers first", "binomials first"):
        by = out[name]["by"]
        assert by["\\boxed{\\binom{1}{1}}"] == ["math_verify", True], name
        assert by["\\boxed{\\binom{4}{2}}"] == ["math_verify", False], name
        assert sum(v == ["timeout", False] for v in by.values()) == 12, name
    _report(scoring_report, "", "12 towers + 2 binomials, complete grading, either order: 12 x timeout, both binomials "
            f"decided ({out['towers first']['took']:.1f} s / {out['binomials first']['took']:.1f} s)")
