"""arora-zanette: correct R = 1 - α·σ((ℓ - mean_c)/(std_c + 1e-7)) over the group's correct answers."""

import numpy as np
import pytest
from pydantic import ValidationError

import lengthwise
from lengthwise import RolloutBatch
from lengthwise_baselines import AroraZanette


def shape(groups, lengths, correct, **params):
    batch = RolloutBatch.from_lists(groups, lengths, correct, 16384)
    return lengthwise.create("reward", "arora-zanette", **params).shape(batch)


# Defaults: {1, 0}, α = 0.1, ε = 1e-7, population std.
@pytest.mark.parametrize(
    "groups, lengths, correct, expected",
    [
        # mean 200, std 100: z = ∓1 -> 1 - 0.1·σ(-1) = 1 - 0.1·0.268941 ; 1 - 0.1·0.731059
        (["q"] * 2, [100, 300], [True, True], [0.9731058578433393, 0.9268941421566607]),
        # mean 200, std sqrt(20000/3) = 81.6497: z = ∓1.224745, 0 -> σ = 0.227103, 0.5, 0.772897
        (["q"] * 3, [100, 200, 300], [True] * 3, [0.9772897480301025, 0.95, 0.9227102519698974]),
        # wrong answers do not enter the statistics and get 0: same numbers as the first row
        (["q"] * 3, [100, 5000, 300], [True, False, True], [0.9731058578433393, 0.0, 0.9268941421566607]),
        # one correct answer: std 0 -> z = 0/ε = 0 -> 1 - 0.1·0.5
        (["q"] * 2, [500, 100], [True, False], [0.95, 0.0]),
        # group of size 1, correct: as above
        (["q"], [42], [True], [0.95]),
        # equal correct lengths: z = 0 for all
        (["q"] * 2, [300, 300], [True, True], [0.95, 0.95]),
        # all wrong: 0
        (["q"] * 2, [10, 20], [False, False], [0.0, 0.0]),
        # groups are separate: group b has one correct answer
        (["a", "a", "b"], [100, 300, 7], [True, True, True], [0.9731058578433393, 0.9268941421566607, 0.95]),
    ],
)
def test_arora_zanette_table(groups, lengths, correct, expected):
    np.testing.assert_allclose(shape(groups, lengths, correct).rewards, expected, rtol=0, atol=1e-12)


def test_arora_zanette_alpha():
    # α = 0.4: 1 - 0.4·σ(∓1) = 0.892423, 0.707576
    r = shape(["q"] * 2, [100, 300], [True, True], alpha=0.4).rewards
    np.testing.assert_allclose(r, [1 - 0.4 * 0.2689414213699951, 1 - 0.4 * 0.7310585786300049], atol=1e-9)


def test_arora_zanette_bad_params():
    with pytest.raises(ValidationError):
        AroraZanette.Params(std_epsilon=0.0)
    with pytest.raises(ValidationError):  # α = 2 > 1 - 0
        AroraZanette.Params(alpha=2.0)


# End-of-sequence check (Zanette-Labs/efficient-reasoning reward_server/math_server.py, commit
# e3611e4b: L64-70 and L83-88 give a response without EOS accuracy 0 and reward 0, and L72-77
# collect only responses with accuracy > 0 into a question's lengths; --check_eos defaults to
# True, L132). Without EOS = truncated: ℓ >= cap, or the scorer's cap cut the text.
def test_truncated_correct_answer_is_wrong_and_left_out_of_the_statistics():
    # cap 300: the correct response of 300 tokens reached its cap (no EOS). Left: 100 and 200,
    # mean 150, std 50, z = ∓1 -> 1 - 0.1·σ(∓1) = 0.973106, 0.926894; the truncated one gets 0.
    # (Without the check the three correct lengths 100, 200, 300 would give 0.977290, 0.95, 0.922710.)
    batch = RolloutBatch.from_lists(["q"] * 3, [100, 200, 300], [True] * 3, 300)
    assert batch.truncated.tolist() == [False, False, True]
    out = lengthwise.create("reward", "arora-zanette").shape(batch)
    np.testing.assert_allclose(out.rewards, [0.9731058578433393, 0.9268941421566607, 0.0], atol=1e-12)
    assert out.metrics["no_eos_correct"] == 1.0
    off = lengthwise.create("reward", "arora-zanette", check_eos=False).shape(batch)
    np.testing.assert_allclose(off.rewards, [0.9772897480301025, 0.95, 0.9227102519698974], atol=1e-12)


def test_scorer_cut_counts_as_no_eos():
    # lengths below the cap, but the scorer's cap cut the second text (truncated flag set by the
    # host): it is wrong, and the first is then the only correct answer: z = 0 -> 1 - 0.1/2 = 0.95.
    batch = RolloutBatch.from_lists(["q"] * 2, [100, 250], [True, True], 1000, truncated=[False, True])
    np.testing.assert_allclose(shape_batch(batch).rewards, [0.95, 0.0], atol=1e-12)


def test_wrong_scale_applies_to_a_truncated_answer():
    # scale {1, -1}: the truncated correct response gets wrong_reward -1 (the server's "reward 0"
    # is its wrong reward on the {1, 0} scale); the finished one is alone: 1 - 0.1·0.5 = 0.95.
    batch = RolloutBatch.from_lists(["q"] * 2, [50, 64], [True, True], 64)
    out = lengthwise.create("reward", "arora-zanette", wrong_reward=-1.0).shape(batch)
    np.testing.assert_allclose(out.rewards, [0.95, -1.0], atol=1e-12)


def shape_batch(batch, **params):
    return lengthwise.create("reward", "arora-zanette", **params).shape(batch)
