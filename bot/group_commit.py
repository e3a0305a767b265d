"""Group commit: many small hot-path writes (ledger claims, turn results) share one transaction.

SQLite has one writer, and every statement through the async driver costs a hop to its thread plus
SQLAlchemy's async overhead; under load the writes queue up behind each other. Jobs submitted while a
transaction is running are committed together in the next one, and a caller resumes only after its
job is committed (durable).

Two kinds of jobs:
  * `run_sync(job)`: `job(conn)` with a synchronous Connection, all jobs of a batch in one transaction
    on a dedicated writer thread: one thread hop per batch. Use it for the hot paths.
  * `run(job)`: `await job(conn)` with an AsyncConnection, for code that needs to await inside.
  * `run_batched(op, item)`: the hottest writes (ledger claims, turn results, outbox marks) as data,
    not code. On PostgreSQL `op.many(conn, items)` writes a whole batch atomically on the asyncpg pool
    with a few pipelined statements; on SQLite `op.one(conn, item)` runs per item on the writer thread.
If a batch fails, each of its jobs is retried alone so one bad job cannot fail its neighbours; jobs
must therefore only touch the database (no side effects outside the transaction).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db_retry import is_db_unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


class BatchOp(Protocol):
    """One kind of hot-path write. Both forms must give each item the same result."""

    def one(self, conn: Connection, item: Any) -> Any:
        """Write one item with a synchronous connection (SQLite, on the writer thread)."""

    async def many(self, conn, items: list) -> list:
        """Write the items in order (conn: bot.db.RawConnection); a result per item. One pipelined statement
        is atomic by itself; an op of several statements opens `conn.transaction()`."""


class _Queue:
    def __init__(self, commit: Callable[[list], Awaitable[None]], max_batch: int):
        self.commit = commit
        self.max_batch = max_batch
        self.pending: list[tuple[Any, asyncio.Future]] = []
        self.runner: asyncio.Task | None = None

    async def submit(self, job) -> Any:
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self.pending.append((job, future))
        if self.runner is None or self.runner.done():
            self.runner = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.max_batch], self.pending[self.max_batch :]
            await self.commit(batch)


def _settle(batch: list[tuple[Any, asyncio.Future]], outcomes: list[tuple[bool, Any]]) -> None:
    for (_, future), (ok, value) in zip(batch, outcomes):
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


class WriteLock:
    """SQLite's one writer, shared by every lane: an asyncio lock whose `first()` waiters go before the others.

    The ledger claims' lane takes it with `first()`: a platform waits for a claim (WeCom's 200, DingTalk's
    ACK), so a claim batch must not queue behind turn results, outbox marks and ORM writes that happen to
    be waiting too. The lock is handed straight to the next waiter on release (no barging), so a claim
    waits for at most the one write that holds it.
    """

    def __init__(self) -> None:
        self._locked = False
        self._first: deque[asyncio.Future] = deque()
        self._rest: deque[asyncio.Future] = deque()

    def locked(self) -> bool:
        return self._locked

    async def acquire(self, first: bool = False) -> None:
        if not self._locked and not self._first and not self._rest:
            self._locked = True
            return
        future = asyncio.get_running_loop().create_future()
        queue = self._first if first else self._rest
        queue.append(future)
        try:
            await future  # the releaser handed us the lock
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()
            else:
                try:
                    queue.remove(future)
                except ValueError:
                    pass
            raise

    def release(self) -> None:
        for queue in (self._first, self._rest):
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)  # stays locked: ownership passes to that waiter
                    return
        self._locked = False

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc) -> None:
        self.release()

    @asynccontextmanager
    async def first(self) -> AsyncIterator[None]:
        await self.acquire(first=True)
        try:
            yield
        finally:
            self.release()


class GroupCommit:
    def __init__(self, db, max_batch: int = 200, *, first: bool = False):
        self.db = db
        self.first = first  # takes SQLite's write lock ahead of the other lanes (WriteLock.first)
        self._async = _Queue(self._commit_async, max_batch)
        self._sync = _Queue(self._commit_sync, max_batch)
        self._max_batch = max_batch
        self._batched: dict[int, _Queue] = {}
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="salesbot-db-writer")
        self.batches = 0
        self.jobs = 0

    async def run(self, job: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        return await self._async.submit(job)

    async def run_sync(self, job: Callable[[Connection], T]) -> T:
        return await self._sync.submit(job)

    async def run_batched(self, op: BatchOp, item: Any) -> Any:
        if self.db.is_sqlite:
            return await self._sync.submit(partial(op.one, item=item))
        queue = self._batched.get(id(op))
        if queue is None:
            queue = self._batched[id(op)] = _Queue(partial(self._commit_raw, op), self._max_batch)
        return await queue.submit(item)

    # --- batched ops on the asyncpg pool (PostgreSQL) -------------------------------------------

    async def _commit_raw(self, op: BatchOp, batch) -> None:
        try:
            async with self.db.raw_connection(claims=self.first) as conn:
                results = await op.many(conn, [item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1 or is_db_unavailable(exc):  # an outage fails them all: no point isolating
                _settle(batch, [(False, exc)] * len(batch))
                return
            for item in batch:  # isolate the failing item
                await self._commit_raw(op, [item])
            return
        self._count(batch)
        _settle(batch, [(True, r) for r in results])

    # --- async jobs -----------------------------------------------------------------------------

    async def _commit_async(self, batch) -> None:
        try:
            results = []
            async with self.db.transaction() as conn:
                for job, _ in batch:
                    results.append(await job(conn))
        except Exception as exc:
            if len(batch) == 1 or is_db_unavailable(exc):  # an outage fails them all: no point isolating
                _settle(batch, [(False, exc)] * len(batch))
                return
            for item in batch:  # isolate the failing job
                await self._commit_async([item])
            return
        self._count(batch)
        _settle(batch, [(True, r) for r in results])

    # --- sync jobs on the writer thread ---------------------------------------------------------

    def _run_batch(self, jobs: list) -> list[tuple[bool, Any]]:
        engine = self.db.writer_engine
        try:
            with engine.begin() as conn:
                return [(True, job(conn)) for job in jobs]
        except Exception as exc:
            if len(jobs) == 1 or is_db_unavailable(exc):  # an outage fails them all: no point isolating
                return [(False, exc)] * len(jobs)
        outcomes = []
        for job in jobs:  # isolate the failing job
            outcomes.extend(self._run_batch([job]))
        return outcomes

    async def _commit_sync(self, batch) -> None:
        jobs = [job for job, _ in batch]
        loop = asyncio.get_running_loop()
        if self.db.write_lock is None:
            outcomes = await loop.run_in_executor(self._writer, self._run_batch, jobs)
        else:
            lock = self.db.write_lock
            async with lock.first() if self.first and isinstance(lock, WriteLock) else lock:
                outcomes = await loop.run_in_executor(self._writer, self._run_batch, jobs)
        self._count(batch)
        _settle(batch, outcomes)

    def _count(self, batch) -> None:
        self.batches += 1
        self.jobs += len(batch)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
