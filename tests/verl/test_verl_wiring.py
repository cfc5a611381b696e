"""``state.wiring_problems`` on verl's composed config: lengthwise's classes, or subclasses of its replay
buffer and checkpoint callback (observers such as ``dler_probe``'s), and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("verl")

from lengthwise.verl_adapter.state import wiring_problems  # noqa: E402

YAML = "schedule: {name: constant, params: {length: 64}}\nreward: {name: length-capped}\n"
PROBE = [
    "trainer.v1.sampler.custom_sampler.path=pkg://dler_probe",
    "trainer.v1.sampler.custom_sampler.name=RecordingReplayBuffer",
    "trainer.checkpoint_callback_class=dler_probe.AdvantageProbe",
]


def test_lengthwise_wiring_has_no_problems(compose, write_config):
    assert wiring_problems(compose(write_config(YAML))) == []


def test_subclasses_of_the_buffer_and_callback_are_wired(compose, write_config, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # dler_probe, as the e2e test's PYTHONPATH has it
    assert wiring_problems(compose(write_config(YAML), *PROBE)) == []


def test_other_classes_are_not(compose, write_config):
    cfg = compose(
        write_config(YAML),
        "trainer.v1.sampler.custom_sampler.path=pkg://verl.trainer.ppo.v1.replay_buffer",  # verl's own buffer
        "trainer.v1.sampler.custom_sampler.name=ReplayBuffer",
        "trainer.checkpoint_callback_class=verl.trainer.ppo.checkpoint_callback.CheckpointCallback",
    )
    problems = wiring_problems(cfg)
    assert [p.split(" is ")[0] for p in problems] == [
        "trainer.v1.sampler.custom_sampler.path",
        "trainer.v1.sampler.custom_sampler.name",
        "trainer.checkpoint_callback_class",
    ]
    assert "expected 'lengthwise.verl_adapter.checkpoint.LengthwiseCheckpointCallback'" in problems[2]


def test_a_class_that_does_not_import_is_not_wired(compose, write_config):
    cfg = compose(write_config(YAML), "trainer.checkpoint_callback_class=no_such_module.Callback")
    assert wiring_problems(cfg) == [
        "trainer.checkpoint_callback_class is 'no_such_module.Callback', expected "
        "'lengthwise.verl_adapter.checkpoint.LengthwiseCheckpointCallback'"
    ]
