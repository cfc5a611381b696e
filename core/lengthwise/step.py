"""One training step, one path: grade each response into a record, then shape the whole step.

verl and the Python API score a step with the same functions:

* :func:`grade_batch` grades responses on ``clip(y, cap)`` with the lengthwise scorer and builds
  each one's :class:`ResponseRecord` — correctness, length, cap, truncation, which scorer path
  decided, and the data row's target length and difficulty level when it has them. In verl it
  runs in the reward workers one response at a time (:func:`grade_response`); the record travels
  as the response's ``reward_extra_info``.
* :func:`shape_step` runs on the whole step (in verl: the replay buffer's sample, in the driver):
  it rebuilds the :class:`~lengthwise.RolloutBatch` from the records, runs the controller's
  difficulty estimator and reward shaper on it (group ids = verl's ``uid``), and returns the
  rewards, per-response extras and the step's metrics (:mod:`lengthwise.metrics`).

:meth:`lengthwise.LengthController.score` is :func:`grade_batch` then :func:`shape_step` on a
batch the caller holds; the only difference from verl's path is that it can hand the shaper the
texts too (in verl they stay in the reward workers; shapers that read the response, such as
Laser-DE's repetition check, read token ids, as in their sources).

Record encoding. verl averages every ``reward_extra_info`` key over the validation set, so the
values are numbers: ``acc`` (1.0/0.0, verl's usual key, also what DAPO's ``filter_groups.metric=acc``
reads), ``lw_length`` and ``lw_cap`` (tokens), ``lw_truncated`` (cut off: the cap cut the text, or ℓ >= cap) and one 0/1
flag per non-fast scorer path (``lw_math_verify``, ``lw_timeout``, ``lw_deferred``, ``lw_error``,
``lw_no_answer``; all zero means the Rust fast path decided). ``lw_no_answer`` and ``lw_truncated`` become the
batch's ``has_answer`` and ``truncated``, which format penalties read. ``lw_target_length`` is added only when the data row
carries a target length (L1/LCPO), ``lw_level`` only when it carries a difficulty level
(``extra_info.level``: the demo task's, MATH's); NaN never appears.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from typing import TYPE_CHECKING

from . import metrics as K
from .batch import RolloutBatch
from .scoring import GradeResult, GradingStats
from .scoring.options import GradeOptions

if TYPE_CHECKING:  # pipeline imports this module
    from .pipeline import LengthController, StepResult

__all__ = [
    "RECORD_KEYS",
    "PATH_FLAGS",
    "ResponseRecord",
    "answer_flags",
    "cap_char_offsets",
    "grade_with",
    "grade_batch",
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


@dataclass(frozen=True)
class ResponseRecord:
    """What the whole-step shaping needs of one graded response (the typed form of its
    ``reward_extra_info``: :meth:`to_extra_info` / :meth:`from_extra_info`)."""

    correct: bool
    length: int
    cap: int
    truncated: bool  # cut off: the scorer's cap cut the text, or the response reached its cap (ℓ >= cap)
    path: str = "rust"  # the scorer path that decided: rust, math_verify, timeout, deferred, error, no_answer
    target_length: float | None = None
    level: float | None = None

    def to_extra_info(self) -> dict[str, float]:
        out: dict[str, float] = {
            "acc": 1.0 if self.correct else 0.0,
            "lw_length": float(self.length),
            "lw_cap": float(self.cap),
            "lw_truncated": 1.0 if self.truncated else 0.0,
        }
        for path, key in PATH_FLAGS.items():
            out[key] = 1.0 if self.path == path else 0.0
        if self.target_length is not None:
            out["lw_target_length"] = float(self.target_length)
        if self.level is not None:
            out["lw_level"] = float(self.level)
        return out

    @classmethod
    def from_extra_info(cls, info: Mapping[str, Any]) -> "ResponseRecord":
        missing = [k for k in RECORD_KEYS if k not in info]
        if missing:
            raise KeyError(
                f"reward_extra_info lacks {missing}: the response was not scored by "
                "lengthwise.verl_adapter.reward_manager.LengthwiseRewardManager"
            )
        path = next((p for p, key in PATH_FLAGS.items() if float(info[key]) > 0), "rust")
        target, level = info.get("lw_target_length"), info.get("lw_level")
        return cls(bool(float(info["acc"]) > 0), int(float(info["lw_length"])), int(float(info["lw_cap"])),
                   bool(float(info["lw_truncated"]) > 0), path,
                   None if target is None else float(target), None if level is None else float(level))

    def grade(self) -> GradeResult:
        """The :class:`GradeResult` it encodes (without the extracted answer, which it does not keep)."""
        return GradeResult(self.correct, None, self.path, self.truncated)


def answer_flags(
    graded: Sequence[Any], lengths: Sequence[float], caps: int | Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``RolloutBatch.has_answer`` and ``truncated`` from grade results.

    has_answer: the scorer found an answer (its path is not ``"no_answer"``).
    truncated: the scorer's cap cut the text, or the response reached its generation cap (ℓ >= cap).
    """
    n = len(graded)
    ell = np.asarray(lengths, dtype=np.float64)
    cap = np.full(n, caps, dtype=np.float64) if np.isscalar(caps) else np.asarray(caps, dtype=np.float64)
    has_answer = np.array([g.path != "no_answer" for g in graded], dtype=bool)
    cut = np.array([bool(g.truncated) for g in graded], dtype=bool)
    return has_answer, cut | (ell >= cap)


def cap_char_offsets(
    texts: Sequence[str],
    token_ids: Sequence[Sequence[int]],
    caps: Sequence[int],
    decode: Any,
) -> list[int | None]:
    """Where the cap falls in each response, as a character offset (None: within the cap).

    A response of more than ``cap`` tokens is graded on its first ``cap`` tokens; their decoded
    text ``decode(ids[:cap])`` is a prefix of the full text for the byte-level BPE tokenizers
    these models use, so its length is the offset. ``decode`` is the tokenizer's
    ``decode(list[int]) -> str``.
    """
    out: list[int | None] = []
    for text, ids, cap in zip(texts, token_ids, caps):
        if len(ids) <= cap:
            out.append(None)
        else:
            out.append(min(len(decode(list(ids[: int(cap)]))), len(text)))
    return out



def grade_with(
    scoring: GradeOptions,
    responses: Sequence[str],
    ground_truths: Sequence[str],
    cap_offsets: Sequence[int | None] | None = None,
) -> list[Any]:
    """Grade with a config's scoring options; ``cap_offsets`` count only when ``cap_grading`` is on."""
    from .scoring import grade_detailed

    return grade_detailed(
        list(responses),
        list(ground_truths),
        cap_char_offsets=list(cap_offsets) if cap_offsets is not None else None,
        options=scoring,
    )




def record_from_grade(grade: GradeResult, length: int, cap: int, target_length: float | None = None,
                      level: float | None = None) -> dict[str, float]:
    """The ``reward_extra_info`` record of one graded response (``level``: the data row's
    difficulty level, for the per-level metrics). ``lw_truncated`` is 1 when the response was cut
    off: the scorer's cap cut its text, or it stopped at its cap (ℓ >= cap), so verl's logged
    ``lw_truncated`` means the same as ``lengthwise/truncation_rate``, in validation too."""
    cut = bool(grade.truncated) or int(length) >= int(cap)
    return ResponseRecord(bool(grade.correct), int(length), int(cap), cut, grade.path,
                          target_length, level).to_extra_info()


def grade_from_record(record: Mapping[str, Any]) -> GradeResult:
    """The :class:`GradeResult` a record encodes (without the extracted answer, which it does not keep)."""
    return ResponseRecord.from_extra_info(record).grade()


def grade_batch(
    scoring: GradeOptions,
    texts: Sequence[str],
    ground_truths: Sequence[str],
    lengths: Sequence[int],
    caps: Sequence[int],
    cap_offsets: Sequence[int | None] | None = None,
    target_lengths: Sequence[float | None] | None = None,
    levels: Sequence[float | None] | None = None,
) -> tuple[list[GradeResult], list[dict[str, float]]]:
    """Grade responses on their capped text (``cap_offsets``: where each cap falls in the text,
    see :func:`cap_char_offsets`; used when ``scoring.cap_grading`` is on) and build their records."""
    n = len(texts)
    for name, seq in (("ground truths", ground_truths), ("lengths", lengths), ("caps", caps)):
        if len(seq) != n:
            raise ValueError(f"{len(seq)} {name} for {n} responses")
    grades = grade_with(scoring, texts, [str(g) for g in ground_truths], cap_offsets)
    targets = list(target_lengths) if target_lengths is not None else [None] * n
    lvls = list(levels) if levels is not None else [None] * n
    records = [record_from_grade(g, int(ell), int(c), t, lv) for g, ell, c, t, lv in zip(grades, lengths, caps, targets, lvls)]
    return grades, records


def grade_response(
    scoring: GradeOptions,
    text: str,
    token_ids: Sequence[int],
    ground_truth: str,
    cap: int,
    decode: Callable[[list[int]], str],
    target_length: float | None = None,
    level: float | None = None,
) -> tuple[GradeResult, dict[str, float]]:
    """Grade one response on its first ``cap`` tokens (``scoring.cap_grading``) and build its record.

    ``text`` must be ``decode(token_ids)``; the cap's character offset is where ``decode`` of the
    first ``cap`` ids ends (:func:`lengthwise.pipeline.cap_char_offsets`).
    """
    if cap <= 0:
        raise ValueError(f"cap must be a positive number of tokens, got {cap}")
    # Decoding the capped prefix costs a tokenizer call; skip it when the cap does not grade.
    offsets = cap_char_offsets([text], [token_ids], [int(cap)], decode) if scoring.cap_grading else None
    (grade,), (record,) = grade_batch(scoring, [text], [ground_truth], [len(token_ids)], [int(cap)], offsets,
                                      [target_length], [level])
    return grade, record


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
    responses: Sequence[str] | None = None,
) -> StepShaping:
    """Difficulty and rewards for one step's responses, from their grading records.

    group_ids: verl's ``uid`` per response (responses of one prompt share it).
    records: each response's ``reward_extra_info`` (see :func:`grade_response`).
    step: the lengthwise (0-based) step.
    token_ids: response token ids (for shapers that read them); ``lengths`` overrides the
        records' ``lw_length`` (the driver passes the stored responses' lengths); ``responses``:
        the texts, when the caller has them (the Python API; verl's driver does not).
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
        responses=tuple(responses) if responses is not None else None,
        token_ids=tuple(token_ids) if token_ids is not None else None,
        target_lengths=targets,
        step=int(step),
    )
    result = controller.step(batch)
    metrics = dict(result.metrics)
    levels = K.levels_of([r.get("lw_level") for r in records]) if n else None
    if levels is not None:
        metrics.update(K.level_metrics(levels, batch.correct, batch.lengths, batch.truncated))
    metrics.update(GradingStats.from_results(grades).as_metrics())
    if n:
        metrics[K.STEP] = float(step)
        metrics[K.GROUPS] = float(batch.n_groups)
        # mean over prompts of p(q); equals lengthwise/accuracy only when all groups have equal size
        hits = np.bincount(batch.group, weights=batch.correct.astype(np.float64), minlength=batch.n_groups)
        sizes = np.bincount(batch.group, minlength=batch.n_groups)
        metrics[K.PASS_RATE_MEAN] = float(np.mean(hits / sizes))
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
