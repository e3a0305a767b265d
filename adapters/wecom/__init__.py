"""WeCom (企业微信), one adapter per entry point, each in its own package with the same file names
(config.py settings, parsing.py payload -> Inbound, adapter.py the Adapter):

    app/    self-built app (自建应用), platform "wecom": /wecom/callback, message/send, template cards
    aibot/  AI bot (智能机器人), platform "wecom_aibot": /wecom/aibot, streamed answers
    kf/     微信客服, platform "wecom_kf": events on /wecom/callback, kf/sync_msg, kf/send_msg

They share the callback crypto (crypto.py, xmlsafe.py), the server API client and pacer (api.py, pacing.py,
corp.py), rendering (render.py) and the callback plumbing (base.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.wecom.aibot.config import WeComAIBotConfig
from adapters.wecom.app.config import WeComAppConfig
from adapters.wecom.kf.config import WeComKfConfig

if TYPE_CHECKING:  # pragma: no cover
    from bot.adapter import Adapter
    from bot.runtime import Runtime

#: the settings models of this package; building one raises ConfigError for a half-configured entry point
CONFIGS = (WeComAppConfig, WeComAIBotConfig)

__all__ = ["CONFIGS", "build_adapters"]


def build_adapters(app: "Runtime") -> list["Adapter"]:
    """The adapters of the entry points whose settings are complete (none when WeCom is off)."""
    app_config = WeComAppConfig.from_settings(app.settings)
    aibot_config = WeComAIBotConfig.from_settings(app.settings)
    if not (app_config.enabled or aibot_config.enabled):
        return []
    # the entry points bring wechatpy and the crypto (about 0.2 s to import): only when WeCom is on
    from adapters.wecom.aibot.adapter import WeComAIBotAdapter
    from adapters.wecom.app.adapter import WeComAppAdapter
    from adapters.wecom.corp import WeComCorp
    from adapters.wecom.kf.adapter import KF_EVENT, WeComKfAdapter

    corp = WeComCorp(app, app_config)
    adapters: list["Adapter"] = []
    if app_config.enabled:
        app_adapter = WeComAppAdapter(app, app_config, corp)
        kf = WeComKfAdapter(app, WeComKfConfig.from_settings(app.settings), corp)
        # 微信客服's events arrive on the app's callback URL: that one route hands them to the kf adapter
        app_adapter.on_event(KF_EVENT, kf.on_callback_event)
        adapters += [app_adapter, kf]
    if aibot_config.enabled:
        adapters.append(WeComAIBotAdapter(app, aibot_config, corp))
    return adapters
