"""Leads: the customer-facing bot captures a prospect's contact, routes the lead to a rep and hands off.

handoff.py holds the customer tools (save_contact_info, handoff_to_sales), the hand-off (existing owner first,
then routing), the business-hours promise and the reps' commands (/线索 /接单 /线索规则); scoring.py the score
with its reasons and the learned weights; routing.py the rules and the load-weighted pick; sla.py the response
clock (assignment, card, follow-up task, accept/contacted, time to first contact); lead_rules.py the editable
lead rules (weights, SLA bands, routing rules); models.py the tables.

Exposes `register(capabilities)` for the composition root; `offline_customer_answer` and
`leave_contact_hint` for the offline customer mode (agents/offline.py); `business_hours`,
`in_business_hours`, `current_lead`, `asks_for_a_person` and `hand_off_now` for the customer agent
(agents/customer.py). capture.py reads contact details and a wish for a person without a model.
"""

from tools.leads.capture import wants_human
from tools.leads.handoff import (
    ASK_CONTACT,
    asks_for_a_person,
    business_hours,
    current_lead,
    hand_off_now,
    in_business_hours,
    leave_contact_hint,
    offline_customer_answer,
    register,
)

__all__ = [
    "ASK_CONTACT",
    "asks_for_a_person",
    "business_hours",
    "current_lead",
    "hand_off_now",
    "in_business_hours",
    "leave_contact_hint",
    "offline_customer_answer",
    "register",
    "wants_human",
]
