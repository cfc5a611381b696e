"""``extends:``: a config file laid over the one it names, mappings merged key by key."""

from __future__ import annotations

import pytest

from lengthwise.config import ConfigError, load_config


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_config_extends_a_shared_training_block(tmp_path):
    _write(tmp_path / "shared" / "run.yaml", "training: {rollout_n: 4, learning_rate: 0.001, total_training_steps: 9}\n")
    cfg = _write(tmp_path / "a.yaml", "extends: shared/run.yaml\nschedule: constant\nreward: length-capped\n"
                                      "training: {rollout_n: 16}\n")
    c = load_config(cfg)
    # the file's own key wins, the base's other keys stay, the model's defaults fill the rest
    assert (c.training.rollout_n, c.training.learning_rate, c.training.total_training_steps) == (16, 0.001, 9)
    assert c.training.train_batch_size == 128


def test_chains_cycles_and_missing_files_are_one_line_errors(tmp_path):
    _write(tmp_path / "b.yaml", "extends: c.yaml\ntraining: {rollout_n: 2}\n")
    _write(tmp_path / "c.yaml", "schedule: constant\nreward: length-capped\n")
    assert load_config(tmp_path / "b.yaml").training.rollout_n == 2  # b over c
    _write(tmp_path / "x.yaml", "extends: y.yaml\n")
    _write(tmp_path / "y.yaml", "extends: x.yaml\n")
    with pytest.raises(ConfigError, match="extends itself"):
        load_config(tmp_path / "x.yaml")
    _write(tmp_path / "m.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ConfigError, match="nowhere.yaml does not exist"):
        load_config(tmp_path / "m.yaml")
    _write(tmp_path / "n.yaml", "extends: 3\n")
    with pytest.raises(ConfigError, match="must name a config file"):
        load_config(tmp_path / "n.yaml")


def test_every_demo_config_shares_one_training_block():
    from lengthwise.demo.cli import BUILTIN, resolve_config

    trainings = {name: load_config(resolve_config(name)).training for name in BUILTIN}
    first = next(iter(trainings.values()))
    assert all(t == first for t in trainings.values())
    assert (first.micro_batch_tokens, first.old_log_probs) == (12288, "rollout")
    for name in BUILTIN:
        assert "\ntraining:" not in resolve_config(name).read_text()
