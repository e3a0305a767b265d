"""Settings of the web chat channel."""

from __future__ import annotations

from bot.settings import AdapterConfig, env_setting


class WebChatConfig(AdapterConfig):
    # on unless turned off: the page only ever serves the customer bot from the public knowledge
    web_chat: bool = env_setting("SALESBOT_WEB_CHAT", True)
    # per client address (see SALESBOT_TRUSTED_PROXIES): messages per window, and new visitors (conversations)
    # per window; dropping the cookie starts a new visitor, so the second limit is what caps leads per address
    ip_rate_limit: str = env_setting("SALESBOT_WEB_CHAT_IP_RATE_LIMIT", "30/60")
    new_visitors_per_ip: str = env_setting("SALESBOT_WEB_CHAT_NEW_VISITORS_PER_IP", "10/3600")

    @property
    def enabled(self) -> bool:
        return self.web_chat
