"""Platform payloads -> channel-neutral `Inbound` (self-built app XML, AI bot JSON, 微信客服 sync_msg).

Dedup keys (protocols.md A4/A8/A9): MsgId (an opaque string) for app messages; FromUserName+CreateTime
+Event for app events (plus TaskId+EventKey for card clicks, so two clicks in one second on different
cards stay apart; a redelivered callback still maps to the same key); msgid for AI bot and kf.
Userids stay strings end to end: "007" is not 7.
"""
from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from bot.messages import Attachment, CardAction, Inbound, InboundKind, Role

log = logging.getLogger(__name__)

APP = "wecom"
AIBOT = "wecom_aibot"
KF = "wecom_kf"

_LEADING_MENTIONS = re.compile(r"^(?:\s*@\S+)+\s*")


def card_id_from_task_id(task_id: str) -> str:
    """We send task_id = "<card_id>@<outbox row>" (WeCom wants task ids unique per app); undo that."""
    return task_id.split("@", 1)[0]


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
        # `Recognition` is a 公众号 field; WeCom apps are not known to send it (A5), but use it if present
        return Inbound(msg_id=msg_id, kind=InboundKind.VOICE, text=f.get("Recognition") or "",
                       attachments=[Attachment(name="voice." + (f.get("Format") or "amr").lower(), mime="audio/amr",
                                               media_id=f.get("MediaId"))], **common)
    if msg_type == "image":
        return Inbound(msg_id=msg_id, kind=InboundKind.IMAGE,
                       attachments=[Attachment(name="image.jpg", mime="image/jpeg", url=f.get("PicUrl"),
                                               media_id=f.get("MediaId"))], **common)
    if msg_type == "video":
        return Inbound(msg_id=msg_id, kind=InboundKind.FILE,
                       attachments=[Attachment(name="video.mp4", mime="video/mp4", media_id=f.get("MediaId"))], **common)
    if msg_type == "location":
        try:
            location = {"lat": float(f.get("Location_X") or 0), "lng": float(f.get("Location_Y") or 0),
                        "label": f.get("Label") or "", "scale": f.get("Scale") or ""}
        except ValueError:
            log.warning("wecom location with bad coordinates from %s", sender)
            return None
        return Inbound(msg_id=msg_id, kind=InboundKind.LOCATION, location=location, **common)
    if msg_type == "link":
        text = "\n".join(x for x in (f.get("Title"), f.get("Description"), f.get("Url")) if x)
        return Inbound(msg_id=msg_id, kind=InboundKind.LINK, text=text, raw={**raw, "url": f.get("Url") or ""},
                       **{k: v for k, v in common.items() if k != "raw"})
    if msg_type == "event":
        return _app_event(f, sender, created, raw)
    log.info("wecom: ignoring message type %r from %s", msg_type, sender)
    return None


def _app_event(f: dict[str, Any], sender: str, created: str, raw: dict) -> Inbound | None:
    event_name = f.get("Event") or ""
    event = event_name.lower()  # WeCom says "click", 公众号 "CLICK" (A5)
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
        action = CardAction(card_id=card_id_from_task_id(task_id), action=key,
                            value={"task_id": task_id, "card_type": f.get("CardType") or "",
                                   "selected": f.get("SelectedItems") or []},
                            platform_ref=response_code or None)
        return Inbound(msg_id=f"{msg_id}:{task_id}:{key}", kind=InboundKind.CARD_ACTION, card_action=action,
                       event=event, raw={**raw, "response_code": response_code, "task_id": task_id}, **common)
    log.info("wecom: ignoring event %r from %s", event_name, sender)
    return None


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
    raw = {"stream_id": stream_id_for(msgid), "response_url": p.get("response_url") or "", "chattype": chat_type,
           "chatid": chat_id, "userid": sender, "started_at": started_at}
    common = dict(platform=AIBOT, msg_id=msgid, sender_id=sender, conversation_id=chat_id if is_group else sender,
                  is_group=is_group, raw=raw)
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
        return Inbound(kind=InboundKind.TEXT if text.strip() else InboundKind.IMAGE, text=text.strip(),
                       attachments=atts, **common)
    if msg_type == "image":
        return Inbound(kind=InboundKind.IMAGE, attachments=[
            Attachment(name="image.jpg", mime="image/jpeg", url=(p.get("image") or {}).get("url"))], **common)
    if msg_type == "file":
        return Inbound(kind=InboundKind.FILE, attachments=[Attachment(name="file", url=(p.get("file") or {}).get("url"))],
                       **common)
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
    selected = [{"question_key": s.get("question_key", ""), "option_ids": (s.get("option_ids") or {}).get("option_id", [])}
                for s in ((ev.get("selected_items") or {}).get("selected_item") or [])]
    action = CardAction(card_id=card_id_from_task_id(ev["task_id"]), action=ev.get("event_key") or "",
                        value={"task_id": ev["task_id"], "card_type": ev.get("card_type") or "", "selected": selected},
                        platform_ref=p.get("response_url") or None)
    return Inbound(platform=AIBOT, msg_id=msgid, sender_id=sender, conversation_id=chat_id if is_group else sender,
                   is_group=is_group, kind=InboundKind.CARD_ACTION, card_action=action, event="template_card_event",
                   raw={"response_url": p.get("response_url") or "", "chattype": p.get("chattype") or "single",
                        "chatid": chat_id, "userid": sender, "card_event": True})


def kf_inbound(m: dict[str, Any]) -> Inbound | None:
    """One sync_msg item from a customer (origin 3); None for anything else (our own/servicer messages)."""
    if m.get("origin") != 3:
        return None
    open_kfid = m.get("open_kfid") or ""
    customer = m.get("external_userid") or ""
    msg_type = m.get("msgtype") or ""
    raw = {"open_kfid": open_kfid, "external_userid": customer}
    common = dict(platform=KF, msg_id=str(m.get("msgid") or ""), sender_id=customer,
                  conversation_id=f"{open_kfid}:{customer}", role_hint=Role.CUSTOMER, raw=raw)
    if not common["msg_id"] or not customer:
        return None
    body = m.get(msg_type) or {}
    if msg_type == "text":
        return Inbound(kind=InboundKind.TEXT, text=body.get("content") or "", **common)
    if msg_type in ("image", "voice", "video", "file"):
        kind = {"image": InboundKind.IMAGE, "voice": InboundKind.VOICE}.get(msg_type, InboundKind.FILE)
        return Inbound(kind=kind, attachments=[Attachment(name=msg_type, media_id=body.get("media_id"))], **common)
    if msg_type == "location":
        return Inbound(kind=InboundKind.LOCATION, location={"lat": body.get("latitude"), "lng": body.get("longitude"),
                                                            "label": body.get("name") or body.get("address") or ""},
                       **common)
    if msg_type == "link":
        text = "\n".join(x for x in (body.get("title"), body.get("desc"), body.get("url")) if x)
        return Inbound(kind=InboundKind.LINK, text=text, **common)
    log.info("wecom kf: ignoring msgtype %r", msg_type)
    return None
