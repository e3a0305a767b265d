"""Settings from the environment and `.env` (every one is listed in .env.example)."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


# A channel is on when any of its settings is given; then all of its required settings must be.
CHANNEL_SETTINGS: dict[str, list[str]] = {
    "WeCom self-built app": ["WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY"],
    "WeCom AI bot": ["WECOM_AIBOT_TOKEN", "WECOM_AIBOT_ENCODING_AES_KEY"],
    "DingTalk": ["DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET"],
}


def _env(name: str, default=None, **kw):
    return Field(default, validation_alias=AliasChoices(name), **kw)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=False)

    data_dir: Path = _env("SALESBOT_DATA_DIR", Path("./data"))
    database_url: str | None = _env("SALESBOT_DATABASE_URL")
    redis_url: str | None = _env("SALESBOT_REDIS_URL")
    redis_prefix: str = _env("SALESBOT_REDIS_PREFIX", "salesbot:")  # several deployments can share one Redis
    log_level: str = _env("SALESBOT_LOG_LEVEL", "INFO")
    log_format: str = _env("SALESBOT_LOG_FORMAT", "text")  # text | json (one object per line, with trace_id)
    # this process among several `salesbot serve` replicas; default: the hostname (one per container)
    replica_id: str | None = _env("SALESBOT_REPLICA_ID")
    timezone: str = _env("SALESBOT_TIMEZONE", "Asia/Shanghai")

    openai_api_key: str | None = _env("OPENAI_API_KEY")
    openai_base_url: str | None = _env("OPENAI_BASE_URL")
    llm_model: str = _env("SALESBOT_LLM_MODEL", "gpt-4o-mini")
    llm_timeout: float = _env("SALESBOT_LLM_TIMEOUT", 60.0)
    llm_max_retries: int = _env("SALESBOT_LLM_MAX_RETRIES", 2)
    # turns running at once in this process; more wait in the ledger, so ingress keeps its CPU under overload
    max_concurrent_turns: int = _env("SALESBOT_MAX_CONCURRENT_TURNS", 100, ge=1)
    embeddings: str = _env("SALESBOT_EMBEDDINGS", "offline")

    wecom_corp_id: str | None = _env("WECOM_CORP_ID")
    wecom_agent_id: str | None = _env("WECOM_AGENT_ID")
    wecom_secret: str | None = _env("WECOM_SECRET")
    wecom_token: str | None = _env("WECOM_TOKEN")
    wecom_encoding_aes_key: str | None = _env("WECOM_ENCODING_AES_KEY")
    wecom_api_base: str = _env("WECOM_API_BASE", "https://qyapi.weixin.qq.com/cgi-bin")
    wecom_aibot_token: str | None = _env("WECOM_AIBOT_TOKEN")
    wecom_aibot_encoding_aes_key: str | None = _env("WECOM_AIBOT_ENCODING_AES_KEY")

    # transcript-to-CRM: speech-to-text for recordings (any OpenAI-compatible /audio/transcriptions endpoint)
    stt_model: str | None = _env("SALESBOT_STT_MODEL")
    stt_base_url: str | None = _env("SALESBOT_STT_BASE_URL")
    stt_api_key: str | None = _env("SALESBOT_STT_API_KEY")
    autofill_ttl_hours: float = _env("SALESBOT_AUTOFILL_TTL_HOURS", 72.0)
    autofill_remind_hours: float = _env("SALESBOT_AUTOFILL_REMIND_HOURS", 24.0)

    dingtalk_client_id: str | None = _env("DINGTALK_CLIENT_ID")
    dingtalk_client_secret: str | None = _env("DINGTALK_CLIENT_SECRET")
    dingtalk_robot_code: str | None = _env("DINGTALK_ROBOT_CODE")
    dingtalk_openapi_endpoint: str = _env("DINGTALK_OPENAPI_ENDPOINT", "https://api.dingtalk.com")
    dingtalk_mode: str = _env("DINGTALK_MODE", "stream")  # stream | http (outgoing robot at /dingtalk/callback)
    dingtalk_card_template_id: str | None = _env("DINGTALK_CARD_TEMPLATE_ID")
    dingtalk_ai_card_template_id: str | None = _env("DINGTALK_AI_CARD_TEMPLATE_ID")
    dingtalk_stream_idle_timeout: float = _env("DINGTALK_STREAM_IDLE_TIMEOUT", 60.0)

    # scheduler (scheduler/config.py parses and validates these; times are each user's local time)
    scheduler_enabled: bool = _env("SALESBOT_SCHEDULER_ENABLED", True)
    quiet_hours: str = _env("SALESBOT_QUIET_HOURS", "21:00-08:00")
    work_hours: str = _env("SALESBOT_WORK_HOURS", "09:00-18:00")
    reminder_time: str = _env("SALESBOT_REMINDER_TIME", "10:00")
    brief_time: str = _env("SALESBOT_BRIEF_TIME", "08:30")
    digest_time: str = _env("SALESBOT_DIGEST_TIME", "18:00")
    escalate_after_workdays: int = _env("SALESBOT_ESCALATE_AFTER_WORKDAYS", 2)
    stalled_days: str = _env("SALESBOT_STALLED_DAYS", "prospecting=14,qualification=10,needs_analysis=10,proposal=7,negotiation=5")
    nudge_lead_minutes: int = _env("SALESBOT_NUDGE_LEAD_MINUTES", 30)
    # conversation ids (cid...) of DingTalk groups where customers talk: the bot answers there as the customer bot
    dingtalk_customer_groups: str = _env("DINGTALK_CUSTOMER_GROUPS", "")

    # the customer-facing bot (agents/customer.py, tools/leads/, adapters/web)
    company_name: str = _env("SALESBOT_COMPANY_NAME", "云帆")
    business_hours: str = _env("SALESBOT_BUSINESS_HOURS", "09:00-18:00")  # local time, on Chinese working days
    lead_response_minutes: int = _env("SALESBOT_LEAD_RESPONSE_MINUTES", 120)
    customer_rate_limit: str = _env("SALESBOT_CUSTOMER_RATE_LIMIT", "20/600")  # messages / seconds per customer
    customer_link_domains: str = _env("SALESBOT_CUSTOMER_LINK_DOMAINS", "")  # links a customer reply may carry
    web_chat: bool = _env("SALESBOT_WEB_CHAT", True)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'salesbot.db').resolve()}"

    @property
    def customer_group_ids(self) -> frozenset[str]:
        return frozenset(x.strip() for x in self.dingtalk_customer_groups.split(",") if x.strip())

    @property
    def llm_configured(self) -> bool:
        """An OpenAI-compatible endpoint is usable with a key, or with a base URL (local Ollama/vLLM need no key)."""
        return bool(self.openai_api_key or self.openai_base_url)

    def enabled_channels(self) -> list[str]:
        """Channels whose settings are complete; raises ConfigError for a half-configured one."""
        enabled = []
        for channel, names in CHANNEL_SETTINGS.items():
            given = [n for n in names if getattr(self, n.lower())]
            if not given:
                continue
            missing = [n for n in names if not getattr(self, n.lower())]
            if missing:
                raise ConfigError(
                    f"{channel} is half-configured: set {', '.join(missing)} "
                    f"(or remove {', '.join(given)} to turn the channel off)"
                )
            enabled.append(channel)
        return enabled

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir
