"""Structured logs: one JSON object per line, with the trace id of the turn that wrote it.

The dispatcher sets TRACE_ID (`<platform>-<ledger id>`) for the duration of a turn; every log line
written inside it, by our code or a library, carries it, so `grep wecom-4711` shows one message's
whole story across the ledger, the agent, the tools and the outbox, on whichever replica ran it.
Personal data is masked by bot.log_masking's filter before the formatter sees the record.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone

from bot import log_masking

TRACE_ID: ContextVar[str | None] = ContextVar("salesbot_trace_id", default=None)

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "_pii_masked"}


class TraceIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "trace_id"):
            record.trace_id = TRACE_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, replica: str | None = None):
        super().__init__()
        self.replica = replica

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        trace = getattr(record, "trace_id", None) or TRACE_ID.get()
        if trace and trace != "-":
            entry["trace_id"] = trace
        if self.replica:
            entry["replica"] = self.replica
        for key, value in vars(record).items():  # `extra=` fields
            if key not in _STANDARD and key != "trace_id" and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


# our own top-level packages; every other logger belongs to a library
OWN_PACKAGES = ("bot", "salesbot", "adapters", "agents", "scheduler", "tools", "knowledge", "benchmarks", "__main__")


def configure(
    fmt: str = "text", level: str = "INFO", replica: str | None = None, debug_libraries: bool = False
) -> None:
    """Route the root logger to stderr as JSON lines (`json`) or readable text (`text`); masking on.

    At DEBUG, only our own packages go to DEBUG unless `debug_libraries`: libraries stay at INFO, because at
    DEBUG aiosqlite logs every statement with its parameters (access tokens, session and CSRF tokens) and
    HTTP clients log request lines with tokens in the query string."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TraceIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(replica))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(trace_id)s]: %(message)s"))
    root.addHandler(handler)
    level = level.upper()
    numeric = logging.getLevelName(level)
    quiet_libraries = isinstance(numeric, int) and numeric < logging.INFO and not debug_libraries
    root.setLevel(logging.INFO if quiet_libraries else level)
    for package in OWN_PACKAGES:
        logging.getLogger(package).setLevel(level if quiet_libraries else logging.NOTSET)
    # Alembic reports its context on every start ("Context impl SQLiteImpl." …); bot/db.py lets it speak
    # only while a migration actually runs
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log_masking.install(root)  # after our filter, before the formatter: every line is masked once
