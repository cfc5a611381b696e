"""What `lengthwise train` prints of verl's output: one line per step (lengthwise.verl_adapter.console).

The log lines below are copied from a real CPU run's ``verl.log`` (verl 0.9.1, Ray 2.60): Ray's
colour-coded ``(Actor pid=N)`` prefixes, TransferQueue's ``target_num_threads`` warnings (9 in
3 steps there, 279 in the 6-step run of issue 23), tqdm redrawing with ``\\r``, verl's
console-logger line and lengthwise's own line from the driver.
"""

from __future__ import annotations

from lengthwise.verl_adapter.console import ConsoleView, parse_metrics_line, step_line

ESC = "\x1b"
STEP = (f"{ESC}[36m(TaskRunnerV1 pid=26512){ESC}[0m step:3 - lengthwise/cap:24.0 - lengthwise/mean_length:20.25 - "
        "lengthwise/accuracy:0.5 - lengthwise/reward_mean:0.1 - actor/pg_loss:-0.0123 - timing_s/step:3.41 - "
        "val-core/lengthwise/arith/acc/mean@1:0.75 - val-aux/lengthwise/arith/lw_length/mean@1:31.5 - "
        "training/epoch:0")
NOISE = [
    "INFO:2026-12-03 15:47:51,255:Platform override from VERL_PLATFORM: cpu",
    "/x/verl/workers/engine/__init__.py:32: UserWarning: torchtitan engine is not available",
    f"{ESC}[36m(SimpleStorageUnit pid=26720){ESC}[0m 2026-12-03 15:49:54,949 - WARNING - transfer_queue.utils.common - "
    "target_num_threads 8 should not exceed total physical CPU cores 2. Setting to 2.",
    f"{ESC}[36m(AgentLoopWorkerTQ pid=27307){ESC}[0m WARNING:2026-12-03 15:49:54,939:target_num_threads 8 should not "
    "exceed total physical CPU cores 2. Setting to 2.",
]
RESTORED = (f"{ESC}[36m(TaskRunnerV1 pid=26512){ESC}[0m lengthwise: restored the state of step 2 from /r/global_step_2: "
            "next cap 24; difficulty.moving_average 0.5")


def test_verl_console_line_is_parsed_with_rays_prefix():
    step, values = parse_metrics_line(STEP)
    assert step == 3
    assert values["lengthwise/cap"] == 24.0 and values["timing_s/step"] == 3.41 and values["training/epoch"] == 0
    assert parse_metrics_line(NOISE[2]) is None


def test_one_line_per_step_and_lengthwise_lines_the_rest_stays_in_the_log(tmp_path):
    log = tmp_path / "verl.log"
    shown: list[str] = []
    view = ConsoleView(log, shown.append, total_steps=6)
    steps = 6
    with log.open("w") as f:
        for _ in range(40):
            f.write(NOISE[0] + "\n" + NOISE[1] + "\n")
        f.write(RESTORED + "\n")
        f.write(f"{ESC}[36m(TaskRunnerV1 pid=1){ESC}[0m Training Progress:   0%|   | 0/6\r")
        for _ in range(steps):
            for _ in range(46):  # 279 warnings / 6 steps
                f.write(NOISE[2] + "\n" + NOISE[3] + "\n")
            f.write(STEP + "\n")
    with log.open("a") as f:
        f.write("step:4 - lengthwise/cap:36.0")  # a line still being written: not shown yet
    view.tick()
    assert shown[0] == "lengthwise: restored the state of step 2 from /r/global_step_2: next cap 24; difficulty.moving_average 0.5"
    # cap 24, mean length 20.25, accuracy 0.5, reward 0.1, held-out 0.75 / 31.5 tokens, 3.41 s
    assert shown[1] == "step 3/6  cap 24  length 20.2  acc 0.500  reward 0.100  held-out acc 0.750, length 31.5  3.4 s"
    assert len(shown) == 1 + steps and view.lines_shown <= 5 * steps
    with log.open("a") as f:
        f.write(" - lengthwise/mean_length:30.0\n")
    view.tick()
    assert shown[-1] == "step 4/6  cap 36  length 30.0"


def test_verbose_shows_everything_and_a_resumed_run_starts_at_its_own_part(tmp_path):
    log = tmp_path / "verl.log"
    log.write_text(STEP + "\n")  # the previous run's part
    shown: list[str] = []
    view = ConsoleView(log, shown.append, verbose=True, offset=log.stat().st_size)
    with log.open("a") as f:
        f.write(NOISE[0] + "\nbar 1%\rbar 100%\n")
    view.tick()
    assert shown == [NOISE[0], "bar 100%"]


def test_step_line_without_lengthwise_metrics():
    assert step_line(0, {"val-core/x/acc/mean@1": 0.5}) == "step 0  held-out acc 0.500"
