"""The admin console, served by `salesbot serve` under /admin/ (see salesbot/admin/web.py)."""
from __future__ import annotations

ADMIN_ROLES = ("admin", "manager")  # manager: read-only dashboards


def mount(web_app, app) -> None:
    """Attach the console to the server's aiohttp application (called by salesbot.server.build_web_app)."""
    from salesbot.admin.web import mount as _mount

    _mount(web_app, app)
