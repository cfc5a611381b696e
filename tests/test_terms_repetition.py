"""lengthwise.terms.repetition: the sequence a repetition check reads and Yeo et al.'s n-gram share."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lengthwise import RolloutBatch
from lengthwise.terms import repeated_ngram_share, response_sequence, words_to_ids


def source_share(tokens: list[int], n: int) -> float:
    """eddycmu/demystify-long-cot reward/repetition.py L63-69, on a token list (set of zipped n-grams)."""
    grams = list(zip(*[tokens[i:] for i in range(n)]))
    return 1 - len(set(grams)) / len(grams)


@pytest.mark.parametrize(
    "tokens, n, expected",
    [
        ([1, 2, 1, 2, 1, 2], 2, 1 - 2 / 5),  # 5 bigrams, 2 distinct
        ([1, 2, 3, 4], 2, 0.0),  # all distinct
        ([5] * 10, 3, 1 - 1 / 8),  # 8 trigrams, one distinct
        ([1, 2, 3], 3, 0.0),  # one n-gram
        ([1, 2], 3, 0.0),  # no n-gram: 0 (the source raises ZeroDivisionError)
        ([], 1, 0.0),
    ],
)
def test_repeated_ngram_share_table(tokens, n, expected):
    assert repeated_ngram_share(tokens, n) == pytest.approx(expected, abs=1e-15)


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.integers(0, 5), min_size=0, max_size=60), n=st.integers(1, 8))
def test_repeated_ngram_share_matches_the_source(tokens, n):
    share = repeated_ngram_share(tokens, n)
    assert 0.0 <= share < 1.0
    if len(tokens) >= n:
        assert share == pytest.approx(source_share(tokens, n), abs=1e-12)
    else:
        assert share == 0.0


def test_words_to_ids():
    assert words_to_ids("a b a  c\n b").tolist() == [0, 1, 0, 2, 1]
    assert words_to_ids("The the THE", lowercase=True).tolist() == [0, 0, 0]
    assert words_to_ids("The the THE").tolist() == [0, 1, 2]


def test_response_sequence_choice():
    both = RolloutBatch.from_lists(["q"], [3], [False], 10, responses=("x y x",), token_ids=([4, 5, 6],))
    assert response_sequence(both, 0, "auto", "s").tolist() == [4, 5, 6]  # ids first
    assert response_sequence(both, 0, "token_ids", "s").tolist() == [4, 5, 6]
    assert response_sequence(both, 0, "text", "s").tolist() == [0, 1, 0]
    text_only = RolloutBatch.from_lists(["q"], [3], [False], 10, responses=("x y x",))
    assert response_sequence(text_only, 0, "auto", "s").tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="^s's repetition check needs the batch's token_ids$"):
        response_sequence(text_only, 0, "token_ids", "s")
    bare = RolloutBatch.from_lists(["q"], [3], [False], 10)
    with pytest.raises(ValueError, match="needs the batch's token_ids or responses"):
        response_sequence(bare, 0, "auto", "s")
    assert isinstance(response_sequence(both, 0, "auto", "s"), np.ndarray)
