"""Prometheus metrics: latency per stage, LLM calls and tokens, queue depths, duplicates, sends.

One process = one App, so the metrics live in prometheus_client's default registry (with its process
collector: CPU, memory, open files). Counters the core already keeps in plain dicts (dispatcher,
outbox, ledger) are read at scrape time by a collector instead of being duplicated on the hot path.
Each replica is scraped on its own; sum over the `instance` label in Prometheus.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from bot.models import InboundMessage, OutboxMessage

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

STAGE_SECONDS = Histogram(
    "salesbot_stage_seconds",
    "Latency of one pipeline stage: ledger_claim, turn, llm_call, outbox_send",
    ["stage"],
    buckets=_BUCKETS,
)
LLM_CALLS = Counter("salesbot_llm_calls", "LLM calls by outcome (ok | error)", ["outcome"])
LLM_TOKENS = Counter("salesbot_llm_tokens", "LLM tokens by kind (prompt | completion)", ["kind"])
DB_ROWS = Gauge(
    "salesbot_db_rows", "Rows waiting in the database, by queue (outbox_pending, inbound_unfinished)", ["queue"]
)

_bound: "weakref.ref[Runtime] | None" = None


def observe(stage: str, seconds: float) -> None:
    STAGE_SECONDS.labels(stage).observe(seconds)


class timed:
    """`with timed("ledger_claim"): ...` observes the block's duration, errors included."""

    __slots__ = ("stage", "started")

    def __init__(self, stage: str):
        self.stage = stage

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        observe(self.stage, time.perf_counter() - self.started)
        return False


class _AppCollector:
    """The App's own counters and in-memory queue depths, read when Prometheus scrapes."""

    def collect(self):
        app = _bound() if _bound else None
        if app is None:
            return
        d, o = app.dispatcher, app.outbox

        def counter(name, doc, value):
            family = CounterMetricFamily(name, doc)
            family.add_metric([], value)
            return family

        def gauge(name, doc, value):
            family = GaugeMetricFamily(name, doc)
            family.add_metric([], value)
            return family

        yield counter("salesbot_turns", "Turns handled", d.stats.get("turns", 0))
        yield counter("salesbot_turn_errors", "Turns that ended in an internal error", d.stats.get("errors", 0))
        yield counter(
            "salesbot_llm_fallbacks", "Turns answered offline because the LLM failed", d.stats.get("llm_fallbacks", 0)
        )
        yield counter(
            "salesbot_duplicates_dropped", "Platform redeliveries dropped by the ledger", app.ledger.duplicates_dropped
        )
        sends = CounterMetricFamily("salesbot_outbox_sends", "Outbox sends by outcome", labels=["outcome"])
        for outcome, value in o.stats.items():
            sends.add_metric([outcome], value)
        yield sends
        leases = getattr(app, "leases", None)
        if leases is not None:
            yield counter(
                "salesbot_turns_taken_over",
                "Unfinished messages taken over from a dead replica",
                leases.stats["taken_over"],
            )
            yield counter(
                "salesbot_order_waits",
                "Turns that waited for an earlier message on another replica",
                leases.stats["order_waits"],
            )
        yield gauge("salesbot_conversations_active", "Conversations with a turn queued or running", len(d._workers))
        yield gauge(
            "salesbot_turns_queued",
            "Turns queued or running in this replica",
            len(d.in_flight) if hasattr(d, "in_flight") else sum(len(q) for q in d._queues.values()),
        )
        yield gauge("salesbot_outbox_lanes_active", "Outbox lanes (targets) sending right now", len(o._tasks))
        group = app.db.group
        pending = sum(
            len(q.pending) for q in (getattr(group, "_sync", None), getattr(group, "_async", None)) if q is not None
        )
        yield gauge("salesbot_group_commit_pending", "Writes waiting for the next group commit", pending)


REGISTRY.register(_AppCollector())


def bind(app: "Runtime") -> None:
    """The App whose counters /metrics reports (the last one started in this process)."""
    global _bound
    _bound = weakref.ref(app)


async def refresh_db_depths(app: "Runtime") -> None:
    """Queue depths that live in the database, counted at scrape time (both columns are indexed)."""
    async with app.db.session() as s:
        outbox = (await s.execute(select(func.count()).where(OutboxMessage.status == "pending"))).scalar_one()
        inbound = (await s.execute(select(func.count()).where(InboundMessage.status == "received"))).scalar_one()
    DB_ROWS.labels("outbox_pending").set(outbox)
    DB_ROWS.labels("inbound_unfinished").set(inbound)


def record_llm_call(seconds: float | None, outcome: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
    """One model call on /metrics (from agents.llm: its fast path, or the LangChain callback for other models)."""
    if seconds is not None:
        observe("llm_call", seconds)
    LLM_CALLS.labels(outcome).inc()
    if prompt_tokens:
        LLM_TOKENS.labels("prompt").inc(prompt_tokens)
    if completion_tokens:
        LLM_TOKENS.labels("completion").inc(completion_tokens)
