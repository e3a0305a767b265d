"""Group commit: many small hot-path writes (ledger claims, turn results, sent marks) share one transaction.

SQLite has one writer, and every transaction costs several hops to the driver thread; under load the
writes queue up behind each other. Jobs submitted while a transaction is running are committed
together in the next one. A caller resumes only after its job is committed (durable).
If a batch fails, each of its jobs is retried alone so one bad job cannot fail its neighbours;
jobs must therefore only touch the database (no side effects outside the transaction).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[AsyncConnection], Awaitable[Any]]


class GroupCommit:
    def __init__(self, db, max_batch: int = 200):
        self.db = db
        self.max_batch = max_batch
        self._pending: list[tuple[Job, asyncio.Future]] = []
        self._runner: asyncio.Task | None = None
        self.batches = 0
        self.jobs = 0

    async def run(self, job: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            await self._commit_batch(batch)

    async def _commit_batch(self, batch: list[tuple[Job, asyncio.Future]]) -> None:
        results: list[Any] = []
        try:
            async with self.db.transaction() as conn:
                for job, _ in batch:
                    results.append(await job(conn))
        except Exception as exc:
            if len(batch) == 1:
                self._settle(batch, None, exc)
                return
            for item in batch:  # isolate the failing job
                await self._commit_batch([item])
            return
        self.batches += 1
        self.jobs += len(batch)
        self._settle(batch, results)

    @staticmethod
    def _settle(batch, results, exc: BaseException | None = None) -> None:
        for i, (_, future) in enumerate(batch):
            if future.done():
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(results[i])
