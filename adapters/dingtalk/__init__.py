"""DingTalk (钉钉) channel: stream mode or HTTP robot mode, cards, AI-card streaming, proactive pushes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.dingtalk.adapter import DingTalkAdapter

if TYPE_CHECKING:  # pragma: no cover
    from bot.adapter import Adapter
    from bot.app import App

__all__ = ["DingTalkAdapter", "build_adapters"]


def build_adapters(app: "App") -> list["Adapter"]:
    """Registered through bot.app.ADAPTER_MODULES; off when DINGTALK_CLIENT_ID/SECRET are absent."""
    adapter = DingTalkAdapter.from_settings(app)
    return [adapter] if adapter is not None else []
