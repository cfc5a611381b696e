"""The behaviours the length methods' papers are about, measured from a comparison's logged metrics.

Each behaviour is one number per training run (seed), computed from that run's ``metrics.jsonl``
(verl's per-step metrics, :mod:`lengthwise.metrics` names) and its held-out evaluations; the
comparison reports the mean over runs with its 95 % Student-t interval (``runs`` says how many;
with one run there is no interval) and calls the behaviour *present* when the interval lies on the
side the paper predicts, *absent* when it does not (then ``explanation`` gives the measured fact
behind it), and *not measured* when the comparison lacks the runs. Nothing here is tuned: the
windows below follow from the schedules' own parameters and the task's level lengths.

Easy and hard levels (:func:`level_groups`): with the tight cap C (40 in the demo, SIRI's L_min and
the fixed budget), *easy* levels are those whose every correct un-hedged trace fits in C, *hard*
those whose every such trace is longer (:func:`lengthwise.demo.tasks.reasoning_tokens`).

1. **SIRI: train-accuracy dip and recovery per cycle** (``siri-cosine``, ``siri-stair``). Within
   cycle c (steps cT .. (c+1)T − 1 of the schedule, counted 0-based as lengthwise counts them) the
   *low* steps have a cap below the midpoint (L_max + L_min)/2, the *high* steps one at or above
   it. dip_c = mean train accuracy over the low steps − mean over the high steps just before them
   (in the same cycle, else the previous cycle's last high steps; cycle 0 of a schedule that
   starts low has none: not measured there). recovery_c = mean over the high steps after the low
   ones − mean over the low ones. Present: dip < 0 and recovery > 0, both beyond noise, averaged
   over cycles. The same on the hard levels' train accuracy (``lengthwise/level_<k>/accuracy``).
2. **Fixed budget hurts hard problems more** (``fixed-budget`` against ``baseline``, seed k
   against seed k): Δ_g = held-out accuracy of fixed-budget − baseline on level group g after
   training; the measure is Δ_hard − Δ_easy. Present: < 0 beyond noise. Also reported: the train
   accuracy under the budget per group (the budget's direct effect).
3. **DeepCompress keeps hard problems long while it shortens simple ones**: the held-out
   hard/easy token ratio after training, DeepCompress's divided by the baseline's (seed k against
   seed k). Present: > 1 beyond noise; also reported: each group's token change.
4. **Laser-D moves per-bucket targets** (``lengthwise/reward/target_length_<bucket>`` every step):
   the number of steps at which the buckets' targets differ from each other, and the number of
   target changes over training. Present: both > 0 in every run.
5. **Laser-DE pays the exploration bonus**: responses that got it over the run
   (Σ_steps ``exploration_rate`` × responses of the step). Present: > 0 beyond noise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import metrics as K
from ..evaluation import metrics as M
from .tasks import LEVELS, reasoning_tokens

__all__ = ["Signature", "level_groups", "measure_signatures", "format_signatures", "TIGHT_CAP"]

#: The demo's tight cap: SIRI's L_min and the fixed budget (core/lengthwise/demo/configs).
TIGHT_CAP = 40
_BUCKETS = ("high", "medium", "low")


@dataclass(frozen=True)
class Signature:
    """One behaviour's measurement over a comparison's runs (see the module docstring)."""

    behaviour: str
    config: str
    measure: str
    value: float
    ci_low: float
    ci_high: float
    runs: int
    status: str  # "present", "absent" or "not measured"
    explanation: str = ""
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def level_groups(cap: int = TIGHT_CAP) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(easy, hard): levels whose every un-hedged correct trace fits in ``cap`` / exceeds it."""
    easy = tuple(k for k in LEVELS if max(reasoning_tokens(k, False), reasoning_tokens(k, k >= 3)) <= cap)
    hard = tuple(k for k in LEVELS if min(reasoning_tokens(k, False), reasoning_tokens(k, k >= 3)) > cap)
    return easy, hard


def _rows(out_dir: str | Path) -> list[dict[str, Any]]:
    path = Path(out_dir) / "metrics.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _config(out_dir: str | Path) -> dict[str, Any]:
    import yaml

    path = Path(out_dir) / "config.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _interval(values: Sequence[float]) -> tuple[float, float, float, int]:
    v = [x for x in values if not math.isnan(x)]
    if not v:
        return math.nan, math.nan, math.nan, 0
    m, lo, hi = M.mean_ci_over_runs(v)[:3]
    return m, lo, hi, len(v)


def _status(lo: float, hi: float, runs: int, want: str) -> str:
    """'present' when the interval lies wholly on ``want``'s side of 0 ('below' or 'above')."""
    if runs < 2 or math.isnan(lo):
        return "not measured"
    return "present" if (hi < 0 if want == "below" else lo > 0) else "absent"


def _group_mean(ev, levels: Sequence[int], what: str) -> float:
    idx = [i for i, k in enumerate(ev.levels) if k in levels]
    if not idx:
        return math.nan
    vals = ev.correct if what == "accuracy" else ev.lengths
    return float(np.mean([float(vals[i]) for i in idx]))


def _train_group(rows: list[dict[str, Any]], levels: Sequence[int]) -> float:
    """Mean over training steps of the share-weighted train accuracy of ``levels``."""
    per_step = []
    for r in rows:
        num = den = 0.0
        for k in levels:
            share, acc = r.get(K.level_key(k, "share")), r.get(K.level_key(k, "accuracy"))
            if share is not None and acc is not None:
                num += share * acc
                den += share
        if den > 0:
            per_step.append(num / den)
    return float(np.mean(per_step)) if per_step else math.nan


# ------------------------------------------------------------------ 1. SIRI


def _siri_cycles(rows: list[dict[str, Any]], params: dict[str, Any], value) -> tuple[list[float], list[float]]:
    """dip_c and recovery_c of one run (module docstring, item 1); ``value(row)`` is the accuracy."""
    l_max, l_min, period = float(params["l_max"]), float(params["l_min"]), int(params["period"])
    mid = (l_max + l_min) / 2
    train = sorted((r for r in rows if K.CAP in r and K.STEP in r), key=lambda r: r[K.STEP])
    dips, recs = [], []
    last_high: list[float] = []  # the previous cycle's trailing high steps
    for c in range(int(params.get("cycles") or 1)):
        steps = [r for r in train if c * period <= r[K.STEP] < (c + 1) * period]
        if not steps:
            break
        low_idx = [i for i, r in enumerate(steps) if r[K.CAP] < mid]
        vals = [value(r) for r in steps]
        if not low_idx:
            continue
        first, last = low_idx[0], low_idx[-1]
        low = [vals[i] for i in low_idx if not math.isnan(vals[i])]
        before = [v for v in vals[:first] if not math.isnan(v)] or last_high
        after = [v for v in vals[last + 1:] if not math.isnan(v)]
        if low and before:
            dips.append(float(np.mean(low) - np.mean(before)))
        if low and after:
            recs.append(float(np.mean(after) - np.mean(low)))
        last_high = after
    return dips, recs


def _siri(config: str, runs: Sequence[Any], hard: tuple[int, ...]) -> list[Signature]:
    out = []
    for scope, value in (("all levels", lambda r: r.get(K.ACCURACY, math.nan)),
                         (f"hard levels {hard[0]}-{hard[-1]}", lambda r: _train_group([r], hard))):
        dips, recs, cycles = [], [], 0
        for o in runs:
            params = (_config(o.out_dir).get("schedule") or {}).get("params") or {}
            if not params:
                continue
            d, rc = _siri_cycles(_rows(o.out_dir), params, value)
            cycles = max(cycles, len(d))
            dips.append(float(np.mean(d)) if d else math.nan)
            recs.append(float(np.mean(rc)) if rc else math.nan)
        for name, vals, want in (("dip", dips, "below"), ("recovery", recs, "above")):
            m, lo, hi, n = _interval(vals)
            status = _status(lo, hi, n, want)
            expl = ""
            if status == "absent":
                expl = (f"train accuracy under the low cap is not {'lower' if name == 'dip' else 'recovered'} beyond "
                        f"run-to-run noise ({n} runs)")
            out.append(Signature(f"SIRI {name} per cycle", config, f"Δ train accuracy, {scope} (mean over cycles)",
                                 m, lo, hi, n, status, expl, f"{cycles} cycle(s) measured per run"))
    return out


# ------------------------------------------------------------------ 2. fixed budget


def _paired(a: Sequence[Any], b: Sequence[Any]) -> list[tuple[Any, Any]]:
    by_seed = {o.seed: o for o in b}
    return [(o, by_seed[o.seed]) for o in a if o.seed in by_seed]


def _fixed_budget(runs: Sequence[Any], base: Sequence[Any], easy, hard) -> list[Signature]:
    pairs = _paired(runs, base)
    diffs, train_easy, train_hard = [], [], []
    for fb, b in pairs:
        if not (fb.final.levels and b.final.levels):
            continue
        d_easy = _group_mean(fb.final, easy, "accuracy") - _group_mean(b.final, easy, "accuracy")
        d_hard = _group_mean(fb.final, hard, "accuracy") - _group_mean(b.final, hard, "accuracy")
        diffs.append(d_hard - d_easy)
        rows = [r for r in _rows(fb.out_dir) if K.CAP in r]
        train_easy.append(_train_group(rows, easy))
        train_hard.append(_train_group(rows, hard))
    m, lo, hi, n = _interval(diffs)
    status = _status(lo, hi, n, "below")
    te, th = _interval(train_easy)[0], _interval(train_hard)[0]
    expl = ""
    if status == "absent":
        expl = ("at the evaluation cap (128) the hard levels lose no more than the easy ones beyond run-to-run noise: "
                "the budget cuts their reasoning in training only")
    return [Signature("fixed budget hurts hard problems more", "fixed-budget",
                      "Δ held-out acc (hard − easy), vs baseline", m, lo, hi, n, status, expl,
                      f"train accuracy under the budget: easy {te:.2f}, hard {th:.2f}")]


# ------------------------------------------------------------------ 3. DeepCompress


def _deepcompress(runs: Sequence[Any], base: Sequence[Any], easy, hard) -> list[Signature]:
    ratios, d_easy, d_hard = [], [], []
    for dc, b in _paired(runs, base):
        if not (dc.final.levels and b.final.levels):
            continue
        r_dc = _group_mean(dc.final, hard, "tokens") / _group_mean(dc.final, easy, "tokens")
        r_b = _group_mean(b.final, hard, "tokens") / _group_mean(b.final, easy, "tokens")
        ratios.append(r_dc / r_b - 1.0)
        d_easy.append(_group_mean(dc.final, easy, "tokens") / _group_mean(b.final, easy, "tokens") - 1)
        d_hard.append(_group_mean(dc.final, hard, "tokens") / _group_mean(b.final, hard, "tokens") - 1)
    m, lo, hi, n = _interval(ratios)
    status = _status(lo, hi, n, "above")
    e, h = _interval(d_easy)[0], _interval(d_hard)[0]
    expl = ""
    if status == "absent":
        expl = f"hard and easy responses were shortened alike (tokens vs baseline: easy {100 * e:+.0f} %, hard {100 * h:+.0f} %)"
    return [Signature("DeepCompress keeps hard long, shortens easy", "deepcompress",
                      "(hard/easy tokens) / baseline's − 1", m, lo, hi, n, status, expl,
                      f"tokens vs baseline: easy {100 * e:+.0f} %, hard {100 * h:+.0f} %")]


# ------------------------------------------------------------------ 4./5. Laser-D, Laser-DE


def _laser_targets(config: str, runs: Sequence[Any]) -> list[Signature]:
    differ, changes, spans = [], [], []
    for o in runs:
        rows = sorted((r for r in _rows(o.out_dir) if K.STEP in r), key=lambda r: r[K.STEP])
        series = {b: [r.get(K.reward_key(f"target_length_{b}")) for r in rows] for b in _BUCKETS}
        steps = [i for i in range(len(rows)) if all(series[b][i] is not None for b in _BUCKETS)]
        if not steps:
            continue
        differ.append(float(sum(len({series[b][i] for b in _BUCKETS}) > 1 for i in steps)))
        changes.append(float(sum(series[b][i] != series[b][j] for b in _BUCKETS for i, j in zip(steps, steps[1:]))))
        spans.append(", ".join(f"{b} {series[b][steps[0]]:.0f}→{series[b][steps[-1]]:.0f}" for b in _BUCKETS))
    m_d, lo_d, hi_d, n = _interval(differ)
    m_c, lo_c, hi_c, _ = _interval(changes)
    ok = n > 0 and min(differ) > 0 and min(changes) > 0
    status = "not measured" if n == 0 else "present" if ok else "absent"
    expl = "" if status != "absent" else (
        "the buckets' targets coincided at every step" if min(differ) == 0 else "the targets never moved after the first choice")
    detail = f"target changes per run: {m_c:.1f}; first→last: " + "; ".join(spans)
    return [Signature("Laser-D per-bucket targets differ and move", config, "steps with differing bucket targets",
                      m_d, lo_d, hi_d, n, status, expl, detail)]


def _exploration(config: str, runs: Sequence[Any]) -> list[Signature]:
    counts = []
    for o in runs:
        per_step = _responses(o.out_dir)  # every response of a step is shaped, so rate x count is exact
        rates = [r.get(K.reward_key("exploration_rate")) for r in _rows(o.out_dir) if K.STEP in r]
        counts.append(float(sum(rate * per_step for rate in rates if rate is not None)))
    m, lo, hi, n = _interval(counts)
    status = _status(lo, hi, n, "above")
    if status != "absent":
        expl = ""
    elif not any(counts):
        expl = "no wrong answer ran past its bucket's target without repeating itself"
    else:  # paid, but not in every run alike: the interval over runs reaches 0
        expl = (f"paid in {sum(c > 0 for c in counts)} of {n} runs, not beyond run-to-run noise; responses per run: "
                + ", ".join(f"{c:.0f}" for c in counts))
    return [Signature("Laser-DE exploration bonus paid", config, "responses with the bonus per run", m, lo, hi, n, status, expl)]


def _responses(out_dir: str | Path) -> int:
    t = _config(out_dir).get("training") or {}
    return int(t.get("train_batch_size", 0)) * int(t.get("rollout_n", 0))


# ------------------------------------------------------------------ all


def measure_signatures(outcomes: Sequence[Any], *, tight_cap: int = TIGHT_CAP) -> list[Signature]:
    """Every behaviour the comparison's configs allow measuring (module docstring)."""
    by: dict[str, list[Any]] = {}
    for o in outcomes:
        by.setdefault(o.config, []).append(o)
    easy, hard = level_groups(tight_cap)
    out: list[Signature] = []
    for name in ("siri-cosine", "siri-stair"):
        if name in by:
            out += _siri(name, by[name], hard)
    base = by.get("baseline", [])
    if "fixed-budget" in by and base:
        out += _fixed_budget(by["fixed-budget"], base, easy, hard)
    if "deepcompress" in by and base:
        out += _deepcompress(by["deepcompress"], base, easy, hard)
    for name in ("laser-d", "laser-de"):
        if name in by:
            out += _laser_targets(name, by[name])
    if "laser-de" in by:
        out += _exploration("laser-de", by["laser-de"])
    return out


def format_signatures(signatures: Sequence[Signature]) -> str:
    """The signature table (Markdown)."""
    if not signatures:
        return ""
    lines = ["| behaviour | config | measure | mean [95% CI] | runs | status | why / detail |",
             "|---|---|---|---:|---:|---|---|"]
    for s in signatures:
        ci = "" if math.isnan(s.ci_low) else f" [{s.ci_low:.3f}, {s.ci_high:.3f}]"
        val = "—" if math.isnan(s.value) else f"{s.value:.3f}{ci}"
        why = "; ".join(x for x in (s.explanation, s.detail) if x)
        lines.append(f"| {s.behaviour} | {s.config} | {s.measure} | {val} | {s.runs} | {s.status} | {why} |")
    lines += ["", "95% CI: Student t over runs (seeds); 'present': the interval lies on the side the paper "
              "predicts; 'absent': it does not (why: the measured fact); 'not measured': fewer than 2 runs."]
    return "\n".join(lines) + "\n"
