"""APScheduler wiring: a persistent job store in the project's database, one leader, explicit misfire policy.

Every process runs a SchedulerService; only the lease holder runs an APScheduler. The jobs are sweeps
("what is due now?") rather than one trigger per reminder, so a missed run is caught up by the next one
and 100 000 tasks need no 100 000 stored jobs.

Misfire policy per job kind (a "misfire" is a run time passed while no leader was up):
- sweeps (reminders, followups, briefs, digests, nudges, approvals, autofill): coalesce=True and a
  grace of half the interval: missed runs collapse into one; each run looks at the data and the
  daily windows (scheduler/worktime.in_daily_window) decide whether a late push is still worth sending.
- contact_model (nightly refresh at 02:15): coalesce=True, grace 6 hours: a leader that comes back in
  the morning still refreshes once; after that, the next night's run does.

APScheduler 3 reads its job store synchronously; the store work runs in a thread (the event loop
never waits on the database) and job coroutines are handed back to the loop.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler, run_in_event_loop
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import MetaData

from scheduler import jobs, kpi_jobs, lead_jobs, pipeline_jobs, signal_jobs
from scheduler.leader import DatabaseLease, RedisLease
from scheduler.models import JOBS_TABLE
from scheduler.trace_retention import run_trace_retention

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobKind:
    run: Callable[["Runtime"], Awaitable[int]]
    every_seconds: int | None = None  # an interval sweep
    cron: dict | None = None  # or a daily time (in the default time zone)
    misfire_grace_seconds: int | None = None

    def trigger(self, tz):
        if self.cron is not None:
            return CronTrigger(timezone=tz, **self.cron)
        return IntervalTrigger(seconds=self.every_seconds, timezone=tz)

    @property
    def grace(self) -> int:
        if self.misfire_grace_seconds is not None:
            return self.misfire_grace_seconds
        return max(1, (self.every_seconds or 60) // 2)


JOB_KINDS: dict[str, JobKind] = {
    "reminders": JobKind(jobs.run_reminders, every_seconds=60),
    "followups": JobKind(jobs.run_followups, every_seconds=300),
    "briefs": JobKind(jobs.run_briefs, every_seconds=300),
    "digests": JobKind(jobs.run_digests, every_seconds=300),
    "nudges": JobKind(jobs.run_nudges, every_seconds=120),
    "approvals": JobKind(jobs.run_approvals, every_seconds=300),
    "autofill": JobKind(jobs.run_autofill, every_seconds=900),
    "signals": JobKind(signal_jobs.run_signals, every_seconds=300),
    "kpi_alerts": JobKind(kpi_jobs.run_kpi_alerts, every_seconds=300),
    "kpi_weekly": JobKind(kpi_jobs.run_kpi_weekly, every_seconds=600),
    "contact_model": JobKind(jobs.run_contact_model, cron={"hour": 2, "minute": 15}, misfire_grace_seconds=6 * 3600),
    "pipeline_nightly": JobKind(
        pipeline_jobs.run_pipeline_nightly, cron={"hour": 2, "minute": 40}, misfire_grace_seconds=6 * 3600
    ),
    "forecast_snapshot": JobKind(pipeline_jobs.run_forecast_snapshot, every_seconds=3600),
    "lead_sla": JobKind(lead_jobs.run_lead_sla, every_seconds=60),
    "lead_weekly": JobKind(lead_jobs.run_lead_weekly, every_seconds=300),
    "trace_retention": JobKind(run_trace_retention, cron={"hour": 3, "minute": 40}, misfire_grace_seconds=12 * 3600),
}

# The job store keeps a reference to `run_job` and its arguments (service id, kind); the running
# service of this process is found here.
_SERVICES: dict[str, "SchedulerService"] = {}


async def run_job(service_id: str, kind: str) -> int:
    service = _SERVICES.get(service_id)
    if service is None:
        log.warning("scheduler job %s for a service that is gone", kind)
        return 0
    return await service.run_kind(kind)


class _LoopExecutor(AsyncIOExecutor):
    """Hands job coroutines to the event loop from the job-store thread."""

    def _do_submit_job(self, job, run_times):
        self._eventloop.call_soon_threadsafe(super()._do_submit_job, job, run_times)


class _ThreadedStoreScheduler(AsyncIOScheduler):
    """AsyncIOScheduler whose job-store reads and writes run in a worker thread."""

    _busy = False

    @run_in_event_loop
    def wakeup(self):
        self._stop_timer()
        if self._busy or self._eventloop is None:
            return
        try:
            future = self._eventloop.run_in_executor(None, self._process_jobs)
        except RuntimeError:  # the loop is shutting down (its executor is gone): nothing more to run
            return
        self._busy = True
        future.add_done_callback(self._processed)

    def _processed(self, future):
        self._busy = False
        if not self.running or self._eventloop is None:
            return
        try:
            wait_seconds = future.result()
        except Exception:
            log.exception("scheduler: processing jobs failed")
            wait_seconds = 30
        self._start_timer(wait_seconds)

    def _create_default_executor(self):
        return _LoopExecutor()


class SchedulerService:
    def __init__(self, app: "Runtime", *, lease_ttl: float = 30.0, renew_every: float | None = None):
        self.app = app
        # readable in logs and in the lease (which replica leads), unique per process (a restart is a new holder)
        self.id = (
            f"{app.leases.replica_id}-{uuid.uuid4().hex[:8]}" if getattr(app, "leases", None) else uuid.uuid4().hex
        )
        if getattr(app, "redis", None) is not None:
            self.lease = RedisLease(
                app.redis, ttl=lease_ttl, holder=self.id, key=f"{app.settings.redis_prefix}scheduler:leader"
            )
        else:
            self.lease = DatabaseLease(app.db, app.clock.now, ttl=lease_ttl, holder=self.id)
        self.renew_every = renew_every or lease_ttl / 3
        self.scheduler: _ThreadedStoreScheduler | None = None
        self._loop_task: asyncio.Task | None = None
        self._running_jobs: set[asyncio.Task] = set()
        self.stats: dict[str, int] = {}
        _SERVICES[self.id] = self

    @property
    def is_leader(self) -> bool:
        return self.lease.held

    async def start(self) -> "SchedulerService":
        jobs.config_for(self.app)  # a bad setting is a startup error, not a failing job at 08:30
        self._loop_task = asyncio.create_task(self._lead_forever())
        return self

    async def _lead_forever(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler leadership step failed")
            await asyncio.sleep(self.renew_every)

    async def step(self) -> bool:
        """Renew or take the lease, and start or stop the APScheduler to match; True when leading."""
        held = await self.lease.acquire()
        if held and self.scheduler is None:
            await self._start_apscheduler()
        elif not held and self.scheduler is not None:
            await self._stop_apscheduler()
        return held

    async def _start_apscheduler(self) -> None:
        loop = asyncio.get_running_loop()
        tz = jobs.config_for(self.app).default_tz
        store = SQLAlchemyJobStore(engine=self.app.db.sync_engine, tablename=JOBS_TABLE, metadata=MetaData())
        scheduler = _ThreadedStoreScheduler(
            jobstores={"default": store},
            event_loop=loop,
            timezone=tz,
            job_defaults={"coalesce": True, "max_instances": 1},
        )

        def start_and_sync() -> None:
            scheduler.start(paused=True)
            for kind, spec in JOB_KINDS.items():
                existing = scheduler.get_job(kind)
                if existing is not None and str(existing.trigger) == str(spec.trigger(tz)):
                    # keep the persisted next run time: that is what makes a missed run a misfire
                    scheduler.modify_job(kind, args=(self.id, kind), misfire_grace_time=spec.grace, coalesce=True)
                else:
                    scheduler.add_job(
                        run_job,
                        spec.trigger(tz),
                        args=(self.id, kind),
                        id=kind,
                        name=kind,
                        replace_existing=True,
                        misfire_grace_time=spec.grace,
                        coalesce=True,
                        max_instances=1,
                    )
            scheduler.resume()

        await asyncio.to_thread(start_and_sync)
        self.scheduler = scheduler
        log.info("scheduler: leading (%s), %d job kinds", self.id[:8], len(JOB_KINDS))

    async def _stop_apscheduler(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # the shutdown runs on the loop (run_in_event_loop)

    async def run_kind(self, kind: str) -> int:
        """Run one job kind now (APScheduler calls this; so can tests and the admin)."""
        if not self.lease.held:
            return 0
        task = asyncio.current_task()
        if task is not None:
            self._running_jobs.add(task)
        try:
            count = await JOB_KINDS[kind].run(self.app)
            self.stats[kind] = self.stats.get(kind, 0) + (count or 0)
            return count or 0
        except Exception:
            log.exception("scheduler job %s failed", kind)
            return 0
        finally:
            if task is not None:
                self._running_jobs.discard(task)

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        await self._stop_apscheduler()
        running = [t for t in self._running_jobs if t is not asyncio.current_task()]
        if running:
            await asyncio.wait(running, timeout=10)
        try:
            await self.lease.release()  # let another process take over at once
        except Exception:
            log.exception("scheduler: releasing the lease failed")
        await self.lease.close()
        _SERVICES.pop(self.id, None)
