"""Settings from the environment and `.env` (every one is listed in .env.example).

`Settings` holds what the core and the capabilities read. Each adapter package owns the settings of its
platform in its own `config.py`, a subclass of `AdapterConfig` built with `settings.section(Model)` from the
same sources: the values given to `Settings(...)`, the same `.env` file, and the process environment.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import AliasChoices, Field, PrivateAttr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.client_ip import parse_networks
from bot.file_modes import private_dir


class ConfigError(Exception):
    """A setting is missing or wrong; the message (Chinese, read by whoever deploys) names it."""


# what a setting's value should look like, by pydantic's error type
_EXPECTED = {
    "int_parsing": "要写整数",
    "int_from_float": "要写整数",
    "float_parsing": "要写数字",
    "bool_parsing": "要写 true 或 false",
    "path_type": "要写一个路径",
}


def config_error(exc: ValidationError) -> ConfigError:
    """A settings model's validation error as a ConfigError people can act on, naming each setting."""
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error.get("loc", ())) or "设置"
        value = error.get("input")
        shown = f"={value}" if isinstance(value, (str, int, float)) else ""
        problems.append(f"{name}{shown} 不对：{_EXPECTED.get(error.get('type', ''), '格式不对')}")
    return ConfigError("；".join(problems))


def env_setting(name: str, default=None, **kw):
    """A field read from the environment variable `name` (or given to the model under that name)."""
    return Field(default, validation_alias=AliasChoices(name), **kw)


_env = env_setting
C = TypeVar("C", bound="AdapterConfig")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=False
    )

    # what Settings(...) was given, so that `section` builds an adapter's settings from the same values: a test's
    # Settings(_env_file=None, WECOM_CORP_ID=...) configures WeCom exactly as the environment variable would
    _given: dict[str, Any] = PrivateAttr(default_factory=dict)
    _source_options: dict[str, Any] = PrivateAttr(default_factory=dict)

    data_dir: Path = _env("SALESBOT_DATA_DIR", Path("./data"))
    database_url: str | None = _env("SALESBOT_DATABASE_URL")
    redis_url: str | None = _env("SALESBOT_REDIS_URL")
    redis_prefix: str = _env("SALESBOT_REDIS_PREFIX", "salesbot:")  # several deployments can share one Redis
    log_level: str = _env("SALESBOT_LOG_LEVEL", "INFO")
    log_format: str = _env("SALESBOT_LOG_FORMAT", "text")  # text | json (one object per line, with trace_id)
    # this process among several `salesbot serve` replicas; default: the hostname (one per container)
    replica_id: str | None = _env("SALESBOT_REPLICA_ID")
    timezone: str = _env("SALESBOT_TIMEZONE", "Asia/Shanghai")
    # reverse proxies whose X-Forwarded-For is believed (comma-separated IPs/CIDRs); none: the TCP peer is the client
    trusted_proxies: str = _env("SALESBOT_TRUSTED_PROXIES", "")
    # when set, /metrics needs "Authorization: Bearer <token>" and /healthz shows details only with it
    metrics_token: str | None = _env("SALESBOT_METRICS_TOKEN")
    # third-party loggers (aiosqlite, sqlalchemy, aiohttp, ...) stay at INFO unless this is on: at DEBUG they log
    # SQL parameters and request lines, i.e. access tokens and session secrets
    log_debug_libraries: bool = _env("SALESBOT_LOG_DEBUG_LIBRARIES", False)

    openai_api_key: str | None = _env("OPENAI_API_KEY")
    openai_base_url: str | None = _env("OPENAI_BASE_URL")
    llm_model: str = _env("SALESBOT_LLM_MODEL", "gpt-4o-mini")
    llm_timeout: float = _env("SALESBOT_LLM_TIMEOUT", 60.0)
    llm_max_retries: int = _env("SALESBOT_LLM_MAX_RETRIES", 2)
    # turns running at once in this process; more wait in the ledger, so ingress keeps its CPU under overload
    max_concurrent_turns: int = _env("SALESBOT_MAX_CONCURRENT_TURNS", 100, ge=1)
    # more turns than this waiting to start: a newcomer gets one 「消息较多，稍等」 at once (0 = never)
    busy_notice_after: int = _env("SALESBOT_BUSY_NOTICE_AFTER", 200, ge=0)
    embeddings: str = _env("SALESBOT_EMBEDDINGS", "offline")
    # channels without streaming (the WeCom self-built app) send one 「正在处理…」 when the answer takes longer
    # than this many seconds; 0 turns the notice off
    progress_notice_seconds: float = _env("SALESBOT_PROGRESS_NOTICE_SECONDS", 3.0, ge=0)
    # the address WeCom/DingTalk reach this server at (https://bot.example.com): `salesbot doctor` checks it
    public_url: str | None = _env("SALESBOT_PUBLIC_URL")
    # how long the console's 对话记录 keeps each turn's trace (model calls, tool calls); the messages themselves
    # stay in the ledger and the outbox
    turn_trace_days: float = _env("SALESBOT_TURN_TRACE_DAYS", 30.0, gt=0)

    # transcript-to-CRM: speech-to-text for recordings (any OpenAI-compatible /audio/transcriptions endpoint)
    stt_model: str | None = _env("SALESBOT_STT_MODEL")
    stt_base_url: str | None = _env("SALESBOT_STT_BASE_URL")
    stt_api_key: str | None = _env("SALESBOT_STT_API_KEY")
    autofill_ttl_hours: float = _env("SALESBOT_AUTOFILL_TTL_HOURS", 72.0)
    # writes the model asks for wait this long for 确认 (tools/proposals); after that they are void
    proposal_ttl_minutes: float = _env("SALESBOT_PROPOSAL_TTL_MINUTES", 30.0, gt=0)
    # tool names an admin lets run at once, with 「撤销」 for 10 minutes (comma-separated; empty = confirm all)
    direct_writes: str = _env("SALESBOT_DIRECT_WRITES", "")
    autofill_remind_hours: float = _env("SALESBOT_AUTOFILL_REMIND_HOURS", 24.0)

    # scheduler (scheduler/config.py parses and validates these; times are each user's local time)
    scheduler_enabled: bool = _env("SALESBOT_SCHEDULER_ENABLED", True)
    quiet_hours: str = _env("SALESBOT_QUIET_HOURS", "21:00-08:00")
    work_hours: str = _env("SALESBOT_WORK_HOURS", "09:00-18:00")
    reminder_time: str = _env("SALESBOT_REMINDER_TIME", "10:00")
    brief_time: str = _env("SALESBOT_BRIEF_TIME", "08:30")
    digest_time: str = _env("SALESBOT_DIGEST_TIME", "18:00")
    escalate_after_workdays: int = _env("SALESBOT_ESCALATE_AFTER_WORKDAYS", 2)
    stalled_days: str = _env(
        "SALESBOT_STALLED_DAYS", "prospecting=14,qualification=10,needs_analysis=10,proposal=7,negotiation=5"
    )
    nudge_lead_minutes: int = _env("SALESBOT_NUDGE_LEAD_MINUTES", 30)
    # signals → actions (tools/signals): a team's weekly count of a signal is a surge when it reaches both
    # SURGE_RATIO × its four-week average and SURGE_MIN; the manager is alerted once per team, kind and week
    signal_surge_ratio: float = _env("SALESBOT_SIGNAL_SURGE_RATIO", 2.0, gt=1)
    signal_surge_min: int = _env("SALESBOT_SIGNAL_SURGE_MIN", 3, ge=1)

    # the customer-facing bot (agents/customer.py, tools/leads/, adapters/web)
    company_name: str = _env("SALESBOT_COMPANY_NAME", "云帆")
    # our company's names and aliases (ASR variants included), comma-separated: never proposed as a customer
    org_name: str = _env("SALESBOT_ORG_NAME", "")
    # our product names, comma-separated (云帆销售助手,云帆CRM): never proposed as a customer or a competitor
    org_products: str = _env("SALESBOT_ORG_PRODUCTS", "")
    # competitors, comma-separated; aliases of one competitor joined with "/" (纷享销客/纷享,销售易/销售e)
    competitors: str = _env("SALESBOT_COMPETITORS", "")
    business_hours: str = _env("SALESBOT_BUSINESS_HOURS", "09:00-18:00")  # local time, on Chinese working days
    lead_response_minutes: int = _env("SALESBOT_LEAD_RESPONSE_MINUTES", 120)
    customer_rate_limit: str = _env("SALESBOT_CUSTOMER_RATE_LIMIT", "20/600")  # messages / seconds per customer
    customer_link_domains: str = _env("SALESBOT_CUSTOMER_LINK_DOMAINS", "")  # links a customer reply may carry
    # what a visitor is given to reach us after a hand-off when the rep published nothing (a hotline, a link)
    public_contact: str = _env("SALESBOT_PUBLIC_CONTACT", "")
    # new leads one network address may open, "count/seconds" (cookie-less floods of invented phone numbers)
    leads_per_address: str = _env("SALESBOT_LEADS_PER_ADDRESS", "10/3600")

    # closing and forecast (tools/pipeline): the reason categories a closed deal is filed under, comma-separated
    close_reasons: str = _env("SALESBOT_CLOSE_REASONS", "价格,产品功能,竞品,时机,关系,无决策")
    # closed deals that must have reached a stage before its learned win probability replaces the default
    forecast_min_history: int = _env("SALESBOT_FORECAST_MIN_HISTORY", 30, ge=1)
    # days after which an old period's deal snapshots count half in the learned conversion (0: all alike)
    forecast_half_life_days: int = _env("SALESBOT_FORECAST_HALF_LIFE_DAYS", 0, ge=0)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise config_error(exc) from None
        self._source_options = {k: v for k, v in values.items() if k.startswith("_")}  # _env_file, ...
        self._given = {k: v for k, v in values.items() if not k.startswith("_")}

    def section(self, model: type[C]) -> C:
        """An adapter's settings model, read from the values, `.env` file and environment this one came from.
        Raises ConfigError for a half-configured channel."""
        try:
            return model(**self._source_options, **self._given)
        except ValidationError as exc:
            raise config_error(exc) from None

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'salesbot.db').resolve()}"

    @cached_property
    def trusted_proxy_networks(self) -> tuple:
        return parse_networks(self.trusted_proxies)

    @property
    def llm_configured(self) -> bool:
        """An OpenAI-compatible endpoint is usable with a key, or with a base URL (local Ollama/vLLM need no key)."""
        return bool(self.openai_api_key or self.openai_base_url)

    def ensure_data_dir(self) -> Path:
        """The data directory, created 0700 (a warning when an existing one is open to other users)."""
        return private_dir(self.data_dir)


class AdapterConfig(BaseSettings):
    """Base of each adapter package's settings model (`adapters/<platform>/config.py`).

    A channel is off when none of its `required` settings is given; when some are, all must be, or building the
    model raises ConfigError naming the missing ones, so a half-configured channel stops `salesbot` at startup.
    Fields are declared with `env_setting("ENV_NAME", default)`; the field name works too (populate_by_name).
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    #: the channel's name in messages people read ("企业微信自建应用")
    channel: ClassVar[str] = ""
    #: the environment variable names that must all be set for the channel to be on
    required: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_settings(cls: type[C], settings: Settings) -> C:
        return settings.section(cls)

    def _values_by_env_name(self) -> dict[str, Any]:
        out = {}
        for name, info in type(self).model_fields.items():
            alias = info.validation_alias
            env_name = alias.choices[0] if isinstance(alias, AliasChoices) else (alias or name)
            out[str(env_name)] = getattr(self, name)
        return out

    @property
    def given(self) -> list[str]:
        """The required settings that are set."""
        values = self._values_by_env_name()
        return [n for n in self.required if values.get(n)]

    @property
    def enabled(self) -> bool:
        """All required settings are given (the model could not be built with only some of them)."""
        return bool(self.required) and len(self.given) == len(self.required)

    @model_validator(mode="after")
    def _all_or_nothing(self):
        given = self.given
        if given:
            missing = [n for n in self.required if n not in given]
            if missing:
                raise ConfigError(
                    f"{self.channel}只配了一半：还缺 {'、'.join(missing)}"
                    f"（不用这个渠道的话，把 {'、'.join(given)} 删掉）"
                )
        return self
