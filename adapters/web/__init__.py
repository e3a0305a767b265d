"""Web chat: an embeddable customer chat page for the company website (platform "web").

config.py settings, adapter.py the Adapter, static/ the page and the widget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.web.adapter import WebChatAdapter
from adapters.web.config import WebChatConfig

if TYPE_CHECKING:  # pragma: no cover
    from bot.adapter import Adapter
    from bot.runtime import Runtime

CONFIGS = (WebChatConfig,)

__all__ = ["CONFIGS", "WebChatAdapter", "WebChatConfig", "build_adapters"]


def build_adapters(app: "Runtime") -> list["Adapter"]:
    """On unless SALESBOT_WEB_CHAT=false."""
    return [WebChatAdapter(app)] if WebChatConfig.from_settings(app.settings).enabled else []
