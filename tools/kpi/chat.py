"""Targets, KPI alerts and data health in chat: 「我这个月怎么样」 at every level, the fix-my-records flow
(one question per missing field, each answer a proposal to confirm), snoozing an alert rule.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, Field

from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolDenied, ToolError, ToolOutput
from bot.messages import CardAction, Reply, Role
from bot.models import STAGE_LABELS, STAGES, Account, Contact, Opportunity, StaffUser, utcnow
from bot.pending import CANCEL_WORDS, close_pending, open_pending
from bot.zh_parse import find_dates, find_money, find_phones
from bot.zh_parse.dates import day_label
from tools.customers import team_member_ids
from tools.kpi.alerts import CARD_PREFIX, health_settings, rules_in_force, snooze, snooze_until, unsnooze
from tools.kpi.health import Gap, RepHealth, health_for
from tools.kpi.metrics import (
    RepNumbers,
    is_director,
    money,
    month_of,
    pct,
    quarter_of,
    rep_numbers,
    staff_map,
    targets_for,
    visible_reps,
)
from tools.kpi.rules import HEALTH_FIELDS, AlertRule
from tools.proposals import describe_call, open_proposal, proposal_replies

router = Router("kpi")

FIX_KIND = "kpi_fix"
SKIP_WORDS = {"跳过", "下一个", "下一条", "不知道", "先跳过", "skip"}
STAGE_BY_WORD = {**{k: k for k in STAGES}, **{v: k for k, v in STAGE_LABELS.items()}}
QUESTIONS = {
    "amount": "金额是多少？（如「30万」）",
    "close_date": "预计哪天签？（如「12月20日」「月底」）",
    "stage": "现在到哪个阶段了？（" + "/".join(STAGE_LABELS.values()) + "）",
    "next_step": "下一步打算做什么？（一句话，比如：下周三发正式报价）",
    "phone": "电话是多少？",
    "industry": "是什么行业？（如 制造业、医疗、金融）",
}
RECORD_FIELDS = {
    "opportunity": {"amount", "close_date", "stage", "next_step"},
    "contact": {"phone"},
    "account": {"industry"},
}
MAX_AMOUNT = 1e10


# --- 「我这个月怎么样」 --------------------------------------------------------------------------


_PERIOD_WORDS = {"本季度": "quarter", "这季度": "quarter", "这个季度": "quarter", "季度": "quarter", "季": "quarter"}


def _period_word(value):
    """What models send for the period: 'month', '本月', '这个月', 'Q', '本季度' …"""
    if value is None:
        return "month"
    text = str(value).strip().lower()
    if text in ("quarter", "q") or _PERIOD_WORDS.get(text) or "季" in text:
        return "quarter"
    return "month"


def _text_value(value):
    """A number the model sent for a text field (350000 for 「35 万」) is read as its text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return value


class PerformanceArgs(BaseModel):
    period: Annotated[Literal["month", "quarter"], BeforeValidator(_period_word)] = Field(
        "month", description="看哪个期间：month 本月，quarter 本季度"
    )
    person: str | None = Field(
        None,
        validation_alias=AliasChoices("person", "name", "who", "rep", "staff", "salesperson"),
        description="只看某位同事（经理/总监用），填姓名；不填看自己能看的全部",
    )


def _rep_line(n: RepNumbers, health: RepHealth | None) -> str:
    target = (
        f"赢单 {money(n.won)} / 目标 {money(n.target)}（{n.completion}%）"
        if n.target
        else f"赢单 {money(n.won)}（未设目标）"
    )
    done = f"，资料 {health.completeness}%" if health is not None else ""
    return f"· {n.user.name}：{target}，拜访 {n.visits}，跟进 {n.followups}{done}"


async def performance_text(ctx: ToolContext, kind: str = "month", person: str | None = None) -> str:
    if ctx.actor.staff_id is None:
        raise ToolDenied("抱歉，这个只有公司同事能看。")
    staff = await staff_map(ctx.db)
    me = staff.get(ctx.actor.staff_id)
    if me is None:
        raise ToolDenied("没找到你的员工档案，请联系管理员。")
    today = ctx.today()
    period = quarter_of(today) if kind == "quarter" else month_of(today)
    reps = visible_reps(staff, me)
    if person:
        chosen = [u for u in reps if u.name == person.strip() or u.username == person.strip()]
        if not chosen:
            raise ToolDenied(f"没找到你能看的同事「{person}」。")
        reps = chosen
    elapsed = round(100 * period.elapsed(today))
    numbers = await rep_numbers(ctx.db, reps, period, today, ctx.tz)
    health = await health_for(ctx.db, reps, today, health_settings(ctx.app).stale_days)
    head = f"{period.label}到今天（时间已过 {elapsed}%）"
    if len(reps) == 1 and (me.role == "rep" or person):
        return _one_rep(numbers[reps[0].id], health[reps[0].id], head, elapsed, you=me.role == "rep")
    if not reps:
        return f"{head}：你名下还没有销售。"
    targets = await targets_for(ctx.db, period)
    teams: dict[str, list[RepNumbers]] = {}
    for u in reps:
        teams.setdefault(u.team or "未分组", []).append(numbers[u.id])
    director = me.role == "admin" or is_director(staff, me)
    lines = [f"📊 {'全公司' if director else me.team or '你的团队'} {head}："]
    total_won = total_target = 0.0
    for team, rows in sorted(teams.items()):
        won = sum(n.won for n in rows)
        target = targets.get(("team", team)) or sum(n.target or 0 for n in rows)
        total_won, total_target = total_won + won, total_target + target
        rate = f"（{pct(won, target)}%）" if target else ""
        tgt = f" / 目标 {money(target)}{rate}" if target else ""
        pipeline = sum(n.pipeline for n in rows)
        lines.append(f"【{team}】赢单 {money(won)}{tgt}，进行中 {money(pipeline)}")
        for n in sorted(rows, key=lambda n: -(n.completion or 0)):
            lines.append(_rep_line(n, health.get(n.user.id)))
    if director and len(teams) > 1 and total_target:
        lines.insert(
            1, f"合计：赢单 {money(total_won)} / 目标 {money(total_target)}（{pct(total_won, total_target)}%）"
        )
    behind = [n.user.name for rows in teams.values() for n in rows if n.target and (n.completion or 0) < elapsed * 0.7]
    if behind:
        lines.append(f"进度明显落后于时间的：{'、'.join(behind)}。")
    return "\n".join(lines)


def _one_rep(n: RepNumbers, h: RepHealth, head: str, elapsed: int, *, you: bool) -> str:
    who = "你" if you else n.user.name
    lines = [f"📊 {n.user.name}，{head}："]
    if n.target:
        pace = (
            "跑在时间前面 👍"
            if (n.completion or 0) >= elapsed
            else f"比时间进度慢 {elapsed - (n.completion or 0)} 个百分点"
        )
        lines.append(
            f"目标 {money(n.target)}，赢单 {money(n.won)}（{n.won_deals} 单），完成率 {n.completion}%，{pace}。"
        )
    else:
        lines.append(f"赢单 {money(n.won)}（{n.won_deals} 单）；这个期间还没设目标。")
    lines.append(
        f"拜访 {n.visits} 次，客户跟进 {n.followups} 条；进行中商机 {n.open_deals} 个，共 {money(n.pipeline)}。"
    )
    if n.overdue:
        lines.append(f"逾期待办 {n.overdue} 条。")
    lines.append(f"{who}的客户资料完整度 {h.completeness}%，{h.summary()}。")
    if h.gaps and you:
        lines.append("回复「补资料」，我一条条问你。")
    return "\n".join(lines)


@router.tool(
    "sales_performance",
    "查业绩和目标完成情况（我这个月怎么样、团队本季度进度）：赢单、目标、完成率、拜访、资料完整度。",
    PerformanceArgs,
    roles=STAFF,
)
async def sales_performance(ctx: ToolContext, args: PerformanceArgs) -> ToolOutput:
    return ToolOutput(await performance_text(ctx, args.period, args.person))


@router.command("业绩", "/业绩 [季度] [姓名]", "目标完成和资料完整度", roles=STAFF)
async def performance_command(ctx: ToolContext, arg: str) -> ToolOutput:
    kind = "quarter" if "季" in arg else "month"
    person = re.sub(r"本?季度?|本?月|这个", "", arg).strip() or None
    return ToolOutput(await performance_text(ctx, kind, person))


_PERF_RE = re.compile(
    r"^(?P<who>[^\s，,]{0,6}?)(?:的)?(?:这个|本|这)(?P<p>月|季度|季)(?:的)?(?:业绩|目标|进度|完成(?:率|得)?)?"
    r"(?:怎么样|如何|咋样|怎样|多少|完成了多少|进度如何)[了呢吗？?！!。]*$"
)


@router.offline_intent(12)
async def performance_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    m = _PERF_RE.match(text.strip())
    if not m:
        return None
    who = m.group("who")
    person = None if who in ("", "我", "我们", "团队", "我们团队", "大家", "公司", "全公司") else who
    return ToolOutput(await performance_text(ctx, "quarter" if "季" in m.group("p") else "month", person))


# --- fixing records one by one -------------------------------------------------------------------


_FIELD_WORDS = {
    **{label: key for key, label in HEALTH_FIELDS.items()},
    "金额": "amount",
    "成交日期": "close_date",
    "签约日期": "close_date",
    "阶段": "stage",
    "电话": "phone",
    "手机": "phone",
    "行业": "industry",
}
_RECORD_WORDS = {"商机": "opportunity", "联系人": "contact", "客户": "account", "deal": "opportunity"}


def _field_word(value):
    return _FIELD_WORDS.get(str(value).strip(), value) if isinstance(value, str) else value


def _record_word(value):
    return _RECORD_WORDS.get(str(value).strip(), value) if isinstance(value, str) else value


class FixRecordArgs(BaseModel):
    record_type: Annotated[Literal["opportunity", "contact", "account"], BeforeValidator(_record_word)] = Field(
        description="记录类型：opportunity 商机 / contact 联系人 / account 客户"
    )
    record_id: int = Field(description="记录编号")
    field: Annotated[
        Literal["amount", "close_date", "stage", "next_step", "phone", "industry"], BeforeValidator(_field_word)
    ] = Field(
        description="字段：amount 金额 / close_date 预计成交日期 / stage 阶段 / next_step 下一步（商机）；"
        "phone 电话（联系人）；industry 行业（客户）"
    )
    value: Annotated[str, BeforeValidator(_text_value)] = Field(
        min_length=1,
        max_length=256,
        validation_alias=AliasChoices("value", "new_value", "text"),
        description="新值，按用户原话",
    )


MODELS = {"opportunity": Opportunity, "contact": Contact, "account": Account}


async def _record(ctx: ToolContext, args: FixRecordArgs):
    """The record and its title, if this person may change it."""
    if args.field not in RECORD_FIELDS[args.record_type]:
        raise ToolError(f"{HEALTH_FIELDS[args.field]}不在这类记录上。")
    async with ctx.db.session() as s:
        row = await s.get(MODELS[args.record_type], args.record_id)
        if row is None:
            raise ToolError("没找到这条记录，可能已经删了。")
        account = row if args.record_type == "account" else await s.get(Account, row.account_id)
    owner = row.owner_id if args.record_type == "opportunity" else (account.owner_id if account else None)
    actor = ctx.actor
    if actor.role is not Role.ADMIN:
        allowed = {actor.staff_id} if actor.role is Role.REP else set(await team_member_ids(ctx, actor))
        if owner not in allowed:
            raise ToolDenied("这条记录不是你（或你团队）负责的，不能改。")
    label = (account.short_name or account.name) if account else ""
    title = label if args.record_type == "account" else f"{label} · {row.name}"
    return row, title


def parse_value(field: str, text: str, today: date):
    """The typed value of an answer, or ToolError saying what is expected (Chinese)."""
    text = text.strip()
    if field == "amount":
        found = find_money(text)
        if found:
            value = float(found[0].value)
        else:
            m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(万|w|W)?\s*(元|块)?", text.replace(",", ""))
            if not m:
                raise ToolError("没看懂金额，写成「30万」或「300000」这样。")
            value = float(m.group(1)) * (10000 if m.group(2) else 1)
        if not 0 < value <= MAX_AMOUNT:
            raise ToolError("金额要大于 0，且不超过 100 亿。")
        return value
    if field == "close_date":
        found = find_dates(text, today)
        if not found:
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ToolError("没看懂日期，写成「12月20日」「下周五」或「2026-12-20」这样。") from None
        return found[0].date
    if field == "stage":
        stage = STAGE_BY_WORD.get(text.replace("阶段", "").strip())
        if stage is None:
            raise ToolError("阶段只能是：" + "、".join(STAGE_LABELS.values()) + "。")
        return stage
    if field == "phone":
        phones = find_phones(text)
        digits = re.sub(r"\D", "", phones[0].value if phones else text)
        if not 7 <= len(digits) <= 20:
            raise ToolError("没看懂电话号码，写成「13800138000」或「021-58923366」这样。")
        return digits
    if len(text) < 2 and field == "next_step":
        raise ToolError("下一步写具体一点，比如：下周三发正式报价。")
    if len(text) > (64 if field == "industry" else 256):
        raise ToolError("太长了，简短写一下。")
    return text


def value_text(field: str, value) -> str:
    if field == "amount":
        return money(float(value))
    if field == "close_date":
        return day_label(value if isinstance(value, date) else date.fromisoformat(str(value)))
    if field == "stage":
        return STAGE_LABELS.get(value, value)
    return str(value)


async def describe_fix(ctx: ToolContext, args: FixRecordArgs) -> list[str]:
    _row, title = await _record(ctx, args)
    value = parse_value(args.field, args.value, ctx.today())
    return [f"补资料：{title}", f"{HEALTH_FIELDS[args.field]}：{value_text(args.field, value)}"]


async def fix_record(ctx: ToolContext, args: FixRecordArgs) -> ToolOutput:
    row, title = await _record(ctx, args)
    value = parse_value(args.field, args.value, ctx.today())
    async with ctx.db.write() as s:
        row = await s.get(MODELS[args.record_type], args.record_id)
        old = getattr(row, args.field)
        setattr(row, args.field, value)
        if args.record_type == "opportunity" and args.field == "stage":
            row.probability = STAGES[value]
        row.updated_at = utcnow()
        row.updated_by_id = ctx.actor.staff_id
        row.updated_source = ctx.source.value
        s.add(row)
        s.add(
            ctx.audit(
                "kpi.fix",
                args.record_type,
                args.record_id,
                field=args.field,
                old=None if old is None else str(old),
                new=str(value),
            )
        )
    left = await _gaps_of(ctx)
    more = (
        f"还有 {len(left)} 条要补，回复「补资料」继续。"
        if left
        else "资料都补齐了 👍 想看进度就问我「我这个月怎么样」。"
    )
    return ToolOutput(
        f"已补上「{title}」的{HEALTH_FIELDS[args.field]}：{value_text(args.field, value)}。{more}",
        data={"record_type": args.record_type, "record_id": args.record_id, "field": args.field, "old": old},
    )


@router.tool(
    "fix_record_field",
    "补一条记录缺的资料（商机金额、预计成交日期、阶段、下一步，联系人电话，客户行业）。",
    FixRecordArgs,
    roles=STAFF,
    writes=True,
    describe=describe_fix,
)
async def fix_record_tool(ctx: ToolContext, args: FixRecordArgs) -> ToolOutput:
    return await fix_record(ctx, args)


async def _gaps_of(ctx: ToolContext) -> list[Gap]:
    async with ctx.db.session() as s:
        me = await s.get(StaffUser, ctx.actor.staff_id) if ctx.actor.staff_id else None
    if me is None:
        return []
    health = await health_for(ctx.db, [me], ctx.today())
    return health[me.id].gaps


def _gap_dict(gap: Gap) -> dict:
    return {"record_type": gap.record_type, "record_id": gap.record_id, "field": gap.field, "title": gap.title}


async def _ask(ctx: ToolContext, skipped: list[str], lead: str = "") -> ToolOutput:
    gaps = [g for g in await _gaps_of(ctx) if f"{g.record_type}:{g.record_id}:{g.field}" not in skipped]
    if not gaps:
        done = "跳过的几条下次再补。" if skipped else "你名下的客户资料都齐了 👍"
        return ToolOutput(f"{lead}{done}".strip())
    gap = gaps[0]
    await open_pending(ctx, FIX_KIND, {"gap": _gap_dict(gap), "skipped": skipped}, ttl=timedelta(hours=12))
    return ToolOutput(
        f"{lead}还差 {len(gaps)} 条。「{gap.title}」缺{gap.label}：{QUESTIONS[gap.field]}\n"
        "回复「跳过」看下一条，「算了」先不补。"
    )


@router.command("补资料", "/补资料", "一条条补齐缺的客户资料", roles=STAFF)
async def fix_command(ctx: ToolContext, arg: str) -> ToolOutput:
    return await _ask(ctx, [])


_FIX_RE = re.compile(
    r"^(?:我要|我来|帮我|开始)?(?:补|完善|修|补全|补齐)(?:一下)?(?:我的)?(?:客户)?资料(?:吧|了)?[。！!]?$"
)


@router.offline_intent(11)
async def fix_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    if not _FIX_RE.match(text.strip()):
        return None
    return await _ask(ctx, [])


@router.pending(FIX_KIND)
async def answer_fix(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    gap = pending.payload["gap"]
    skipped = list(pending.payload.get("skipped", []))
    answer = answer.strip()
    if answer in CANCEL_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput("好的，先不补了。想继续时回复「补资料」。")
    if answer in SKIP_WORDS:
        await close_pending(ctx, pending)
        return await _ask(ctx, [*skipped, f"{gap['record_type']}:{gap['record_id']}:{gap['field']}"])
    args = {"record_type": gap["record_type"], "record_id": gap["record_id"], "field": gap["field"], "value": answer}
    spec = ctx.capabilities.tools["fix_record_field"]
    try:
        item = await describe_call(ctx, spec, args)
    except ToolError as exc:  # not understood: the same question stays open
        return ToolOutput(f"{exc}\n「{gap['title']}」缺{HEALTH_FIELDS[gap['field']]}：{QUESTIONS[gap['field']]}")
    if not await close_pending(ctx, pending):
        return ToolOutput("这条已经处理过了。")
    p, _ = await open_proposal(ctx, [item], evidence=answer)
    (reply,) = proposal_replies(p)
    return ToolOutput(reply.text, card=reply.card)


# --- snoozing alert rules -----------------------------------------------------------------------


def _rule_by(ctx: ToolContext, *, key: str | None = None, name: str | None = None) -> AlertRule | None:
    for rule in rules_in_force(ctx.app).rules:
        if (key and rule.key == key) or (name and rule.name == name.strip()):
            return rule
    return None


@router.card(CARD_PREFIX)
async def alert_card_pressed(ctx: ToolContext, action: CardAction) -> list[Reply]:
    m = re.fullmatch(rf"{CARD_PREFIX}-(\d+)-([0-9a-f]+)-(\d{{8}})", action.card_id)
    if not m or action.action not in ("snooze", "period"):
        return [Reply("这张预警卡片已经失效了。")]
    if ctx.actor.staff_id != int(m.group(1)):
        return [Reply("这条预警是发给别的同事的。")]
    rule = _rule_by(ctx, key=m.group(2))
    if rule is None:
        return [Reply("这条预警规则已经被管理员改掉了，不会再按它提醒。")]
    until = snooze_until(rule, action.action, ctx.today())
    await snooze(ctx.db, ctx.actor.staff_id, rule, until)
    return [Reply(f"好的，「{rule.name}」{day_label(until)}之前不再提醒你。")]


@router.command("预警", "/预警 [暂停|恢复 规则名]", "KPI 预警规则", roles=STAFF)
async def alerts_command(ctx: ToolContext, arg: str) -> ToolOutput:
    rules = rules_in_force(ctx.app).rules
    m = re.match(r"^(暂停|恢复)\s*(.+?)(?:\s+([0-9]+)\s*天?)?$", arg.strip())
    if m:
        rule = _rule_by(ctx, name=m.group(2))
        if rule is None:
            raise ToolError(f"没有叫「{m.group(2)}」的预警规则。现有：{'、'.join(r.name for r in rules)}")
        if m.group(1) == "恢复":
            await unsnooze(ctx.db, ctx.actor.staff_id, rule)
            return ToolOutput(f"「{rule.name}」恢复提醒了。")
        today = ctx.today()
        days = int(m.group(3)) if m.group(3) else None
        if days is not None and not 1 <= days <= 90:
            raise ToolError("暂停天数要在 1 到 90 天之间。")
        until = today + timedelta(days=days) if days else snooze_until(rule, "period", today)
        await snooze(ctx.db, ctx.actor.staff_id, rule, until)
        return ToolOutput(f"好的，「{rule.name}」{day_label(until)}之前不再提醒你。")
    lines = ["KPI 预警规则："] + [f"· {r.name}" + ("" if r.enabled else "（已停用）") for r in rules]
    lines.append("暂停某一条：/预警 暂停 规则名 [天数]；恢复：/预警 恢复 规则名")
    return ToolOutput("\n".join(lines))


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)


__all__ = ["performance_text", "register"]
