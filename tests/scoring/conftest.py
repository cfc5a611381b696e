"""A report printed at the end of the scorer tests.

Tests append human-readable blocks to the ``scoring_report`` fixture (a list of (title, lines));
``pytest_terminal_summary`` prints them after the run, so the agreement figures of the
conformance run and the benchmark ratios can be quoted without re-running with ``-s``.
"""

from __future__ import annotations

import sys

import pytest

_REPORT: list[tuple[str, list[str]]] = []


@pytest.fixture(scope="session")
def scoring_report() -> list[tuple[str, list[str]]]:
    return _REPORT


def pytest_terminal_summary(terminalreporter) -> None:
    for title, lines in _REPORT:
        terminalreporter.write_sep("=", title)
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def scenario():
    """tests/scoring/scenario.py (run a scorer scenario in its own process, under a time limit);
    loaded by path because the tests run with --import-mode=importlib."""
    import importlib.util
    import pathlib

    spec = importlib.util.spec_from_file_location("scoring_scenario", pathlib.Path(__file__).with_name("scenario.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
