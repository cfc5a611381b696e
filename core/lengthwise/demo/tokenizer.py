"""A tokenizer built in code with the ``tokenizers`` library (no hub download).

Word-level over a fixed vocabulary: every word of the task (with and without a leading space),
every integer 0..99 as one token (the task's values stay in [0, 20]), the operators, ``<think>``,
``</think>``, ``\\boxed{`` and a newline. Pieces carry their own leading space and the decoder
concatenates them (``Fuse``), so ``decode(encode(text)) == text`` for every prompt and trace
the task generator writes, and character offsets from ``encode`` locate token boundaries (the
scorer's ``cap_char_offsets``).
"""

from __future__ import annotations

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

from .tasks import WORDS

__all__ = ["build_tokenizer", "PAD", "EOS", "UNK"]

PAD, EOS, UNK = "[PAD]", "[EOS]", "[UNK]"
_PATTERN = r"\\boxed\{|</?think>| ?[A-Za-z]+| ?\d+|\n| ?[^\sA-Za-z\d]| "
_SYMBOLS = ("+", "-", "*", "=", ":", ".", ",", "?", "}")


def build_tokenizer() -> Tokenizer:
    """The demo tokenizer; ids 0, 1, 2 are [PAD], [EOS], [UNK]."""
    pieces = [PAD, EOS, UNK, "\\boxed{", "<think>", "</think>", "\n", " "]
    for unit in (*WORDS, *(str(n) for n in range(100)), *_SYMBOLS):
        pieces += [unit, " " + unit]
    vocab = {p: i for i, p in enumerate(dict.fromkeys(pieces))}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(_PATTERN), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens([PAD, EOS, UNK])
    return tok
