"""Laser-DE's n-gram repetition check (hkust-nlp/Laser compute_unique_tokens.py)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lengthwise.terms import words_to_ids
from lengthwise_laser.repetition import is_repetitive, repetition_start


def scan_reference(tokens, n=4):
    """A plain back-to-front scan, written from the rule in the module docstring."""
    L = len(tokens)
    if L <= 2 * n:
        return L
    k = 2 if L < 30 else 3 if L < 100 else min(4, n)
    m = 2 if L < 200 else 3
    seen = defaultdict(list)
    for i in range(L - k, -1, -1):
        gram = tuple(tokens[i : i + k])
        if k > 2 and len(set(gram)) == 1:
            continue
        seen[gram].insert(0, i)  # keep ascending
        occ = seen[gram]
        if len(occ) >= m and any(b - a < L // 3 for a, b in zip(occ, occ[1:])):
            return i
    if L >= 4 * k:
        later = set()
        for i in range(L - 2 * k, -1, -1):
            gram = tuple(tokens[i : i + 2 * k])
            if gram in later:
                return i
            later.add(gram)
    return L


def with_gram(length, starts, gram=(9001, 9002, 9003, 9004)):
    t = np.arange(length)
    for s in starts:
        t[s : s + len(gram)] = gram
    return t


@pytest.mark.parametrize(
    "tokens, start",
    [
        ([1] * 8, 8),  # L = 8 <= 2n: never checked
        ([], 0),
        ([7] * 9, 6),  # L = 9 < 30: bigrams, not skipped (k = 2); (7,7) at 7 and 6, gap 1 < 9//3 -> 6
        (list(range(50)), 50),  # all distinct: no repeated 3-gram or 6-gram
        # L = 120 (k = 4, m = 2, g = 40): 100 distinct + (1000..1003) x 5; gram at 116 then 112 -> 112
        (list(range(100)) + [1000, 1001, 1002, 1003] * 5, 112),
        # L = 300 (k = 4, m = 3, g = 100): one 4-gram at 0, 150, 290 -> gaps 150, 140 >= 100, and
        # no 8-gram repeats (the gram is followed by different tokens each time) -> not repetitive
        (with_gram(300, [0, 150, 290]), 300),
        # same gram at 0, 50, 290: at i = 0 three occurrences, gap 50 < 100 -> 0
        (with_gram(300, [0, 50, 290]), 0),
        # one-token 4-grams are skipped in phase 1; phase 2 finds 8 fives at 51 again at 52 -> 51
        ([5] * 60 + list(range(60)), 51),
    ],
)
def test_repetition_cases(tokens, start):
    assert repetition_start(tokens) == start
    assert scan_reference(list(tokens)) == start
    assert is_repetitive(tokens) == (start < len(tokens))


def test_text_fallback():
    assert is_repetitive(words_to_ids("so the answer is " * 20))
    prose = " ".join(f"w{i}" for i in range(400))
    assert not is_repetitive(words_to_ids(prose))
    assert words_to_ids("a b a  c\n b").tolist() == [0, 1, 0, 2, 1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=0, max_size=400),
    st.integers(1, 6),
)
def test_matches_reference_scan(tokens, n):
    assert repetition_start(tokens, n) == scan_reference(tokens, n)


@settings(max_examples=100, deadline=None)
@given(st.integers(9, 3000))
def test_distinct_tokens_never_repetitive(length):
    assert repetition_start(np.arange(length)) == length


def test_long_sequence_uses_overflow_safe_ids():
    # 50 000 distinct tokens: V^4 > 2^62, so k-gram ids are built step by step; then a loop
    tokens = np.r_[np.arange(50_000), np.tile([7, 8, 9, 10, 11], 40)]
    assert repetition_start(tokens) == scan_reference(tokens.tolist())
    # L = 50 200: k = 4, m = 3. The last 4-gram starts at 50 196 = (8, 9, 10, 11); it recurs every 5
    # tokens, so its third occurrence (scanning back) is at 50 186, before any other gram has 3
    assert repetition_start(tokens) == 50_186
    assert repetition_start(np.arange(50_000)) == 50_000
