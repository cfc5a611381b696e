"""cosine: r_L + ½(r_0 - r_L)(1 + cos(πℓ/L)); r_exceed at ℓ >= L (Yeo et al.)."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_baselines import CosineLength


def one(length, correct, cap=1000, **params):
    batch = RolloutBatch.from_lists(["q"], [length], [correct], cap)
    return float(lengthwise.create("reward", "cosine", **params).shape(batch).rewards[0])


# Defaults: r_c0 = 2, r_cL = 1, r_w0 = -10, r_wL = 0, r_exceed = -10, margin 16; cap L = 1000.
# Source (openrlhf/openrlhf/reward/common.py): "MAX_LEN_MARGIN = 16"; cosine.py:
# "if gen_len + MAX_LEN_MARGIN >= self.max_len: rewards.append(self.exceed_length)".
@pytest.mark.parametrize(
    "length, correct, params, expected",
    [
        (0, True, {}, 2.0),  # ℓ = 0: cos 0 = 1 -> r_c0
        (0, False, {}, -10.0),  # ℓ = 0: r_w0
        (500, True, {}, 1.5),  # cos(π/2) = 0 -> 1 + ½·1
        (500, False, {}, -5.0),  # 0 + ½·(-10)
        (250, True, {}, 1 + 0.5 * (1 + math.sqrt(0.5))),  # cos(π/4) = 0.7071 -> 1.853553
        (250, False, {}, -5 * (1 + math.sqrt(0.5))),  # -8.535534
        (999, True, {"exceed_margin": 0}, 1.0000024673990708),  # 1 + ½(1 + cos(0.999π)), just above r_cL
        (999, True, {}, -10.0),  # default margin 16: 999 + 16 >= 1000
        (984, True, {}, -10.0),  # 984 + 16 = 1000 >= 1000
        (983, False, {}, -5 * (1 + math.cos(0.983 * math.pi))),  # 983 + 16 < 1000: cosine, wrong
        (1000, True, {}, -10.0),  # ℓ = L: hit the cap -> r_exceed, correct or not
        (1000, False, {}, -10.0),
        (1500, True, {}, -10.0),  # ℓ > L
        (984, True, {"exceed_margin": 16}, -10.0),  # source margin: 984 + 16 >= 1000
        (983, True, {"exceed_margin": 16}, 1 + 0.5 * (1 + math.cos(0.983 * math.pi))),
        (1000, True, {"r_exceed": 0.0}, 0.0),
    ],
)
def test_cosine_table(length, correct, params, expected):
    assert one(length, correct, **params) == pytest.approx(expected, abs=1e-12)


def test_cosine_normalises_by_each_cap():
    batch = RolloutBatch.from_lists(["q", "q"], [500, 500], [True, True], [1000, 2000])
    # 500/1000 -> 1.5 ; 500/2000 = 1/4 -> 1.853553
    np.testing.assert_allclose(CosineLength().shape(batch).rewards, [1.5, 1 + 0.5 * (1 + math.sqrt(0.5))])


def test_cosine_flagged_because_exceed_overrides_correctness():
    assert CosineLength.wrong_may_outrank_correct is True
    batch = RolloutBatch.from_lists(["q", "q"], [1000, 500], [True, False], 1000)
    r = CosineLength().shape(batch).rewards
    assert r[1] > r[0]  # wrong at L/2: -5 > correct at the cap: -10


def test_cosine_bad_params():
    with pytest.raises(ValidationError):  # the source refuses positive wrong rewards
        CosineLength.Params(r_w0=1.0)
    with pytest.raises(ValidationError):
        CosineLength.Params(r_cL=-1.0)  # r_wL = 0 > r_cL


# Repetition penalty on wrong answers (eddycmu/demystify-long-cot, commit e90cf9b3,
# openrlhf/openrlhf/reward/cosine.py L79-93 and reward/repetition.py L56-70):
# r += (1 - #distinct n-grams / #n-grams) · max_penalty, wrong branch only, after the exceed check.
def rep_batch(correct, lengths=(500,), cap=1000, **kwargs):
    n = len(correct)
    return RolloutBatch.from_lists(["q"] * n, list(lengths) * (n // len(lengths)), correct, cap, **kwargs)


def test_repetition_penalty_by_hand_on_token_ids():
    # ids 1 2 1 2 1 2, n = 2: 2-grams (1,2) (2,1) (1,2) (2,1) (1,2): 5, 2 distinct -> 1 - 2/5 = 0.6.
    # wrong at ℓ = 500 of 1000: CosFn = 0 + ½(-10)(1 + cos(π/2)) = -5; -5 + 0.6·(-1) = -5.6.
    # The correct one at ℓ = 500: 1 + ½(1 + 0) = 1.5, no penalty.
    ids = ([1, 2] * 3, [1, 2] * 3)
    batch = rep_batch([False, True], token_ids=ids)
    out = lengthwise.create(
        "reward", "cosine", repetition_max_penalty=-1.0, repetition_ngram_size=2
    ).shape(batch)
    np.testing.assert_allclose(out.rewards, [-5.6, 1.5], atol=1e-12)
    np.testing.assert_allclose(out.terms["repetition"], [-0.6, 0.0], atol=1e-12)
    # the default P_rep = 0 (the source's default; no run script sets it) leaves -5
    assert CosineLength().shape(batch).rewards[0] == pytest.approx(-5.0)


def test_repetition_penalty_reads_lower_cased_words_of_the_text():
    # "The cat the CAT the cat" -> the cat the cat the cat: 2-grams 5, distinct {the cat, cat the}
    # = 2 -> 0.6; P_rep -0.5 -> -0.3; with no token ids "auto" reads the words: -5 - 0.3 = -5.3.
    texts = ("The cat the CAT the cat",)
    out = lengthwise.create(
        "reward", "cosine", repetition_max_penalty=-0.5, repetition_ngram_size=2
    ).shape(rep_batch([False], responses=texts))
    assert out.rewards[0] == pytest.approx(-5.3)
    # with both, auto reads the token ids (no repetition: 0) and "text" the words (0.6)
    both = rep_batch([False], responses=texts, token_ids=([1, 2, 3, 4, 5, 6],))
    auto = lengthwise.create("reward", "cosine", repetition_max_penalty=-0.5, repetition_ngram_size=2)
    text = lengthwise.create(
        "reward", "cosine", repetition_max_penalty=-0.5, repetition_ngram_size=2, repetition_input="text"
    )
    assert auto.shape(both).rewards[0] == pytest.approx(-5.0)
    assert text.shape(both).rewards[0] == pytest.approx(-5.3)


def test_repetition_penalty_edge_cases():
    shaper = lengthwise.create("reward", "cosine", repetition_max_penalty=-1.0)  # n = 40
    # fewer than 40 tokens: no 40-gram, no penalty (the source would divide by zero)
    assert shaper.shape(rep_batch([False], token_ids=([7] * 39,))).rewards[0] == pytest.approx(-5.0)
    # 41 equal tokens: two equal 40-grams -> 1 - 1/2 = 0.5 -> -5.5
    assert shaper.shape(rep_batch([False], token_ids=([7] * 41,))).rewards[0] == pytest.approx(-5.5)
    # a capped wrong answer gets r_exceed only (the exceed branch comes first in the source)
    capped = rep_batch([False], lengths=(1000,), token_ids=([7] * 41,))
    assert shaper.shape(capped).rewards[0] == pytest.approx(-10.0)
    # no ids and no texts: one clear error; none needed while the penalty is off
    with pytest.raises(ValueError, match="cosine's repetition check needs the batch's token_ids or responses"):
        shaper.shape(rep_batch([False]))
    assert CosineLength().shape(rep_batch([False])).rewards[0] == pytest.approx(-5.0)
    with pytest.raises(ValidationError):  # the source refuses a positive max_penalty
        CosineLength.Params(repetition_max_penalty=0.5)


def test_repetition_options_refused_while_the_penalty_is_off():
    with pytest.raises(lengthwise.StrategyParamsError, match="repetition_ngram_size only act with repetition_max_pen"):
        lengthwise.create("reward", "cosine", repetition_ngram_size=4)
    with pytest.raises(lengthwise.StrategyParamsError, match="repetition_input only act"):
        lengthwise.create("reward", "cosine", repetition_input="text")
    lengthwise.create("reward", "cosine", repetition_max_penalty=-0.5, repetition_ngram_size=4, repetition_input="text")
