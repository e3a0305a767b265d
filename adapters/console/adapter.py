"""The console channel: the same ledger, dispatcher and agents as WeCom/DingTalk, on stdin/stdout.

Cards print as a numbered list of buttons; typing `c1`, `c2`… presses a button of the latest card.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Callable

from bot.adapter import Adapter, Delivery
from bot.messages import CardAction, Inbound, InboundKind, Reply, Role

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

_PRESS = re.compile(r"^\s*[cC]\s*(\d)\s*$")


def render_reply(reply: Reply) -> str:
    if reply.card is None:
        return reply.text
    card = reply.card
    lines = [f"┌ {card.title}"]
    lines += [f"│ {line}" for line in card.body.splitlines() if line.strip()]
    lines += [f"│ {k}：{v}" for k, v in card.fields]
    if card.status:
        lines.append(f"└ {card.status}")
    elif card.buttons:
        lines.append("└ " + "  ".join(f"[c{i}] {b.label}" for i, b in enumerate(card.buttons, 1)))
    else:
        lines.append("└")
    return "\n".join(lines)


class ConsoleAdapter(Adapter):
    platforms = ("console",)
    identity_namespaces = {"console": "console"}
    staff_namespace = "console"
    max_text_bytes = 64 * 1024  # a terminal has no limit worth splitting for

    def __init__(self, app: "Runtime", sink: Callable[[str], None] | None = None):
        super().__init__(app)
        self.sink = sink or app.console_output or print
        self._last_card: dict[str, object] = {}  # conversation -> latest card with buttons
        self.delivered: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> None:
        reply = delivery.reply
        if reply.card is not None and reply.card.buttons and not reply.card.status:
            self._last_card[delivery.target.conversation_id or delivery.target.user_id] = reply.card
        self.delivered.append(delivery)
        prefix = f"[推送 → {delivery.target.user_id}] " if delivery.is_push else ""
        self.sink(prefix + render_reply(reply))

    def make_inbound(self, text: str, user: str, role_hint: Role | None = None) -> Inbound:
        """A typed line as an Inbound; `c2` presses the second button of the latest card."""
        card = self._last_card.get(user)
        m = _PRESS.match(text)
        if m and card is not None:
            index = int(m.group(1)) - 1
            if 0 <= index < len(card.buttons):
                button = card.buttons[index]
                return Inbound(
                    platform="console",
                    msg_id=uuid.uuid4().hex,
                    sender_id=user,
                    conversation_id=user,
                    kind=InboundKind.CARD_ACTION,
                    role_hint=role_hint,
                    card_action=CardAction(card_id=card.card_id, action=button.key),
                )
        return Inbound(
            platform="console",
            msg_id=uuid.uuid4().hex,
            sender_id=user,
            conversation_id=user,
            text=text,
            role_hint=role_hint,
        )
