"""Fixtures shared across tests/: generic synthetic steps for every registered strategy, and the
process finder the lifetime tests use to prove that no process of a run is left behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lengthwise import RolloutBatch

#: Group sizes of a synthetic step: rollout-n groups of 8 (every strategy's default n), and groups
#: of 3 and 6 whose pass rates hit 1/3 and 2/3 exactly (where Laser's two bucket rules differ).
GROUP_SIZES = (8, 8, 8, 8, 8, 3, 3, 6, 6)


def synthetic_steps(n_steps: int = 24, cap: int = 16384, seed: int = 0) -> list[RolloutBatch]:
    """``n_steps`` batches (steps 0, 1, …) that exercise every input a strategy reads.

    Each step: pass rates from 0 to 1 (and exactly 1/3, 2/3); lengths around a typical length
    per prompt, log-uniform over 4..cap (so token-scale constants from tens to thousands all fall
    inside, and length statistics differ between prompts), plus responses at the
    cap, one token below it, 5 and 20 below it and 100 above it; correct answers among them
    (cut off at the cap or over it, but graded correct on the clipped text); wrong answers with
    and without an answer; a few scorer-cut (truncated) responses below the cap; per-prompt
    target lengths with some missing (nan); token ids and texts, repetitive in one and not in the
    other, so a check that reads one differs from one that reads the other.
    """
    rng = np.random.default_rng(seed)
    steps = []
    for t in range(n_steps):
        groups, correct = [], []
        for g, size in enumerate(GROUP_SIZES):
            if size == 8:
                hits = (2 * g + t) % 9  # every pass rate 0/8 .. 8/8 over the steps
            else:
                hits = size // 3 if g % 2 else 2 * size // 3
            flags = np.zeros(size, dtype=bool)
            flags[rng.choice(size, hits, replace=False)] = True
            groups += [f"s{t}g{g}"] * size
            correct += flags.tolist()
        n = len(groups)
        correct = np.array(correct)
        # each prompt has its own typical length (log-uniform over 4..cap), its answers spread around it
        scale = np.exp(rng.uniform(np.log(4), np.log(cap), len(GROUP_SIZES)))
        spread = rng.uniform(0.3, 1.7, n)
        lengths = np.clip(np.rint(np.repeat(scale, GROUP_SIZES) * spread), 1, cap).astype(np.int64)
        special = [cap, cap - 1, cap - 5, cap - 20, cap + 100]
        where = rng.choice(n, len(special), replace=False)
        lengths[where] = special
        correct[where[:3]] = True  # cut off (or over the cap) yet graded correct on the clipped text
        has_answer = correct | (rng.random(n) < 0.7)
        truncated = (lengths >= cap) | (~correct & (rng.random(n) < 0.05))
        truncated[rng.choice(np.flatnonzero(lengths < cap), 2, replace=False)] = True
        targets = rng.integers(10, cap, n).astype(np.float64)
        targets[rng.random(n) < 0.2] = np.nan
        token_ids, texts = [], []
        for i in range(n):
            size = int(min(lengths[i], 160))
            pattern = rng.integers(0, 50_000, 5)
            looping = np.resize(pattern, size)
            fresh = rng.permutation(50_000)[:size]
            ids, words = (looping, fresh) if i % 2 else (fresh, looping)
            token_ids.append(ids.tolist())
            texts.append(" ".join(f"w{w}" for w in words))
        steps.append(
            RolloutBatch.from_lists(
                groups,
                lengths,
                correct,
                cap,
                has_answer=has_answer,
                truncated=truncated,
                responses=tuple(texts),
                token_ids=tuple(token_ids),
                target_lengths=targets,
                step=t,
            )
        )
    return steps


@pytest.fixture(scope="session")
def synthetic():
    """The generic steps of :func:`synthetic_steps` (built once per session)."""
    return synthetic_steps()


def processes_with(marker: str) -> list[int]:
    """PIDs (other than this one) whose environment holds ``marker``.

    Every process of a launched run inherits the launcher's environment, so a unique marker in it
    finds the whole tree, daemons that left the process group included.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours to read
                continue
    return found


@pytest.fixture(scope="session")
def marked_processes() -> Callable[[str], list[int]]:
    """:func:`processes_with`, for tests (tests are imported in importlib mode, so not importable)."""
    return processes_with
