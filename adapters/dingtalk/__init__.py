"""DingTalk (钉钉) channel: stream mode or HTTP robot mode, cards, AI-card streaming, proactive pushes.

config.py settings, parsing.py payload -> message, api.py the OpenAPI client, adapter.py the Adapter;
stream.py the stream-mode connection, signature.py HTTP robot mode's signature check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.dingtalk.config import DingTalkConfig

if TYPE_CHECKING:  # pragma: no cover
    from bot.adapter import Adapter
    from bot.runtime import Runtime

#: the settings models of this package; building one raises ConfigError for a half-configured channel
CONFIGS = (DingTalkConfig,)

__all__ = ["CONFIGS", "DingTalkConfig", "build_adapters"]


def build_adapters(app: "Runtime") -> list["Adapter"]:
    """Off (no adapter) when DINGTALK_CLIENT_ID/SECRET are absent."""
    config = DingTalkConfig.from_settings(app.settings)
    if not config.enabled:
        return []
    # the adapter brings the stream SDK and its client (about 0.1 s to import): only when the channel is on
    from adapters.dingtalk.adapter import DingTalkAdapter

    return [DingTalkAdapter.from_config(app, config)]
