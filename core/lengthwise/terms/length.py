"""Length terms more than one reward shaper uses, so each formula lives once.

* :func:`sigmoid` — the logistic function, split by sign so ``exp`` never overflows (length
  z-scores reach ~1e11 when the std epsilon is tiny).
* :func:`group_zscore` — z = (ℓ - MEAN_g)/(STD_g + ε), with MEAN_g and STD_g over the
  ``mask``-selected responses of each response's group (Arora–Zanette over correct answers,
  DeepCompress over the group or its correct answers).
* :func:`overlong_penalty` — DAPO's soft overlong punishment
  ``min(0, -(ℓ - (L_max - L_c))/L_c · f)``, with L_c clamped to L_max and ℓ to L_max
  (verl never sees ℓ > L_max), and 0 everywhere when L_c = 0.
"""

from __future__ import annotations

import numpy as np

from .groups import group_mean, group_std

__all__ = ["sigmoid", "group_zscore", "overlong_penalty"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, split by sign so ``exp`` never overflows."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def group_zscore(
    lengths: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    mask: np.ndarray | None = None,
    eps: float = 1e-6,
    ddof: int = 0,
) -> np.ndarray:
    """z = (ℓ - MEAN)/(STD + ε) with MEAN, STD over the ``mask``-selected responses of each group.

    Responses whose group has no selected response (or too few for ``ddof``) get z = 0.
    """
    ell = np.asarray(lengths, dtype=np.float64)
    mean = group_mean(ell, group, n_groups, mask)
    std = group_std(ell, group, n_groups, mask, ddof=ddof)
    std = np.where(np.isnan(std), 0.0, std)
    with np.errstate(invalid="ignore"):
        z = (ell - mean) / (std + eps)
    return np.where(np.isfinite(z), z, 0.0)


def overlong_penalty(lengths: np.ndarray, caps: np.ndarray, buffer_len: int, factor: float) -> np.ndarray:
    """DAPO's overlong term per response (see the module docstring); 0 when ``buffer_len`` <= 0."""
    ell = np.asarray(lengths, dtype=np.float64)
    if buffer_len <= 0:
        return np.zeros_like(ell)
    caps = np.asarray(caps, dtype=np.float64)
    buf = np.minimum(float(buffer_len), caps)
    exceed = np.minimum(ell, caps) - (caps - buf)
    return np.minimum(-exceed / buf * factor, 0.0)
