"""Approvals: a rep asks for a discount, special price, clause, payment terms, POC or expense; the rules pick
the approvers, each decides on a card, and the requester hears about every step.

rules.py reads the YAML rules (default_rules.yaml ships as the fallback) and plans a chain; submit.py
validates a request and writes it with its whole chain; flow.py is the state machine (decide, delegate,
withdraw, escalate, sync from a platform engine); models.py holds the tables; chat.py the tools, commands,
cards and answers the rep and approvers use.

Exposes `register(capabilities)` for the composition root; for the scheduler `remind_and_escalate_overdue(app)`
and `digest_lines(app, staff_id)`; for a platform approval engine (WeCom / DingTalk) `link_external`,
`apply_external_status` and the status mappers `status_from_wecom` / `status_from_dingtalk`.
"""

from tools.approvals.chat import digest_lines, register
from tools.approvals.flow import (
    apply_external_status,
    link_external,
    remind_and_escalate_overdue,
    status_from_dingtalk,
    status_from_wecom,
)

__all__ = [
    "apply_external_status",
    "digest_lines",
    "link_external",
    "register",
    "remind_and_escalate_overdue",
    "status_from_dingtalk",
    "status_from_wecom",
]
