"""The forecast in chat: a rep sets a deal's category (「华东机械这单本月能签」 → proposal, or
`/预测 华东机械 承诺`), and `/预测` shows the numbers: a rep their own, a manager the team's per rep."""

from __future__ import annotations

import re
from datetime import date, timedelta

from pydantic import BaseModel, Field, field_validator

from bot.arg_types import ACCOUNT_ALIASES, AccountName, DatePhrase
from bot.capabilities import STAFF, Router, ToolContext, ToolError, ToolOutput
from bot.messages import Role
from bot.models import Opportunity, utcnow
from tools.customers import accounts_mentioned, team_member_ids
from tools.pipeline.common import account_for, deal_of, money_text, month_day, propose
from tools.pipeline.forecast import Numbers, forecast_view, month_bounds, quarter_bounds
from tools.pipeline.phrases import FORECAST_LABELS, forecast_category, read_forecast
from tools.visits import date_argument

router = Router("pipeline_forecast")


class SetForecastArgs(BaseModel):
    account_name: AccountName = Field(validation_alias=ACCOUNT_ALIASES, description="客户名称，按用户原话")
    category: str = Field(description="预测类别：commit（承诺，确定能签）/ best_case（可能）/ pipeline（管道，还早）")
    close_date: DatePhrase = Field(None, description="预计签约日期，用户说了才填，如「月底」「2026-12-31」")
    deal_name: str | None = Field(None, description="商机名称，客户有多个进行中的商机时才填")

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value):
        code = forecast_category(str(value or ""))
        if code is None:
            raise ValueError("category 只能是 commit（承诺）/ best_case（可能）/ pipeline（管道）")
        return code


async def _checked(ctx: ToolContext, args: SetForecastArgs):
    account = await account_for(ctx, args.account_name)
    deal = await deal_of(ctx, account, args.deal_name, closed=False)
    close = date_argument(args.close_date, ctx.today(), "预计签约日期")
    if close is not None and close < ctx.today():
        raise ToolError(f"预计签约日期 {month_day(close)} 已经过了，换个日期？")
    return account, deal, close


def _label(code: str | None) -> str:
    return f"{FORECAST_LABELS[code]}" if code in FORECAST_LABELS else "未设"


async def describe_forecast(ctx: ToolContext, args: SetForecastArgs) -> list[str]:
    account, deal, close = await _checked(ctx, args)
    lines = [
        f"预测类别：{account.name} · {deal.name}",
        f"{_label(deal.forecast_category)} → {_label(args.category)}（{money_text(deal.amount)}）",
    ]
    if close is not None and close != deal.close_date:
        lines.append(f"预计签约：{month_day(deal.close_date)} → {month_day(close)}")
    return lines


@router.tool(
    "set_forecast_category",
    "设置商机的预测类别：承诺（commit）/ 可能（best_case）/ 管道（pipeline），可顺带改预计签约日期。",
    SetForecastArgs,
    roles=STAFF,
    writes=True,
    describe=describe_forecast,
)
async def set_forecast_category(ctx: ToolContext, args: SetForecastArgs) -> ToolOutput:
    account, deal, close = await _checked(ctx, args)
    async with ctx.db.write() as s:
        row = await s.get(Opportunity, deal.id)
        before = {
            "forecast_category": row.forecast_category,
            "close_date": row.close_date and row.close_date.isoformat(),
        }
        row.forecast_category = args.category
        if close is not None:
            row.close_date = close
        row.updated_at, row.updated_by_id, row.updated_source = utcnow(), ctx.actor.staff_id, ctx.source.value
        s.add(row)
        s.add(
            ctx.audit(
                "opportunity.forecast",
                "opportunity",
                row.id,
                before=before,
                category=args.category,
                close_date=row.close_date and row.close_date.isoformat(),
            )
        )
    when = f"，预计 {month_day(row.close_date)} 签" if row.close_date else ""
    return ToolOutput(
        f"已把 {account.name} · {deal.name} 放进「{_label(args.category)}」{when}。",
        data={"opportunity_id": row.id, "category": args.category},
    )


# --- showing the forecast ------------------------------------------------------------------------------


def _line(n: Numbers) -> str:
    return (
        f"已赢 {money_text(n.won)} · 承诺 {money_text(n.commit)} · 可能 {money_text(n.best_case)} · "
        f"加权 {money_text(n.weighted)}"
    )


async def forecast_text(ctx_app, actor_role: Role, staff_id: int, owner_ids: list[int] | None, today: date) -> str:
    """/预测: this month and quarter; a rep their own numbers, a manager the team per rep and its total."""
    lines = []
    for period, title in (("month", f"{today.month}月"), ("quarter", f"Q{(today.month - 1) // 3 + 1}")):
        view = await forecast_view(ctx_app, period, today, owner_ids)
        if actor_role is Role.REP:
            n = view.by_owner.get(staff_id, Numbers())
            lines.append(f"【{title}】{_line(n)}")
            lines.append(f"　管道里 {n.open_deals} 单，共 {money_text(n.pipeline)}")
            continue
        t = view.total()
        lines.append(f"【{title} · {'全公司' if owner_ids is None else '团队'}】{_line(t)}")
        teams = view.by_team()
        if len(teams) > 1:  # a director or an admin: each team first
            lines += [f"· {team}：{_line(n)}" for team, n in sorted(teams.items(), key=lambda kv: -kv[1].weighted)]
        if period == "month":
            reps = sorted(
                ((view.names.get(o, str(o)), n) for o, n in view.by_owner.items() if o != staff_id),
                key=lambda x: -x[1].weighted,
            )
            lines += [f"· {name}：{_line(n)}" for name, n in reps[:12]]
    lines.append("加权 = 已赢 + 各阶段金额 × 本公司的期内转化率（历史不够时用历史赢率或默认赢率）。")
    lines.append("改某单的类别：/预测 客户 承诺|可能|管道")
    return "\n".join(lines)


async def scope_of(ctx: ToolContext) -> list[int] | None:
    if ctx.actor.role is Role.ADMIN:
        return None
    if ctx.actor.role is Role.MANAGER:
        return await team_member_ids(ctx, ctx.actor)
    return [ctx.actor.staff_id]


class ShowForecastArgs(BaseModel):
    pass


@router.tool("show_forecast", "看本月和本季度的销售预测（销售看自己的，经理看团队的）。", ShowForecastArgs, roles=STAFF)
async def show_forecast(ctx: ToolContext, args: ShowForecastArgs) -> ToolOutput:
    text = await forecast_text(ctx.app, ctx.actor.role, ctx.actor.staff_id, await scope_of(ctx), ctx.today())
    return ToolOutput(text)


_CATEGORY_WORD = re.compile(r"(承诺|commit|可能|best\s*case|管道|pipeline)\s*$", re.I)


@router.command("预测", "/预测 [客户 承诺|可能|管道]", "看销售预测；带客户和类别就是设置这单的预测类别", roles=STAFF)
async def forecast_command(ctx: ToolContext, arg: str) -> ToolOutput:
    arg = arg.strip()
    if not arg:
        return await show_forecast(ctx, ShowForecastArgs())
    m = _CATEGORY_WORD.search(arg)
    name = arg[: m.start()].strip() if m else ""
    if not m or not name:
        raise ToolError("用法：/预测 看预测；/预测 华东机械 承诺 设置这单的类别（承诺 / 可能 / 管道）")
    args = {"account_name": name, "category": m.group(1)}
    return await propose(ctx, "set_forecast_category", args, evidence=f"/预测 {arg}", command=True)


# --- said in words -----------------------------------------------------------------------------------------

_SHOW = re.compile(r"预测|业绩预估|能签多少|forecast|本月能做多少|本季度能做多少", re.I)


def _period_end(text: str, today: date) -> date | None:
    if re.search(r"本月|这个月|月底|月内", text):
        return month_bounds(today)[1]
    if re.search(r"下个月|下月", text):
        return month_bounds(month_bounds(today)[1] + timedelta(days=1))[1]
    if re.search(r"本季|这个季度|季度末|季度内", text):
        return quarter_bounds(today)[1]
    return None


@router.offline_intent(11)
async def forecast_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「华东机械这单本月能签」: the deal's forecast category (and its close date when a period is named)."""
    category = read_forecast(text)
    if category is None:
        return None
    mentioned = await accounts_mentioned(ctx, text)
    if len(mentioned) != 1:
        return None
    account = mentioned[0]
    deal = await deal_of(ctx, account, None, closed=False)
    args = {"account_name": account.name, "category": category}
    end = _period_end(text, ctx.today())
    if end is not None and (deal.close_date is None or deal.close_date > end or deal.close_date < ctx.today()):
        args["close_date"] = end.isoformat()
    return await propose(ctx, "set_forecast_category", args, evidence=text)


@router.offline_intent(26)
async def show_forecast_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「我这个月的预测」「团队预测怎么样」: the same as /预测."""
    if not _SHOW.search(text) or await accounts_mentioned(ctx, text):
        return None
    return await show_forecast(ctx, ShowForecastArgs())
