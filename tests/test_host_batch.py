"""RolloutBatch validation and the group statistics every strategy builds on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lengthwise import BatchError, RolloutBatch
from lengthwise.terms import group_count, group_max, group_mean, group_min, group_std


def test_group_ids_map_to_dense_indices_in_first_seen_order():
    b = RolloutBatch.from_lists(["q7", "q2", "q7", "q9"], [1, 2, 3, 4], [1, 0, 0, 1], caps=8)
    assert b.group.tolist() == [0, 1, 0, 2]
    assert b.n_groups == 3
    assert b.caps.tolist() == [8, 8, 8, 8]
    # q7 has 1 of 2 correct, q2 0 of 1, q9 1 of 1.
    assert b.group_pass_rate().tolist() == [0.5, 0.0, 0.5, 1.0]
    assert b.group_sizes().tolist() == [2, 1, 2, 1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(lengths=[1, 2], correct=[1, 0, 1], caps=4), r"lengths has shape \(2,\), expected \(3,\)"),
        (dict(lengths=[1, -2, 3], correct=[1, 0, 1], caps=4), "non-negative"),
        (dict(lengths=[1, 2, 3], correct=[1, 0, 2], caps=4), "booleans"),
        (dict(lengths=[1, 2, 3], correct=[1, 0, 1], caps=0), "caps must be positive"),
        (dict(lengths=[1, 2, 3], correct=[1, 0, 1], caps=[4, 4]), r"caps has shape \(2,\)"),
        (dict(lengths=[1, 2, 3], correct=[1, 0, 1], caps=4, responses=("a",)), "responses has 1 entries"),
    ],
)
def test_inconsistent_batches_are_rejected_with_the_reason(kwargs, message):
    with pytest.raises(BatchError, match=message):
        RolloutBatch.from_lists(["a", "a", "b"], **kwargs)


def test_group_statistics_by_hand():
    values = np.array([2.0, 4.0, 9.0, 5.0, 7.0])
    group = np.array([0, 0, 1, 1, 2])
    mask = np.array([True, True, False, True, False])
    # group 0: {2, 4} -> mean 3, population std 1; group 1 masked -> {5}; group 2 masked -> empty.
    assert group_mean(values, group, 3, mask).tolist()[:4] == [3.0, 3.0, 5.0, 5.0]
    assert np.isnan(group_mean(values, group, 3, mask)[4])
    assert group_std(values, group, 3, mask).tolist()[:4] == [1.0, 1.0, 0.0, 0.0]
    assert group_count(group, 3, mask).tolist() == [2, 2, 1, 1, 0]
    assert group_min(values, group, 3).tolist() == [2, 2, 5, 5, 7]
    assert group_max(values, group, 3).tolist() == [4, 4, 9, 9, 7]
    assert np.isnan(group_max(values, group, 3, mask)[4])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 1e6)), min_size=1, max_size=40))
def test_group_stats_agree_with_a_direct_computation(rows):
    group = np.array([g for g, _ in rows])
    _, dense = np.unique(group, return_inverse=True)
    values = np.array([v for _, v in rows])
    n = int(dense.max()) + 1
    mean, std = group_mean(values, dense, n), group_std(values, dense, n)
    for i in range(len(rows)):
        members = values[dense == dense[i]]
        assert mean[i] == pytest.approx(members.mean(), rel=1e-9, abs=1e-6)
        assert std[i] == pytest.approx(members.std(), rel=1e-6, abs=1e-3)


def test_has_answer_and_truncated_defaults_and_checks():
    from lengthwise import RolloutBatch
    from lengthwise.batch import BatchError

    b = RolloutBatch.from_lists(["a", "a", "b"], [10, 100, 50], [1, 0, 0], caps=100)
    # defaults: every response answered; truncated = reached its cap (ℓ >= cap)
    assert b.has_answer.tolist() == [True, True, True]
    assert b.truncated.tolist() == [False, True, False]
    b = RolloutBatch.from_lists(["a", "a"], [10, 20], [0, 0], caps=100, has_answer=[1, 0], truncated=[0, 1])
    assert b.has_answer.tolist() == [True, False] and b.truncated.tolist() == [False, True]
    with pytest.raises(BatchError, match="correct response must have an answer"):
        RolloutBatch.from_lists(["a"], [10], [1], caps=100, has_answer=[False])
    with pytest.raises(BatchError, match="has_answer has shape"):
        RolloutBatch.from_lists(["a"], [10], [0], caps=100, has_answer=[True, True])
    with pytest.raises(BatchError, match="truncated must be booleans"):
        RolloutBatch.from_lists(["a"], [10], [0], caps=100, truncated=[2])


def test_answer_flags_from_grade_results():
    from lengthwise.step import answer_flags
    from lengthwise.scoring import GradeResult

    graded = [
        GradeResult(True, "7", "rust", False),
        GradeResult(False, None, "no_answer", True),  # the scorer's cap cut it
        GradeResult(False, "3", "timeout", False),  # an answer math-verify could not decide
        GradeResult(False, None, "no_answer", False),
    ]
    has_answer, truncated = answer_flags(graded, [5, 40, 8, 20], 20)
    assert has_answer.tolist() == [True, False, True, False]
    assert truncated.tolist() == [False, True, False, True]  # 20 >= cap 20 reached the cap
