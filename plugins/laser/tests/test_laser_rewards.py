"""Laser, Laser-D and Laser-DE rewards (hkust-nlp/Laser length_penalty.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import lengthwise
from lengthwise import Difficulty, RolloutBatch
from lengthwise_laser import Laser, LaserD, LaserDE

# ---------------------------------------------------------------------------------------------
# Laser, L_T = 1000, α = 0.5, R_c = +1 / -0.5. Responses (correct?, ℓ):
#   (T, 500) (T, 1000) (T, 1500) (F, 500) (F, 1500)
# reward:  1 + .5, 1 + .5 (ℓ = L_T is within), 1,        -0.5, -0.5
# penalty: 1,      1,                          1 - .5,   -0.5, -0.5
# hybrid:  1 + .5, 1 + .5,                     1 - .5,   -0.5, -0.5
# ---------------------------------------------------------------------------------------------
LASER_BATCH = RolloutBatch.from_lists(["q"] * 5, [500, 1000, 1500, 500, 1500], [1, 1, 1, 0, 0], caps=4096)


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("reward", [1.5, 1.5, 1.0, -0.5, -0.5]),
        ("penalty", [1.0, 1.0, 0.5, -0.5, -0.5]),
        ("hybrid", [1.5, 1.5, 0.5, -0.5, -0.5]),
    ],
)
def test_laser_modes(mode, expected):
    r = lengthwise.create("reward", "laser", target_length=1000, mode=mode)
    out = r.shape(LASER_BATCH)
    np.testing.assert_array_equal(out.rewards, expected)
    np.testing.assert_array_equal(out.terms["correctness"], [1, 1, 1, -0.5, -0.5])
    np.testing.assert_array_equal(out.terms["length"], np.array(expected) - out.terms["correctness"])
    assert out.metrics["target_length"] == 1000.0


def test_laser_defaults():
    r = lengthwise.create("reward", "laser")
    assert isinstance(r, Laser)
    p = r.params
    assert (p.correct_reward, p.wrong_reward, p.alpha, p.target_length, p.mode) == (1.0, -0.5, 0.5, 8192, "reward")
    assert Laser.default_difficulty is None and Laser.wrong_may_outrank_correct is False


def test_bad_params():
    with pytest.raises(ValidationError):
        Laser(mode="penalty", alpha=2.0)  # 1 - 2 < -0.5: a correct answer would drop below a wrong one
    with pytest.raises(ValidationError):
        Laser(mode="shrink")
    with pytest.raises(ValidationError):
        LaserDE(alpha=1.6)  # -0.5 + 1.6 > 1: an explored wrong answer would outrank a correct one
    with pytest.raises(ValidationError):
        LaserD(lower_bound=8192, upper_bound=4096)
    with pytest.raises(lengthwise.StrategyParamsError):
        lengthwise.create("reward", "laser-d", round_method="nearest")
    Laser(mode="reward", alpha=2.0)  # reward mode only adds to correct answers: allowed


# ---------------------------------------------------------------------------------------------
# Laser-D, one hand batch: N = 3 rollouts, candidates 1024 .. 4096, floor, expected_n_correct 1.
#   A: T T T,  ℓ  500 1500 2500   p = 1    reward bucket high,   monitor band high
#   B: T T F,  ℓ 1000 3000 4000   p = 2/3  reward bucket high,   monitor band medium
#   C: T F F,  ℓ  800 2000 3500   p = 1/3  reward bucket medium, monitor band low
#   D: F F F,  ℓ 1200 5000  600   p = 0    low, low
# Coverage by monitor band at [1024, 2048, 3072, 4096]:
#   high {A}: [1/3, 2/3, 1, 1];  medium {B}: [1/3, 1/3, 2/3, 1];
#   low {C, D} = {800, 2000, 3500, 1200, 5000, 600}: [2/6, 4/6, 4/6, 5/6]
# n_high = floor(6/3) = 2, n_medium = floor(3/3) = 1, n_low = 1:
#   high:   floor(2/3·2 = 1.33) = 1 at 2048            -> 2048
#   medium: floor(1·1) = 1 first at 4096               -> 4096
#   low:    floor(5/6) = 0 everywhere                  -> no limit = batch max 5000
# Rewards (reward bucket -> target): A, B -> 2048; C -> 4096; D -> 5000
#   A: 500, 1500 <= 2048 -> 1.5, 1.5; 2500 > 2048 -> 1.0
#   B: 1000 -> 1.5; 3000 > 2048 -> 1.0; wrong -> -0.5
#   C: 800 <= 4096 -> 1.5; wrong, wrong -> -0.5, -0.5;   D: -0.5 x 3
# ---------------------------------------------------------------------------------------------
GROUPS = list("AAABBBCCCDDD")
LENGTHS = [500, 1500, 2500, 1000, 3000, 4000, 800, 2000, 3500, 1200, 5000, 600]
CORRECT = [1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
D_PARAMS = dict(n_rollout=3, lower_bound=1024, upper_bound=4096, interval=1024)
D_EXPECTED = [1.5, 1.5, 1.0, 1.5, 1.0, -0.5, 1.5, -0.5, -0.5, -0.5, -0.5, -0.5]


def hand_batch(**kwargs):
    return RolloutBatch.from_lists(GROUPS, LENGTHS, CORRECT, caps=8192, **kwargs)


def run(shaper, batch):
    est = lengthwise.create("difficulty", shaper.default_difficulty)
    return shaper.shape(batch, est.estimate(batch))


def test_laser_d_hand_batch():
    r = lengthwise.create("reward", "laser-d", **D_PARAMS)
    assert isinstance(r, LaserD) and LaserD.default_difficulty == "laser-buckets"
    out = run(r, hand_batch())
    np.testing.assert_array_equal(out.rewards, D_EXPECTED)
    assert out.metrics["target_length_high"] == 2048.0
    assert out.metrics["target_length_medium"] == 4096.0
    assert out.metrics["target_length_low"] == 5000.0
    assert out.metrics["targets_rechosen"] == 1.0
    assert r.state_dict()["targets"] == {"high": 2048, "medium": 4096, "low": None}
    assert r.state_dict()["coverage"]["low"] == [2 / 6, 4 / 6, 4 / 6, 5 / 6]


def test_laser_d_without_difficulty_uses_its_own_buckets():
    out = LaserD(**D_PARAMS).shape(hand_batch())
    np.testing.assert_array_equal(out.rewards, D_EXPECTED)


def test_laser_d_reward_buckets_for_monitoring():
    # grouping coverage by the shaping buckets: high {A, B} = {500,1500,2500,1000,3000,4000}
    #   -> <=1024: 500, 1000; <=2048: +1500; <=3072: +2500, 3000 -> [2/6, 3/6, 5/6, 1]
    #   floor(·2): floor(0.67) = 0, floor(1.0) = 1 at 2048 -> 2048 (unchanged)
    # medium {C} = {800, 2000, 3500}: [1/3, 2/3, 2/3, 1]; floor(·1) = 1 only at 4096 -> 4096
    # low {D} = {1200, 5000, 600}: [1/3, 2/3, 2/3, 2/3] -> never 1 -> no limit (5000)
    r = LaserD(monitor_buckets="reward", **D_PARAMS)
    out = r.shape(hand_batch())
    assert r.state_dict()["coverage"]["high"] == [2 / 6, 3 / 6, 5 / 6, 1.0]
    assert r.state_dict()["targets"] == {"high": 2048, "medium": 4096, "low": None}
    np.testing.assert_array_equal(out.rewards, D_EXPECTED)


def test_laser_d_initial_target_until_first_monitor():
    # monitor_at_start False, freq 2: batch 0 uses target_length = 1000 for every bucket,
    # batch 1 none either (1 % 2 != 0), batch 2 re-chooses.
    r = LaserD(monitor_at_start=False, monitor_freq=2, target_length=1000, **D_PARAMS)
    out0 = r.shape(hand_batch())
    # correct with ℓ <= 1000: A 500, B 1000, C 800 -> 1.5; other correct 1.0
    np.testing.assert_array_equal(out0.rewards, [1.5, 1.0, 1.0, 1.5, 1.0, -0.5, 1.5, -0.5, -0.5, -0.5, -0.5, -0.5])
    assert out0.metrics["target_length_low"] == 1000.0 and out0.metrics["targets_rechosen"] == 0.0
    assert r.shape(hand_batch()).metrics["targets_rechosen"] == 0.0
    out2 = r.shape(hand_batch())
    assert out2.metrics["targets_rechosen"] == 1.0
    np.testing.assert_array_equal(out2.rewards, D_EXPECTED)


def test_laser_d_modes_on_hand_batch():
    r = LaserD(mode="hybrid", **D_PARAMS)
    out = r.shape(hand_batch())
    # hybrid: correct beyond the target get 1 - 0.5 instead of 1.0 (A 2500, B 3000)
    np.testing.assert_array_equal(out.rewards, [1.5, 1.5, 0.5, 1.5, 0.5, -0.5, 1.5, -0.5, -0.5, -0.5, -0.5, -0.5])


def test_laser_d_monitored_target_not_below_batch_max():
    # after monitoring picks 2048 for high, a batch whose longest response is 1800 resolves the
    # high target to 1800 (the source keeps a candidate only if it is < the batch's max length)
    r = LaserD(**D_PARAMS)
    r.shape(hand_batch())
    small = RolloutBatch.from_lists(["x"] * 3, [100, 1800, 900], [1, 1, 1], caps=8192)
    out = r.shape(small)
    assert out.metrics["target_length_high"] == 1800.0
    np.testing.assert_array_equal(out.rewards, [1.5, 1.5, 1.5])


def test_laser_d_rejects_foreign_buckets():
    batch = hand_batch()
    d = Difficulty(pass_rate=batch.group_pass_rate(), bucket=np.array(["simple"] * 12, dtype=object))
    with pytest.raises(ValueError, match="laser-buckets"):
        LaserD().shape(batch, d)


# ---------------------------------------------------------------------------------------------
# Laser-DE on the hand batch (same targets: A, B -> 2048; C -> 4096; D -> 5000). Correct answers
# as Laser-D's reward mode. Wrong answers (with an answer) with ℓ > target and not repetitive get
# +0.5: B's wrong answer (4000 > 2048) -> -0.5 + 0.5 = 0.0. C's wrong 2000, 3500 <= 4096: no;
# D: 1200, 5000, 600 — none > 5000: no.
# ---------------------------------------------------------------------------------------------
def distinct_ids():
    return tuple(np.arange(n) for n in LENGTHS)


def test_laser_de_explores_long_non_repetitive_wrong():
    r = lengthwise.create("reward", "laser-de", **D_PARAMS)
    assert isinstance(r, LaserDE) and LaserDE.default_difficulty == "laser-buckets"
    assert LaserDE.wrong_may_outrank_correct is False
    out = run(r, hand_batch(token_ids=distinct_ids()))
    expected = list(D_EXPECTED)
    expected[5] = 0.0
    np.testing.assert_array_equal(out.rewards, expected)
    np.testing.assert_array_equal(np.flatnonzero(out.terms["exploration"]), [5])
    assert out.metrics["repetition_checked"] == 1.0 and out.metrics["repetitive"] == 0.0
    assert out.metrics["exploration_rate"] == 1 / 12


def test_laser_de_no_bonus_for_repetitive():
    ids = list(distinct_ids())
    ids[5] = np.tile([11, 12, 13, 14, 15], 800)  # 4000 tokens of a 5-token loop
    out = LaserDE(**D_PARAMS).shape(hand_batch(token_ids=tuple(ids)))
    np.testing.assert_array_equal(out.rewards, D_EXPECTED)
    assert out.metrics["repetitive"] == 1.0 and out.metrics["exploration_rate"] == 0.0


def test_laser_de_text_fallback():
    texts = ["ok"] * 12
    texts[5] = " ".join(f"step{i}" for i in range(600))
    out = LaserDE(**D_PARAMS).shape(hand_batch(responses=tuple(texts)))
    assert out.rewards[5] == 0.0
    texts[5] = "let me check again " * 150
    out = LaserDE(**D_PARAMS).shape(hand_batch(responses=tuple(texts)))
    assert out.rewards[5] == -0.5


def test_laser_de_explores_only_formatted_wrong_answers():
    # Source (length_penalty.py, compute_length_reward_larse_de):
    #     elif score_lst[i] == -0.5:
    #         if response_length[i] > dynamic_target_length:
    # and hf_math_verifier.compute_score: "if not is_boxed_matched: box_match = -1.0".
    # B's wrong 4000-token answer (index 5, over its 2048 target) explores (+0.5 -> 0.0) when it
    # has an answer, also when it ran into the cap (ℓ = cap = 4000): the source never tests the cap.
    # Without an answer it scores format_reward = -1.0 and gets no bonus.
    caps = [8192] * 12
    caps[5] = 4000
    batch = RolloutBatch.from_lists(GROUPS, LENGTHS, CORRECT, caps=caps, token_ids=distinct_ids())
    assert batch.truncated[5] and LaserDE(**D_PARAMS).shape(batch).rewards[5] == 0.0
    no_answer = np.ones(12, dtype=bool)
    no_answer[5] = False
    batch = RolloutBatch.from_lists(GROUPS, LENGTHS, CORRECT, caps=caps, token_ids=distinct_ids(), has_answer=no_answer)
    out = LaserDE(**D_PARAMS).shape(batch)
    assert out.rewards[5] == -1.0 and out.terms["exploration"][5] == 0.0
    # every other response scores as in Laser-D's D_EXPECTED
    want = np.array(D_EXPECTED, dtype=float)
    want[5] = -1.0
    np.testing.assert_array_equal(out.rewards, want)


def test_laser_format_reward():
    # hf_math_verifier.compute_score: 1.0 correct, -0.5 wrong, -1.0 "if not is_boxed_matched";
    # compute_length_reward_larse adds α only "if score_lst[i] == 1.0".
    # (T, 500) (F, 500) (F, 1500, no answer): reward mode, L_T = 1000 -> 1.5, -0.5, -1.0
    batch = RolloutBatch.from_lists(["q"] * 3, [500, 500, 1500], [1, 0, 0], caps=4096, has_answer=[1, 1, 0])
    out = Laser(target_length=1000).shape(batch)
    np.testing.assert_array_equal(out.rewards, [1.5, -0.5, -1.0])
    assert Laser().params.format_reward == -1.0
    # format_reward None: no answer is just wrong
    np.testing.assert_array_equal(Laser(target_length=1000, format_reward=None).shape(batch).rewards, [1.5, -0.5, -0.5])
    # Laser-D: same correctness part
    assert LaserD().params.format_reward == -1.0 and LaserDE().params.format_reward == -1.0


def test_laser_de_needs_ids_or_text_when_checking():
    with pytest.raises(ValueError, match="token_ids or responses"):
        LaserDE(**D_PARAMS).shape(hand_batch())
    # nothing to check (all correct): no ids needed
    batch = RolloutBatch.from_lists(["a"] * 3, [10, 20, 30], [1, 1, 1], caps=100)
    np.testing.assert_array_equal(LaserDE().shape(batch).rewards, [1.5, 1.5, 1.5])


# ------------------------------------------------------------------------------ state
def random_batch(rng, step_groups=5, g=4, cap=3000):
    n = step_groups * g
    lengths = rng.integers(0, cap + 1, n)
    ids = tuple(rng.integers(0, 50, int(length)) for length in lengths)
    return RolloutBatch.from_lists(
        np.repeat(np.arange(step_groups), g).tolist(), lengths.tolist(), rng.random(n) < 0.5, caps=cap, token_ids=ids
    )


@pytest.mark.parametrize("cls", [LaserD, LaserDE])
def test_state_round_trip(cls):
    rng = np.random.default_rng(0)
    batches = [random_batch(rng) for _ in range(7)]
    kwargs = dict(monitor_freq=3, lower_bound=512, upper_bound=3072, interval=512, n_rollout=4)
    a = cls(**kwargs)
    for b in batches[:4]:
        a.shape(b)
    state = json.loads(json.dumps(a.state_dict()))
    assert state["batches_seen"] == 4 and state["monitored"] is True
    b_ = cls(**kwargs)
    b_.load_state_dict(state)
    assert b_.state_dict() == a.state_dict()
    for b in batches[4:]:  # crosses a re-choice at batch 6
        x, y = a.shape(b), b_.shape(b)
        np.testing.assert_array_equal(x.rewards, y.rewards)
        assert x.metrics == y.metrics
    assert a.state_dict() == b_.state_dict()


def test_load_state_rejects_unknown_keys():
    with pytest.raises(ValueError):
        LaserD().load_state_dict({"targets": {}, "bogus": 1})


def test_stateless_laser():
    r = Laser()
    assert r.state_dict() == {}
    r.load_state_dict({})


# ------------------------------------------------------------------------------ properties
@st.composite
def batches(draw):
    sizes = draw(st.lists(st.integers(1, 8), min_size=1, max_size=6))
    n = sum(sizes)
    cap = draw(st.integers(1, 6000))
    lengths = draw(st.lists(st.integers(0, cap), min_size=n, max_size=n))
    correct = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    vocab = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    ids = tuple(rng.integers(0, vocab, length) for length in lengths)
    groups = [i for i, s in enumerate(sizes) for _ in range(s)]
    answered = [c or a for c, a in zip(correct, draw(st.lists(st.booleans(), min_size=n, max_size=n)))]
    return RolloutBatch.from_lists(groups, lengths, correct, caps=cap, token_ids=ids, has_answer=answered)


SHAPERS = [
    lambda: Laser(target_length=1500),
    lambda: Laser(target_length=1500, mode="penalty"),
    lambda: Laser(target_length=1500, mode="hybrid", alpha=1.5),
    lambda: LaserD(lower_bound=512, upper_bound=4096, interval=512, monitor_freq=2),
    lambda: LaserD(mode="hybrid", lower_bound=512, upper_bound=4096, interval=512, monitor_freq=1, round_method="ceil"),
    lambda: LaserDE(lower_bound=256, upper_bound=4096, interval=256, monitor_freq=1),
    lambda: LaserDE(alpha=1.5, lower_bound=256, upper_bound=4096, interval=256, monitor_freq=2),
]


@settings(max_examples=150, deadline=None)
@given(st.lists(batches(), min_size=1, max_size=3), st.sampled_from(range(len(SHAPERS))))
def test_finite_and_wrong_never_above_correct(batch_list, which):
    shaper = SHAPERS[which]()
    assert not type(shaper).wrong_may_outrank_correct
    for batch in batch_list:
        out = shaper.shape(batch)
        r = out.rewards
        assert r.shape == (len(batch),) and np.all(np.isfinite(r))
        for g in range(batch.n_groups):
            sel = batch.group == g
            c, w = r[sel & batch.correct], r[sel & ~batch.correct]
            if len(c) and len(w):
                assert w.max() <= c.min()
