"""Self-built app callbacks (decrypted XML fields) -> channel-neutral `Inbound`.

Dedup keys: MsgId (an opaque string) for messages; FromUserName+CreateTime+Event for events (plus TaskId+EventKey
for card clicks, so two clicks in one second on different cards stay apart; a redelivered callback still maps to
the same key). Userids stay strings end to end: "007" is not 7.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.wecom.render import card_id_from_task_id
from bot.messages import Attachment, CardAction, Inbound, InboundKind

log = logging.getLogger(__name__)

APP = "wecom"


def app_inbound(f: dict[str, Any]) -> Inbound | None:
    """A decrypted self-built-app message or event; None for a type we do not handle (logged)."""
    msg_type = (f.get("MsgType") or "").lower()
    sender = f.get("FromUserName") or ""
    created = f.get("CreateTime") or ""
    raw = {"userid": sender, "agent_id": f.get("AgentID") or ""}
    common = dict(platform=APP, sender_id=sender, conversation_id=sender, raw=raw)
    msg_id = f.get("MsgId") or f"{sender}:{created}:{msg_type}"
    if msg_type == "text":
        return Inbound(msg_id=msg_id, kind=InboundKind.TEXT, text=f.get("Content") or "", **common)
    if msg_type == "voice":
        # `Recognition` is a 公众号 (official account) field WeCom apps are not known to send; use it if present
        return Inbound(
            msg_id=msg_id,
            kind=InboundKind.VOICE,
            text=f.get("Recognition") or "",
            attachments=[
                Attachment(
                    name="voice." + (f.get("Format") or "amr").lower(), mime="audio/amr", media_id=f.get("MediaId")
                )
            ],
            **common,
        )
    if msg_type == "image":
        return Inbound(
            msg_id=msg_id,
            kind=InboundKind.IMAGE,
            attachments=[
                Attachment(name="image.jpg", mime="image/jpeg", url=f.get("PicUrl"), media_id=f.get("MediaId"))
            ],
            **common,
        )
    if msg_type == "video":
        return Inbound(
            msg_id=msg_id,
            kind=InboundKind.FILE,
            attachments=[Attachment(name="video.mp4", mime="video/mp4", media_id=f.get("MediaId"))],
            **common,
        )
    if msg_type == "location":
        try:
            location = {
                "lat": float(f.get("Location_X") or 0),
                "lng": float(f.get("Location_Y") or 0),
                "label": f.get("Label") or "",
                "scale": f.get("Scale") or "",
            }
        except ValueError:
            log.warning("wecom location with bad coordinates from %s", sender)
            return None
        return Inbound(msg_id=msg_id, kind=InboundKind.LOCATION, location=location, **common)
    if msg_type == "link":
        text = "\n".join(x for x in (f.get("Title"), f.get("Description"), f.get("Url")) if x)
        return Inbound(
            msg_id=msg_id,
            kind=InboundKind.LINK,
            text=text,
            raw={**raw, "url": f.get("Url") or ""},
            **{k: v for k, v in common.items() if k != "raw"},
        )
    if msg_type == "event":
        return _app_event(f, sender, created, raw)
    log.info("wecom: ignoring message type %r from %s", msg_type, sender)
    return None


def _app_event(f: dict[str, Any], sender: str, created: str, raw: dict) -> Inbound | None:
    event_name = f.get("Event") or ""
    event = event_name.lower()  # WeCom says "click", 公众号 "CLICK"
    msg_id = f"{sender}:{created}:{event_name}"
    common = dict(platform=APP, sender_id=sender, conversation_id=sender)
    if event in ("enter_agent", "subscribe"):
        return Inbound(msg_id=msg_id, kind=InboundKind.EVENT, event=event, raw=raw, **common)
    if event == "click":
        key = f.get("EventKey") or ""
        if key.startswith(("/", "／")):  # a menu item whose key is a command runs it
            return Inbound(msg_id=msg_id, kind=InboundKind.TEXT, text=key, event="click", raw=raw, **common)
        return Inbound(msg_id=msg_id, kind=InboundKind.EVENT, event="click", text=key, raw=raw, **common)
    if event in ("template_card_event", "template_card_menu_event"):
        task_id = f.get("TaskId") or ""
        key = f.get("EventKey") or ""
        response_code = f.get("ResponseCode") or ""
        action = CardAction(
            card_id=card_id_from_task_id(task_id),
            action=key,
            value={"task_id": task_id, "card_type": f.get("CardType") or "", "selected": f.get("SelectedItems") or []},
            platform_ref=response_code or None,
        )
        return Inbound(
            msg_id=f"{msg_id}:{task_id}:{key}",
            kind=InboundKind.CARD_ACTION,
            card_action=action,
            event=event,
            raw={**raw, "response_code": response_code, "task_id": task_id},
            **common,
        )
    log.info("wecom: ignoring event %r from %s", event_name, sender)
    return None
