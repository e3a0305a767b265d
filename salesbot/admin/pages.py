"""What every console page shares: the app and the signed-in person on a request, rendering with the
navigation and a one-time flash message, redirects, form numbers, search-and-pagination for lists, and the
route decorators the guard middleware (web.py) reads.

A new page adds one line to NAV (and to MANAGER_SECTIONS if read-only managers may open it). A list page
calls `paginate` (a list in memory) or `Listing.of` (a count and one page from SQL) and renders the macros in
templates/_list.html: `search_box(listing)` and `pager(listing)`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, Callable, Sequence
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from salesbot.admin import auth

APP = web.AppKey("salesbot_admin_app", object)
PROMPT_SYNC = web.AppKey("salesbot_admin_prompt_sync", object)
PRINCIPAL = web.RequestKey("salesbot_admin_principal", object)
CHANNEL_CHECKS = web.AppKey("salesbot_admin_channel_checks", object)  # doctor's channel checks (salesbot/server.py)
COOKIE = "salesbot_admin"
LOGIN_CSRF_COOKIE = "salesbot_admin_login"
PREFIX = "/admin"
UPLOAD_LIMIT = 25 * 1024 * 1024
FLASH_SECONDS = 120

# (section, label, href): one line per page; the header wraps them on a phone
NAV = [
    ("dashboard", "仪表盘", "/admin/"),
    ("kpi", "业绩与预警", "/admin/kpi"),
    ("pipeline", "预测与赢输单", "/admin/pipeline"),
    ("conversations", "对话记录", "/admin/conversations"),
    ("channels", "渠道", "/admin/channels"),
    ("accounts", "客户", "/admin/accounts"),
    ("prompts", "提示词", "/admin/prompts"),
    ("knowledge", "知识库", "/admin/knowledge"),
    ("rules", "审批规则", "/admin/rules"),
    ("leads", "线索", "/admin/leads"),
    ("signals", "销售信号", "/admin/signals"),
    ("playbook", "阶段剧本", "/admin/playbook"),
    ("people", "人员与组织", "/admin/people"),
    ("org", "公司与竞品", "/admin/org"),
    ("data", "导入导出", "/admin/data"),
    ("audit", "审计日志", "/admin/audit"),
]
# sections a read-only manager account sees in the navigation (its routes carry @managers_may_read)
MANAGER_SECTIONS = {"dashboard", "kpi", "pipeline", "leads", "signals", "conversations"}


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
    nav = NAV if principal is None or principal.can_write else [n for n in NAV if n[0] in MANAGER_SECTIONS]
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


# --- search and pagination for every list -----------------------------------------------------------

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_QUERY = 100  # characters of a search


@dataclass
class Listing:
    """One page of a list, with what the search box and the page links need."""

    items: list
    total: int
    page: int
    size: int
    path: str
    q: str = ""
    params: dict[str, str] = field(default_factory=dict)  # the other filters, kept in every link
    fixed: tuple[str, ...] = ()  # params that say *what* is listed (a conversation's key): 「清除」 keeps them

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def href(self, page: int) -> str:
        query = {k: v for k, v in self.params.items() if v not in ("", None)}
        if self.q:
            query["q"] = self.q
        if page > 1:
            query["page"] = str(page)
        return self.path + ("?" + urlencode(query) if query else "")

    @property
    def filtered(self) -> bool:
        return bool(self.q) or any(v for k, v in self.params.items() if k not in self.fixed)

    @property
    def clear_href(self) -> str:
        query = {k: v for k, v in self.params.items() if k in self.fixed and v}
        return self.path + ("?" + urlencode(query) if query else "")

    def links(self) -> list[int | None]:
        """Page numbers to show: the first, the last and two around the current one; None is a gap."""
        wanted = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        out: list[int | None] = []
        for number in wanted:
            if out and number - (out[-1] or 0) > 1:
                out.append(None)
            out.append(number)
        return out

    @classmethod
    def start(
        cls, request: web.Request, *, size: int = PAGE_SIZE, keep: Sequence[str] = (), fixed: Sequence[str] = ()
    ) -> "Listing":
        """The page and search of the request (BadNumber → 400 for a page out of range); items come later:
        `listing.items, listing.total = rows, count` after a query that used `offset` and `size`."""
        page = form_int(request.query.get("page", "1"), 1, low=1, high=MAX_PAGE, name="页码")
        q = request.query.get("q", "").strip()[:MAX_QUERY]
        params = {k: request.query.get(k, "").strip()[:200] for k in (*fixed, *keep)}
        return cls(items=[], total=0, page=page, size=size, path=request.path, q=q, params=params, fixed=tuple(fixed))


def paginate(
    request: web.Request,
    items: Sequence[Any],
    text: Callable[[Any], str],
    *,
    size: int = PAGE_SIZE,
    keep: Sequence[str] = (),
) -> Listing:
    """A list held in memory, filtered by the search box (`text(item)` contains every word, any case) and cut
    to the requested page; a page past the end shows the last one."""
    listing = Listing.start(request, size=size, keep=keep)
    words = [w.casefold() for w in listing.q.split()]
    chosen = [item for item in items if all(w in text(item).casefold() for w in words)] if words else list(items)
    listing.total = len(chosen)
    listing.page = min(listing.page, listing.pages)
    listing.items = chosen[listing.offset : listing.offset + size]
    return listing
