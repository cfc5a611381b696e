"""The tiny causal LM: a Qwen2-style decoder built in code from a ``transformers`` config.

No weights are downloaded; :func:`build_model` initialises a fresh model (seeded by the caller's
``torch.manual_seed``). The default size (hidden 128, 4 layers, 4 heads, 2 KV heads, MLP 384,
tied embeddings) has about 0.8M parameters, small enough for a 2-core CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelSize", "build_model", "count_parameters"]


@dataclass(frozen=True)
class ModelSize:
    """Dimensions of the tiny model."""

    hidden: int = 96
    layers: int = 3
    heads: int = 3  # head_dim 32: the smallest head size vLLM's CPU attention takes
    kv_heads: int = 1
    mlp: int = 288
    max_positions: int = 192


def build_model(vocab_size: int, size: ModelSize, pad_id: int, eos_id: int):
    """A freshly initialised ``Qwen2ForCausalLM`` of ``size`` (float32, eval mode off)."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    if size.hidden % size.heads or size.heads % size.kv_heads:
        raise ValueError(f"hidden ({size.hidden}) must divide by heads ({size.heads}), heads by kv_heads ({size.kv_heads})")
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=size.hidden,
        intermediate_size=size.mlp,
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        num_key_value_heads=size.kv_heads,
        max_position_embeddings=size.max_positions,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        bos_token_id=eos_id,
        use_cache=True,
    )
    config._attn_implementation = "sdpa"
    return Qwen2ForCausalLM(config)


def count_parameters(model) -> int:
    """Number of distinct parameters (tied embeddings counted once)."""
    return sum(p.numel() for p in model.parameters())
