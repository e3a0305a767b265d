"""DingTalk payloads -> plain data the adapter turns into `Inbound` (robot messages and card callbacks as DingTalk sends them).

Parsing is pure (no I/O) so malformed payloads are rejected before anything is written: a
`PayloadError` carries the reason, the stream client ACKs the frame with code 400 and logs it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from bot.messages import InboundKind

SINGLE_CHAT = "1"
GROUP_CHAT = "2"


class PayloadError(ValueError):
    """The payload is not a DingTalk message we can understand."""


@dataclass
class MediaRef:
    """A file or media to fetch through /v1.0/robot/messageFiles/download."""

    download_code: str
    name: str
    mime: str = ""


@dataclass
class RobotMessage:
    msg_id: str
    msgtype: str
    kind: InboundKind
    text: str
    conversation_id: str
    is_group: bool
    sender_staff_id: str
    sender_id: str
    sender_nick: str
    robot_code: str
    session_webhook: str | None
    session_webhook_expires_ms: int | None
    conversation_title: str = ""
    media: list[MediaRef] = field(default_factory=list)

    @property
    def chat_id(self) -> str:
        """The conversation as the core sees it: the group, or the sender in a single chat."""
        return self.conversation_id if self.is_group else self.sender_staff_id

    def reply_context(self) -> dict[str, Any]:
        """What `deliver` needs later to answer this message (stored as Inbound.raw)."""
        return {
            "msgId": self.msg_id,
            "msgtype": self.msgtype,
            "conversationId": self.conversation_id,
            "conversationType": GROUP_CHAT if self.is_group else SINGLE_CHAT,
            "senderStaffId": self.sender_staff_id,
            "robotCode": self.robot_code,
            "sessionWebhook": self.session_webhook,
            "sessionWebhookExpiredTime": self.session_webhook_expires_ms,
        }


def _require_str(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"missing or empty field {key!r}")
    return value


def _content(payload: dict[str, Any]) -> dict[str, Any]:
    content = payload.get("content")
    if isinstance(content, str):  # some senders double-encode content
        try:
            content = json.loads(content)
        except ValueError as exc:
            raise PayloadError("content is not JSON") from exc
    if not isinstance(content, dict):
        raise PayloadError("missing content object")
    return content


def parse_robot_message(payload: Any) -> RobotMessage:
    """Parse the `data` of topic /v1.0/im/bot/messages/get (same JSON as the HTTP robot mode body)."""
    if not isinstance(payload, dict):
        raise PayloadError("payload is not a JSON object")
    msg_id = _require_str(payload, "msgId")
    msgtype = _require_str(payload, "msgtype")
    conversation_id = _require_str(payload, "conversationId")
    conversation_type = str(payload.get("conversationType", SINGLE_CHAT))
    if conversation_type not in (SINGLE_CHAT, GROUP_CHAT):
        raise PayloadError(f"unknown conversationType {conversation_type!r}")
    sender_id = payload.get("senderId") or ""
    sender_staff_id = payload.get("senderStaffId") or ""
    if not sender_staff_id:
        # Reportedly absent before the robot is published; the encrypted senderId still identifies the person.
        sender_staff_id = sender_id
    if not sender_staff_id:
        raise PayloadError("missing senderStaffId and senderId")

    text = ""
    kind = InboundKind.TEXT
    media: list[MediaRef] = []
    if msgtype == "text":
        body = payload.get("text")
        if not isinstance(body, dict) or not isinstance(body.get("content"), str):
            raise PayloadError("text message without text.content")
        text = body["content"]
    elif msgtype == "richText":
        items = _content(payload).get("richText")
        if not isinstance(items, list):
            raise PayloadError("richText message without content.richText list")
        pieces: list[str] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("text"), str):
                pieces.append(item["text"])
            code = item.get("downloadCode") or item.get("pictureDownloadCode")
            if item.get("type") == "picture" and code:
                media.append(MediaRef(code, f"image-{index + 1}.png", "image/png"))
        text = "".join(pieces)
    elif msgtype == "picture":
        content = _content(payload)
        code = content.get("downloadCode") or content.get("pictureDownloadCode")
        if not code:
            raise PayloadError("picture message without downloadCode")
        kind = InboundKind.IMAGE
        media.append(MediaRef(code, "image.png", "image/png"))
    elif msgtype == "audio":
        content = _content(payload)
        kind = InboundKind.VOICE
        recognition = content.get("recognition")
        if isinstance(recognition, str) and recognition.strip():
            text = recognition
        elif content.get("downloadCode"):
            media.append(MediaRef(content["downloadCode"], "voice.amr", "audio/amr"))
        else:
            raise PayloadError("audio message without recognition or downloadCode")
    elif msgtype == "file":
        content = _content(payload)
        code = content.get("downloadCode")
        if not code:
            raise PayloadError("file message without downloadCode")
        kind = InboundKind.FILE
        media.append(MediaRef(code, str(content.get("fileName") or "file")))
    elif msgtype == "video":
        content = _content(payload)
        kind = InboundKind.FILE
        if content.get("downloadCode"):
            media.append(MediaRef(content["downloadCode"], "video.mp4", "video/mp4"))
    else:
        raise PayloadError(f"unsupported msgtype {msgtype!r}")

    expires = payload.get("sessionWebhookExpiredTime")
    return RobotMessage(
        msg_id=msg_id,
        msgtype=msgtype,
        kind=kind,
        # in groups the @mention is cut out and leaves a leading space behind
        text=text.strip(),
        conversation_id=conversation_id,
        is_group=conversation_type == GROUP_CHAT,
        sender_staff_id=sender_staff_id,
        sender_id=sender_id,
        sender_nick=str(payload.get("senderNick") or ""),
        robot_code=str(payload.get("robotCode") or ""),
        session_webhook=payload.get("sessionWebhook") or None,
        session_webhook_expires_ms=int(expires)
        if isinstance(expires, (int, float, str)) and str(expires).isdigit()
        else None,
        conversation_title=str(payload.get("conversationTitle") or ""),
        media=media,
    )


@dataclass
class CardPress:
    out_track_id: str
    user_id: str
    action: str
    params: dict[str, Any]
    corp_id: str = ""

    @property
    def press_id(self) -> str:
        """Stable per (card, user, action, params): a redelivered callback is the same press."""
        fingerprint = json.dumps([self.action, self.params], sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha1(fingerprint.encode("utf-8")).hexdigest()[:16]
        return f"card:{self.out_track_id}:{self.user_id}:{digest}"


def _loads_maybe(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _find_params(node: Any, depth: int = 0) -> dict[str, Any] | None:
    """`params` sits inside cardPrivateData in real captures and beside it in doc copies: search both."""
    if depth > 6:
        return None
    node = _loads_maybe(node)
    if isinstance(node, dict):
        params = _loads_maybe(node.get("params"))
        if isinstance(params, dict) and params:
            return params
        for key in ("cardPrivateData", "privateData", "value", "content", "data"):
            if key in node:
                found = _find_params(node[key], depth + 1)
                if found:
                    return found
    return None


def _find_action_ids(node: Any, depth: int = 0) -> list[str]:
    if depth > 6:
        return []
    node = _loads_maybe(node)
    if isinstance(node, dict):
        ids = node.get("actionIds")
        if isinstance(ids, list) and ids:
            return [str(i) for i in ids]
        for key in ("cardPrivateData", "privateData", "value", "content", "data"):
            if key in node:
                found = _find_action_ids(node[key], depth + 1)
                if found:
                    return found
    return []


def parse_card_callback(payload: Any) -> CardPress:
    """Parse the `data` of topic /v1.0/card/instances/callback (stream) or an HTTP card callback."""
    if not isinstance(payload, dict):
        raise PayloadError("card callback is not a JSON object")
    out_track_id = _require_str(payload, "outTrackId")
    user_id = str(payload.get("userId") or "")
    if not user_id:
        raise PayloadError("card callback without userId")
    # some HTTP-callback doc copies carry `value` instead of `content`
    body = payload.get("content", payload.get("value"))
    params = dict(_find_params(body) or _find_params(payload) or {})
    action = params.pop("action", None)
    if not action:
        action_ids = _find_action_ids(body)
        action = action_ids[0] if action_ids else None
    if not action:
        raise PayloadError("card callback without an action (params.action or actionIds)")
    return CardPress(
        out_track_id=out_track_id,
        user_id=user_id,
        action=str(action),
        params=params,
        corp_id=str(payload.get("corpId") or ""),
    )
