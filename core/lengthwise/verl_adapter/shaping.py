"""Per-response grading and whole-step shaping, as pure functions the verl classes call.

The two halves of :meth:`lengthwise.LengthController.score`, split where verl splits the work:

* :func:`grade_response` runs in verl's reward workers, one response at a time: the lengthwise
  scorer's verdict on ``clip(y, cap)`` and a flat record (:data:`RECORD_KEYS`) of what the
  shaping needs later — correctness, length, cap, which scorer path decided, truncation. The
  record travels as the response's ``reward_extra_info``.
* :func:`shape_step` runs in the driver on the whole step (the replay buffer's sample): it
  rebuilds the :class:`~lengthwise.RolloutBatch` from the records, runs the controller's
  difficulty estimator and reward shaper on it (group ids = verl's ``uid``), and returns the
  rewards, per-response extras and the step's ``lengthwise/*`` metrics.

Run on the same responses, the two give exactly what ``LengthController.score`` gives (the
tests check this), with one difference: the shaper sees the responses' token ids but not their
texts (the texts stayed in the reward workers; Laser-DE's repetition check reads token ids, as in
its source).

Record encoding. verl averages every ``reward_extra_info`` key over the validation set, so the
values are numbers: ``acc`` (1.0/0.0, verl's usual key, also what DAPO's ``filter_groups.metric=acc``
reads), ``lw_length`` and ``lw_cap`` (tokens), ``lw_truncated`` (the cap cut the text) and one 0/1
flag per non-fast scorer path (``lw_math_verify``, ``lw_timeout``, ``lw_deferred``, ``lw_error``,
``lw_no_answer``; all zero means the Rust fast path decided). ``lw_no_answer`` and ``lw_truncated`` become the
batch's ``has_answer`` and (with ℓ >= cap) ``truncated``, which format penalties read. ``lw_target_length`` is added only when the data row
carries a target length (L1/LCPO); NaN never appears.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..batch import RolloutBatch
from ..pipeline import LengthController, StepResult, answer_flags, cap_char_offsets, grade_with
from ..scoring import GradeOptions, GradeResult, GradingStats

__all__ = [
    "RECORD_KEYS",
    "PATH_FLAGS",
    "grade_response",
    "record_from_grade",
    "grade_from_record",
    "StepShaping",
    "shape_step",
]

PATH_FLAGS: dict[str, str] = {
    "math_verify": "lw_math_verify",
    "timeout": "lw_timeout",
    "deferred": "lw_deferred",
    "error": "lw_error",
    "no_answer": "lw_no_answer",
}
RECORD_KEYS: tuple[str, ...] = ("acc", "lw_length", "lw_cap", "lw_truncated", *PATH_FLAGS.values())


def record_from_grade(grade: GradeResult, length: int, cap: int, target_length: float | None = None) -> dict[str, float]:
    """The ``reward_extra_info`` record of one graded response."""
    record: dict[str, float] = {
        "acc": 1.0 if grade.correct else 0.0,
        "lw_length": float(length),
        "lw_cap": float(cap),
        "lw_truncated": 1.0 if grade.truncated else 0.0,
    }
    for path, key in PATH_FLAGS.items():
        record[key] = 1.0 if grade.path == path else 0.0
    if target_length is not None:
        record["lw_target_length"] = float(target_length)
    return record


def grade_from_record(record: Mapping[str, Any]) -> GradeResult:
    """The :class:`GradeResult` a record encodes (without the extracted answer, which it does not keep)."""
    missing = [k for k in RECORD_KEYS if k not in record]
    if missing:
        raise KeyError(
            f"reward_extra_info lacks {missing}: the response was not scored by "
            "lengthwise.verl_adapter.reward_manager.LengthwiseRewardManager"
        )
    path = next((p for p, key in PATH_FLAGS.items() if float(record[key]) > 0), "rust")
    return GradeResult(bool(float(record["acc"]) > 0), None, path, bool(float(record["lw_truncated"]) > 0))


def grade_response(
    scoring: GradeOptions,
    text: str,
    token_ids: Sequence[int],
    ground_truth: str,
    cap: int,
    decode: Callable[[list[int]], str],
    target_length: float | None = None,
) -> tuple[GradeResult, dict[str, float]]:
    """Grade one response on its first ``cap`` tokens (``scoring.cap_grading``) and build its record.

    ``text`` must be ``decode(token_ids)``; the cap's character offset is where ``decode`` of the
    first ``cap`` ids ends (:func:`lengthwise.pipeline.cap_char_offsets`).
    """
    if cap <= 0:
        raise ValueError(f"cap must be a positive number of tokens, got {cap}")
    # Decoding the capped prefix costs a tokenizer call; skip it when the cap does not grade.
    offsets = cap_char_offsets([text], [token_ids], [int(cap)], decode) if scoring.cap_grading else None
    (grade,) = grade_with(scoring, [text], [str(ground_truth)], offsets)
    return grade, record_from_grade(grade, len(token_ids), int(cap), target_length)


@dataclass(frozen=True)
class StepShaping:
    """What :func:`shape_step` returns.

    rewards: one float per response (the scalar verl's advantage estimator gets).
    result: the controller's step result (terms, difficulty, its metrics).
    metrics: the tracker's ``lengthwise/*`` metrics for the step (controller + scorer stats).
    extras: per response, ``lw_reward``, ``lw_pass_rate``, ``lw_bucket``, ``lw_difficulty`` (when
        there is a difficulty) and ``lw_term_<name>`` for each reward term.
    """

    rewards: np.ndarray
    result: StepResult
    metrics: dict[str, float]
    extras: list[dict[str, Any]] = field(default_factory=list)


def shape_step(
    controller: LengthController,
    *,
    group_ids: Sequence[Any],
    records: Sequence[Mapping[str, Any]],
    step: int,
    token_ids: Sequence[Sequence[int]] | None = None,
    lengths: Sequence[int] | None = None,
) -> StepShaping:
    """Difficulty and rewards for one step's responses, from their grading records.

    group_ids: verl's ``uid`` per response (responses of one prompt share it).
    records: each response's ``reward_extra_info`` (see :func:`grade_response`).
    step: the lengthwise (0-based) step.
    token_ids: response token ids (for shapers that read them); ``lengths`` overrides the
        records' ``lw_length`` (the driver passes the stored responses' lengths).
    """
    n = len(group_ids)
    if len(records) != n:
        raise ValueError(f"{len(records)} records for {n} responses")
    if token_ids is not None and len(token_ids) != n:
        raise ValueError(f"{len(token_ids)} token id lists for {n} responses")
    grades = [grade_from_record(r) for r in records]
    if lengths is None:
        lengths = [float(r["lw_length"]) for r in records]
    elif len(lengths) != n:
        raise ValueError(f"{len(lengths)} lengths for {n} responses")
    caps = [int(float(r["lw_cap"])) for r in records]
    targets = None
    if any("lw_target_length" in r for r in records):
        targets = np.array([float(r.get("lw_target_length", np.nan)) for r in records], dtype=np.float64)
    has_answer, truncated = answer_flags(grades, lengths, caps)
    batch = RolloutBatch.from_lists(
        group_ids,
        lengths,
        [g.correct for g in grades],
        caps,
        has_answer=has_answer,
        truncated=truncated,
        token_ids=tuple(token_ids) if token_ids is not None else None,
        target_lengths=targets,
        step=int(step),
    )
    result = controller.step(batch)
    metrics = dict(result.metrics)
    metrics.update(GradingStats.from_results(grades).as_metrics())
    if n:
        metrics["lengthwise/step"] = float(step)
        metrics["lengthwise/groups"] = float(batch.n_groups)
        # mean over prompts of p(q); equals lengthwise/accuracy only when all groups have equal size
        hits = np.bincount(batch.group, weights=batch.correct.astype(np.float64), minlength=batch.n_groups)
        sizes = np.bincount(batch.group, minlength=batch.n_groups)
        metrics["lengthwise/pass_rate_mean"] = float(np.mean(hits / sizes))
    rewards = np.asarray(result.rewards.rewards, dtype=np.float64)
    extras: list[dict[str, Any]] = []
    pass_rate = batch.group_pass_rate()
    diff = result.difficulty
    for i in range(n):
        extra: dict[str, Any] = {"lw_reward": float(rewards[i]), "lw_pass_rate": float(pass_rate[i])}
        if diff is not None:
            extra["lw_bucket"] = str(diff.bucket[i])
            if diff.score is not None:
                extra["lw_difficulty"] = float(diff.score[i])
        for name, values in result.rewards.terms.items():
            extra[f"lw_term_{name}"] = float(np.asarray(values)[i])
        extras.append(extra)
    return StepShaping(rewards=rewards, result=result, metrics=metrics, extras=extras)
