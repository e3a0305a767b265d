"""Settings of the web chat channel."""

from __future__ import annotations

from bot.settings import AdapterConfig, env_setting


class WebChatConfig(AdapterConfig):
    # on unless turned off: the page only ever serves the customer bot from the public knowledge
    web_chat: bool = env_setting("SALESBOT_WEB_CHAT", True)

    @property
    def enabled(self) -> bool:
        return self.web_chat
