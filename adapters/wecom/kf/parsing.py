"""微信客服 kf/sync_msg items -> channel-neutral `Inbound`. The dedup key is the item's msgid."""

from __future__ import annotations

import logging
from typing import Any

from bot.messages import Attachment, Inbound, InboundKind, Role

log = logging.getLogger(__name__)

KF = "wecom_kf"


def kf_inbound(m: dict[str, Any]) -> Inbound | None:
    """One sync_msg item from a customer (origin 3); None for anything else (our own/servicer messages)."""
    if m.get("origin") != 3:
        return None
    open_kfid = m.get("open_kfid") or ""
    customer = m.get("external_userid") or ""
    msg_type = m.get("msgtype") or ""
    raw = {"open_kfid": open_kfid, "external_userid": customer}
    common = dict(
        platform=KF,
        msg_id=str(m.get("msgid") or ""),
        sender_id=customer,
        conversation_id=f"{open_kfid}:{customer}",
        role_hint=Role.CUSTOMER,
        raw=raw,
    )
    if not common["msg_id"] or not customer:
        return None
    body = m.get(msg_type) or {}
    if msg_type == "text":
        return Inbound(kind=InboundKind.TEXT, text=body.get("content") or "", **common)
    if msg_type in ("image", "voice", "video", "file"):
        kind = {"image": InboundKind.IMAGE, "voice": InboundKind.VOICE}.get(msg_type, InboundKind.FILE)
        return Inbound(kind=kind, attachments=[Attachment(name=msg_type, media_id=body.get("media_id"))], **common)
    if msg_type == "location":
        return Inbound(
            kind=InboundKind.LOCATION,
            location={
                "lat": body.get("latitude"),
                "lng": body.get("longitude"),
                "label": body.get("name") or body.get("address") or "",
            },
            **common,
        )
    if msg_type == "link":
        text = "\n".join(x for x in (body.get("title"), body.get("desc"), body.get("url")) if x)
        return Inbound(kind=InboundKind.LINK, text=text, **common)
    log.info("wecom kf: ignoring msgtype %r", msg_type)
    return None
