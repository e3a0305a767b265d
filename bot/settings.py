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
    log_level: str = _env("SALESBOT_LOG_LEVEL", "INFO")
    timezone: str = _env("SALESBOT_TIMEZONE", "Asia/Shanghai")

    openai_api_key: str | None = _env("OPENAI_API_KEY")
    openai_base_url: str | None = _env("OPENAI_BASE_URL")
    llm_model: str = _env("SALESBOT_LLM_MODEL", "gpt-4o-mini")
    llm_timeout: float = _env("SALESBOT_LLM_TIMEOUT", 60.0)
    llm_max_retries: int = _env("SALESBOT_LLM_MAX_RETRIES", 2)
    embeddings: str = _env("SALESBOT_EMBEDDINGS", "offline")

    wecom_corp_id: str | None = _env("WECOM_CORP_ID")
    wecom_agent_id: str | None = _env("WECOM_AGENT_ID")
    wecom_secret: str | None = _env("WECOM_SECRET")
    wecom_token: str | None = _env("WECOM_TOKEN")
    wecom_encoding_aes_key: str | None = _env("WECOM_ENCODING_AES_KEY")
    wecom_api_base: str = _env("WECOM_API_BASE", "https://qyapi.weixin.qq.com/cgi-bin")
    wecom_aibot_token: str | None = _env("WECOM_AIBOT_TOKEN")
    wecom_aibot_encoding_aes_key: str | None = _env("WECOM_AIBOT_ENCODING_AES_KEY")

    dingtalk_client_id: str | None = _env("DINGTALK_CLIENT_ID")
    dingtalk_client_secret: str | None = _env("DINGTALK_CLIENT_SECRET")
    dingtalk_robot_code: str | None = _env("DINGTALK_ROBOT_CODE")
    dingtalk_openapi_endpoint: str = _env("DINGTALK_OPENAPI_ENDPOINT", "https://api.dingtalk.com")
    dingtalk_mode: str = _env("DINGTALK_MODE", "stream")  # stream | http (outgoing robot at /dingtalk/callback)
    dingtalk_card_template_id: str | None = _env("DINGTALK_CARD_TEMPLATE_ID")
    dingtalk_ai_card_template_id: str | None = _env("DINGTALK_AI_CARD_TEMPLATE_ID")
    dingtalk_stream_idle_timeout: float = _env("DINGTALK_STREAM_IDLE_TIMEOUT", 60.0)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'salesbot.db').resolve()}"

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
