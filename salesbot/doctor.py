"""`salesbot doctor`: what a new deployment gets wrong, checked from this host, each line with its fix in Chinese.

The LLM endpoint (reachable, key accepted, model exists, tool calling, answers in Chinese, latency), each
configured channel (WeCom gettoken per secret, the callback URLs as the world sees them through
SALESBOT_PUBLIC_URL, the callback AES keys; DingTalk's token and stream connection), the database (connect,
migrations current), Redis, and the data directory. Nothing is written anywhere but a probe file in the data
directory (removed at once). Exit status 1 when a check failed; warnings alone keep it 0.

The requests are plain HTTP, not the bot's clients: the bot retries and falls back, while here the first answer
is the diagnosis (a 401 is a wrong key, a 400 naming tools is a model without tool calling).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiohttp

from adapters.dingtalk.config import DingTalkConfig
from adapters.dingtalk.stream import ROBOT_TOPIC
from adapters.wecom.aibot.config import WeComAIBotConfig
from adapters.wecom.app.config import WeComAppConfig
from agents.llm import DEFAULT_BASE_URL
from agents.streaming import ThinkFilter
from bot.db import Database
from bot.redis_kv import connect
from bot.settings import ConfigError, Settings

OK, WARN, FAIL = "ok", "warn", "fail"
MARKS = {OK: "✓", WARN: "⚠", FAIL: "✗"}
SLOW_SECONDS = 5.0  # above this a rep waits visibly (the WeCom app then says 「正在处理…」)
TOOL_NAME = "get_current_time"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass
class Check:
    area: str
    name: str
    status: str
    detail: str
    fix: str = ""


class Report:
    def __init__(self, area: str):
        self.area = area
        self.checks: list[Check] = []

    def add(self, name: str, status: str, detail: str, fix: str = "") -> Check:
        check = Check(self.area, name, status, detail, fix if status != OK else "")
        self.checks.append(check)
        return check

    def ok(self, name: str, detail: str) -> Check:
        return self.add(name, OK, detail)

    def warn(self, name: str, detail: str, fix: str) -> Check:
        return self.add(name, WARN, detail, fix)

    def fail(self, name: str, detail: str, fix: str) -> Check:
        return self.add(name, FAIL, detail, fix)


class Probe:
    """One HTTP request's outcome: status and body, or the network error that stopped it."""

    def __init__(self, status: int | None = None, body: Any = None, text: str = "", error: str | None = None):
        self.status, self.body, self.text, self.error = status, body, text, error
        self.seconds = 0.0

    @property
    def message(self) -> str:
        """The server's own words about an error (OpenAI's error.message, WeCom's errmsg, DingTalk's message)."""
        body = self.body
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict) and error.get("message"):
                return str(error["message"])[:200]
            for key in ("errmsg", "message", "error"):
                if body.get(key):
                    return str(body[key])[:200]
        return self.text[:200]


async def probe(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Probe:
    started = time.perf_counter()
    try:
        async with http.request(method, url, **kwargs) as response:
            text = await response.text(errors="replace")
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = None
            result = Probe(response.status, body, text)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        result = Probe(error=f"{type(exc).__name__}: {exc}".rstrip(": ") or type(exc).__name__)
    result.seconds = time.perf_counter() - started
    return result


# --- the LLM ------------------------------------------------------------------------------------------


def _chinese_share(text: str) -> float:
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 0.0


def _model_missing(p: Probe) -> bool:
    words = p.message.lower()
    return p.status == 404 or ("model" in words and any(w in words for w in ("not exist", "not found", "no such")))


def tools_refused(p: Probe) -> bool:
    """The endpoint refused the request because of its tools (Ollama, vLLM without a tool-call parser)."""
    words = p.message.lower()
    return p.status in (400, 422, 501) and any(w in words for w in ("tool", "function"))


def _llm_headers(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.openai_api_key or 'not-needed'}"}


async def tool_call_probe(settings: Settings, http: aiohttp.ClientSession) -> Probe:
    """One chat request offering one tool and asking for it: the check doctor reports, and `salesbot serve`
    runs after start (salesbot/app.py) so a model without tool calling is known before the first rep turn."""
    base = (settings.openai_base_url or DEFAULT_BASE_URL).rstrip("/")
    tool = {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": "查询某个城市现在的时间",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "城市名，如 上海"}},
                "required": ["city"],
            },
        },
    }
    body = {
        "model": settings.llm_model,
        "messages": [{"role": "user", "content": f"上海现在几点？请调用 {TOOL_NAME} 工具查询。"}],
        "tools": [tool],
        "temperature": 0,
    }
    return await probe(http, "POST", f"{base}/chat/completions", json=body, headers=_llm_headers(settings))


async def check_llm(settings: Settings, http: aiohttp.ClientSession) -> Report:
    r = Report("大模型")
    if not settings.llm_configured:
        r.warn(
            "配置",
            "没有配置大模型，机器人以离线模式运行（只认命令和常用句式）",
            "要接入大模型，设置 OPENAI_BASE_URL、OPENAI_API_KEY 和 SALESBOT_LLM_MODEL",
        )
        return r
    base = (settings.openai_base_url or DEFAULT_BASE_URL).rstrip("/")
    model = settings.llm_model
    headers = _llm_headers(settings)
    key_fix = "核对 OPENAI_API_KEY：是否复制完整、是否过期或欠费、是否属于 OPENAI_BASE_URL 这家服务商"
    model_fix = (
        f"把 SALESBOT_LLM_MODEL 改成服务商控制台里的模型名（区分大小写，现在是「{model}」），"
        "例如 deepseek-chat、qwen-plus、gpt-4o-mini"
    )

    listed = await probe(http, "GET", f"{base}/models", headers=headers)
    if listed.error:
        r.fail(
            "连接",
            f"连不上 {base}（{listed.error}）",
            "检查 OPENAI_BASE_URL（通常以 /v1 结尾）、本机网络和代理；本地模型要先启动 Ollama / vLLM",
        )
        return r
    r.ok("连接", f"{base} 可以访问")
    if listed.status in (401, 403):
        r.fail("密钥", f"密钥没被接受（HTTP {listed.status}：{listed.message}）", key_fix)
        return r
    key_known = listed.status == 200
    model_known = False
    if key_known:
        r.ok("密钥", "密钥有效")
        ids = [m.get("id") for m in (listed.body or {}).get("data") or [] if isinstance(m, dict)]
        if model in ids:
            model_known = True
            r.ok("模型", f"模型 {model} 存在")

    called = await tool_call_probe(settings, http)
    if called.error:
        r.fail("工具调用", f"请求没有完成（{called.error}）", "模型响应太慢或连接中断：稍后重试，或检查网络")
        return r
    if called.status in (401, 403):
        r.fail("密钥", f"密钥没被接受（HTTP {called.status}：{called.message}）", key_fix)
        return r
    if _model_missing(called) and called.status != 200:
        r.fail("模型", f"找不到模型 {model}（HTTP {called.status}：{called.message}）", model_fix)
        return r
    if called.status == 200 and not key_known:
        r.ok("密钥", "密钥有效")
    if called.status == 200 and not model_known:
        r.ok("模型", f"模型 {model} 可以调用")
    _judge_tool_call(r, called)

    asked = {"model": model, "messages": [{"role": "user", "content": "用一句话介绍你自己，二十个字以内。"}]}
    answered = await probe(http, "POST", f"{base}/chat/completions", json=asked, headers=headers)
    if answered.error or answered.status != 200:
        why = answered.error or f"HTTP {answered.status}：{answered.message}"
        r.fail("中文回答", f"普通问答失败（{why}）", "模型服务不稳定：看服务商状态页，或换一个模型")
        return r
    content = ((answered.body or {}).get("choices") or [{}])[0].get("message", {}).get("content") or ""
    visible = ThinkFilter().feed(content if isinstance(content, str) else "")
    sample = visible.replace("\n", " ")[:30]
    if _chinese_share(visible) >= 0.5:
        r.ok("中文回答", f"用中文回答：「{sample}」")
    else:
        r.fail(
            "中文回答",
            f"没用中文回答：「{sample}」" if sample else "回答是空的",
            "换一个中文好的模型（如 qwen-plus、deepseek-chat），或在管理后台的提示词里要求用简体中文回答",
        )
    seconds = answered.seconds
    if seconds <= SLOW_SECONDS:
        r.ok("响应速度", f"一次问答 {seconds:.1f} 秒")
    else:
        r.warn(
            "响应速度",
            f"一次问答 {seconds:.1f} 秒，偏慢",
            "换离服务器近的接入点或更小的模型；本地模型请确认在用 GPU",
        )
    return r


def _judge_tool_call(r: Report, called: Probe) -> None:
    fix = (
        "换一个支持工具调用（function calling）的模型，如 qwen-plus、deepseek-chat、gpt-4o-mini、qwen2.5；"
        "vLLM 启动时要加 --enable-auto-tool-choice 和 --tool-call-parser"
    )
    if called.status != 200:
        if tools_refused(called):
            r.fail("工具调用", f"模型不支持工具调用（HTTP {called.status}：{called.message}）", fix)
        else:
            r.fail("工具调用", f"带工具的请求失败（HTTP {called.status}：{called.message}）", fix)
        return
    message = ((called.body or {}).get("choices") or [{}])[0].get("message") or {}
    calls = message.get("tool_calls") or []
    for call in calls:
        function = call.get("function") or {}
        if function.get("name") != TOOL_NAME:
            continue
        arguments = function.get("arguments") or "{}"
        try:
            args = json.loads(arguments) if isinstance(arguments, str) else arguments
        except ValueError:
            r.fail("工具调用", f"模型调用了工具，但参数不是合法 JSON：{str(arguments)[:60]}", fix)
            return
        r.ok("工具调用", f"模型会调用工具（{TOOL_NAME}，参数 {json.dumps(args, ensure_ascii=False)}）")
        return
    content = message.get("content") or ""
    if calls:
        r.fail("工具调用", f"模型调用了不存在的工具 {calls[0].get('function', {}).get('name')}", fix)
    elif TOOL_NAME in str(content):
        r.fail("工具调用", "模型把工具调用写成了普通文字，没有按协议返回 tool_calls", fix)
    else:
        r.fail("工具调用", "模型没有调用工具，只回了文字", fix)


# --- WeCom --------------------------------------------------------------------------------------------


def _aes_key_problem(key: str) -> str | None:
    if len(key) != 43:
        return f"应为 43 个字符，现在是 {len(key)} 个"
    try:
        if len(base64.b64decode(key + "=", validate=True)) != 32:
            raise ValueError
    except (binascii.Error, ValueError):
        return "含有不合法的字符（只能是字母和数字）"
    return None


def check_aes_key(r: Report, env_name: str, key: str) -> None:
    problem = _aes_key_problem(key)
    if problem is None:
        r.ok(env_name, "长度 43，格式正确")
    else:
        r.fail(
            env_name,
            problem,
            "在企业微信后台「接收消息 → 设置API接收」点「随机获取」，把整串复制过来（不要带空格或引号），"
            "保存时 salesbot 要在运行",
        )


_WECOM_TOKEN_FIXES = {
    40001: "Secret 不对：在「应用管理 → 你的应用 → Secret」查看（会发到企业微信里），填到 WECOM_SECRET；"
    "是这个应用的 Secret，不是通讯录或客户联系的",
    40013: "企业ID 不对：在「我的企业 → 企业信息」最下方复制企业ID，填到 WECOM_CORP_ID",
    40091: "Secret 不对：在「应用管理 → 你的应用 → Secret」重新查看后填到 WECOM_SECRET",
    60020: "本机出口 IP 不在可信 IP 里：在「应用 → 开发者接口 → 企业可信IP」加上服务器的公网 IP",
}


async def check_wecom_token(r: Report, http: aiohttp.ClientSession, config: WeComAppConfig) -> None:
    url = config.wecom_api_base.rstrip("/") + "/gettoken"
    p = await probe(http, "GET", url, params={"corpid": config.wecom_corp_id, "corpsecret": config.wecom_secret})
    if p.error:
        r.fail(
            "gettoken（WECOM_SECRET）",
            f"连不上企业微信接口（{p.error}）",
            "检查本机能否访问 qyapi.weixin.qq.com（防火墙、代理、DNS）",
        )
        return
    body = p.body if isinstance(p.body, dict) else {}
    code = body.get("errcode")
    if p.status == 200 and code == 0 and body.get("access_token"):
        r.ok("gettoken（WECOM_SECRET）", "企业ID 和 Secret 正确，拿到了 access_token")
        return
    fix = _WECOM_TOKEN_FIXES.get(code, "核对 WECOM_CORP_ID 和 WECOM_SECRET；错误码含义见企业微信开发文档「全局错误码」")
    r.fail("gettoken（WECOM_SECRET）", f"企业微信拒绝了（errcode {code}：{p.message}）", fix)


async def check_callback_url(r: Report, http: aiohttp.ClientSession, settings: Settings, path: str, expect) -> None:
    """Our route answers a bare request in a way only salesbot does (`expect(probe)`): the URL reaches us."""
    name = f"回调地址 {path}"
    if not settings.public_url:
        r.warn(
            name,
            "没有设置 SALESBOT_PUBLIC_URL，没法检查外网能否访问回调地址",
            "设置 SALESBOT_PUBLIC_URL=https://你的域名（企业微信/钉钉后台填的那个地址的前半部分）",
        )
        return
    url = settings.public_url.rstrip("/") + path
    p = await probe(http, "GET" if path.startswith("/wecom") else "POST", url, allow_redirects=False)
    if p.error:
        r.fail(
            name,
            f"访问不到 {url}（{p.error}）",
            "先启动 salesbot serve；再检查域名解析、HTTPS 证书、防火墙和反向代理（要原样转发这个路径）",
        )
    elif expect(p):
        r.ok(name, f"{url} 由 salesbot 应答")
    elif p.status == 404:
        r.fail(name, f"{url} 返回 404", f"反向代理没有把 {path} 转发给 salesbot：在 nginx 等的配置里加上这个路径")
    else:
        r.fail(
            name,
            f"{url} 的应答不像 salesbot（HTTP {p.status}：{p.text[:60]}）",
            "这个地址指向了别的服务：检查 SALESBOT_PUBLIC_URL 和反向代理的转发目标",
        )


def _wecom_callback_answer(p: Probe) -> bool:
    return p.status == 400 and p.text.startswith("bad request: echostr missing")


def _dingtalk_callback_answer(p: Probe) -> bool:
    return p.status == 403 and isinstance(p.body, dict) and p.body.get("error") == "invalid signature"


async def check_wecom(settings: Settings, http: aiohttp.ClientSession) -> list[Report]:
    reports = []
    app_report = Report("企业微信自建应用")
    try:
        app_config = WeComAppConfig.from_settings(settings)
    except ConfigError as exc:
        app_report.fail("配置", str(exc), "把缺的设置补上，或把已填的都删掉以关闭这个渠道")
        reports.append(app_report)
        app_config = None
    if app_config is not None and app_config.enabled:
        check_aes_key(app_report, "WECOM_ENCODING_AES_KEY", app_config.wecom_encoding_aes_key or "")
        await check_wecom_token(app_report, http, app_config)
        await check_callback_url(app_report, http, settings, "/wecom/callback", _wecom_callback_answer)
        reports.append(app_report)
    bot_report = Report("企业微信智能机器人")
    try:
        bot_config = WeComAIBotConfig.from_settings(settings)
    except ConfigError as exc:
        bot_report.fail("配置", str(exc), "把缺的设置补上，或把已填的都删掉以关闭这个渠道")
        return [*reports, bot_report]
    if bot_config.enabled:
        check_aes_key(bot_report, "WECOM_AIBOT_ENCODING_AES_KEY", bot_config.wecom_aibot_encoding_aes_key or "")
        await check_callback_url(bot_report, http, settings, "/wecom/aibot", _wecom_callback_answer)
        reports.append(bot_report)
    return reports


# --- DingTalk -----------------------------------------------------------------------------------------


async def check_dingtalk(settings: Settings, http: aiohttp.ClientSession) -> list[Report]:
    r = Report("钉钉")
    try:
        config = DingTalkConfig.from_settings(settings)
    except ConfigError as exc:
        r.fail("配置", str(exc), "把缺的设置补上，或把已填的都删掉以关闭这个渠道")
        return [r]
    if not config.enabled:
        return []
    endpoint = config.dingtalk_openapi_endpoint.rstrip("/")
    credentials_fix = "核对钉钉开放平台「应用 → 凭证与基础信息」里的 Client ID（AppKey）和 Client Secret（AppSecret）"
    token = await probe(
        http,
        "POST",
        f"{endpoint}/v1.0/oauth2/accessToken",
        json={"appKey": config.dingtalk_client_id, "appSecret": config.dingtalk_client_secret},
    )
    if token.error:
        r.fail("access token", f"连不上钉钉接口（{token.error}）", "检查本机能否访问 api.dingtalk.com（防火墙、代理）")
        return [r]
    if token.status == 200 and isinstance(token.body, dict) and token.body.get("accessToken"):
        r.ok("access token", "Client ID 和 Client Secret 正确")
    else:
        r.fail("access token", f"钉钉拒绝了（HTTP {token.status}：{token.message}）", credentials_fix)
        return [r]
    if config.dingtalk_mode == "http":
        await check_callback_url(r, http, settings, "/dingtalk/callback", _dingtalk_callback_answer)
        return [r]
    await check_dingtalk_stream(r, http, endpoint, config, credentials_fix)
    return [r]


async def check_dingtalk_stream(
    r: Report, http: aiohttp.ClientSession, endpoint: str, config: DingTalkConfig, credentials_fix: str
) -> None:
    """Opens a stream connection and closes it at once (a message routed to it meanwhile is redelivered:
    DingTalk redelivers what is not ACKed)."""
    opened = await probe(
        http,
        "POST",
        f"{endpoint}/v1.0/gateway/connections/open",
        json={
            "clientId": config.dingtalk_client_id,
            "clientSecret": config.dingtalk_client_secret,
            "subscriptions": [{"type": "CALLBACK", "topic": ROBOT_TOPIC}],
            "ua": "salesbot-doctor",
        },
    )
    body = opened.body if isinstance(opened.body, dict) else {}
    if opened.error or opened.status != 200 or not body.get("endpoint") or not body.get("ticket"):
        why = opened.error or f"HTTP {opened.status}：{opened.message}"
        r.fail(
            "Stream 连接", f"打不开 Stream 连接（{why}）", credentials_fix + "；机器人的消息接收模式要选「Stream 模式」"
        )
        return
    url = f"{body['endpoint']}?ticket={body['ticket']}"
    try:
        async with http.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=2)):
            pass
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        r.fail(
            "Stream 连接",
            f"WebSocket 连不上 {body['endpoint']}（{type(exc).__name__}）",
            "出网要能访问钉钉的 wss 地址（防火墙、代理要放行 WebSocket）",
        )
        return
    r.ok("Stream 连接", "Stream 长连接可以建立")


# --- database, Redis, data directory --------------------------------------------------------------------


async def check_database(settings: Settings) -> Report:
    r = Report("数据库")
    url = settings.resolved_database_url
    shown = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[-1])
        if not path.exists():
            r.warn("连接", f"还没有数据库文件 {path}", "第一次运行 salesbot serve（或 salesbot demo）时会自动创建")
            return r
    db = Database(url)
    try:
        current, expected = await asyncio.wait_for(asyncio.to_thread(db.schema_heads_sync), 15)
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        r.fail(
            "连接",
            f"连不上 {shown}（{reason[0][:120] if reason else type(exc).__name__}）",
            "检查 SALESBOT_DATABASE_URL（如 postgresql+asyncpg://用户:密码@主机:5432/库名）、数据库是否在运行、"
            "防火墙和账号权限",
        )
        return r
    finally:
        await db.close()
    r.ok("连接", f"{shown} 可以连接")
    if current == expected:
        r.ok("迁移", "数据库结构是最新的")
    elif current - expected:
        r.fail(
            "迁移",
            f"数据库结构比这个版本的程序新（{', '.join(sorted(current - expected))}）",
            "把 salesbot 升级到和其他副本相同的版本",
        )
    else:
        r.warn(
            "迁移",
            "数据库结构不是最新" if current else "数据库还是空的",
            "运行一次 salesbot serve（启动时会自动迁移）",
        )
    return r


async def check_redis(settings: Settings) -> Report | None:
    if not settings.redis_url:
        return None
    r = Report("Redis")
    client = connect(settings.redis_url)
    try:
        await asyncio.wait_for(client.ping(), 8)
    except Exception as exc:
        r.fail(
            "ping",
            f"连不上 Redis（{type(exc).__name__}：{str(exc)[:100]}）",
            "检查 SALESBOT_REDIS_URL（如 redis://:密码@主机:6379/0）、Redis 是否在运行、防火墙",
        )
    else:
        r.ok("ping", "Redis 有应答")
    finally:
        await client.aclose()
    return r


def check_data_dir(settings: Settings) -> Report:
    r = Report("数据目录")
    path = settings.data_dir.resolve()
    if not path.exists():
        parent = path.parent
        if os.access(parent, os.W_OK):
            r.warn("可写", f"{path} 还不存在", "第一次启动时会创建；也可以现在 mkdir -m 700 创建")
        else:
            r.fail("可写", f"{path} 不存在，且 {parent} 不可写", f"mkdir -m 700 {path} 并把它交给运行 salesbot 的用户")
        return r
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        r.fail("可写", f"{path} 不可写（{exc.strerror}）", f"chown 运行 salesbot 的用户 {path}，并 chmod 700 {path}")
        return r
    r.ok("可写", f"{path} 可写")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        r.warn(
            "权限",
            f"权限是 {mode:04o}，别的用户也能进（里面有数据库、上传的文件）",
            f"chmod 700 {path}",
        )
    else:
        r.ok("权限", f"权限是 {mode:04o}")
    return r


# --- running and printing -----------------------------------------------------------------------------


async def run_checks(settings: Settings, *, timeout: float = 20.0) -> list[Check]:
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    try:
        parts: list[Awaitable[Any]] = [
            check_llm(settings, http),
            check_wecom(settings, http),
            check_dingtalk(settings, http),
            check_database(settings),
            check_redis(settings),
        ]
        results = await asyncio.gather(*parts)
    finally:
        await http.close()
    reports: list[Report] = []
    for result in results:
        if isinstance(result, Report):
            reports.append(result)
        elif isinstance(result, list):
            reports += result
    reports.append(check_data_dir(settings))
    return [check for report in reports for check in report.checks]


async def channel_checks(settings: Settings, *, timeout: float = 8.0) -> list[Check]:
    """Only the channels' checks (WeCom gettoken, AES keys, callback URLs; DingTalk token and stream): what the
    console's 渠道 page shows live."""
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    try:
        results = await asyncio.gather(check_wecom(settings, http), check_dingtalk(settings, http))
    finally:
        await http.close()
    return [check for reports in results for report in reports for check in report.checks]


def render(checks: list[Check]) -> str:
    lines, area = [], None
    for check in checks:
        if check.area != area:
            area = check.area
            lines.append(f"{'' if not lines else chr(10)}{area}")
        lines.append(f"  {MARKS[check.status]} {check.name}：{check.detail}")
        if check.fix:
            lines.append(f"      {'修复' if check.status == FAIL else '建议'}：{check.fix}")
    failed = sum(c.status == FAIL for c in checks)
    warned = sum(c.status == WARN for c in checks)
    lines.append("")
    if failed:
        lines.append(f"有 {failed} 项需要修复" + (f"，{warned} 项提醒。" if warned else "。"))
    else:
        lines.append("全部通过。" if not warned else f"没有错误，{warned} 项提醒。")
    return "\n".join(lines)


def as_json(checks: list[Check]) -> str:
    return json.dumps(
        {"ok": not any(c.status == FAIL for c in checks), "checks": [asdict(c) for c in checks]},
        ensure_ascii=False,
        indent=2,
    )


async def main(args, settings: Settings, out: Callable[[str], None] = print) -> int:
    checks = await run_checks(settings, timeout=args.timeout)
    out(as_json(checks) if args.json else render(checks))
    return 1 if any(c.status == FAIL for c in checks) else 0
