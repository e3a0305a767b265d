"""Settings of the WeCom AI bot (智能机器人): its own callback token and key. Its callbacks carry a response_url and
files come as URLs, so it needs no corp secret; with the self-built app also configured, new colleagues who write
to the bot are looked up in the app's directory."""

from __future__ import annotations

from typing import ClassVar

from bot.settings import AdapterConfig, env_setting


class WeComAIBotConfig(AdapterConfig):
    channel: ClassVar[str] = "企业微信智能机器人"
    required: ClassVar[tuple[str, ...]] = ("WECOM_AIBOT_TOKEN", "WECOM_AIBOT_ENCODING_AES_KEY")

    wecom_aibot_token: str | None = env_setting("WECOM_AIBOT_TOKEN")
    wecom_aibot_encoding_aes_key: str | None = env_setting("WECOM_AIBOT_ENCODING_AES_KEY")
