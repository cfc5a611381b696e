"""The CPU demo's parts: task generator, tokenizer and the warm-up's packed log-probs."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from hypothesis import given, settings, strategies as st  # noqa: E402

from lengthwise.demo.model import ModelSize, build_model  # noqa: E402
from lengthwise.demo.warmup import pack, sequence_logprobs  # noqa: E402
from lengthwise.demo.tasks import Problem, make_problem, make_problems, prompt_text, solution_trace  # noqa: E402
from lengthwise.demo.tokenizer import EOS, PAD, build_tokenizer  # noqa: E402
from lengthwise.scoring import grade  # noqa: E402


# ---------------------------------------------------------------- task


def test_answer_by_hand():
    # 3 * 4 = 12, 12 + 5 = 17, 17 - 2 = 15
    p = Problem(level=3, start=(3, 4), ops=(("+", 5), ("-", 2)), style="expr")
    assert p.answer == 15
    assert prompt_text(p) == "Q : Compute 3 * 4 + 5 - 2 .\n"
    # the operations, then the first two hedging lines, in FILLER's order
    trace = solution_trace(p, filler=2)
    assert trace.splitlines() == [
        "<think>", "3 * 4 = 12", "12 + 5 = 17", "17 - 2 = 15",
        "wait , let me look at this again .", "ok , that seems right .",
        "</think>", "\\boxed{15}",
    ]


def test_filler_holds_no_number_and_costs_tokens_only():
    """The hedging lines carry no digits and no "=" (nothing to copy wrongly, and the last "= N" is
    still the answer's) and each adds 6-9 tokens + a newline."""
    from lengthwise.demo.tasks import FILLER

    tok = build_tokenizer()
    assert not any(ch.isdigit() or ch == "=" for line in FILLER for ch in line)
    assert len(set(FILLER)) == len(FILLER)  # distinct: the model can tell how many it wrote
    p = Problem(level=2, start=7, ops=(("+", 2), ("-", 3)), style="word")
    base = len(tok.encode(solution_trace(p, 0)).ids)
    for k in range(1, len(FILLER) + 1):
        extra = len(tok.encode(solution_trace(p, k)).ids) - base
        assert 7 * k <= extra <= 10 * k
        assert grade([solution_trace(p, k)], [str(p.answer)]) == [True]
    for bad in (-1, len(FILLER) + 1):
        with pytest.raises(ValueError, match="filler must be in 0..5"):
            solution_trace(p, bad)


@given(st.integers(0, 10_000), st.sampled_from((1, 2, 3, 4)))
def test_problems_stay_in_range_and_traces_grade_correct(seed, level):
    p = make_problem(level, random.Random(seed))
    assert len(p.ops) == level
    assert all(0 <= after <= 99 for _, _, after in p.steps())
    assert p.answer == p.steps()[-1][2]


def test_reference_traces_grade_correct_and_wrong_answers_do_not():
    ps = make_problems(60, seed=3)
    traces = [solution_trace(p, filler=i % 6) for i, p in enumerate(ps)]
    assert all(grade(traces, [str(p.answer) for p in ps]))
    assert not any(grade(traces, [str(p.answer + 1) for p in ps]))


def test_same_seed_same_problems():
    assert make_problems(20, seed=7) == make_problems(20, seed=7)
    assert make_problems(20, seed=7) != make_problems(20, seed=8)


# ---------------------------------------------------------------- tokenizer


def test_tokenizer_round_trips_every_prompt_and_trace():
    tok = build_tokenizer()
    unk = tok.token_to_id("[UNK]")
    for i, p in enumerate(make_problems(200, seed=11)):
        for text in (prompt_text(p), solution_trace(p, filler=i % 6)):
            ids = tok.encode(text).ids
            assert unk not in ids
            assert tok.decode(ids) == text


# ---------------------------------------------------------------- warm-up packing


def _tiny():
    tok = build_tokenizer()
    torch.manual_seed(0)
    model = build_model(tok.get_vocab_size(), ModelSize(hidden=32, layers=1, heads=2, kv_heads=1, mlp=64, max_positions=128), tok.token_to_id(PAD), tok.token_to_id(EOS))
    return tok, model


def test_packed_logprobs_equal_an_unpadded_forward_pass():
    # The warm-up's loss reads log-probs from the packed (left-padded prompts, right-padded
    # responses) layout; each row must match the same sequence run alone without padding.
    tok, model = _tiny()
    problems = make_problems(3, seed=2)
    prompts = [tok.encode(prompt_text(p)).ids for p in problems]
    responses = [tok.encode(solution_trace(p, k)).ids + [tok.token_to_id(EOS)] for k, p in enumerate(problems)]
    ids, mask, pos, rmask, pw = pack(prompts, responses, tok.token_to_id(PAD))
    with torch.no_grad():
        lp = sequence_logprobs(model, ids, mask, pos, pw)
        for i, (p, r) in enumerate(zip(prompts, responses)):
            alone = torch.tensor([p + r])
            logits = model(input_ids=alone).logits[0, len(p) - 1 : -1].float()
            want = torch.log_softmax(logits, -1).gather(-1, torch.tensor(r)[:, None]).squeeze(-1)
            assert torch.allclose(lp[i][rmask[i]], want, atol=1e-5)
            assert int(rmask[i].sum()) == len(r)
