"""`lengthwise generate`: input reading, prompts and output rows without vLLM; sampling with vLLM
only where vLLM, a GPU and a model are available."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.evaluation.generate import Completion, Problem, build_prompts, read_problems, rows_for
from lengthwise.evaluation.report import grade_samples
from lengthwise.evaluation.schema import EvalInputError, read_generations

HAVE_VLLM = importlib.util.find_spec("vllm") is not None
INSTRUCTION = "Let's think step by step and output the final answer within \\boxed{}."
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|> {% endif %}"
)


@pytest.fixture
def verl_parquet(tmp_path):
    """Two rows in verl's RL format, as `lengthwise prepare-data` writes them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [
        {"data_source": "aime24", "prompt": [{"role": "user", "content": f"What is 3+4? {INSTRUCTION}"}],
         "ability": "math", "reward_model": {"style": "rule", "ground_truth": "7"},
         "extra_info": {"split": "test", "index": 0}},
        {"data_source": "aime24", "prompt": [{"role": "user", "content": f"What is 2*5? {INSTRUCTION}"}],
         "ability": "math", "reward_model": {"style": "rule", "ground_truth": "10"},
         "extra_info": {"split": "test", "index": 1}},
    ]
    path = tmp_path / "test.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_read_problems_from_verl_parquet(verl_parquet):
    problems = read_problems(verl_parquet)
    assert problems == [
        Problem("aime24-0", "aime24", [{"role": "user", "content": f"What is 3+4? {INSTRUCTION}"}], "7"),
        Problem("aime24-1", "aime24", [{"role": "user", "content": f"What is 2*5? {INSTRUCTION}"}], "10"),
    ]


def test_read_problems_from_plain_jsonl(tmp_path):
    path = tmp_path / "amc.jsonl"
    path.write_text(
        json.dumps({"problem": "Find x if x+1=3.", "answer": 2.0, "id": 17}) + "\n"
        + json.dumps({"prompt": "Already templated: 1+1?", "ground_truth": "2", "benchmark": "toy"}) + "\n"
    )
    a, b = read_problems(path)
    # A bare problem gets prepare-data's instruction; the benchmark falls back to the file stem;
    # a float answer 2.0 is written as "2".
    assert a == Problem("amc-17", "amc", [{"role": "user", "content": f"Find x if x+1=3. {INSTRUCTION}"}], "2")
    assert b == Problem("toy-1", "toy", [{"role": "user", "content": "Already templated: 1+1?"}], "2")
    assert read_problems(path, benchmark="amc23")[0].problem_id == "amc23-17"


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"problem": "1+1?"}], "no ground truth"),
        ([{"answer": "2"}], "no prompt"),
        ([{"problem": "a", "answer": "1", "id": 3}, {"problem": "b", "answer": "2", "id": 3}], "appears twice"),
    ],
)
def test_bad_problem_files(tmp_path, rows, message):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(EvalInputError, match=message):
        read_problems(path)


def test_prompts_use_the_models_chat_template(verl_parquet):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from lengthwise.data.loaders import chat_template_renderer

    tok = Tokenizer(models.WordLevel(vocab={"[UNK]": 0}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")
    fast.chat_template = CHAT_TEMPLATE
    prompts = build_prompts(read_problems(verl_parquet), chat_template_renderer(fast))
    assert prompts[0] == f"<|user|> What is 3+4? {INSTRUCTION} <|end|> <|assistant|> "


def test_rows_are_the_eval_schema_and_eval_grades_them(tmp_path, verl_parquet):
    p1, p2 = read_problems(verl_parquet)
    rows = rows_for(p1, [Completion("<think>3+4</think> \\boxed{7}", 9, "stop"), Completion("\\boxed{8}", 4, "length")], "m")
    rows += rows_for(p2, [Completion("\\boxed{10}", 5, "stop"), Completion("", 0, "length")], "m")
    assert rows[1] == {
        "model": "m", "benchmark": "aime24", "problem_id": "aime24-0", "sample_index": 1,
        "response": "\\boxed{8}", "ground_truth": "7", "num_tokens": 4, "finish_reason": "length",
    }
    out = tmp_path / "gen.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    samples = read_generations([out])
    correct = grade_samples(samples).correct
    assert correct.tolist() == [True, False, True, False]  # the empty response counts as wrong
    assert [s.num_tokens for s in samples] == [9, 4, 5, 0]


def test_generate_without_vllm_says_how_to_install_it(verl_parquet, tmp_path):
    if HAVE_VLLM:
        pytest.skip("vLLM is installed here; the missing-vLLM message cannot be observed")
    res = CliRunner().invoke(main, ["generate", str(verl_parquet), "--model", "x", "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2
    assert "pip install 'lengthwise[vllm]'" in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "o.jsonl").exists()


def test_generate_reports_bad_input_before_loading_a_model(tmp_path):
    res = CliRunner().invoke(main, ["generate", str(tmp_path / "none.parquet"), "--model", "x", "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 2 and "no such file or directory" in res.stderr


def _gpu() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


@pytest.mark.slow
def test_vllm_generation_end_to_end(verl_parquet, tmp_path):
    model = os.environ.get("LENGTHWISE_TEST_VLLM_MODEL")
    if not HAVE_VLLM:
        pytest.skip("vLLM is not installed (pip install 'lengthwise[vllm]')")
    if not _gpu():
        pytest.skip("no CUDA GPU: vLLM sampling needs one")
    if not model:
        pytest.skip("set LENGTHWISE_TEST_VLLM_MODEL to a local chat model directory to run vLLM sampling")
    out = tmp_path / "gen.jsonl"
    res = CliRunner().invoke(
        main, ["generate", str(verl_parquet), "--model", model, "--out", str(out), "-n", "2", "--max-tokens", "64",
               "--gpu-memory-utilization", "0.5"],
    )
    assert res.exit_code == 0, res.output
    samples = read_generations([out])
    assert len(samples) == 4 and {s.sample_index for s in samples} == {0, 1}
    assert all(0 < s.num_tokens <= 64 for s in samples)
    ev = CliRunner().invoke(main, ["eval", str(out)])
    assert ev.exit_code == 0, ev.output
