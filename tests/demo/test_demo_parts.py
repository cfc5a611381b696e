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
from lengthwise.demo.tasks import (  # noqa: E402
    LEVELS, Problem, make_problem, make_problems, prompt_text, reasoning_tokens, solution_trace, value_max,
)
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


@settings(deadline=None)  # grading and tokenizing: timings vary on a loaded machine
@given(st.integers(0, 10_000), st.sampled_from(LEVELS))
def test_problems_stay_in_range_and_traces_grade_correct(seed, level):
    p = make_problem(level, random.Random(seed))
    assert len(p.ops) == level
    assert all(0 <= after <= value_max(level) <= 99 for _, _, after in p.steps())
    assert p.answer == p.steps()[-1][2]
    # every operand within the level's range: 1..3 (levels 1-2), 1..5, 1..7, 1..9 (levels 7-8)
    assert all(1 <= n <= 3 + 2 * ((level - 1) // 2) for _, n in p.ops)
    assert grade([solution_trace(p, 0)], [str(p.answer)]) == [True]


@settings(deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(LEVELS), st.integers(0, 5))
def test_reasoning_tokens_is_the_unhedged_trace_length(seed, level, filler):
    """reasoning_tokens = 6 per line + 8: counted by hand for 3 * 4 + 5 - 2 (level 2 with a product):
    "<think>" "\n" | "3" " *" " 4" " =" " 12" "\n" | "12" " +" " 5" " =" " 17" "\n" | "17" " -" " 2" " =" " 15"
    "\n" | "</think>" "\n" | "\\boxed{" "15" "}" | EOS  ->  2 + 18 + 2 + 3 + 1 = 26 = 6 * 3 + 8."""
    tok = build_tokenizer()
    assert len(tok.encode(solution_trace(Problem(2, (3, 4), (("+", 5), ("-", 2)), "expr"), 0)).ids) + 1 == 26
    p = make_problem(level, random.Random(seed))
    product = isinstance(p.start, tuple)
    base = reasoning_tokens(level, product)
    assert len(tok.encode(solution_trace(p, 0)).ids) + 1 == base
    assert len(tok.encode(solution_trace(p, filler)).ids) + 1 >= base + 7 * filler


def test_correct_traces_grow_with_the_level():
    """The length a correct un-hedged trace needs rises with the level, and the demo's tight cap
    (40, SIRI's L_min and the fixed budget) sits between the easy and the hard levels."""
    need = {k: (reasoning_tokens(k, False), reasoning_tokens(k, k >= 3)) for k in LEVELS}
    assert [need[k][0] for k in LEVELS] == sorted(need[k][0] for k in LEVELS)
    assert max(max(need[k]) for k in (1, 2, 3, 4)) <= 40 < min(min(need[k]) for k in (6, 7, 8))


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
