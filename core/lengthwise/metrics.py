"""Every metric lengthwise logs, named once, and the functions that compute them.

The same names appear in verl's tracker (console, wandb, tensorboard, verl's ``file`` logger),
in the demo's ``metrics.jsonl``, in ``summary.json`` and ``compare.json``, and in the plots; no
other module spells a metric name.

Training step (over every response generated for the step; ℓ = response tokens, EOS included):

=====================================  ====================================================
``lengthwise/cap``                     the step's largest cap L_t
``lengthwise/mean_length``             mean ℓ
``lengthwise/mean_length_correct``     mean ℓ of the correct responses (absent when none)
``lengthwise/mean_length_wrong``       mean ℓ of the wrong ones (absent when none)
``lengthwise/accuracy``                share graded correct on clip(y, L_t)
``lengthwise/truncation_rate``         share cut off: ℓ >= cap, or the scorer's cap cut the text
``lengthwise/no_answer_rate``          share with no extractable answer
``lengthwise/reward_mean``             mean shaped reward
``lengthwise/bucket_<b>/share``        share of responses in difficulty bucket b (and
``lengthwise/bucket_<b>/mean_length``  their mean ℓ), when a difficulty estimator runs
``lengthwise/step``                    the 0-based lengthwise step
``lengthwise/groups``                  prompts in the step
``lengthwise/pass_rate_mean``          mean over prompts of the group pass rate p(q)
``lengthwise/filtered_groups``         groups verl's DAPO filter dropped (still shaped over)
``lengthwise/timing/scoring_s``        seconds lengthwise spent grading the step
``lengthwise/timing/shaping_s``        seconds spent shaping it
``lengthwise/level_<k>/<what>``        per difficulty level k of the data rows
                                       (``extra_info.level``): ``share``, ``accuracy``,
                                       ``mean_length``, ``truncation_rate``
=====================================  ====================================================

Held-out evaluation (verl's validation, one response per problem; computed from the records
verl dumps, so the same per problem as verl's own ``val-core/…/acc`` mean):
``lengthwise/val/accuracy``, ``lengthwise/val/mean_length``, ``lengthwise/val/truncation_rate``,
``lengthwise/val/problems``, and per level ``lengthwise/val/level_<k>/<what>`` as above.

Strategies add their own under ``lengthwise/reward/<name>`` and ``lengthwise/difficulty/<name>``;
the scorer's are ``lengthwise/scoring/<name>``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "CAP", "MEAN_LENGTH", "MEAN_LENGTH_CORRECT", "MEAN_LENGTH_WRONG", "ACCURACY", "TRUNCATION_RATE",
    "NO_ANSWER_RATE", "REWARD_MEAN", "STEP", "GROUPS", "PASS_RATE_MEAN", "FILTERED_GROUPS", "TIMING_SCORING",
    "TIMING_SHAPING", "VAL_ACCURACY", "VAL_MEAN_LENGTH", "VAL_TRUNCATION_RATE", "VAL_PROBLEMS",
    "LEVEL_STATS", "bucket_key", "level_key", "val_level_key", "reward_key", "difficulty_key",
    "level_metrics", "val_metrics", "levels_of", "parse_level_key",
]

CAP = "lengthwise/cap"
MEAN_LENGTH = "lengthwise/mean_length"
MEAN_LENGTH_CORRECT = "lengthwise/mean_length_correct"
MEAN_LENGTH_WRONG = "lengthwise/mean_length_wrong"
ACCURACY = "lengthwise/accuracy"
TRUNCATION_RATE = "lengthwise/truncation_rate"
NO_ANSWER_RATE = "lengthwise/no_answer_rate"
REWARD_MEAN = "lengthwise/reward_mean"
STEP = "lengthwise/step"
GROUPS = "lengthwise/groups"
PASS_RATE_MEAN = "lengthwise/pass_rate_mean"
FILTERED_GROUPS = "lengthwise/filtered_groups"
TIMING_SCORING = "lengthwise/timing/scoring_s"
TIMING_SHAPING = "lengthwise/timing/shaping_s"

VAL_ACCURACY = "lengthwise/val/accuracy"
VAL_MEAN_LENGTH = "lengthwise/val/mean_length"
VAL_TRUNCATION_RATE = "lengthwise/val/truncation_rate"
VAL_PROBLEMS = "lengthwise/val/problems"

#: what each level reports
LEVEL_STATS = ("share", "accuracy", "mean_length", "truncation_rate")


def bucket_key(label: Any, what: str) -> str:
    return f"lengthwise/bucket_{label}/{what}"


def level_key(level: int, what: str) -> str:
    return f"lengthwise/level_{int(level)}/{what}"


def val_level_key(level: int, what: str) -> str:
    return f"lengthwise/val/level_{int(level)}/{what}"


def reward_key(name: str) -> str:
    return f"lengthwise/reward/{name}"


def difficulty_key(name: str) -> str:
    return f"lengthwise/difficulty/{name}"


def parse_level_key(key: str) -> tuple[bool, int, str] | None:
    """``(held_out, level, what)`` of a per-level key, or None for any other key."""
    parts = key.split("/")
    held_out = len(parts) == 4 and parts[:2] == ["lengthwise", "val"]
    rest = parts[2:] if held_out else parts[1:] if len(parts) == 3 and parts[0] == "lengthwise" else None
    if rest is None or not rest[0].startswith("level_") or rest[1] not in LEVEL_STATS:
        return None
    try:
        return held_out, int(rest[0][len("level_"):]), rest[1]
    except ValueError:
        return None


def levels_of(values: Sequence[Any]) -> np.ndarray | None:
    """Integer levels from per-response values (floats from verl's records); None unless every
    response has one that is a whole number (a bool, a string or None is not a level)."""
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            return None
        f = float(v)
        if not math.isfinite(f) or f != int(f) or abs(f) > 2**31:
            return None
        out.append(int(f))
    return np.asarray(out, dtype=np.int64) if out else None


def level_metrics(levels: np.ndarray, correct: np.ndarray, lengths: np.ndarray, truncated: np.ndarray,
                  key=level_key) -> dict[str, float]:
    """Per level k: share of responses, accuracy, mean tokens and truncation rate (see the table)."""
    levels = np.asarray(levels)
    correct = np.asarray(correct, dtype=bool)
    lengths = np.asarray(lengths, dtype=np.float64)
    truncated = np.asarray(truncated, dtype=bool)
    out: dict[str, float] = {}
    n = len(levels)
    for k in np.unique(levels):
        sel = levels == k
        out[key(int(k), "share")] = float(sel.sum() / n)
        out[key(int(k), "accuracy")] = float(correct[sel].mean())
        out[key(int(k), "mean_length")] = float(lengths[sel].mean())
        out[key(int(k), "truncation_rate")] = float(truncated[sel].mean())
    return out


def val_metrics(records: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The held-out metrics of one evaluation from verl's dumped records.

    A record is one validation response with lengthwise's reward extras (``acc``, ``lw_length``,
    ``lw_cap``, ``lw_truncated``, and ``lw_level`` when the data rows carry a level); a response
    is truncated when ℓ >= its cap or the scorer's cap cut it.
    """
    if not records:
        return {}
    correct = np.array([float(r.get("acc", r.get("score", 0.0)) or 0.0) > 0 for r in records], dtype=bool)
    lengths = np.array([float(r.get("lw_length", math.nan)) for r in records], dtype=np.float64)
    caps = np.array([float(r.get("lw_cap", math.inf)) for r in records], dtype=np.float64)
    cut = np.array([float(r.get("lw_truncated", 0.0) or 0.0) > 0 for r in records], dtype=bool)
    truncated = cut | (lengths >= caps)
    out = {VAL_PROBLEMS: float(len(records)), VAL_ACCURACY: float(correct.mean())}
    if np.all(np.isfinite(lengths)):
        out[VAL_MEAN_LENGTH] = float(lengths.mean())
        out[VAL_TRUNCATION_RATE] = float(truncated.mean())
        levels = levels_of([r.get("lw_level") for r in records])
        if levels is not None:
            out.update(level_metrics(levels, correct, lengths, truncated, key=val_level_key))
    return out
