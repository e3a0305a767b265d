"""WeCom (企业微信): self-built app, AI bot (智能机器人) and 微信客服. See adapter.py."""
from __future__ import annotations


def build_adapters(app) -> list:
    """One adapter for the WeCom entry points whose settings are complete (none when WeCom is off)."""
    from adapters.wecom.adapter import WeComAdapter

    enabled = app.settings.enabled_channels()
    app_enabled = "WeCom self-built app" in enabled
    aibot_enabled = "WeCom AI bot" in enabled
    if not (app_enabled or aibot_enabled):
        return []
    return [WeComAdapter(app, app_enabled=app_enabled, aibot_enabled=aibot_enabled)]
