"""The CPU demo's model and data as files verl can load: a local model directory and RL parquet.

verl loads the policy from a path (``actor_rollout_ref.model.path``) and the prompts from parquet
files, so :func:`prepare_tiny_assets` writes, under ``root`` (default
``~/.cache/lengthwise/cpu-tiny/v3``):

* ``model/`` — the tiny Qwen2 (:mod:`.model`) after the supervised warm-up (:mod:`.warmup`) on
  verbose reasoning traces, saved with ``save_pretrained`` (fp32 safetensors, sdpa attention), and
  the word-level tokenizer (:mod:`.tokenizer`) as a ``PreTrainedTokenizerFast`` whose chat template
  is the bare prompt (the task's prompts are plain text ending in a newline);
* ``tokenizer/`` — the same tokenizer files without the model's ``config.json``: transformers 5's
  ``AutoTokenizer`` forces the model type's own class on a ``qwen2`` directory (a byte-level BPE
  that would mangle this vocabulary), so verl is pointed at this folder
  (``actor_rollout_ref.model.tokenizer_path``), where the saved class is used as is;
* ``data/train.parquet`` and ``data/val.parquet`` — synthetic problems (:mod:`.tasks`) in verl's
  RL format (``prompt`` as chat messages, ``reward_model.ground_truth``, ``extra_info.level``); the
  validation problems never occur in the training file.

Everything is deterministic for a given seed, and a ``manifest.json`` records the settings; a
second call with the same settings reuses the files.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

__all__ = ["resolve_assets", "TinyAssets", "AssetSettings", "default_root", "prepare_tiny_assets", "CHAT_TEMPLATE", "DATA_SOURCE"]

CHAT_TEMPLATE = "{% for message in messages %}{{ message['content'] }}{% endfor %}"
DATA_SOURCE = "lengthwise/arith"
_FORMAT = 3  # 2: filler lines instead of re-check rounds; 3: levels 1..8, larger numbers, head_dim 32


def default_root() -> Path:
    """``$XDG_CACHE_HOME/lengthwise/cpu-tiny/v<format>`` (``~/.cache`` when unset): one folder per
    task format, so checkouts of different versions never rebuild each other's model."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lengthwise" / "cpu-tiny" / f"v{_FORMAT}"


@dataclass(frozen=True)
class AssetSettings:
    """What the files depend on (a change rebuilds them)."""

    seed: int = 0
    train_problems: int = 4096
    val_problems: int = 256
    warmup_steps: int = 1500
    warmup_batch: int = 32
    warmup_lr: float = 3e-3
    filler_weights: tuple[float, ...] = (1.0, 1.0, 2.0, 2.0, 2.0, 2.0)
    model: dict[str, int] = field(default_factory=dict)  # ModelSize overrides


@dataclass(frozen=True)
class TinyAssets:
    """Paths of a prepared model and data set."""

    root: Path
    model_dir: Path
    tokenizer_dir: Path
    train_file: Path
    val_file: Path


def _tokenizer():
    from transformers import PreTrainedTokenizerFast

    from .tokenizer import EOS, PAD, UNK, build_tokenizer

    tok = PreTrainedTokenizerFast(tokenizer_object=build_tokenizer(), pad_token=PAD, eos_token=EOS, unk_token=UNK)
    tok.chat_template = CHAT_TEMPLATE
    tok.padding_side = "left"
    return tok


def _rows(problems, split: str) -> list[dict[str, Any]]:
    from .tasks import prompt_text

    return [
        {
            "data_source": DATA_SOURCE,
            "prompt": [{"role": "user", "content": prompt_text(p)}],
            "ability": "math",
            "reward_model": {"style": "rule", "ground_truth": str(p.answer)},
            "extra_info": {"split": split, "index": i, "level": p.level},
        }
        for i, p in enumerate(problems)
    ]


def _problems(settings: AssetSettings):
    from .tasks import LEVELS, make_problem, prompt_text

    rng = random.Random(settings.seed + 1)
    val, seen = [], set()
    while len(val) < settings.val_problems:
        p = make_problem(rng.choice(LEVELS), rng)
        if prompt_text(p) not in seen:
            seen.add(prompt_text(p))
            val.append(p)
    rng = random.Random(settings.seed + 2)
    train = []
    while len(train) < settings.train_problems:
        p = make_problem(rng.choice(LEVELS), rng)
        if prompt_text(p) not in seen:
            train.append(p)
    return train, val


def prepare_tiny_assets(
    root: Path | None = None,
    settings: AssetSettings = AssetSettings(),
    *,
    on_step: Callable[[int, float], None] | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> TinyAssets:
    """Write (or reuse) the model directory and the parquet files; see the module docstring."""
    import torch

    from ..data.loaders import write_parquet
    from .model import ModelSize, build_model
    from .warmup import WarmupSettings, warmup

    root = Path(root or default_root()).expanduser()
    assets = TinyAssets(root, root / "model", root / "tokenizer", root / "data" / "train.parquet", root / "data" / "val.parquet")
    manifest = root / "manifest.json"
    want = {"format": _FORMAT, **asdict(settings)}
    want["filler_weights"] = list(settings.filler_weights)
    if manifest.is_file():
        try:
            have = json.loads(manifest.read_text())
        except ValueError:
            have = None
        if have == want and (assets.model_dir / "config.json").is_file() and (assets.tokenizer_dir / "tokenizer.json").is_file() and assets.train_file.is_file() and assets.val_file.is_file():
            return assets

    root.mkdir(parents=True, exist_ok=True)
    train, val = _problems(settings)
    write_parquet(_rows(train, "train"), assets.train_file)
    write_parquet(_rows(val, "val"), assets.val_file)
    log(f"data: {len(train)} training and {len(val)} held-out problems -> {assets.train_file.parent}")

    tok = _tokenizer()
    size = ModelSize(**settings.model)
    torch.manual_seed(settings.seed)
    model = build_model(len(tok), size, tok.pad_token_id, tok.eos_token_id)
    warmup(
        model, tok.backend_tokenizer,
        WarmupSettings(steps=settings.warmup_steps, batch_size=settings.warmup_batch,
                       learning_rate=settings.warmup_lr, filler_weights=settings.filler_weights),
        seed=settings.seed, eos_id=tok.eos_token_id, pad_id=tok.pad_token_id, on_step=on_step,
    )
    model.config.max_position_embeddings = size.max_positions
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    tmp = root / "model.tmp"
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    tok_tmp = root / "tokenizer.tmp"
    tok.save_pretrained(tok_tmp)
    import shutil

    for src, dst in ((tmp, assets.model_dir), (tok_tmp, assets.tokenizer_dir)):
        if dst.exists():
            shutil.rmtree(dst)
        os.replace(src, dst)
    manifest.write_text(json.dumps(want, indent=1))
    log(f"model: tiny Qwen2 after {settings.warmup_steps} warm-up steps -> {assets.model_dir}")
    return assets


def resolve_assets(config, *, log: Callable[[str], None] = lambda _m: None, progress: bool = True):
    """``config`` with the files of its ``training.assets`` prepared and filled in.

    For ``assets: cpu-tiny`` the model, tokenizer and data paths the config does not set itself
    point at :func:`prepare_tiny_assets`' files (built on first use, 2-3 minutes on 2 idle cores).
    A config without ``assets`` is returned unchanged.
    """
    t = config.training
    if t.assets is None:
        return config
    if t.assets != "cpu-tiny":  # the pydantic model admits only known names
        raise ValueError(f"unknown assets {t.assets!r}")
    bars: list[Any] = []

    def on_step(step: int, loss: float) -> None:
        # the bar appears only when the warm-up actually runs (not when the files are cached)
        if not bars:
            from tqdm.auto import tqdm

            bars.append(tqdm(total=AssetSettings().warmup_steps, desc="warm-up (first use)", unit="step",
                             dynamic_ncols=True, leave=False, disable=not progress))
        bars[0].update(1)

    try:
        a = prepare_tiny_assets(on_step=on_step, log=log)
    finally:
        for bar in bars:
            bar.close()
    update: dict[str, Any] = {}
    if "model_path" not in t.model_fields_set:
        update["model_path"] = str(a.model_dir)
    if "tokenizer_path" not in t.model_fields_set:
        update["tokenizer_path"] = str(a.tokenizer_dir)
    if not t.train_files:
        update["train_files"] = [str(a.train_file)]
    if not t.val_files:
        update["val_files"] = [str(a.val_file)]
    return config.model_copy(update={"training": t.model_copy(update=update)})
