"""The step-time settings reach verl's keys: micro-batch token budget, rollout log-probs, poll interval."""

from __future__ import annotations

import pytest

from lengthwise.config import ConfigError, loads_config
from lengthwise.verl_adapter.overrides import training_overrides

BASE = "schedule: {name: constant, params: {length: 128}}\nreward: length-capped\n"


def test_defaults_keep_verls_one_sequence_per_micro_batch_and_recompute():
    out = training_overrides(loads_config(BASE + "training: {max_prompt_length: 64}"), 128)
    assert out["actor_rollout_ref.actor.ppo_max_token_len_per_gpu"] == 64 + 128
    assert "algorithm.rollout_correction.bypass_mode" not in out


def test_micro_batch_tokens_and_rollout_log_probs():
    cfg = loads_config(BASE + "training: {device: cpu, micro_batch_tokens: 12288, old_log_probs: rollout}")
    out = training_overrides(cfg, 128)
    assert out["actor_rollout_ref.actor.ppo_max_token_len_per_gpu"] == 12288
    # verl's bypass mode: old_log_probs := the rollout's; it must win over the CPU default (False)
    assert out["algorithm.rollout_correction.bypass_mode"] is True
    assert out["actor_rollout_ref.rollout.calculate_log_probs"] is True
    # on CPU the replay buffer polls every 0.05 s, not verl's 2 s
    assert out["+trainer.v1.sampler.sampler_kwargs.poll_interval"] == 0.05


@pytest.mark.parametrize("sampling", ["temperature: 0.6", "top_p: 0.95"])
def test_rollout_log_probs_need_the_sampled_distribution(sampling):
    with pytest.raises(ConfigError, match="old_log_probs: rollout needs temperature 1 and top_p 1"):
        loads_config(BASE + f"training: {{old_log_probs: rollout, {sampling}}}")


def test_the_buffer_takes_the_poll_interval_from_sampler_kwargs():
    pytest.importorskip("verl")
    from lengthwise.verl_adapter.replay_buffer import POLL_INTERVAL_KEY, LengthwiseReplayBuffer

    assert POLL_INTERVAL_KEY == "poll_interval"
    buf = LengthwiseReplayBuffer.__new__(LengthwiseReplayBuffer)
    buf.sampler_kwargs = {"poll_interval": 0}
    with pytest.raises(ValueError, match="poll_interval must be > 0"):
        buf._setup_lengthwise()


def test_a_tight_schedule_does_not_shorten_the_held_out_evaluation():
    # fixed budget 40 with evaluation at 128: verl's response length (the rollout's hard limit, for
    # training and validation alike) is 128; training requests get the schedule's 40 (agent loop)
    cfg = loads_config("schedule: {name: constant, params: {length: 40}}\nreward: length-capped\n"
                       "training: {max_prompt_length: 64, val_response_length: 128}")
    out = training_overrides(cfg, 40)
    assert out["data.max_response_length"] == 128
    assert out["actor_rollout_ref.actor.ppo_max_token_len_per_gpu"] == 64 + 128
    assert training_overrides(loads_config(BASE), 128)["data.max_response_length"] == 128
