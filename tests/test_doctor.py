"""`salesbot doctor` against the fakes: each line's ✓/✗ and the exit status."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from contextlib import asynccontextmanager
from types import SimpleNamespace

import pytest

from bot.clock import FrozenClock
from bot.messages import Role
from bot.replies import NO_TOOLS_NOTE
from salesbot import cli
from salesbot.app import App
from salesbot.demo import load_demo
from salesbot.doctor import FAIL, OK, TOOL_NAME, WARN, main, render, run_checks
from tests.conftest import TEST_NOW, ConsoleClient, make_settings, running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.openai_server import FakeOpenAI, text, tool_call
from tests.fakes.wecom import FakeQyapi
from tests.wecom_support import AIBOT_KEY, CORP_ID, SECRET, wecom_env, wecom_rig

INTRO = "我是销售助手，帮你记拜访、查客户。"


def obedient(body):
    if body.get("tools"):
        return tool_call(TOOL_NAME, city="上海")
    return text(INTRO)


def llm_env(llm: FakeOpenAI, **extra) -> dict[str, str]:
    return {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "sk-right", "SALESBOT_LLM_MODEL": "fake", **extra}


def status(checks, area: str, name: str) -> str:
    found = [c for c in checks if c.area == area and c.name == name]
    assert found, f"no check {area}/{name}: {[(c.area, c.name) for c in checks]}"
    return found[0].status


def line(checks, area: str, name: str):
    return next(c for c in checks if c.area == area and c.name == name)


@pytest.fixture
async def llm():
    async with FakeOpenAI(api_key="sk-right", known_models_only=True, models=("fake",)) as server:
        server.responder = obedient
        yield server


# --- the LLM --------------------------------------------------------------------------------------


async def test_llm_all_good(tmp_path, llm):
    checks = await run_checks(make_settings(tmp_path, **llm_env(llm)))
    for name in ("连接", "密钥", "模型", "工具调用", "中文回答", "响应速度"):
        assert status(checks, "大模型", name) == OK, name
    assert "上海" in line(checks, "大模型", "工具调用").detail
    sent = [r for r in llm.requests if r.get("tools")]
    assert len(sent) == 1 and sent[0]["tools"][0]["function"]["name"] == TOOL_NAME


async def test_llm_without_tool_support_is_named(tmp_path):
    async with FakeOpenAI(supports_tools=False) as server:
        server.responder = obedient
        checks = await run_checks(make_settings(tmp_path, **llm_env(server)))
    check = line(checks, "大模型", "工具调用")
    assert check.status == FAIL and "不支持工具调用" in check.detail and "function calling" in check.fix
    assert status(checks, "大模型", "中文回答") == OK  # a clean refusal of tools; the rest still checked


@asynccontextmanager
async def served(tmp_path, server: FakeOpenAI):
    """The App as `salesbot serve` starts it (channels connected, so the startup model check runs)."""
    lines: list[str] = []
    app = App(
        make_settings(tmp_path, **llm_env(server)),
        clock=FrozenClock(TEST_NOW),
        console_output=lines.append,
        enable_knowledge=False,
    )
    app.console_lines = lines
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def test_serve_start_finds_a_model_without_tools_and_answers_offline_from_the_first_turn(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="salesbot.app")
    async with FakeOpenAI(supports_tools=False) as server:
        server.latency = 0.5
        async with served(tmp_path, server) as app:
            rep_agent = app.agent_for(Role.REP)
            assert rep_agent.tools_refused is None  # start did not wait for the probe
            await load_demo(app)
            await server.wait_for_calls(1)
            for _ in range(200):
                if rep_agent.tools_refused is not None:
                    break
                await asyncio.sleep(0.01)
            assert "does not support tools" in rep_agent.tools_refused
            assert app.agent_for(Role.MANAGER).tools_refused == rep_agent.tools_refused
            probe = server.requests[0]
            assert probe["tools"][0]["function"]["name"] == TOOL_NAME  # doctor's probe, nothing else

            answer = await ConsoleClient(app, "zhangwei").say("华东机械最近怎么样")
            assert NO_TOOLS_NOTE in answer
            assert server.calls == 1  # the turn never went to the model
    warnings = [r.getMessage() for r in caplog.records if "不支持工具调用" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "大模型 fake 不支持工具调用：先按离线模式回复；换一个支持工具调用的模型，如 qwen-plus"
    )


async def test_serve_start_leaves_a_model_with_tools_alone(tmp_path, caplog, llm):
    async with served(tmp_path, llm) as app:
        await llm.wait_for_calls(1)
        await asyncio.sleep(0.1)
        assert app.agent_for(Role.REP).tools_refused is None
    assert not [r for r in caplog.records if "不支持工具调用" in r.getMessage()]


async def test_serve_start_with_an_unreachable_model_changes_nothing(tmp_path, caplog):
    async with FakeOpenAI() as server:
        pass  # stopped: nothing listens on its port any more
    async with served(tmp_path, server) as app:
        await asyncio.sleep(0.3)
        assert app.agent_for(Role.REP).tools_refused is None


async def test_llm_that_answers_tools_in_text_or_ignores_them(tmp_path, llm):
    llm.responder = lambda body: text(f'{{"name": "{TOOL_NAME}", "arguments": {{"city": "上海"}}}}')
    checks = await run_checks(make_settings(tmp_path, **llm_env(llm)))
    check = line(checks, "大模型", "工具调用")
    assert check.status == FAIL and "写成了普通文字" in check.detail
    llm.responder = lambda body: text("现在是下午三点。")
    checks = await run_checks(make_settings(tmp_path, **llm_env(llm)))
    assert "没有调用工具" in line(checks, "大模型", "工具调用").detail


async def test_llm_wrong_key_unknown_model_english_and_unreachable(tmp_path, llm):
    checks = await run_checks(make_settings(tmp_path, **llm_env(llm, OPENAI_API_KEY="sk-wrong")))
    key = line(checks, "大模型", "密钥")
    assert key.status == FAIL and "401" in key.detail and "OPENAI_API_KEY" in key.fix
    assert status(checks, "大模型", "连接") == OK

    checks = await run_checks(make_settings(tmp_path, **llm_env(llm, SALESBOT_LLM_MODEL="gpt-99")))
    model = line(checks, "大模型", "模型")
    assert model.status == FAIL and "gpt-99" in model.detail and "404" in model.detail
    assert status(checks, "大模型", "密钥") == OK

    llm.responder = lambda body: tool_call(TOOL_NAME, city="上海") if body.get("tools") else "I am an assistant."
    checks = await run_checks(make_settings(tmp_path, **llm_env(llm)))
    assert status(checks, "大模型", "中文回答") == FAIL and status(checks, "大模型", "工具调用") == OK

    checks = await run_checks(make_settings(tmp_path, OPENAI_BASE_URL="http://127.0.0.1:1/v1", OPENAI_API_KEY="k"))
    reach = line(checks, "大模型", "连接")
    assert reach.status == FAIL and "OPENAI_BASE_URL" in reach.fix


async def test_slow_llm_is_a_warning_not_a_failure(tmp_path, llm, monkeypatch):
    monkeypatch.setattr("salesbot.doctor.SLOW_SECONDS", 0.2)
    llm.latency = 0.3
    checks = await run_checks(make_settings(tmp_path, **llm_env(llm)))
    assert status(checks, "大模型", "响应速度") == WARN
    assert not any(c.status == FAIL for c in checks if c.area == "大模型")


# --- WeCom ----------------------------------------------------------------------------------------


async def test_wecom_token_aes_key_and_callback_url(tmp_path):
    async with wecom_rig(tmp_path) as rig:
        env = {**wecom_env(rig.qyapi), "SALESBOT_PUBLIC_URL": rig.url("/").rstrip("/")}
        checks = await run_checks(make_settings(tmp_path / "d", **env))
        app, bot = "企业微信自建应用", "企业微信智能机器人"
        assert status(checks, app, "gettoken（WECOM_SECRET）") == OK
        assert status(checks, app, "WECOM_ENCODING_AES_KEY") == OK
        assert status(checks, app, "回调地址 /wecom/callback") == OK
        assert status(checks, bot, "WECOM_AIBOT_ENCODING_AES_KEY") == OK
        assert status(checks, bot, "回调地址 /wecom/aibot") == OK

        bad = {
            **env,
            "WECOM_SECRET": "not-the-secret",
            "WECOM_AIBOT_ENCODING_AES_KEY": AIBOT_KEY[:-1],
            "SALESBOT_PUBLIC_URL": rig.qyapi.base_url,  # something else answers there
        }
        checks = await run_checks(make_settings(tmp_path / "d", **bad))
        token = line(checks, app, "gettoken（WECOM_SECRET）")
        assert token.status == FAIL and "40001" in token.detail and "WECOM_SECRET" in token.fix
        key = line(checks, bot, "WECOM_AIBOT_ENCODING_AES_KEY")
        assert key.status == FAIL and "42" in key.detail and "随机获取" in key.fix
        assert status(checks, app, "回调地址 /wecom/callback") == FAIL

        checks = await run_checks(make_settings(tmp_path / "d", **{**env, "WECOM_CORP_ID": "wwnobody"}))
        assert "企业ID" in line(checks, app, "gettoken（WECOM_SECRET）").fix

        no_url = {k: v for k, v in env.items() if k != "SALESBOT_PUBLIC_URL"}
        checks = await run_checks(make_settings(tmp_path / "d", **no_url))
        assert status(checks, app, "回调地址 /wecom/callback") == WARN


async def test_wecom_callback_url_unreachable(tmp_path):
    async with FakeQyapi(CORP_ID, SECRET) as qyapi:
        env = {**wecom_env(qyapi), "SALESBOT_PUBLIC_URL": "http://127.0.0.1:1"}
        checks = await run_checks(make_settings(tmp_path, **env))
    check = line(checks, "企业微信自建应用", "回调地址 /wecom/callback")
    assert check.status == FAIL and "salesbot serve" in check.fix


# --- DingTalk -------------------------------------------------------------------------------------


async def test_dingtalk_token_and_stream(tmp_path):
    fake = FakeDingTalk()
    await fake.start()
    try:
        env = {
            "DINGTALK_CLIENT_ID": fake.client_id,
            "DINGTALK_CLIENT_SECRET": fake.client_secret,
            "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        }
        checks = await run_checks(make_settings(tmp_path, **env))
        assert status(checks, "钉钉", "access token") == OK
        assert status(checks, "钉钉", "Stream 连接") == OK
        assert fake.open_requests and fake.connections  # it really opened the connection

        checks = await run_checks(make_settings(tmp_path, **{**env, "DINGTALK_CLIENT_SECRET": "wrong"}))
        token = line(checks, "钉钉", "access token")
        assert token.status == FAIL and "Client Secret" in token.fix
    finally:
        await fake.close()


# --- database, data directory, the command --------------------------------------------------------


async def test_database_current_and_unreachable(tmp_path):
    async with running_app(tmp_path, demo=False):
        pass
    checks = await run_checks(make_settings(tmp_path))
    assert status(checks, "数据库", "连接") == OK and status(checks, "数据库", "迁移") == OK

    url = "postgresql+asyncpg://salesbot:secret@127.0.0.1:1/salesbot"
    checks = await run_checks(make_settings(tmp_path, SALESBOT_DATABASE_URL=url))
    check = line(checks, "数据库", "连接")
    assert check.status == FAIL and "SALESBOT_DATABASE_URL" in check.fix and "secret" not in check.detail


async def test_data_dir_permissions(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o755)
    checks = await run_checks(make_settings(tmp_path, SALESBOT_DATA_DIR=str(data)))
    assert status(checks, "数据目录", "可写") == OK
    perm = line(checks, "数据目录", "权限")
    assert perm.status == WARN and "0755" in perm.detail and "chmod 700" in perm.fix
    os.chmod(data, 0o700)
    checks = await run_checks(make_settings(tmp_path, SALESBOT_DATA_DIR=str(data)))
    assert status(checks, "数据目录", "权限") == OK
    if os.geteuid() != 0:  # root writes anywhere
        os.chmod(data, 0o500)
        try:
            checks = await run_checks(make_settings(tmp_path, SALESBOT_DATA_DIR=str(data)))
            assert status(checks, "数据目录", "可写") == FAIL
        finally:
            os.chmod(data, 0o700)


async def test_exit_status_and_output(tmp_path, llm):
    async with running_app(tmp_path, demo=False):
        pass
    os.chmod(tmp_path / "data", 0o700)
    printed: list[str] = []
    args = SimpleNamespace(json=False, timeout=10.0)
    assert await main(args, make_settings(tmp_path, **llm_env(llm)), printed.append) == 0
    assert "✓ 工具调用" in printed[-1] and "✗" not in printed[-1]

    args = SimpleNamespace(json=True, timeout=10.0)
    assert await main(args, make_settings(tmp_path, **llm_env(llm, OPENAI_API_KEY="bad")), printed.append) == 1
    data = json.loads(printed[-1])
    assert data["ok"] is False
    assert {"area": "大模型", "name": "密钥", "status": "fail"}.items() <= next(
        c for c in data["checks"] if c["name"] == "密钥"
    ).items()
    text_out = render([c for c in (await run_checks(make_settings(tmp_path, **llm_env(llm, OPENAI_API_KEY="x"))))])
    assert "✗ 密钥" in text_out and "修复：" in text_out and "需要修复" in text_out


def test_cli_doctor_reports_a_half_configured_channel(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no .env
    for name in list(os.environ):
        if name.startswith(("WECOM_", "DINGTALK_", "OPENAI_", "SALESBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WECOM_CORP_ID", CORP_ID)  # the rest of the self-built app is missing
    code = cli.main(["doctor", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    config = next(c for c in out["checks"] if c["area"] == "企业微信自建应用")
    assert config["status"] == "fail" and "WECOM_SECRET" in config["detail"]
    assert any(c["area"] == "大模型" and c["status"] == "warn" for c in out["checks"])  # offline mode
