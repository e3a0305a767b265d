"""The console channel: the same ledger, dispatcher and agents as WeCom/DingTalk, on stdin/stdout.

Cards print as a numbered list of buttons; typing `c1`, `c2`… presses a button of the latest card.
The latest card with buttons is kept per person in the shared key-value store, so a card pushed while the
person was not connected, or shown in an earlier `salesbot chat`, can still be pressed from a new session.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from bot.adapter import Adapter, Delivery
from bot.messages import Attachment, Card, CardAction, CardButton, Inbound, InboundKind, Reply, Role

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

_PRESS = re.compile(r"^\s*[cC]\s*(\d)\s*$")
log = logging.getLogger(__name__)

#: a line that is the path of a picture stands for a photo sent in chat (a business card, say)
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
MAX_PHOTO_BYTES = 15 * 1024 * 1024

#: how long a card stays pressable with `cN` from another session (approvals and proposals expire sooner)
CARD_TTL_SECONDS = 72 * 3600


def _card_key(person: str) -> str:
    return f"console:last_card:{person}"


def _card_to_json(card: Card) -> str:
    buttons = [{"key": b.key, "label": b.label, "style": b.style} for b in card.buttons]
    return json.dumps({"card_id": card.card_id, "title": card.title, "buttons": buttons}, ensure_ascii=False)


def _card_from_json(value: str) -> Card | None:
    try:
        data = json.loads(value)
        buttons = [CardButton(key=b["key"], label=b["label"], style=b.get("style", "primary")) for b in data["buttons"]]
        return Card(card_id=data["card_id"], title=data.get("title", ""), body="", buttons=buttons)
    except (ValueError, KeyError, TypeError):
        return None


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


def _read_photo(line: str) -> Attachment | None:
    """The picture a typed path names (quotes and a leading ~ allowed), or None when the line is not one."""
    candidate = line.strip().strip("'\"")
    if not candidate or "\n" in candidate or Path(candidate).suffix.lower() not in PHOTO_SUFFIXES:
        return None
    path = Path(candidate).expanduser()
    try:
        if not path.is_file() or path.stat().st_size > MAX_PHOTO_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    mime = mimetypes.guess_type(path.name)[0] or "image/jpeg"
    return Attachment(name=path.name, mime=mime, data=data, size=len(data))


class ConsoleAdapter(Adapter):
    platforms = ("console",)
    identity_namespaces = {"console": "console"}
    staff_namespace = "console"
    max_text_bytes = 64 * 1024  # a terminal has no limit worth splitting for

    def __init__(self, app: "Runtime", sink: Callable[[str], None] | None = None):
        super().__init__(app)
        self.sink = sink or app.console_output or print
        self._last_card: dict[str, Card] = {}  # person -> latest card with buttons (this process's copy)
        self.delivered: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> None:
        reply = delivery.reply
        person = delivery.target.conversation_id or delivery.target.user_id
        if person and reply.card is not None:
            await self._remember_card(person, reply.card)
        self.delivered.append(delivery)
        prefix = f"[推送 → {delivery.target.user_id}] " if delivery.is_push else ""
        self.sink(prefix + render_reply(reply))

    async def _remember_card(self, person: str, card: Card) -> None:
        # a decided card (status instead of buttons) stays the one `cN` presses, as before: its handler
        # answers a late press ("已经处理过了") instead of the words going to the assistant as text
        if card.buttons and not card.status:
            self._last_card[person] = card
            await self.app.kv.set(_card_key(person), _card_to_json(card), ttl_seconds=CARD_TTL_SECONDS)

    async def latest_card(self, person: str) -> Card | None:
        """The latest card with buttons sent to `person` by any process, within CARD_TTL_SECONDS."""
        value = await self.app.kv.get(_card_key(person))
        if value is None:
            return None
        card = _card_from_json(value)
        if card is None:
            log.warning("unreadable console card for %s; ignored", person)
        return card

    async def read_line(self, text: str, user: str, role_hint: Role | None = None) -> Inbound:
        """A typed line as an Inbound, like `make_inbound`, with `cN` pressing the latest card sent to `user`
        from any session (the stored one), not only one this process printed."""
        photo = await asyncio.to_thread(_read_photo, text)
        if photo is not None:
            return Inbound(
                platform="console",
                msg_id=uuid.uuid4().hex,
                sender_id=user,
                conversation_id=user,
                kind=InboundKind.IMAGE,
                role_hint=role_hint,
                attachments=[photo],
            )
        card = await self.latest_card(user) if _PRESS.match(text) else None
        return self.make_inbound(text, user, role_hint, card=card)

    def make_inbound(self, text: str, user: str, role_hint: Role | None = None, card: Card | None = None) -> Inbound:
        """A typed line as an Inbound; `c2` presses the second button of `card` (default: the latest card
        this process printed for `user`)."""
        card = card or self._last_card.get(user)
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
