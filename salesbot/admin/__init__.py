"""The admin console, served by `salesbot serve` under /admin/: web.py assembles it (sign-in, the guard
middleware, dashboard, audit log), pages.py holds what every page shares, views_*.py the pages of each
area, and the modules without a prefix the services those pages call."""

from __future__ import annotations

ADMIN_ROLES = ("admin", "manager")  # manager: read-only dashboards
