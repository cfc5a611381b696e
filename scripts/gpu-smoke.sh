#!/usr/bin/env bash
# GPU smoke test for a real setup — NOT run by CI or on the development machine (no GPU there).
#
#   scripts/gpu-smoke.sh                 # 2 steps on the demo's tiny Qwen2 (built in code), vLLM rollout
#   scripts/gpu-smoke.sh /path/to/model  # 2 steps on a model directory you provide (e.g. R1-Distill-1.5B)
#
# Needs one NVIDIA GPU and `pip install -e '.[verl,vllm]'` plus the plugins (see README). It runs
# `lengthwise train` on configs/cpu-tiny.yaml switched to `device: cuda` (vLLM rollout, FSDP actor
# on NCCL), checks that verl saved step 2 with lengthwise's state, and prints the step metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/lengthwise-gpu-smoke}"
MODEL="${1:-}"
PY="${PYTHON:-python}"

"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device visible to torch')"
"$PY" -c "import vllm" || { echo "vllm is not installed: pip install -e '.[verl,vllm]'" >&2; exit 2; }

rm -rf "$OUT" && mkdir -p "$OUT"
CFG="$OUT/gpu-smoke.yaml"
"$PY" - "$CFG" "$MODEL" <<'PYEOF'
import sys, yaml
cfg = yaml.safe_load(open("configs/cpu-tiny.yaml"))
t = cfg["training"]
t["device"] = "cuda"
t["total_training_steps"] = 2
t.setdefault("verl_overrides", {})["actor_rollout_ref.rollout.gpu_memory_utilization"] = 0.3
if sys.argv[2]:
    # a user model: its own tokenizer and the tiny task's data; longer caps fit any real model
    t.pop("assets", None)
    t["model_path"] = sys.argv[2]
    from lengthwise.demo.assets import prepare_tiny_assets
    a = prepare_tiny_assets()
    t["train_files"], t["val_files"] = [str(a.train_file)], [str(a.val_file)]
    t["max_prompt_length"] = 256
yaml.safe_dump(cfg, open(sys.argv[1], "w"), sort_keys=False)
PYEOF

lengthwise train "$CFG" --dry-run > "$OUT/dry-run.txt"
lengthwise train "$CFG" trainer.total_training_steps=2 trainer.save_freq=2 \
  trainer.default_local_dir="$OUT/ckpt" trainer.logger='[console,file]' \
  +ray_kwargs.ray_init.runtime_env.env_vars.VERL_FILE_LOGGER_PATH="$OUT/metrics.jsonl" | tee "$OUT/train.log"

test -f "$OUT/ckpt/global_step_2/lengthwise_state.json" || { echo "FAIL: no lengthwise_state.json at step 2" >&2; exit 1; }
"$PY" - "$OUT/metrics.jsonl" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    d = r["data"]
    if "lengthwise/cap" in d:
        print(f"step {r['step']}: cap {d['lengthwise/cap']:.0f}  mean length {d['lengthwise/mean_length']:.1f}  "
              f"accuracy {d['lengthwise/accuracy']:.3f}  gen {d.get('timing_s/gen', float('nan')):.2f}s  "
              f"update {d.get('timing_s/update_actor', float('nan')):.2f}s")
PYEOF
echo "OK: verl trained 2 steps on the GPU with lengthwise; results in $OUT"
