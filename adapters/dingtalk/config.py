"""Settings of the DingTalk channel (钉钉 robot of an internal app)."""

from __future__ import annotations

from typing import ClassVar

from bot.settings import AdapterConfig, env_setting


class DingTalkConfig(AdapterConfig):
    channel: ClassVar[str] = "钉钉"
    required: ClassVar[tuple[str, ...]] = ("DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET")

    dingtalk_client_id: str | None = env_setting("DINGTALK_CLIENT_ID")
    dingtalk_client_secret: str | None = env_setting("DINGTALK_CLIENT_SECRET")
    dingtalk_robot_code: str | None = env_setting("DINGTALK_ROBOT_CODE")  # default: the client id
    # the dingtalk-stream SDK's own variable; tests point it at the fake
    dingtalk_openapi_endpoint: str = env_setting("DINGTALK_OPENAPI_ENDPOINT", "https://api.dingtalk.com")
    dingtalk_mode: str = env_setting("DINGTALK_MODE", "stream")  # stream | http (outgoing robot at /dingtalk/callback)
    dingtalk_card_template_id: str | None = env_setting("DINGTALK_CARD_TEMPLATE_ID")
    dingtalk_ai_card_template_id: str | None = env_setting("DINGTALK_AI_CARD_TEMPLATE_ID")
    dingtalk_stream_idle_timeout: float = env_setting("DINGTALK_STREAM_IDLE_TIMEOUT", 60.0)
    # conversation ids (cid...) of DingTalk groups where customers talk: the bot answers there as the customer bot
    dingtalk_customer_groups: str = env_setting("DINGTALK_CUSTOMER_GROUPS", "")

    # hosts a message's sessionWebhook may point at (https only); a webhook anywhere else is never called and the
    # reply goes through the robot OpenAPI. DINGTALK_OPENAPI_ENDPOINT's own origin is always allowed.
    dingtalk_webhook_hosts: str = env_setting("DINGTALK_WEBHOOK_HOSTS", "oapi.dingtalk.com,api.dingtalk.com")

    @property
    def webhook_hosts(self) -> frozenset[str]:
        return frozenset(x.strip().lower() for x in self.dingtalk_webhook_hosts.split(",") if x.strip())

    @property
    def customer_group_ids(self) -> frozenset[str]:
        return frozenset(x.strip() for x in self.dingtalk_customer_groups.split(",") if x.strip())
