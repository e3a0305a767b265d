"""The outbox: replies and pushes are persisted, then sent by the adapter in order, with retries.

One row per part (long text is split to the platform's byte limit before it is stored), so a crash
between parts resends only what was not sent. Rows of one target ("lane") go out strictly in order.
A row is claimed with a conditional UPDATE before sending, so two processes never send it twice.

A send is at-least-once: if the process dies between the platform accepting a part and its "sent"
mark committing, the part goes out again. The marks therefore have their own group commit (own
writer thread and connection), so they never wait behind the turns' writes in `db.group`; and a
row that may have gone out already reaches the adapter with `possibly_sent_since` set, so a platform
with a duplicate check (WeCom) can drop the copy.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from tenacity import AsyncRetrying, RetryError, retry_if_exception_type, stop_after_attempt

from bot.adapter import Delivery, PermanentSendError, TransientSendError
from bot.clock import aware
from bot.db_retry import retry_db
from bot.group_commit import GroupCommit
from bot.messages import Reply, Target, reply_from_dict, reply_to_dict
from bot.metrics import timed
from bot.models import OutboxMessage, utcnow
from bot.textsplit import split_text

_TABLE = OutboxMessage.__table__
# the SET clause comes from the parameters (status, sent_at, error...): one statement for every mark
_MARK = update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))


class _Marks:
    """Outbox status marks as a group-commit op (bot/group_commit.py)."""

    @staticmethod
    def one(conn, item: dict) -> None:
        conn.execute(_MARK, item)

    @staticmethod
    async def many(conn, items: list[dict]) -> list[None]:
        await conn.executemany(_MARK, items)
        return [None] * len(items)


_MARKS = _Marks()

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _wait(retry_state) -> float:
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    if isinstance(exc, TransientSendError) and exc.retry_after is not None:
        return min(exc.retry_after, 60.0)
    return min(0.2 * (2 ** (retry_state.attempt_number - 1)), 10.0)


class Outbox:
    def __init__(
        self,
        app: "Runtime",
        max_attempts: int = 5,
        retry_later: timedelta = timedelta(seconds=30),
        lease: timedelta = timedelta(seconds=120),
    ):
        self.app = app
        self.lease = lease
        self.max_attempts = max_attempts
        self.retry_later = retry_later
        self._lanes: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()
        self.stats = {"sent": 0, "failed": 0, "retried": 0, "deferred": 0}
        self.owner: str | None = None  # this replica's id (bot/replica.py), recorded on rows it sends
        self._marks = None  # the marks' own group commit, made on first use

    def _mark_lane(self):
        if self._marks is None:
            self._marks = GroupCommit(self.app.db)
        return self._marks

    async def close(self) -> None:
        """Stop the marks lane's writer thread (App.stop, after the outbox drained)."""
        if self._marks is not None:
            marks, self._marks = self._marks, None
            await asyncio.to_thread(marks.close)

    # --- enqueue ------------------------------------------------------------------------------

    def prepare(
        self,
        *,
        platform: str,
        target: Target,
        reply: Reply,
        key: str,
        inbound_row_id: int | None = None,
        reply_context: dict[str, Any] | None = None,
        is_push: bool = False,
    ) -> list[dict]:
        """The rows for a reply, split to the platform's byte limit (not yet persisted)."""
        adapter = self.app.adapter_for(platform)
        if reply.card is None and reply.text:
            texts = split_text(reply.text, adapter.max_bytes_for(platform, reply))
        else:
            texts = [reply.text]
        # the process that persists a row sends it at once; the lease keeps sweepers off it meanwhile
        lease_until = utcnow() + self.lease
        rows = []
        for i, text in enumerate(texts):
            part = Reply(
                text=text, markdown=reply.markdown, title=reply.title, card=reply.card, card_update=reply.card_update
            )
            rows.append(
                dict(
                    key=f"{key}#{i}",
                    inbound_id=inbound_row_id,
                    platform=platform,
                    target_user=target.user_id,
                    target_conversation=target.conversation_id,
                    seq=i,
                    parts=len(texts),
                    status="pending",
                    attempts=1,
                    created_at=utcnow(),
                    owner=self.owner,
                    next_attempt_at=lease_until,
                    payload={"reply": reply_to_dict(part), "context": reply_context or {}, "push": is_push},
                )
            )
        return rows

    @cached_property
    def _insert_statement(self):
        # built once and executed with the rows as parameters (SQLAlchemy's insertmanyvalues keeps it one
        # round trip): a per-call .values(rows) was compiled again for every turn
        insert = sqlite_insert if self.app.db.is_sqlite else pg_insert
        return insert(_TABLE).on_conflict_do_nothing(index_elements=["key"]).returning(_TABLE.c.id, _TABLE.c.key)

    @staticmethod
    def _with_ids(rows: list[dict], result) -> list[dict]:
        ids = {key: row_id for row_id, key in result}
        return [{**row, "id": ids[row["key"]]} for row in rows if row["key"] in ids]

    async def persist(self, conn, rows: list[dict]) -> list[dict]:
        """Insert rows in the caller's (async) transaction; returns the new ones with ids (a known key is skipped)."""
        if not rows:
            return []
        return self._with_ids(rows, (await conn.execute(self._insert_statement, rows)).all())

    def persist_sync(self, conn, rows: list[dict]) -> list[dict]:
        """The same, in a synchronous transaction (group commit's writer thread)."""
        if not rows:
            return []
        return self._with_ids(rows, conn.execute(self._insert_statement, rows).all())

    async def persist_raw(self, conn, rows: list[dict]) -> list[dict]:
        """The same on PostgreSQL's raw connection (bot.db.RawConnection), pipelined."""
        if not rows:
            return []
        return self._with_ids(rows, await conn.fetchmany(self._insert_statement, rows))

    def start(self, persisted: list[dict]) -> None:
        """Send freshly persisted rows, each target's rows in order."""
        lanes: dict[str, list[dict]] = {}
        for row in persisted:
            target = Target(row["platform"], row["target_user"], row["target_conversation"])
            lanes.setdefault(self._lane_key(row["platform"], target), []).append(row)
        for lane, rows in lanes.items():
            self._schedule(lane, sorted(rows, key=lambda r: r["id"]))

    async def enqueue(self, **kwargs) -> list[int]:
        """Persist a reply (split into parts) and start sending it. Same key twice → enqueued once."""
        rows = self.prepare(**kwargs)
        persisted = await self.app.db.group.run_sync(lambda conn: self.persist_sync(conn, rows))
        self.start(persisted)
        return [row["id"] for row in persisted]

    # --- sending ------------------------------------------------------------------------------

    @staticmethod
    def _lane_key(platform: str, target: Target) -> str:
        return f"{platform}:{target.conversation_id or target.user_id}"

    def _schedule(self, lane: str, rows: list) -> None:
        task = asyncio.create_task(self._run_lane(lane, rows))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_lane(self, lane: str, rows: list) -> None:
        lock = self._lanes.setdefault(lane, asyncio.Lock())
        async with lock:
            for row in rows:
                try:
                    await self._send_one(row)
                except Exception:  # never let one bad row stop the lane
                    log.exception("outbox row %s: unexpected error", row)
        if not lock.locked() and self._lanes.get(lane) is lock:
            self._lanes.pop(lane, None)

    async def _claim(self, row_id: int) -> dict | None:
        now = utcnow()
        async with self.app.db.write() as s:
            res = await s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row_id,
                    OutboxMessage.status == "pending",
                    or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                )
                .values(status="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now, owner=self.owner)
            )
            if res.rowcount != 1:
                return None
            row = await s.get(OutboxMessage, row_id)
            return row.model_dump()

    async def _claim_fresh(self, row_id: int) -> bool:
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
            .values(status="sending", next_attempt_at=utcnow(), owner=self.owner)
        )
        return await self.app.db.group.run_sync(lambda conn: conn.execute(stmt).rowcount) == 1

    async def _mark(self, row_id: int, **values) -> None:
        params = {"row_id": row_id, **values}
        lane = self._mark_lane()
        # the send already happened: losing this mark to a database blip would send it again later
        with timed("outbox_mark"):
            await retry_db(lambda: lane.run_batched(_MARKS, params), what=f"outbox row {row_id} mark", deadline=300)

    async def _send_one(self, row: dict | int) -> None:
        """Send one row: a fresh one (dict, leased to us) as is, a swept one (id) after claiming it."""
        if isinstance(row, int):
            row = await self._claim(row)
            if row is None:
                return  # already sent, or being sent by another process
        elif row.get("next_attempt_at") and utcnow() > row["next_attempt_at"] - self.lease / 2:
            # a fresh row that waited long in its lane (overload): its lease may run out while we send,
            # and another replica's sweeper would send it too; claim it like a swept row first
            if not await self._claim_fresh(row["id"]):
                return
        row_id = row["id"]
        created = aware(row.get("created_at")) or utcnow()
        delivery = Delivery(
            outbox_id=row_id,
            platform=row["platform"],
            target=Target(row["platform"], user_id=row["target_user"], conversation_id=row["target_conversation"]),
            reply=reply_from_dict(row["payload"]["reply"]),
            seq=row["seq"],
            parts=row["parts"],
            reply_context=row["payload"].get("context") or {},
            is_push=bool(row["payload"].get("push")),
            # claimed again (attempts > 1): swept after a deferral, or released after its replica died
            possibly_sent_since=created if (row.get("attempts") or 1) > 1 else None,
        )
        adapter = self.app.adapter_for(row["platform"])
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(TransientSendError),
                stop=stop_after_attempt(self.max_attempts),
                wait=_wait,
                reraise=False,
            ):
                with attempt:
                    if attempt.retry_state.attempt_number > 1:
                        self.stats["retried"] += 1
                        # the failed attempt may have reached the platform (e.g. a timeout after it accepted)
                        delivery.possibly_sent_since = delivery.possibly_sent_since or created
                    with timed("outbox_send"):
                        await adapter.deliver(delivery)
        except RetryError as exc:
            # still transient after our attempts: keep it pending, the sweeper tries again later
            err = exc.last_attempt.exception()
            self.stats["deferred"] += 1
            log.warning("outbox row %s deferred: %s", row_id, err)
            await self._mark(
                row_id, status="pending", last_error=str(err)[:2000], next_attempt_at=utcnow() + self.retry_later
            )
            return
        except PermanentSendError as exc:
            self.stats["failed"] += 1
            log.error("outbox row %s failed: %s", row_id, exc)
            await self._mark(row_id, status="failed", last_error=str(exc)[:2000])
            return
        except Exception as exc:  # an adapter bug must not lose the row silently
            self.stats["failed"] += 1
            log.exception("outbox row %s: adapter error", row_id)
            await self._mark(row_id, status="failed", last_error=f"{type(exc).__name__}: {exc}"[:2000])
            return
        self.stats["sent"] += 1
        await self._mark(row_id, status="sent", sent_at=utcnow(), last_error=None)

    async def sweep(self, stale_after: timedelta = timedelta(minutes=5)) -> int:
        """Send what is due: pending rows (startup, deferred retries) and rows stuck in 'sending'."""
        now = utcnow()
        async with self.app.db.write() as s:
            # a row left 'sending' by a process that died is sent again (at-least-once beats lost)
            await s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at < now - stale_after)
                .values(status="pending")
            )
        async with self.app.db.session() as s:
            rows = (
                await s.execute(
                    select(
                        OutboxMessage.id,
                        OutboxMessage.platform,
                        OutboxMessage.target_user,
                        OutboxMessage.target_conversation,
                    )
                    .where(
                        OutboxMessage.status == "pending",
                        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                    )
                    .order_by(OutboxMessage.id)
                )
            ).all()
        lanes: dict[str, list] = {}
        for row_id, platform, user, conv in rows:
            if platform not in self.app.adapters:
                continue
            lanes.setdefault(self._lane_key(platform, Target(platform, user, conv)), []).append(row_id)
        for lane, ids in lanes.items():
            self._schedule(lane, ids)
        return len(rows)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
