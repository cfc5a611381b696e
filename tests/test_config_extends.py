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
    """Each demo config extends shared/training.yaml; a config's own training keys are the ones
    its method needs (DLER's optimiser settings), every other key is the shared block's."""
    import yaml

    from lengthwise.demo.cli import BUILTIN, resolve_config

    shared_path = resolve_config("baseline").parent / "shared" / "training.yaml"
    shared = yaml.safe_load(shared_path.read_text())["training"]
    assert (shared["micro_batch_tokens"], shared["old_log_probs"]) == (12288, "rollout")
    for name in BUILTIN:
        raw = yaml.safe_load(resolve_config(name).read_text())
        assert raw["extends"] == "shared/training.yaml", name
        own = set((raw.get("training") or {}))
        t = load_config(resolve_config(name)).training
        for key, value in shared.items():
            if key not in own:
                assert getattr(t, key) == value, (name, key)
        assert not own & {"rollout_n", "train_batch_size", "total_training_steps", "val_response_length"}, name
