"""Riding out a short database outage (failover, restart, a cut connection) instead of failing the turn.

Only errors that say "the database is not reachable right now" are retried; a constraint violation or
a bug in a statement is raised at once. The pool pings connections before use (pool_pre_ping), so a
retry gets a fresh connection once the server is back.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
from typing import Awaitable, Callable, TypeVar

from sqlalchemy import exc as sa_exc
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

log = logging.getLogger(__name__)
T = TypeVar("T")


# SQLSTATE classes that mean "the server is not serving us right now", whatever the driver:
# 08 connection exception, 57 operator intervention (57P01 terminated by an administrator or a failover,
# 57P02 crash shutdown, 57P03 starting up), 53 insufficient resources (53300 too many connections)
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "57", "53")
# 55000 is a broad class; while connecting it is "database ... is not currently accepting connections"
_NOT_ACCEPTING = "not currently accepting connections"


# libpq reports a refused login without a SQLSTATE (psycopg connecting): the server's words then
_LOGIN_REFUSED = re.compile(
    r'FATAL:\s+(password authentication failed|role ".*" does not exist|'
    r'database ".*" does not exist|no pg_hba\.conf entry)'
)


def _sqlstate(exc: BaseException) -> str:
    for err in (exc, getattr(exc, "orig", None), exc.__cause__):
        code = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
        if isinstance(code, str):
            return code
    return "28000" if _LOGIN_REFUSED.search(str(exc)) else ""


# a wrong password or a missing database is configuration, not an outage: fail now, and say so
_MISCONFIGURED_SQLSTATE = ("28", "3D000")


def is_db_misconfigured(exc: BaseException) -> bool:
    """The database refused our login (wrong password or user, no such database): fix SALESBOT_DATABASE_URL."""
    return _sqlstate(exc).startswith(_MISCONFIGURED_SQLSTATE)


def is_db_unavailable(exc: BaseException) -> bool:
    if is_db_misconfigured(exc):
        return False
    sqlstate = _sqlstate(exc)
    if sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES) or (sqlstate == "55000" and _NOT_ACCEPTING in str(exc)):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.OperationalError) and isinstance(exc.orig, sqlite3.Error):
        return "locked" in str(exc.orig)  # SQLite reports a missing table as OperationalError too
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):  # asyncpg connecting to a server that is away
        return True
    # raised by a driver itself outside SQLAlchemy's wrapping (e.g. while connecting). A driver that was never
    # imported raised nothing: looked up, not imported, so SQLite deployments never load the PostgreSQL drivers
    psycopg, asyncpg = sys.modules.get("psycopg"), sys.modules.get("asyncpg")
    driver_errors = (
        *((psycopg.OperationalError, psycopg.InterfaceError) if psycopg else ()),
        *(
            (
                asyncpg.PostgresConnectionError,
                asyncpg.InterfaceError,
                asyncpg.CannotConnectNowError,
                asyncpg.InternalClientError,  # a connection left mid-operation by a server that terminated it
            )
            if asyncpg
            else ()
        ),
    )
    return isinstance(exc, driver_errors)


def _log_retry(what: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s: database unavailable (%s); retrying in %.1fs", what, type(exc).__name__, delay)

    return before_sleep


def _within(deadline: float, first_delay: float, max_delay: float) -> Callable[[RetryCallState], bool]:
    """Stop when the next wait would end past the deadline (the wait doubles from first_delay up to max_delay)."""

    def stop(state: RetryCallState) -> bool:
        next_delay = min(first_delay * 2 ** (state.attempt_number - 1), max_delay)
        return state.seconds_since_start + next_delay > deadline

    return stop


async def retry_db(
    fn: Callable[[], Awaitable[T]],
    *,
    what: str,
    deadline: float = 90.0,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
) -> T:
    """`await fn()`, retried while the database is unavailable, up to `deadline` seconds."""
    # the iterator form: callers pass lambdas returning a coroutine, which tenacity's __call__ would not await
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(is_db_unavailable),
        wait=wait_exponential(multiplier=first_delay, min=first_delay, max=max_delay),
        stop=_within(deadline, first_delay, max_delay),
        before_sleep=_log_retry(what),
        reraise=True,
    ):
        with attempt:
            return await fn()
    raise AssertionError("unreachable: tenacity either returns, re-raises, or retries")
