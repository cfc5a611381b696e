"""Shared fixtures for the tests of lengthwise's verl adapter (real verl 0.9.1, CPU only).

* ``tokenizer``: a word-level tokenizer built in code (no download) and wrapped in
  transformers' ``PreTrainedTokenizerFast``, as verl's workers hold one.
* ``verl_overrides`` / ``compose``: the hydra overrides of a test run — lengthwise's adapter
  overrides (:func:`lengthwise.verl_adapter.state.adapter_overrides`) plus the test's own — and
  verl's own ``ppo_trainer`` config composed with them.
* ``make_response``: :func:`response_text`, a response of an exact token length.
* ``write_config``: writes a lengthwise YAML into the test's tmp dir.
* ``write_parquet``: a parquet file of N prompt rows (a dry run counts a training file's rows).
* every test starts and ends with no lengthwise run state in the process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

N_WORDS = 5000


def make_tokenizer():
    """Word-level vocabulary: specials, think tags, \\boxed{0..20} answers and words w0..w4999."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["<pad>", "<eos>", "<unk>", "<think>", "</think>", "Question:", "Answer:"]
    words += [f"\\boxed{{{i}}}" for i in range(21)]
    words += [f"w{i}" for i in range(N_WORDS)]
    core = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")


@pytest.fixture(scope="session")
def tokenizer():
    return make_tokenizer()


def response_text(length: int, answer: str | None, start: int = 0) -> str:
    """A response of exactly ``length`` tokens: ``<think> w.. </think> \\boxed{answer}``.

    ``answer=None`` gives a response cut off inside its reasoning (no ``</think>``, no answer).
    Filler words are consecutive and distinct, so no n-gram repeats.
    """
    if answer is None:
        return " ".join(["<think>"] + [f"w{start + i}" for i in range(length - 1)])
    return " ".join(["<think>"] + [f"w{start + i}" for i in range(length - 3)] + ["</think>", f"\\boxed{{{answer}}}"])


@pytest.fixture(scope="session")
def make_response() -> Callable[..., str]:
    return response_text


@pytest.fixture
def verl_overrides(tmp_path: Path) -> Callable[..., list[str]]:
    """verl_overrides(config_path, *extra) -> the hydra overrides of a test run with the adapter wired in.

    Checkpoints go to ``tmp_path/ckpt`` so no test resumes from a stray checkpoint folder.
    """
    from lengthwise.verl_adapter.state import adapter_overrides

    def _overrides(config_path, *extra: str) -> list[str]:
        return adapter_overrides(config_path) + [
            "actor_rollout_ref.rollout.name=vllm",
            "actor_rollout_ref.model.path=/nonexistent/model",  # never loaded: no test builds HFModelConfig
            f"trainer.default_local_dir={tmp_path / 'ckpt'}",
            *extra,
        ]

    return _overrides


def compose_overrides(overrides: list[str]):
    """verl's ``ppo_trainer`` config composed with ``overrides``, as ``python -m verl.trainer.main_ppo`` does."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    with initialize_config_module(config_module="verl.trainer.config", version_base=None):
        return hydra_compose(config_name="ppo_trainer", overrides=list(overrides))


@pytest.fixture
def compose(verl_overrides) -> Callable[..., object]:
    """compose(config_path, *extra) -> verl's composed DictConfig with the adapter wired in."""

    def _compose(config_path, *extra: str):
        return compose_overrides(verl_overrides(config_path, *extra))

    return _compose


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str, str], Path]:
    def _write(text: str, name: str = "lengthwise.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def parquet_rows(path: Path, rows: int) -> Path:
    """``rows`` rows of verl's RL schema (prompt, data_source, reward_model) at ``path``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({
        "data_source": ["test"] * rows,
        "prompt": [[{"role": "user", "content": f"q{i}"}] for i in range(rows)],
        "reward_model": [{"style": "rule", "ground_truth": str(i)} for i in range(rows)],
    }), path)
    return path


@pytest.fixture(scope="session")
def write_parquet() -> Callable[[Path, int], Path]:
    return parquet_rows


@pytest.fixture(scope="session")
def laser_de_yaml() -> str:
    """The Laser-DE config of the hand-derived step in test_verl_rewards / test_verl_replay_buffer."""
    return """
name: test-laser-de
schedule: {name: constant, params: {length: 4096}}
difficulty: {name: laser-buckets}
reward:
  name: laser-de
  params: {correct_reward: 1.0, wrong_reward: -0.5, alpha: 0.5, target_length: 8192, lower_bound: 1024,
           upper_bound: 4096, interval: 1024, n_rollout: 4, expected_n_correct: 1, round_method: floor,
           monitor_freq: 20}
"""


@pytest.fixture(autouse=True)
def _fresh_run_state():
    from lengthwise.verl_adapter.state import reset_driver_state

    reset_driver_state()
    yield
    reset_driver_state()
