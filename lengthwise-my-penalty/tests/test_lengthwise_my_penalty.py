"""The my-penalty reward, built as a config would build it."""

import numpy as np
import pytest

import lengthwise
from lengthwise import RolloutBatch


def test_rewards_by_hand():
    shaper = lengthwise.create("reward", "my-penalty", target=100, coef=0.5)
    # lengths 50, 150, 300 correct; 300 wrong. Excess over 100: 0, 0.5, 2.
    batch = RolloutBatch.from_lists(["q", "q", "q", "q"], [50, 150, 300, 300], [True, True, True, False], 512)
    out = shaper.shape(batch)
    # 1 - 0.5*0 = 1; 1 - 0.5*0.5 = 0.75; 1 - 0.5*2 = 0; wrong: wrong_reward = 0
    np.testing.assert_allclose(out.rewards, [1.0, 0.75, 0.0, 0.0])
    assert out.metrics["penalised_share"] == 0.5


def test_params_are_validated():
    with pytest.raises(lengthwise.StrategyParamsError):
        lengthwise.create("reward", "my-penalty", target=0)


def test_it_is_registered_by_this_package():
    spec = lengthwise.get_registry().get("reward", "my-penalty")
    assert spec.package == "lengthwise-my-penalty"
