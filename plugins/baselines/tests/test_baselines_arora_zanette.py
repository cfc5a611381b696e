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
