"""lengthwise.terms.correctness: the correctness term, and format_reward only where it is applied."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise.terms import CorrectnessParams, FormatPenaltyParams, correctness_reward


def test_correctness_and_format_by_hand():
    correct = np.array([True, False, False])
    has_answer = np.array([True, True, False])
    # {1, -0.5}, no answer -1: correct 1, wrong -0.5, unanswered -1
    p = FormatPenaltyParams(correct_reward=1.0, wrong_reward=-0.5, format_reward=-1.0)
    np.testing.assert_array_equal(correctness_reward(correct, p, has_answer), [1.0, -0.5, -1.0])
    # format_reward None: unanswered is just wrong
    p = FormatPenaltyParams(correct_reward=1.0, wrong_reward=-0.5)
    np.testing.assert_array_equal(correctness_reward(correct, p, has_answer), [1.0, -0.5, -0.5])
    np.testing.assert_array_equal(correctness_reward(correct, CorrectnessParams()), [1.0, 0.0, 0.0])


def test_format_reward_cannot_be_dropped():
    p = FormatPenaltyParams(format_reward=-1.0)
    with pytest.raises(ValueError, match="format_reward is set: pass has_answer"):
        correctness_reward(np.array([False]), p)


def test_params_order():
    with pytest.raises(ValidationError):
        CorrectnessParams(correct_reward=0.0, wrong_reward=1.0)
    with pytest.raises(ValidationError):
        FormatPenaltyParams(format_reward=2.0)
    with pytest.raises(ValidationError):  # the plain scale has no format_reward
        CorrectnessParams(format_reward=-1.0)


def test_format_reward_offered_only_where_a_source_scores_no_answer_apart():
    # hkust-nlp/Laser hf_math_verifier.compute_score: -1.0 for no boxed answer (Laser, Laser-D,
    # Laser-DE, and Laser's Kimi penalty); every other source scores "no answer" as wrong.
    offering = sorted(
        s.name for s in lengthwise.get_registry().specs("reward") if "format_reward" in s.cls.Params.model_fields
    )
    assert offering == ["kimi", "laser", "laser-d", "laser-de"]
    for name in ("length-capped", "dapo-overlong", "l1-exact", "l1-max", "arora-zanette", "deepcompress", "cosine"):
        with pytest.raises(lengthwise.StrategyParamsError, match="format_reward: unknown field"):
            lengthwise.create("reward", name, format_reward=-1.0)
