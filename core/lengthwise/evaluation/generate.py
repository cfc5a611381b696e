"""``lengthwise generate``: sample responses with vLLM and write them in the eval schema.

    read_problems(path, benchmark=None)    -> list[Problem]   (verl parquet / JSONL of problems)
    build_prompts(problems, render)        -> list[str]       (the model's chat template)
    rows_for(problem, completions, model)  -> eval-schema rows (see :mod:`.schema`)
    completions_from_vllm(request_output)  -> list[Completion]

Input, one problem per row, either
  * verl's RL format (what ``lengthwise prepare-data`` writes): ``prompt`` (chat messages),
    ``reward_model.ground_truth``, ``data_source``, ``extra_info.index``; or
  * plain records: ``problem`` / ``question`` (the instruction "Let's think step by step and output
    the final answer within \\boxed{}." is appended, as prepare-data does) or ``prompt`` (a string
    used as is, or chat messages), ``answer`` / ``ground_truth``, optional ``problem_id`` / ``id``
    and ``benchmark`` / ``data_source``.
Problem ids are ``<benchmark>-<index>`` (``extra_info.index`` or ``id`` when present, else the
row's position). The benchmark is the row's, else ``--benchmark``, else the input file's stem.

Sampling defaults follow the papers' evaluation (SIRI §5, Laser): temperature 0.6, top-p 0.95,
``n`` samples per problem; prompts are rendered with the model's own chat template
(``add_generation_prompt=True``). The token count written is the length of vLLM's output token ids.

vLLM is optional (``pip install 'lengthwise[vllm]'``) and imported only when the command runs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .schema import EvalInputError, _gold

__all__ = [
    "Problem",
    "Completion",
    "read_problems",
    "build_prompts",
    "rows_for",
    "completions_from_vllm",
    "generate",
]

VLLM_HINT = "`lengthwise generate` needs vLLM: pip install 'lengthwise[vllm]'"


@dataclass(frozen=True)
class Problem:
    problem_id: str
    benchmark: str
    messages: list[dict[str, str]]
    ground_truth: str


@dataclass(frozen=True)
class Completion:
    text: str
    num_tokens: int
    finish_reason: str | None = None


def _messages(value: Any, where: str) -> list[dict[str, str]] | None:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, (list, tuple)) and value and all(isinstance(m, dict) for m in value):
        out = []
        for m in value:
            if not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                raise EvalInputError(f"{where}: each prompt message needs a string 'role' and 'content'")
            out.append({"role": m["role"], "content": m["content"]})
        return out
    return None


def read_problems(path: str | Path, benchmark: str | None = None) -> list[Problem]:
    """The problems of a verl parquet or a JSON/JSONL/CSV file of problems (see the module docstring)."""
    from ..data.loaders import DataError, make_prompt, read_local

    path = Path(path)
    if not path.exists():
        raise EvalInputError(f"{path}: no such file or directory")
    try:
        records = read_local(path)
    except DataError as err:
        raise EvalInputError(str(err)) from None
    if not records:
        raise EvalInputError(f"{path}: no rows")
    problems: list[Problem] = []
    seen: set[str] = set()
    for pos, rec in enumerate(records):
        where = f"{path}: row {pos}"
        reward_model = rec.get("reward_model")
        extra = rec.get("extra_info") if isinstance(rec.get("extra_info"), dict) else {}
        if isinstance(reward_model, dict) and "ground_truth" in reward_model:  # verl's RL format
            gold = reward_model["ground_truth"]
            messages = _messages(rec.get("prompt"), where)
            index = extra.get("index", rec.get("id"))
        else:
            gold = rec.get("ground_truth", rec.get("answer"))
            text = rec.get("problem", rec.get("question"))
            messages = make_prompt(str(text)) if isinstance(text, str) and text.strip() else _messages(rec.get("prompt"), where)
            index = rec.get("problem_id", rec.get("id"))
        if messages is None:
            raise EvalInputError(
                f"{where}: no prompt (expected verl's 'prompt' messages, or 'problem'/'question'); "
                f"found columns: {', '.join(sorted(rec))}"
            )
        gold_text = _gold(gold, where)
        if not gold_text:
            raise EvalInputError(f"{where}: no ground truth (expected reward_model.ground_truth, 'answer' or 'ground_truth')")
        bench = str(rec.get("benchmark") or rec.get("data_source") or benchmark or path.stem)
        pid = f"{bench}-{index if index is not None else pos}"
        if pid in seen:
            raise EvalInputError(f"{where}: problem id {pid!r} appears twice")
        seen.add(pid)
        problems.append(Problem(pid, bench, messages, gold_text))
    return problems


def build_prompts(problems: Sequence[Problem], render: Callable[[list[dict[str, str]]], str]) -> list[str]:
    """Each problem's messages rendered to the text the model is given."""
    return [render(p.messages) for p in problems]


def plain_render(messages: list[dict[str, str]]) -> str:
    """No chat template: the messages' contents joined by blank lines (for base models)."""
    return "\n\n".join(m["content"] for m in messages)


def rows_for(problem: Problem, completions: Sequence[Completion], model: str) -> list[dict[str, Any]]:
    """The eval-schema rows of one problem's samples (``sample_index`` = position)."""
    return [
        {
            "model": model,
            "benchmark": problem.benchmark,
            "problem_id": problem.problem_id,
            "sample_index": j,
            "response": c.text,
            "ground_truth": problem.ground_truth,
            "num_tokens": int(c.num_tokens),
            "finish_reason": c.finish_reason,
        }
        for j, c in enumerate(completions)
    ]


def completions_from_vllm(request_output: Any) -> list[Completion]:
    """vLLM ``RequestOutput`` → its samples (text, number of generated tokens, finish reason)."""
    return [Completion(o.text, len(o.token_ids), getattr(o, "finish_reason", None)) for o in request_output.outputs]


def _fail(message: str) -> None:
    from ..cli import print_debug_traceback

    print_debug_traceback()  # under --debug, the traceback of the error being reported
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command("generate")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--model", "model_path", required=True, help="model directory or hub id vLLM loads")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="output JSONL")
@click.option("--name", help="model name written in the rows (default: the model path's last part)")
@click.option("-n", "--samples", type=click.IntRange(min=1), default=1, show_default=True, help="samples per problem (k)")
@click.option("--temperature", type=click.FloatRange(min=0), default=0.6, show_default=True)
@click.option("--top-p", type=click.FloatRange(min=0, max=1, min_open=True), default=0.95, show_default=True)
@click.option("--max-tokens", type=click.IntRange(min=1), default=16384, show_default=True, help="response length limit")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--benchmark", help="benchmark name for rows that have none (default: the file name)")
@click.option("--limit", type=click.IntRange(min=1), help="only the first N problems")
@click.option("--chunk", type=click.IntRange(min=1), default=512, show_default=True,
              help="problems per vLLM call; rows are written after each chunk")
@click.option("--tensor-parallel-size", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--gpu-memory-utilization", type=click.FloatRange(min=0, max=1, min_open=True), default=0.9, show_default=True)
@click.option("--max-model-len", type=click.IntRange(min=1), help="context length vLLM reserves (default: the model's)")
@click.option("--no-chat-template", is_flag=True, help="join the messages as plain text instead of the chat template")
def generate(
    data, model_path, out_path, name, samples, temperature, top_p, max_tokens, seed, benchmark, limit, chunk,
    tensor_parallel_size, gpu_memory_utilization, max_model_len, no_chat_template,
) -> None:
    """Sample responses to the problems in DATA with vLLM, writing the `lengthwise eval` schema."""
    try:
        problems = read_problems(data, benchmark)
    except EvalInputError as err:
        _fail(str(err))
        return
    if limit:
        problems = problems[:limit]
    try:
        from vllm import LLM, SamplingParams
    except ImportError as err:
        _fail(f"{VLLM_HINT} ({err})")
        return
    from ..data.loaders import DataError, chat_template_renderer

    llm = LLM(
        model=model_path, tensor_parallel_size=tensor_parallel_size, gpu_memory_utilization=gpu_memory_utilization,
        max_model_len=max_model_len, seed=seed,
    )
    if no_chat_template:
        render = plain_render
    else:
        try:
            render = chat_template_renderer(llm.get_tokenizer())
        except DataError:
            _fail(f"{model_path}: the tokenizer has no chat template; pass --no-chat-template for a base model")
            return
    params = SamplingParams(n=samples, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed)
    label = name or Path(str(model_path).rstrip("/")).name
    out_path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with out_path.open("w", encoding="utf-8") as fh:
        for start in range(0, len(problems), chunk):
            part = problems[start : start + chunk]
            outputs = llm.generate(build_prompts(part, render), params)
            for problem, out in zip(part, outputs):
                for row in rows_for(problem, completions_from_vllm(out), label):
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    written += 1
            fh.flush()
            click.echo(f"{min(start + chunk, len(problems))}/{len(problems)} problems", err=True)
    click.echo(f"wrote {written} rows ({len(problems)} problems × {samples}) to {out_path}")
