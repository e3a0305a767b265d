"""Proposals: writes the model asks for wait for the person's 确认 (service.py), answered in chat.py.

Exposes `register(capabilities)` for the composition root; for the agents `describe_call`, `open_proposal`,
`current_proposal`, `proposal_replies`, `write_direct`, `direct_tools` and the message told to the model.
"""

from tools.proposals.chat import register
from tools.proposals.service import (
    TOLD_MODEL,
    current_proposal,
    describe_call,
    direct_tools,
    open_proposal,
    proposal_body,
    proposal_replies,
    write_direct,
)

__all__ = [
    "TOLD_MODEL",
    "current_proposal",
    "describe_call",
    "direct_tools",
    "open_proposal",
    "proposal_body",
    "proposal_replies",
    "register",
    "write_direct",
]
