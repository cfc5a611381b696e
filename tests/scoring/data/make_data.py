"""Rebuild the real-data files of this folder from local clones of their public sources.

    python tests/scoring/data/make_data.py QWEN_MATH_CLONE AIME_PREVIEW_CLONE

QWEN_MATH_CLONE: a clone of github.com/QwenLM/Qwen2.5-Math (or of github.com/hkust-nlp/Laser,
which vendors it under Qwen2.5-Math/: the script accepts either); AIME_PREVIEW_CLONE: a clone of
github.com/GAIR-NLP/AIME-Preview. SOURCES.md names the commits used. Writes

* golds.jsonl — {"set", "gold"} per benchmark problem, the gold as the evaluation harness reads
  it (Qwen2.5-Math's ``parse_ground_truth``: the ``answer`` field, Minerva's last ``\\boxed{}``
  in the solution, OlympiadBench's first ``final_answer`` without ``$``);
* responses.jsonl.gz — the 800 sampled responses of Qwen2.5-Math's math_cot_100 example
  (8 per problem for 100 MATH problems) with their gold;
* college_math keeps every 5th problem: {"gold", "response"}.

Only the answers and responses are kept (no problem statements).
"""

from __future__ import annotations

import gzip
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
# set name -> (path under evaluation/data, how the gold is read)
QWEN_SETS = {
    "math500": "math500/test.jsonl",
    "aime24": "aime24/test.jsonl",
    "amc23": "amc23/test.jsonl",
    "minerva_math": "minerva_math/test.jsonl",
    "olympiadbench": "olympiadbench/test.jsonl",
    "gaokao2023en": "gaokao2023en/test.jsonl",
    "college_math": "college_math/test.jsonl",
}


def last_boxed(text: str) -> str:
    """Content of the last ``\\boxed{…}`` (balanced braces)."""
    start = text.rindex("\\boxed{") + len("\\boxed{")
    depth, i = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start : i - 1]


def gold_of(name: str, row: dict) -> str:
    if name == "minerva_math":
        return last_boxed(row["solution"])
    if name == "olympiadbench":
        return row["final_answer"][0].replace("$", "").strip()
    return str(row["answer"]).strip()


def evaluation_dir(clone: pathlib.Path) -> pathlib.Path:
    for sub in ("evaluation/data", "Qwen2.5-Math/evaluation/data"):
        if (clone / sub).is_dir():
            return clone / sub
    raise SystemExit(f"{clone}: no evaluation/data folder (expected a Qwen2.5-Math clone)")


def main(qwen: str, aime_preview: str) -> None:
    data = evaluation_dir(pathlib.Path(qwen))
    rows = []
    for name, rel in QWEN_SETS.items():
        for line in (data / rel).read_text(encoding="utf-8").splitlines():
            gold = gold_of(name, json.loads(line)) if line.strip() else ""
            if gold:  # two gaokao2023en problems have an empty answer
                rows.append({"set": name, "gold": gold})
    # college_math (2,818 problems) is thinned to every 5th to keep the file small.
    college = [r for r in rows if r["set"] == "college_math"]
    rows = [r for r in rows if r["set"] != "college_math"] + college[::5]
    aime = pathlib.Path(aime_preview) / "eval/data/aime"
    for part in ("test2025-I.jsonl", "test2025-II.jsonl"):
        for line in (aime / part).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append({"set": "aime25", "gold": str(json.loads(line)["answer"]).strip()})
    with open(HERE / "golds.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    responses = []
    src = data / "eval_rm_maj_example/math_cot_100.jsonl"
    for line in src.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for text in row["code"]:
            responses.append({"gold": row["answer"], "response": text})
    with gzip.open(HERE / "responses.jsonl.gz", "wt", encoding="utf-8", compresslevel=9) as f:
        for r in responses:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} golds, {len(responses)} responses")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
