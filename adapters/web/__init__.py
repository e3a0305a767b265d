"""Web chat: an embeddable customer chat page for the company website (platform "web")."""
from __future__ import annotations

from adapters.web.adapter import WebChatAdapter


def build_adapters(app) -> list:
    """On unless SALESBOT_WEB_CHAT=false: it only ever serves the customer bot."""
    return [WebChatAdapter(app)] if app.settings.web_chat else []


__all__ = ["WebChatAdapter", "build_adapters"]
