"""The n-gram repetition check Laser-DE uses to withhold its exploration bonus from degenerate,
looping responses.

Source: hkust-nlp/Laser ``verl/utils/reward_score/compute_unique_tokens.py``,
``detect_token_ngram_repetition_optimized_reversed(tokens, n=4)``, called by
``compute_length_reward_larse_de`` on the response's token ids; a response is repetitive when the
returned "true length" is shorter than the response. Its rule, for a sequence of L tokens:

* L <= 2·n (n = 4): never repetitive (returns L).
* n-gram size k: 2 if L < 30, 3 if L < 100, else min(4, n).
* occurrence threshold m: 2 if L < 200, else 3.  Gap limit g = floor(L / 3).
* Phase 1: scan start positions i = L-k, …, 0 (back to front), skipping k-grams made of one
  repeated token when k > 2. On reaching i, look at the occurrences of the k-gram at i at
  positions >= i; if there are at least m of them and two consecutive ones (in position order)
  lie fewer than g tokens apart, stop and return i.
* Phase 2 (only if L >= 4·k): scan i = L-2k, …, 0 for a 2k-gram that also occurs later (no
  single-token skip here); return the first such i.
* Otherwise return L.

Every stop returns a position < L, so "repetitive" means "some stop happened". The scan is done
here with numpy: for each k-gram occurrence p_j (sorted by position within its gram) the scan
stops at p_j iff (number of occurrences at >= p_j) >= m and min_{t>=j}(p_{t+1} - p_t) < g, so
the returned position is the largest such p_j; likewise phase 2 returns the largest position
whose 2k-gram reappears later.

The source only checks token ids. For text (no ids given) Laser-DE reads the whitespace words
(:func:`lengthwise.terms.response_sequence`) — an approximation: the length-dependent k, m and g
then count words.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["repetition_start", "is_repetitive"]


def _dense(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense ids 0..V-1 of ``values`` (equal values, equal ids) and V."""
    uniq, inv = np.unique(values, return_inverse=True)
    return inv.reshape(-1).astype(np.int64), len(uniq)


def _gram_ids(tokens: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """Exact dense ids of the k-grams starting at 0 .. L-k, and how many distinct there are.

    With V distinct tokens a k-gram is the base-V number of its token ids; when V^k would not
    fit in int64 the number is built one token at a time, re-densifying after each step (every
    id and V stay below L, so each product stays below L²).
    """
    single, v = _dense(tokens)
    count = len(tokens) - k + 1
    if v**k < 2**62:
        ids = np.zeros(count, dtype=np.int64)
        for j in range(k):
            ids = ids * v + single[j : j + count]
        return _dense(ids)
    ids, n_ids = single, v
    for j in range(1, k):
        ids, n_ids = _dense(ids[: len(tokens) - j] * v + single[j:])
    return ids, n_ids


def _phase1(ids: np.ndarray, keep: np.ndarray, length: int, m: int, gap_limit: int) -> int | None:
    pos = np.flatnonzero(keep)
    if len(pos) == 0:
        return None
    gid = ids[keep]
    order = np.argsort(gid, kind="stable")  # by gram; positions stay ascending within a gram
    sid, spos = gid[order], pos[order]
    n = len(sid)
    new_gram = np.r_[True, sid[1:] != sid[:-1]]
    group_no = np.cumsum(new_gram) - 1
    ends = np.r_[np.flatnonzero(new_gram)[1:], n]
    remaining = ends[group_no] - np.arange(n)  # occurrences at positions >= this one
    big = 2 * length  # "no next occurrence": larger than any gap limit
    gap = np.full(n, big, dtype=np.int64)
    same = ~new_gram[1:]
    gap[:-1][same] = (spos[1:] - spos[:-1])[same]
    # suffix minimum of gap within each gram: a running minimum over the reversed array, with a
    # per-gram offset that grows with the gram's index, so each gram reached later in the
    # reversed pass lies wholly below the ones before it and the minimum restarts there
    offset = group_no.astype(np.int64) * (4 * length)
    sufmin = np.minimum.accumulate((gap + offset)[::-1])[::-1] - offset
    hit = (remaining >= m) & (sufmin < gap_limit)
    return int(spos[hit].max()) if hit.any() else None


def _phase2(ids: np.ndarray, n_ids: int, length: int, k: int) -> int | None:
    count = length - 2 * k + 1  # 2k-grams start at 0 .. L-2k; each is (k-gram, next k-gram)
    pair = ids[:count] * n_ids + ids[k : k + count]
    order = np.argsort(pair, kind="stable")
    sp = pair[order]
    repeated_later = np.r_[sp[1:] == sp[:-1], False]  # not the last occurrence of its 2k-gram
    return int(order[repeated_later].max()) if repeated_later.any() else None


def repetition_start(tokens: Sequence[int] | np.ndarray, n: int = 4) -> int:
    """Where the detected repetition starts, or ``len(tokens)`` when none is found."""
    arr = np.asarray(tokens)
    length = len(arr)
    if length <= 2 * n:
        return length
    arr = arr.astype(np.int64, copy=False)
    k = 2 if length < 30 else 3 if length < 100 else min(4, n)
    m = 2 if length < 200 else 3
    ids, n_ids = _gram_ids(arr, k)
    keep = np.ones(len(ids), dtype=bool)
    if k > 2:  # k-grams of one repeated token are skipped
        windows = sliding_window_view(arr, k)
        keep = ~np.all(windows == windows[:, :1], axis=1)
    found = _phase1(ids, keep, length, m, length // 3)
    if found is None and length >= 4 * k:
        found = _phase2(ids, n_ids, length, k)
    return length if found is None else found


def is_repetitive(tokens: Sequence[int] | np.ndarray, n: int = 4) -> bool:
    """Laser-DE's test: the detector stops before the end of the response."""
    return repetition_start(tokens, n) < len(tokens)
