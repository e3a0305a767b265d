"""Helpers for the admin console tests: serve the real web app on a loopback port, sign in, post forms."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from salesbot.admin import auth
from salesbot.server import build_web_app

ADMIN_PASSWORD = "Correct-Horse-42!"
MANAGER_PASSWORD = "Manager-Pass-77?"
CSRF_RE = re.compile(r'name="_csrf" value="([^"]+)"')
LOGIN_CSRF_RE = re.compile(r'name="_login_csrf" value="([^"]+)"')


@asynccontextmanager
async def serving(app):
    """The same aiohttp application `salesbot serve` runs, on 127.0.0.1 with an ephemeral port."""
    runner = web.AppRunner(build_web_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def make_accounts(app, link_staff: bool = True) -> None:
    """boss: admin (linked to the demo org's admin); viewer: read-only manager (陈静)."""
    link = await app.staff_by_username("admin") is not None and link_staff
    await auth.create_admin(app.db, "boss", ADMIN_PASSWORD, role="admin", staff_username="admin" if link else None)
    await auth.create_admin(
        app.db, "viewer", MANAGER_PASSWORD, role="manager", staff_username="chenjing" if link else None
    )


class Browserless:
    """An HTTP client that keeps cookies, signs in, and posts forms with the page's CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kw) -> tuple[int, str]:
        async with self.http.get(self.base + path, allow_redirects=kw.pop("allow_redirects", True), **kw) as r:
            body = (await r.read()).decode("utf-8", errors="replace")
            found = CSRF_RE.search(body)
            if found:
                self.csrf = found.group(1)
            return r.status, body

    async def login(self, username: str, password: str) -> tuple[int, str]:
        _, page = await self.get("/admin/login")
        token = LOGIN_CSRF_RE.search(page).group(1)
        async with self.http.post(
            self.base + "/admin/login",
            data={"_login_csrf": token, "username": username, "password": password, "next": "/admin/"},
        ) as r:
            body = await r.text()
            found = CSRF_RE.search(body)
            if found:
                self.csrf = found.group(1)
            return r.status, body

    async def post(
        self, path: str, data=None, *, csrf: str | None = None, allow_redirects: bool = True
    ) -> tuple[int, str]:
        form = aiohttp.FormData()
        for key, value in (data or {}).items():
            if isinstance(value, tuple):  # (filename, bytes)
                form.add_field(key, value[1], filename=value[0])
            elif isinstance(value, list):
                for v in value:
                    form.add_field(key, str(v))
            else:
                form.add_field(key, str(value))
        form.add_field("_csrf", self.csrf if csrf is None else csrf)
        async with self.http.post(self.base + path, data=form, allow_redirects=allow_redirects) as r:
            body = await r.text()
            found = CSRF_RE.search(body)
            if found:
                self.csrf = found.group(1)
            return r.status, body


@asynccontextmanager
async def signed_in(base: str, username: str = "boss", password: str = ADMIN_PASSWORD):
    client = Browserless(base)
    try:
        status, body = await client.login(username, password)
        assert status == 200, body[:500]
        yield client
    finally:
        await client.close()
