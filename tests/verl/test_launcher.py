"""``lengthwise train``: overrides from a config, verl's own validation in ``--dry-run``, the launch.

Every dry run composes verl 0.9.1's real ``ppo_trainer`` config with hydra (no mocks), so each
config is composed once (module-scoped fixture) and the error cases compose one config each.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.config import ConfigError, load_config
from lengthwise.verl_adapter.overrides import (
    CONFIG_ENV_VAR,
    build_overrides,
    format_value,
    merge_overrides,
    parse_override,
    training_overrides,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
MARKER = "# lengthwise train --dry-run"


def run(*args: str):
    return CliRunner().invoke(main, ["train", *args])


def resolved_config(output: str) -> dict:
    """The YAML part of a dry run's output (everything before the summary block)."""
    return yaml.safe_load(output.split(MARKER)[0])


@pytest.fixture(scope="module", autouse=True)
def data_files(tmp_path_factory, write_parquet):
    """The shipped configs' data files (relative paths, as `lengthwise prepare-data` writes them),
    with 512 rows: a dry run checks that they exist and hold a batch (the largest, 512)."""
    import os

    root = tmp_path_factory.mktemp("run")
    for rel in ("data/deepscaler/train.parquet", "data/deepmath/train.parquet", "data/aime24/test.parquet"):
        write_parquet(root / rel, 512)
    old = os.getcwd()
    os.chdir(root)
    yield root
    os.chdir(old)


@pytest.fixture(scope="module")
def dry_runs():
    """``stem -> (path, result)``: each config's dry run, composed once for the whole module."""
    cache: dict = {}

    def get(stem: str):
        if stem not in cache:
            path = ROOT / "configs" / f"{stem}.yaml"
            cache[stem] = (path, run(str(path), "--dry-run"))
        return cache[stem]

    return get


@pytest.mark.filterwarnings("ignore:Disabled critic")
@pytest.mark.parametrize("stem", [p.stem for p in CONFIGS])
def test_dry_run_accepts_each_paper_config(dry_runs, stem):
    path, res = dry_runs(stem)
    assert res.exit_code == 0, res.output
    assert "verl's validation and lengthwise's checks passed" in res.output
    cfg = resolved_config(res.output)
    # Re-validate the printed config itself with verl's validator (independent of the dry run's path).
    from omegaconf import OmegaConf
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    oc = OmegaConf.create(cfg)
    validate_config(oc, use_reference_policy=need_reference_policy(oc), use_critic=need_critic(oc))
    lw = load_config(path)
    import lengthwise

    sched = lengthwise.build_strategies(lw).schedule
    assert cfg["data"]["max_response_length"] == sched.max_cap
    assert cfg["actor_rollout_ref"]["rollout"]["response_length"] == sched.max_cap
    cpu = lw.training.device == "cpu"  # configs/cpu-tiny*.yaml: verl on the CPU backend
    # HF rollout on CPU unless the config asks for verl's vLLM one (cpu-tiny-vllm.yaml); vLLM on GPU
    assert cfg["actor_rollout_ref"]["rollout"]["name"] == ("vllm" if not cpu or lw.training.rollout == "vllm" else "hf")
    assert cfg["actor_rollout_ref"]["rollout"].get("enable_sleep_mode", True) == (not cpu or lw.training.rollout != "vllm")
    assert cfg["trainer"]["v1"]["trainer_mode"] == ("lengthwise_cpu" if cpu else "sync")
    boosted = lw.training.correct_sample_advantage_boost > 0  # DLER: lengthwise's estimator around verl's
    assert cfg["algorithm"]["adv_estimator"] == ("lengthwise_correct_boost" if boosted else lw.training.adv_estimator)
    if lw.training.assets is None:
        assert cfg["lengthwise"]["config_path"] == str(path)
    else:  # the effective config names the prepared model and data
        effective = load_config(cfg["lengthwise"]["config_path"])
        assert effective.schedule == lw.schedule and effective.training.train_files
    assert cfg["ray_kwargs"]["ray_init"]["runtime_env"]["env_vars"][CONFIG_ENV_VAR] == cfg["lengthwise"]["config_path"]
    assert cfg["reward"]["reward_manager"]["name"] == "LengthwiseRewardManager"
    assert cfg["trainer"]["v1"]["sampler"]["custom_sampler"]["name"] == "LengthwiseReplayBuffer"
    assert cfg["trainer"]["experiment_name"] == lw.name
    assert cfg["actor_rollout_ref"]["rollout"]["val_kwargs"]["do_sample"] is True


def test_siri_values_by_hand(dry_runs, data_files):
    path, res = dry_runs("siri-cosine-640-1.5b")
    assert res.exit_code == 0, res.output
    cfg = resolved_config(res.output)
    arr = cfg["actor_rollout_ref"]
    # configs/siri-cosine-640-1.5b.yaml: n 32, batch 128, mini-batch 64, lr 1e-6, clip 0.2/0.28,
    # no KL; schedule l_max 16384 -> data.max_response_length 16384; prompt 1024, so one
    # sequence is 1024 + 16384 = 17408 tokens (the dynamic-batch budget, inherited by log-prob
    # passes); 1920 steps (3 cycles x 640) with epochs = steps so the step budget governs.
    assert arr["rollout"]["n"] == 32
    assert cfg["data"]["train_batch_size"] == 128
    assert arr["actor"]["ppo_mini_batch_size"] == 64
    assert arr["actor"]["optim"]["lr"] == 1e-6
    assert (arr["actor"]["clip_ratio_low"], arr["actor"]["clip_ratio_high"]) == (0.2, 0.28)
    assert arr["actor"]["use_kl_loss"] is False and cfg["algorithm"]["use_kl_in_reward"] is False
    assert cfg["data"]["max_response_length"] == 16384
    assert cfg["data"]["max_prompt_length"] == 1024
    assert arr["actor"]["ppo_max_token_len_per_gpu"] == 17408
    assert arr["rollout"]["log_prob_max_token_len_per_gpu"] == 17408
    assert arr["rollout"]["temperature"] == 1.0
    # evaluation as the paper reports it: Pass@1 over k = 64 samples at temperature 0.6
    assert arr["rollout"]["val_kwargs"] == {**arr["rollout"]["val_kwargs"], "temperature": 0.6, "top_p": 0.95, "n": 64}
    # the objective's 1/|y_i| per response, then the mean over responses: verl's seq-mean-token-mean
    # (core_algos.agg_loss: "seq_losses = torch.sum(loss_mat * loss_mask, dim=-1) / (seq_mask + 1e-8)")
    assert arr["actor"]["loss_agg_mode"] == "seq-mean-token-mean"
    assert arr["rollout"]["tensor_model_parallel_size"] == 1
    assert (cfg["trainer"]["total_training_steps"], cfg["trainer"]["total_epochs"]) == (1920, 1920)
    assert cfg["algorithm"]["filter_groups"]["enable"] is False
    assert cfg["data"]["train_files"] == str(data_files / "data/deepscaler/train.parquet")
    assert cfg["trainer"]["logger"] == ["console"]


def test_dapo_config_uses_dynamic_sampling_and_no_verl_overlong(dry_runs):
    path, res = dry_runs("dapo-overlong-1.5b")
    assert res.exit_code == 0, res.output
    cfg = resolved_config(res.output)
    # DAPO §4.1: 16384 expected + 4096 soft cache = 20480 generation limit; filter on accuracy;
    # the overlong penalty is lengthwise's reward, so verl's `dapo` manager must not be selected.
    assert cfg["data"]["max_response_length"] == 20480
    assert cfg["algorithm"]["filter_groups"]["enable"] is True
    assert cfg["algorithm"]["filter_groups"]["metric"] == "acc"
    assert cfg["reward"]["reward_manager"]["name"] != "dapo"
    assert cfg["actor_rollout_ref"]["actor"]["optim"]["lr_warmup_steps"] == 20


def test_dler_config_by_hand(dry_runs):
    path, res = dry_runs("dler-r1-1.5b")
    assert res.exit_code == 0, res.output
    cfg = resolved_config(res.output)
    arr, algo = cfg["actor_rollout_ref"], cfg["algorithm"]
    # NVlabs/DLER verl-dler/dler.sh (e8d00b1): adv_estimator=reinforce_plus_plus_baseline (:8) wrapped by the
    # boost 0.1 (:109), clip 0.2/0.28 (:15-16) with clip_ratio_c 10 (:78), filter_groups on (:79), KL loss
    # 0.0005 (:12-13, low_var_kl), truncation at max_response_length 4000 (:19), n 16, 256 prompts, mini 64
    assert algo["adv_estimator"] == "lengthwise_correct_boost"
    assert "verl's reinforce_plus_plus_baseline advantage + 0.1 on every response with reward >= 0.1" in res.output
    assert (arr["actor"]["clip_ratio_low"], arr["actor"]["clip_ratio_high"], arr["actor"]["clip_ratio_c"]) == (0.2, 0.28, 10.0)
    assert algo["filter_groups"]["enable"] is True and algo["filter_groups"]["metric"] == "acc"
    assert (arr["actor"]["use_kl_loss"], arr["actor"]["kl_loss_coef"], arr["actor"]["kl_loss_type"]) == (True, 0.0005, "low_var_kl")
    assert algo["use_kl_in_reward"] is False
    assert cfg["data"]["max_response_length"] == 4000 and cfg["data"]["max_prompt_length"] == 1024
    assert (arr["rollout"]["n"], cfg["data"]["train_batch_size"], arr["actor"]["ppo_mini_batch_size"]) == (16, 256, 64)
    assert arr["rollout"]["tensor_model_parallel_size"] == 2 and arr["actor"]["optim"]["weight_decay"] == 0.01
    assert cfg["data"]["truncation"] == "left" and cfg["trainer"]["val_before_train"] is False
    # the fork's own reward manager (dapo) is not used: lengthwise grades, the dler reward scales
    assert cfg["reward"]["reward_manager"]["name"] == "LengthwiseRewardManager"


def test_laser_config_uses_kl_loss(dry_runs):
    path, res = dry_runs("laser-de-1.5b-l4096")
    assert res.exit_code == 0, res.output
    actor = resolved_config(res.output)["actor_rollout_ref"]["actor"]
    # Laser script: use_kl_loss=True, kl_loss_coef 0.001, low_var_kl, entropy 0.001.
    assert (actor["use_kl_loss"], actor["kl_loss_coef"], actor["kl_loss_type"]) == (True, 0.001, "low_var_kl")
    assert actor["entropy_coeff"] == 0.001


SIRI = str(ROOT / "configs/siri-cosine-640-1.5b.yaml")


@pytest.mark.parametrize(
    "override,needle",
    [
        ("trainer.no_such_key=1", "override 'trainer.no_such_key=1': verl has no key trainer.no_such_key"),
        ("data.max_response_length=8192", "the schedule's largest cap (16384) exceeds data.max_response_length (8192)"),
        ("actor_rollout_ref.rollout.tensor_model_parallel_size=3", "must divide trainer.n_gpus_per_node (8)"),
        ("notanoverride", "bad override 'notanoverride'"),
    ],
)
def test_bad_override_exits_2_with_a_clear_message(override, needle):
    res = run(SIRI, override, "--dry-run")
    assert res.exit_code == 2, res.output
    assert "error: " in res.output and needle in res.output
    assert "Traceback" not in res.output


def test_verl_validation_failure_is_reported():
    # Without dynamic batching verl needs per-GPU log-prob micro-batch sizes (validate_config).
    res = run(SIRI, "actor_rollout_ref.actor.use_dynamic_bsz=false", "--dry-run")
    assert res.exit_code == 2, res.output
    assert "verl's validation failed" in res.output and "ppo_micro_batch_size_per_gpu" in res.output


# --- overrides without composing ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [0, 17408, 1e-6, 0.28, -1.5, True, False, None, "vllm", "a b", "it's", "123", "true", "pkg://x.y",
     "/abs/path/x.parquet", ["console"], ["a", "b c"], {"k": 1}],
)
def test_format_value_round_trips_through_hydras_parser(value):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_override(f"key={format_value(value)}").value()
    assert parsed == value
    assert type(parsed) is type(value) or isinstance(value, (list, dict))


def test_later_layers_win_and_keep_the_plus():
    merged = merge_overrides([["a=1", "+b.c=2"], ["a=3", "b.c=4"], ["~d"]])
    # "a" is replaced in place of order; "+b.c" keeps its "+" (the key is new to verl's schema).
    assert merged == ["a=3", "+b.c=4", "~d"]


def test_cli_overrides_beat_the_config_and_print_command():
    res = run(SIRI, "actor_rollout_ref.rollout.n=4", "trainer.n_gpus_per_node=2", "--print-command")
    assert res.exit_code == 0, res.output
    argv = shlex.split(res.output.strip())
    assert argv[:3] == [sys.executable, "-m", "verl.trainer.main_ppo"]
    assert "actor_rollout_ref.rollout.n=4" in argv and "actor_rollout_ref.rollout.n=32" not in argv
    assert "trainer.n_gpus_per_node=2" in argv
    assert f"+lengthwise.config_path={SIRI}" in argv
    assert "reward.reward_manager.name=LengthwiseRewardManager" in argv


def test_verl_overrides_pass_through_and_kl_mapping(tmp_path):
    cfg = load_config(ROOT / "configs/deepcompress-zero-7b.yaml")
    args = build_overrides(cfg, ROOT / "configs/deepcompress-zero-7b.yaml", 10240, ["data.truncation=right"])
    keys = {parse_override(a).key: parse_override(a).value for a in args}
    assert keys["actor_rollout_ref.actor.optim.weight_decay"] == "0.1"
    assert keys["data.truncation"] == "right"  # the command line wins over verl_overrides
    # 600 steps and total_epochs left at its default: epochs = steps so verl stops at step 600.
    assert (keys["trainer.total_training_steps"], keys["trainer.total_epochs"]) == ("600", "600")
    t = training_overrides(cfg.model_copy(update={"training": cfg.training.model_copy(update={"kl_coef": 0.01})}), 10240)
    # kl_coef > 0 without use_kl_loss: an in-reward KL penalty (and so a reference model).
    assert (t["algorithm.use_kl_in_reward"], t["algorithm.kl_ctrl.kl_coef"]) == (True, 0.01)


def test_missing_data_files_is_a_config_error(tmp_path):
    cfg = load_config(ROOT / "configs/siri-cosine-640-1.5b.yaml")
    cfg = cfg.model_copy(update={"training": cfg.training.model_copy(update={"val_files": []})})
    with pytest.raises(ConfigError, match="training.val_files"):
        build_overrides(cfg, Path(SIRI), 16384)
    # an override naming the files is enough
    build_overrides(cfg, Path(SIRI), 16384, ["data.val_files=/x.parquet"])


def test_an_unknown_verl_key_is_refused_before_verl_starts():
    # Before, `python -m verl.trainer.main_ppo` started and hydra failed in it with a traceback;
    # now the launch checks the keys a person wrote against verl's schema first (exit codes of
    # a verl run that did start pass through: tests/test_verl_process.py).
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "lengthwise.cli", "train", SIRI, "trainer.no_such_key=1"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        "error: override 'trainer.no_such_key=1': verl has no key trainer.no_such_key; "
        "see `lengthwise train CONFIG --dry-run` for verl's keys"]


def test_train_refuses_to_start_without_math_verify(monkeypatch):
    # Issue 11 §6: without math-verify "\log_2 8" vs "3" is graded path=error, correct=False and
    # training goes on. A None entry in sys.modules is how Python marks a module as not importable.
    monkeypatch.setitem(sys.modules, "math_verify", None)
    for mode in ("--dry-run", "--print-command"):
        res = run(SIRI, mode)
        assert res.exit_code == 2, res.output
        assert "error: math-verify is not installed" in res.output and "lengthwise[verl]" in res.output
        assert "Traceback" not in res.output


def test_attention_is_sdpa_unless_the_config_opts_in(dry_runs, tmp_path):
    # verl 0.9.1 workers/config/model.py: 'attn_implementation = self.override_config.get(
    # "attn_implementation", "flash_attention_2")' — flash-attn is in no lengthwise extra, so the
    # shipped configs ask for PyTorch's sdpa; training.attn_implementation opts in.
    _, res = dry_runs("siri-cosine-640-1.5b")
    assert resolved_config(res.output)["actor_rollout_ref"]["model"]["override_config"]["attn_implementation"] == "sdpa"
    text = (ROOT / "configs/siri-cosine-640-1.5b.yaml").read_text()
    opted = tmp_path / "fa2.yaml"
    opted.write_text(text.replace("training:\n", "training:\n  attn_implementation: flash_attention_2\n", 1))
    res = run(str(opted), "--dry-run")
    assert res.exit_code == 0, res.output
    assert resolved_config(res.output)["actor_rollout_ref"]["model"]["override_config"]["attn_implementation"] == "flash_attention_2"


def test_config_text_reaches_workers_without_a_shared_filesystem(tmp_path, monkeypatch):
    # A worker on another node sees verl's config (lengthwise.config_path = the launch node's
    # absolute path) and the Ray job's runtime_env variables, but not the launch node's disk.
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from lengthwise.verl_adapter.shipped_config import CONFIG_TEXT_ENV
    from lengthwise.verl_adapter.state import load_run_config

    text = (ROOT / "configs/laser-de-1.5b-l4096.yaml").read_text()
    cfg_file = tmp_path / "launch-node" / "laser.yaml"
    cfg_file.parent.mkdir()
    cfg_file.write_text(text)
    argv = build_overrides(load_config(cfg_file), cfg_file, 16384)
    key = f"+ray_kwargs.ray_init.runtime_env.env_vars.{CONFIG_TEXT_ENV}"
    (shipped,) = [o for o in argv if o.startswith(key + "=")]
    value = OverridesParser.create().parse_override(shipped).value()  # what verl hands to ray.init
    cfg_file.unlink()  # "another node": the path does not exist there
    monkeypatch.setenv(CONFIG_TEXT_ENV, value)
    got = load_run_config({"lengthwise": {"config_path": str(cfg_file.resolve())}})
    assert got == load_config(ROOT / "configs/laser-de-1.5b-l4096.yaml")
    # a shipped text for another path is not used for this one
    with pytest.raises(ConfigError, match="cannot read config"):
        load_run_config({"lengthwise": {"config_path": str(tmp_path / "other.yaml")}})


# --- strict dry run (issue 12) --------------------------------------------------------------


@pytest.mark.parametrize(
    "override,message",
    [
        ("data.train_batch_size=abc", "override 'data.train_batch_size=abc': data.train_batch_size expects an integer, got 'abc'"),
        ("actor_rollout_ref.actor.optim.lr=fast",
         "override 'actor_rollout_ref.actor.optim.lr=fast': actor_rollout_ref.actor.optim.lr expects a number, got 'fast'"),
        ("trainer.n_gpus_per_node=four",
         "override 'trainer.n_gpus_per_node=four': trainer.n_gpus_per_node expects an integer, got 'four'"),
        ("actor_rollout_ref.rollout.n=0", "actor_rollout_ref.rollout.n=0: must be >= 1"),
        ("trainer.n_gpu_per_node=4",
         "override 'trainer.n_gpu_per_node=4': verl has no key trainer.n_gpu_per_node; did you mean trainer.n_gpus_per_node?"),
        ("+trainer.n_gpu_per_node=4", "override '+trainer.n_gpu_per_node=4': verl has no key trainer.n_gpu_per_node "
         "and would never read it; did you mean trainer.n_gpus_per_node?"),
        ("training.rolout_n=16", "override 'training.rolout_n=16': unknown key training.rolout_n; did you mean training.rollout_n?"),
        ("algorithm.adv_estimator=reinforce_plus_plus_basline", "algorithm.adv_estimator=reinforce_plus_plus_basline: "
         "verl has no advantage estimator of that name; did you mean reinforce_plus_plus_baseline?"),
    ],
)
def test_strict_dry_run_rejects_in_one_line(override, message):
    """Before: the first three printed "checks passed" (exit 0) or a ValueError traceback."""
    res = CliRunner().invoke(main, ["train", SIRI, override, "--dry-run"])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert lines == [f"error: {message}"] or lines == [f"error: {SIRI}: {message}"], res.output
    assert "add +" not in res.output.lower() and "append" not in res.output.lower()


def test_plus_key_with_no_near_miss_is_still_allowed():
    from lengthwise.verl_adapter.dry_run import verl_schema
    from lengthwise.verl_adapter.override_types import check_override_types

    check_override_types(verl_schema(), ["+ray_kwargs.ray_init.runtime_env.env_vars.FOO=1", "~trainer.logger"])


def test_lengthwise_overrides_reach_the_run(tmp_path):
    res = run(SIRI, "schedule.params.period=320", "training.rollout_n=16", "--dry-run")
    assert res.exit_code == 0, res.output
    resolved = resolved_config(res.output)
    assert resolved["actor_rollout_ref"]["rollout"]["n"] == 16
    assert "#   lengthwise   schedule.params.period=320 training.rollout_n=16" in res.output
    # the workers read the effective config: the launch points them at a file with period 320
    argv = shlex.split(run(SIRI, "schedule.params.period=320", "--print-command").output.strip())
    path = next(a.split("=", 1)[1] for a in argv if a.startswith("+lengthwise.config_path="))
    assert path != SIRI and load_config(path).schedule.params["period"] == 320
    assert Path(path).name == Path(SIRI).name  # experiment name unchanged


def test_gpu_requirements_are_reported(tmp_path):
    import importlib.util

    res = run(SIRI, "--dry-run")
    line = next(row for row in res.output.splitlines() if row.startswith("#   gpu run"))
    vllm = "ok" if importlib.util.find_spec("vllm") else "missing (pip install 'lengthwise[vllm]')"
    assert f"vllm: {vllm}" in line and "math-verify: " in line
    # flash-attn only matters when the config opts in (the shipped configs use sdpa)
    assert "flash-attn" not in line
    opted = tmp_path / "fa2.yaml"
    opted.write_text(Path(SIRI).read_text().replace("training:\n", "training:\n  attn_implementation: flash_attention_2\n", 1))
    res = run(str(opted), "--dry-run")
    line = next(row for row in res.output.splitlines() if row.startswith("#   gpu run"))
    assert "flash-attn: " in line


def test_dry_run_counts_the_training_rows_against_the_batch(data_files, write_parquet, tmp_path):
    # Before, a 3-row training file passed against a batch of 128; verl's dataloader drops the
    # incomplete batch, so the run trained nothing.
    small = write_parquet(tmp_path / "small" / "train.parquet", 3)
    res = run(SIRI, "--dry-run", f"data.train_files={small}")
    assert res.exit_code == 2
    assert res.output.strip() == (
        "error: data.train_files: 3 row(s), fewer than data.train_batch_size (128): verl's dataloader drops an "
        "incomplete batch, so no step would run; lower data.train_batch_size (training.train_batch_size) or add data")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    res = run(SIRI, "--dry-run", f"data.train_files={tmp_path / 'bad.parquet'}")
    assert res.exit_code == 2 and res.output.startswith(f"error: data.train_files: {tmp_path / 'bad.parquet'} is not a readable parquet file")


def test_dry_run_checks_the_checkpoint_it_would_resume_from(data_files, tmp_path):
    # Before, a broken checkpoint directory passed the dry run (and the launch resumed from it).
    import torch

    ckpt = tmp_path / "ckpt"
    for step, complete in ((2, True), (4, False)):
        actor = ckpt / f"global_step_{step}" / "actor"
        actor.mkdir(parents=True)
        torch.save({"w": 1}, actor / "model_world_size_1_rank_0.pt")
        if complete:
            torch.save({}, ckpt / f"global_step_{step}" / "data.pt")
    res = run(SIRI, "--dry-run", f"trainer.default_local_dir={ckpt}")
    assert res.exit_code == 0, res.output
    # the SIRI config's strategies keep no state: verl's checkpoint alone is complete
    assert f"#   note: {ckpt}: skipping incomplete checkpoint(s) global_step_4 (no data.pt (verl stopped while saving)); resuming from global_step_2" in res.output
    assert f"#   note: resuming from {ckpt / 'global_step_2'} (step 2; next cap 16383; no strategy state); training steps 3-1920" in res.output
    (ckpt / "global_step_4" / "data.pt").write_bytes(b"cut")
    res = run(SIRI, "--dry-run", f"trainer.default_local_dir={ckpt}", "trainer.total_training_steps=1")
    assert res.exit_code == 2
    assert res.output.strip().startswith(f"error: {ckpt / 'global_step_2'} is a checkpoint of step 2, beyond this run's 1 steps")
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_missing_data_file_names_the_prepare_data_command(data_files, write_parquet):
    (data_files / "data/aime24/test.parquet").unlink()
    try:
        res = run(SIRI, "--dry-run")
    finally:
        write_parquet(data_files / "data/aime24/test.parquet", 512)
    assert res.exit_code == 2
    expected = data_files / "data/aime24/test.parquet"
    assert res.output.strip() == (
        f"error: data.val_files: {expected} does not exist; write it with "
        f"`lengthwise prepare-data aime24 --out {data_files / 'data'}`")


def test_ray_start_failure_is_recognised_in_verl_output():
    from lengthwise.verl_adapter.launcher import ray_start_failure

    failed = (
        'Traceback (most recent call last):\n  File "/x/verl/trainer/main_ppo.py", line 85, in run_ppo\n'
        '    ray.init(**OmegaConf.to_container(ray_init_kwargs))\n'
        '  File "/x/ray/_private/worker.py", line 1661, in init\n    raise ValueError(\n'
        "ValueError: When connecting to an existing cluster, num_cpus and num_gpus must not be provided.\n\n"
        "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n"
    )
    assert ray_start_failure(failed) == (
        "ValueError: When connecting to an existing cluster, num_cpus and num_gpus must not be provided."
    )
    other = 'Traceback (most recent call last):\n  File "/x/verl/trainer/ppo/v1/trainer_base.py", line 9, in fit\nKeyError: \'x\'\n'
    assert ray_start_failure(other) is None
