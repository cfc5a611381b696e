"""The terms reward shapers share, in one place for plugin authors.

Every shaper of the Laser paper's unified view is R̂(y) = C(y) + λ(y)·S(y) (arXiv 2505.15612
§4): a correctness term C, a length term S and a gate λ. The parts more than one method uses:

* :mod:`.correctness` — ``CorrectnessParams`` (``correct_reward``/``wrong_reward``, ordered),
  ``FormatPenaltyParams`` (plus ``format_reward`` for a response with no answer, for sources that
  score it apart) and ``correctness_reward``: C(y) = correct_reward if the verdict is correct,
  else wrong_reward (or format_reward);
* :mod:`.length` — ``sigmoid`` (overflow-free), ``group_zscore`` z = (ℓ − MEAN_g)/(STD_g + ε)
  and DAPO's ``overlong_penalty``;
* :mod:`.groups` — per-group count/mean/std/min/max broadcast back to responses;
* :mod:`.repetition` — what a repetition check reads (``response_sequence``: token ids or text
  words) and Yeo et al.'s ``repeated_ngram_share``.

A plugin imports them from here: ``from lengthwise.terms import CorrectnessParams, group_zscore``.
"""

from __future__ import annotations

from .correctness import CorrectnessParams, FormatPenaltyParams, correctness_reward
from .groups import group_count, group_max, group_mean, group_min, group_std
from .length import group_zscore, overlong_penalty, sigmoid
from .repetition import RepetitionInput, repeated_ngram_share, response_sequence, words_to_ids

__all__ = [
    "CorrectnessParams",
    "FormatPenaltyParams",
    "correctness_reward",
    "group_count",
    "group_max",
    "group_mean",
    "group_min",
    "group_std",
    "group_zscore",
    "overlong_penalty",
    "sigmoid",
    "RepetitionInput",
    "repeated_ngram_share",
    "response_sequence",
    "words_to_ids",
]
