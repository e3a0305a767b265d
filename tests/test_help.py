"""/帮助 stays one WeCom text message however many capabilities are registered, and /帮助 <命令> explains one."""

from __future__ import annotations

from bot import replies
from bot.messages import Role
from salesbot.app import build_capabilities
from tests.conftest import ConsoleClient

WECOM_TEXT_LIMIT = 2048  # bytes; a longer text is split into two messages by the adapter


def test_help_fits_one_wecom_message_for_every_role_and_mode():
    capabilities = build_capabilities()
    for role in (Role.REP, Role.MANAGER, Role.ADMIN):
        commands = capabilities.commands_for(role)
        for llm in (True, False):
            text = replies.help_text(role, commands, llm)
            assert len(text.encode()) <= WECOM_TEXT_LIMIT, (role, llm, len(text.encode()))
            # every command is still named, the everyday ones with their usage
            for command in commands:
                assert command.usage.split()[0] in text, command.name
            assert "/拜访 客户 内容" in text and "/预测" in text


def test_a_short_command_list_is_shown_in_full():
    commands = build_capabilities().commands_for(Role.REP)[:5]
    text = replies.help_text(Role.REP, commands, llm=True)
    assert all(f"· {c.usage}  {c.summary}" in text for c in commands)
    assert "还有" not in text


async def test_help_for_one_command_and_for_a_word_that_is_none(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    forecast = await rep.say("/帮助 预测")
    assert "/预测 [客户 承诺|可能|管道]" in forecast and "/审批" not in forecast
    assert "/输单 客户 原因" in await rep.say("/帮助 /输单")
    unknown = await rep.say("/帮助 飞机")
    assert "没有和「飞机」有关的命令" in unknown and "/拜访" in unknown
