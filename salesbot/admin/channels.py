"""The console's 渠道 page: per channel the URLs to paste into WeCom/DingTalk, the settings in force (secrets
masked), the live health (`salesbot doctor`'s own checks, run from this server), the last message in and out,
and a test message to a chosen colleague through the outbox, as any push goes.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable, Protocol

from sqlalchemy import func
from sqlmodel import select

from adapters.dingtalk.config import DingTalkConfig
from adapters.web.config import WebChatConfig
from adapters.wecom.aibot.config import WeComAIBotConfig
from adapters.wecom.app.config import WeComAppConfig
from bot.identity import staff_ids
from bot.messages import Reply, Target
from bot.models import InboundMessage, OutboxMessage, StaffUser
from bot.settings import ConfigError, Settings

SECRET_WORDS = ("SECRET", "TOKEN", "AES_KEY", "PASSWORD", "API_KEY")
DOCTOR_TIMEOUT = 8.0  # seconds for the page's live checks (the CLI waits 20)
TEST_TEXT = "这是管理后台发的测试消息：收到说明渠道通了，不用回复。"
TEST_WAIT = 10.0  # seconds the console waits to tell whether the test message was delivered


class Check(Protocol):
    """One line of `salesbot doctor` (salesbot/doctor.py Check): status is "ok", "warn" or "fail"."""

    area: str
    name: str
    status: str
    detail: str
    fix: str


# (settings, timeout) → doctor's channel checks; handed in by the composition root (salesbot/server.py), which
# owns `salesbot doctor`
ChannelChecks = Callable[[Settings, float], Awaitable[list[Check]]]


@dataclass
class Url:
    label: str
    url: str
    note: str = ""


@dataclass
class Channel:
    key: str  # the settings model's name, used in URLs
    name: str  # 企业微信自建应用, 钉钉 …
    enabled: bool
    error: str  # a half-configured channel: what is missing
    platforms: tuple[str, ...]  # inbound platform names whose messages belong to this channel
    settings: list[tuple[str, str]] = field(default_factory=list)  # (env name, shown value)
    urls: list[Url] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    last_in: datetime | None = None
    last_out: datetime | None = None
    health: dict[str, Any] = field(default_factory=dict)
    can_test: bool = False

    @property
    def light(self) -> str:
        """ok / warn / fail / off: the worst of the live checks, for the light beside the name."""
        if not self.enabled:
            return "fail" if self.error else "off"
        statuses = {c.status for c in self.checks}
        if "fail" in statuses or self.health.get("state") in ("down", "error"):
            return "fail"
        return "warn" if "warn" in statuses else "ok"


# settings model → (platforms, doctor check areas). Order: how the page lists them.
MODELS: list[tuple[type, tuple[str, ...]]] = [
    (WeComAppConfig, ("wecom", "wecom_kf")),
    (WeComAIBotConfig, ("wecom_aibot",)),
    (DingTalkConfig, ("dingtalk",)),
    (WebChatConfig, ("web",)),
]


def shown_value(env_name: str, value: Any) -> str:
    """A setting as the page shows it: secrets only as how long they are and their last two characters."""
    if value in (None, ""):
        return "（未设置）"
    text = str(value)
    if any(word in env_name for word in SECRET_WORDS):
        return f"已设置（{len(text)} 位，…{text[-2:]}）" if len(text) >= 8 else f"已设置（{len(text)} 位）"
    return text


def base_url(settings: Settings, request_base: str) -> tuple[str, str]:
    """(the public address, a note): SALESBOT_PUBLIC_URL, else what the browser used, with a warning."""
    if settings.public_url:
        return settings.public_url.rstrip("/"), ""
    return request_base.rstrip(
        "/"
    ), "没有设置 SALESBOT_PUBLIC_URL：下面用的是你打开后台的地址，要填公网能访问的 https 地址"


def _urls(model: type, config, public: str) -> list[Url]:
    if model is WeComAppConfig:
        return [
            Url("接收消息 URL（应用管理 → 自建应用 → 接收消息 → 设置API接收）", f"{public}/wecom/callback"),
            Url("Token", "填 WECOM_TOKEN 的值", "在企业微信后台点「随机获取」后复制到 .env"),
            Url("EncodingAESKey", "填 WECOM_ENCODING_AES_KEY 的值", "43 位；保存时 salesbot 必须在运行"),
            Url("微信客服", "同一个接收消息 URL", "微信客服 → API → 可调用接口的应用：选这个自建应用"),
        ]
    if model is WeComAIBotConfig:
        return [Url("智能机器人 URL（智能机器人 → API 模式）", f"{public}/wecom/aibot")]
    if model is DingTalkConfig:
        mode = getattr(config, "dingtalk_mode", "stream") if config is not None else "stream"
        if mode == "http":
            return [Url("消息接收地址（机器人 → HTTP 模式）", f"{public}/dingtalk/callback")]
        return [Url("消息接收模式", "Stream 模式", "不用填回调地址：salesbot 主动连钉钉，不需要公网地址")]
    if model is WebChatConfig:
        return [
            Url("聊天页面", f"{public}/chat/"),
            Url("嵌到官网", f'<script src="{public}/chat/widget.js" async></script>'),
        ]
    return []


def _config(model: type, settings: Settings):
    try:
        return model.from_settings(settings), ""
    except ConfigError as exc:
        return None, str(exc)


async def overview(app, request_base: str, live_checks: ChannelChecks | None) -> tuple[list[Channel], str]:
    """Every channel with its URLs, settings, live checks (doctor's, from this server, now), last traffic and
    whether a test message can go out."""
    settings: Settings = app.settings
    public, note = base_url(settings, request_base)
    checks = await live_checks(settings, DOCTOR_TIMEOUT) if live_checks is not None else []
    async with app.db.session() as s:
        last_in = dict(
            (
                await s.execute(
                    select(InboundMessage.platform, func.max(InboundMessage.received_at)).group_by(
                        InboundMessage.platform
                    )
                )
            ).all()
        )
        last_out = dict(
            (
                await s.execute(
                    select(OutboxMessage.platform, func.max(OutboxMessage.sent_at))
                    .where(OutboxMessage.status == "sent")
                    .group_by(OutboxMessage.platform)
                )
            ).all()
        )
    channels = []
    for model, platforms in MODELS:
        config, error = _config(model, settings)
        enabled = bool(config is not None and _on(model, config))
        values = config._values_by_env_name() if config is not None else {}
        channel = Channel(
            key=model.__name__,
            name=model.channel or "网页聊天",
            enabled=enabled,
            error=error,
            platforms=platforms,
            settings=[(name, shown_value(name, value)) for name, value in values.items()],
            urls=_urls(model, config, public),
            checks=[c for c in checks if c.area == model.channel],
            last_in=max((last_in[p] for p in platforms if last_in.get(p)), default=None),
            last_out=max((last_out[p] for p in platforms if last_out.get(p)), default=None),
        )
        adapter = push_adapter(app, platforms)
        if adapter is not None:
            channel.health = adapter.health()
            channel.can_test = True
        elif any(p in app.adapters for p in platforms):
            channel.health = app.adapters[next(p for p in platforms if p in app.adapters)].health()
        channels.append(channel)
    return channels, note


def _on(model: type, config) -> bool:
    if model is WebChatConfig:
        return bool(config.web_chat)
    return config.enabled


def push_adapter(app, platforms: tuple[str, ...]):
    """The running adapter of this channel that can start a conversation with a colleague, if any."""
    for platform in platforms:
        adapter = app.adapters.get(platform)
        if adapter is not None and adapter.staff_namespace and adapter.staff_namespace in adapter.platforms:
            return adapter
    return None


class TestMessageError(Exception):
    """The test message cannot be sent; the message is Chinese and says what to do."""


async def colleagues(app, adapter) -> list[tuple[StaffUser, str]]:
    """Active staff with an id in this adapter's namespace: (user, their id there)."""
    async with app.db.session() as s:
        users = list((await s.execute(select(StaffUser).where(StaffUser.active).order_by(StaffUser.name))).scalars())
    out = []
    for user in users:
        ids = await staff_ids(app.db, user.id)
        external = ids.get(adapter.staff_namespace)
        if external:
            out.append((user, external))
    return out


async def send_test(app, channel_key: str, staff_id: int, text: str) -> tuple[str, OutboxMessage | None]:
    """Push a test message to one colleague on this channel through the outbox, wait up to TEST_WAIT seconds
    for the adapter's answer, and say how it went: ("sent" | "failed" | "pending", the outbox row)."""
    platforms = next((p for m, p in MODELS if m.__name__ == channel_key), None)
    if platforms is None:
        raise TestMessageError("没有这个渠道")
    adapter = push_adapter(app, platforms)
    if adapter is None:
        raise TestMessageError("这个渠道没有开启，或者不能主动发消息（智能机器人只能回复）")
    text = (text or "").strip() or TEST_TEXT
    if len(text) > 500:
        raise TestMessageError("测试消息太长了，500 字以内")
    target_id = dict((u.id, external) for u, external in await colleagues(app, adapter)).get(staff_id)
    if target_id is None:
        raise TestMessageError("这位同事在这个渠道没有账号（在「人员与组织」里填上企业微信 userid 或钉钉 staffId）")
    platform = adapter.staff_namespace
    ids = await app.push(Target(platform, user_id=target_id), Reply(text), key=f"console-test:{uuid.uuid4().hex}")
    if not ids:
        raise TestMessageError("没有放进发件箱，请重试")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TEST_WAIT
    row = None
    while loop.time() < deadline:
        async with app.db.session() as s:
            row = await s.get(OutboxMessage, ids[0])
        if row is not None and (row.status in ("sent", "failed") or row.last_error):
            break
        await asyncio.sleep(0.2)
    if row is None:
        return "pending", None
    if row.status == "sent":
        return "sent", row
    return ("failed" if row.status == "failed" or row.last_error else "pending"), row
