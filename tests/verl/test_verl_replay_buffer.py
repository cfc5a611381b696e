"""LengthwiseReplayBuffer: built the way verl builds a custom sampler, sampling real TransferQueue data.

The TransferQueue tests start a local Ray instance and TransferQueue's controller and storage on
CPU (about half a minute on a laptop; marked ``slow``), store trajectories the way verl's
``AgentLoopWorkerTQ`` does, and let the buffer sample a step. The step is the Laser-DE batch of
``test_verl_rewards.py`` (gold 7, cap 4096); its hand-derived rewards are repeated below.
"""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("verl")

# (uid, [(length, correct, scorer path), ...])
BATCH = [
    ("a", [(500, 1, "rust"), (1500, 1, "rust"), (2500, 1, "rust"), (3500, 0, "rust")]),
    ("b", [(900, 1, "rust"), (2100, 1, "rust"), (1200, 0, "rust"), (3900, 0, "rust")]),
    ("c", [(3000, 1, "rust"), (800, 0, "rust"), (4096, 0, "no_answer"), (2600, 0, "rust")]),
]
# Derivation in test_verl_rewards.py::test_laser_de_rewards_by_hand: targets high 2048, medium and
# low 4096; correct 1.0 + 0.5*[len <= target]; wrong -0.5 + 0.5 when it explores (only a's 3500);
# c's cut-off response has no answer: -1.0 (Laser's format penalty).
EXPECTED = {
    "a": [1.5, 1.5, 1.0, 0.0],
    "b": [1.5, 1.5, -0.5, -0.5],
    "c": [1.5, -0.5, -1.0, -0.5],
}


def build_buffer(cfg, refill_fn):
    """What PPOTrainer._build_replay_buffer does for a custom sampler (verl 0.9.1)."""
    from verl.utils.import_utils import load_extern_type

    sampler = cfg.trainer.v1.sampler
    cls = load_extern_type(sampler.custom_sampler.path, sampler.custom_sampler.name)
    mode = cfg.trainer.v1.trainer_mode
    return cls(
        trainer_mode=mode,
        trainer_config=cfg.trainer.v1.get(mode, {}),
        max_off_policy_threshold=sampler.max_off_policy_threshold,
        max_off_policy_strategy=sampler.max_off_policy_strategy,
        sampler_kwargs=sampler.sampler_kwargs,
        refill_fn=refill_fn,
    )


def _refuse(n):
    raise AssertionError(f"refill_fn({n}) called: the step had enough groups")


def test_buffer_takes_verl_dapo_settings_from_the_run(compose, write_config, laser_de_yaml):
    from lengthwise.verl_adapter.agent_loop import LengthwiseAgentLoopManager
    from lengthwise.verl_adapter.replay_buffer import LengthwiseReplayBuffer

    cfg = compose(
        write_config(laser_de_yaml), "data.train_batch_size=3", "data.gen_batch_size=3",
        "algorithm.filter_groups.enable=true", "algorithm.filter_groups.metric=acc",
        "algorithm.filter_groups.max_inflight_gen_batches=2",
    )
    buffer = build_buffer(cfg, _refuse)
    assert isinstance(buffer, LengthwiseReplayBuffer) and buffer.filter_groups_metric is None
    with pytest.raises(RuntimeError, match="not set up in this process"):
        buffer._setup_lengthwise()
    LengthwiseAgentLoopManager(config=cfg, llm_client=None)  # the driver creates it before sampling
    buffer._setup_lengthwise()
    # verl's own buffer would get these from _build_replay_buffer: DAPO needs exact refills
    assert (buffer.filter_groups_metric, buffer.train_batch_size, buffer.gen_batch_size, buffer.max_inflight_gen_batches) == (
        "acc", 3, 1, 2
    )


@pytest.fixture(scope="module")
def transfer_queue():
    ray = pytest.importorskip("ray")
    tq = pytest.importorskip("transfer_queue")
    from omegaconf import OmegaConf

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    tq.init(OmegaConf.create({"backend": {"SimpleStorage": {"num_data_storage_units": 1}}}))
    yield tq
    tq.close()
    if started:
        ray.shutdown()


def put_groups(tq, partition, groups, global_steps=1):
    """Store prompt status tags and finished trajectories as verl's agent-loop workers do."""
    from verl.utils.tensordict_utils import list_of_dict_to_tensordict

    from lengthwise.scoring import GradeResult
    from lengthwise.verl_adapter.shaping import record_from_grade

    tq.kv_batch_put(keys=[u for u, _ in groups], partition_id=partition,
                    tags=[{"is_prompt": True, "status": "finished", "global_steps": global_steps} for _ in groups])
    keys, fields, tags = [], [], []
    for uid, rows in groups:
        for session, (length, correct, path) in enumerate(rows):
            record = record_from_grade(GradeResult(bool(correct), None, path, False), length, 4096)
            rm_scores = torch.zeros(length)
            rm_scores[-1] = record["acc"]  # AgentLoopOutput.as_dict: the streamed score on the last token
            keys.append(f"{uid}_{session}_0")
            fields.append({
                "prompts": torch.arange(5), "responses": torch.arange(length) + 100,  # distinct ids: no repetition
                "response_mask": torch.ones(length, dtype=torch.int64), "rm_scores": rm_scores,
                "extra_fields": {"reward_extra_info": record, "turn_scores": []}, "num_turns": 2,
                "uid": uid, "session_id": session, "global_steps": global_steps, "lw_max_tokens": 4096,
            })
            tags.append({"status": "success", "global_steps": global_steps, "min_global_steps": 0, "max_global_steps": 0})
    tq.kv_batch_put(keys=keys, partition_id=partition, fields=list_of_dict_to_tensordict(fields), tags=tags)


def stored(tq, meta):
    data = tq.kv_batch_get(keys=meta.keys, partition_id=meta.partition_id, select_fields=["rm_scores", "extra_fields"])
    return list(data["rm_scores"].unbind()), [getattr(e, "data", e) for e in data["extra_fields"]]


@pytest.mark.slow
def test_sample_shapes_the_step_and_leaves_validation(transfer_queue, compose, write_config, laser_de_yaml):
    from lengthwise.verl_adapter.agent_loop import LengthwiseAgentLoopManager

    tq = transfer_queue
    cfg = compose(
        write_config(laser_de_yaml), "data.max_response_length=4096", "data.train_batch_size=3",
        "algorithm.filter_groups.enable=true", "algorithm.filter_groups.metric=acc",
    )
    LengthwiseAgentLoopManager(config=cfg, llm_client=None)
    buffer = build_buffer(cfg, _refuse)

    # group z solved by every sample: verl's DAPO filter (metric acc, applied by the parent buffer
    # with the settings read from the run's config) evicts it before shaping
    put_groups(tq, "train", BATCH + [("z", [(100, 1, "rust"), (200, 1, "rust"), (300, 1, "rust"), (400, 1, "rust")])])
    meta, metrics = buffer.sample(global_steps=1, partition_id="train", batch_size=3)
    assert sorted({k.split("_")[0] for k in meta.keys}) == ["a", "b", "c"]
    assert metrics["training/filter_groups/evicted_samples"] == 1
    scores, extras = stored(tq, meta)
    for key, score, extra in zip(meta.keys, scores, extras):
        uid, session, _ = key.split("_")
        want = EXPECTED[uid][int(session)]
        assert score[-1].item() == pytest.approx(want, abs=1e-7)  # float32 in TransferQueue
        assert torch.count_nonzero(score[:-1]) == 0
        info = extra["reward_extra_info"]
        assert info["lw_reward"] == want and info["acc"] in (0.0, 1.0) and "lw_bucket" in info
        assert extra["turn_scores"] == []  # the rest of extra_fields is kept
    assert metrics["lengthwise/reward/target_length_high"] == 2048.0
    assert metrics["lengthwise/cap"] == 4096.0 and metrics["lengthwise/accuracy"] == 0.5
    assert metrics["lengthwise/scoring/no_answer_share"] == pytest.approx(1 / 12)
    tq.kv_clear(keys=meta.keys, partition_id="train")

    # validation: sampled, not shaped; the streamed correctness stays the score
    put_groups(tq, "val", BATCH[:1], global_steps=1)
    meta, metrics = buffer.sample(global_steps=1, partition_id="val", batch_size=1)
    scores, extras = stored(tq, meta)
    assert sorted(s[-1].item() for s in scores) == [0.0, 1.0, 1.0, 1.0]
    assert not any(k.startswith("lengthwise/") for k in metrics)
    assert all("lw_reward" not in e["reward_extra_info"] for e in extras)
    tq.kv_clear(keys=meta.keys, partition_id="val")
