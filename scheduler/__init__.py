"""The scheduler: reminders that escalate, stalled deals, briefs, digests and best-time nudges.

`salesbot serve` calls `scheduler = await start_scheduler(app)` and `await scheduler.stop()`.
Every process may call it; one leader (a lease in the database, or Redis) runs the jobs.
See scheduler/service.py (wiring, misfire policy), scheduler/jobs.py (what each job does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.service import SchedulerService

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime


async def start_scheduler(app: "Runtime", *, lease_ttl: float = 30.0) -> "SchedulerService":
    service = SchedulerService(app, lease_ttl=lease_ttl)
    if app.settings.scheduler_enabled:
        await service.start()
    return service
