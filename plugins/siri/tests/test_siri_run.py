"""A SIRI run: the plugin's schedule with lengthwise's built-in length-capped reward."""

from __future__ import annotations

import numpy as np

import lengthwise
from lengthwise import RolloutBatch


def test_config_builds_siri_run():
    cfg = lengthwise.parse_config(
        {
            "schedule": {"name": "siri-stair-cosine", "params": {"l_max": 16384, "l_min": 8192, "period": 640}},
            "reward": {"name": "length-capped", "params": {"correct_reward": 1.0, "wrong_reward": 0.0}},
        }
    )
    ctl = lengthwise.LengthController.from_config(cfg)
    assert ctl.difficulty is None
    cap = ctl.cap(320)
    assert cap == 8192
    batch = RolloutBatch.from_lists(["q", "q"], [4000, 8192], [True, False], cap, step=320)
    res = ctl.step(batch)
    np.testing.assert_array_equal(res.rewards.rewards, [1.0, 0.0])
    assert res.metrics["lengthwise/reward/accuracy"] == 0.5
