"""`lengthwise eval` end to end: the eval schema, verl's dump format, token counting, bad input."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from lengthwise.cli import main
from lengthwise.evaluation.schema import EvalInputError, parse_sources, read_generations


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def verl_row(prompt, output, gold, score, step, **extra):
    """One line as verl 0.9's ``_write_generations`` writes it (base keys + reward_extra_info keys)."""
    return {"input": prompt, "output": output, "gts": gold, "score": score, "step": step, **extra}


# ------------------------------------------------------------------ verl's dump format


@pytest.fixture
def verl_dumps(tmp_path):
    q1 = "user\nWhat is 3+4? Let's think step by step and output the final answer within \\boxed{}.\nassistant\n"
    q2 = "user\nWhat is 2*5? Let's think step by step and output the final answer within \\boxed{}.\nassistant\n"
    run_dir = tmp_path / "val_generations" / "siri-run"
    write_jsonl(run_dir / "40.jsonl", [
        # lengthwise's reward manager adds acc and lw_length to reward_extra_info.
        verl_row(q1, "<think>3+4</think> \\boxed{7}", "7", 1.0, 40, reward=1.0, acc=1.0, lw_length=12, lw_cap=64.0),
        verl_row(q1, "<think>hmm</think> \\boxed{8}", "7", 0.0, 40, reward=0.0, acc=0.0, lw_length=30, lw_cap=64.0),
        # The stored score says correct, but the answer is wrong: eval must regrade it.
        verl_row(q2, "<think>2*5</think> \\boxed{11}", ["10"], 1.0, 40, reward=1.0, acc=1.0, lw_length=20, lw_cap=64.0),
        verl_row(q2, "<think>2*5</think> \\boxed{10}", ["10"], 1.0, 40, reward=1.0, acc=1.0, lw_length=10, lw_cap=64.0),
    ])
    write_jsonl(run_dir / "8.jsonl", [
        verl_row(q1, "\\boxed{7}", "7", 1.0, 8),  # a plain verl dump: no acc, no lw_length
        verl_row(q2, "I am not sure", "10", 0.0, 8),
    ])
    return run_dir


def test_verl_dump_keys_map_onto_samples(verl_dumps):
    samples = read_generations([verl_dumps / "40.jsonl"])
    assert {s.model for s in samples} == {"siri-run@40"}  # <directory>@<step>
    assert {s.benchmark for s in samples} == {"val"}
    assert len({s.problem_id for s in samples}) == 2  # grouped by the prompt text
    assert [s.sample_index for s in samples] == [0, 1, 0, 1]
    assert [s.num_tokens for s in samples] == [12, 30, 20, 10]  # lw_length
    assert samples[2].ground_truth == "10"  # a one-element gts list is unwrapped
    assert [s.stored_correct for s in samples] == [True, False, True, True]  # from acc
    named = read_generations(parse_sources([f"siri={verl_dumps}"]), benchmark="aime24")
    assert {s.model for s in named} == {"siri"} and {s.benchmark for s in named} == {"aime24"}


def test_eval_regrades_verl_dumps_and_orders_steps_numerically(verl_dumps, tmp_path):
    out = tmp_path / "t.csv"
    res = run("eval", str(verl_dumps), "--base", "siri-run@8", "--csv", str(out))
    assert res.exit_code == 0, res.output
    rows = {r["model"]: r for r in csv.DictReader(out.open())}
    assert list(rows) == ["siri-run@8", "siri-run@40"]  # 8.jsonl before 40.jsonl; base first
    # step 40: q1 [✓, ✗] → 1/2, q2 [✗ (stored score 1.0 ignored), ✓] → 1/2: Pass@1 = 50 %.
    assert float(rows["siri-run@40"]["pass1"]) == pytest.approx(50.0)
    assert float(rows["siri-run@40"]["tokens"]) == pytest.approx((12 + 30 + 20 + 10) / 4)
    assert rows["siri-run@40"]["token_source"] == "stored"
    # step 8 has no lw_length: its lengths are estimates, and eval says so.
    assert rows["siri-run@8"]["token_source"] == "estimate"
    assert "warning: 2 of 6 responses have no stored token count" in res.stderr
    stored = run("eval", str(verl_dumps / "40.jsonl"), "--use-stored-score", "--csv", str(out))
    assert stored.exit_code == 0, stored.output
    assert float(next(csv.DictReader(out.open()))["pass1"]) == pytest.approx(75.0)  # acc: q1 1/2, q2 1


# ------------------------------------------------------------------ token counts


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    """A whitespace word-level tokenizer built in code and saved (no download)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, "[PAD]": 1, "the": 2, "answer": 3, "is": 4}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]")
    path = tmp_path_factory.mktemp("tok")
    fast.save_pretrained(path)
    return path


def test_tokenizer_counts_tokens_that_files_do_not_store(tmp_path, tokenizer_dir):
    gen = write_jsonl(tmp_path / "m.jsonl", [
        {"model": "m", "benchmark": "b", "problem_id": 1, "ground_truth": "5", "response": "the answer is \\boxed{5}"},
        {"model": "m", "benchmark": "b", "problem_id": 2, "ground_truth": "6", "response": "the answer is \\boxed{6}", "num_tokens": 9},
    ])
    out = tmp_path / "t.csv"
    res = run("eval", str(gen), "--tokenizer", str(tokenizer_dir), "--csv", str(out))
    assert res.exit_code == 0, res.output
    row = next(csv.DictReader(out.open()))
    # Whitespace words: "the answer is \boxed{5}" = 4 tokens; the second row's stored 9 wins: mean 6.5.
    assert float(row["tokens"]) == pytest.approx(6.5)
    assert row["token_source"] == "stored+tokenizer"
    assert "warning" not in res.stderr
    assert float(row["pass1"]) == 100.0


def test_markdown_output_and_wilson_ci(tmp_path):
    rows = [
        {"model": "m", "benchmark": "b", "problem_id": i, "ground_truth": "1", "num_tokens": 5,
         "response": "\\boxed{1}" if i % 3 else "\\boxed{2}"}
        for i in range(9)
    ]
    rows += [{**r, "model": "all", "response": "\\boxed{1}"} for r in rows[:9]]
    gen = write_jsonl(tmp_path / "m.jsonl", rows)
    md = tmp_path / "out" / "t.md"
    res = run("eval", str(gen), "--markdown", str(md))
    assert res.exit_code == 0, res.output
    assert "95% Wilson interval over problems" in res.stdout
    text = md.read_text()
    assert text.startswith("| benchmark | model | N×k | Pass@1 [95% CI] |")
    # 6 of 9, k = 1: Wilson(6/9, 9) = [35.42, 87.94] %.
    assert "| b | m | 9×1 | 66.7 [35.4, 87.9] |" in text
    # 9 of 9: [9/(9 + z²), 1] = [70.09, 100] % — not a zero-width [100, 100].
    assert "| b | all | 9×1 | 100.0 [70.1, 100.0] |" in text
    # the bootstrap and the clipped normal interval are gone
    assert run("eval", str(gen), "--ci", "bootstrap").exit_code == 2


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json\n", "t.jsonl:1: not JSON"),
        ('{"model": "m", "benchmark": "b", "response": "x", "ground_truth": "1"}\n', "t.jsonl:1: no problem_id"),
        ('{"model": "m", "problem_id": 1, "response": "x", "ground_truth": "1"}\n', "no benchmark"),
        ('{"model": "m", "benchmark": "b", "problem_id": 1, "response": "\\\\boxed{1}"}\n', "no ground truth"),
        ('{"model": "m", "benchmark": "b", "problem_id": 1, "response": "x", "ground_truth": "1", "num_tokens": -3}\n', "num_tokens must be >= 0"),
        ('[1, 2]\n', "expected a JSON object per line"),
        ("", "no rows"),
    ],
)
def test_bad_generation_files_exit_2_with_the_file_and_line(tmp_path, content, message):
    path = tmp_path / "t.jsonl"
    path.write_text(content)
    res = run("eval", str(path))
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert "Traceback" not in res.output


def test_missing_files_unknown_base_and_duplicates_exit_2(tmp_path):
    res = run("eval", str(tmp_path / "nope.jsonl"))
    assert res.exit_code == 2 and "no such file or directory" in res.stderr
    row = {"model": "m", "benchmark": "b", "problem_id": 1, "sample_index": 0, "response": "\\boxed{1}", "ground_truth": "1"}
    gen = write_jsonl(tmp_path / "g.jsonl", [row])
    res = run("eval", str(gen), "--base", "other")
    assert res.exit_code == 2 and "--base 'other' is not among the models read: m" in res.stderr
    res = run("eval", str(gen), str(gen))  # the same file twice
    assert res.exit_code == 2 and "appears twice" in res.stderr
    res = run("eval", str(gen), "--tokenizer", str(tmp_path / "no-tokenizer"))
    assert res.exit_code == 2 and "--tokenizer" in res.stderr
    with pytest.raises(EvalInputError):
        parse_sources(["=x"])
