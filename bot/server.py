"""The HTTP server: adapters' callback routes, /healthz, /metrics, and the admin console."""
from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text

from bot.app import App, import_optional

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("salesbot", App)


async def healthz(request: web.Request) -> web.Response:
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
    checks["channels"] = {}
    for adapter in app.unique_adapters():
        health = adapter.health()
        checks["channels"][type(adapter).__name__] = health
        if health.get("state") not in ("up", None):
            ok = False
    checks["llm"] = "configured" if app.settings.llm_configured else "offline"
    return web.json_response({"ok": ok, **checks}, status=200 if ok else 503)


async def metrics(request: web.Request) -> web.Response:
    app: App = request.app[APP_KEY]
    lines = [
        "# TYPE salesbot_turns_total counter",
        f"salesbot_turns_total {app.dispatcher.stats['turns']}",
        "# TYPE salesbot_turn_errors_total counter",
        f"salesbot_turn_errors_total {app.dispatcher.stats['errors']}",
        "# TYPE salesbot_llm_fallbacks_total counter",
        f"salesbot_llm_fallbacks_total {app.dispatcher.stats['llm_fallbacks']}",
        "# TYPE salesbot_duplicates_dropped_total counter",
        f"salesbot_duplicates_dropped_total {app.ledger.duplicates_dropped}",
    ]
    for key, value in app.outbox.stats.items():
        lines += [f"# TYPE salesbot_outbox_{key}_total counter", f"salesbot_outbox_{key}_total {value}"]
    lines += ["# TYPE salesbot_conversations_active gauge", f"salesbot_conversations_active {len(app.dispatcher._workers)}"]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def build_web_app(app: App) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    for adapter in app.unique_adapters():
        web_app.router.add_routes(adapter.routes())
    admin = import_optional("bot.admin")
    if admin is not None:
        admin.mount(web_app, app)
    return web_app
