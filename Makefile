# Two entry points for a newcomer: `make demo` (the main job, CPU default) and `make test`.
# Both create .venv on first use and install lengthwise (with its Rust scorer, the demo's torch
# and transformers, and verl for the adapter and its tests) and the five plugins.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := plugins/siri plugins/laser plugins/deepcompress plugins/baselines plugins/dler
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

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

clean:
	rm -rf $(VENV) target
