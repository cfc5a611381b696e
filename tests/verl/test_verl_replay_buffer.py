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
    from lengthwise.step import record_from_grade

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
    # with the settings read from the run's config) evicts it, so it gets no reward, but it was
    # generated, so Laser-D's coverage counts it (the source monitors every prompt it samples).
    # Coverage of the high band (a: 500 1500 2500 3500, z: 100 200 300 400) at 1024..4096:
    # 5/8, 6/8, 7/8, 1; n_high = floor(8/3) = 2, floor(5/8 * 2) = 1 at 1024 -> high target 1024
    # (medium, low stay 4096). a: 500 -> 1.5; 1500, 2500 correct over 1024 -> 1.0; 3500 wrong,
    # over 1024, distinct tokens -> -0.5 + 0.5 = 0.0. b and c as in EXPECTED.
    put_groups(tq, "train", BATCH + [("z", [(100, 1, "rust"), (200, 1, "rust"), (300, 1, "rust"), (400, 1, "rust")])])
    meta, metrics = buffer.sample(global_steps=1, partition_id="train", batch_size=3)
    assert sorted({k.split("_")[0] for k in meta.keys}) == ["a", "b", "c"]
    assert metrics["training/filter_groups/evicted_samples"] == 1
    scores, extras = stored(tq, meta)
    for key, score, extra in zip(meta.keys, scores, extras):
        uid, session, _ = key.split("_")
        want = {**EXPECTED, "a": [1.5, 1.0, 1.0, 0.0]}[uid][int(session)]
        assert score[-1].item() == pytest.approx(want, abs=1e-7)  # float32 in TransferQueue
        assert torch.count_nonzero(score[:-1]) == 0
        info = extra["reward_extra_info"]
        assert info["lw_reward"] == want and info["acc"] in (0.0, 1.0) and "lw_bucket" in info
        assert extra["turn_scores"] == []  # the rest of extra_fields is kept
    assert metrics["lengthwise/reward/target_length_high"] == 1024.0
    # statistics over the 16 generated responses: a 3 + b 2 + c 1 + z 4 correct
    assert metrics["lengthwise/cap"] == 4096.0 and metrics["lengthwise/accuracy"] == 10 / 16
    assert metrics["lengthwise/scoring/no_answer_share"] == pytest.approx(1 / 16)
    assert metrics["lengthwise/filtered_groups"] == 1.0
    tq.kv_clear(keys=meta.keys, partition_id="train")

    # validation: sampled, not shaped; the streamed correctness stays the score
    put_groups(tq, "val", BATCH[:1], global_steps=1)
    meta, metrics = buffer.sample(global_steps=1, partition_id="val", batch_size=1)
    scores, extras = stored(tq, meta)
    assert sorted(s[-1].item() for s in scores) == [0.0, 1.0, 1.0, 1.0]
    assert not any(k.startswith("lengthwise/") for k in metrics)
    assert all("lw_reward" not in e["reward_extra_info"] for e in extras)
    tq.kv_clear(keys=meta.keys, partition_id="val")


DEEPCOMPRESS = """
name: test-deepcompress
schedule: {name: constant, params: {length: 4096}}
difficulty: {name: deepcompress, params: {momentum: 0.99}}
reward:
  name: deepcompress
  params: {correct_reward: 1.0, wrong_reward: -1.0, weight: 0.2, only_correct: true}
"""
R, W = "rust", "rust"
# first generation round: a, b mixed; z all correct, y all wrong (DAPO on acc evicts both)
ROUND_1 = [
    ("a", [(100, 1, R), (200, 0, W), (300, 1, R), (400, 0, W)]),
    ("b", [(500, 1, R), (600, 0, W), (700, 0, W), (800, 0, W)]),
    ("z", [(150, 1, R), (250, 1, R), (350, 1, R), (450, 1, R)]),
    ("y", [(900, 0, W), (950, 0, W), (990, 0, W), (999, 0, W)]),
]
# refill round (verl asks for 3 prompts): c mixed, x and v all wrong (evicted again)
ROUND_2 = [
    ("c", [(100, 1, R), (150, 1, R), (250, 0, W), (350, 1, R)]),
    ("x", [(300, 0, W), (310, 0, W), (320, 0, W), (330, 0, W)]),
    ("v", [(400, 0, W), (410, 0, W), (420, 0, W), (430, 0, W)]),
]


@pytest.mark.slow
def test_statistics_see_every_generated_group(transfer_queue, compose, write_config, tmp_path):
    """DeepCompress's moving average with filter_groups on equals the one on the unfiltered batch.

    DeepCompress's scripts: "length_reward.moving_average.weight=0.99" with "filter_groups" on acc;
    the recipes compute the batch pass rate on everything generated, before filtering. First step:
    the average starts at the batch pass rate. Generated (rounds 1 and 2, 28 responses): correct
    a 2 + b 1 + z 4 + y 0 + c 3 + x 0 + v 0 = 10 -> P = 10/28 = 5/14 ≈ 0.357. The sampled groups
    alone (a, b, c: 6 of 12) would give 0.5.
    """
    import json

    import numpy as np

    from lengthwise import LengthController, load_config
    from lengthwise.verl_adapter.agent_loop import LengthwiseAgentLoopManager
    from lengthwise.step import shape_step

    tq = transfer_queue
    path = write_config(DEEPCOMPRESS)
    cfg = compose(
        path, "data.max_response_length=4096", "data.train_batch_size=3",
        "algorithm.filter_groups.enable=true", "algorithm.filter_groups.metric=acc",
    )
    from lengthwise.verl_adapter.state import driver_state

    LengthwiseAgentLoopManager(config=cfg, llm_client=None)
    run = driver_state()
    refills = []

    def refill(n):  # what the trainer does: submit n fresh prompts; here they finish at once
        refills.append(n)
        assert len(refills) == 1, f"unexpected second refill ({n})"
        put_groups(tq, "train", ROUND_2)

    buffer = build_buffer(cfg, refill)
    put_groups(tq, "train", ROUND_1)
    meta, metrics = buffer.sample(global_steps=1, partition_id="train", batch_size=3)
    assert refills == [3]  # 2 evicted -> 4 refill credits, 3 slots (max_inflight_gen_batches 1 x batch 3)
    assert sorted({k.split("_")[0] for k in meta.keys}) == ["a", "b", "c"]
    assert metrics["training/filter_groups/evicted_samples"] == 4  # z, y, then x, v
    assert metrics["lengthwise/filtered_groups"] == 4.0 and metrics["lengthwise/groups"] == 7.0
    assert metrics["lengthwise/difficulty/moving_average"] == pytest.approx(10 / 28, abs=1e-15)

    # the same step without filtering: one batch of all seven groups, fresh strategies
    rows = [(uid, row) for uid, g in ROUND_1 + ROUND_2 for row in g]
    from lengthwise.scoring import GradeResult
    from lengthwise.step import record_from_grade

    records = [record_from_grade(GradeResult(bool(c), None, p, False), n, 4096) for _, (n, c, p) in rows]
    fresh = LengthController.from_config(load_config(path))
    unfiltered = shape_step(
        fresh, group_ids=[u for u, _ in rows], records=records, step=0,
        token_ids=[list(range(100, 100 + n)) for _, (n, _, _) in rows],
    )
    assert fresh.difficulty.moving_average == pytest.approx(10 / 28, abs=1e-15)
    assert fresh.difficulty.state_dict() == run.controller.difficulty.state_dict()
    # the sampled groups' rewards are those of the unfiltered batch
    want = {(u, i): r for (u, _), i, r in zip(rows, [i for _, g in ROUND_1 + ROUND_2 for i in range(len(g))], unfiltered.rewards)}
    scores, _ = stored(tq, meta)
    for key, score in zip(meta.keys, scores):
        uid, session, _ = key.split("_")
        assert score[-1].item() == pytest.approx(want[(uid, int(session))], abs=1e-6)  # float32 in TQ
    assert np.isclose(metrics["lengthwise/accuracy"], 10 / 28)
    # the state after shaping step 1 is on disk before verl can checkpoint the step
    pending = json.loads((tmp_path / "ckpt/lengthwise_pending/global_step_1/lengthwise_state.json").read_text())
    assert pending["global_step"] == 1 and pending["state"] == json.loads(json.dumps(run.controller.state_dict()))
    tq.kv_clear(keys=meta.keys, partition_id="train")


@pytest.mark.slow
def test_async_buffer_has_dapo_settings_before_its_first_wait(transfer_queue, compose, write_config, laser_de_yaml):
    # trainer_separate_async calls get_sampleable_count before any sample(); verl's built-in
    # buffer has filter_groups_metric from its constructor by then, so must ours
    from lengthwise.verl_adapter.agent_loop import LengthwiseAgentLoopManager

    cfg = compose(
        write_config(laser_de_yaml), "trainer.v1.trainer_mode=separate_async",
        "trainer.v1.sampler.custom_sampler.name=LengthwiseReplayBufferAsync", "data.train_batch_size=3",
        "algorithm.filter_groups.enable=true", "algorithm.filter_groups.metric=acc",
    )
    LengthwiseAgentLoopManager(config=cfg, llm_client=None)
    buffer = build_buffer(cfg, lambda n: None)
    assert type(buffer).__name__ == "LengthwiseReplayBufferAsync" and buffer.filter_groups_metric is None
    put_groups(transfer_queue, "train", [("q", [(100, 1, "rust"), (200, 1, "rust")])], global_steps=1)
    # q is all correct: with the DAPO setting applied it is not sampleable
    assert buffer.get_sampleable_count(1, "train") == 0
    assert buffer.filter_groups_metric == "acc"
    transfer_queue.kv_clear(keys=["q", "q_0_0", "q_1_0"], partition_id="train")
