"""The lengthwise reward path through verl's own reward loader, checked against hand-derived rewards.

verl's ``load_reward_manager`` (the call each ``RewardLoopWorker`` makes) builds the manager from
a composed verl config; each response is scored with a one-row ``DataProto`` shaped as verl's
``AgentLoopWorker._compute_score`` builds it; the records then go through the whole-step shaping
the replay buffer runs (``shape_step``). One step, three prompts of four responses each, gold 7,
caps 4096 (responses' lengths in tokens; "cut" = stopped at the cap with no answer):

    group a: p = 3/4   lengths 500 ✓, 1500 ✓, 2500 ✓, 3500 ✗(\\boxed{9})
    group b: p = 2/4   lengths 900 ✓, 2100 ✓, 1200 ✗(3), 3900 ✗(5)
    group c: p = 1/4   lengths 3000 ✓, 800 ✗(2), 4096 ✗(cut), 2600 ✗(4)
"""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
import torch

pytest.importorskip("verl")

GOLD = "7"
CAP = 4096
BATCH = [
    ("a", [(500, "7"), (1500, "7"), (2500, "7"), (3500, "9")]),
    ("b", [(900, "7"), (2100, "7"), (1200, "3"), (3900, "5")]),
    ("c", [(3000, "7"), (800, "2"), (4096, None), (2600, "4")]),
]

DEEPCOMPRESS = """
name: test-deepcompress
schedule: {name: constant, params: {length: 4096}}
difficulty: {name: deepcompress, params: {momentum: 0.99}}
reward:
  name: deepcompress
  params: {correct_reward: 1.0, wrong_reward: -1.0, weight: 0.2, only_correct: true,
           overlong_buffer_len: 1024, overlong_penalty_factor: 1.0}
scoring: {answer_after_think: true, require_think_close: true}
"""


def reward_input(prompt_ids, response_ids, sample: dict):
    """The one-row DataProto verl's AgentLoopWorker._compute_score sends to a reward worker."""
    from tensordict import TensorDict

    from verl import DataProto

    prompts = torch.tensor(prompt_ids, dtype=torch.int64)
    responses = torch.tensor(response_ids, dtype=torch.int64)
    input_ids = torch.cat([prompts, responses])
    attention_mask = torch.ones_like(input_ids)
    batch = TensorDict(
        {
            "prompts": prompts[None],
            "responses": responses[None],
            "attention_mask": attention_mask[None],
            "input_ids": input_ids[None],
            "position_ids": torch.arange(len(input_ids))[None],
        },
        batch_size=1,
    )
    non_tensor = {
        **{k: np.array([v]) for k, v in sample.items()},
        "__num_turns__": np.array([2]),
        "tool_extra_fields": np.array([{}], dtype=object),
        "prompt_len": np.array([len(prompt_ids)]),
        "response_len": np.array([len(response_ids)]),
    }
    return DataProto(batch=batch, non_tensor_batch=non_tensor)


def sample_kwargs(uid: str, session: int, cap: int, global_steps: int = 1) -> dict:
    """The agent-loop keyword arguments verl passes along (a subset of a V1 sample's fields)."""
    return {
        "uid": uid,
        "session_id": session,
        "index": 0,
        "global_steps": global_steps,
        "data_source": "test/math",
        "reward_model": {"style": "rule", "ground_truth": GOLD},
        "extra_info": {"index": 0, "split": "train"},
        "lw_max_tokens": cap,
    }


def score_batch(manager, tokenizer, make_response, batch=BATCH, cap=CAP, global_steps=1):
    """Run every response through manager.run_single; returns (uids, records, token_ids)."""
    prompt = tokenizer.encode("Question: w1 w2 Answer:", add_special_tokens=False)
    uids, records, token_ids = [], [], []
    for uid, responses in batch:
        for session, (length, answer) in enumerate(responses):
            ids = tokenizer.encode(make_response(length, answer), add_special_tokens=False)
            assert len(ids) == length
            out = asyncio.run(manager.run_single(reward_input(prompt, ids, sample_kwargs(uid, session, cap, global_steps))))
            assert out["reward_score"] == out["reward_extra_info"]["acc"]
            uids.append(uid)
            records.append(out["reward_extra_info"])
            token_ids.append(ids)
    return uids, records, token_ids


@pytest.fixture
def verl_reward_manager(compose, write_config, tokenizer):
    """Build the manager the way a verl reward worker does, for a given lengthwise YAML text."""

    def _build(yaml_text: str):
        from verl.trainer.ppo.reward import load_reward_manager, resolve_reward_manager_cls

        from lengthwise.verl_adapter.reward_manager import LengthwiseRewardManager

        path = write_config(yaml_text)
        cfg = compose(path, f"data.max_response_length={CAP}")
        assert resolve_reward_manager_cls(cfg) is LengthwiseRewardManager
        manager = load_reward_manager(cfg, tokenizer, reward_router_address=None, reward_model_tokenizer=None)
        assert isinstance(manager, LengthwiseRewardManager)
        return cfg, manager

    return _build


def test_records_carry_verdict_length_and_cap(verl_reward_manager, tokenizer, make_response, laser_de_yaml):
    _, manager = verl_reward_manager(laser_de_yaml)
    uids, records, _ = score_batch(manager, tokenizer, make_response)
    assert [r["acc"] for r in records] == [1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0]
    assert [r["lw_length"] for r in records] == [float(n) for _, g in BATCH for n, _ in g]
    assert all(r["lw_cap"] == CAP for r in records)
    # only the cut-off response (index 10) has no answer; everything else the Rust path decided
    assert [r["lw_no_answer"] for r in records] == [0] * 10 + [1, 0]
    assert all(r["lw_math_verify"] == r["lw_timeout"] == r["lw_error"] == 0 for r in records)
    assert all(isinstance(v, float) for r in records for v in r.values())  # verl averages them in validation


def test_answer_past_the_cap_does_not_count(verl_reward_manager, tokenizer, make_response, laser_de_yaml):
    # A correct 40-token response graded under a 20-token cap: the prefix holds no </think> and no
    # \boxed{}, so clip(y, 20) has no answer -> wrong, and the scorer reports the cap cut it.
    _, manager = verl_reward_manager(laser_de_yaml)
    _, records, _ = score_batch(manager, tokenizer, make_response, batch=[("a", [(40, "7")])], cap=20)
    assert records[0]["acc"] == 0.0 and records[0]["lw_truncated"] == 1.0 and records[0]["lw_no_answer"] == 1.0
    # at cap 40 the whole response fits, so it is graded right; it also reached its cap (ℓ = 40 >= 40),
    # which counts as cut off, as in lengthwise/truncation_rate; at cap 41 it stopped below its cap
    _, records, _ = score_batch(manager, tokenizer, make_response, batch=[("a", [(40, "7")])], cap=40)
    assert records[0]["acc"] == 1.0 and records[0]["lw_truncated"] == 1.0 and records[0]["lw_no_answer"] == 0.0
    _, records, _ = score_batch(manager, tokenizer, make_response, batch=[("a", [(40, "7")])], cap=41)
    assert records[0]["acc"] == 1.0 and records[0]["lw_truncated"] == 0.0


def test_laser_de_rewards_by_hand(verl_reward_manager, tokenizer, make_response, laser_de_yaml):
    from lengthwise.step import shape_step
    from lengthwise.verl_adapter.state import driver_state

    cfg, manager = verl_reward_manager(laser_de_yaml)
    uids, records, token_ids = score_batch(manager, tokenizer, make_response)
    shaped = shape_step(driver_state(cfg).controller, group_ids=uids, records=records, step=0, token_ids=token_ids)
    # Buckets (laser-buckets, p = group accuracy): a p=3/4 high, b p=1/2 medium, c p=1/4 low; the
    # monitor bands agree. First batch (monitor_at_start), candidates 1024, 2048, 3072, 4096.
    # Coverage = share of the band's responses with length <= candidate:
    #   high (a: 500 1500 2500 3500):     1/4, 2/4, 3/4, 1
    #   medium (b: 900 2100 1200 3900):   1/4, 2/4, 3/4, 1
    #   low (c: 3000 800 4096 2600):      1/4, 1/4, 3/4, 1
    # floor rounding, N=4: n_b = floor(8/3)=2 (high), floor(4/3)=1 (medium), 1 (low);
    # E = floor(coverage * n_b) >= 1 first at: high 2048 (floor(2/4*2)=1), medium 4096, low 4096.
    # 4096 is not below the batch's longest response (4096), so medium/low resolve to 4096.
    # Rewards: correct 1.0 + 0.5*[len <= target]; wrong with an answer -0.5 + 0.5*[len > target,
    # not repetitive]; no answer -1.0 (hf_math_verifier.compute_score: "if not is_boxed_matched:
    # box_match = -1.0"; length_penalty.py explores only "elif score_lst[i] == -0.5"):
    #   a (target 2048): 500 ✓ 1.5, 1500 ✓ 1.5, 2500 ✓ 1.0 (over target), 3500 ✗ 0.0 (explores:
    #                    3500 > 2048, distinct tokens, below the cap)
    #   b (4096): 900 ✓ 1.5, 2100 ✓ 1.5, 1200 ✗ -0.5, 3900 ✗ -0.5
    #   c (4096): 3000 ✓ 1.5, 800 ✗ -0.5, 4096 cut, no answer -1.0, 2600 ✗ -0.5
    expected = [1.5, 1.5, 1.0, 0.0, 1.5, 1.5, -0.5, -0.5, 1.5, -0.5, -1.0, -0.5]
    np.testing.assert_allclose(shaped.rewards, expected, rtol=0, atol=1e-12)
    m = shaped.metrics
    assert m["lengthwise/reward/target_length_high"] == 2048.0
    assert m["lengthwise/reward/target_length_medium"] == m["lengthwise/reward/target_length_low"] == 4096.0
    assert m["lengthwise/bucket_high/mean_length"] == 2000.0  # (500+1500+2500+3500)/4
    assert m["lengthwise/accuracy"] == 0.5 and m["lengthwise/pass_rate_mean"] == 0.5  # 6/12; (3/4+2/4+1/4)/3
    assert m["lengthwise/truncation_rate"] == pytest.approx(1 / 12)  # only the 4096-token response
    assert m["lengthwise/scoring/no_answer_share"] == pytest.approx(1 / 12)
    assert m["lengthwise/no_answer_rate"] == pytest.approx(1 / 12)
    assert shaped.extras[10]["lw_term_correctness"] == -1.0 and shaped.extras[10]["lw_term_exploration"] == 0.0
    assert m["lengthwise/scoring/fallback_share"] == 0.0
    assert m["lengthwise/cap"] == 4096.0
    assert shaped.extras[3] == {
        "lw_reward": 0.0, "lw_pass_rate": 0.75, "lw_bucket": "high", "lw_difficulty": 1.0,
        "lw_term_correctness": -0.5, "lw_term_length": 0.0, "lw_term_exploration": 0.5,
    }


def test_deepcompress_rewards_by_hand(verl_reward_manager, tokenizer, make_response):
    from lengthwise.step import shape_step
    from lengthwise.verl_adapter.state import driver_state

    cfg, manager = verl_reward_manager(DEEPCOMPRESS)
    uids, records, token_ids = score_batch(manager, tokenizer, make_response)
    shaped = shape_step(driver_state(cfg).controller, group_ids=uids, records=records, step=0, token_ids=token_ids)
    sig = lambda x: 1.0 / (1.0 + math.exp(-x))  # noqa: E731
    # First step: the pass-rate average starts at the batch's pass rate P = 6/12 = 0.5.
    # beta = p(q) - P: a +0.25 (simple), b 0.0 (hard, flat bonus), c -0.25 (hard).
    # z = (len - group mean) / (population std + 1e-6); term = 0.2 * sigmoid(-beta * z) on correct
    # answers; overlong = min(0, -(len - (4096 - 1024)) / 1024); R = +-1 + term + overlong.
    # a: mean 2000, std sqrt(((1500^2+500^2)*2)/4) = 1118.034; z(500) = -1.341641, z(1500) = -0.447214,
    #    z(2500) = 0.447214 -> terms 0.2*sig(0.335410)=0.116615, 0.2*sig(0.111803)=0.105584,
    #    0.2*sig(-0.111803)=0.094416; 3500 wrong: -1 - 428/1024 = -1.41796875
    # b: beta 0 -> sigmoid(0) = 1/2 -> term 0.1 for both correct; 3900: -1 - 828/1024 = -1.80859375
    # c: mean 2624, std 1186.983; z(3000) = 376/1186.983 = 0.316770 -> 0.2*sig(0.079192) = 0.103958;
    #    4096 (cut): -1 - 1024/1024 = -2.0
    za = [-1500 / (1118.033988749895 + 1e-6), -500 / (1118.033988749895 + 1e-6), 500 / (1118.033988749895 + 1e-6)]
    zc = 376 / (1186.9827294447043 + 1e-6)
    expected = [
        1 + 0.2 * sig(-0.25 * za[0]), 1 + 0.2 * sig(-0.25 * za[1]), 1 + 0.2 * sig(-0.25 * za[2]), -1 - 428 / 1024,
        1.1, 1.1, -1.0, -1 - 828 / 1024,
        1 + 0.2 * sig(0.25 * zc), -1.0, -2.0, -1.0,
    ]
    np.testing.assert_allclose(expected[:3] + expected[8:9], [1.1166150351, 1.1055843541, 1.0944156459, 1.1039575515], atol=1e-9)
    np.testing.assert_allclose(shaped.rewards, expected, rtol=0, atol=1e-12)
    m = shaped.metrics
    assert m["lengthwise/difficulty/moving_average"] == 0.5
    assert m["lengthwise/bucket_simple/share"] == pytest.approx(4 / 12)  # only group a is simple
    assert [e["lw_bucket"] for e in shaped.extras] == ["simple"] * 4 + ["hard"] * 8
    assert shaped.extras[10]["lw_term_overlong"] == -1.0
