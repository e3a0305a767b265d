"""Database access: one async engine for the app, Alembic migrations, a sync engine for threads/CLI."""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Mapping

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.file_modes import private_file
from bot.group_commit import GroupCommit, WriteLock

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def async_url(url: str) -> str:
    """The same database through the app's async driver: asyncpg on PostgreSQL.

    asyncpg costs the event loop about half of what psycopg's async mode does per statement
    (benchmarks/README.md, soak), so `postgresql://` and `postgresql+psycopg://` URLs run on it too;
    psycopg stays the synchronous driver (migrations, the group-commit writer thread, CLI threads).
    """
    u = make_url(url)
    if u.get_backend_name() == "postgresql":
        return u.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    return url


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (Alembic, threads)."""
    u = make_url(url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}.get(u.drivername, u.drivername)
    return u.set(drivername=driver).render_as_string(hide_password=False)


_PG_CONNECT_ARGS = {"connect_timeout": 5}  # psycopg (sync)
_ASYNCPG_CONNECT_ARGS = {"timeout": 5}
_MIGRATION_LOCK = 0x5A1E5B07  # pg_advisory_lock key held while one replica migrates


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the writer; busy_timeout queues writers instead of failing
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


async def _json_codecs(conn) -> None:
    """JSON columns come back decoded, as they do through SQLAlchemy."""
    for pg_type in ("json", "jsonb"):
        await conn.set_type_codec(pg_type, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _session_untouched(conn) -> None:
    """The raw pool's reset: asyncpg still rolls back an open transaction on release."""


class RawConnection:
    """An asyncpg connection running prebuilt SQLAlchemy statements compiled once.

    One fetchmany/executemany is atomic by itself (its parameter sets share one Sync, so PostgreSQL runs
    them in one implicit transaction); several statements that must commit together need `transaction()`.
    """

    def __init__(self, db: "Database", conn):
        self._db = db
        self._conn = conn

    def transaction(self):
        return self._conn.transaction()

    async def fetch(self, statement, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        sql, args = self._db._compile(statement, params)
        return await self._conn.fetch(sql, *args)

    async def fetchmany(self, statement, params_list: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The RETURNING rows of the statement run once per parameter set, in order, in one round trip."""
        if not params_list:
            return []
        sql, args = self._db._compile_many(statement, params_list)
        return await self._conn.fetchmany(sql, args)

    async def executemany(self, statement, params_list: list[Mapping[str, Any]]) -> None:
        """The statement once per parameter set (sets with other keys run as their own group, and commit
        on their own outside a transaction)."""
        groups: dict[tuple, list] = {}
        for params in params_list:
            groups.setdefault(tuple(params), []).append(params)
        for group in groups.values():
            sql, args = self._db._compile_many(statement, group)
            await self._conn.executemany(sql, args)


def _private_sqlite_file(url: str) -> None:
    """SQLite creates its file with the umask (usually 0644); create it 0600 first. Its -wal and -shm files
    take the database file's permissions."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    if Path(path).parent.exists():
        private_file(Path(path))


class Database:
    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _private_sqlite_file(url)
        kwargs: dict = {}
        if not self.is_sqlite:
            # connect_timeout: an unreachable server fails a statement in seconds instead of hanging it
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=_ASYNCPG_CONNECT_ARGS)
        self.engine: AsyncEngine = create_async_engine(async_url(url), **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        # the per-turn lookups on PostgreSQL go straight to an asyncpg pool (see fetch): autocommit, so
        # no BEGIN/ROLLBACK round trips; a connection the server dropped fails its query, the pool
        # replaces it, and the turn is retried like any database blip
        self._raw_pool = None
        self._claims_pool = None  # the ledger claims' own connections: never queued behind turn reads
        self._raw_pool_lock = asyncio.Lock()
        self._compiled: dict[Any, tuple[str, Any]] = {}
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._sync_engine: Engine | None = None
        self._writer_engine: Engine | None = None
        # SQLite has one writer; serialising our own writes avoids "database is locked" under load
        self.write_lock = WriteLock() if self.is_sqlite else None
        self.group = GroupCommit(self)
        # ledger claims get their own lane: a platform waits for them (WeCom's 5 s, DingTalk's ACK), so
        # they must not queue behind the turn writes of a busy moment
        self.claims = GroupCommit(self, first=True)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as s:
            yield s

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session for a unit of writes: committed on success, rolled back on error."""
        if self.write_lock is None:
            async with self._sessions() as s:
                async with s.begin():
                    yield s
            return
        async with self.write_lock:
            async with self._sessions() as s:
                async with s.begin():
                    yield s

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A Core-level write transaction: cheaper than an ORM session, for the hot paths."""
        if self.write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self.write_lock:
            async with self.engine.begin() as conn:
                yield conn

    # --- hot-path reads --------------------------------------------------------------------------

    async def fetch(self, statement, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The rows of a prebuilt SELECT, each a mapping (row["column"]).

        For the few lookups every turn makes. On PostgreSQL they skip SQLAlchemy's execution layer: the
        statement is compiled once and run on a plain asyncpg pool, which costs the event loop about half
        the CPU per query (benchmarks/README.md, soak). On SQLite they run on the engine.
        """
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                return [row._mapping for row in await conn.execute(statement, params)]
        sql, args = self._compile(statement, params)
        async with self._raw_acquire() as conn:
            return await conn.fetch(sql, *args)

    async def fetch_value(self, statement, params: Mapping[str, Any]) -> Any:
        """The first column of the first row (None without rows); see fetch."""
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                return (await conn.execute(statement, params)).scalar()
        sql, args = self._compile(statement, params)
        async with self._raw_acquire() as conn:
            return await conn.fetchval(sql, *args)

    def _compiled_for(self, statement, keys) -> tuple[str, Any]:
        # an INSERT/UPDATE without .values() takes its columns from the parameters: one form per key set
        cache_key = (statement, keys)
        entry = self._compiled.get(cache_key)
        if entry is None:
            # asyncpg's $1, $2 ... placeholders
            compiled = statement.compile(dialect=self.engine.dialect, column_keys=list(keys))
            entry = self._compiled[cache_key] = (compiled.string, compiled)
        return entry

    def _compile(self, statement, params: Mapping[str, Any]) -> tuple[str, list]:
        sql, compiled = self._compiled_for(statement, tuple(params))
        values = compiled.construct_params(params)  # adds the literals SQLAlchemy turned into parameters
        return sql, [values[name] for name in compiled.positiontup]

    def _compile_many(self, statement, params_list: list[Mapping[str, Any]]) -> tuple[str, list[list]]:
        keys = tuple(params_list[0])
        if any(tuple(params) != keys for params in params_list):
            raise ValueError("every parameter set of one statement needs the same keys")
        sql, compiled = self._compiled_for(statement, keys)
        names = compiled.positiontup
        return sql, [[values[name] for name in names] for values in map(compiled.construct_params, params_list)]

    @asynccontextmanager
    async def raw_connection(self, *, claims: bool = False) -> AsyncIterator["RawConnection"]:
        """PostgreSQL only: a connection of the asyncpg pool, for the group-committed hot-path writes.

        A batch of a hundred claims or turn results is a few pipelined statements here (executemany /
        fetchmany), where SQLAlchemy on the writer thread ran and parsed each one (benchmarks/README.md, soak).
        `claims=True`: a connection of the ledger claims' own small pool. A platform waits for a claim (WeCom's
        200, DingTalk's ACK); in the shared pool it could wait for one of the 16 connections that turn reads
        and writes hold under load.
        """
        async with self._raw_acquire(claims=claims) as conn:
            yield RawConnection(self, conn)

    @asynccontextmanager
    async def _raw_acquire(self, claims: bool = False):
        if claims:
            pool = self._claims_pool or await self._open_raw_pool(claims=True)
        else:
            pool = self._raw_pool or await self._open_raw_pool()
        async with pool.acquire() as conn:
            try:
                yield conn
            except BaseException:
                # the pool's reset is a no-op (see _open_raw_pool), so a connection that failed is not
                # trusted again: one the server terminated mid-pipeline can still look open, with its
                # protocol stuck in the old operation ("another operation is in progress")
                conn.terminate()
                raise

    async def _open_raw_pool(self, claims: bool = False):
        # PostgreSQL only: SQLite deployments never pay for importing the driver
        import asyncpg

        async with self._raw_pool_lock:
            if (self._claims_pool if claims else self._raw_pool) is None:
                dsn = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
                # reset=_session_untouched: these connections never change session state, and the default
                # reset (RESET ALL, UNLISTEN...) is a round trip on every release, ~7 % of a replica's CPU.
                # Claims are group-committed (one batch at a time, the next while it commits): 2 suffice.
                pool = await asyncpg.create_pool(
                    dsn,
                    min_size=1,
                    max_size=2 if claims else 16,
                    timeout=5,
                    init=_json_codecs,
                    reset=_session_untouched,
                )
                if claims:
                    self._claims_pool = pool
                else:
                    self._raw_pool = pool
        return self._claims_pool if claims else self._raw_pool

    @property
    def sync_engine(self) -> Engine:
        if self._sync_engine is None:
            self._sync_engine = create_engine(sync_url(self.url))
            if self.is_sqlite:
                event.listen(self._sync_engine, "connect", _sqlite_pragmas)
        return self._sync_engine

    @property
    def writer_engine(self) -> Engine:
        """The synchronous engine of the group-commit writer thread (see bot/group_commit.py)."""
        if self._writer_engine is None:
            if self.is_sqlite:
                self._writer_engine = create_engine(sync_url(self.url), connect_args={"check_same_thread": False})
                event.listen(self._writer_engine, "connect", _sqlite_pragmas)
            else:
                self._writer_engine = create_engine(
                    sync_url(self.url), pool_size=2, max_overflow=2, pool_pre_ping=True, connect_args=_PG_CONNECT_ARGS
                )
        return self._writer_engine

    def migrate_sync(self) -> None:
        """Bring the schema to every head. A database already there is left alone without a word; Alembic's
        own progress lines are shown only while a migration actually runs."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", sync_url(self.url).replace("%", "%%"))
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        engine = create_engine(
            sync_url(self.url), poolclass=NullPool, **({} if self.is_sqlite else {"connect_args": _PG_CONNECT_ARGS})
        )
        try:
            with engine.connect() as conn:
                if set(MigrationContext.configure(conn).get_current_heads()) == heads:
                    return
                if self.is_sqlite:
                    self._upgrade(cfg)  # capabilities add their own branches; all are applied
                    return
                # replicas starting together must not run the same migration twice: one at a time
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                try:
                    self._upgrade(cfg)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
        finally:
            engine.dispose()

    def schema_heads_sync(self) -> tuple[set[str], set[str]]:
        """(the database's migration heads, this code's heads): equal when the schema is current."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        expected = set(ScriptDirectory.from_config(cfg).get_heads())
        engine = create_engine(
            sync_url(self.url), poolclass=NullPool, **({} if self.is_sqlite else {"connect_args": _PG_CONNECT_ARGS})
        )
        try:
            with engine.connect() as conn:
                return set(MigrationContext.configure(conn).get_current_heads()), expected
        finally:
            engine.dispose()

    @staticmethod
    def _upgrade(cfg: Config) -> None:
        alembic_log = logging.getLogger("alembic")
        level = alembic_log.level
        alembic_log.setLevel(logging.INFO)  # quiet otherwise (bot/structured_logging.py)
        log.info("upgrading the database schema")
        try:
            command.upgrade(cfg, "heads")
        finally:
            alembic_log.setLevel(level)

    async def migrate(self) -> None:
        await asyncio.to_thread(self.migrate_sync)

    async def close(self) -> None:
        for pool in (self._raw_pool, self._claims_pool):
            if pool is not None:
                await pool.close()
        self._raw_pool = self._claims_pool = None
        await asyncio.to_thread(self.group.close)
        await asyncio.to_thread(self.claims.close)
        await self.engine.dispose()
        for engine in (self._sync_engine, self._writer_engine):
            if engine is not None:
                engine.dispose()
