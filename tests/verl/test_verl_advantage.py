"""lengthwise_correct_boost through verl 0.9.1's own advantage path (V1 ``compute_advantage_for_multi_trajectories``).

The estimator is looked up in verl's registry by name, as the V1 trainer does; its parameters come
from the run's lengthwise config (the driver's run state). Expected values are derived by hand
from the formula of ``reinforce_plus_plus_baseline`` (verl ``core_algos.py:533-584``, identical
in NVlabs/DLER) and the boost (DLER ``dp_actor.py:48-65``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

pytest.importorskip("verl")

from omegaconf import OmegaConf  # noqa: E402
from verl import DataProto  # noqa: E402
from verl.trainer.ppo.core_algos import get_adv_estimator_fn  # noqa: E402
from verl.trainer.ppo.v1.utils import compute_advantage_for_multi_trajectories  # noqa: E402

import lengthwise.verl_adapter.replay_buffer  # noqa: E402,F401  (what verl imports in the driver; registers the estimator)
from lengthwise.verl_adapter.advantage import boost_advantages, correct_boost_advantage  # noqa: E402
from lengthwise.verl_adapter.overrides import CORRECT_BOOST_ESTIMATOR  # noqa: E402
from lengthwise.verl_adapter.state import driver_state  # noqa: E402

ALGO = OmegaConf.create({"norm_adv_by_std_in_grpo": True, "gamma": 1.0, "lam": 1.0})


def _batch(rewards, lengths, uids, width=6) -> DataProto:
    """Rewards on each response's last valid token (as lengthwise writes rm_scores)."""
    n = len(rewards)
    mask = torch.zeros(n, width)
    scores = torch.zeros(n, width)
    for i, (r, ell) in enumerate(zip(rewards, lengths)):
        mask[i, :ell] = 1
        scores[i, ell - 1] = r
    return DataProto.from_dict(
        tensors={"token_level_rewards": scores, "response_mask": mask},
        non_tensors={"uid": np.array(uids, dtype=object)},
    )


def _advantages(data: DataProto, estimator: str) -> DataProto:
    # verl's keys are {uid}_{session}_{output}: one session per rollout, one output each (single turn)
    keys = [f"{u}_{i}_0" for i, u in enumerate(data.non_tensor_batch["uid"])]
    return compute_advantage_for_multi_trajectories(data, batch_keys=keys, adv_estimator=estimator, config=ALGO)


def _run_state(write_config, boost: float, threshold: float, base: str = "reinforce_plus_plus_baseline"):
    path = write_config(
        "schedule: {name: constant, params: {length: 64}}\n"
        "reward: {name: dler}\n"
        f"training: {{adv_estimator: {base}, correct_sample_advantage_boost: {boost}, "
        f"correct_sample_advantage_boost_threshold: {threshold}}}\n"
    )
    return driver_state({"lengthwise": {"config_path": str(path)}, "trainer": {"resume_mode": "disable"}})


# DLER's rewards on a batch of two prompts: a0 correct (1), a1 correct but cut at the cap (κ = 0.1),
# b0 wrong (0), b1 correct (1); lengths 2, 4, 2, 2 tokens.
REWARDS = [1.0, 0.1, 0.0, 1.0]
LENGTHS = [2, 4, 2, 2]
UIDS = ["a", "a", "b", "b"]


def _by_hand(boost: float, threshold: float) -> list[float]:
    # group means: a (1 + 0.1)/2 = 0.55, b (0 + 1)/2 = 0.5 -> centred c = [0.45, -0.45, -0.5, 0.5]
    # masked_whiten over the N = 2 + 4 + 2 + 2 = 10 valid tokens (each response's c on each of its tokens):
    #   μ = (2·0.45 + 4·(-0.45) + 2·(-0.5) + 2·0.5) / 10 = -0.09
    #   σ² = (2·0.54² + 4·0.36² + 2·0.41² + 2·0.59²) / 10 · 10/9 = 2.134 / 10 · 10/9 = 0.237111...
    #   A = (c - μ) / sqrt(σ² + 1e-8) = [0.54, -0.36, -0.41, 0.59] / 0.486941...
    # boost: R >= θ - 1e-5 gets +v on every token (θ = 0.1: a0, a1, b1; θ = 1.0: a0, b1)
    c = [0.45, -0.45, -0.5, 0.5]
    mu = sum(n * x for n, x in zip(LENGTHS, c)) / 10
    assert mu == pytest.approx(-0.09)
    var = sum(n * (x - mu) ** 2 for n, x in zip(LENGTHS, c)) / 10 * 10 / 9
    assert var == pytest.approx(2.134 / 9)
    sd = math.sqrt(var + 1e-8)
    return [(x - mu) / sd + (boost if r >= threshold - 1e-5 else 0.0) for x, r in zip(c, REWARDS)]


@pytest.mark.parametrize("boost, threshold", [(0.1, 0.1), (0.1, 1.0), (0.0, 0.1), (0.5, 0.05)])
def test_registered_estimator_by_hand(write_config, boost, threshold):
    _run_state(write_config, boost, threshold)
    out = _advantages(_batch(REWARDS, LENGTHS, UIDS), CORRECT_BOOST_ESTIMATOR)
    adv, mask = out.batch["advantages"], out.batch["response_mask"]
    expected = _by_hand(boost, threshold)
    for i, ell in enumerate(LENGTHS):
        np.testing.assert_allclose(adv[i, :ell].numpy(), expected[i], rtol=1e-5, atol=1e-6)
        assert torch.all(adv[i, ell:] == 0)  # nothing on padding
    assert torch.equal(out.batch["returns"] * mask, out.batch["returns"])


def test_no_boost_is_verls_own_estimator(write_config):
    _run_state(write_config, 0.0, 1.0)
    ours = _advantages(_batch(REWARDS, LENGTHS, UIDS), CORRECT_BOOST_ESTIMATOR).batch["advantages"]
    verls = _advantages(_batch(REWARDS, LENGTHS, UIDS), "reinforce_plus_plus_baseline").batch["advantages"]
    assert torch.equal(ours, verls)


def test_boost_tolerance_is_the_forks():
    # dp_actor.py:60: scores >= threshold - 1e-5
    adv = torch.zeros(3, 1)
    mask = torch.ones(3, 1)
    scores = torch.tensor([0.1 - 5e-6, 0.1 - 2e-5, 0.1])
    np.testing.assert_allclose(boost_advantages(adv, scores, mask, 0.1, 0.1)[:, 0].numpy(), [0.1, 0.0, 0.1])


def test_grpo_base_gets_the_std_switch(write_config):
    # grpo wrapped: verl's grpo advantage (with the algorithm section's norm_adv_by_std_in_grpo) + boost
    _run_state(write_config, 0.1, 0.1, base="grpo")
    data = _batch(REWARDS, LENGTHS, UIDS)
    ours = _advantages(data, CORRECT_BOOST_ESTIMATOR).batch["advantages"]
    plain = _advantages(_batch(REWARDS, LENGTHS, UIDS), "grpo").batch["advantages"]
    hit = torch.tensor([1.0, 1.0, 0.0, 1.0]).unsqueeze(-1) * data.batch["response_mask"]
    torch.testing.assert_close(ours, plain + 0.1 * hit)
    # group b: scores 0 and 1 -> GRPO's (x - 0.5)/(std + 1e-6) with torch.std (unbiased): ±0.5/0.7071 = ±0.7071
    assert float(plain[3, 0]) == pytest.approx(0.5 / math.sqrt(0.5), rel=1e-5)


def test_cannot_wrap_itself():
    with pytest.raises(ValueError, match="cannot wrap itself"):
        correct_boost_advantage(CORRECT_BOOST_ESTIMATOR, 0.1, 0.1, token_level_rewards=torch.zeros(1, 1),
                                response_mask=torch.ones(1, 1))


def test_estimator_needs_the_run_state():
    with pytest.raises(RuntimeError, match="run state is not set up"):
        get_adv_estimator_fn(CORRECT_BOOST_ESTIMATOR)(token_level_rewards=torch.zeros(1, 1), response_mask=torch.ones(1, 1))
