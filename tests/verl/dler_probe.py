"""Test-only observers of a verl run (``test_cpu_dler_e2e``): what verl's trainer stored for each step.

verl 0.9.1's V1 trainer writes each step's ``advantages`` into TransferQueue (``_compute_advantage``)
and the actor's update reads them from there; the step's entries stay until the end of the step
(``tq.kv_clear`` after metrics), and the checkpoint save — with its callback — comes before that.
So at ``on_save`` the stored advantages are exactly the ones the update used. Two subclasses of
lengthwise's own classes, selected by verl's usual config keys, read them without changing the run:

* :class:`RecordingReplayBuffer` (``trainer.v1.sampler.custom_sampler``) remembers the keys of the
  step's train batch (lengthwise's buffer shapes it as always);
* :class:`AdvantageProbe` (``trainer.checkpoint_callback_class``) saves lengthwise's state as always,
  then appends one JSON line per response of that batch to ``$LENGTHWISE_ADVANTAGE_PROBE``: its uid,
  ``rm_scores`` (the reward), ``response_mask``, ``advantages`` and the reward worker's record.
"""

from __future__ import annotations

import json
import os

import transfer_queue as tq

from lengthwise.verl_adapter.checkpoint import LengthwiseCheckpointCallback
from lengthwise.verl_adapter.replay_buffer import LengthwiseReplayBuffer

PROBE_ENV = "LENGTHWISE_ADVANTAGE_PROBE"


def _plain(value):
    return getattr(value, "data", value)


class RecordingReplayBuffer(LengthwiseReplayBuffer):
    last_train = None

    def sample(self, global_steps, partition_id, batch_size):
        meta, metrics = super().sample(global_steps=global_steps, partition_id=partition_id, batch_size=batch_size)
        if partition_id != "val" and meta.keys:
            self.last_train = meta
        return meta, metrics


class AdvantageProbe(LengthwiseCheckpointCallback):
    def on_save(self, trainer, global_step, checkpoint_dir, async_save=False, **kwargs):
        super().on_save(trainer, global_step, checkpoint_dir, async_save=async_save, **kwargs)
        meta = trainer.replay_buffer.last_train
        fields = ["uid", "rm_scores", "response_mask", "advantages", "extra_fields"]
        data = tq.kv_batch_get(keys=list(meta.keys), partition_id=meta.partition_id, select_fields=fields)
        rows = zip(meta.keys, data["uid"], data["rm_scores"].unbind(), data["response_mask"].unbind(),
                   data["advantages"].unbind(), data["extra_fields"])
        with open(os.environ[PROBE_ENV], "a", encoding="utf-8") as out:
            for key, uid, scores, mask, adv, extra in rows:
                record = dict(_plain(extra) or {}).get("reward_extra_info", {})
                out.write(json.dumps({
                    "step": int(global_step), "key": key, "uid": str(_plain(uid)),
                    "rm_scores": scores.tolist(), "response_mask": mask.tolist(), "advantages": adv.tolist(),
                    "record": {k: v for k, v in record.items() if isinstance(v, (int, float, str))},
                }) + "\n")
