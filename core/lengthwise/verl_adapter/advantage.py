"""DLER's correct-sample advantage boost, as an advantage estimator in verl's registry.

Selected with ``algorithm.adv_estimator=lengthwise_correct_boost``, which ``lengthwise train``
sets when ``training.correct_sample_advantage_boost`` is positive. For a step's batch with
shaped rewards R_i (the sum of ``token_level_rewards``, i.e. lengthwise's ``rm_scores``)::

    A_i = base(R)_i + v · 1[R_i >= θ − 1e-5]        on every response token

``base`` is ``training.adv_estimator`` (verl's own function, looked up in verl's registry), v is
``training.correct_sample_advantage_boost`` and θ ``training.correct_sample_advantage_boost_threshold``.
``returns`` are base's, unchanged.

Where it runs. verl 0.9.1's V1 trainer computes advantages in the driver (the ``TaskRunnerV1``
actor that holds the trainer): ``PPOTrainer._compute_advantage`` (``trainer/ppo/v1/trainer_base.py:1743-1783``)
→ ``compute_advantage_for_multi_trajectories`` (``v1/utils.py:148-176``, which hands every
estimator but ``grpo`` to ``compute_advantage`` unchanged) → ``compute_advantage``
(``trainer/ppo/ray_trainer.py:248-281``) → ``core_algos.get_adv_estimator_fn(name)`` with
``token_level_rewards``, ``response_mask``, ``config`` (the ``algorithm`` section) and ``index``
(the ``uid``s). The name must be in ``ADV_ESTIMATOR_REGISTRY`` of that process by then. verl imports
:mod:`lengthwise.verl_adapter.replay_buffer` in the driver when it builds the trainer
(``trainer.v1.sampler.custom_sampler``, ``trainer_base.py:131`` and ``:139-152``), before any
rollout; that module imports this one, and the ``register_adv_est`` decorator below registers the
estimator. The parameters come from the run's lengthwise config (:func:`.state.driver_state`),
not from new keys in verl's ``algorithm`` section: lengthwise's dry run checks that section with
verl's ``AlgoConfig`` dataclass (``verl_checks``), which rejects keys it does not define. Only verl's public
``register_adv_est`` and ``get_adv_estimator_fn`` are used (``core_algos.__all__``).

The source (NVlabs/DLER, commit ea7d4f7): ``verl-dler/verl/workers/actor/dp_actor.py:48-65``
(``boost_high_score_advantages``: ``scores >= threshold - 1e-5``, ``advantages + mask · value``)
called at ``:382-388`` in the actor's ``update_policy`` with ``scores =
token_level_scores.sum(-1)``; ``dler.sh:109`` (``verl-dler/dler.sh`` at e8d00b1)
``actor.correct_sample_advantage_boost_value=0.1``; threshold 1.0 (``recipe/dapo/config/dapo_trainer.yaml:33-34``;
``verl/workers/config/actor.py:123-124``). Differences, and why:

* The fork compares the *unscaled* score (``token_level_scores``, 0/1 correctness before the
  stop-properly factor, ``reward_manager/dapo.py:169-171``) with 1.0; a verl 0.9.1 estimator gets
  only ``token_level_rewards``, the reward after every lengthwise term. The DLER configs set
  θ = κ·r_c = 0.1: DLER's reward is 1 or κ for a correct answer and 0 for a wrong one, so the
  same responses are boosted as in the fork (every correct one, cut at the cap or not).
* The fork adds the boost in the actor worker, after the driver logged ``critic/advantages/*``;
  here it is part of the advantage, so those metrics include it.
* With ``algorithm.use_kl_in_reward`` the rewards carry the KL penalty, which the fork's score
  does not; DLER keeps it off (``dler.sh:72``; its KL is a loss term).

The batch-wise normalisation itself is verl's ``reinforce_plus_plus_baseline`` with no change.
Line by line, verl 0.9.1 ``trainer/ppo/core_algos.py:533-584`` and the fork's
``verl-dler/verl/trainer/ppo/core_algos.py:420-471`` are identical (``diff`` of the two bodies is
empty): per prompt ``uid`` the group mean is subtracted (a group of one keeps its score), the
centred score is spread over the response tokens and whitened over the whole batch with
``verl_F.masked_whiten`` — token-weighted: with N = Σ_i ℓ_i valid tokens,
μ = Σ_i ℓ_i·c_i / N, σ² = Σ_i ℓ_i·(c_i − μ)² / N · N/(N − 1), A_i = (c_i − μ)/sqrt(σ² + 1e-8).
``masked_mean``/``masked_var``/``masked_whiten`` are identical too (verl
``utils/torch_functional.py:294-346``, fork ``:171-223``); ``masked_sum`` differs in its
docstring and type hints only. The calls differ only around the estimator: the fork's
``compute_advantage`` (``verl-dler/verl/trainer/ppo/ray_trainer.py:182-260``) passes the same
keyword arguments; the batch it normalises over is the dynamic-sampling batch cut to
``train_batch_size·n`` responses (``recipe/dapo/dapo_ray_trainer.py:245-271``), verl 0.9.1's V1
replay buffer samples ``train_batch_size`` groups of the finished, unfiltered ones — the same size,
though the two may drop a different surplus.

Wrapping ``grpo`` skips verl's multi-turn session handling (``v1/utils.py:178-217``), which only
``grpo`` by name gets; lengthwise's agent loop is single-turn, where that handling changes nothing.
"""

from __future__ import annotations

from typing import Any

import torch

from verl.trainer.ppo.core_algos import get_adv_estimator_fn, register_adv_est

from .overrides import CORRECT_BOOST_ESTIMATOR
from .state import driver_state

__all__ = ["CORRECT_BOOST_ESTIMATOR", "BOOST_TOLERANCE", "boost_advantages", "correct_boost_advantage"]

#: ``dp_actor.py:60``: ``scores >= threshold - 1e-5``.
BOOST_TOLERANCE = 1e-5


def boost_advantages(
    advantages: torch.Tensor, scores: torch.Tensor, response_mask: torch.Tensor, value: float, threshold: float
) -> torch.Tensor:
    """``advantages`` + ``value`` on the tokens of every response whose score is >= ``threshold`` (tolerance 1e-5)."""
    hit = (scores >= threshold - BOOST_TOLERANCE).to(advantages.dtype)
    return advantages + value * hit.unsqueeze(-1) * response_mask.to(advantages.dtype)


def correct_boost_advantage(
    base: str,
    value: float,
    threshold: float,
    *,
    token_level_rewards: torch.Tensor,
    response_mask: torch.Tensor,
    config: Any = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """verl's ``base`` estimator on the same arguments, plus the boost (see the module docstring)."""
    if base == CORRECT_BOOST_ESTIMATOR:
        raise ValueError(f"{CORRECT_BOOST_ESTIMATOR} cannot wrap itself; set training.adv_estimator to verl's estimator")
    base_kwargs = dict(kwargs, token_level_rewards=token_level_rewards, response_mask=response_mask, config=config)
    if base == "grpo":
        # verl's own grpo path passes the std switch from the algorithm section (ray_trainer.py:240-245)
        base_kwargs["norm_adv_by_std_in_grpo"] = bool(config.get("norm_adv_by_std_in_grpo", True)) if config is not None else True
    advantages, returns = get_adv_estimator_fn(base)(**base_kwargs)
    scores = token_level_rewards.sum(dim=-1)
    return boost_advantages(advantages, scores, response_mask, value, threshold), returns


@register_adv_est(CORRECT_BOOST_ESTIMATOR)
def compute_correct_boost_advantage(
    token_level_rewards: torch.Tensor, response_mask: torch.Tensor, config: Any = None, **kwargs: Any
) -> tuple[torch.Tensor, torch.Tensor]:
    """The registered estimator: base, value and threshold from the run's lengthwise ``training:`` section."""
    t = driver_state().config.training
    return correct_boost_advantage(
        t.adv_estimator,
        t.correct_sample_advantage_boost,
        t.correct_sample_advantage_boost_threshold,
        token_level_rewards=token_level_rewards,
        response_mask=response_mask,
        config=config,
        **kwargs,
    )
