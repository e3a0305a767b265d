"""Signals → actions: price objections, competitor mentions, decision-maker changes, budget cuts, slipping
timelines and requests for a contract or a reference customer, found in what reps and customers write.

Sources: visit notes (Visit), staff chats and pasted transcripts, and customer-bot conversations (the
ledger's inbound messages). A scheduler job (scheduler/signal_jobs.py) scans what is new since its cursor,
stores each signal with the quoted sentence (SalesSignal), then:
  * per deal, a strong signal (detect.STRONG) proposes a next step to the deal's owner through the proposal
    flow (a card with 确认/修改/取消; nothing is written until they confirm), once per deal, kind and week;
  * per team (the owners' manager) and local week, a kind whose count reaches SALESBOT_SIGNAL_SURGE_RATIO ×
    its four-week average and at least SALESBOT_SIGNAL_SURGE_MIN alerts the manager once, with the quotes
    and a suggested action (a talk track from the knowledge base, a pricing review, a joint visit).
`/信号` shows a team's counts for this week against the four-week average.

Exposes: `register(capabilities)`, `org_profile(app)`, `scan(app)`, `step_candidates(app)`, `open_step_proposal(...)`,
`alert_surges(app)`, `surge_text(...)`, `week_counts(...)`.
"""

from __future__ import annotations

from bot.capabilities import Capabilities
from tools.signals.detect import KINDS, STRONG, Signal, detect
from tools.signals.service import (
    alert_surges,
    open_step_proposal,
    org_profile,
    router,
    scan,
    step_candidates,
    surge_text,
    week_counts,
)


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)


__all__ = [
    "KINDS",
    "STRONG",
    "Signal",
    "alert_surges",
    "detect",
    "org_profile",
    "open_step_proposal",
    "step_candidates",
    "surge_text",
    "register",
    "scan",
    "week_counts",
]
