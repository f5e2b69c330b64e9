"""Suite-wide rules."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


def _skip_fails_under_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Under CI=true a skip is a failure: a missing browser or package must not pass unseen."""
    if os.environ.get("CI", "").lower() == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """A skipped test (a skip mark, or pytest.skip inside it)."""
    outcome = yield
    _skip_fails_under_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:
    """A whole module skipped while collected (`pytest.importorskip`, a module-level skip)."""
    outcome = yield
    _skip_fails_under_ci(outcome.get_result())


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, one for a module's browser tests (tests.served_app.chromium)."""
    from tests.served_app import chromium

    with chromium() as b:
        yield b
