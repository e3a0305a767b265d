"""Channel-neutral message types: the only shapes the core knows.

Adapters turn platform payloads into `Inbound` / `CardAction` and turn `Reply` into platform calls.
Nothing here knows WeCom or DingTalk.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SESSION_SEPARATOR = "#"  # between a group's conversation key and a member's id in a session key


class Role(str, enum.Enum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"
    CUSTOMER = "customer"


ROLE_LABELS = {"rep": "销售", "manager": "销售经理", "admin": "管理员", "customer": "客户"}


class WriteSource(str, enum.Enum):
    """Who wrote a row (borrowed from Twenty's createdBy.source)."""

    MANUAL = "MANUAL"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"
    IMPORT = "IMPORT"


#: how a source reads to people (console pages, chat); AGENT rows were proposed by the assistant and, unless an
#: admin turned on direct writes with undo (SALESBOT_DIRECT_WRITES), confirmed by the person before writing
SOURCE_LABELS = {"AGENT": "AI 助手", "MANUAL": "手工", "SYSTEM": "系统", "IMPORT": "导入"}


class InboundKind(str, enum.Enum):
    TEXT = "text"
    VOICE = "voice"  # text holds the platform's recognition, when there is one
    IMAGE = "image"
    FILE = "file"
    LOCATION = "location"
    LINK = "link"
    EVENT = "event"  # enter_agent, menu click, ...
    CARD_ACTION = "card_action"


@dataclass(frozen=True)
class Actor:
    """Who is speaking, resolved by identity. `staff_id` is None for customers."""

    role: Role
    staff_id: int | None = None
    contact_id: int | None = None
    name: str = ""
    team: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.CUSTOMER and self.staff_id is not None


@dataclass
class Attachment:
    """A file or media the platform sent; `data` is filled by the adapter when downloaded."""

    name: str
    mime: str = ""
    data: bytes | None = None
    url: str | None = None
    media_id: str | None = None
    size: int | None = None


@dataclass
class CardAction:
    """A button press on a card we sent. `card_id` is our own id, carried in the card's payload."""

    card_id: str
    action: str  # e.g. "approve", "reject", "confirm", "option:2"
    value: dict[str, Any] = field(default_factory=dict)
    platform_ref: str | None = None  # e.g. WeCom response_code, DingTalk outTrackId


@dataclass
class Inbound:
    """One message from a platform, after the adapter verified and parsed it."""

    platform: str  # "console", "wecom", "wecom_aibot", "wecom_kf", "dingtalk", "web"
    msg_id: str  # the platform's message id (dedup key, opaque string)
    sender_id: str  # platform user id (WeCom userid, DingTalk staffId, external_userid, ...)
    conversation_id: str  # platform conversation (user id for 1:1, group id for groups)
    kind: InboundKind = InboundKind.TEXT
    text: str = ""
    is_group: bool = False
    sender_name: str = ""
    role_hint: Role | None = None  # set by channels that only serve customers (kf, web chat)
    attachments: list[Attachment] = field(default_factory=list)
    card_action: CardAction | None = None
    location: dict[str, Any] | None = None  # {"lat","lng","label"}
    event: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    raw: dict[str, Any] = field(default_factory=dict)  # platform extras an adapter needs to answer

    @property
    def conversation_key(self) -> str:
        """The conversation: turns in it run one at a time, in order (the dispatcher queues by it)."""
        return f"{self.platform}:{self.conversation_id}"

    @property
    def session_key(self) -> str:
        """Whose memory, pending question and proposal this message belongs to: the chat for a 1:1, the
        (group, member) pair in a group, so colleagues' words are never taken as the speaker's own."""
        if self.is_group and self.sender_id:
            return f"{self.conversation_key}{SESSION_SEPARATOR}{self.sender_id}"
        return self.conversation_key


@dataclass
class CardButton:
    key: str  # action name delivered back in CardAction.action
    label: str
    style: str = "primary"  # primary | danger | default


@dataclass
class Card:
    """An interactive card: WeCom template_card (button_interaction), DingTalk card, console list."""

    card_id: str
    title: str
    body: str  # plain text / light markdown
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[CardButton] = field(default_factory=list)
    status: str | None = None  # set when decided: buttons are replaced by this text


@dataclass
class Reply:
    """Something to send: text, markdown or a card, to a user or a conversation."""

    text: str = ""
    markdown: bool = False
    title: str = ""  # DingTalk markdown needs one
    card: Card | None = None
    card_update: bool = False  # update an existing card (card.card_id) instead of sending a new one


@dataclass(frozen=True)
class Target:
    """Where a proactive push goes (never a reply webhook)."""

    platform: str
    user_id: str | None = None  # platform user id
    conversation_id: str | None = None  # group / chat id


def inbound_to_dict(inbound: Inbound) -> dict[str, Any]:
    """JSON-safe form for the ledger (attachment bytes are not stored here, only their metadata)."""
    return {
        "platform": inbound.platform,
        "msg_id": inbound.msg_id,
        "sender_id": inbound.sender_id,
        "conversation_id": inbound.conversation_id,
        "kind": inbound.kind.value,
        "text": inbound.text,
        "is_group": inbound.is_group,
        "sender_name": inbound.sender_name,
        "role_hint": inbound.role_hint.value if inbound.role_hint else None,
        "attachments": [
            {"name": a.name, "mime": a.mime, "url": a.url, "media_id": a.media_id, "size": a.size}
            for a in inbound.attachments
        ],
        "card_action": (
            {
                "card_id": inbound.card_action.card_id,
                "action": inbound.card_action.action,
                "value": inbound.card_action.value,
                "platform_ref": inbound.card_action.platform_ref,
            }
            if inbound.card_action
            else None
        ),
        "location": inbound.location,
        "event": inbound.event,
        "received_at": inbound.received_at.isoformat(),
        "raw": inbound.raw,
    }


def inbound_from_dict(d: dict[str, Any]) -> Inbound:
    return Inbound(
        platform=d["platform"],
        msg_id=d["msg_id"],
        sender_id=d["sender_id"],
        conversation_id=d["conversation_id"],
        kind=InboundKind(d.get("kind", "text")),
        text=d.get("text", ""),
        is_group=d.get("is_group", False),
        sender_name=d.get("sender_name", ""),
        role_hint=Role(d["role_hint"]) if d.get("role_hint") else None,
        attachments=[Attachment(**a) for a in d.get("attachments", [])],
        card_action=CardAction(**d["card_action"]) if d.get("card_action") else None,
        location=d.get("location"),
        event=d.get("event"),
        received_at=datetime.fromisoformat(d["received_at"]) if d.get("received_at") else datetime.now(timezone.utc),
        raw=d.get("raw") or {},
    )


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    card = reply.card
    return {
        "text": reply.text,
        "markdown": reply.markdown,
        "title": reply.title,
        "card_update": reply.card_update,
        "card": (
            {
                "card_id": card.card_id,
                "title": card.title,
                "body": card.body,
                "fields": [list(f) for f in card.fields],
                "buttons": [{"key": b.key, "label": b.label, "style": b.style} for b in card.buttons],
                "status": card.status,
            }
            if card
            else None
        ),
    }


def reply_from_dict(d: dict[str, Any]) -> Reply:
    c = d.get("card")
    card = None
    if c:
        card = Card(
            card_id=c["card_id"],
            title=c["title"],
            body=c["body"],
            fields=[tuple(f) for f in c.get("fields", [])],
            buttons=[CardButton(**b) for b in c.get("buttons", [])],
            status=c.get("status"),
        )
    return Reply(
        text=d.get("text", ""),
        markdown=d.get("markdown", False),
        title=d.get("title", ""),
        card=card,
        card_update=d.get("card_update", False),
    )
