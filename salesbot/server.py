"""The HTTP server: adapters' callback routes, /healthz, /metrics, and the admin console."""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text

from bot import metrics as metrics_module
from salesbot.admin import web as admin_console
from salesbot.app import App

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("salesbot", App)


def _token_given(request: web.Request, app: App) -> bool:
    """True when SALESBOT_METRICS_TOKEN is unset (open, as before) or the request carries it as a Bearer token."""
    expected = app.settings.metrics_token
    if not expected:
        return True
    sent = request.headers.get("Authorization", "")
    scheme, _, token = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


async def healthz(request: web.Request) -> web.Response:
    """Liveness and readiness for the load balancer. With SALESBOT_METRICS_TOKEN set, callers without the token
    get only {"ok": ...} and the status: replica names, channels and versions are not for the public."""
    app: App = request.app[APP_KEY]
    checks: dict = {}
    ok = True
    try:
        async with app.db.session() as s:
            await s.execute(text("SELECT 1"))
        checks["database"] = "up"
    except Exception as exc:  # report, don't raise: this is what the load balancer reads
        checks["database"] = f"down: {type(exc).__name__}"
        ok = False
    if app.redis is not None:
        try:
            await asyncio.wait_for(app.redis.ping(), 2.0)
            checks["redis"] = "up"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
            ok = False
    checks["replica"] = app.leases.replica_id
    checks["channels"] = {}
    for adapter in app.unique_adapters():
        health = adapter.health()
        checks["channels"][type(adapter).__name__] = health
        if health.get("state") not in ("up", None):
            ok = False
    checks["llm"] = "configured" if app.settings.llm_configured else "offline"
    if not _token_given(request, app):
        return web.json_response({"ok": ok}, status=200 if ok else 503)
    return web.json_response({"ok": ok, **checks}, status=200 if ok else 503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format: stage latency histograms, LLM calls/tokens/errors, queue depths, sends."""
    app: App = request.app[APP_KEY]
    if not _token_given(request, app):
        return web.Response(
            text="需要监控令牌：请求头 Authorization: Bearer <SALESBOT_METRICS_TOKEN>",
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    metrics_module.bind(app)
    try:
        await asyncio.wait_for(metrics_module.refresh_db_depths(app), 2.0)
    except Exception as exc:  # the scrape still reports everything in memory
        log.warning("metrics: database queue depths unavailable: %s", exc)
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def tolerate_trailing_slash(routes: list[web.RouteDef]) -> list[web.RouteDef]:
    """Each route also under its path plus "/": a callback URL pasted into the WeCom or DingTalk admin page
    with a trailing slash is a common setup mistake, and a platform never follows a redirect for a POST
    callback, so the same handler answers there (unless the adapter routes that path itself)."""
    taken = {r.path for r in routes if isinstance(r, web.RouteDef)}
    extra = [
        web.RouteDef(r.method, r.path + "/", r.handler, r.kwargs)
        for r in routes
        if isinstance(r, web.RouteDef) and not r.path.endswith("/") and r.path + "/" not in taken
    ]
    return [*routes, *extra]


def build_web_app(app: App) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    for adapter in app.unique_adapters():
        web_app.router.add_routes(tolerate_trailing_slash(adapter.routes()))
    admin_console.mount(web_app, app, channel_checks=_channel_checks)
    return web_app


async def _channel_checks(settings, timeout: float) -> list:
    """`salesbot doctor`'s channel checks for the console's 渠道 page."""
    # salesbot.doctor brings the LLM client (LangChain, about a second to import): loaded on the page's first visit,
    # not when the server starts
    from salesbot import doctor

    return await doctor.channel_checks(settings, timeout=timeout)
