"""Approvals: a rep asks for a discount, special price, clause, payment terms, POC or expense; the rules pick
the approvers, each decides on a card, and the requester hears about every step.

rules.py reads the YAML rules (default_rules.yaml ships as the fallback) and plans a chain; submit.py
validates a request and writes it with its whole chain; flow.py is the state machine (decide, delegate,
withdraw, escalate, sync from a platform engine); models.py holds the tables; chat.py the tools, commands,
cards and answers the rep and approvers use.

Exposes `register(capabilities)` for the composition root, and for the scheduler
`remind_and_escalate_overdue(app)` and `digest_lines(app, staff_id)`.
"""
from tools.approvals.chat import digest_lines, register
from tools.approvals.flow import remind_and_escalate_overdue

__all__ = ["digest_lines", "register", "remind_and_escalate_overdue"]
