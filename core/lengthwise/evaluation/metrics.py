"""The evaluation formulas, as pure functions of numbers and arrays.

Pass@1 over k samples (SIRI §5: k = 64 at temperature 0.6; Laser: Pass@1 averaged over samples):
    c_ij ∈ {0, 1} the verdict on sample j of problem i (a missing answer is 0), k_i samples;
    p_i = (1/k_i) Σ_j c_ij,    Pass@1 = (1/N) Σ_i p_i.
    With k_i = 1 this is plain accuracy; unequal k_i are allowed (each problem weighs the same).

Accuracy intervals are binomial: the 95 % Wilson score interval (Wilson 1927, JASA 22:209; the
"score" interval of Brown, Cai & DasGupta 2001, Statist. Sci. 16:101) of a proportion p̂
observed over n (effective) trials, with z = Φ⁻¹(0.975) = 1.959964 (:data:`Z95`):
    c = (p̂ + z²/(2n)) / (1 + z²/n),   h = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/(4n²)),   [c − h, c + h].
For any p̂ ∈ [0, 1] and n > 0 it lies within [0, 1], contains p̂ and has width 2h > 0 (the z²/(4n²)
term keeps it open at p̂ = 0 or 1: there [0, z²/(n + z²)] and [n/(n + z²), 1]). An interval never
needs clipping (ends are only rounded into [0, 1]). The three cases differ only in n:

  a. One evaluation, k = 1 sample per problem (c correct of N): n = N, p̂ = c/N.
  b. Pass@1 over k_i > 1 samples per problem (:func:`pass_at_1_ci`). Samples of one problem are
     correlated (the problem is the sampling unit), so n is the effective sample size (Kish 1965,
     n/deff) that makes the binomial variance equal the over-problem variance of the mean:
         p̂(1 − p̂)/n_eff = s²/N   ⇒   n_eff = N·p̂(1 − p̂)/s²,
     s² the sample variance (ddof = 1) of the p_i, then clipped to [N, N²/Σ_i 1/k_i]:
       lower N: values in [0, 1] with mean p̂ have variance ≤ p̂(1 − p̂) (Bhatia–Davis), so the
         population form of n_eff is ≥ N; the clip only removes the ddof = 1 excess;
       upper N²/Σ 1/k_i (= N·k for equal k): Var(P̂) = (1/N²)Σ_i[Var(π) + E π(1 − π)/k_i] ≥
         p(1 − p)/N² · Σ 1/k_i, reached when every problem has the same rate π = p — samples are
         never worth more than independent ones.
     With N = 1, or p̂ ∈ {0, 1} (s² = 0, so the ratio is 0/0), n_eff = N: no observed variation
     says how correlated the samples are, and the problem count is the conservative end. With
     k_i = 1 every p_i is 0 or 1, s² = N·p̂(1 − p̂)/(N − 1), n_eff = N − 1 → N: case a exactly.
  c. S ≥ 2 training runs (seeds) with per-run verdicts (:func:`accuracy_ci`): run s has accuracy
     a_s over N_s problems; the point estimate is the mean over runs p̄ = (1/S)Σ a_s (each run
     weighs the same). Its variance is the between-run one, s_a²/S (s_a² with ddof = 1, which
     holds training noise and each run's evaluation noise); the binomial n with that variance,
     widened by (z/t)² so that near p̄ = 1/2 its half-width is about the Student-t one, t·s_a/√S
     (t = t_{0.975, S−1}, :data:`T975`: few seeds carry little information about the spread):
         n_eff = min( (z/t)²·S·p̄(1 − p̄)/s_a²,  Σ_s N_s ),
     the cap being all S·N verdicts as if independent (runs that agree exactly, s_a = 0, which
     includes p̄ ∈ {0, 1}, get the cap: only binomial noise is left). The interval is over
     training runs for the evaluation set the runs share (the demo's 256 held-out problems).
     With S = 1 it is case a on that run: evaluation noise only, no training noise.
  Every interval over runs reports S (:class:`RunInterval`'s ``runs``); label it "S seeds".

Mean-token intervals (:func:`tokens_ci`), 95 %: over S ≥ 2 runs the Student-t interval of the run means
(:func:`mean_ci_over_runs`, below); for one run the normal interval over its responses,
ℓ̄ ± z·s_ℓ/√n (ddof = 1; NaN for n < 2). Both ends are ≥ 0 (a mean length is never negative; the
low end is raised to 0 when the t interval of few runs reaches below).

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

Across seeds, any value (:func:`mean_ci_over_runs`): the S runs' values x_s give mean x̄ ±
t_{0.975, S−1}·s/√S, with s the sample standard deviation (ddof = 1) and t Student's quantile
(:data:`T975`); undefined (NaN) for S < 2. The sampling unit is the training run: the seed changes
the problems drawn and the responses sampled. It is unbounded, so it serves lengths, never
accuracies (those take case c above).

Pareto front (the papers' Figure 1: accuracy up, tokens left): a point is on the front when no
other point has tokens ≤ and accuracy ≥ with one of them strict; identical points are all kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "Z95",
    "AESWeights",
    "pass_at_1",
    "wilson_interval",
    "pass_at_1_n_eff",
    "pass_at_1_ci",
    "T975",
    "t975",
    "mean_ci_over_runs",
    "RunInterval",
    "accuracy_ci",
    "accuracy_ci_from_counts",
    "tokens_ci",
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


def wilson_interval(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval ``(low, high)`` of a proportion ``p`` ∈ [0, 1] over ``n`` > 0
    (effective, possibly fractional) trials (the module docstring's formula)."""
    if not (0.0 <= p <= 1.0):
        raise ValueError(f"a proportion must be in [0, 1], got {p}")
    if not (n > 0 and math.isfinite(n)):
        raise ValueError(f"the number of trials must be finite and > 0, got {n}")
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    # rounding only: analytically low ≤ p ≤ high within [0, 1]
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def _per_problem(per_problem: Sequence[float] | np.ndarray, k: int | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(per_problem, dtype=np.float64)
    ks = np.broadcast_to(np.asarray(k), p.shape) if np.ndim(k) == 0 else np.asarray(k)
    if p.ndim != 1 or ks.shape != p.shape:
        raise ValueError(f"per-problem values and sample counts differ in shape: {p.shape} vs {ks.shape}")
    if ks.size and (ks.dtype.kind not in "iu" or ks.min() < 1):
        raise ValueError("samples per problem must be integers >= 1")
    if p.size and (np.isnan(p).any() or p.min() < 0 or p.max() > 1):
        raise ValueError("per-problem accuracies must be in [0, 1]")
    hits = p * ks
    if not np.allclose(hits, np.round(hits), rtol=0, atol=1e-6):
        raise ValueError("a per-problem accuracy is not a whole number of correct samples out of its k")
    return p, ks.astype(np.float64)


def pass_at_1_n_eff(per_problem: Sequence[float] | np.ndarray, k: int | Sequence[int] = 1) -> float:
    """Case b's effective sample size of :func:`pass_at_1` (see the module docstring).

    ``per_problem``: the p_i; ``k``: samples per problem, one int for all or one per problem
    (each p_i·k_i must be a whole number). Within [N, N²/Σ 1/k_i]; NaN for no problems.
    """
    p, ks = _per_problem(per_problem, k)
    n = p.size
    if n == 0:
        return math.nan
    m = float(p.mean())
    upper = n * n / float((1.0 / ks).sum())
    if n < 2 or m in (0.0, 1.0):
        return float(n)
    var = float(p.var(ddof=1))
    if var == 0.0:  # every problem at the same rate: the samples are independent draws of it
        return upper
    return min(max(n * m * (1.0 - m) / var, float(n)), upper)


def pass_at_1_ci(per_problem: Sequence[float] | np.ndarray, k: int | Sequence[int] = 1) -> tuple[float, float]:
    """The 95 % Wilson interval ``(low, high)`` of :func:`pass_at_1` at :func:`pass_at_1_n_eff`
    (cases a and b of the module docstring); (NaN, NaN) for no problems."""
    n_eff = pass_at_1_n_eff(per_problem, k)
    if math.isnan(n_eff):
        return (math.nan, math.nan)
    return wilson_interval(pass_at_1(per_problem), n_eff)


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
    half = t975(v.size - 1) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return (m, m - half, m + half)


def t975(df: int) -> float:
    """t_{0.975, df} from :data:`T975` (df ≥ 1); beyond df = 30 the normal quantile."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    return T975[df - 1] if df <= len(T975) else Z95


class RunInterval(NamedTuple):
    """A 95 % interval over ``runs`` training runs (seeds): ``mean, low, high, runs`` (unpacks as a
    4-tuple). ``runs == 1``: the interval covers one evaluation's noise only."""

    mean: float
    low: float
    high: float
    runs: int

    @property
    def label(self) -> str:
        """``"1 seed"`` / ``"3 seeds"``: what the interval's caption must say."""
        return f"{self.runs} seed" + ("" if self.runs == 1 else "s")


def accuracy_ci_from_counts(correct: Sequence[float], totals: Sequence[int]) -> RunInterval:
    """Accuracy over S runs from run s's ``correct[s]`` of ``totals[s]`` verdicts (cases a, c of
    the module docstring): the mean of the run accuracies and its Wilson interval."""
    c = np.asarray(correct, dtype=np.float64)
    n = np.asarray(totals, dtype=np.float64)
    if c.ndim != 1 or c.shape != n.shape:
        raise ValueError(f"correct counts and totals differ in shape: {c.shape} vs {n.shape}")
    if c.size == 0:
        raise ValueError("no runs")
    if (n < 1).any() or np.isnan(c).any() or (c < 0).any() or (c > n).any():
        raise ValueError("every run needs >= 1 verdict and 0 <= correct <= total")
    acc = c / n
    m = float(acc.mean())
    if c.size == 1:
        lo, hi = wilson_interval(m, float(n[0]))
        return RunInterval(m, lo, hi, 1)
    var = float(acc.var(ddof=1))
    cap = float(n.sum())
    if var == 0.0:  # the runs agree exactly: binomial noise alone
        n_eff = cap
    else:
        n_eff = min((Z95 / t975(c.size - 1)) ** 2 * c.size * m * (1.0 - m) / var, cap)
    lo, hi = wilson_interval(m, n_eff)
    return RunInterval(m, lo, hi, int(c.size))


def accuracy_ci(per_run_verdicts: Sequence[Sequence[bool]]) -> RunInterval:
    """Held-out accuracy over S ≥ 1 runs, each given as its per-problem verdicts (True = correct):
    mean of the run accuracies, its 95 % Wilson interval (S = 1: case a, over problems; S ≥ 2:
    case c, over runs) and S. Always within [0, 1], containing the mean, with non-zero width."""
    runs = [np.asarray(v) for v in per_run_verdicts]
    for s, v in enumerate(runs):
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"run {s}: expected a non-empty sequence of verdicts")
        if v.dtype != bool and not np.isin(v, (0, 1)).all():
            raise ValueError(f"run {s}: verdicts must be booleans (or 0/1)")
    return accuracy_ci_from_counts([float(v.sum()) for v in runs], [v.size for v in runs])


def tokens_ci(per_run_lengths: Sequence[Sequence[float]]) -> RunInterval:
    """Mean response tokens over S ≥ 1 runs, each given as its responses' token counts: the mean of
    the run means, its 95 % interval (S ≥ 2: Student-t over the run means; S = 1: normal over the
    responses, NaN ends for one response) with the low end ≥ 0, and S (module docstring)."""
    runs = [np.asarray(v, dtype=np.float64) for v in per_run_lengths]
    if not runs:
        raise ValueError("no runs")
    for s, v in enumerate(runs):
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"run {s}: expected a non-empty sequence of token counts")
        if not np.isfinite(v).all() or (v < 0).any():
            raise ValueError(f"run {s}: token counts must be finite and >= 0")
    if len(runs) == 1:
        v = runs[0]
        m = float(v.mean())
        if v.size < 2:
            return RunInterval(m, math.nan, math.nan, 1)
        half = Z95 * float(v.std(ddof=1)) / math.sqrt(v.size)
        return RunInterval(m, max(0.0, m - half), m + half, 1)
    m, lo, hi = mean_ci_over_runs([float(v.mean()) for v in runs])
    return RunInterval(m, max(0.0, lo), hi, len(runs))


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
