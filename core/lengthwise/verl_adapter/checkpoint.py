"""Saving and restoring the strategies' state with verl's checkpoints.

Selected with ``trainer.checkpoint_callback_class=lengthwise.verl_adapter.checkpoint.LengthwiseCheckpointCallback``
(a key verl 0.9.1's V1 trainer already has; the class is loaded by name in the driver).

Save: verl calls ``on_save`` after writing ``{default_local_dir}/global_step_N/`` (and the
``latest_checkpointed_iteration.txt`` tracker); the callback writes
``global_step_N/lengthwise_state.json`` — ``{"format": 1, "global_step": N, "config": name,
"state": LengthController.state_dict()}``. Step N's shaping has run by then (the replay buffer
shapes before the update, the save comes after it), so the file holds the state after N steps.
verl writes the tracker before it calls ``on_save``; for a crash in between, the replay buffer
has already recorded the same state when it shaped step N
(``lengthwise_pending/global_step_N``, :meth:`RunState.save_pending`), and resume falls back to it
with a warning (see :mod:`lengthwise.verl_adapter.state`, "The crash window").

Restore: verl has no load hook, but it builds the callback (``PPOTrainer.__init__``) before it
loads its own checkpoint and before any rollout. The callback's constructor creates the run state
(:func:`lengthwise.verl_adapter.state.driver_state`), which picks the same ``global_step_N``
folder verl will (``trainer.resume_mode`` / ``resume_from_path`` / the tracker file) and loads the
file from it, so step N+1 is shaped exactly as it would have been without the restart.
"""

from __future__ import annotations

from verl.trainer.ppo.checkpoint_callback import CheckpointCallback

from .state import RunState, driver_state

__all__ = ["LengthwiseCheckpointCallback"]


class LengthwiseCheckpointCallback(CheckpointCallback):
    """Writes ``lengthwise_state.json`` into each verl checkpoint; restores it on resume."""

    def __init__(self, config=None):
        super().__init__(config=config)
        self.lengthwise: RunState = driver_state(config)

    def on_save(self, trainer, global_step: int, checkpoint_dir: str, async_save: bool = False, **kwargs) -> None:
        # With async_save (Megatron) the model shards may still be in flight; the state file is
        # small and written synchronously, so it is complete when the tracker file appears.
        self.lengthwise.save(checkpoint_dir, global_step)
