"""The bot's own words (Simplified Chinese), kept in one place so they stay short and consistent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.messages import Actor, Role

if TYPE_CHECKING:  # pragma: no cover
    from bot.capabilities import Command

UNKNOWN_USER = "你好～ 我还不认识你，暂时没法帮你处理销售数据。请联系管理员把你加到销售团队里。"
EMPTY = "没收到内容～ 发「/帮助」看看我能做什么。"
INTERNAL_ERROR = "抱歉，处理这条消息时出了点问题，已经记录下来了，请稍后再试一次。"
VOICE_NOT_TRANSCRIBED = "这条语音没有识别出文字，麻烦发文字给我～"
UNSUPPORTED_KIND = "收到～ 不过这类消息我暂时处理不了，发文字或会议纪要文件给我吧。"
CARD_UNKNOWN = "这张卡片已经失效了。"
OFFLINE_NOTE = "（当前是离线模式：没有接入大模型，请用命令操作）"
LLM_DOWN_NOTE = "（AI 暂时连不上，先按离线模式回复你；消息已保存，不会丢）"
BUSY = "消息较多，稍等～ 你的消息已收到，马上回你。"
NO_TOOLS_NOTE = "（现在接的大模型不支持调用工具，先按离线模式回复你；请管理员换一个支持工具调用的模型）"


def too_long(chars: int) -> str:
    return f"这条消息太长了（约 {chars} 字）。请分几段发，或者把会议记录作为文件发给我。"


def welcome(actor: Actor) -> str:
    if actor.role is Role.CUSTOMER:
        return "您好，我是智能助理，有什么可以帮您？"
    name = actor.name or ""
    return f"{name}你好！我是销售助手：记拜访、查客户、建待办、找话术都可以找我。发「/帮助」看全部用法。"


CUSTOMER_HELP = (
    "您好，我是在线助理：可以为您介绍产品功能、版本价格、试用和部署方式。"
    "想找销售顾问的话，直接说「转人工」，或者留下称呼和电话，顾问会尽快联系您。"
)


# WeCom cuts a text message at 2048 bytes (the adapter then sends two); /帮助 must stay one message, so past
# this size it lists the everyday commands with their usage and only the names of the rest
HELP_MAX_BYTES = 1900


def help_text(role: Role, commands: list["Command"], llm: bool, topic: str = "") -> str:
    if role is Role.CUSTOMER:  # a customer never hears of commands or of the bot's modes
        return CUSTOMER_HELP
    if topic:
        return _help_topic(topic, commands)
    footer = []
    if llm:
        footer.append("也可以直接说，比如「今天拜访了华东机械的李总，下周三前发报价」。")
    else:
        footer.append(
            "常用的也可以直接说：「今天拜访了华东机械的李总，下周三前发报价」「周五下午3点提醒我跟进金陵医药」"
            "「我有哪些待办」，要写入的我会先让你确认。"
        )
        footer.append(OFFLINE_NOTE)
    full = "\n".join(["我能帮你做这些：", *(f"· {cmd.usage}  {cmd.summary}" for cmd in commands), *footer])
    if len(full.encode()) <= HELP_MAX_BYTES:
        return full
    primary = primary_commands(commands, 10)
    rest = [cmd for cmd in commands if cmd not in primary]
    lines = ["我能帮你做这些（发「/帮助 命令」看用法，如「/帮助 预测」）："]
    lines += [f"· {cmd.usage}  {cmd.summary}" for cmd in primary]
    if rest:
        lines.append("· 还有：" + " ".join(cmd.usage.split()[0] for cmd in rest))
    return "\n".join([*lines, *footer])


def _help_topic(topic: str, commands: list["Command"]) -> str:
    """/帮助 拜访: the usage of the commands the word names (by name, alias or what they do)."""
    word = topic.strip().lstrip("/／").strip()
    by_name = [c for c in commands if word == c.name or word in c.aliases]
    found = by_name or [c for c in commands if word and (word in c.name or word in c.summary)]
    if not found:
        names = "、".join(f"/{c.name}" for c in commands)
        return f"没有和「{word}」有关的命令。可用的有：{names}"
    return "\n".join(f"· {cmd.usage}  {cmd.summary}" for cmd in found[:8])


# what a rep needs most often, shown first when the bot has to explain itself briefly
PRIMARY_COMMANDS = ("拜访", "客户", "任务", "纪要", "审批", "话术", "赢单", "输单", "预测", "联系谁", "帮助")


def primary_commands(commands: list["Command"], limit: int = 6) -> list["Command"]:
    rank = {name: i for i, name in enumerate(PRIMARY_COMMANDS)}
    return sorted(commands, key=lambda c: rank.get(c.name, len(rank)))[:limit]


def unknown_command(word: str, commands: list["Command"]) -> str:
    if commands and all(Role.CUSTOMER in c.roles for c in commands):
        # only the commands everyone has: the speaker is a customer, who is not told about commands
        return "抱歉，没太看懂。您可以直接用文字描述问题，比如「有哪些版本」「怎么试用」，或者说「转人工」。"
    names = "、".join(f"/{c.name}" for c in primary_commands(commands, 8))
    return f"没有「/{word}」这个命令。可用的有：{names}。发「/帮助」看用法。"


def heard(text: str) -> str:
    """What our speech-to-text heard in a voice note, shown before the answer to it."""
    clip = text if len(text) <= 200 else text[:200] + "…"
    return f"（语音转文字）{clip}"
