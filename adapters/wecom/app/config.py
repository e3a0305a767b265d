"""Settings of the WeCom self-built app (自建应用): the corp, the app's secret and its callback's token and key."""

from __future__ import annotations

from typing import ClassVar

from bot.settings import AdapterConfig, env_setting


class WeComAppConfig(AdapterConfig):
    channel: ClassVar[str] = "企业微信自建应用"
    required: ClassVar[tuple[str, ...]] = (
        "WECOM_CORP_ID",
        "WECOM_AGENT_ID",
        "WECOM_SECRET",
        "WECOM_TOKEN",
        "WECOM_ENCODING_AES_KEY",
    )

    wecom_corp_id: str | None = env_setting("WECOM_CORP_ID")
    wecom_agent_id: str | None = env_setting("WECOM_AGENT_ID")
    wecom_secret: str | None = env_setting("WECOM_SECRET")
    wecom_token: str | None = env_setting("WECOM_TOKEN")
    wecom_encoding_aes_key: str | None = env_setting("WECOM_ENCODING_AES_KEY")
    # every server API URL starts here: private deployments and tests move all calls at once
    wecom_api_base: str = env_setting("WECOM_API_BASE", "https://qyapi.weixin.qq.com/cgi-bin")

    @property
    def agent_id(self) -> int | str | None:
        """message/send wants the agent id as a number; a non-numeric value is passed as given."""
        raw = self.wecom_agent_id
        return int(raw) if (raw or "").isdigit() else raw
