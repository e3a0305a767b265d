"""AI bot callbacks (decrypted JSON) -> channel-neutral `Inbound`. The dedup key is the callback's msgid."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from adapters.wecom.render import card_id_from_task_id
from bot.messages import Attachment, CardAction, Inbound, InboundKind

log = logging.getLogger(__name__)

AIBOT = "wecom_aibot"

_LEADING_MENTIONS = re.compile(r"^(?:\s*@\S+)+\s*")


def stream_id_for(msgid: str) -> str:
    """A redelivered AI-bot message must get the same stream back, so the id derives from msgid."""
    return "s" + hashlib.sha1(msgid.encode()).hexdigest()[:24]


def aibot_inbound(p: dict[str, Any], started_at: float) -> Inbound | None:
    msgid = str(p.get("msgid") or "")
    sender = str((p.get("from") or {}).get("userid") or "")
    chat_type = p.get("chattype") or "single"
    chat_id = str(p.get("chatid") or "")
    is_group = chat_type == "group" and bool(chat_id)
    msg_type = p.get("msgtype") or ""
    raw = {
        "stream_id": stream_id_for(msgid),
        "response_url": p.get("response_url") or "",
        "chattype": chat_type,
        "chatid": chat_id,
        "userid": sender,
        "started_at": started_at,
    }
    common = dict(
        platform=AIBOT,
        msg_id=msgid,
        sender_id=sender,
        conversation_id=chat_id if is_group else sender,
        is_group=is_group,
        raw=raw,
    )
    if not msgid or not sender:
        return None
    if msg_type == "text":
        text = (p.get("text") or {}).get("content") or ""
        if is_group:
            text = _LEADING_MENTIONS.sub("", text)
        quote = p.get("quote") or {}
        if quote.get("msgtype") == "text" and (quote.get("text") or {}).get("content"):
            raw["quote"] = quote["text"]["content"]
        return Inbound(kind=InboundKind.TEXT, text=text.strip(), **common)
    if msg_type == "voice":
        return Inbound(kind=InboundKind.VOICE, text=((p.get("voice") or {}).get("content") or "").strip(), **common)
    if msg_type == "mixed":
        texts, atts = [], []
        for item in (p.get("mixed") or {}).get("msg_item") or []:
            if item.get("msgtype") == "text":
                texts.append((item.get("text") or {}).get("content") or "")
            elif item.get("msgtype") == "image":
                atts.append(Attachment(name="image.jpg", mime="image/jpeg", url=(item.get("image") or {}).get("url")))
        text = " ".join(texts)
        if is_group:
            text = _LEADING_MENTIONS.sub("", text)
        return Inbound(
            kind=InboundKind.TEXT if text.strip() else InboundKind.IMAGE, text=text.strip(), attachments=atts, **common
        )
    if msg_type == "image":
        return Inbound(
            kind=InboundKind.IMAGE,
            attachments=[Attachment(name="image.jpg", mime="image/jpeg", url=(p.get("image") or {}).get("url"))],
            **common,
        )
    if msg_type == "file":
        return Inbound(
            kind=InboundKind.FILE, attachments=[Attachment(name="file", url=(p.get("file") or {}).get("url"))], **common
        )
    log.info("wecom aibot: ignoring msgtype %r from %s", msg_type, sender)
    return None


def aibot_card_inbound(p: dict[str, Any]) -> Inbound | None:
    ev = ((p.get("event") or {}).get("template_card_event")) or {}
    msgid = str(p.get("msgid") or "")
    sender = str((p.get("from") or {}).get("userid") or "")
    if not msgid or not sender or not ev.get("task_id"):
        return None
    chat_id = str(p.get("chatid") or "")
    is_group = p.get("chattype") == "group" and bool(chat_id)
    selected = [
        {"question_key": s.get("question_key", ""), "option_ids": (s.get("option_ids") or {}).get("option_id", [])}
        for s in ((ev.get("selected_items") or {}).get("selected_item") or [])
    ]
    action = CardAction(
        card_id=card_id_from_task_id(ev["task_id"]),
        action=ev.get("event_key") or "",
        value={"task_id": ev["task_id"], "card_type": ev.get("card_type") or "", "selected": selected},
        platform_ref=p.get("response_url") or None,
    )
    return Inbound(
        platform=AIBOT,
        msg_id=msgid,
        sender_id=sender,
        conversation_id=chat_id if is_group else sender,
        is_group=is_group,
        kind=InboundKind.CARD_ACTION,
        card_action=action,
        event="template_card_event",
        raw={
            "response_url": p.get("response_url") or "",
            "chattype": p.get("chattype") or "single",
            "chatid": chat_id,
            "userid": sender,
            "card_event": True,
        },
    )
