"""Admin console security: sessions, CSRF, read-only managers, lockout, passwords never shown or logged."""

from __future__ import annotations

import io
import logging
import re

import pytest
from sqlmodel import select

from salesbot.admin import auth
from salesbot.admin.models import AdminSession, AdminUser
from salesbot.admin.web import build_admin_app
from tests.admin_support import ADMIN_PASSWORD, MANAGER_PASSWORD, Browserless, make_accounts, serving, signed_in
from tests.conftest import running_app


@pytest.fixture
async def console(tmp_path):
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with serving(app) as base:
            yield app, base


def _concrete(path: str) -> str:
    return re.sub(
        r"\{(\w+)(:[^}]*)?\}",
        lambda m: {"kind": "accounts", "fmt": "csv", "name": "staff_system", "platform": "wecom"}.get(m.group(1), "1"),
        path,
    )


def admin_routes(app) -> list[tuple[str, str]]:
    sub = build_admin_app(app)
    out = []
    for route in sub.router.routes():
        info = route.resource.get_info()
        path = info.get("path") or info.get("formatter")
        if route.method in ("HEAD",):
            continue
        out.append((route.method, "/admin" + _concrete(path)))
    return out


async def test_every_route_refuses_anonymous_requests(console):
    app, base = console
    routes = admin_routes(app)
    assert len(routes) > 30  # the whole console, not a sample
    client = Browserless(base)
    try:
        for method, path in routes:
            if path == "/admin/login":
                continue
            async with client.http.request(
                method, base + path, allow_redirects=False, data={"text": "x", "_csrf": "x"}
            ) as r:
                body = await r.text()
                if method == "GET":
                    assert r.status == 302, (method, path, r.status)
                    assert r.headers["Location"].startswith("/admin/login?next=")
                else:
                    assert r.status == 403, (method, path, r.status)
                assert "系统默认" not in body and "张伟" not in body  # no page content leaks
    finally:
        await client.close()


async def test_csrf_token_is_required_on_every_form(console):
    app, base = console
    async with signed_in(base) as c:
        await c.get("/admin/prompts/staff_system")
        status, body = await c.post("/admin/prompts/staff_system/save", {"text": "新的提示词 {name}"}, csrf="")
        assert status == 403 and "CSRF" in body
        status, _ = await c.post("/admin/prompts/staff_system/save", {"text": "新的提示词 {name}"}, csrf="forged-token")
        assert status == 403
        # another session's token is not this session's token
        async with signed_in(base) as other:
            await other.get("/admin/")
            status, _ = await c.post("/admin/prompts/staff_system/save", {"text": "新的提示词 {name}"}, csrf=other.csrf)
            assert status == 403
        from salesbot.admin.prompt_store import history

        assert await history(app.db, "staff_system") == []
        status, _ = await c.post("/admin/prompts/staff_system/save", {"text": "新的提示词 {name}"})
        assert status == 200
        assert [v.text for v in await history(app.db, "staff_system")] == ["新的提示词 {name}"]


async def test_manager_can_read_dashboard_but_not_write(console):
    app, base = console
    async with signed_in(base, "viewer", MANAGER_PASSWORD) as c:
        status, body = await c.get("/admin/")
        assert status == 200 and "仪表盘" in body and "<svg" in body
        for path in ("/admin/prompts", "/admin/people", "/admin/audit", "/admin/data/export/accounts.csv"):
            status, _ = await c.get(path)
            assert status == 403, path
        for path, data in (
            ("/admin/prompts/staff_system/save", {"text": "x {name}"}),
            ("/admin/people/new", {"username": "sneaky", "name": "偷偷"}),
            ("/admin/rules/save", {"text": "version: 1"}),
        ):
            status, body = await c.post(path, data)  # with the manager's own valid CSRF token
            assert status == 403 and "只读" in body, path
        assert await app.staff_by_username("sneaky") is None
        status, _ = await c.post("/admin/logout", {}, allow_redirects=False)
        assert status == 302


async def test_lockout_after_repeated_failures(console, monkeypatch):
    app, base = console
    client = Browserless(base)
    try:
        for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
            status, body = await client.login("boss", "wrong-password-1")
            assert status == 401 and "用户名或密码不对" in body
        status, body = await client.login("boss", "wrong-password-1")
        assert status == 401 and "锁定" in body
        status, body = await client.login("boss", ADMIN_PASSWORD)  # right password, still locked
        assert status == 401 and "锁定" in body
        # unknown accounts get the same answer as a wrong password
        status, body = await client.login("nobody", "whatever-123")
        assert status == 401 and "用户名或密码不对" in body
    finally:
        await client.close()
    await auth.set_active(app.db, "boss", True)  # `salesbot admin enable` clears the lockout
    async with signed_in(base) as c:
        status, _ = await c.get("/admin/prompts")
        assert status == 200


async def test_logout_ends_the_session_server_side(console):
    app, base = console
    async with signed_in(base) as c:
        cookie = next(m.value for m in c.http.cookie_jar if m.key == "salesbot_admin")
        status, _ = await c.post("/admin/logout", {}, allow_redirects=False)
        assert status == 302
    replay = Browserless(base)
    try:
        replay.http.cookie_jar.update_cookies({"salesbot_admin": cookie})
        async with replay.http.get(base + "/admin/prompts", allow_redirects=False) as r:
            assert r.status == 302 and "/admin/login" in r.headers["Location"]
    finally:
        await replay.close()
    async with app.db.session() as s:
        assert (await s.execute(select(AdminSession))).scalars().all() == []


async def test_sign_in_never_redirects_off_site(console):
    app, base = console
    client = Browserless(base)
    try:
        _, page = await client.get("/admin/login?next=//evil.example/x")
        assert "evil.example" not in page
    finally:
        await client.close()


async def test_passwords_are_never_logged_stored_or_shown(tmp_path, caplog, capsys, monkeypatch):
    caplog.set_level(logging.DEBUG)
    secret = "Very-Secret-Pass-9931"
    async with running_app(tmp_path) as app:
        # the CLI reads the password from stdin when it is not a terminal
        from salesbot.cli import main

        monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
        app.settings.ensure_data_dir()
        monkeypatch.setenv("SALESBOT_DATA_DIR", str(app.settings.data_dir))
        assert await _run_cli(main, ["admin", "create", "root2"]) == 0
        async with serving(app) as base:
            client = Browserless(base)
            try:
                status, body = await client.login("root2", secret + "-typo")
                assert status == 401 and secret not in body
                status, body = await client.login("root2", secret)
                assert status == 200 and secret not in body
                for path in ("/admin/", "/admin/audit", "/admin/people"):
                    _, page = await client.get(path)
                    assert secret not in page
            finally:
                await client.close()
        async with app.db.session() as s:
            user = (await s.execute(select(AdminUser).where(AdminUser.username == "root2"))).scalars().one()
        assert user.password_hash.startswith("$argon2") and secret not in user.password_hash
        raw = (app.settings.data_dir / "salesbot.db").read_bytes()
        assert secret.encode() not in raw
    out = capsys.readouterr()
    assert secret not in out.out and secret not in out.err
    for record in caplog.records:
        assert secret not in record.getMessage()


async def _run_cli(main, argv):
    import asyncio

    return await asyncio.to_thread(main, argv)


async def test_weak_passwords_and_bad_accounts_are_refused(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        with pytest.raises(auth.AuthError, match="至少"):
            await auth.create_admin(app.db, "short", "abc")
        with pytest.raises(auth.AuthError, match="用户名"):
            await auth.create_admin(app.db, "zhao", "zhao-is-my-password")
        await auth.create_admin(app.db, "ops", "Long-Enough-123")
        with pytest.raises(auth.AuthError, match="已存在"):
            await auth.create_admin(app.db, "ops", "Long-Enough-456")
        with pytest.raises(auth.AuthError, match="角色"):
            await auth.create_admin(app.db, "x1", "Long-Enough-123", role="root")
