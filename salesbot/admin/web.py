"""The console's aiohttp sub-application: sign-in, the guard middleware, rendering, dashboard and audit.

Every route is refused without a session (GET → the sign-in page, anything else → 403), every POST
must carry the session's CSRF token, and a manager's session may only read the dashboard. Handlers
opt out of these rules only through the decorators below, so a new route is protected by default.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.client_ip import request_ip
from bot.locks import SlidingWindowLimiter
from bot.messages import ROLE_LABELS
from salesbot.admin import audit as audit_log
from salesbot.admin import (
    auth,
    views_accounts,
    views_channels,
    views_conversations,
    views_data,
    views_knowledge,
    views_kpi,
    views_leads,
    views_org,
    views_people,
    views_pipeline,
    views_playbook,
    views_prompts,
    views_rules,
    views_signals,
)
from salesbot.admin import conversations as conversation_data
from salesbot.admin import dashboard as dashboard_data
from salesbot.admin.charts import grouped_bars, hbar
from salesbot.admin.pages import (
    APP,
    CHANNEL_CHECKS,
    COOKIE,
    LOGIN_CSRF_COOKIE,
    MAX_INT,
    PREFIX,
    PRINCIPAL,
    PROMPT_SYNC,
    UPLOAD_LIMIT,
    BadNumber,
    Listing,
    app_of,
    local_time,
    managers_may_read,
    principal_of,
    public,
    render,
    safe_next,
    secure,
)
from salesbot.admin.prompt_store import PromptSync

log = logging.getLogger(__name__)
LOGIN_THROTTLE = web.AppKey("salesbot_admin_login_throttle", SlidingWindowLimiter)
LOGIN_ATTEMPTS_PER_IP = 10  # failed sign-ins per client address ...
LOGIN_WINDOW_SECONDS = 15 * 60  # ... in this many seconds


def _refuse(request: web.Request, status: int, message: str) -> web.Response:
    if "text/html" in request.headers.get("Accept", "") or request.method == "GET":
        body = aiohttp_jinja2.render_string(
            "error.html",
            request,
            {
                "message": message,
                "status": status,
                "nav": [],
                "principal": None,
                "csrf": "",
                "section": "",
                "flash": None,
            },
        )
        return web.Response(text=body, status=status, content_type="text/html")
    return web.Response(text=message, status=status)


@web.middleware
async def guard(request: web.Request, handler):
    route_handler = request.match_info.handler
    if request.method == "POST":
        request = request.clone(client_max_size=UPLOAD_LIMIT)
    app = app_of(request)
    principal = await auth.principal_for(app.db, request.cookies.get(COOKIE))
    request[PRINCIPAL] = principal
    try:
        return await _guarded(request, handler, route_handler, principal)
    except BadNumber as exc:
        response = _refuse(request, 400, str(exc))
        _harden(response)
        return response


async def _guarded(request: web.Request, handler, route_handler, principal):
    for key, value in request.match_info.items():
        if value.isdigit() and int(value) > MAX_INT:  # /people/99999999999999999999 would overflow the column
            raise BadNumber(f"编号 {value[:24]} 超出范围")
    if getattr(route_handler, "__admin_public__", False):
        response = await handler(request)
    elif principal is None:
        if request.method in ("GET", "HEAD"):
            raise web.HTTPFound(f"{PREFIX}/login?next={quote(request.path_qs)}")
        return _refuse(request, 403, "请先登录管理后台")
    elif not principal.can_write and (
        request.method not in ("GET", "HEAD") or not getattr(route_handler, "__admin_manager_ok__", False)
    ):
        if request.method == "POST" and request.path == f"{PREFIX}/logout":
            response = await _checked_post(request, handler, principal)
        else:
            log.warning("admin: read-only account %s refused %s %s", principal.username, request.method, request.path)
            return _refuse(request, 403, "你的账号是只读的（经理账号只能查看），不能进行这个操作")
    elif request.method not in ("GET", "HEAD"):
        response = await _checked_post(request, handler, principal)
    else:
        response = await handler(request)
    _harden(response)
    return response


async def _checked_post(request: web.Request, handler, principal: auth.Principal):
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        return _refuse(request, 413, f"上传的文件太大（上限 {UPLOAD_LIMIT // 1024 // 1024} MB）")
    sent = str(form.get("_csrf", "") or request.headers.get("X-CSRF-Token", ""))
    if not sent or not hmac.compare_digest(sent, principal.csrf_token):
        log.warning(
            "admin: CSRF token missing or wrong for %s %s (%s)", request.method, request.path, principal.username
        )
        return _refuse(request, 403, "表单已失效（CSRF 校验失败），请刷新页面后重试")
    return await handler(request)


def _harden(response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "script-src 'none'; form-action 'self'; frame-ancestors 'none'",
    )


# --- sign-in ----------------------------------------------------------------------------------

routes = web.RouteTableDef()


@routes.get("/login")
@public
async def login_page(request: web.Request) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = await render(
        request, "login.html", login_csrf=token, next=safe_next(request.query.get("next")), error="", username=""
    )
    return _with_login_token(response, request, token)


def _with_login_token(response: web.StreamResponse, request: web.Request, token: str) -> web.StreamResponse:
    """The sign-in form's CSRF token as a short-lived, strict cookie (double submit: form field + cookie)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path=f"{PREFIX}/",
        secure=secure(request),
        max_age=1800,
    )
    return response


@routes.post("/login")
@public
async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    username = str(form.get("username", ""))[:64]
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = str(form.get("_login_csrf", ""))
    next_path = safe_next(str(form.get("next", "")))
    ip = request_ip(request, app_of(request).settings.trusted_proxy_networks)
    throttle = request.app[LOGIN_THROTTLE]
    slot = None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        error = "登录页面已过期，请重新输入"
    elif (slot := await throttle.take(ip)) is None:
        # refused before any password check, whichever account name is tried (unknown ones too)
        log.warning("admin sign-in refused for %s: too many attempts from this address", ip)
        async with app_of(request).db.write() as s:
            await audit_log.record(s, None, "admin.login_throttled", source="MANUAL", username=username, client_ip=ip)
        minutes = throttle.window // 60
        error = f"这个网络地址尝试登录的次数太多，请 {minutes} 分钟后再试"
    else:
        try:
            raw, principal = await auth.sign_in(
                app_of(request).db, username, str(form.get("password", "")), client_ip=ip
            )
        except auth.AuthError as exc:
            error = str(exc)
        else:
            await throttle.give_back(ip, slot)  # only failed attempts count against the address
            async with app_of(request).db.write() as s:
                await audit_log.record(
                    s, principal, "admin.login", record_type="admin_user", record_id=principal.admin_id
                )
            response = web.HTTPFound(next_path if principal.can_write else f"{PREFIX}/")
            response.set_cookie(
                COOKIE,
                raw,
                httponly=True,
                samesite="Strict",
                path=f"{PREFIX}/",
                secure=secure(request),
                max_age=int(auth.SESSION_IDLE.total_seconds()),
            )
            response.del_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/")
            raise response
    token = secrets.token_urlsafe(24)
    response = await render(
        request, "login.html", status=401, login_csrf=token, next=next_path, error=error, username=username
    )
    return _with_login_token(response, request, token)


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    await auth.sign_out(app_of(request).db, principal_of(request))
    response = web.HTTPFound(f"{PREFIX}/login")
    response.del_cookie(COOKIE, path=f"{PREFIX}/")
    raise response


# --- dashboard and audit ----------------------------------------------------------------------


@routes.get("/")
@managers_may_read
async def dashboard(request: web.Request) -> web.Response:
    dash = await dashboard_data.build(app_of(request))
    charts = {
        "pipeline_count": hbar(dash.pipeline_count, title="各阶段商机数"),
        "pipeline_amount": hbar(dash.pipeline_amount, title="各阶段商机金额", unit="元"),
        "visits": grouped_bars(dash.weeks, dash.visits_by_rep, title="每位销售每周拜访数（近 8 周）"),
        "inbound": hbar(dash.inbound_by_platform, title="近 7 天收到的消息（按渠道）"),
        "outbox": hbar(dash.outbox_by_status, title="近 7 天发出的消息（按状态）"),
    }
    if dash.approvals_available:
        charts["approvals"] = hbar(dash.approval_turnaround, title="审批耗时中位数（小时，按周）")
    if dash.reminders_available:
        charts["reminders"] = hbar(dash.reminders_by_kind, title="近 14 天的提醒与推送")
    return await render(request, "dashboard.html", "dashboard", dash=dash, charts=charts)


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.Response:
    app = app_of(request)
    f = audit_log.filter_from_query(request.query)
    rows, total = await audit_log.search(app.db, f, app.settings.timezone)
    listing = Listing(
        items=rows,
        total=total,
        page=f.page,
        size=audit_log.PAGE_SIZE,
        path=request.path,
        params={k: v for k, v in request.query.items() if k in audit_log.FILTER_FIELDS},
    )
    return await render(request, "audit.html", "audit", listing=listing, f=f, tz=app.settings.timezone)


# --- assembly ---------------------------------------------------------------------------------


def build_admin_app(app, channel_checks=None) -> web.Application:
    """The console; `channel_checks` (salesbot/admin/channels.py ChannelChecks) runs doctor's channel checks for
    the 渠道 page: the composition root hands it in, as it owns `salesbot doctor`."""
    admin = web.Application(middlewares=[guard], client_max_size=UPLOAD_LIMIT)
    admin[APP] = app
    if channel_checks is not None:
        admin[CHANNEL_CHECKS] = channel_checks
    # per client address, over all replicas with Redis: the account lockout alone does not stop someone
    # trying many account names, or many guesses spread over accounts
    admin[LOGIN_THROTTLE] = SlidingWindowLimiter(
        limit=LOGIN_ATTEMPTS_PER_IP,
        window=LOGIN_WINDOW_SECONDS,
        redis=app.redis,
        prefix=app.settings.redis_prefix,
        name="admin-login-ip",
    )
    env = aiohttp_jinja2.setup(
        admin,
        loader=jinja2.PackageLoader("salesbot.admin", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["localtime"] = lambda v: local_time(v, app.settings.timezone)
    env.filters["money"] = lambda v: "-" if v is None else (f"{v / 10000:g} 万" if v >= 10000 else f"{v:g}")
    env.globals["quote"] = quote
    for helper in (audit_log.source_label, audit_log.action_label, audit_log.record_type_label, audit_log.detail_value):
        env.globals[helper.__name__] = helper
    env.globals["role_labels"] = ROLE_LABELS
    env.globals["platform_label"] = conversation_data.platform_label
    env.globals["route_label"] = conversation_data.route_label
    env.globals["proposal_status_label"] = lambda s: conversation_data.PROPOSAL_STATUS_LABELS.get(s, s)
    env.globals["outbox_status_label"] = lambda s: conversation_data.OUTBOX_STATUS_LABELS.get(s, s)
    # `tojson` shows tool arguments and the like to people: Chinese as written, not as \u escapes (still
    # HTML-safe: Jinja escapes <, >, & and ' in its output either way)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    admin.router.add_routes(routes)
    # one entry per page module (its routes); its nav line is in pages.NAV
    for module in (
        views_conversations,
        views_channels,
        views_accounts,
        views_prompts,
        views_knowledge,
        views_rules,
        views_leads,
        views_signals,
        views_people,
        views_data,
        views_playbook,
        views_kpi,
        views_pipeline,
        views_org,
    ):
        admin.router.add_routes(module.routes)
    sync = PromptSync(app)
    admin[PROMPT_SYNC] = sync

    async def start_sync(_):
        await sync.start()

    async def stop_sync(_):
        await sync.stop()

    admin.on_startup.append(start_sync)
    admin.on_cleanup.append(stop_sync)
    return admin


async def _to_console(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


def mount(web_app: web.Application, app, channel_checks=None) -> None:
    web_app.router.add_get(PREFIX, _to_console)
    web_app.add_subapp(PREFIX, build_admin_app(app, channel_checks))
