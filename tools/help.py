"""/帮助: what the speaker can do, by role and mode."""

from __future__ import annotations

from bot import replies
from bot.capabilities import EVERYONE, Capabilities, Router, ToolContext, ToolOutput

router = Router("help")


@router.command(
    "帮助", "/帮助 [命令]", "看看我能做什么；带命令名看它的用法", roles=EVERYONE, aliases=("help", "?", "？")
)
async def help_command(ctx: ToolContext, arg: str) -> ToolOutput:
    llm = ctx.app.llm_enabled
    commands = ctx.capabilities.commands_for(ctx.actor.role)
    return ToolOutput(replies.help_text(ctx.actor.role, commands, llm, topic=arg))


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
