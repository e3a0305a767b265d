"""Closing a deal: won (signed amount and date) or lost (reason category, competitor, one line), and reopening.

Every path is a proposal first: the model's `close_deal` call, `/赢单` `/输单`, and the same said in words
without a model (「华东机械输单了，价格没谈拢，被速工云拿走了」). A loss without a reason is asked for one
before the card is shown, since win/loss analysis is worthless without it. The stage the deal had reached is
kept (`stage_reached`): the learned stage probabilities count it. Reopening puts that stage back and keeps
the closing it undid in the audit log.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, Field, field_validator

from bot.arg_types import ACCOUNT_ALIASES, AccountName, DatePhrase, Money
from bot.capabilities import STAFF, Router, ToolContext, ToolError, ToolOutput
from bot.models import STAGE_LABELS, STAGES, Opportunity, utcnow
from bot.pending import NO_WORDS, close_pending, open_pending
from bot.zh_parse import find_money
from tools.customers import accounts_mentioned
from tools.pipeline.common import (
    CLOSED,
    account_for,
    deal_of,
    money_text,
    month_day,
    org_competitors,
    propose,
    reason_categories,
)
from tools.pipeline.phrases import match_competitor, read_close, reason_category
from tools.visits import date_argument

router = Router("pipeline_closing")

OUTCOME_WORDS = {
    "won": "won",
    "win": "won",
    "赢单": "won",
    "赢": "won",
    "成交": "won",
    "签约": "won",
    "closed_won": "won",
    "lost": "lost",
    "lose": "lost",
    "loss": "lost",
    "输单": "lost",
    "输": "lost",
    "丢单": "lost",
    "closed_lost": "lost",
}


class CloseDealArgs(BaseModel):
    account_name: AccountName = Field(validation_alias=ACCOUNT_ALIASES, description="客户名称，按用户原话")
    outcome: str = Field(description="结果：won（赢单）或 lost（输单）")
    amount: Money = Field(None, description="赢单的签约金额（元），用户说了才填")
    reason_category: str | None = Field(
        None, description="原因类别：价格 / 产品功能 / 竞品 / 时机 / 关系 / 无决策（输单必填，按用户原话归类）"
    )
    competitor: str | None = Field(None, description="竞争对手名称（输给谁或打败了谁），用户说了才填")
    note: str | None = Field(None, description="一句话说明，按用户原话")
    closed_on: DatePhrase = Field(None, description="成交或输单日期，默认今天")
    deal_name: str | None = Field(None, description="商机名称，客户有多个进行中的商机时才填")

    @field_validator("outcome", mode="before")
    @classmethod
    def _outcome(cls, value):
        code = OUTCOME_WORDS.get(str(value or "").strip().lower())
        if code is None:
            raise ValueError("outcome 只能是 won（赢单）或 lost（输单）")
        return code


def _reason(ctx: ToolContext, args: CloseDealArgs) -> str | None:
    """The category as one of the org's list: the model's word if it is one, else read from its words."""
    categories = reason_categories(ctx.app)
    given = (args.reason_category or "").strip()
    if given in categories:
        return given
    return reason_category(" ".join(filter(None, (given, args.note or ""))), categories, args.competitor)


async def _competitor(ctx: ToolContext, name: str | None) -> tuple[str | None, bool]:
    if not name or not name.strip():
        return None, False
    found, known = match_competitor(name, await org_competitors(ctx.app))
    return (found, True) if known else (name.strip()[:64], False)


async def checked_close(ctx: ToolContext, args: CloseDealArgs):
    """(deal, account, reason, competitor, known competitor, closed day) as the write would store them."""
    account = await account_for(ctx, args.account_name)
    deal = await deal_of(ctx, account, args.deal_name, closed=False)
    closed_on = date_argument(args.closed_on, ctx.today(), "日期") or ctx.today()
    if closed_on > ctx.today():
        raise ToolError(f"{month_day(closed_on)} 还没到，关单日期不能是将来。")
    reason = _reason(ctx, args)
    categories = reason_categories(ctx.app)
    if args.outcome == "lost" and reason is None:
        raise ToolError(f"输单原因是哪一类？{' / '.join(categories)}，再补一句具体情况。")
    if args.amount is not None and args.amount <= 0:
        raise ToolError("签约金额要大于 0。")
    competitor, known = await _competitor(ctx, args.competitor)
    return deal, account, reason, competitor, known, closed_on


async def describe_close(ctx: ToolContext, args: CloseDealArgs) -> list[str]:
    deal, account, reason, competitor, known, closed_on = await checked_close(ctx, args)
    stage = STAGE_LABELS.get(deal.stage, deal.stage)
    if args.outcome == "won":
        amount = args.amount if args.amount is not None else deal.amount
        lines = [f"赢单：{account.name} · {deal.name}（原阶段 {stage}）", f"签约金额：{money_text(amount)}"]
        if args.amount is None and deal.amount:
            lines[-1] += "（按商机金额，签约价不同请改）"
    else:
        lines = [f"输单：{account.name} · {deal.name}（原阶段 {stage}）", f"原因：{reason}"]
    lines.append(f"日期：{month_day(closed_on)}")
    if reason and args.outcome == "won":
        lines.append(f"原因：{reason}")
    if competitor:
        lines.append(f"竞争对手：{competitor}" + ("" if known else "（不在竞品名单里，按原话记）"))
    if args.note:
        lines.append(f"说明：{args.note[:120]}")
    return lines


@router.tool(
    "close_deal",
    "关单：赢单（签约金额、日期）或输单（原因类别、竞争对手、一句说明）。",
    CloseDealArgs,
    roles=STAFF,
    writes=True,
    describe=describe_close,
)
async def close_deal(ctx: ToolContext, args: CloseDealArgs) -> ToolOutput:
    deal, account, reason, competitor, known, closed_on = await checked_close(ctx, args)
    async with ctx.db.write() as s:
        row = await s.get(Opportunity, deal.id)
        if row is None or row.stage in CLOSED:
            raise ToolError(f"「{deal.name}」已经关单了。要重新打开发 /重开 {account.short_name or account.name}。")
        before = {"stage": row.stage, "amount": row.amount, "forecast_category": row.forecast_category}
        row.stage_reached = row.stage
        row.stage = "closed_won" if args.outcome == "won" else "closed_lost"
        row.probability = STAGES[row.stage]
        row.closed_on, row.close_reason, row.close_note = closed_on, reason, (args.note or "")[:256] or None
        row.close_competitor = competitor
        if competitor and competitor not in (row.competitors or []):
            row.competitors = [*(row.competitors or []), competitor]
        if args.outcome == "won" and args.amount is not None:
            row.amount = float(args.amount)
        if args.outcome == "lost":
            row.lost_reason = ((args.note or "").strip() or reason or "")[:256]
        row.updated_at, row.updated_by_id, row.updated_source = utcnow(), ctx.actor.staff_id, ctx.source.value
        s.add(row)
        s.add(
            ctx.audit(
                f"opportunity.{'won' if args.outcome == 'won' else 'lost'}",
                "opportunity",
                row.id,
                before=before,
                amount=row.amount,
                reason=reason,
                competitor=competitor,
                competitor_known=known,
                note=row.close_note,
                closed_on=closed_on.isoformat(),
            )
        )
    if args.outcome == "won":
        text = f"🎉 已记赢单：{account.name} · {deal.name}，{money_text(row.amount)}，{month_day(closed_on)}。"
    else:
        text = f"已记输单：{account.name} · {deal.name}，原因 {reason}" + (f"，输给 {competitor}" if competitor else "")
        text += "。要找应对话术，发 /话术 输给竞品。"
    return ToolOutput(text, data={"opportunity_id": row.id, "stage": row.stage})


class ReopenDealArgs(BaseModel):
    account_name: AccountName = Field(validation_alias=ACCOUNT_ALIASES, description="客户名称，按用户原话")
    reason: str | None = Field(None, description="为什么重新打开，按用户原话")
    deal_name: str | None = Field(None, description="商机名称（可选）")


async def describe_reopen(ctx: ToolContext, args: ReopenDealArgs) -> list[str]:
    account = await account_for(ctx, args.account_name)
    deal = await deal_of(ctx, account, args.deal_name, closed=True)
    back = deal.stage_reached or "negotiation"
    lines = [
        f"重新打开：{account.name} · {deal.name}",
        f"现在：{STAGE_LABELS[deal.stage]}（{month_day(deal.closed_on)}）→ 回到 {STAGE_LABELS.get(back, back)}",
    ]
    if args.reason:
        lines.append(f"原因：{args.reason[:120]}")
    return lines


@router.tool(
    "reopen_deal",
    "重新打开已赢单或输单的商机（回到关单前的阶段，记入审计）。",
    ReopenDealArgs,
    roles=STAFF,
    writes=True,
    describe=describe_reopen,
)
async def reopen_deal(ctx: ToolContext, args: ReopenDealArgs) -> ToolOutput:
    account = await account_for(ctx, args.account_name)
    deal = await deal_of(ctx, account, args.deal_name, closed=True)
    async with ctx.db.write() as s:
        row = await s.get(Opportunity, deal.id)
        if row is None or row.stage not in CLOSED:
            raise ToolError(f"「{deal.name}」已经是进行中的了。")
        undone = {
            "stage": row.stage,
            "closed_on": row.closed_on.isoformat() if row.closed_on else None,
            "reason": row.close_reason,
            "competitor": row.close_competitor,
            "note": row.close_note,
            "lost_reason": row.lost_reason,
            "amount": row.amount,
        }
        row.stage = (
            row.stage_reached if row.stage_reached in STAGES and row.stage_reached not in CLOSED else "negotiation"
        )
        row.probability = STAGES[row.stage]
        row.closed_on = row.close_reason = row.close_competitor = row.close_note = row.lost_reason = None
        row.updated_at, row.updated_by_id, row.updated_source = utcnow(), ctx.actor.staff_id, ctx.source.value
        s.add(row)
        s.add(ctx.audit("opportunity.reopen", "opportunity", row.id, undone=undone, reason=args.reason))
    return ToolOutput(
        f"已重新打开：{account.name} · {deal.name}，回到 {STAGE_LABELS[row.stage]}。", data={"opportunity_id": row.id}
    )


# --- commands ------------------------------------------------------------------------------------------


def _split_command(arg: str) -> tuple[str, str]:
    parts = arg.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


@router.command("赢单", "/赢单 客户 [金额]", "记赢单，如「/赢单 华东机械 48万」", roles=STAFF)
async def won_command(ctx: ToolContext, arg: str) -> ToolOutput:
    name, rest = _split_command(arg)
    if not name:
        raise ToolError("用法：/赢单 华东机械 48万")
    money = find_money(rest) or find_money(f"金额{rest}")
    note = rest
    if money:
        note = (rest[: money[0].span[0]] + rest[money[0].span[1] :]).strip(" ，,。")
    args = {"account_name": name, "outcome": "won", "amount": money[0].value if money else None, "note": note or None}
    competitor, _ = match_competitor(rest, await org_competitors(ctx.app)) if rest else (None, False)
    args["competitor"] = competitor
    return await propose(ctx, "close_deal", args, evidence=f"/赢单 {arg}", command=True)


@router.command("输单", "/输单 客户 原因", "记输单，如「/输单 华东机械 价格没谈拢，被速工云拿走」", roles=STAFF)
async def lost_command(ctx: ToolContext, arg: str) -> ToolOutput:
    name, rest = _split_command(arg)
    if not name:
        raise ToolError("用法：/输单 华东机械 价格没谈拢，被速工云拿走了")
    account = await account_for(ctx, name)
    await deal_of(ctx, account, None, closed=False)
    if not rest:
        return await _ask_reason(ctx, account.name, f"/输单 {arg}")
    return await _propose_loss(ctx, account.name, rest, evidence=f"/输单 {arg}", command=True)


@router.command("重开", "/重开 客户 [原因]", "重新打开已赢单/输单的商机", roles=STAFF)
async def reopen_command(ctx: ToolContext, arg: str) -> ToolOutput:
    name, rest = _split_command(arg)
    if not name:
        raise ToolError("用法：/重开 华东机械 客户又回来谈了")
    args = {"account_name": name, "reason": rest or None}
    return await propose(ctx, "reopen_deal", args, evidence=f"/重开 {arg}", command=True)


async def _propose_loss(ctx: ToolContext, account_name: str, words: str, *, evidence: str, command: bool = False):
    categories = reason_categories(ctx.app)
    competitor, _ = match_competitor(words, await org_competitors(ctx.app))
    reason = reason_category(words, categories, competitor)
    if reason is None:
        return await _ask_reason(ctx, account_name, evidence, note=words)
    args = {
        "account_name": account_name,
        "outcome": "lost",
        "reason_category": reason,
        "competitor": competitor,
        "note": words[:256],
    }
    return await propose(ctx, "close_deal", args, evidence=evidence, command=command)


async def _ask_reason(ctx: ToolContext, account_name: str, evidence: str, note: str = "") -> ToolOutput:
    categories = reason_categories(ctx.app)
    await open_pending(
        ctx, "close_reason", {"account": account_name, "evidence": evidence, "note": note}, ttl=timedelta(minutes=30)
    )
    return ToolOutput(
        f"记输单前问一句：主要原因是哪一类？{' / '.join(categories)}\n"
        "输给了谁、具体怎么回事，也一起说一句，比如：价格，被速工云拿走了。回复「取消」就不记。",
        data={"pending": "close_reason"},
    )


@router.pending("close_reason")
async def answer_close_reason(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    text = answer.strip()
    if text.rstrip("。") in NO_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput("好，没记。")
    categories = reason_categories(ctx.app)
    words = " ".join(filter(None, (text, pending.payload.get("note", ""))))
    if reason_category(words, categories) is None and not match_competitor(words, await org_competitors(ctx.app))[0]:
        return ToolOutput(f"没听出是哪一类，回复其中一个就行：{' / '.join(categories)}")
    await close_pending(ctx, pending)
    return await _propose_loss(ctx, pending.payload["account"], words, evidence=pending.payload["evidence"])


# --- said in words, without a model ------------------------------------------------------------------------


@router.offline_intent(9)
async def close_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「华东机械输单了，价格没谈拢，被速工云拿走了」「云帆物流签了，48万」: the closing, shown to confirm."""
    read = read_close(text, reason_categories(ctx.app), await org_competitors(ctx.app))
    if read is None:
        return None
    mentioned = await accounts_mentioned(ctx, text)
    if len(mentioned) != 1:
        return None
    account = mentioned[0]
    await deal_of(ctx, account, None, closed=False)
    if read.outcome == "lost":
        return await _propose_loss(ctx, account.name, text.strip(), evidence=text)
    money = [m for m in find_money(text) if m.value >= 100]
    args = {
        "account_name": account.name,
        "outcome": "won",
        "amount": money[0].value if money else None,
        "competitor": read.competitor,
        "note": re.sub(r"\s+", " ", text.strip())[:256],
    }
    return await propose(ctx, "close_deal", args, evidence=text)
