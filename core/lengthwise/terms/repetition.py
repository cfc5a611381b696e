"""What a repetition check reads, and the n-gram statistic more than one source uses.

* :func:`response_sequence` — the sequence a check runs on for response ``i`` of a batch: its
  token ids (``RolloutBatch.token_ids``, what verl's driver hands the shaper) or the
  whitespace words of its text (``RolloutBatch.responses``), chosen by ``how``
  (:data:`RepetitionInput`): ``"auto"`` takes token ids when the batch has them, else the words,
  so the verl path (ids only) and :meth:`lengthwise.LengthController.score` (both) agree.
* :func:`words_to_ids` — the words of a text as ids (equal words, equal ids), optionally
  lower-cased first (Yeo et al.'s ``zipngram`` reads ``text.lower().split()``).
* :func:`repeated_ngram_share` — 1 − #distinct n-grams / #n-grams, the scaling of Yeo et al.'s
  sparse repetition penalty (eddycmu/demystify-long-cot ``openrlhf/openrlhf/reward/repetition.py``
  L56-70, ``get_repetition_penalty``); 0 for a sequence shorter than n.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np

from ..batch import RolloutBatch

__all__ = ["RepetitionInput", "response_sequence", "words_to_ids", "repeated_ngram_share"]

RepetitionInput = Literal["auto", "token_ids", "text"]

_WANTED = {"auto": "token_ids or responses", "token_ids": "token_ids", "text": "responses"}


def words_to_ids(text: str, lowercase: bool = False) -> np.ndarray:
    """Whitespace words of ``text`` (lower-cased first if asked) as ids: equal words, equal ids."""
    words = (text.lower() if lowercase else text).split()
    vocab: dict[str, int] = {}
    return np.fromiter((vocab.setdefault(w, len(vocab)) for w in words), dtype=np.int64, count=len(words))


def response_sequence(
    batch: RolloutBatch, i: int, how: RepetitionInput, who: str, lowercase: bool = False
) -> np.ndarray:
    """Token ids or text words of response ``i`` (see the module docstring); ``who`` names the
    strategy in the error raised when the batch carries neither."""
    if how in ("auto", "token_ids") and batch.token_ids is not None:
        return np.asarray(batch.token_ids[i])
    if how in ("auto", "text") and batch.responses is not None:
        return words_to_ids(batch.responses[i], lowercase)
    raise ValueError(f"{who}'s repetition check needs the batch's {_WANTED[how]}")


def repeated_ngram_share(tokens: Sequence[int] | np.ndarray, n: int) -> float:
    """1 − (#distinct n-grams)/(#n-grams) of ``tokens``; 0.0 when it has fewer than n tokens.

    The source divides by the n-gram count unguarded (a response of fewer than n words raises
    ZeroDivisionError there); with no n-gram there is no repetition, so 0 here.
    """
    arr = np.asarray(tokens)
    total = len(arr) - n + 1
    if total <= 0:
        return 0.0
    grams = np.lib.stride_tricks.sliding_window_view(arr.astype(np.int64, copy=False), n)
    distinct = len(np.unique(grams, axis=0))
    return 1.0 - distinct / total
