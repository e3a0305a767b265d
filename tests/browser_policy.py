"""In CI (SALESBOT_REQUIRE_BROWSER=1) a browser test that would be skipped for lack of chromium or
Playwright fails instead, so a missing install step cannot hide behind a green run."""
from __future__ import annotations

import os

import pytest

_MISSING_BROWSER = ("chromium not found", "Playwright is not installed", "playwright")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("SALESBOT_REQUIRE_BROWSER") != "1":
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(marker in reason for marker in _MISSING_BROWSER):
        report.outcome = "failed"
        report.longrepr = f"browser test skipped in CI: {reason}"
