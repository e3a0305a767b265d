"""Several `salesbot serve` replicas share one database: who works on which inbound message.

The ledger claim (INSERT ... ON CONFLICT DO NOTHING on (platform, msg_id)) already makes a platform
redelivery a duplicate whichever replica it lands on. What this module adds:

* ownership: a claimed message carries its replica (`owner`) and a lease (`lease_until`) that the
  replica renews while the turn is queued or running;
* take-over: a message whose lease ran out (its replica died, or lost the database for longer than
  the lease) is claimed by a conditional UPDATE by whichever replica sweeps first, and handled there.
  A restarted replica takes back its own unfinished messages at once, without waiting for the lease;
* ordering across replicas: one conversation's messages may land on different replicas (the load
  balancer cannot read the encrypted WeCom body; DingTalk spreads stream messages). A turn first waits
  (bounded) while an earlier message of its conversation is still held by another live replica, so
  turns run in ledger order and each sees the previous one's memory. Within a replica the dispatcher's
  per-conversation queue already orders them, so this only costs one indexed query per turn, and only
  on a database that several replicas can share (not SQLite).

A turn that runs twice after a take-over (the old owner was only slow) cannot reply twice: replies go
to the outbox under the key `reply:<ledger id>:<n>`, inserted with ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, exists, or_, select, update

from bot.messages import Inbound, inbound_from_dict
from bot.models import InboundMessage, OutboxMessage, utcnow

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

_INBOUND = InboundMessage.__table__.c
_EARLIER_HELD_ELSEWHERE = select(
    exists().where(
        _INBOUND.conversation_key == bindparam("key"),
        _INBOUND.id < bindparam("row_id"),
        _INBOUND.status == "received",
        _INBOUND.owner != bindparam("me"),
        _INBOUND.lease_until > bindparam("now"),
    )
)


def default_replica_id() -> str:
    """Stable across restarts of one container (its hostname), distinct between containers."""
    return os.environ.get("HOSTNAME") or socket.gethostname() or f"pid-{os.getpid()}"


class TurnLeases:
    def __init__(
        self,
        app: "Runtime",
        replica_id: str,
        lease: timedelta = timedelta(seconds=45),
        renew_every: float = 10.0,
        order_wait: float = 30.0,
    ):
        self.app = app
        self.replica_id = replica_id[:64]
        self.lease = lease
        self.renew_every = renew_every
        self.order_wait = order_wait  # an earlier message stuck longer than this no longer blocks its successors
        self.cross_replica_ordering = not app.db.is_sqlite
        self.stats = {"taken_over": 0, "order_waits": 0, "renew_errors": 0}

    # --- the ledger claim's extra columns ------------------------------------------------------

    def claim_values(self) -> dict:
        return {"owner": self.replica_id, "lease_until": utcnow() + self.lease}

    # --- keeping and taking leases --------------------------------------------------------------

    async def renew(self, row_ids: list[int]) -> None:
        if not row_ids:
            return
        stmt = (
            update(InboundMessage)
            .where(
                InboundMessage.id.in_(row_ids),
                InboundMessage.status == "received",
                InboundMessage.owner == self.replica_id,
            )
            .values(lease_until=utcnow() + self.lease)
        )
        async with self.app.db.transaction() as conn:
            await conn.execute(stmt)

    async def take_over(
        self, *, startup: bool = False, max_age: timedelta = timedelta(hours=6), limit: int = 500
    ) -> list[tuple[int, Inbound]]:
        """Claim unfinished messages nobody holds (and, at startup, our own): to be handled here."""
        now = utcnow()
        free = or_(InboundMessage.lease_until.is_(None), InboundMessage.lease_until < now)
        if startup:
            free = or_(free, InboundMessage.owner == self.replica_id)
        async with self.app.db.session() as s:
            candidates = (
                (
                    await s.execute(
                        select(InboundMessage.id)
                        .where(InboundMessage.status == "received", InboundMessage.received_at >= now - max_age, free)
                        .order_by(InboundMessage.id)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
        taken: list[tuple[int, Inbound]] = []
        for row_id in candidates:
            # conditional: of two replicas sweeping at once, exactly one gets the row
            stmt = (
                update(InboundMessage)
                .where(InboundMessage.id == row_id, InboundMessage.status == "received", free)
                .values(owner=self.replica_id, lease_until=utcnow() + self.lease)
                .returning(InboundMessage.payload)
            )
            async with self.app.db.transaction() as conn:
                payload = (await conn.execute(stmt)).scalar_one_or_none()
            if payload is not None:
                taken.append((row_id, inbound_from_dict(payload)))
        if taken:
            self.stats["taken_over"] += len(taken)
            log.info("took over %d unfinished inbound message(s)", len(taken))
        return taken

    async def release_outbox_on_restart(self) -> int:
        """Our replies that were leased to us when we died go out now, not after their lease."""
        now = utcnow()
        async with self.app.db.transaction() as conn:
            res = await conn.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.owner == self.replica_id,
                    or_(
                        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > now),
                        OutboxMessage.status == "sending",
                    ),
                )  # in doubt: at-least-once beats lost
                .values(status="pending", next_attempt_at=now)
            )
        return res.rowcount or 0

    # --- ordering across replicas ---------------------------------------------------------------

    async def wait_for_earlier(self, row_id: int, conversation_key: str) -> None:
        """Wait while an earlier message of this conversation is still held by another live replica."""
        if not self.cross_replica_ordering:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.order_wait
        delay = 0.05
        waited = False
        while True:
            params = {"key": conversation_key[:160], "row_id": row_id, "me": self.replica_id, "now": utcnow()}
            try:
                blocked = await self.app.db.fetch_value(_EARLIER_HELD_ELSEWHERE, params)
            except Exception:  # the database is away: the turn will find out itself; don't wait on it here
                return
            if not blocked:
                return
            if not waited:
                waited = True
                self.stats["order_waits"] += 1
            if loop.time() >= deadline:
                log.warning(
                    "inbound %s: an earlier message of %s is still running elsewhere; going ahead",
                    row_id,
                    conversation_key,
                )
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    # --- background -----------------------------------------------------------------------------

    async def run_forever(self) -> None:
        """Renew the leases of what we hold; take over what a dead replica left."""
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                await self.renew(sorted(self.app.dispatcher.in_flight))
            except Exception as exc:
                self.stats["renew_errors"] += 1
                log.warning("lease renewal failed: %s", exc)
                continue
            try:
                for row_id, inbound in await self.take_over():
                    if inbound.platform in self.app.adapters:
                        self.app.dispatcher.submit(row_id, inbound)
            except Exception as exc:
                log.warning("take-over sweep failed: %s", exc)
