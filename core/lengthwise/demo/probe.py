"""What a demo model does per difficulty level: accuracy, tokens and hedging of its responses.

:func:`probe_levels` generates one response per problem with ``transformers``' ``generate``
(greedy by default, or sampled at ``temperature``), grades it with the lengthwise scorer and
reports per level (:class:`LevelStats`): the share correct, mean response tokens (EOS included,
as verl counts them), mean tokens of the correct responses, mean hedging lines, and the share
of correct responses' tokens the reasoning needs (:func:`lengthwise.demo.tasks.reasoning_tokens`).

It is how README's table of the warmed-up model is made (``python -m lengthwise.demo.probe``),
and what the slow tests check the task's difficulty targets against. It runs in the calling
process on CPU and needs no verl.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from pathlib import Path

from .tasks import FILLER, LEVELS, Problem, make_problem, prompt_text, reasoning_tokens

__all__ = ["LevelStats", "probe_levels", "heldout_problems"]


@dataclass(frozen=True)
class LevelStats:
    """One level's numbers over ``n`` problems (one response each)."""

    level: int
    n: int
    accuracy: float
    mean_tokens: float
    mean_tokens_correct: float
    mean_hedging: float
    reasoning_tokens: float  # mean over the problems of the un-hedged correct trace's length

    def as_dict(self) -> dict:
        return asdict(self)


def heldout_problems(per_level: int, seed: int = 123) -> list[Problem]:
    """``per_level`` problems of every level, from their own seed (not the training files' seeds)."""
    rng = random.Random(seed)
    return [make_problem(level, rng) for level in LEVELS for _ in range(per_level)]


def probe_levels(model_dir: str | Path, tokenizer_dir: str | Path, problems: list[Problem], *,
                 max_new_tokens: int = 128, temperature: float = 0.0, seed: int = 0,
                 batch_size: int = 256) -> list[LevelStats]:
    """Per-level statistics of the model's responses to ``problems`` (see the module docstring)."""
    import torch
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    from ..scoring import grade

    tok = PreTrainedTokenizerFast.from_pretrained(str(tokenizer_dir))
    tok.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(str(model_dir)).eval()
    torch.manual_seed(seed)
    texts: list[str] = []
    lengths: list[int] = []
    for start in range(0, len(problems), batch_size):
        chunk = problems[start:start + batch_size]
        enc = tok([prompt_text(p) for p in chunk], return_tensors="pt", padding=True)
        sample = {"do_sample": True, "temperature": temperature, "top_p": 1.0} if temperature > 0 else {"do_sample": False}
        with torch.no_grad():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, pad_token_id=tok.pad_token_id,
                                 eos_token_id=tok.eos_token_id, **sample)
        for ids in out[:, enc["input_ids"].shape[1]:].tolist():
            n = ids.index(tok.eos_token_id) + 1 if tok.eos_token_id in ids else len(ids)
            texts.append(tok.decode(ids[:n], skip_special_tokens=True))
            lengths.append(n)
    correct = grade(texts, [str(p.answer) for p in problems])
    stats = []
    for level in sorted({p.level for p in problems}):
        idx = [i for i, p in enumerate(problems) if p.level == level]
        ok = [i for i in idx if correct[i]]
        hedges = [sum(line in FILLER for line in texts[i].splitlines()) for i in idx]
        stats.append(LevelStats(
            level=level, n=len(idx), accuracy=len(ok) / len(idx),
            mean_tokens=sum(lengths[i] for i in idx) / len(idx),
            mean_tokens_correct=sum(lengths[i] for i in ok) / len(ok) if ok else float("nan"),
            mean_hedging=sum(hedges) / len(idx),
            reasoning_tokens=sum(reasoning_tokens(level, isinstance(problems[i].start, tuple)) for i in idx) / len(idx),
        ))
    return stats


def _main() -> None:  # python -m lengthwise.demo.probe [per_level] [temperature]
    import sys

    from .assets import prepare_tiny_assets

    per_level = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    temperature = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    a = prepare_tiny_assets()
    print("| level | problems | accuracy | tokens | tokens (correct) | hedging lines | reasoning needs |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for s in probe_levels(a.model_dir, a.tokenizer_dir, heldout_problems(per_level), temperature=temperature):
        print(f"| {s.level} | {s.n} | {100 * s.accuracy:.1f} % | {s.mean_tokens:.1f} | {s.mean_tokens_correct:.1f} | "
              f"{s.mean_hedging:.2f} | {s.reasoning_tokens:.1f} |")


if __name__ == "__main__":
    _main()
