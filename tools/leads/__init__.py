"""Leads: the customer-facing bot captures a prospect's contact, routes the lead to a rep and hands off.

handoff.py holds the customer tools (save_contact_info, handoff_to_sales), the routing (existing owner,
admin rules, region, round-robin), the business-hours promise and the reps' commands (/线索 /接单
/线索规则); models.py holds the tables (leads, routing rules, who takes leads).

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
