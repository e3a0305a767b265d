"""What every console page shares: the app and the signed-in person on a request, rendering with the
navigation and a one-time flash message, redirects, form numbers, and the route decorators the guard
middleware (web.py) reads."""

from __future__ import annotations

from datetime import timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from salesbot.admin import auth

APP = web.AppKey("salesbot_admin_app", object)
PROMPT_SYNC = web.AppKey("salesbot_admin_prompt_sync", object)
PRINCIPAL = web.RequestKey("salesbot_admin_principal", object)
COOKIE = "salesbot_admin"
LOGIN_CSRF_COOKIE = "salesbot_admin_login"
PREFIX = "/admin"
UPLOAD_LIMIT = 25 * 1024 * 1024
FLASH_SECONDS = 120

NAV = [
    ("dashboard", "仪表盘", "/admin/"),
    ("kpi", "业绩与预警", "/admin/kpi"),
    ("pipeline", "预测与赢输单", "/admin/pipeline"),
    ("prompts", "提示词", "/admin/prompts"),
    ("knowledge", "知识库", "/admin/knowledge"),
    ("rules", "审批规则", "/admin/rules"),
    ("leads", "线索", "/admin/leads"),
    ("playbook", "阶段剧本", "/admin/playbook"),
    ("people", "人员与组织", "/admin/people"),
    ("org", "公司与竞品", "/admin/org"),
    ("data", "导入导出", "/admin/data"),
    ("audit", "审计日志", "/admin/audit"),
]
# the pages a manager's read-only session sees in the navigation (their handlers are `managers_may_read`)
MANAGER_PAGES = {"dashboard", "kpi", "pipeline", "leads"}


def public(handler):
    """No session needed (the sign-in page)."""
    handler.__admin_public__ = True
    return handler


def managers_may_read(handler):
    """A manager's read-only session may GET this page."""
    handler.__admin_manager_ok__ = True
    return handler


def app_of(request: web.Request):
    return request.app[APP]


def principal_of(request: web.Request) -> auth.Principal:
    return request[PRINCIPAL]


def secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"


def safe_next(value: str | None) -> str:
    """Only a path inside the console, never another site (open redirect)."""
    if not value:
        return f"{PREFIX}/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith(f"{PREFIX}/") or value.startswith("//"):
        return f"{PREFIX}/"
    return value


# --- rendering and flash messages -------------------------------------------------------------


async def flash(request: web.Request, message: str, kind: str = "ok") -> None:
    principal = request.get(PRINCIPAL)
    if principal is not None:
        await app_of(request).kv.set(f"admin:flash:{principal.session_hash}", f"{kind}|{message}", FLASH_SECONDS)


async def take_flash(request: web.Request) -> tuple[str, str] | None:
    principal = request.get(PRINCIPAL)
    if principal is None:
        return None
    key = f"admin:flash:{principal.session_hash}"
    value = await app_of(request).kv.get(key)
    if not value:
        return None
    await app_of(request).kv.set(key, "", 1)
    kind, _, message = str(value).partition("|")
    return (kind, message) if message else None


async def render(request: web.Request, template: str, section: str = "", status: int = 200, **context) -> web.Response:
    principal = request.get(PRINCIPAL)
    nav = NAV if principal is None or principal.can_write else [n for n in NAV if n[0] in MANAGER_PAGES]
    context.update(
        principal=principal,
        csrf=principal.csrf_token if principal else "",
        nav=nav,
        section=section,
        flash=await take_flash(request),
        app=app_of(request),
    )
    response = aiohttp_jinja2.render_template(template, request, context)
    response.set_status(status)
    return response


def redirect(path: str) -> web.HTTPFound:
    return web.HTTPFound(path)


# ids and counts are INTEGER columns (32-bit on PostgreSQL): a bigger number is refused, not sent to the database
MAX_INT = 2**31 - 1


class BadNumber(Exception):
    """A number in the query string, form or path is out of range; the guard answers 400 with the message."""


def form_int(
    value, default: int | None = None, *, low: int = -MAX_INT, high: int = MAX_INT, name: str = "数字"
) -> int | None:
    """The number in a query/form field; `default` when it is empty or not a number; BadNumber when out of range."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    if not low <= number <= high:
        raise BadNumber(f"{name}超出范围（{low}～{high}）")
    return number


def local_time(value, tz: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)
