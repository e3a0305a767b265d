"""Dashboard numbers: pipeline, visits per rep per week, approval turnaround, reminders, channel health.

Capabilities that are not installed (approvals, scheduler) simply show no chart: their tables are
looked up through their modules, and a missing module or table is "no data", not an error.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import select

from bot.models import STAGE_LABELS, STAGES, InboundMessage, Opportunity, OutboxMessage, StaffUser, Task, Visit
from scheduler.models import ScheduledNotice
from tools.approvals.models import ApprovalRequest

log = logging.getLogger(__name__)
WEEKS = 8


@dataclass
class Dashboard:
    pipeline_count: list[tuple[str, float]] = field(default_factory=list)
    pipeline_amount: list[tuple[str, float]] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)
    visits_by_rep: dict[str, list[float]] = field(default_factory=dict)
    approvals_available: bool = False
    approval_turnaround: list[tuple[str, float]] = field(default_factory=list)  # week → median hours
    approvals_pending: int = 0
    reminders_available: bool = False
    reminders_by_kind: list[tuple[str, float]] = field(default_factory=list)
    reminders_acted: tuple[int, int] = (0, 0)  # (task reminders whose task is done, task reminders)
    inbound_by_platform: list[tuple[str, float]] = field(default_factory=list)
    outbox_by_status: list[tuple[str, float]] = field(default_factory=list)
    live: dict[str, Any] = field(default_factory=dict)


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


async def build(app) -> Dashboard:
    tz = ZoneInfo(app.settings.timezone)
    today = app.clock.now(tz).date()
    dash = Dashboard()
    async with app.db.session() as s:
        rows = (
            await s.execute(
                select(Opportunity.stage, func.count(Opportunity.id), func.sum(Opportunity.amount)).group_by(
                    Opportunity.stage
                )
            )
        ).all()
        by_stage = {stage: (count, amount or 0) for stage, count, amount in rows}
        for stage in STAGES:
            count, amount = by_stage.get(stage, (0, 0))
            dash.pipeline_count.append((STAGE_LABELS[stage], count))
            dash.pipeline_amount.append((STAGE_LABELS[stage], amount))

        first_week = _week_start(today) - timedelta(weeks=WEEKS - 1)
        weeks = [first_week + timedelta(weeks=i) for i in range(WEEKS)]
        dash.weeks = [w.strftime("%m-%d") for w in weeks]
        visits = (
            await s.execute(
                select(Visit.visit_date, StaffUser.name)
                .join(StaffUser, StaffUser.id == Visit.owner_id)
                .where(Visit.visit_date >= first_week, Visit.status != "planned")
            )
        ).all()
        per_rep: dict[str, Counter] = defaultdict(Counter)
        for visit_date, name in visits:
            per_rep[name][_week_start(visit_date)] += 1
        busiest = sorted(per_rep, key=lambda n: -sum(per_rep[n].values()))[:6]
        dash.visits_by_rep = {name: [per_rep[name][w] for w in weeks] for name in busiest}

        since = datetime.combine(today - timedelta(days=6), time.min, tz)
        inbound = (
            await s.execute(
                select(InboundMessage.platform, InboundMessage.status, func.count(InboundMessage.id))
                .where(InboundMessage.received_at >= since)
                .group_by(InboundMessage.platform, InboundMessage.status)
            )
        ).all()
        per_platform: Counter = Counter()
        for platform, status, count in inbound:
            per_platform[platform if status != "failed" else f"{platform}（失败）"] += count
        dash.inbound_by_platform = sorted(per_platform.items())
        outbox = (
            await s.execute(
                select(OutboxMessage.status, func.count(OutboxMessage.id))
                .where(OutboxMessage.created_at >= since)
                .group_by(OutboxMessage.status)
            )
        ).all()
        labels = {"sent": "已发送", "pending": "待发送", "failed": "发送失败"}
        dash.outbox_by_status = [(labels.get(st, st), n) for st, n in sorted(outbox)]

    await _approvals(app, dash, weeks)
    await _reminders(app, dash, today, tz)
    dash.live = {
        "turns": app.dispatcher.stats.get("turns", 0),
        "errors": app.dispatcher.stats.get("errors", 0),
        "llm_fallbacks": app.dispatcher.stats.get("llm_fallbacks", 0),
        "duplicates_dropped": app.ledger.duplicates_dropped,
        "outbox": dict(app.outbox.stats),
        "channels": {type(a).__name__: a.health() for a in app.unique_adapters()},
    }
    return dash


async def _approvals(app, dash: Dashboard, weeks: list[date]) -> None:
    request = ApprovalRequest
    try:
        async with app.db.session() as s:
            rows = (
                await s.execute(
                    select(request.created_at, request.decided_at).where(
                        request.decided_at.is_not(None), request.auto_approved.is_(False)
                    )
                )
            ).all()
            dash.approvals_pending = (
                await s.execute(select(func.count(request.id)).where(request.status == "pending"))
            ).scalar_one()
    except (OperationalError, ProgrammingError):  # the capability's migration has not run here
        return
    dash.approvals_available = True
    tz = ZoneInfo(app.settings.timezone)
    per_week: dict[date, list[float]] = defaultdict(list)
    for created, decided in rows:
        created = created if created.tzinfo else created.replace(tzinfo=ZoneInfo("UTC"))
        decided = decided if decided.tzinfo else decided.replace(tzinfo=ZoneInfo("UTC"))
        per_week[_week_start(decided.astimezone(tz).date())].append((decided - created).total_seconds() / 3600)
    if per_week:  # weeks without a decision show as 0; no decisions at all shows "no data"
        dash.approval_turnaround = [
            (w.strftime("%m-%d"), round(statistics.median(per_week[w]), 1) if per_week[w] else 0) for w in weeks
        ]


async def _reminders(app, dash: Dashboard, today: date, tz) -> None:
    notice = ScheduledNotice
    labels = {
        "remind": "待办提醒",
        "overdue": "逾期提醒",
        "escalate": "升级",
        "stalled": "商机停滞",
        "brief": "早报",
        "digest": "日报",
        "nudge": "跟进提示",
        "kpi_alert": "KPI 预警",
        "kpi_health": "资料周报",
    }
    since = datetime.combine(today - timedelta(days=13), time.min, tz)
    try:
        async with app.db.session() as s:
            rows = (
                await s.execute(
                    select(notice.kind, func.count(notice.id)).where(notice.created_at >= since).group_by(notice.kind)
                )
            ).all()
            task_rows = (
                await s.execute(
                    select(Task.status)
                    .join(notice, notice.record_id == Task.id)
                    .where(notice.record_type == "task", notice.created_at >= since)
                )
            ).all()
    except (OperationalError, ProgrammingError):
        return
    dash.reminders_available = True
    dash.reminders_by_kind = [(labels.get(kind, kind), n) for kind, n in sorted(rows)]
    dash.reminders_acted = (sum(1 for (status,) in task_rows if status == "done"), len(task_rows))
