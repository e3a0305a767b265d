"""Reply -> WeCom payloads: text/markdown bodies, markdown->text fallback, template cards."""

from __future__ import annotations

import re

from bot.messages import Card, Reply

TEXT_MAX_BYTES = 2048  # message/send text & markdown, kf text, appchat text
AIBOT_MAX_BYTES = 20480  # AI bot stream content and response_url markdown

_BUTTON_STYLE = {"primary": 1, "default": 2, "danger": 3}


def markdown_to_text(md: str) -> str:
    """What a markdown reply reads like where markdown is not shown (微信 via 微信客服, 微工作台)."""
    text = re.sub(r"<font[^>]*>(.*?)</font>", r"\1", md, flags=re.S)
    text = re.sub(r"<think>.*?</think>", "", text, flags=re.S)
    text = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", r"\1 \2", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.M)
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.M)
    text = re.sub(r"^(\s*)[-*+]\s+", r"\1· ", text, flags=re.M)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"`{3}[^\n]*\n?(.*?)`{3}", r"\1", text, flags=re.S)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def truncate_bytes(text: str, limit: int) -> str:
    """Last-resort cap (the outbox already splits); never cuts a UTF-8 sequence in half."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def split_bytes(text: str, limit: int) -> list[str]:
    """Split on sentence/line boundaries under `limit` UTF-8 bytes (only used if a part is still too long)."""
    parts: list[str] = []
    rest = text
    while len(rest.encode()) > limit:
        head = truncate_bytes(rest, limit)
        cut = max(head.rfind(sep) for sep in ("\n", "。", "！", "？", "；", ". ", "! ", "? "))
        if cut < len(head) // 3:
            cut = len(head) - 1
        parts.append(rest[: cut + 1].rstrip())
        rest = rest[cut + 1 :].lstrip("\n")
    if rest.strip():
        parts.append(rest)
    return parts


def card_text(card: Card) -> str:
    """A card as plain text (where cards cannot be shown, e.g. 微信客服 or as an update notice)."""
    lines = [card.title]
    if card.body:
        lines.append(card.body)
    lines += [f"{k}：{v}" for k, v in card.fields]
    if card.status:
        lines.append(f"状态：{card.status}")
    return "\n".join(lines)


def card_id_from_task_id(task_id: str) -> str:
    """We send task_id = "<card_id>@<outbox row>" (WeCom wants task ids unique per app); undo that."""
    return task_id.split("@", 1)[0]


def template_card(card: Card) -> dict:
    """A button_interaction template card; task_id = our card_id, button key = the action name."""
    body: dict = {
        "card_type": "button_interaction",
        "main_title": {"title": truncate_bytes(card.title, 108)},
        "task_id": card.card_id,
    }
    if card.body:
        body["sub_title_text"] = truncate_bytes(markdown_to_text(card.body), 3000)
    if card.fields:
        body["horizontal_content_list"] = [
            {"keyname": truncate_bytes(k, 15), "value": truncate_bytes(str(v), 90)} for k, v in card.fields[:6]
        ]
    if card.status:
        body["button_list"] = [{"text": truncate_bytes(card.status, 30), "style": 2, "key": "_status"}]
        body["replace_text"] = card.status
    else:
        body["button_list"] = [
            {"text": truncate_bytes(b.label, 30), "style": _BUTTON_STYLE.get(b.style, 1), "key": b.key}
            for b in card.buttons[:6]
        ]
    return body


def text_body(reply: Reply, *, allow_markdown: bool) -> tuple[str, dict]:
    """(msgtype, body) for a text/markdown reply."""
    if reply.markdown and allow_markdown:
        return "markdown", {"content": truncate_bytes(reply.text, TEXT_MAX_BYTES)}
    text = markdown_to_text(reply.text) if reply.markdown else reply.text
    return "text", {"content": truncate_bytes(text, TEXT_MAX_BYTES)}
