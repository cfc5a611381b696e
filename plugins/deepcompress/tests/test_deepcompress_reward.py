"""DeepCompress dual length reward: R = ±1 + w·1[correct]·σ(-β·z) (+ optional DAPO overlong term).

β = p(q) - P_t (``beta="difference"``, default) or its sign ±1 (``beta="sign"``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import lengthwise
from lengthwise import Difficulty, RolloutBatch
from lengthwise_deepcompress.difficulty import HARD, SIMPLE, ModelAwareDifficulty
from lengthwise.terms import group_zscore as standardised_lengths
from lengthwise.terms import overlong_penalty, sigmoid
from lengthwise_deepcompress.dual_length_reward import DualLengthReward

SD = math.sqrt(12500.0)  # population std of {100, 200, 300, 400} = sqrt((150²+50²+50²+150²)/4) ≈ 111.8034


def shaped(batch, reward=None, estimator=None):
    reward = reward or lengthwise.create("reward", "deepcompress")
    estimator = estimator or lengthwise.create("difficulty", reward.default_difficulty)
    d = estimator.estimate(batch)
    return reward.shape(batch, d), d


def test_registry_and_paper_defaults():
    r = lengthwise.create("reward", "deepcompress")
    assert isinstance(r, DualLengthReward)
    p = r.params
    assert (p.correct_reward, p.wrong_reward, p.weight) == (1.0, -1.0, 0.2)
    assert p.overlong_buffer_len == 0  # DAPO overlong term off unless configured
    assert DualLengthReward.default_difficulty == "deepcompress"
    assert DualLengthReward.wrong_may_outrank_correct is False
    assert r.state_dict() == {}


# ---------------------------------------------------------------------------------------------
# A batch of three groups of 4 by hand (first step, fresh estimator, update before classifying).
#   A: correct T T T F, lengths 100 200 300 400 -> p = 0.75
#   B: correct T F F F, lengths 400 100 200 300 -> p = 0.25
#   C: correct T T F F, lengths  50  50  50  50 -> p = 0.50
# Batch pass rate = (3+1+2)/12 = 0.5 = P_0 (the average starts at the first batch's rate).
#   β = p - P_0:  A: 0.75 - 0.5 = +0.25 -> simple;  B: 0.25 - 0.5 = -0.25 -> hard;
#                 C: 0.5 - 0.5 = 0 -> hard (equality)
# Group stats (ddof 0): A and B: mean 250, std = SD ≈ 111.8034; C: mean 50, std 0.
#   z(100) = -150/SD = -1.341641, z(200) = -0.447214, z(300) = 0.447214, z(400) = 1.341641
#   (ε = 1e-6 changes z by < 1e-8 relative); C: z = 0/(0 + ε) = 0.
# Wrong answers get no length term (only_correct=True): R = -1.
#
# beta="difference": S = σ(-β·z)
#   A (β = +0.25):
#     ℓ=100: -β·z = 0.25·1.341641 = 0.335410; σ = 1/(1 + e^-0.335410) = 1/(1 + 0.715045) = 0.583075
#     ℓ=200: -β·z = 0.25·0.447214 = 0.111803; σ = 1/(1 + e^-0.111803) = 1/(1 + 0.894220) = 0.527922
#     ℓ=300: -β·z = -0.111803;                σ = 1 - 0.527922 = 0.472078
#   B (β = -0.25), correct answer ℓ = 400: -β·z = 0.25·1.341641 = 0.335410; σ = 0.583075
#   C (β = 0): -β·z = 0 -> σ(0) = 0.5
#   R = ±1 + 0.2·1[correct]·S:
#     A: 1 + 0.2·0.583075 = 1.116615, 1 + 0.2·0.527922 = 1.105584, 1 + 0.2·0.472078 = 1.094416, -1
#     B: 1 + 0.2·0.583075 = 1.116615, -1, -1, -1
#     C: 1 + 0.2·0.5 = 1.1, 1.1, -1, -1
#
# beta="sign": β replaced by +1 (A) / -1 (B, and C: β = 0 is hard -> -1); S = σ(-sign·z)
#   A simple: σ(1.341641) = 1/(1 + e^-1.341641) = 1/(1 + 0.261416) = 0.792760
#             σ(0.447214) = 1/(1 + 0.639407) = 0.609977;  σ(-0.447214) = 1 - 0.609977 = 0.390023
#   B hard, its correct answer has ℓ = 400: σ(+1.341641) = 0.792760
#   C hard, z = 0: σ(0) = 0.5
#   R:
#     A: 1 + 0.2·0.792760 = 1.158552, 1 + 0.2·0.609977 = 1.121995, 1 + 0.2·0.390023 = 1.078005, -1
#     B: 1 + 0.2·0.792760 = 1.158552, -1, -1, -1
#     C: 1 + 0.2·0.5 = 1.1, 1.1, -1, -1
# ---------------------------------------------------------------------------------------------
HAND_BATCH = dict(
    group_ids=["A"] * 4 + ["B"] * 4 + ["C"] * 4,
    lengths=[100, 200, 300, 400, 400, 100, 200, 300, 50, 50, 50, 50],
    correct=[1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0],
)
# β per response: A +0.25, B -0.25, C 0 (exact: differences of multiples of 1/4)
HAND_BETA = [0.25] * 4 + [-0.25] * 4 + [0.0] * 4

HAND_DIFFERENCE = [
    (0, SIMPLE, -150 / SD, 0.2 * 0.583075, 1.116615),  # A, shortest correct: largest bonus
    (1, SIMPLE, -50 / SD, 0.2 * 0.527922, 1.105584),
    (2, SIMPLE, 50 / SD, 0.2 * 0.472078, 1.094416),  # A, longest correct: smallest bonus
    (3, SIMPLE, 150 / SD, 0.0, -1.0),  # A wrong: no length term
    (4, HARD, 150 / SD, 0.2 * 0.583075, 1.116615),  # B, long correct on a hard prompt: bonus > w/2
    (5, HARD, -150 / SD, 0.0, -1.0),
    (6, HARD, -50 / SD, 0.0, -1.0),
    (7, HARD, 50 / SD, 0.0, -1.0),
    (8, HARD, 0.0, 0.1, 1.1),  # C: β = 0 (and z = 0) -> σ(0) = 1/2
    (9, HARD, 0.0, 0.1, 1.1),
    (10, HARD, 0.0, 0.0, -1.0),
    (11, HARD, 0.0, 0.0, -1.0),
]
HAND_SIGN = [
    (0, SIMPLE, -150 / SD, 0.2 * 0.792760, 1.158552),  # A, shortest correct: largest bonus
    (1, SIMPLE, -50 / SD, 0.2 * 0.609977, 1.121995),
    (2, SIMPLE, 50 / SD, 0.2 * 0.390023, 1.078005),  # A, longest correct: smallest bonus
    (3, SIMPLE, 150 / SD, 0.0, -1.0),  # A wrong: no length term
    (4, HARD, 150 / SD, 0.2 * 0.792760, 1.158552),  # B, long correct on a hard prompt: large bonus
    (5, HARD, -150 / SD, 0.0, -1.0),
    (6, HARD, -50 / SD, 0.0, -1.0),
    (7, HARD, 50 / SD, 0.0, -1.0),
    (8, HARD, 0.0, 0.1, 1.1),  # C: equal lengths, std 0 -> z = 0 -> σ = 1/2
    (9, HARD, 0.0, 0.1, 1.1),
    (10, HARD, 0.0, 0.0, -1.0),
    (11, HARD, 0.0, 0.0, -1.0),
]


@pytest.mark.parametrize(
    "mode, i, bucket, z, length_term, reward",
    [("difference", *row) for row in HAND_DIFFERENCE] + [("sign", *row) for row in HAND_SIGN],
)
def test_hand_derived_three_groups(mode, i, bucket, z, length_term, reward):
    batch = RolloutBatch.from_lists(**HAND_BATCH, caps=1024)
    out, d = shaped(batch, reward=DualLengthReward(beta=mode))
    assert d.bucket[i] == bucket
    assert d.score[i] == HAND_BETA[i]  # the estimator's score is β = p - P_0 in both modes
    assert d.metrics["moving_average"] == 0.5
    zs = standardised_lengths(batch.lengths, batch.group, batch.n_groups)
    assert zs[i] == pytest.approx(z, rel=1e-7, abs=1e-9)
    assert out.terms["length"][i] == pytest.approx(length_term, abs=2e-7)
    assert out.rewards[i] == pytest.approx(reward, abs=2e-6)
    assert out.terms["correctness"][i] == (1.0 if HAND_BATCH["correct"][i] else -1.0)
    assert out.terms["overlong"][i] == 0.0


def test_default_mode_is_difference():
    # The registry default must reproduce the "difference" table, not the "sign" one.
    assert lengthwise.create("reward", "deepcompress").params.beta == "difference"
    assert DualLengthReward().params.only_correct is True
    batch = RolloutBatch.from_lists(**HAND_BATCH, caps=1024)
    out, _ = shaped(batch)
    np.testing.assert_allclose(out.rewards, [row[4] for row in HAND_DIFFERENCE], atol=2e-6)


@pytest.mark.parametrize(
    "mode, mean_term",
    [
        # 6 correct: A 100/200/300, B 400, C 50/50. σ(x) + σ(-x) = 1 pairs A's 200 and 300.
        # difference: 0.2·(0.583075 + 0.527922 + 0.472078 + 0.583075 + 0.5 + 0.5)/6
        #           = 0.2·(2·0.583075 + 1 + 1)/6 = 0.2·3.166150/6 = 0.105538
        ("difference", 0.2 * 3.166150 / 6),
        # sign: 0.2·(0.792760 + 0.609977 + 0.390023 + 0.792760 + 0.5 + 0.5)/6 = 0.2·3.585520/6
        ("sign", 0.2 * 3.585520 / 6),
    ],
)
def test_hand_batch_metrics(mode, mean_term):
    batch = RolloutBatch.from_lists(**HAND_BATCH, caps=1024)
    out, _ = shaped(batch, reward=DualLengthReward(beta=mode))
    assert out.metrics["simple_share"] == pytest.approx(4 / 12)  # only A's 4 responses have β > 0
    assert out.metrics["overlong_frac"] == 0.0
    assert out.metrics["length_term_mean"] == pytest.approx(mean_term, abs=1e-6)


# ---------------------------------------------------------------------------------------------
# only_correct=False: wrong answers get the length term too. One group, explicit β = +0.5:
#   lengths 100 200 300 400, correct T F T F; mean 250, std SD -> z = -1.341641, -0.447214,
#   0.447214, 1.341641. -β·z = 0.670820, 0.223607, -0.223607, -0.670820:
#     σ(0.670820) = 1/(1 + e^-0.670820) = 1/(1 + 0.511289) = 0.661687
#     σ(0.223607) = 1/(1 + e^-0.223607) = 1/(1 + 0.799629) = 0.555670
#     σ(-0.223607) = 1 - 0.555670 = 0.444330;  σ(-0.670820) = 1 - 0.661687 = 0.338313
#   only_correct=True:  R = 1 + 0.2·0.661687 = 1.132337, -1, 1 + 0.2·0.444330 = 1.088866, -1
#   only_correct=False: R = 1.132337, -1 + 0.2·0.555670 = -0.888866, 1.088866,
#                          -1 + 0.2·0.338313 = -0.932337
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "only_correct, terms, rewards",
    [
        (True, [0.2 * 0.661687, 0.0, 0.2 * 0.444330, 0.0], [1.132337, -1.0, 1.088866, -1.0]),
        (
            False,
            [0.2 * 0.661687, 0.2 * 0.555670, 0.2 * 0.444330, 0.2 * 0.338313],
            [1.132337, -0.888866, 1.088866, -0.932337],
        ),
    ],
)
def test_only_correct_false_gives_wrong_answers_the_term(only_correct, terms, rewards):
    batch = RolloutBatch.from_lists(["q"] * 4, [100, 200, 300, 400], [1, 0, 1, 0], 1000)
    d = Difficulty(pass_rate=np.full(4, 0.5), bucket=np.array([SIMPLE] * 4, dtype=object), score=np.full(4, 0.5))
    out = DualLengthReward(only_correct=only_correct).shape(batch, d)
    np.testing.assert_allclose(out.terms["length"], terms, atol=2e-7)
    np.testing.assert_allclose(out.rewards, rewards, atol=2e-6)
    np.testing.assert_array_equal(out.terms["correctness"], [1.0, -1.0, 1.0, -1.0])
    # length_term_mean is over the correct answers only, in both settings: 0.2·(0.661687+0.444330)/2
    assert out.metrics["length_term_mean"] == pytest.approx(0.2 * 1.106017 / 2, abs=1e-6)


def test_only_correct_false_through_the_estimator():
    # The hand batch with only_correct=False, beta="difference": the wrong answers now get
    # 0.2·σ(-β·z) too (β, z as in the table above):
    #   A ℓ=400 wrong, β=+0.25: -β·z = -0.335410 -> σ = 1 - 0.583075 = 0.416925 -> -1 + 0.083385
    #   B ℓ=100, 200, 300 wrong, β=-0.25: -β·z = 0.25·z = -0.335410, -0.111803, 0.111803
    #       -> σ = 0.416925, 0.472078, 0.527922 -> -0.916615, -0.905584, -0.894416
    #   C wrong, β = 0: σ(0) = 0.5 -> -1 + 0.1 = -0.9
    # Correct answers unchanged.
    batch = RolloutBatch.from_lists(**HAND_BATCH, caps=1024)
    out, _ = shaped(batch, reward=DualLengthReward(only_correct=False))
    expected = [1.116615, 1.105584, 1.094416, -0.916615]
    expected += [1.116615, -0.916615, -0.905584, -0.894416]
    expected += [1.1, 1.1, -0.9, -0.9]
    np.testing.assert_allclose(out.rewards, expected, atol=2e-6)
    assert np.all(out.terms["length"] > 0.0)


# ---------------------------------------------------------------------------------------------
# β = 0: a group whose pass rate equals the average gets a flat bonus w/2 on every correct answer,
# whatever the lengths: σ(-0·z) = σ(0) = 1/2 exactly -> 0.2·0.5 = 0.1 and R = 1.1 exactly.
# First step, both groups p = 0.5 -> P_0 = 4/8 = 0.5 -> β = 0 for both.
#   Group a: lengths 10 20 30 40 (spread, z ≠ 0), correct T F T F
#   Group b: lengths 1000 5 300 7, correct F T T F
# In "sign" mode β = 0 is hard (-1), so the longer correct answer of a wins there instead:
#   a: z(10) = -15/sqrt(125) = -1.341641 -> σ(-1.341641) = 0.207240 -> 1.041448
#      z(30) = 5/sqrt(125) = 0.447214 -> σ(0.447214) = 0.609977 -> 1.121995
# ---------------------------------------------------------------------------------------------
def test_beta_zero_gives_flat_half_bonus():
    batch = RolloutBatch.from_lists(
        ["a"] * 4 + ["b"] * 4, [10, 20, 30, 40, 1000, 5, 300, 7], [1, 0, 1, 0, 0, 1, 1, 0], 1024
    )
    out, d = shaped(batch)
    assert d.score.tolist() == [0.0] * 8 and list(d.bucket) == [HARD] * 8
    assert standardised_lengths(batch.lengths, batch.group, batch.n_groups)[0] < -1.0  # z really ≠ 0
    c = batch.correct
    np.testing.assert_array_equal(out.terms["length"][c], 0.1)  # exact: w/2
    np.testing.assert_array_equal(out.rewards[c], 1.1)
    np.testing.assert_array_equal(out.rewards[~c], -1.0)
    # only_correct=False: the wrong ones get w/2 as well
    out_all, _ = shaped(batch, reward=DualLengthReward(only_correct=False))
    np.testing.assert_array_equal(out_all.terms["length"], 0.1)
    # centred: σ(0) - 1/2 = 0 exactly
    out_c, _ = shaped(batch, reward=DualLengthReward(centered=True))
    np.testing.assert_array_equal(out_c.rewards[c], 1.0)
    # sign mode: not flat, β = 0 -> -1 (hard) -> long wins
    out_s, _ = shaped(batch, reward=DualLengthReward(beta="sign"))
    assert out_s.rewards[0] == pytest.approx(1.041448, abs=2e-6)
    assert out_s.rewards[2] == pytest.approx(1.121995, abs=2e-6)


def test_sign_flip_same_group_simple_vs_hard():
    # One group, lengths 100 (correct) and 300 (correct), 200 (wrong): z = ∓1.224745
    # (mean 200, std sqrt((100²+0+100²)/3) = 81.6497). Simple: short gets
    # σ(1.224745) = 1/(1 + e^-1.224745) = 1/(1 + 0.293833) = 0.772897;
    # hard: the same response gets σ(-1.224745) = 1 - 0.772897 = 0.227103.
    # β = +1 (simple) and β = -1 (hard), the sign mode's values.
    batch = RolloutBatch.from_lists(["q"] * 3, [100, 300, 200], [1, 1, 0], 1000)
    r = DualLengthReward()
    p = np.full(3, 2 / 3)
    simple = r.shape(batch, Difficulty(pass_rate=p, bucket=np.array([SIMPLE] * 3, dtype=object), score=np.ones(3)))
    hard = r.shape(batch, Difficulty(pass_rate=p, bucket=np.array([HARD] * 3, dtype=object), score=-np.ones(3)))
    assert simple.terms["length"][0] == pytest.approx(0.2 * 0.772897, abs=1e-6)
    assert hard.terms["length"][0] == pytest.approx(0.2 * 0.227103, abs=1e-6)
    assert simple.rewards[0] > simple.rewards[1] and hard.rewards[0] < hard.rewards[1]
    # the two terms are mirror images: σ(z) + σ(-z) = 1
    np.testing.assert_allclose(simple.terms["length"][:2] + hard.terms["length"][:2], 0.2)


# Loaded average 0.5, no update before classifying: groups of 16 at 8/16, 9/16, 7/16, so
# β = 0, +0.0625, -0.0625. All three groups: correct responses of lengths 100 and 300, wrong 200.
#   difference: "at" (β = 0) is flat (σ(0) = 1/2 for both), "above" short wins, "below" long wins.
#   sign:       "at" is hard (β = 0 -> -1) so long wins, "above" short wins, "below" long wins.
@pytest.mark.parametrize(
    "mode, winners",
    [
        ("difference", {"at": "tie", "above": "short", "below": "long"}),
        ("sign", {"at": "long", "above": "short", "below": "long"}),
    ],
)
def test_sign_flip_at_the_moving_average_through_the_estimator(mode, winners):
    est = ModelAwareDifficulty(update_before_classify=False)
    est.load_state_dict({"moving_average": 0.5, "steps": 3})
    ids, lengths, correct = [], [], []
    for g, k in (("at", 8), ("above", 9), ("below", 7)):
        ids += [g] * 16
        correct += [1] * k + [0] * (16 - k)
        lengths += [100, 300] * (k // 2) + [100] * (k % 2) + [200] * (16 - k)
    batch = RolloutBatch.from_lists(ids, lengths, correct, 1000)
    out, d = shaped(batch, reward=DualLengthReward(beta=mode), estimator=est)
    for g, winner in winners.items():
        sel = (batch.group_ids == g) & batch.correct
        ell, rew = batch.lengths[sel], out.rewards[sel]
        short, long_ = rew[ell == 100].max(), rew[ell == 300].max()
        if winner == "tie":
            assert short == long_ == 1.1, g  # 1 + 0.2·σ(0) = 1.1 exactly
        else:
            assert (short > long_) == (winner == "short") and short != long_, g


@pytest.mark.parametrize(
    "lengths, correct",
    [
        ([0], [1]),  # group of size 1, zero length
        ([5000], [0]),
        ([7, 7, 7, 7], [1, 1, 0, 1]),  # equal lengths: std 0
        ([0, 0, 0], [1, 1, 1]),
        ([1e12, 0, 3], [1, 1, 0]),  # huge spread
    ],
)
@pytest.mark.parametrize("over", ["group", "correct"])
@pytest.mark.parametrize("ddof", [0, 1])
def test_degenerate_groups_stay_finite(lengths, correct, over, ddof):
    batch = RolloutBatch.from_lists(["q"] * len(lengths), lengths, correct, 4096)
    r = DualLengthReward(standardize_over=over, std_ddof=ddof, overlong_buffer_len=1024)
    out, _ = shaped(batch, reward=r)
    assert np.all(np.isfinite(out.rewards))
    c = np.asarray(correct, dtype=bool)
    if len(set(lengths)) == 1 or len(lengths) == 1:
        # z = 0 -> σ(0) = 1/2 -> 0.2·0.5 = 0.1 on every correct answer
        np.testing.assert_array_equal(out.terms["length"][c], 0.1)


def test_wrong_responses_get_no_length_term():
    rng = np.random.default_rng(3)
    ids = np.repeat(np.arange(6), 8)
    correct = rng.random(48) < 0.5
    batch = RolloutBatch.from_lists(list(ids), rng.integers(0, 2000, 48), correct, 2048)
    out, _ = shaped(batch)
    np.testing.assert_array_equal(out.terms["length"][~correct], 0.0)
    np.testing.assert_array_equal(out.rewards[~correct], -1.0)
    assert np.all(out.terms["length"][correct] > 0.0)


def test_standardize_over_correct_only():
    # Group: correct 100, 300; wrong 2000. Over correct: mean 200, std 100 -> z = ∓1 (ε aside).
    # Simple (s=+1): σ(1) = 0.731059 for the short one, σ(-1) = 0.268941 for the long one.
    batch = RolloutBatch.from_lists(["q"] * 3, [100, 300, 2000], [1, 1, 0], 4096)
    d = Difficulty(pass_rate=np.full(3, 2 / 3), bucket=np.array([SIMPLE] * 3, dtype=object), score=np.ones(3))
    out = DualLengthReward(standardize_over="correct").shape(batch, d)
    np.testing.assert_allclose(out.terms["length"], [0.2 * 0.731059, 0.2 * 0.268941, 0.0], atol=1e-6)


def test_centered_variant():
    # centred: S - 1/2; equal lengths -> 0 bonus, so the correct reward is exactly 1.
    batch = RolloutBatch.from_lists(["q"] * 2, [10, 10], [1, 0], 100)
    out, _ = shaped(batch, reward=DualLengthReward(centered=True))
    assert out.rewards.tolist() == [1.0, -1.0]


# DAPO overlong term with cap 1000, buffer L_c = 200, f = 1: zero up to 800, -1 at the cap.
@pytest.mark.parametrize(
    "length, cap, expected, derivation",
    [
        (700, 1000, 0.0, "700 < 800: min(0, -(700-800)/200) = min(0, 0.5) = 0"),
        (800, 1000, 0.0, "at L_max - L_c: -(0)/200 = 0"),
        (900, 1000, -0.5, "-(900-800)/200 = -0.5"),
        (1000, 1000, -1.0, "at the cap: -(200)/200 = -1"),
        (1500, 1000, -1.0, "ℓ clamped to the cap -> -1"),
        (50, 100, -0.5, "L_c clamped to cap 100: -(50-0)/100 = -0.5"),
    ],
)
def test_overlong_penalty_table(length, cap, expected, derivation):
    got = overlong_penalty(np.array([length]), np.array([cap]), 200, 1.0)
    assert got[0] == pytest.approx(expected), derivation


def test_overlong_applies_to_correct_and_wrong_with_script_values():
    # Scripts: cap 10240, L_c 2048, f 1.0 -> ramp from 8192. Group (simple by construction):
    # correct 9216 -> overlong -(9216-8192)/2048 = -0.5; wrong 10240 -> -1.
    # Lengths 9216 and 10240: mean 9728, std 512 -> z(9216) = -1 -> σ(1) = 0.731059.
    batch = RolloutBatch.from_lists(["q", "q"], [9216, 10240], [1, 0], 10240)
    d = Difficulty(pass_rate=np.full(2, 0.5), bucket=np.array([SIMPLE] * 2, dtype=object), score=np.ones(2))
    out = DualLengthReward(overlong_buffer_len=2048, overlong_penalty_factor=1.0).shape(batch, d)
    np.testing.assert_allclose(out.terms["overlong"], [-0.5, -1.0])
    np.testing.assert_allclose(out.rewards, [1 + 0.2 * 0.731059 - 0.5, -2.0], atol=1e-6)
    assert out.metrics["overlong_frac"] == 1.0


def test_difficulty_scores_required():
    batch = RolloutBatch.from_lists(["q"], [10], [1], 100)
    with pytest.raises(ValueError, match="needs difficulty scores"):
        DualLengthReward().shape(batch)
    # buckets alone (no β) are not enough, and a score outside [-1, 1] is no pass-rate gap
    with pytest.raises(ValueError, match="needs difficulty scores"):
        DualLengthReward().shape(batch, Difficulty(pass_rate=np.ones(1), bucket=np.array(["high"], dtype=object)))
    with pytest.raises(ValueError, match=r"in \[-1, 1\] required"):
        DualLengthReward().shape(batch, Difficulty(np.ones(1), np.array([SIMPLE], dtype=object), score=np.full(1, 2.0)))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weight": -0.1},
        {"std_epsilon": 0.0},
        {"standardize_over": "batch"},
        {"overlong_buffer_len": 2048, "overlong_penalty_factor": 2.5},  # 1 + 0 - 2.5 < -1
        {"centered": True, "overlong_buffer_len": 10, "overlong_penalty_factor": 2.0},  # 1 - 0.1 - 2 < -1
        {"lenght_weight": 0.2},
        {"beta": "ratio"},
        {"only_correct": "maybe"},
        # only_correct=False: a wrong answer's best is wrong_reward + w (w/2 centred).
        {"only_correct": False, "weight": 3.0},  # correct 1 + 0 < wrong -1 + 3 = 2
        {"only_correct": False, "overlong_buffer_len": 50, "overlong_penalty_factor": 1.9},  # 1 - 1.9 < -1 + 0.2
        {"only_correct": False, "centered": True, "weight": 2.1},  # 1 - 1.05 = -0.05 < -1 + 1.05 = 0.05
    ],
)
def test_bad_params(kwargs):
    with pytest.raises(ValidationError):
        DualLengthReward(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"only_correct": False},  # 1 + 0 >= -1 + 0.2
        {"only_correct": False, "overlong_buffer_len": 2048, "overlong_penalty_factor": 1.0},  # 0 >= -0.8
        {"only_correct": False, "weight": 2.0},  # 1 + 0 >= -1 + 2: boundary, allowed
        {"only_correct": False, "centered": True, "weight": 2.0},  # 1 - 1 >= -1 + 1: boundary
        {"overlong_buffer_len": 2048, "overlong_penalty_factor": 1.9},  # only_correct: 1 - 1.9 >= -1
        {"beta": "sign"},
    ],
)
def test_good_params(kwargs):
    DualLengthReward(**kwargs)


def test_only_correct_false_wrong_cannot_outrank_correct_at_the_validator_boundary():
    # The case the validator must rule out: a short wrong answer next to a long correct one on a
    # simple prompt (sign mode, β -> +1). Lengths 0 (wrong), 100 (correct), eight 50s (wrong):
    # mean 50, std sqrt(2·2500/10) = 22.3607 -> z = -2.236068, +2.236068.
    #   σ(2.236068) = 1/(1 + e^-2.236068) = 1/(1 + 0.106878) = 0.903442, σ(-2.236068) = 0.096558
    # weight 2 (allowed, boundary): wrong -1 + 2·0.903442 = 0.806884 <= correct 1 + 2·0.096558 = 1.193116
    # (with weight 3, rejected above, it would be -1 + 3·0.903442 = 1.710326 > 1 + 3·0.096558 = 1.289674).
    batch = RolloutBatch.from_lists(["q"] * 10, [0, 100] + [50] * 8, [0, 1] + [0] * 8, 100)
    d = Difficulty(pass_rate=np.full(10, 0.1), bucket=np.array([SIMPLE] * 10, dtype=object), score=np.ones(10))
    out = DualLengthReward(only_correct=False, weight=2.0, beta="sign").shape(batch, d)
    assert out.rewards[0] == pytest.approx(0.806884, abs=2e-6)
    assert out.rewards[1] == pytest.approx(1.193116, abs=2e-6)
    assert out.rewards[0] < out.rewards[1]


def test_strategy_params_error_through_registry():
    with pytest.raises(lengthwise.StrategyParamsError, match="weight"):
        lengthwise.create("reward", "deepcompress", weight=-1)


def test_state_round_trip_of_the_pair_through_json():
    rng = np.random.default_rng(11)

    def batch():
        ids = np.repeat([f"p{i}" for i in range(5)], 16)
        return RolloutBatch.from_lists(list(ids), rng.integers(0, 3000, 80), rng.random(80) < rng.random(), 3072)

    r1, e1 = DualLengthReward(overlong_buffer_len=512), ModelAwareDifficulty()
    for _ in range(4):
        shaped(batch(), r1, e1)
    state = json.loads(json.dumps({"reward": r1.state_dict(), "difficulty": e1.state_dict()}))
    r2, e2 = DualLengthReward(overlong_buffer_len=512), ModelAwareDifficulty()
    r2.load_state_dict(state["reward"])
    e2.load_state_dict(state["difficulty"])
    b = batch()
    o1, d1 = shaped(b, r1, e1)
    o2, d2 = shaped(b, r2, e2)
    assert o1.rewards.tobytes() == o2.rewards.tobytes()
    np.testing.assert_array_equal(d1.bucket, d2.bucket)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------
groups_st = st.lists(
    st.lists(
        st.tuples(st.one_of(st.integers(0, 20000), st.floats(0, 1e9, allow_nan=False)), st.booleans()),
        min_size=1,
        max_size=10,
    ),
    min_size=1,
    max_size=6,
)


def build(groups, caps):
    ids, lengths, correct = [], [], []
    for g, items in enumerate(groups):
        for ell, c in items:
            ids.append(g)
            lengths.append(ell)
            correct.append(c)
    return RolloutBatch.from_lists(ids, lengths, correct, caps)


@settings(max_examples=300, deadline=None)
@given(
    groups=groups_st,
    cap=st.integers(1, 20000),
    buffer=st.integers(0, 4096),
    factor=st.floats(0, 1.9),
    weight=st.floats(0, 2.5),
    centered=st.booleans(),
    over=st.sampled_from(["group", "correct"]),
    ddof=st.sampled_from([0, 1]),
    mode=st.sampled_from(["difference", "sign"]),
    only_correct=st.booleans(),
    ma=st.one_of(st.none(), st.floats(0, 1)),
)
def test_property_finite_and_wrong_never_outranks_correct(
    groups, cap, buffer, factor, weight, centered, over, ddof, mode, only_correct, ma
):
    batch = build(groups, cap)
    try:
        r = DualLengthReward(
            overlong_buffer_len=buffer,
            overlong_penalty_factor=factor,
            weight=weight,
            centered=centered,
            standardize_over=over,
            std_ddof=ddof,
            beta=mode,
            only_correct=only_correct,
        )
    except ValidationError:
        assume(False)  # the validator refuses params under which wrong could outrank correct
    est = ModelAwareDifficulty()
    est.load_state_dict({"moving_average": ma, "steps": 0})
    out, d = shaped(batch, r, est)
    assert out.rewards.shape == (len(batch),)
    assert np.all(np.isfinite(out.rewards))
    assert np.all(np.abs(d.score) <= 1.0)
    c = batch.correct
    lo, hi = (-weight / 2, weight / 2) if centered else (0.0, weight)
    term = out.terms["length"]
    assert np.all((term[c] >= lo) & (term[c] <= hi))
    if only_correct:
        assert np.all(term[~c] == 0.0)
    else:
        assert np.all((term[~c] >= lo) & (term[~c] <= hi))
    for g in range(batch.n_groups):
        sel = batch.group == g
        if (sel & c).any() and (sel & ~c).any():
            assert out.rewards[sel & c].min() >= out.rewards[sel & ~c].max()


@settings(max_examples=300, deadline=None)
@given(
    groups=groups_st,
    betas=st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=6, max_size=6),
    only_correct=st.booleans(),
    mode=st.sampled_from(["difference", "sign"]),
)
def test_property_monotone_in_length_by_beta(groups, betas, only_correct, mode):
    # No overlong term. "difference" mode: among a group's correct answers the reward is
    # non-increasing in length for β > 0, non-decreasing for β < 0, and constant (1 + w/2) for
    # β = 0 — z is an increasing function of ℓ within a group and σ(-β·z) is monotone in z with
    # the sign of -β. "sign" mode: the same with β = ±1 (β = 0 -> -1, so non-decreasing).
    # Buckets follow the sign of β (as the estimator sets them).
    batch = build(groups, 1000)
    beta = np.asarray(betas)[batch.group]
    d = Difficulty(
        pass_rate=batch.group_pass_rate(),
        bucket=np.where(beta > 0, SIMPLE, HARD).astype(object),
        score=beta,
    )
    out = DualLengthReward(beta=mode, only_correct=only_correct).shape(batch, d)
    for g in range(batch.n_groups):
        sel = (batch.group == g) & batch.correct
        order = np.argsort(batch.lengths[sel], kind="stable")
        rew = out.rewards[sel][order]
        diffs = np.diff(rew)
        b = betas[g]
        if b > 0:
            assert np.all(diffs <= 1e-12)
        elif b < 0 or mode == "sign":  # sign mode: β = 0 counts as hard (-1)
            assert np.all(diffs >= -1e-12)
        else:
            np.testing.assert_array_equal(rew, 1.1)


@settings(max_examples=200, deadline=None)
@given(groups=groups_st, betas=st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=6, max_size=6))
def test_property_sign_mode_depends_only_on_the_sign_of_beta(groups, betas):
    # "sign" mode: rewards equal those obtained with β replaced by +1 where β > 0, else -1.
    batch = build(groups, 1000)
    beta = np.asarray(betas)[batch.group]
    sign = np.where(beta > 0, 1.0, -1.0)
    bucket = np.where(beta > 0, SIMPLE, HARD).astype(object)
    r = DualLengthReward(beta="sign")
    a = r.shape(batch, Difficulty(pass_rate=batch.group_pass_rate(), bucket=bucket, score=beta))
    b = r.shape(batch, Difficulty(pass_rate=batch.group_pass_rate(), bucket=bucket, score=sign))
    c = DualLengthReward(beta="difference").shape(batch, Difficulty(pass_rate=batch.group_pass_rate(), bucket=bucket, score=sign))
    np.testing.assert_array_equal(a.rewards, b.rewards)
    np.testing.assert_array_equal(a.rewards, c.rewards)


def test_sigmoid_is_stable_at_extremes():
    x = np.array([-1e308, -800.0, 0.0, 800.0, 1e308])
    y = sigmoid(x)
    assert np.all(np.isfinite(y))
    assert y.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]


@pytest.mark.parametrize("beta", [1.0, 0.6, 0.0, -0.6, -1.0])
def test_repository_figure_is_weight_one_tenth_on_every_answer(beta):
    """Skytliang/DeepCompress assets/dual-reward-mechanism.png, read off the axes: correct answers
    between 1.0 and 1.1 with 1.05 at z = 0 for every β, incorrect between -1.0 and -0.9 with -0.95
    at z = 0 — i.e. R_o + 0.1·σ(-β·z) on both. That is ``weight: 0.1, only_correct: false``; the
    scripts' "length_reward.weight=0.2" and "length_reward.only_correct=True" (the defaults) give
    1.1 at z = 0 and no term on wrong answers. Two groups of two (ℓ 100 and 300 -> z = ∓1 up to
    ε) so both rows sit at z = -1 and z = +1."""
    batch = RolloutBatch.from_lists(["c", "c", "w", "w"], [100, 300, 100, 300], [1, 1, 0, 0], caps=4096)
    diff = Difficulty(pass_rate=np.zeros(4), bucket=np.array([SIMPLE if beta > 0 else HARD] * 4, dtype=object),
                      score=np.full(4, beta))
    figure = DualLengthReward(weight=0.1, only_correct=False).shape(batch, diff).rewards
    z = 100 / (100 + 1e-6)  # (300 - 200) / (population std 100 + ε)
    want = [1 + 0.1 * sigmoid(beta * z), 1 + 0.1 * sigmoid(-beta * z), -1 + 0.1 * sigmoid(beta * z), -1 + 0.1 * sigmoid(-beta * z)]
    np.testing.assert_allclose(figure, want, rtol=0, atol=1e-12)
    assert np.all((1.0 < figure[:2]) & (figure[:2] < 1.1)) and np.all((-1.0 < figure[2:]) & (figure[2:] < -0.9))
    if beta == 0.0:  # the flat β = 0 line of the figure: 1.05 and -0.95
        np.testing.assert_allclose(figure, [1.05, 1.05, -0.95, -0.95], rtol=0, atol=1e-15)
    defaults = DualLengthReward().shape(batch, diff)
    np.testing.assert_array_equal(defaults.terms["length"][2:], [0.0, 0.0])
    np.testing.assert_allclose(defaults.terms["length"][:2], 2 * (figure[:2] - 1.0), rtol=0, atol=1e-12)


def test_overlong_factor_without_buffer_is_refused():
    with pytest.raises(lengthwise.StrategyParamsError, match="overlong_penalty_factor only acts with overlong_buffer"):
        lengthwise.create("reward", "deepcompress", overlong_penalty_factor=0.5)
    # the scripts' pair (deepcompress-zero-7b.sh L92-93) is accepted
    assert lengthwise.create("reward", "deepcompress", overlong_buffer_len=2048, overlong_penalty_factor=1.0)
