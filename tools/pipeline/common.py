"""What closing and forecasting share: the org's competitors and reason categories, finding the deal a rep
means, and opening a proposal from a command or an offline sentence (the same card the model's call makes)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.capabilities import ToolContext, ToolDenied, ToolError, ToolOutput
from bot.models import Account, Opportunity
from bot.org import Competitor, load_org_profile
from tools.customers import ensure_account_access, match_account, not_yours_text
from tools.pipeline.phrases import DEFAULT_REASONS
from tools.proposals import describe_call, open_proposal, proposal_replies

CLOSED = ("closed_won", "closed_lost")


async def org_competitors(app) -> tuple[Competitor, ...]:
    """The competitors a loss is matched against: the org profile (the console's edits over the settings)."""
    return (await load_org_profile(app.db, app.settings)).competitors


def reason_categories(app) -> tuple[str, ...]:
    """The reason categories of SALESBOT_CLOSE_REASONS (the defaults when it is empty)."""
    raw = (getattr(app.settings, "close_reasons", "") or "").replace("，", ",")
    found = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    return found or DEFAULT_REASONS


def money_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 10000:g} 万" if abs(value) >= 10000 else f"{value:g} 元"


def month_day(d: date | None) -> str:
    return f"{d.month}月{d.day}日" if d else "-"


async def account_for(ctx: ToolContext, name: str) -> Account:
    match = await match_account(ctx, name)
    if match.status == "not_yours":
        raise ToolDenied(not_yours_text(match))
    if match.status == "ambiguous":
        names = "、".join(a.name for a in match.candidates[:4])
        raise ToolError(f"「{name}」对应好几家客户（{names}），说一下全称？")
    if match.status != "one":
        raise ToolError(f"没找到客户「{name}」，用 /客户 先查一下全称？")
    await ensure_account_access(ctx, match.account)
    return match.account


async def deal_of(ctx: ToolContext, account: Account, deal_name: str | None, *, closed: bool) -> Opportunity:
    """The account's open deal (closed=False) or latest closed one (closed=True) the rep means; several open
    deals and no name: the rep is asked which one."""
    async with ctx.db.session() as s:
        q = select(Opportunity).where(Opportunity.account_id == account.id)
        q = q.where(Opportunity.stage.in_(CLOSED) if closed else Opportunity.stage.notin_(CLOSED))
        deals = (await s.execute(q.order_by(Opportunity.updated_at.desc(), Opportunity.id.desc()))).scalars().all()
    if deal_name:
        named = [d for d in deals if deal_name.strip() and deal_name.strip() in d.name]
        if len(named) == 1 or (named and closed):
            return named[0]
    if not deals:
        if closed:
            raise ToolError(f"「{account.name}」没有已经关闭的商机。")
        raise ToolError(f"「{account.name}」没有进行中的商机。")
    if len(deals) == 1 or closed:
        return deals[0]
    names = "、".join(f"「{d.name}」" for d in deals[:5])
    raise ToolError(f"「{account.name}」有几单在跟：{names}，是哪一单？说一下商机名。")


async def propose(
    ctx: ToolContext, tool: str, args: dict, *, evidence: str, lead: str = "", command: bool = False
) -> ToolOutput:
    """A write asked for by a command or an offline sentence: the same proposal (card 确认/修改/取消) a model's
    call opens; nothing is written until the rep confirms. An offline answer is text only, so it carries the
    whole proposal; a command's reply is a short line and the card (whose body is the proposal)."""
    spec = ctx.capabilities.tools[tool]
    item = await describe_call(ctx, spec, args)
    p, _ = await open_proposal(ctx, [item], evidence=evidence)
    (reply,) = proposal_replies(p, lead=lead)
    data = {"proposal_id": p.id, "pending": "proposal"}
    if command:
        return ToolOutput(lead or "请确认：", card=reply.card, data=data)
    return ToolOutput(reply.text, card=reply.card, data=data)
