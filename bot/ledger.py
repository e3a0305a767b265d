"""The ledger: an inbound message is persisted before any work, and a platform redelivery is dropped."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db import Database
from bot.messages import Inbound, inbound_from_dict, inbound_to_dict
from bot.models import InboundMessage, utcnow


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL; the dispatcher drops control characters anyway."""
    return value.replace("\x00", "") if value and "\x00" in value else value


class Ledger:
    def __init__(self, db: Database):
        self.db = db
        self.duplicates_dropped = 0
        self.claim_extra = None  # () -> extra column values (bot/replica.py: owner and lease)

    def _insert(self):
        return sqlite_insert if self.db.is_sqlite else pg_insert

    async def claim(self, inbound: Inbound) -> int | None:
        """Persist the message; its row id, or None when this platform message was seen before."""
        stmt = (
            self._insert()(InboundMessage)
            .values(
                platform=inbound.platform,
                msg_id=_no_nul(inbound.msg_id),
                conversation_key=_no_nul(inbound.conversation_key)[:160],
                sender_id=_no_nul(inbound.sender_id)[:128],
                kind=inbound.kind.value,
                text=_no_nul(inbound.text),
                payload=inbound_to_dict(inbound),
                status="received",
                received_at=utcnow(),
                **(self.claim_extra() if self.claim_extra else {}),
            )
            .on_conflict_do_nothing(index_elements=["platform", "msg_id"])
            .returning(InboundMessage.id)
        )

        # committed together with the other claims waiting right now
        row_id = await self.db.group.run_sync(lambda conn: conn.execute(stmt).scalar_one_or_none())
        if row_id is None:
            self.duplicates_dropped += 1
        return row_id

    @staticmethod
    def finish_statement(row_id: int, status: str = "done", error: str | None = None):
        return (update(InboundMessage).where(InboundMessage.id == row_id)
                .values(status=status, error=error, processed_at=utcnow()))

    async def finish(self, row_id: int, status: str = "done", error: str | None = None) -> None:
        stmt = self.finish_statement(row_id, status, error)
        await self.db.group.run_sync(lambda conn: conn.execute(stmt))

    async def unfinished(self, max_age: timedelta = timedelta(hours=6)) -> list[tuple[int, Inbound]]:
        """Messages claimed but not processed (the process died mid-turn): resumed at startup."""
        since = utcnow() - max_age
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(InboundMessage.id, InboundMessage.payload)
                    .where(InboundMessage.status == "received", InboundMessage.received_at >= since)
                    .order_by(InboundMessage.id)
                )
            ).all()
        return [(row_id, inbound_from_dict(payload)) for row_id, payload in rows]
