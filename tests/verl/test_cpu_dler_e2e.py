"""The ``dler`` demo config through verl 0.9.1's own trainer on this CPU: 2 steps, checked by hand.

``lengthwise train`` runs the built-in demo config ``dler`` (verl's V1 trainer, its dataloader,
agent-loop and reward workers, TransferQueue, DAPO dynamic sampling in verl's replay buffer, the
registered estimator, the FSDP2 actor update). The advantages are read where the
actor's update reads them, in TransferQueue, by test-only subclasses of lengthwise's replay buffer
and checkpoint callback (:mod:`dler_probe`; a checkpoint every step). For every response of the
two trained batches:

* the reward verl used (``rm_scores``) is DLER's: the 0/1 correctness the reward worker recorded,
  times 0.1 for a response cut at the cap (ℓ >= 40, or the scorer's cap cut the text) — the cut
  responses got the truncation reward, and some were cut;
* each trained group is mixed (dynamic sampling dropped the all-correct and all-wrong ones);
* the advantage on each token equals the DLER formula computed here from those rewards: verl's
  REINFORCE++ baseline (group mean subtracted, token-weighted whitening over the batch) plus 0.1
  for every response with reward >= 0.1 - 1e-5, and the boost changed some advantages.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

pytest.importorskip("verl")
pytest.importorskip("torch")

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
DEMO_CONFIG = HERE.parents[1] / "core/lengthwise/demo/configs/dler.yaml"
KAPPA, BOOST, THRESHOLD, CAP = 0.1, 0.1, 0.1, 40


def _train(tmp_path: Path, probe: Path) -> None:
    cmd = [
        sys.executable, "-m", "lengthwise.cli", "train", str(DEMO_CONFIG),
        "training.total_training_steps=2",
        "trainer.save_freq=1", "trainer.test_freq=-1", "trainer.val_before_train=false",
        f"trainer.default_local_dir={tmp_path / 'ckpt'}",
        "trainer.checkpoint_callback_class=dler_probe.AdvantageProbe",
        "trainer.v1.sampler.custom_sampler.path=pkg://dler_probe",
        "trainer.v1.sampler.custom_sampler.name=RecordingReplayBuffer",
        f"+ray_kwargs.ray_init.runtime_env.env_vars.LENGTHWISE_ADVANTAGE_PROBE={probe}",
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *filter(None, [env.get("PYTHONPATH")])])  # dler_probe in every process
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=2400, env=env, cwd=tmp_path)
    assert proc.returncode == 0, log.read_text()[-4000:]


def _dler_advantages(rows: list[dict]) -> list[float]:
    """REINFORCE++ baseline (verl core_algos.py:533-584) + the boost, from the stored rewards and masks."""
    rewards = [sum(r["rm_scores"]) for r in rows]
    lengths = [sum(r["response_mask"]) for r in rows]
    by_uid = defaultdict(list)
    for r, reward in zip(rows, rewards):
        by_uid[r["uid"]].append(reward)
    # a group's mean is subtracted (a group of one keeps its score: mean 0 in verl's code)
    centred = [x - (sum(by_uid[r["uid"]]) / len(by_uid[r["uid"]]) if len(by_uid[r["uid"]]) > 1 else 0.0)
               for r, x in zip(rows, rewards)]
    # masked_whiten over the batch's N valid tokens: mean and unbiased variance, token-weighted
    n = sum(lengths)
    mu = sum(ell * c for ell, c in zip(lengths, centred)) / n
    var = sum(ell * (c - mu) ** 2 for ell, c in zip(lengths, centred)) / n * n / (n - 1)
    return [(c - mu) / math.sqrt(var + 1e-8) + (BOOST if x >= THRESHOLD - 1e-5 else 0.0) for c, x in zip(centred, rewards)]


def test_dler_demo_two_steps_rewards_and_advantages_by_hand(tmp_path):
    probe = tmp_path / "probe.jsonl"
    _train(tmp_path, probe)
    rows = [json.loads(line) for line in probe.read_text().splitlines() if line.strip()]
    assert sorted({r["step"] for r in rows}) == [1, 2]
    cut_seen = boosted_changed = 0
    for step in (1, 2):
        batch = [r for r in rows if r["step"] == step]
        assert len(batch) == 8 * 8  # train_batch_size prompts x rollout_n
        for r in batch:
            rec, reward = r["record"], sum(r["rm_scores"])
            assert sum(r["response_mask"]) == rec["lw_length"] <= rec["lw_cap"] == CAP
            cut = rec["lw_length"] >= rec["lw_cap"] or rec["lw_truncated"] > 0
            # DLER's reward: 0/1 correctness of clip(y, 40), times κ = 0.1 when cut at the cap
            assert reward == pytest.approx(rec["acc"] * (KAPPA if cut else 1.0), abs=1e-6), r
            cut_seen += cut
        by_uid = defaultdict(set)
        for r in batch:
            by_uid[r["uid"]].add(r["record"]["acc"])
        assert len(by_uid) == 8 and all(len(v) == 2 for v in by_uid.values())  # only mixed groups were trained
        expected = _dler_advantages(batch)
        for r, want in zip(batch, expected):
            assert len(r["advantages"]) == sum(r["response_mask"])
            assert r["advantages"] == pytest.approx([want] * len(r["advantages"]), abs=2e-5), r["key"]
        boosted_changed += sum(sum(r["rm_scores"]) >= THRESHOLD - 1e-5 for r in batch)
    assert cut_seen > 0  # responses were cut at the cap and got the truncation reward
    assert boosted_changed > 0  # the boost moved some advantages
