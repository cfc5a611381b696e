"""Per-group statistics broadcast back to responses (numpy, no Python loops over responses).

``group`` is the dense group index of each response (``RolloutBatch.group``); ``mask`` selects
which responses enter the statistic (e.g. only correct ones). A group with no selected
response gets ``nan`` so the caller decides what an empty group means.
"""

from __future__ import annotations

import numpy as np

__all__ = ["group_count", "group_mean", "group_std", "group_min", "group_max"]


def _mask(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return np.ones(len(values), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)


def group_count(group: np.ndarray, n_groups: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Number of selected responses in each response's group."""
    m = _mask(group, mask)
    return np.bincount(group[m], minlength=n_groups)[group].astype(np.float64)


def group_mean(values: np.ndarray, group: np.ndarray, n_groups: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Mean of ``values`` over the selected responses of each response's group."""
    m = _mask(values, mask)
    sums = np.bincount(group[m], weights=np.asarray(values, dtype=np.float64)[m], minlength=n_groups)
    counts = np.bincount(group[m], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return means[group]


def group_std(
    values: np.ndarray, group: np.ndarray, n_groups: int, mask: np.ndarray | None = None, ddof: int = 0
) -> np.ndarray:
    """Standard deviation (``ddof`` as numpy) over the selected responses of each group."""
    m = _mask(values, mask)
    v = np.asarray(values, dtype=np.float64)
    mean = group_mean(v, group, n_groups, m)
    sq = np.where(m, (v - mean) ** 2, 0.0)
    ss = np.bincount(group, weights=sq, minlength=n_groups)
    counts = np.bincount(group[m], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.where(counts - ddof > 0, np.sqrt(ss / np.maximum(counts - ddof, 1)), np.nan)
    return std[group]


def _group_reduce(values, group, n_groups, mask, fill, ufunc) -> np.ndarray:
    m = _mask(values, mask)
    out = np.full(n_groups, fill, dtype=np.float64)
    ufunc.at(out, group[m], np.asarray(values, dtype=np.float64)[m])
    out[np.isinf(out)] = np.nan
    return out[group]


def group_min(values: np.ndarray, group: np.ndarray, n_groups: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Minimum of the selected ``values`` in each response's group (nan when none selected)."""
    return _group_reduce(values, group, n_groups, mask, np.inf, np.minimum)


def group_max(values: np.ndarray, group: np.ndarray, n_groups: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Maximum of the selected ``values`` in each response's group (nan when none selected)."""
    return _group_reduce(values, group, n_groups, mask, -np.inf, np.maximum)
