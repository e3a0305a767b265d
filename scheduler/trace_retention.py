"""Daily: delete turn traces (bot/turn_trace.py) older than SALESBOT_TURN_TRACE_DAYS."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.turn_trace import prune

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def run_trace_retention(app: "Runtime") -> int:
    # traces are stamped with the wall clock when the turn finishes (like the ledger and memory rows), so the
    # cut-off is the wall clock too
    deleted = await prune(app.db, app.settings.turn_trace_days)
    if deleted:
        log.info("turn traces: %d older than %g days deleted", deleted, app.settings.turn_trace_days)
    return deleted
