"""Shared fixtures: an isolated App per test, the console channel as a test client, the fake LLM."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.messages import Role
from bot.settings import Settings
from salesbot.app import App
from tests.capability_hooks import test_registries  # noqa: F401  (a fixture for every test module)
from tests.fakes.openai_server import FakeOpenAI
from tests.services import drop_template, drop_test_databases, service_env

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday, so relative dates in tests are easy to check: 下周三 = 2026-11-25? no: this week's Wed is 11-25,
# next week's Wed is 12-02.
TEST_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)

_ENV_PREFIXES = ("SALESBOT_", "OPENAI_", "WECOM_", "DINGTALK_")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """Tests never see the developer's real settings."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _service_cleanup():
    """With SALESBOT_TEST_DATABASE_URL set, each test's PostgreSQL database is dropped after it."""
    yield
    drop_test_databases()


def pytest_sessionfinish(session, exitstatus):
    drop_template()


def make_settings(tmp_path, **env) -> Settings:
    values = {"SALESBOT_DATA_DIR": str(tmp_path / "data"), **service_env(tmp_path), **env}
    return Settings(_env_file=None, **values)


class ConsoleClient:
    """Talks to an App through the console channel, like `salesbot chat` does."""

    def __init__(self, app: App, user: str, role_hint: Role | None = None):
        self.app, self.user, self.role_hint = app, user, role_hint

    async def say(self, text: str) -> str:
        console = self.app.adapters["console"]
        before = len(self.app.console_lines)
        await self.app.receive(await console.read_line(text, self.user, self.role_hint))
        await self.app.drain()
        return "\n".join(self.app.console_lines[before:])

    async def deliver(self, inbound) -> str:
        before = len(self.app.console_lines)
        await self.app.receive(inbound)
        await self.app.drain()
        return "\n".join(self.app.console_lines[before:])


@asynccontextmanager
async def running_app(tmp_path, *, demo: bool = True, knowledge: bool = False, clock=None, **env):
    lines: list[str] = []
    app = App(
        make_settings(tmp_path, **env),
        clock=clock or FrozenClock(TEST_NOW),
        console_output=lines.append,
        enable_knowledge=knowledge,
    )
    app.console_lines = lines
    await app.start(connect_channels=False)
    try:
        if demo:
            from salesbot.demo import load_demo

            await load_demo(app)
        yield app
    finally:
        await app.stop()


@pytest.fixture
async def fake_llm():
    async with FakeOpenAI() as llm:
        yield llm


@pytest.fixture
async def offline_app(tmp_path):
    async with running_app(tmp_path) as app:
        yield app


@pytest.fixture
async def llm_app(tmp_path, fake_llm):
    async with running_app(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="test",
        SALESBOT_LLM_MODEL="fake",
        SALESBOT_LLM_MAX_RETRIES="2",
    ) as app:
        yield app


# In CI (SALESBOT_REQUIRE_BROWSER=1) a browser test that would be skipped for lack of chromium or
# Playwright fails instead, so a missing install step cannot hide behind a green run.
_MISSING_BROWSER = ("chromium not found", "Playwright is not installed")


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
