"""Audit entries for console changes, and the filtered audit-log query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from bot.models import AuditLog, StaffUser
from salesbot.admin.auth import Principal
from salesbot.admin.pages import form_int

PAGE_SIZE = 50
MAX_PAGE = 100_000  # 5 million rows deep; beyond that, narrow the filter


async def record(
    session,
    principal: Principal | None,
    action: str,
    *,
    record_type: str | None = None,
    record_id: int | None = None,
    source: str | None = None,
    **detail: Any,
) -> None:
    """Add an audit row in the caller's write session, so the change and its audit commit together."""
    session.add(
        AuditLog(
            actor_staff_id=principal.staff_user_id if principal else None,
            actor_role=principal.role if principal else None,
            source=source or ("MANUAL" if principal else "IMPORT"),
            action=action,
            record_type=record_type,
            record_id=record_id,
            detail={"console_user": principal.username if principal else None, **detail},
        )
    )


@dataclass
class AuditFilter:
    who: str = ""  # staff username/name or console account
    action: str = ""  # prefix, e.g. "prompt." or "visit.create"
    record_type: str = ""
    record_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filter_from_query(query) -> AuditFilter:
    """The filter from the audit page's query string; BadNumber (→ 400) for a page or record id out of range."""
    page = form_int(query.get("page", "1"), 1, low=1, high=MAX_PAGE, name="页码")
    record_id = form_int(query.get("record_id", "").strip() or None, None, low=0, name="记录编号")
    return AuditFilter(
        who=query.get("who", "").strip(),
        action=query.get("action", "").strip(),
        record_type=query.get("record_type", "").strip(),
        record_id=record_id,
        since=_parse_date(query.get("since")),
        until=_parse_date(query.get("until")),
        page=page,
    )


async def search(db, f: AuditFilter, tz: str) -> tuple[list[tuple[AuditLog, str]], int]:
    """(rows with the actor's display name, total count)."""
    zone = ZoneInfo(tz)
    conditions = []
    if f.action:
        conditions.append(AuditLog.action.startswith(f.action))
    if f.record_type:
        conditions.append(AuditLog.record_type == f.record_type)
    if f.record_id is not None:
        conditions.append(AuditLog.record_id == f.record_id)
    if f.since:
        conditions.append(AuditLog.at >= datetime.combine(f.since, time.min, zone))
    if f.until:
        conditions.append(AuditLog.at < datetime.combine(f.until + timedelta(days=1), time.min, zone))
    async with db.session() as s:
        if f.who:
            staff_ids = list(
                (
                    await s.execute(
                        select(StaffUser.id).where((StaffUser.username == f.who) | (StaffUser.name == f.who))
                    )
                ).scalars()
            )
            console = AuditLog.detail["console_user"].as_string() == f.who
            conditions.append(AuditLog.actor_staff_id.in_(staff_ids) | console if staff_ids else console)
        total = (await s.execute(select(func.count(AuditLog.id)).where(*conditions))).scalar_one()
        rows = (
            await s.execute(
                select(AuditLog, StaffUser.name)
                .outerjoin(StaffUser, StaffUser.id == AuditLog.actor_staff_id)
                .where(*conditions)
                .order_by(AuditLog.at.desc(), AuditLog.id.desc())
                .offset((f.page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        ).all()
    out = []
    for entry, name in rows:
        who = name or (entry.detail or {}).get("console_user") or entry.source
        out.append((entry, who))
    return out, total
