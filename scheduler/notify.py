"""Exactly-once pushes: claim the items' notice keys and enqueue the message in one transaction.

A job builds a message from the items it has not pushed before. Claiming (INSERT … ON CONFLICT DO
NOTHING on scheduled_notice.key) and the outbox rows commit together, so a crash leaves either both or
neither, and a second scheduler process or a restart finds the keys taken and sends nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.messages import Reply
from bot.models import StaffUser, utcnow
from scheduler.models import ScheduledNotice

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Notice:
    key: str
    kind: str
    staff_id: int | None = None
    record_type: str | None = None
    record_id: int | None = None
    local_date: date | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    item: Any = None  # what the message builder needs (not stored)


Builder = Callable[[list[Notice]], "Reply | None"]
ExtraWrite = Callable[[Any, list[Notice]], Awaitable[None]]


async def claim_and_push(
    app: "Runtime", user: StaffUser, notices: list[Notice], build: Builder, *, extra: ExtraWrite | None = None
) -> list[Notice]:
    """Push one message about the notices not pushed before; returns those (empty: nothing sent)."""
    if not notices:
        return []
    target = await app.staff_target(user)
    if target is None:
        log.warning("scheduler: no channel reaches staff user %s (%s)", user.id, user.username)
        return []
    insert = sqlite_insert if app.db.is_sqlite else pg_insert
    by_key = {n.key: n for n in notices}
    now = utcnow()

    async def job(conn):
        stmt = (
            insert(ScheduledNotice)
            .values(
                [
                    dict(
                        key=n.key,
                        kind=n.kind,
                        staff_id=n.staff_id,
                        record_type=n.record_type,
                        record_id=n.record_id,
                        local_date=n.local_date,
                        detail=n.detail,
                        created_at=now,
                    )
                    for n in by_key.values()
                ]
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ScheduledNotice.key)
        )
        claimed_keys = set((await conn.execute(stmt)).scalars().all())
        claimed = [n for n in notices if n.key in claimed_keys]
        if not claimed:
            return claimed, []
        reply = build(claimed)
        if reply is None:
            return claimed, []
        if extra is not None:
            await extra(conn, claimed)
        digest = hashlib.sha1("|".join(sorted(n.key for n in claimed)).encode()).hexdigest()[:16]
        rows = app.outbox.prepare(
            platform=target.platform,
            target=target,
            reply=reply,
            key=f"push:sched:{claimed[0].kind}:{user.id}:{digest}",
            is_push=True,
        )
        return claimed, await app.outbox.persist(conn, rows)

    claimed, persisted = await app.db.group.run(job)
    app.outbox.start(persisted)
    return claimed if persisted else []
