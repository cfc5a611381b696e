"""Whole-step reward shaping in verl 0.9's replay buffer.

Selected with ``trainer.v1.sampler.custom_sampler.path=pkg://lengthwise.verl_adapter.replay_buffer``
and ``trainer.v1.sampler.custom_sampler.name=LengthwiseReplayBuffer`` (verl imports it in the driver).

What it does. verl's V1 trainer asks the replay buffer for each step's batch
(``sample(global_steps, "train", batch_size)``) once every group of the step has finished its
rollouts, and before old log-probs, advantages or the update. :class:`LengthwiseReplayBuffer` lets
verl's own buffer pick the batch, then reads the step's trajectories from TransferQueue (their
``uid``, response token ids and the grading record each reward worker wrote into
``reward_extra_info``), runs the lengthwise difficulty estimator and reward shaper on the whole
step with groups keyed by ``uid`` (:func:`lengthwise.step.shape_step`), writes the
shaped reward back as ``rm_scores`` (on the last response token, where verl puts a score) and adds
the per-response extras (bucket, difficulty, reward terms) to ``reward_extra_info``. The step's
``lengthwise/*`` metrics are returned with the sample, and verl logs them with the step. The
validation partition is left as graded: plain correctness.

Why here and not in an advantage estimator (``algorithm.adv_estimator`` + ``register_adv_est``):

* What the shaping needs does not reach an estimator. verl 0.9's V1 ``_compute_advantage`` fetches
  only ``uid``, ``response_mask``, ``rm_scores`` and log-prob fields from TransferQueue; the
  correctness verdicts, caps, scorer paths and token ids would have to be smuggled through the
  reward tensor. The buffer reads any stored field.
* An estimator replaces the advantage computation itself. verl hard-wires ``gae`` and ``grpo``, so
  a lengthwise estimator would have to re-implement GRPO (and could not be combined with RLOO,
  REINFORCE++, …). Rewriting ``rm_scores`` keeps every verl estimator, KL-in-reward, DAPO loss
  modes and verl's own reward metrics (``critic/score/*``) working on the shaped reward.
* An estimator is found by name in verl's registry, so it must be registered in the driver before
  the first advantage; verl has no config key that imports one. Where lengthwise does need an
  estimator — DLER's boost, which acts on the advantage, not the reward — this module's import
  registers it (:mod:`.advantage`): verl imports this module in the driver from the config when it
  builds the trainer, before any rollout.
* The buffer is verl's documented extension point for this, it runs in the driver with the
  whole step in hand, and its metrics dict goes straight to the tracker.

Statistics on everything generated. verl's DAPO group filter (``algorithm.filter_groups``) runs
inside the parent ``sample`` on the rewards as streamed, i.e. on correctness (filter on ``acc``,
what DeepCompress's scripts do), and deletes the all-correct and all-wrong groups from
TransferQueue (``_clear_groups``) — in sync mode over several refill rounds, and it also discards
the surplus of mixed groups once enough have finished. The recipes compute their statistics on
everything generated, before filtering (DeepCompress's batch pass-rate moving average; Laser-D's
length coverage per accuracy band, which needs the all-correct and all-wrong prompts). So the
buffer copies every finished group's trajectories (uid, token ids, grading record) just before
verl clears it, and the step is shaped on the union of those groups and the sampled ones: the
difficulty estimator and the shaper's batch statistics see every group generated since the last
train sample (refill rounds included), and only the sampled groups' rewards are written back.
Each group's own rewards do not depend on which other groups are in the batch, except through
those batch statistics. Groups dropped as stale (async ``max_off_policy_strategy=drop``) or failed
are not counted: they belong to an older policy or have no trajectories. The step's
``lengthwise/*`` metrics are over the whole generated set; ``lengthwise/filtered_groups`` counts
the groups that were generated but not trained on.

Caveats. With ``trainer.v1.<mode>.parameter_sync_step`` = k > 1 the trainer samples k
mini-batches per step and each is shaped as one batch. A colocated reward *model*
(``reward.reward_model.enable`` without its own pool) scores after sampling, so it cannot be
combined with this buffer; lengthwise's rule-based scorer never needs one.

Custom samplers do not receive verl's DAPO settings in their constructor (verl 0.9.1 passes them
only to its built-in buffers); the buffer reads them from the full verl config the agent-loop
manager registered in the run state, exactly as verl's ``_build_replay_buffer`` derives them, the
first time it reads TransferQueue (``_sync_metadata_from_transfer_queue``), which every entry point
does first: ``sample`` and the async trainers' ``get_sampleable_count``/``wait_for_sampleable``,
which ``trainer_separate_async`` calls before its first ``sample``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch
import transfer_queue as tq
from transfer_queue import KVBatchMeta

from verl.trainer.ppo.v1.replay_buffer import ReplayBuffer, ReplayBufferAsync
from verl.utils import tensordict_utils as tu

from .. import metrics as K
from . import advantage  # noqa: F401  (registers lengthwise_correct_boost in verl's estimator registry, in the driver)
from ..step import StepShaping, shape_step
from .state import RunState, driver_state, lengthwise_step

__all__ = [
    "LengthwiseReplayBuffer",
    "LengthwiseReplayBufferAsync",
    "GeneratedGroups",
    "read_generated",
    "shape_stored_batch",
    "READ_FIELDS",
]

READ_FIELDS = ["uid", "responses", "rm_scores", "extra_fields"]


def _plain(value: Any) -> Any:
    return getattr(value, "data", value)


@dataclass
class GeneratedGroups:
    """Trajectories of groups that were generated but will not be trained on (filtered, surplus)."""

    uids: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    token_ids: list[list[int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.uids)

    @property
    def n_groups(self) -> int:
        return len(set(self.uids))


def _records(keys: list[str], extra_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records = []
    for key, extra in zip(keys, extra_fields):
        info = extra.get("reward_extra_info")
        if not isinstance(info, dict):
            raise RuntimeError(
                f"trajectory {key} has no reward_extra_info: lengthwise needs the streaming reward workers "
                "(reward.reward_manager.name=LengthwiseRewardManager, no colocated reward model)"
            )
        records.append(info)
    return records


def read_generated(keys: list[str], partition_id: str, into: GeneratedGroups) -> None:
    """Append the stored trajectories ``keys`` (uid, response ids, grading record) to ``into``."""
    if not keys:
        return
    data = tq.kv_batch_get(keys=keys, partition_id=partition_id, select_fields=["uid", "responses", "extra_fields"])
    extra_fields = [dict(_plain(e) or {}) for e in data["extra_fields"]]
    into.uids.extend(str(_plain(u)) for u in data["uid"])
    into.records.extend(_records(keys, extra_fields))
    into.token_ids.extend(r.tolist() for r in data["responses"].unbind())


def shape_stored_batch(
    meta: KVBatchMeta, run: RunState, global_steps: int, generated: GeneratedGroups | None = None
) -> tuple[StepShaping, dict[str, float]]:
    """Shape the trajectories ``meta`` names in TransferQueue and write the rewards back.

    ``generated``: trajectories of the step's other generated groups (filtered or surplus); they
    join the batch the statistics are computed on, and get no reward written. Returns the shaping
    (of the whole set, sampled responses first) and the step's metrics. Reads :data:`READ_FIELDS`;
    writes ``rm_scores`` (zeros with the reward on the last response token) and ``extra_fields``
    (the stored dict, its ``reward_extra_info`` extended with the shaping's per-response extras).
    """
    t0 = time.perf_counter()
    keys = list(meta.keys)
    data = tq.kv_batch_get(keys=keys, partition_id=meta.partition_id, select_fields=READ_FIELDS)
    uids = [str(_plain(u)) for u in data["uid"]]
    responses = list(data["responses"].unbind())
    scores = list(data["rm_scores"].unbind())
    extra_fields = [dict(_plain(e) or {}) for e in data["extra_fields"]]
    records = _records(keys, extra_fields)
    token_ids = [r.tolist() for r in responses]
    if generated is not None and len(generated):
        overlap = set(uids) & set(generated.uids)
        if overlap:
            raise RuntimeError(f"groups {sorted(overlap)[:5]} were both filtered and sampled")
        uids = uids + generated.uids
        records = records + generated.records
        token_ids = token_ids + generated.token_ids
    shaped = shape_step(
        run.controller,
        group_ids=uids,
        records=records,
        step=lengthwise_step(global_steps),
        token_ids=token_ids,
        lengths=[len(t) for t in token_ids],
    )
    shaped.metrics[K.FILTERED_GROUPS] = float(generated.n_groups if generated is not None else 0)
    new_scores = []
    for old, reward in zip(scores, shaped.rewards[: len(keys)]):
        new = torch.zeros_like(old)
        if new.numel():
            new[-1] = float(reward)
        new_scores.append(new)
    new_extra = [
        {**extra, "reward_extra_info": {**extra["reward_extra_info"], **more}}
        for extra, more in zip(extra_fields, shaped.extras)
    ]
    fields = tu.get_tensordict(
        {"rm_scores": torch.nested.as_nested_tensor(new_scores, layout=torch.jagged), "extra_fields": new_extra}
    )
    tq.kv_batch_put(keys=keys, partition_id=meta.partition_id, fields=fields)
    # lengthwise's own share of a step: grading in the reward workers (summed over responses;
    # it overlaps generation) and this whole-step shaping, TransferQueue reads and writes included.
    shaped.metrics[K.TIMING_SCORING] = float(sum(float(r.get("lw_grade_s", 0.0)) for r in records))
    shaped.metrics[K.TIMING_SHAPING] = time.perf_counter() - t0
    return shaped, shaped.metrics


#: ``trainer.v1.sampler.sampler_kwargs.poll_interval``: seconds between the buffer's checks for
#: finished rollouts. verl hands a custom sampler only ``sampler_kwargs`` and keeps its own 2 s
#: default, which on a CPU step of a few seconds rounds generation up to the next 2 s.
POLL_INTERVAL_KEY = "poll_interval"


class _LengthwiseSampling:
    """Shared part of the sync and async buffers: set up from the run state, shape train batches."""

    _lengthwise: RunState | None = None
    _generated: GeneratedGroups | None = None
    _not_generated: frozenset[str] = frozenset()

    def _dapo_settings(self, verl_config: Any) -> dict[str, Any]:
        """verl's ``_build_replay_buffer`` / ``_resolve_filter_groups_metric`` settings, from the full config."""
        fg = verl_config.algorithm.get("filter_groups", None)
        metric = None
        if fg is not None and fg.get("enable", False):
            metric = fg.get("metric", None)
            if not metric:
                raise ValueError("algorithm.filter_groups.metric must be set when group filtering is enabled")
            metric = str(metric)
        sync_refill = bool(verl_config.trainer.v1.sampler.get("sync_refill_failed_groups", False))
        return {"filter_groups_metric": metric, "sync_refill_failed_groups": sync_refill}

    def _setup_lengthwise(self) -> RunState:
        if self._lengthwise is None:
            poll = (getattr(self, "sampler_kwargs", None) or {}).get(POLL_INTERVAL_KEY)
            if poll is not None:
                if not float(poll) > 0:
                    raise ValueError(f"trainer.v1.sampler.sampler_kwargs.{POLL_INTERVAL_KEY} must be > 0, got {poll!r}")
                self.poll_interval = float(poll)
            run = driver_state()
            if run.verl_config is None:
                raise RuntimeError("the lengthwise run state has no verl config (create it with driver_state(config))")
            for name, value in self._dapo_settings(run.verl_config).items():
                setattr(self, name, value)
            self._lengthwise = run
        return self._lengthwise

    def _sync_metadata_from_transfer_queue(self) -> None:
        # every entry point (sample, get_sampleable_count, wait_for_sampleable) reads TQ first:
        # the DAPO settings must be in place before the first eviction decision
        self._setup_lengthwise()
        super()._sync_metadata_from_transfer_queue()

    def _evict_terminal_groups(self, global_steps, partition_id, eviction_reasons):
        stale_uids, _dapo_uids, failed_uids, _counts = eviction_reasons
        self._not_generated = frozenset(stale_uids | failed_uids)
        try:
            return super()._evict_terminal_groups(global_steps, partition_id, eviction_reasons)
        finally:
            self._not_generated = frozenset()

    def _clear_groups(self, partition_id: str, uids: set[str]) -> None:
        # DAPO-filtered and surplus groups are finished, generated for this step: keep their
        # trajectories for the step's statistics before verl deletes them
        if partition_id != "val" and uids:
            keep = (set(uids) & self.finished_keys[partition_id]) - self._not_generated
            keys = sorted(k for k in self.partitions[partition_id] if k.split("_")[0] in keep)
            if self._generated is None:
                self._generated = GeneratedGroups()
            read_generated(keys, partition_id, self._generated)
        super()._clear_groups(partition_id, uids)

    def sample(self, global_steps: int, partition_id: str, batch_size: int) -> tuple[KVBatchMeta, dict]:
        run = self._setup_lengthwise()
        meta, metrics = super().sample(global_steps=global_steps, partition_id=partition_id, batch_size=batch_size)
        if partition_id == "val" or not meta.keys:
            return meta, metrics
        generated, self._generated = self._generated, None
        _, step_metrics = shape_stored_batch(meta, run, global_steps, generated)
        run.save_pending(global_steps)  # before verl's save can mark this step complete
        metrics.update(step_metrics)
        return meta, metrics


class LengthwiseReplayBuffer(_LengthwiseSampling, ReplayBuffer):
    """verl's sync replay buffer, plus lengthwise's whole-step reward shaping (``trainer.v1.trainer_mode=sync``)."""

    def _dapo_settings(self, verl_config: Any) -> dict[str, Any]:
        settings = super()._dapo_settings(verl_config)
        train_batch_size = int(verl_config.data.train_batch_size)
        exact_refill = settings["filter_groups_metric"] is not None or settings["sync_refill_failed_groups"]
        settings["train_batch_size"] = train_batch_size
        settings["gen_batch_size"] = 1 if exact_refill else int(verl_config.data.get("gen_batch_size", None) or train_batch_size)
        settings["max_inflight_gen_batches"] = (
            int(verl_config.algorithm.filter_groups.get("max_inflight_gen_batches", 1))
            if settings["filter_groups_metric"] is not None
            else 1
        )
        return settings

    def _setup_lengthwise(self) -> RunState:
        fresh = self._lengthwise is None
        run = super()._setup_lengthwise()
        if fresh:
            if self.filter_groups_metric is not None and self.refill_fn is None:
                raise ValueError("group filtering needs the trainer's refill_fn")
            self._validate_mode_config()
        return run


class LengthwiseReplayBufferAsync(_LengthwiseSampling, ReplayBufferAsync):
    """verl's async replay buffer plus lengthwise shaping (``colocate_async`` / ``separate_async`` modes)."""
