"""Data and logs: no credentials in DEBUG logs, private file modes for the data directory and the database,
refused slash commands audited and saying nothing about other reps' customers, /metrics and /healthz
behind a token, and nginx keeping them off the public server."""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from bot import structured_logging
from bot.log_masking import mask
from bot.models import AuditLog, Visit
from bot.settings import Settings
from tests.admin_support import make_accounts, serving, signed_in
from tests.conftest import ConsoleClient, running_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stderr_log(monkeypatch, tmp_path):
    """structured_logging.configure as `salesbot serve` runs it, writing into a file; the old setup restored."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, {p: logging.getLogger(p).level for p in structured_logging.OWN_PACKAGES})
    path = tmp_path / "stderr.log"
    stream = open(path, "w", encoding="utf-8")

    class Log:
        def text(self) -> str:
            for handler in root.handlers:
                handler.flush()
            return path.read_text(encoding="utf-8")

    def configure(**kw):
        # here, in the test's call phase: pytest swaps sys.stderr between setup and call
        monkeypatch.setattr(sys, "stderr", stream)
        structured_logging.configure("text", "DEBUG", "test", **kw)
        return Log()

    yield configure
    stream.close()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    for package, level in saved[2].items():
        logging.getLogger(package).setLevel(level)


async def _console_session_secrets(app) -> tuple[str, str]:
    async with serving(app) as base:
        async with signed_in(base) as c:
            await c.get("/admin/")
            cookie = next(m.value for m in c.http.cookie_jar if m.key == "salesbot_admin")
            return c.csrf, cookie


async def test_debug_logging_keeps_library_sql_and_tokens_out(stderr_log, tmp_path):
    log = stderr_log()
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        await app.kv.set("wecom:token:corp", '{"token": "WECOMTOKEN-0123456789abcdef", "expires_at": 1}', 7000)
        csrf, cookie = await _console_session_secrets(app)
        logging.getLogger("salesbot.test").debug("our own debug line")
    text = log.text()
    assert "our own debug line" in text  # DEBUG is on for our packages
    assert "WECOMTOKEN-0123456789abcdef" not in text
    assert csrf not in text and cookie not in text
    assert not re.search(r"DEBUG (aiosqlite|sqlalchemy|aiohttp|asyncio)", text)


async def test_libraries_log_at_debug_only_when_asked_and_secrets_are_still_masked(stderr_log, tmp_path):
    log = stderr_log(debug_libraries=True)
    async with running_app(tmp_path, demo=False) as app:
        await app.kv.set("dingtalk:token", '{"accessToken": "DTTOKEN-abcdef0123456789"}', 7000)
    logging.getLogger("aiohttp.client").debug(
        "GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=x&corpsecret=SECRET-xyz123456 "
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig redis://default:hunter2pass@redis:6379"
    )
    text = log.text()
    assert re.search(r"DEBUG aiosqlite", text)  # the switch works
    for secret in ("DTTOKEN-abcdef0123456789", "SECRET-xyz123456", "eyJhbGciOiJIUzI1NiJ9", "hunter2pass"):
        assert secret not in text, secret


@pytest.mark.parametrize(
    "line, secret",
    [
        ("POST /cgi-bin/message/send?access_token=AbC123xyz789&debug=1", "AbC123xyz789"),
        ('{"access_token": "tok_999999999", "expires_in": 7200}', "tok_999999999"),
        ("Authorization: Bearer sk-live-1234567890", "sk-live-1234567890"),
        ("form _csrf=Zx9_abcdefgh&name=x", "Zx9_abcdefgh"),
        ("x-acs-dingtalk-access-token: 5f3c2a1b9d8e", "5f3c2a1b9d8e"),
        ("postgresql://salesbot:S3cretPw@postgres:5432/salesbot", "S3cretPw"),
        ("https://oapi.dingtalk.com/robot/send?access_token=ab12cd34&timestamp=1&sign=xyZ%2B123=", "xyZ%2B123="),
    ],
)
def test_the_masking_filter_covers_tokens_and_secrets(line, secret):
    masked = mask(line)
    assert secret not in masked and "***" in masked


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_directory_and_database_are_private_whatever_the_umask(tmp_path, caplog):
    old = os.umask(0o022)
    try:
        async with running_app(tmp_path, demo=False) as app:
            data = Path(app.settings.data_dir)
            assert _mode(data) == 0o700
            assert _mode(data / "salesbot.db") == 0o600
            for extra in data.glob("salesbot.db-*"):  # WAL and shared memory take the database's mode
                assert _mode(extra) & 0o077 == 0, extra
    finally:
        os.umask(old)


async def test_a_world_readable_data_directory_or_database_is_warned_about(tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    db = data / "salesbot.db"
    db.touch()
    os.chmod(db, 0o644)
    caplog.set_level(logging.WARNING)
    async with running_app(tmp_path, demo=False):
        pass
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("data directory" in w and "755" in w for w in warnings), warnings
    assert any("database file" in w and "644" in w for w in warnings), warnings
    assert _mode(db) == 0o644  # warned, not silently changed


async def test_a_refused_slash_command_is_audited_and_names_neither_the_account_nor_its_owner(tmp_path):
    async with running_app(tmp_path) as app:
        rep = ConsoleClient(app, "zhangwei")
        answer = await rep.say("/审批 南粤 8折 理由很充分")  # 南粤电子 belongs to 陈敏
        assert "不是你负责的" in answer
        assert "陈敏" not in answer and "南粤电子" not in answer
        await rep.say("/线索规则")  # an admin command: refused for a rep
        async with app.db.session() as s:
            denied = list((await s.execute(select(AuditLog).where(AuditLog.action == "tool.denied"))).scalars())
        zhangwei = await app.staff_by_username("zhangwei")
        assert len(denied) >= 2 and all(d.actor_staff_id == zhangwei.id for d in denied)
        where = [d.detail.get("detail_tool") for d in denied]
        assert "command:审批" in where, where
        assert any(w and w.startswith("command:") and w != "command:审批" for w in where), where
        assert len(where) == len(set(where))  # each refusal once, not once per layer


async def test_a_refused_visit_on_another_reps_customer_is_audited_and_writes_nothing(tmp_path):
    async with running_app(tmp_path) as app:
        answer = await ConsoleClient(app, "zhangwei").say("/拜访 南粤 今天聊了火星计划")  # 南粤电子 is 陈敏's
        assert "不是你负责的" in answer and "陈敏" not in answer and "南粤电子" not in answer
        async with app.db.session() as s:
            denied = list((await s.execute(select(AuditLog).where(AuditLog.action == "tool.denied"))).scalars())
            visits = list((await s.execute(select(Visit).where(Visit.summary.contains("火星计划")))).scalars())
        assert [d.detail.get("detail_tool") for d in denied] == ["command:拜访"] and visits == []


async def test_metrics_and_healthz_need_the_token_when_one_is_set(tmp_path):
    async with running_app(tmp_path, demo=False, SALESBOT_METRICS_TOKEN="m-token-123") as app:
        async with serving(app) as base:
            async with aiohttp.ClientSession() as http:
                async with http.get(base + "/metrics") as r:
                    assert r.status == 401 and "令牌" in await r.text()
                async with http.get(base + "/metrics", headers={"Authorization": "Bearer wrong"}) as r:
                    assert r.status == 401
                async with http.get(base + "/metrics", headers={"Authorization": "Bearer m-token-123"}) as r:
                    assert r.status == 200 and "# HELP" in await r.text()
                async with http.get(base + "/healthz") as r:
                    assert r.status == 200 and await r.json() == {"ok": True}
                async with http.get(base + "/healthz", headers={"Authorization": "Bearer m-token-123"}) as r:
                    body = await r.json()
                    assert r.status == 200 and body["ok"] and "database" in body and "replica" in body


async def test_without_a_token_metrics_stay_open_for_existing_setups(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        async with serving(app) as base:
            async with aiohttp.ClientSession() as http:
                async with http.get(base + "/metrics") as r:
                    assert r.status == 200
                async with http.get(base + "/healthz") as r:
                    assert "database" in await r.json()


def test_nginx_keeps_metrics_and_healthz_off_the_public_server():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = re.split(r"\n    server \{", conf)[1:]
    public = next(s for s in servers if "listen 80;" in s)
    assert re.search(r"location = /metrics \{ return 404; \}", public)
    assert re.search(r"location = /healthz \{ return 404; \}", public)
    internal = next(s for s in servers if "listen 8081;" in s)
    assert "location = /metrics" in internal and "proxy_pass http://salesbot;" in internal
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert all("8081" not in str(p) for p in compose["services"]["nginx"].get("ports", []))


def test_new_security_settings_are_documented():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in (
        "SALESBOT_TRUSTED_PROXIES",
        "SALESBOT_METRICS_TOKEN",
        "SALESBOT_LOG_DEBUG_LIBRARIES",
        "SALESBOT_WEB_CHAT_IP_RATE_LIMIT",
        "SALESBOT_WEB_CHAT_NEW_VISITORS_PER_IP",
        "DINGTALK_WEBHOOK_HOSTS",
    ):
        assert f"\n{name}=" in example, name
        assert name in readme, name
    assert Settings(_env_file=None).metrics_token is None
