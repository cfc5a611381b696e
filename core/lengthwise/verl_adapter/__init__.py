"""lengthwise inside verl 0.9 (V1 trainer): the only part of lengthwise that imports verl.

The pieces, each loaded by verl from its own config key (one is looked up in a registry, below):

======================================  =====================================================  ============
verl config key                         lengthwise class                                       process
======================================  =====================================================  ============
``rollout.agent.agent_loop_manager_     :class:`agent_loop.LengthwiseAgentLoopManager` —       driver
class``                                 attaches the step's cap to each prompt
``rollout.agent.agent_loop_config_      ``agent_loops.yaml`` →                                 agent-loop
path`` + ``default_agent_loop``         :class:`agent_loop.LengthwiseSingleTurnAgentLoop` —    workers
                                        ``max_tokens`` = cap
``reward.reward_manager.*``             :class:`reward_manager.LengthwiseRewardManager` —      reward
                                        correctness of ``clip(y, cap)`` per response           workers
``trainer.v1.sampler.custom_sampler``   :class:`replay_buffer.LengthwiseReplayBuffer` —        driver
                                        difficulty + shaping on the whole step, rm_scores
``trainer.checkpoint_callback_class``   :class:`checkpoint.LengthwiseCheckpointCallback` —     driver
                                        state saved with checkpoints, restored on resume
``algorithm.adv_estimator=lengthwise_   :func:`advantage.compute_correct_boost_advantage` —    driver
correct_boost``                         DLER's correct-sample boost around verl's estimator
                                        (registered in verl's registry when verl imports
                                        the replay buffer)
``lengthwise.config_path``              the lengthwise YAML (:mod:`.state`)                    all
======================================  =====================================================  ============

The estimator is the one piece verl finds by name in a registry instead of importing it from its
config key; the replay buffer's module registers it, and verl imports that module in the driver
before the first step.

On a machine without a GPU, :mod:`.cpu` (``training.device: cpu``) adds a CPU platform, an HF
rollout and a gloo worker through verl's registries, so the same trainer runs on the host CPU.

:func:`state.adapter_overrides` gives the hydra overrides; :func:`state.wiring_problems` checks a
composed config. Importing this package is cheap: the submodules (and verl) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "LengthwiseAgentLoopManager",
    "LengthwiseSingleTurnAgentLoop",
    "LengthwiseRewardManager",
    "LengthwiseReplayBuffer",
    "LengthwiseReplayBufferAsync",
    "LengthwiseCheckpointCallback",
    "adapter_overrides",
    "wiring_problems",
    "driver_state",
]

_WHERE = {
    "LengthwiseAgentLoopManager": "agent_loop",
    "LengthwiseSingleTurnAgentLoop": "agent_loop",
    "LengthwiseRewardManager": "reward_manager",
    "LengthwiseReplayBuffer": "replay_buffer",
    "LengthwiseReplayBufferAsync": "replay_buffer",
    "LengthwiseCheckpointCallback": "checkpoint",
    "adapter_overrides": "state",
    "wiring_problems": "state",
    "driver_state": "state",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
