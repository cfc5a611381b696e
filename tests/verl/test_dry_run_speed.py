"""``lengthwise train --dry-run`` is fast (issue 12: under 10 s) and stays as strict.

The dry run composes verl's config from its YAML folder without importing verl, type-checks
against a cached schema, and runs verl's own checks in a child process that imports verl
meanwhile (:mod:`lengthwise.verl_adapter.verl_checks`). These tests check that the cache and the
child give the same answers as the direct way, and time the command itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIRI = str(ROOT / "configs/siri-cosine-640-1.5b.yaml")


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def _all_annotations():
    import typing

    from lengthwise.verl_adapter.dry_run import compose_verl_config
    from lengthwise.verl_adapter.override_types import schema_targets, _target_class
    from omegaconf import OmegaConf

    schema = OmegaConf.to_container(compose_verl_config([]), resolve=False)
    for target in schema_targets(schema):
        cls = _target_class(target)
        if cls is not None:
            yield from ((target, name, ann) for name, ann in typing.get_type_hints(cls).items())


def test_encoded_annotations_accept_and_describe_as_the_classes_do():
    from lengthwise.verl_adapter.override_types import _accepts, _type_words, decode_annotation, encode_annotation

    values = [0, 3, -1, 1.5, True, False, None, "x", "3", [1, "a"], {"k": 1}]
    seen = 0
    for target, name, ann in _all_annotations():
        data = json.loads(json.dumps(encode_annotation(ann)))  # as the cache file stores it
        back = decode_annotation(data)
        assert _type_words(back) == _type_words(ann), (target, name)
        assert [_accepts(back, v) for v in values] == [_accepts(ann, v) for v in values], (target, name, ann)
        seen += 1
    assert seen > 200  # verl 0.9.1's ppo_trainer names some 35 dataclasses


def test_schema_cache_is_written_reused_and_rebuilt_when_stale(cache_home):
    from omegaconf import OmegaConf

    from lengthwise.verl_adapter import dry_run as dr
    from lengthwise.verl_adapter.verl_schema import cache_path, load_cached_schema

    assert load_cached_schema() is None
    schema, annotations = dr.verl_schema_and_annotations()
    assert schema == OmegaConf.to_container(dr.compose_verl_config([]), resolve=False)
    assert cache_path().is_file() and str(cache_path()).startswith(str(cache_home))
    cached_schema, table = load_cached_schema()
    assert cached_schema == schema and set(table) >= set(annotations)
    assert "train_batch_size" not in annotations.get("verl.workers.config.RolloutConfig", {})
    assert annotations["verl.workers.config.RolloutConfig"]["n"] is int

    # a source file of an annotated class changed: stale
    data = json.loads(cache_path().read_text())
    some_source = next(iter(data["sources"]))
    data["sources"][some_source] = [0, 0]
    cache_path().write_text(json.dumps(data))
    assert load_cached_schema() is None
    # another verl (or a changed YAML file): stale
    dr.verl_schema_and_annotations()
    data = json.loads(cache_path().read_text())
    data["key"]["verl"] = "0.0.0"
    cache_path().write_text(json.dumps(data))
    assert load_cached_schema() is None
    # unreadable junk: stale, then rewritten
    cache_path().write_text("{not json")
    assert load_cached_schema() is None
    assert dr.verl_schema_and_annotations()[0] == schema
    assert load_cached_schema() is not None


def test_the_checker_child_answers_as_the_in_process_checks(cache_home):
    from lengthwise.config import load_config
    from lengthwise.verl_adapter.dry_run import compose_verl_config
    from lengthwise.verl_adapter.overrides import build_overrides
    from lengthwise.verl_adapter.verl_checks import VerlChecks

    base = build_overrides(load_config(SIRI), Path(SIRI), 16384)  # the launch's own overrides
    good = compose_verl_config(base)
    bad = compose_verl_config(base + ["actor_rollout_ref.actor.use_dynamic_bsz=false"])
    wired = [("trainer.checkpoint_callback_class", "lengthwise.verl_adapter.checkpoint", "LengthwiseCheckpointCallback"),
             ("x.y", "lengthwise.verl_adapter.checkpoint", "NoSuchClass")]
    with VerlChecks(in_process=False) as child, VerlChecks(in_process=True) as here:
        assert not child.in_process and here.in_process
        for cfg, wiring in ((good, wired[:1]), (good, wired), (bad, wired)):
            a, b = child.check(cfg, wiring), here.check(cfg, wiring)
            assert (a["validation"], a["wiring"], a["notes"]) == (b["validation"], b["wiring"], b["notes"])
        assert child.check(good, wired[:1]) | {"output": ""} == {"validation": None, "wiring": None, "notes": [], "output": ""}
        assert "ppo_micro_batch_size_per_gpu" in child.check(bad, [])["validation"]
        assert child.check(good, wired)["wiring"].endswith("defines no NoSuchClass")
        assert child.annotations(["verl.workers.config.RolloutConfig"])["annotations"] == here.annotations(
            ["verl.workers.config.RolloutConfig"])["annotations"]


def _seconds(argv, env, cwd):
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - start, proc


@pytest.mark.slow
def test_dry_run_of_a_shipped_config_takes_under_ten_seconds(tmp_path, capsys, write_parquet):
    """Cold cache, then warm; the bound is on the warm runs.

    A loaded CI machine slows everything, verl's own import included, which no dry run can skip
    (its validation and the wiring classes import verl). So the bound is 10 s or, when importing
    what the checks import takes longer than that leaves room for, that import plus 3 s.
    """
    for rel in ("data/deepscaler/train.parquet", "data/aime24/test.parquet"):
        write_parquet(tmp_path / rel, 64)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    lengthwise = [sys.executable, "-m", "lengthwise.cli", "train", SIRI, "--dry-run", "data.train_batch_size=64"]

    cold, first = _seconds(lengthwise, env, tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    warm = []
    for _ in range(2):
        took, again = _seconds(lengthwise, env, tmp_path)
        assert again.returncode == 0, again.stderr[-2000:]
        assert again.stdout == first.stdout  # the cache changes nothing in the result
        warm.append(took)
    from lengthwise.verl_adapter.verl_checks import PRELOAD

    floor, imported = _seconds([sys.executable, "-c", "; ".join(f"import {m}" for m in PRELOAD)], env, tmp_path)
    assert imported.returncode == 0, imported.stderr[-2000:]
    bound = max(10.0, floor + 3.0)
    with capsys.disabled():
        print(f"\n[dry-run timing] cold {cold:.1f} s, warm {', '.join(f'{t:.1f}' for t in warm)} s; "
              f"importing verl and the wiring alone {floor:.1f} s; bound {bound:.1f} s")
    assert min(warm) < bound
