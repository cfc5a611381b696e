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


def _compare_with_math_verify(pairs):
    """Each pair the fast path decides, against math-verify on the same canonical strings.

    Returns (decided, verdict counts {True, False}, disagreement lines).
    """
    from lengthwise import _scoring, scoring

    decided, verdicts, bad = 0, {True: 0, False: 0}, []
    for a, g in pairs:
        fast = _scoring.decide(a, g)
        if fast is None:
            continue
        decided += 1
        verdicts[fast] += 1
        mv = scoring.math_verify_verdict(_scoring.canonicalize(a), _scoring.canonicalize(g))
        if fast != mv:
            bad.append(f"{a!r} vs {g!r}: fast path {fast}, math-verify {mv}")
    return decided, verdicts, bad


@pytest.fixture(scope="session")
def compare_with_math_verify():
    """The agreement loop of the random-pair tests (see :func:`_compare_with_math_verify`)."""
    return _compare_with_math_verify
