"""The evaluation formulas, as pure functions of numbers and arrays.

Pass@1 over k samples (SIRI §5: k = 64 at temperature 0.6; Laser: Pass@1 averaged over samples):
    c_ij ∈ {0, 1} the verdict on sample j of problem i (a missing answer is 0), k_i samples;
    p_i = (1/k_i) Σ_j c_ij,    Pass@1 = (1/N) Σ_i p_i.
    With k_i = 1 this is plain accuracy; unequal k_i are allowed (each problem weighs the same).

95 % confidence interval of Pass@1, over problems (the sampling unit is the problem: samples of
one problem are correlated, so they are averaged first):
    "normal" (default): Pass@1 ± z·s/√N with s the sample standard deviation (ddof = 1) of the
        p_i and z = Φ⁻¹(0.975) = 1.959964; clipped to [0, 1]; undefined (NaN) for N < 2.
    "bootstrap": the 2.5th and 97.5th percentiles of Pass@1 over B resamples of the N problems
        with replacement (numpy ``default_rng(seed)``, B = 2000, seed 0 by default).

Mean tokens: pooled over samples — all, correct only, wrong only (NaN when there are none);
samples without a length (a missing response) are left out.

Relative to a base model (acc = Pass@1, len = mean tokens over all samples; subscript 0 = base):
    SIRI (Wen et al. 2025, arXiv 2509.25176, the ΔAcc/CR comparison; see METHODS.md):
        ΔAcc = max(acc/acc₀ − 1, 0)       relative accuracy gain, 0 when accuracy fell
        CR   = len/len₀                   compression ratio (< 1: shorter than the base)
        ΔAcc/CR                           accuracy gained per unit of length kept
    The abstract's "SIRI-low improves AIME24 by 43.2 %" is acc/acc₀ − 1 = 40.4/28.2 − 1 = 0.432,
    which fixes ΔAcc as the relative (not absolute) change; the max(·, 0) clamp and CR = len/len₀
    (not 1 − len/len₀) follow METHODS.md, not checked here against the paper's text. The signed
    change acc/acc₀ − 1 is also reported (``acc_rel``).
    AES, the Accuracy-Efficiency Score of O1-Pruner (Luo et al. 2025, arXiv 2501.12570, the AES
    equation of its evaluation section), the metric the Laser paper (Liu et al. 2025, arXiv
    2505.15612) reports following Luo et al.:
        ΔLength = (len₀ − len)/len₀,   ΔAcc_rel = (acc − acc₀)/acc₀
        AES = α·ΔLength + β·|ΔAcc_rel|   if ΔAcc_rel ≥ 0
        AES = α·ΔLength − γ·|ΔAcc_rel|   if ΔAcc_rel < 0
        with α = 1, β = 3, γ = 5 (an accuracy drop costs more than a gain earns).
    Any ratio whose base value is 0 is NaN.

Across seeds (``lengthwise demo --compare … --seeds S``): the S runs' values x_s (held-out
accuracy, mean tokens) give mean x̄ ± t_{0.975, S−1}·s/√S, with s the sample standard deviation
(ddof = 1) and t Student's quantile (:data:`T975`); undefined (NaN) for S < 2. The sampling
unit is the training run: the seed changes the problems drawn and the responses sampled.

Pareto front (the papers' Figure 1: accuracy up, tokens left): a point is on the front when no
other point has tokens ≤ and accuracy ≥ with one of them strict; identical points are all kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Z95",
    "AESWeights",
    "pass_at_1",
    "pass_at_1_ci",
    "T975",
    "mean_ci_over_runs",
    "mean_or_nan",
    "siri_delta_acc",
    "relative_acc_change",
    "compression_ratio",
    "delta_acc_per_cr",
    "aes",
    "pareto_front",
]

#: Φ⁻¹(0.975), the two-sided 95 % normal quantile.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class AESWeights:
    """α (length), β (accuracy gain), γ (accuracy drop): O1-Pruner's 1, 3, 5."""

    alpha: float = 1.0
    beta: float = 3.0
    gamma: float = 5.0


def pass_at_1(per_problem: Sequence[float] | np.ndarray) -> float:
    """Mean over problems of the per-problem mean correctness (NaN for no problems)."""
    p = np.asarray(per_problem, dtype=np.float64)
    return float(p.mean()) if p.size else math.nan


def pass_at_1_ci(
    per_problem: Sequence[float] | np.ndarray,
    method: str = "normal",
    *,
    samples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """The 95 % interval of :func:`pass_at_1` (see the module docstring); (NaN, NaN) for N < 2."""
    p = np.asarray(per_problem, dtype=np.float64)
    n = p.size
    if n < 2:
        return (math.nan, math.nan)
    if method == "normal":
        half = Z95 * float(p.std(ddof=1)) / math.sqrt(n)
        m = float(p.mean())
        return (max(0.0, m - half), min(1.0, m + half))
    if method == "bootstrap":
        if samples < 1:
            raise ValueError(f"bootstrap samples must be >= 1, got {samples}")
        rng = np.random.default_rng(seed)
        means = p[rng.integers(0, n, size=(samples, n))].mean(axis=1)
        lo, hi = np.percentile(means, [2.5, 97.5])
        return (float(lo), float(hi))
    raise ValueError(f"CI method must be 'normal' or 'bootstrap', got {method!r}")


#: Student's t quantile t_{0.975, df} for df = 1..30 (beyond 30 the normal quantile is within 2 %).
T975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
    2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
    2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)


def mean_ci_over_runs(values: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high): the 95 % Student-t interval over independent runs (see the module docstring).

    NaN values are an error (a run without the value is not a run of the comparison); with one
    value the interval is (NaN, NaN).
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return (math.nan, math.nan, math.nan)
    if np.isnan(v).any():
        raise ValueError("a run has no value (NaN)")
    m = float(v.mean())
    if v.size < 2:
        return (m, math.nan, math.nan)
    df = v.size - 1
    t = T975[df - 1] if df <= len(T975) else Z95
    half = t * float(v.std(ddof=1)) / math.sqrt(v.size)
    return (m, m - half, m + half)


def mean_or_nan(values: Sequence[float] | np.ndarray) -> float:
    """Mean of the non-NaN values; NaN when there are none."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    return float(v.mean()) if v.size else math.nan


def _ratio(num: float, den: float) -> float:
    if den == 0 or math.isnan(den) or math.isnan(num):
        return math.nan
    return num / den


def relative_acc_change(acc: float, base_acc: float) -> float:
    """(acc − acc₀)/acc₀, signed."""
    return _ratio(acc - base_acc, base_acc)


def siri_delta_acc(acc: float, base_acc: float) -> float:
    """SIRI's ΔAcc = max(acc/acc₀ − 1, 0)."""
    r = relative_acc_change(acc, base_acc)
    return r if math.isnan(r) else max(r, 0.0)


def compression_ratio(tokens: float, base_tokens: float) -> float:
    """SIRI's CR = len/len₀."""
    return _ratio(tokens, base_tokens)


def delta_acc_per_cr(acc: float, base_acc: float, tokens: float, base_tokens: float) -> float:
    """SIRI's ΔAcc/CR."""
    return _ratio(siri_delta_acc(acc, base_acc), compression_ratio(tokens, base_tokens))


def aes(acc: float, base_acc: float, tokens: float, base_tokens: float, weights: AESWeights = AESWeights()) -> float:
    """O1-Pruner's Accuracy-Efficiency Score (see the module docstring)."""
    d_len = _ratio(base_tokens - tokens, base_tokens)
    d_acc = relative_acc_change(acc, base_acc)
    if math.isnan(d_len) or math.isnan(d_acc):
        return math.nan
    acc_term = weights.beta * abs(d_acc) if d_acc >= 0 else -weights.gamma * abs(d_acc)
    return weights.alpha * d_len + acc_term


def pareto_front(tokens: Sequence[float], accuracy: Sequence[float]) -> list[int]:
    """Indices of the non-dominated points (fewer tokens and higher accuracy are better), by tokens.

    Points with a NaN coordinate are never on the front.
    """
    t = np.asarray(tokens, dtype=np.float64)
    a = np.asarray(accuracy, dtype=np.float64)
    ok = ~(np.isnan(t) | np.isnan(a))
    front = []
    for i in np.flatnonzero(ok):
        others = ok.copy()
        others[i] = False
        dominated = others & (t <= t[i]) & (a >= a[i]) & ((t < t[i]) | (a > a[i]))
        if not dominated.any():
            front.append(int(i))
    return sorted(front, key=lambda i: (t[i], -a[i], i))
