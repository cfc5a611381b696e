"""Supervised warm-up: teach the fresh model the task's trace format, hedging included.

Each example is ``prompt + solution_trace(problem, filler) + EOS`` with ``filler`` drawn from
``filler_weights`` (default 1:1:2:2:2:2 over 0..5 lines, i.e. verbose: 2.9 lines, about 25 of a
typical 50 tokens), and the loss is the token-mean cross-entropy on the response tokens only.
AdamW with linear warm-up and cosine decay. After it the model writes ``<think> … </think>
\\boxed{…}`` and hedges a varying number of lines before closing its reasoning: the length RL
can remove. 1500 steps (48,000 traces): at 600 the tiny model still miscopied operands (held-out
greedy accuracy 0.46, sampled 0.26); at 1500 it solves nearly every problem (greedy 1.00,
sampled 0.99 on 256 held-out problems, whatever its number of hedging lines), so what RL changes
is the length, and a cap below the reasoning's length is what costs accuracy.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable

import torch

from .tasks import LEVELS, make_problem, prompt_text, solution_trace

__all__ = ["WarmupSettings", "warmup", "pack", "sequence_logprobs"]


def pack(prompts: list[list[int]], responses: list[list[int]], pad_id: int):
    """Left-padded prompts followed by right-padded responses.

    Returns (input_ids, attention_mask, position_ids, response_mask, prompt_width); the response
    block starts at column ``prompt_width``; ``response_mask`` marks its real tokens.
    """
    n = len(prompts)
    pw = max(len(p) for p in prompts)
    rw = max(1, max(len(r) for r in responses))
    ids = torch.full((n, pw + rw), pad_id, dtype=torch.long)
    mask = torch.zeros((n, pw + rw), dtype=torch.long)
    for i, (p, r) in enumerate(zip(prompts, responses)):
        ids[i, pw - len(p): pw] = torch.tensor(p)
        mask[i, pw - len(p): pw] = 1
        if r:
            ids[i, pw: pw + len(r)] = torch.tensor(r)
            mask[i, pw: pw + len(r)] = 1
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids, mask, pos, mask[:, pw:].bool(), pw


def sequence_logprobs(model, ids, mask, pos, prompt_width: int, temperature: float = 1.0) -> torch.Tensor:
    """log π(y_t | x, y_<t) of every response position (shape: batch × response width)."""
    logits = model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=False).logits
    logits = logits[:, prompt_width - 1: -1, :].float() / temperature
    targets = ids[:, prompt_width:]
    return torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


@dataclass(frozen=True)
class WarmupSettings:
    """Steps, batch size and learning rate of the warm-up, and how verbose its traces are."""

    steps: int = 1500
    batch_size: int = 32
    learning_rate: float = 3e-3
    filler_weights: tuple[float, ...] = (1.0, 1.0, 2.0, 2.0, 2.0, 2.0)


def warmup(
    model,
    tokenizer,
    settings: WarmupSettings,
    *,
    seed: int,
    eos_id: int,
    pad_id: int,
    on_step: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` in place; returns the loss of every step. Problems come from ``seed``."""
    rng = random.Random(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01, betas=(0.9, 0.98))
    warm = max(1, settings.steps // 20)

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        frac = (step - warm) / max(1, settings.steps - warm)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    model.train()
    losses = []
    filler_choices = list(range(len(settings.filler_weights)))
    for step in range(settings.steps):
        prompts, responses = [], []
        # One (level, filler count) per batch: sequences of a batch have nearly equal
        # lengths, so little compute goes to padding.
        level = rng.choice(LEVELS)
        filler = rng.choices(filler_choices, weights=settings.filler_weights)[0]
        for _ in range(settings.batch_size):
            p = make_problem(level, rng)
            prompts.append(tokenizer.encode(prompt_text(p)).ids)
            responses.append(tokenizer.encode(solution_trace(p, filler)).ids + [eos_id])
        ids, mask, pos, rmask, pw = pack(prompts, responses, pad_id)
        logp = sequence_logprobs(model, ids, mask, pos, pw)
        loss = -(logp * rmask).sum() / rmask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step, losses[-1])
    return losses
