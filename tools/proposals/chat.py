"""The person's side of a proposal: 「是」/「取消」/a correction in words, the card's buttons, 「撤销」."""

from __future__ import annotations

import re

from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolDenied, ToolError, ToolOutput
from bot.messages import CardAction, Reply
from bot.pending import NO_WORDS, YES_WORDS, close_pending
from bot.zh_parse import find_dates, find_money
from tools.proposals.service import (
    ASK_REASON,
    CARD_PREFIX,
    awaiting_reason,
    cancel,
    confirm,
    describe_call,
    field_label,
    load,
    proposal_replies,
    record_reason,
    revise,
    undo_latest,
)

router = Router("proposals")

SKIP_WORDS = {"跳过", "不说了", "略", "没原因", "没什么原因", "skip"}
UNDO_WORDS = {"撤销", "撤回", "撤销刚才的", "撤回刚才的", "undo"}
EDIT_HELP = "要改哪里？直接说，比如「改成下周四」「客户是金陵医药」「金额改成 60 万」。"
# words that open a correction rather than answer 「改的原因？」
_CORRECTION = re.compile(r"^(改成|改为|改到|换成|应该是|不是|客户(是|改|换|应该)|金额|日期|时间|截止|内容)")
_CUSTOMER = re.compile(r"客户(?:是|改成|改为|换成|应该是)\s*[「“\"]?([^\s，。,；;」”\"]{2,40})")
# 「姓名改成张伟」「职务是销售总监」: a field named by its Chinese label (the tool's own wording) and its new value
_FIELD_EDIT = re.compile(
    r"^(?P<label>[\u4e00-\u9fff]{2,8}?)\s*(?:改成|改为|换成|应该是|是|[:：])\s*(?P<value>\S.{0,200})$"
)
# date fields each tool takes, in the order a bare date correction fills them
_DATE_FIELDS = {"log_visit": ("next_step_due", "visit_date"), "create_task": ("due",)}


async def _as_output(replies: list[Reply]) -> ToolOutput:
    # a pending answer returns one ToolOutput: the confirmation text (the card update is for card channels)
    out = [r for r in replies if not r.card_update]
    return ToolOutput("\n".join(r.text for r in out if r.text))


def offline_items(ctx: ToolContext, items: list[dict], text: str) -> list[dict] | None:
    """Simple corrections without a model: a date, the customer, an amount. None when nothing was read."""
    today = ctx.today()
    changed = False
    new_items = []
    customer = _CUSTOMER.search(text)
    dates = find_dates(text, today)
    money = find_money(text) if re.search(r"金额|价|万|元|块", text) else []
    edit = _FIELD_EDIT.match(text.strip())
    for item in items:
        args = dict(item["args"])
        spec = ctx.capabilities.tools.get(item["tool"])
        named = next((n for n in args if field_label(spec, n) == edit.group("label")), None) if edit and spec else None
        if named is not None and named != "account_name":
            value = edit.group("value").strip().strip("「」“”\"'")
            args[named] = [value] if isinstance(args[named], list) else value
            if isinstance(args.get("unclear"), list) and named in args["unclear"]:
                args["unclear"] = [u for u in args["unclear"] if u != named]  # supplied by the person now
            new_items.append({**item, "args": args})
            changed = True
            continue
        if customer and "account_name" in args:
            args["account_name"], changed = customer.group(1), True
        if dates and not customer:
            fields = [f for f in _DATE_FIELDS.get(item["tool"], ()) if f in args]
            if item["tool"] == "log_visit" and fields:
                future = dates[0].date > today
                fields = ["next_step_due"] if future and args.get("next_step") else ["visit_date"]
            for name in fields[:1]:
                args[name], changed = (
                    dates[0].text if item["tool"] == "create_task" else dates[0].date.isoformat(),
                    True,
                )
        if money and "amount" in args:
            args["amount"], changed = float(money[0].value), True
        new_items.append({**item, "args": args})
    return new_items if changed else None


async def _revised(ctx: ToolContext, p, text: str) -> ToolOutput | None:
    items = offline_items(ctx, p.items, text)
    if items is None:
        return None
    described = []
    for item in items:
        spec = ctx.capabilities.tools.get(item["tool"])
        if spec is None:
            raise ToolError("这个功能已经不在了，提议没法修改。")
        described.append(await describe_call(ctx, spec, item["args"]))
    p, changes = await revise(ctx, p, described)
    if not changes:
        return ToolOutput("改完和原来一样，回复「是」确认，或者说清楚要改什么。")
    # a short line (kept in memory) and the card with the whole revised proposal and the reason question
    card = proposal_replies(p, ask_reason=True)[0].card
    return ToolOutput("改好了，请再确认一下：", card=card)


@router.pending("proposal")
async def answer_proposal(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    text = answer.strip().rstrip("。.!！")
    p = await load(ctx, pending.payload["proposal_id"])
    if p is None or p.status != "open":
        await close_pending(ctx, pending, "done")
        return None
    if text in YES_WORDS:
        await close_pending(ctx, pending)
        return await _as_output(await confirm(ctx, p))
    if text in NO_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return await _as_output(await cancel(ctx, p))
    if text in ("修改", "改", "要改"):
        return ToolOutput(EDIT_HELP)
    if awaiting_reason(p):
        if text in SKIP_WORDS:
            await record_reason(ctx, p, None)
            return ToolOutput("好。回复「是」确认写入，「取消」不写。")
        if not _CORRECTION.search(text) and len(text) <= 200:
            await record_reason(ctx, p, text)
            return ToolOutput(f"记下了原因：{text}\n回复「是」确认写入，「取消」不写；还要改就直接说。")
    if ctx.app.agent_for(ctx.actor.role) is not None:
        return None  # the model reads the correction with the open proposal in view (agents/proposals.py)
    return await _revised(ctx, p, text)


@router.pending("proposal_done")
async def answer_after_confirm(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    """「是」 again after the card was pressed (or twice): already written, nothing more."""
    text = answer.strip().rstrip("。.!！")
    if text in YES_WORDS or text in NO_WORDS:
        p = await load(ctx, pending.payload["proposal_id"])
        return ToolOutput(
            "这条已经确认写入了，不会重复写。" if p is not None and p.status == "confirmed" else "这条已经处理过了。"
        )
    if text in UNDO_WORDS:
        return ToolOutput("已确认的记录不能用「撤销」撤回，请用对应的命令修改（比如 /完成、/撤回）。")
    return None


@router.pending("proposal_undo")
async def answer_undo(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    if answer.strip().rstrip("。.!！") not in UNDO_WORDS:
        return None
    await close_pending(ctx, pending)
    return await undo_latest(ctx)


@router.command("撤销", "/撤销", "撤回 10 分钟内直接写入的记录", roles=STAFF)
async def undo_command(ctx: ToolContext, arg: str) -> ToolOutput:
    return await undo_latest(ctx)


@router.card(CARD_PREFIX)
async def on_proposal_card(ctx: ToolContext, action: CardAction) -> list[Reply]:
    try:
        proposal_id = int(action.card_id.split("-", 1)[1])
    except (IndexError, ValueError):
        return [Reply("这张卡片已经失效了。")]
    p = await load(ctx, proposal_id)
    if p is None:
        return [Reply("这张卡片已经失效了。")]
    if p.staff_id not in (None, ctx.actor.staff_id):
        raise ToolDenied("这是别人的待确认记录，只有提出的人能确认或取消。")
    if action.action == "confirm":
        return await confirm(ctx, p)
    if action.action == "cancel":
        return await cancel(ctx, p)
    if action.action == "edit":
        if p.status != "open":
            return [Reply("这条已经处理过了。")]
        return [Reply(EDIT_HELP)]
    return [Reply("这个按钮我不认识，回复「是」确认或「取消」。")]


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)


__all__ = ["ASK_REASON", "register"]
