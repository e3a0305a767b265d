"""The ledger: an inbound message is persisted before any work, and a platform redelivery is dropped."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db import Database
from bot.messages import Inbound, inbound_to_dict
from bot.models import InboundMessage, utcnow

_TABLE = LEDGER_TABLE = InboundMessage.__table__
FINISH_ANY_STATEMENT = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"))
    .values(status=bindparam("new_status"), error=bindparam("new_error"), processed_at=bindparam("finished_at"))
)
# only the first finish counts: a commit retried after a lost acknowledgement, or a second run of a turn
# taken over from a replica that was only slow, matches no row
FINISH_STATEMENT = FINISH_ANY_STATEMENT.where(_TABLE.c.status == "received")


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL; the dispatcher drops control characters anyway."""
    return value.replace("\x00", "") if value and "\x00" in value else value


class Ledger:
    def __init__(self, db: Database):
        self.db = db
        self.duplicates_dropped = 0
        self.claim_extra = None  # () -> extra column values (bot/replica.py: owner and lease)

    @cached_property
    def _claim(self) -> "_Claims":
        return _Claims(self.db.is_sqlite)

    async def claim(self, inbound: Inbound) -> int | None:
        """Persist the message; its row id, or None when this platform message was seen before."""
        values = dict(
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
        # committed together with the other claims waiting right now, on the claims' own lane
        row_id = await self.db.claims.run_batched(self._claim, values)
        if row_id is None:
            self.duplicates_dropped += 1
        return row_id

    @staticmethod
    def finish_params(row_id: int, status: str = "done", error: str | None = None) -> dict:
        """Parameters of FINISH_STATEMENT (the turn's last write, in the dispatcher's transaction)."""
        return {"row_id": row_id, "new_status": status, "new_error": error, "finished_at": utcnow()}

    async def finish(self, row_id: int, status: str = "done", error: str | None = None) -> None:
        params = self.finish_params(row_id, status, error)
        await self.db.group.run_sync(lambda conn: conn.execute(FINISH_ANY_STATEMENT, params))


class _Claims:
    """Ledger inserts as a group-commit op (bot/group_commit.py): a claim's result is its new row id, or
    None when the platform message is already in the ledger (in the database or earlier in the batch)."""

    def __init__(self, is_sqlite: bool):
        # built once: SQLAlchemy then reuses the compiled form; per-call .values(...) was rebuilt and
        # re-keyed for every message (about 1 ms of CPU each on the hot path)
        insert = sqlite_insert if is_sqlite else pg_insert
        self.statement = (
            insert(_TABLE)
            .on_conflict_do_nothing(index_elements=["platform", "msg_id"])
            .returning(_TABLE.c.id, _TABLE.c.platform, _TABLE.c.msg_id)
        )

    def one(self, conn, item: dict) -> int | None:
        return conn.execute(self.statement, item).scalar_one_or_none()

    async def many(self, conn, items: list[dict]) -> list[int | None]:
        # a conflicting insert returns no row: match the rows to the claims by their platform message
        new_ids = {(row["platform"], row["msg_id"]): row["id"] for row in await conn.fetchmany(self.statement, items)}
        return [new_ids.pop((item["platform"], item["msg_id"]), None) for item in items]
