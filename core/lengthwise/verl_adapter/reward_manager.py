"""verl reward-loop manager: grades one response with the lengthwise scorer, under its cap.

Selected with ``reward.reward_manager.source=importlib``,
``reward.reward_manager.module.path=pkg://lengthwise.verl_adapter.reward_manager`` and
``reward.reward_manager.name=LengthwiseRewardManager``; verl imports it inside each reward worker
(``RewardLoopWorker`` → ``load_reward_manager``), so nothing has to be registered beforehand.

verl 0.9 calls ``run_single`` once per finished trajectory, while rollouts are still running, so
this class can only do the per-response half of lengthwise's reward: the verdict on
``clip(y, L_t)`` (L_t = the ``lw_max_tokens`` the agent-loop manager attached to the sample) and a
record of length, cap and scorer path (:func:`lengthwise.step.grade_response`).
The reward it returns is the plain correctness (1.0/0.0): that is the final score on the
validation partition, and on the training partition
:class:`~lengthwise.verl_adapter.replay_buffer.LengthwiseReplayBuffer` replaces it by the shaped
reward once the whole step is in.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from verl import DataProto
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from ..preflight import check_training_runtime
from ..step import grade_response
from .state import CAP_KEY, load_run_config

__all__ = ["LengthwiseRewardManager", "CAP_KEY", "TARGET_LENGTH_KEY"]

# A data row's extra_info may carry a per-prompt target length (L1 / LCPO "think for N tokens").
TARGET_LENGTH_KEY = "target_length"
# ... and a difficulty level (the demo task's 1..8, MATH's 1..5), for the per-level metrics.
LEVEL_KEY = "level"
#: Seconds lengthwise spent grading one response (scorer and record), in its record.
GRADE_TIME_KEY = "lw_grade_s"


def _item(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


def _level(value: Any) -> float | None:
    """A data row's level as a number; None when it has none or it is not a finite number
    (MATH writes "Level 3": its digits are read)."""
    value = _item(value)
    if isinstance(value, str):
        digits = "".join(ch for ch in value if ch.isdigit())
        value = digits or None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if f == f and abs(f) != float("inf") else None


class LengthwiseRewardManager(RewardManagerBase):
    """Correctness of the capped response plus the record the step-level shaping needs."""

    def __init__(self, config, tokenizer, compute_score=None, reward_router_address=None, reward_model_tokenizer=None, **kwargs):
        super().__init__(config, tokenizer, compute_score)
        # verl's default compute_score is not used: lengthwise grades with its own scorer, whose
        # fallback must work on this node too (a broken math-verify would grade silently wrong)
        check_training_runtime()
        self.scoring = load_run_config(config).scoring

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    async def run_single(self, data: DataProto) -> dict:
        # A multi-output trajectory is scored on its last output, as verl's naive manager does.
        item = data[-1:][0]
        responses = item.batch["responses"]
        width = responses.shape[-1]
        valid = int(item.batch["attention_mask"][-width:].sum())
        ids = [int(t) for t in responses[:valid].tolist()]
        nt = item.non_tensor_batch
        try:
            ground_truth = nt["reward_model"]["ground_truth"]
        except (KeyError, TypeError):
            raise KeyError("the data row has no reward_model.ground_truth (verl's RL parquet format)") from None
        if CAP_KEY not in nt:
            raise KeyError(
                f"sample has no '{CAP_KEY}': set actor_rollout_ref.rollout.agent.agent_loop_manager_class="
                "lengthwise.verl_adapter.agent_loop.LengthwiseAgentLoopManager"
            )
        cap = int(_item(nt[CAP_KEY]))
        extra_info = nt.get("extra_info") or {}
        target = extra_info.get(TARGET_LENGTH_KEY) if isinstance(extra_info, dict) else None
        level = _level(extra_info.get(LEVEL_KEY)) if isinstance(extra_info, dict) else None
        loop = asyncio.get_running_loop()  # the caller's loop (verl's self.loop is the one current at init)
        text = await loop.run_in_executor(None, self._decode, ids)
        # The scorer may wait on its math-verify pool (hard per-item deadline): keep it off the event loop.
        def timed_grade():
            t0 = time.perf_counter()
            _, rec = grade_response(
                self.scoring, text, ids, str(ground_truth), cap, self._decode, None if target is None else float(target),
                level,
            )
            rec[GRADE_TIME_KEY] = time.perf_counter() - t0  # lengthwise's own cost, reported per step
            return rec

        record = await loop.run_in_executor(None, timed_grade)
        return {"reward_score": record["acc"], "reward_extra_info": record}
