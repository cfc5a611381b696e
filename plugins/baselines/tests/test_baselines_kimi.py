"""kimi: λ = 0.5 - (ℓ-ℓmin)/(ℓmax-ℓmin) over the whole group; correct +wλ, wrong +w·min(0, λ)."""

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_baselines import KimiLengthPenalty


def shape(groups, lengths, correct, **params):
    batch = RolloutBatch.from_lists(groups, lengths, correct, 16384)
    return lengthwise.create("reward", "kimi", **params).shape(batch)


# Defaults: correct 1, wrong -0.5, w = 0.4.
@pytest.mark.parametrize(
    "groups, lengths, correct, expected",
    [
        # λ = [0.5, 0, -0.5]: 1 + 0.2, 1 + 0, -0.5 + 0.4·(-0.5)
        (["q"] * 3, [100, 200, 300], [True, True, False], [1.2, 1.0, -0.7]),
        # λ = [0.5, 0.25, -0.5] (150: 0.5 - 50/200): 1.2, 1.1, 0.8
        (["q"] * 3, [100, 150, 300], [True, True, True], [1.2, 1.1, 0.8]),
        # shortest is wrong: min(0, 0.5) = 0 -> -0.5; longest correct 1 - 0.2
        (["q"] * 2, [100, 300], [False, True], [-0.5, 0.8]),
        # equal lengths: ℓmax = ℓmin -> λ = 0 for everyone
        (["q"] * 3, [500, 500, 500], [True, False, True], [1.0, -0.5, 1.0]),
        # groups of size 1: λ = 0 (Laser would give 0.5 - ℓ/(1+1e-6) here)
        (["a", "b"], [700, 0], [True, False], [1.0, -0.5]),
        # two groups are normalised separately, not over the batch
        (["a", "a", "b", "b"], [100, 300, 1000, 3000], [True] * 4, [1.2, 0.8, 1.2, 0.8]),
        # zero-length responses are ordinary lengths: λ = [0.5, -0.5]
        (["q"] * 2, [0, 10], [True, True], [1.2, 0.8]),
    ],
)
def test_kimi_table(groups, lengths, correct, expected):
    np.testing.assert_allclose(shape(groups, lengths, correct).rewards, expected, rtol=0, atol=1e-12)


def test_kimi_weight_and_scale():
    out = shape(["q"] * 2, [100, 300], [True, False], len_coef=1.0, correct_reward=1.0, wrong_reward=0.0)
    # λ = [0.5, -0.5]: 1 + 0.5, 0 + min(0, -0.5)
    np.testing.assert_allclose(out.rewards, [1.5, -0.5])
    np.testing.assert_allclose(out.terms["length"], [0.5, -0.5])


def test_kimi_bad_params():
    with pytest.raises(ValidationError):
        KimiLengthPenalty.Params(len_coef=-0.1)
    with pytest.raises(ValidationError):  # w/2 = 2 > 1 - (-0.5)
        KimiLengthPenalty.Params(len_coef=4.0)


def test_kimi_no_answer_gets_format_reward_and_no_length_term():
    # Laser's compute_kimi_penalty applies the length score only in its two branches
    #     if score_lst[i] == 1.0: ...            elif score_lst[i] == -0.5: ...
    # and hf_math_verifier.compute_score gives "box_match = -1.0" without a boxed answer.
    # ℓ = [100, 200, 300], λ = [0.5, 0, -0.5] over all three (the unanswered one counts in ℓmax):
    # correct 1 + 0.4·0.5 = 1.2; wrong with answer -0.5 + 0.4·min(0, 0) = -0.5; no answer -1.0 + 0
    batch = RolloutBatch.from_lists(["q"] * 3, [100, 200, 300], [1, 0, 0], 16384, has_answer=[1, 1, 0])
    out = lengthwise.create("reward", "kimi").shape(batch)
    np.testing.assert_allclose(out.rewards, [1.2, -0.5, -1.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.terms["length"], [0.2, 0.0, 0.0], rtol=0, atol=1e-12)


def test_kimi_warmup_steps():
    # Kimi k1.5 §2.3.3: the penalty comes after plain policy optimisation ("followed by a constant
    # length penalty"): with warmup_steps = 10, steps 0..9 get R_c only, step 10 on the penalty.
    def at(step):
        batch = RolloutBatch.from_lists(["q"] * 3, [100, 200, 300], [1, 1, 0], 16384, step=step)
        return lengthwise.create("reward", "kimi", warmup_steps=10).shape(batch)

    np.testing.assert_allclose(at(9).rewards, [1.0, 1.0, -0.5])
    assert at(9).metrics["penalty_active"] == 0.0
    np.testing.assert_allclose(at(10).rewards, [1.2, 1.0, -0.7], rtol=0, atol=1e-12)
    assert KimiLengthPenalty.Params().warmup_steps == 0
