"""Customers (accounts): who may see which, fuzzy name matching, the customer summary, creating one.

Access: a rep sees the accounts they own, a manager their team's, an admin all; a customer none.
Name matching never creates a duplicate silently: one clear match is used, several are offered as a
choice, none is offered as "new account?".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from pydantic import AliasChoices, BaseModel, Field
from rapidfuzz import fuzz
from sqlalchemy import false, true
from sqlmodel import select

from bot.arg_types import ACCOUNT_ALIASES, AccountName
from bot.capabilities import (
    STAFF,
    Capabilities,
    Router,
    StageChange,
    ToolContext,
    ToolDenied,
    ToolError,
    ToolOutput,
)
from bot.messages import Actor, Role
from bot.models import STAGE_LABELS, STAGES, Account, Contact, Opportunity, StaffUser, Task, Visit, utcnow
from bot.pending import open_pending, yes_or_no

router = Router("customers")
log = logging.getLogger(__name__)

_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "股份", "（中国）", "(中国)")
_REGIONS = (
    "北京",
    "上海",
    "天津",
    "重庆",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "无锡",
    "宁波",
    "合肥",
    "武汉",
    "成都",
    "西安",
    "长沙",
    "郑州",
    "济南",
    "青岛",
    "厦门",
    "福州",
    "东莞",
    "佛山",
    "沈阳",
    "大连",
    "昆明",
    "江苏",
    "浙江",
    "广东",
    "山东",
    "福建",
    "湖北",
    "湖南",
    "四川",
    "河南",
    "河北",
    "安徽",
    "辽宁",
    "中国",
)
CLEAR_MATCH = 90
CANDIDATE = 72


def core_name(name: str) -> str:
    """'上海华东机械制造有限公司' → '华东机械制造': what people actually say."""
    n = re.sub(r"\s+", "", name or "")
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if n.endswith(suffix) and len(n) > len(suffix) + 1:
                n, changed = n[: -len(suffix)], True
    for region in _REGIONS:
        # ("佛山市鼎盛陶瓷贸易" → "鼎盛陶瓷贸易": the 省/市 after a region belongs to the region)
        head = (
            region + "省" if n.startswith(region + "省") else region + "市" if n.startswith(region + "市") else region
        )
        if n.startswith(head) and len(n) - len(head) >= 2:
            n = n[len(head) :]
            break
    for region in _REGIONS:  # "华东机械（苏州）"
        n = n.replace(f"（{region}）", "").replace(f"({region})", "")
    return n.lower()


def name_score(query: str, account: Account) -> float:
    q = core_name(query)
    best = 0.0
    for candidate in filter(None, (account.name, account.short_name)):
        n = core_name(candidate)
        if not q or not n:
            continue
        if q == n or query == candidate:
            return 100.0
        if len(q) >= 2 and (q in n or n in q):
            best = max(best, 90 + 8 * min(len(q), len(n)) / max(len(q), len(n)))
        else:
            best = max(best, fuzz.ratio(q, n), 0.9 * fuzz.partial_ratio(q, n) if min(len(q), len(n)) >= 3 else 0)
    return best


@dataclass
class AccountMatch:
    status: str  # "one" | "ambiguous" | "none" | "not_yours"
    account: Account | None = None
    candidates: list[Account] = field(default_factory=list)
    owner_name: str | None = None


async def team_member_ids(ctx: ToolContext, manager: Actor) -> list[int]:
    """The manager and everyone below them in the reporting tree (a director sees all their managers' reps)."""
    async with ctx.db.session() as s:
        pairs = (await s.execute(select(StaffUser.id, StaffUser.manager_id))).all()
    reports: dict[int, list[int]] = {}
    for staff_id, manager_id in pairs:
        if manager_id is not None:
            reports.setdefault(manager_id, []).append(staff_id)
    members, frontier = {manager.staff_id}, [manager.staff_id]
    while frontier:
        frontier = [r for m in frontier for r in reports.get(m, []) if r not in members]
        members.update(frontier)
    return sorted(members)


async def account_scope(ctx: ToolContext):
    """A WHERE clause for the accounts this actor may see."""
    actor = ctx.actor
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.MANAGER:
        return Account.owner_id.in_(await team_member_ids(ctx, actor))
    if actor.role is Role.REP:
        return Account.owner_id == actor.staff_id
    return false()


async def ensure_account_access(ctx: ToolContext, account: Account) -> None:
    async with ctx.db.session() as s:
        visible = (
            await s.execute(select(Account.id).where(Account.id == account.id, await account_scope(ctx)))
        ).first()
    if visible is None:
        raise ToolDenied(f"「{account.name}」不是你负责的客户，没法查看或修改。需要协作的话找你的经理。")


async def match_account(ctx: ToolContext, query: str) -> AccountMatch:
    query = (query or "").strip()
    if not query:
        raise ToolError("请告诉我客户名称。")
    async with ctx.db.session() as s:
        accounts = (await s.execute(select(Account))).scalars().all()
        visible_ids = set((await s.execute(select(Account.id).where(await account_scope(ctx)))).scalars().all())
    scored = sorted(((name_score(query, a), a) for a in accounts), key=lambda x: -x[0])
    scored = [(sc, a) for sc, a in scored if sc >= CANDIDATE]
    if not scored:
        return AccountMatch("none")
    top_score = scored[0][0]
    close = [a for sc, a in scored if sc >= max(CANDIDATE, top_score - 6)]
    if top_score < CLEAR_MATCH and len(close) == 1 and top_score < 80:
        close = []  # a weak lone match is not trusted: offer it as a choice below
    mine = [a for a in close if a.id in visible_ids]
    if len(close) == 1 and close[0].id in visible_ids and top_score >= 80:
        return AccountMatch("one", account=close[0])
    if len(mine) == 1 and len(close) > 1 and all(a.id not in visible_ids for a in close if a is not mine[0]):
        return AccountMatch("one", account=mine[0])
    if close and not mine:
        owner = None
        async with ctx.db.session() as s:
            if close[0].owner_id:
                u = await s.get(StaffUser, close[0].owner_id)
                owner = u.name if u else None
        return AccountMatch("not_yours", account=close[0], owner_name=owner)
    options = mine or [a for _, a in scored[:5] if a.id in visible_ids]
    if not options:
        return AccountMatch("none")
    return AccountMatch("ambiguous", candidates=options[:5])


def choice_text(query: str, candidates: list[Account]) -> str:
    lines = [f"「{query}」对应好几家客户，是哪一家？"]
    lines += [f"{i}. {a.name}" for i, a in enumerate(candidates, 1)]
    lines.append("回复序号就行，回复「取消」放弃。")
    return "\n".join(lines)


def not_yours_text(match: AccountMatch) -> str:
    # neither the account's full name nor its owner: a rep probing with a partial name learns nothing
    return "这个客户不是你负责的，你没有权限操作。需要协作的话找你的经理。"


# --- the customer summary ------------------------------------------------------------------------


def _money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 10000:g} 万" if value >= 10000 else f"{value:g} 元"


def _day(d: date | None) -> str:
    return f"{d.month}月{d.day}日" if d else "-"


async def customer_summary(ctx: ToolContext, account: Account) -> str:
    async with ctx.db.session() as s:
        owner = await s.get(StaffUser, account.owner_id) if account.owner_id else None
        opps = (
            (
                await s.execute(
                    select(Opportunity).where(
                        Opportunity.account_id == account.id, Opportunity.stage.notin_(["closed_won", "closed_lost"])
                    )
                )
            )
            .scalars()
            .all()
        )
        visits = (
            (
                await s.execute(
                    select(Visit).where(Visit.account_id == account.id).order_by(Visit.visit_date.desc()).limit(3)
                )
            )
            .scalars()
            .all()
        )
        tasks = (
            (
                await s.execute(
                    select(Task)
                    .where(Task.account_id == account.id, Task.status == "open")
                    .order_by(Task.due_date)
                    .limit(5)
                )
            )
            .scalars()
            .all()
        )
        contacts = (await s.execute(select(Contact).where(Contact.account_id == account.id).limit(5))).scalars().all()
    lines = [
        f"【{account.name}】{account.industry or ''} · {account.region or ''} · 负责人 {owner.name if owner else '-'}"
    ]
    if contacts:
        lines.append("联系人：" + "、".join(f"{c.name}{('（' + c.title + '）') if c.title else ''}" for c in contacts))
    if opps:
        lines.append("进行中的商机：")
        for o in opps:
            lines.append(
                f"· {o.name}：{STAGE_LABELS.get(o.stage, o.stage)}，{_money(o.amount)}，预计 {_day(o.close_date)} 成交"
            )
            lines += [f"  {line}" for line in await _deal_lines(ctx, o)]
    else:
        lines.append("暂无进行中的商机。")
    if visits:
        lines.append("最近拜访：")
        lines += [f"· {_day(v.visit_date)} {v.summary[:40]}" for v in visits]
    if tasks:
        lines.append("待办：")
        lines += [f"· #{t.id} {t.title}（{_day(t.due_date)}）" for t in tasks]
    return "\n".join(lines)


class LookupCustomerArgs(BaseModel):
    account_name: AccountName = Field(
        validation_alias=ACCOUNT_ALIASES, description="客户名称，按用户原话，例如「华东机械」"
    )


@router.tool("lookup_customer", "查客户概况：进行中的商机、最近拜访、待办。", LookupCustomerArgs, roles=STAFF)
async def lookup_customer(ctx: ToolContext, args: LookupCustomerArgs) -> ToolOutput:
    match = await match_account(ctx, args.account_name)
    if match.status == "one":
        return ToolOutput(await customer_summary(ctx, match.account), data={"account_id": match.account.id})
    if match.status == "ambiguous":
        return ToolOutput(
            choice_text(args.account_name, match.candidates), data={"candidates": [a.id for a in match.candidates]}
        )
    if match.status == "not_yours":
        raise ToolDenied(not_yours_text(match))
    return ToolOutput(f"没找到客户「{args.account_name}」。")


@router.command("客户", "/客户 名称", "查客户概况", roles=STAFF)
async def customer_command(ctx: ToolContext, arg: str) -> ToolOutput:
    if not arg:
        raise ToolError("用法：/客户 华东机械")
    return await lookup_customer(ctx, LookupCustomerArgs(account_name=arg))


def _mention_length(account: Account, squeezed: str) -> int:
    names = [n for n in (account.name, account.short_name) if n]
    forms = {n.lower() for n in names} | {core_name(n) for n in names}
    return max((len(f) for f in forms if len(f) >= 2 and f in squeezed), default=0)


async def accounts_mentioned(ctx: ToolContext, text: str) -> list[Account]:
    """The visible accounts a sentence names by its longest mention (full, short or core name).

    One account: the sentence is clear. Several: equally likely ("华东机械" for both 华东机械制造 and
    华东机械二厂), so the caller should ask.
    """
    squeezed = re.sub(r"\s+", "", text).lower()
    async with ctx.db.session() as s:
        accounts = (await s.execute(select(Account).where(await account_scope(ctx)))).scalars().all()
    scored = [(_mention_length(a, squeezed), a) for a in accounts]
    longest = max((n for n, _ in scored), default=0)
    return [a for n, a in scored if longest and n == longest]


_LOOKUP_WORDS = re.compile(r"怎么样|情况|进展|近况|查一下|查查|查下|看看|看下|看一下|概况|跟进到|到哪|资料|信息|介绍")


@router.offline_intent(30)
async def lookup_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「华东机械最近怎么样」, or just the customer's name: the customer summary."""
    mentioned = await accounts_mentioned(ctx, text)
    if len(mentioned) != 1:
        return None
    account = mentioned[0]
    bare = core_name(re.sub(r"[？?。！!，,\s]", "", text)) in {
        core_name(n) for n in (account.name, account.short_name) if n
    }
    if not bare and not _LOOKUP_WORDS.search(text):
        return None
    return ToolOutput(await customer_summary(ctx, account), data={"account_id": account.id})


async def create_account(
    ctx: ToolContext, name: str, industry: str | None = None, region: str | None = None, *, allow_similar: bool = False
) -> Account:
    """Create an account owned by the speaker, refusing an exact duplicate (and a near one unless told)."""
    name = name.strip()
    if not (2 <= len(name) <= 64):
        raise ToolError("客户名称要 2～64 个字。")
    if ctx.actor.role not in STAFF:
        raise ToolDenied("抱歉，这个操作不在你的权限范围内。")
    async with ctx.db.session() as s:
        accounts = (await s.execute(select(Account))).scalars().all()
    for existing in accounts:
        score = name_score(name, existing)
        if score >= 100 or (score >= CLEAR_MATCH and not allow_similar):
            raise ToolError(f"已经有「{existing.name}」了，应该是同一家，就不重复建了。")
    account = Account(name=name, industry=industry, region=region, owner_id=ctx.actor.staff_id, **ctx.provenance())
    async with ctx.db.write() as s:
        s.add(account)
        await s.flush()
        s.add(ctx.audit("account.create", "account", account.id, name=name))
    return account


@router.command("新建客户", "/新建客户 名称 [行业] [地区]", "新建一个客户（归你负责）", roles=STAFF)
async def new_account_command(ctx: ToolContext, arg: str) -> ToolOutput:
    parts = arg.split()
    if not parts:
        raise ToolError("用法：/新建客户 华东机械 制造业 华东")
    account = await create_account(ctx, parts[0], *(parts[1:3]))
    return ToolOutput(f"已新建客户「{account.name}」，负责人是你。", data={"account_id": account.id})


# --- stage changes ---------------------------------------------------------------------------------

CLOSED_STAGES = ("closed_won", "closed_lost")
# how people name a stage besides its label
_STAGE_WORDS: dict[str, str] = {
    "接触": "prospecting",
    "初步": "prospecting",
    "需求": "qualification",
    "确认需求": "qualification",
    "方案": "needs_analysis",
    "方案阶段": "needs_analysis",
    "报价阶段": "proposal",
    "谈判": "negotiation",
    "商务": "negotiation",
    "赢了": "closed_won",
    "签约": "closed_won",
    "成交": "closed_won",
    "丢单": "closed_lost",
    "输了": "closed_lost",
}


def parse_stage(text: str) -> str | None:
    """'报价' / 'proposal' / '谈判' → the stage code; None when it names no stage."""
    word = re.sub(r"\s+", "", text or "").strip("「」\"'。，,").removesuffix("阶段") or ""
    for key, label in STAGE_LABELS.items():
        if word in (key, label):
            return key
    return _STAGE_WORDS.get(word) or _STAGE_WORDS.get(word + "阶段")


def stages_text() -> str:
    return "、".join(STAGE_LABELS.values())


async def _deal_lines(ctx: ToolContext, opp: Opportunity) -> list[str]:
    lines: list[str] = []
    for hook in ctx.capabilities.deal_lines:
        try:
            lines += await hook(ctx, opp)
        except Exception:  # a summary is still worth showing without one capability's lines
            log.exception("deal summary hook failed")
    return lines


async def stage_changed(ctx: ToolContext, change: StageChange) -> list[str]:
    """The one place every stage change passes after it is written: runs the capabilities' stage hooks
    (the playbook asks its key questions there) and returns their lines for the person."""
    lines: list[str] = []
    for hook in ctx.capabilities.stage_hooks:
        try:
            lines += await hook(ctx, change)
        except Exception:  # the stage is written; a failing follow-up must not turn it into an error
            log.exception("stage hook failed for opportunity %s", change.opportunity_id)
    return lines


async def find_open_deal(ctx: ToolContext, account_name: str, deal: str | None = None) -> Opportunity:
    """The open deal meant: the account's only open one, or the one whose name contains `deal`."""
    match = await match_account(ctx, account_name)
    if match.status == "ambiguous":
        raise ToolError(choice_text(account_name, match.candidates))
    if match.status == "not_yours":
        raise ToolDenied(not_yours_text(match))
    if match.status == "none":
        raise ToolError(f"没找到客户「{account_name}」。")
    async with ctx.db.session() as s:
        opps = (
            (
                await s.execute(
                    select(Opportunity)
                    .where(Opportunity.account_id == match.account.id, Opportunity.stage.notin_(CLOSED_STAGES))
                    .order_by(Opportunity.id)
                )
            )
            .scalars()
            .all()
        )
    if deal:
        opps = [o for o in opps if deal.strip() in o.name] or opps
    if not opps:
        raise ToolError(f"「{match.account.name}」没有进行中的商机。")
    if len(opps) > 1:
        names = "、".join(f"「{o.name}」" for o in opps)
        raise ToolError(f"「{match.account.name}」有 {len(opps)} 个进行中的商机：{names}。请说明是哪一个。")
    return opps[0]


async def change_stage(ctx: ToolContext, opportunity_id: int, stage: str) -> ToolOutput:
    """Write a deal's new stage (and its default probability), then run the stage hooks once."""
    if stage not in STAGES:
        raise ToolError(f"阶段可以是：{stages_text()}")
    async with ctx.db.write() as s:
        opp = await s.get(Opportunity, opportunity_id)
        if opp is None:
            raise ToolError("这个商机已经不在了。")
        old = opp.stage
        if old == stage:
            return ToolOutput(f"「{opp.name}」已经在「{STAGE_LABELS[stage]}」阶段了。", data={"opportunity_id": opp.id})
        opp.stage, opp.probability = stage, STAGES[stage]
        opp.updated_at, opp.updated_by_id, opp.updated_source = utcnow(), ctx.actor.staff_id, ctx.source.value
        s.add(opp)
        s.add(ctx.audit("opportunity.stage", "opportunity", opp.id, old=old, new=stage))
        name = opp.name
    lines = await stage_changed(ctx, StageChange(opportunity_id, old, stage))
    head = f"已把「{name}」从「{STAGE_LABELS.get(old, old)}」改到「{STAGE_LABELS[stage]}」。"
    return ToolOutput("\n".join([head, *lines]), data={"opportunity_id": opportunity_id, "old": old, "new": stage})


class SetStageArgs(BaseModel):
    account_name: AccountName = Field(validation_alias=ACCOUNT_ALIASES, description="客户名称，按用户原话")
    stage: str = Field(
        validation_alias=AliasChoices("stage", "new_stage", "to_stage", "stage_name", "target_stage"),
        description="新阶段：初步接触、需求确认、方案沟通、报价、商务谈判、赢单、输单",
    )
    deal: str | None = Field(
        None,
        validation_alias=AliasChoices("deal", "deal_name", "opportunity", "opportunity_name"),
        description="商机名称（客户有多个进行中的商机时才需要）",
    )


async def _checked_stage(ctx: ToolContext, args: SetStageArgs) -> tuple[Opportunity, str]:
    stage = parse_stage(args.stage)
    if stage is None:
        raise ToolError(f"「{args.stage}」不是销售阶段，可以是：{stages_text()}")
    return await find_open_deal(ctx, args.account_name, args.deal), stage


async def describe_set_stage(ctx: ToolContext, args: SetStageArgs) -> list[str]:
    opp, stage = await _checked_stage(ctx, args)
    return [f"改商机阶段：{opp.name}", f"{STAGE_LABELS.get(opp.stage, opp.stage)} → {STAGE_LABELS[stage]}"]


@router.tool(
    "set_stage",
    "把商机推进（或退回）到某个销售阶段。",
    SetStageArgs,
    roles=STAFF,
    writes=True,
    describe=describe_set_stage,
)
async def set_stage(ctx: ToolContext, args: SetStageArgs) -> ToolOutput:
    opp, stage = await _checked_stage(ctx, args)
    return await change_stage(ctx, opp.id, stage)


@router.command("阶段", "/阶段 客户 阶段 [商机]", "改商机阶段，如「/阶段 华东机械 报价」", roles=STAFF)
async def stage_command(ctx: ToolContext, arg: str) -> ToolOutput:
    parts = arg.split()
    if len(parts) < 2:
        raise ToolError(f"用法：/阶段 华东机械 报价（阶段可以是：{stages_text()}）")
    return await set_stage(ctx, SetStageArgs(account_name=parts[0], stage=parts[1], deal=" ".join(parts[2:]) or None))


_STAGE_MOVE = re.compile(
    r"(推进到|推到|进入|进到|到了|改到|改成|转到|退回到?)\s*[「“]?([^\s，。,「」”]{2,6}?)[」”]?\s*(阶段|了|$)"
)


@router.offline_intent(28)
async def stage_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「华东机械推进到报价阶段了」: the stage change, confirmed before it is written."""
    m = _STAGE_MOVE.search(text)
    stage = parse_stage(m.group(2)) if m else None
    if stage is None:
        return None
    mentioned = await accounts_mentioned(ctx, text)
    if len(mentioned) != 1:
        return None
    args = SetStageArgs(account_name=mentioned[0].name, stage=stage)
    lines = await describe_set_stage(ctx, args)
    await open_pending(ctx, "stage_confirm", {"args": args.model_dump()})
    return ToolOutput("\n".join(["要改商机阶段吗？", *lines, "回复「是」改好，「取消」不改。"]))


@router.pending("stage_confirm")
async def answer_stage_confirm(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    verdict = await yes_or_no(ctx, pending, answer, "好，没改。")
    if verdict is not True:
        return verdict or None
    return await set_stage(ctx, SetStageArgs(**pending.payload["args"]))


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
