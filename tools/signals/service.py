"""Signals: scanning the sources, storing what was found, weekly counts and surges, next-step proposals.

The scheduler job (scheduler/signal_jobs.py) calls these and does the pushing, with its exactly-once ledger.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from bot.capabilities import STAFF, Router, ToolContext, ToolError, ToolOutput
from bot.clock import aware
from bot.identity import USERNAME_NAMESPACE, actor_for, namespace_of
from bot.messages import Reply, Role, WriteSource
from bot.models import (
    Account,
    Contact,
    InboundMessage,
    Opportunity,
    PendingAction,
    PlatformIdentity,
    StaffUser,
    Visit,
    utcnow,
)
from bot.org import OrgProfile, load_org_profile
from bot.pending import current_pending
from tools.customers import accounts_mentioned, team_member_ids
from tools.leads.models import Lead
from tools.proposals.models import Proposal
from tools.proposals.service import current_proposal, describe_call, open_proposal, proposal_replies
from tools.signals.detect import KINDS, STRONG, detect
from tools.signals.models import SalesSignal

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
router = Router("signals")

BATCH = 500
MAX_BATCHES_PER_RUN = 20
IN_FLIGHT = timedelta(minutes=10)  # a message still being handled this recently is scanned on a later run
STEP_FRESH = timedelta(days=2)  # older signals (a first scan of history) propose no next step
STEP_PROPOSAL_TTL = timedelta(hours=24)  # a pushed proposal waits for a rep who is out on visits
TRANSCRIPT_CHARS = 300
BASELINE_WEEKS = 4

# what a rep is proposed to do next on a strong signal (a task, confirmed before it is made)
NEXT_STEP: dict[str, str] = {
    "dm_change": "拜访新的决策人，重新对齐项目",
    "budget_cut": "和客户确认预算变化，准备分期或缩减方案",
    "timeline_slip": "和客户确认新的时间表，更新预计成交日期",
    "contract_request": "给客户发合同模板，约法务对条款",
    "reference_request": "整理同行业案例，约一家参考客户",
}
# what a manager is suggested on a surge, with the knowledge-base query for a talk track where one helps
SURGE_ACTION: dict[str, tuple[str, str | None]] = {
    "price_objection": ("组织一次价格评审（报价结构、折扣权限），把应对话术发给团队", "客户嫌贵 价格异议 怎么回"),
    "competitor": ("把竞品对比话术发给团队，重点商机安排一次联合拜访", "{competitor} 竞品 对比 优势"),
    "dm_change": ("对换了决策人的商机安排经理陪访，尽快见到新决策人", None),
    "budget_cut": ("做一次价格评审：分期、缩减范围的方案，提前锁定预算", "预算不够 分期 方案"),
    "timeline_slip": ("逐个过一遍推迟的商机，联合拜访确认真实时间表", None),
    "contract_request": ("合同需求变多：让法务提前准备模板，缩短审批", None),
    "reference_request": ("整理一份参考客户和案例清单发给团队", "成功案例 参考客户"),
}


async def org_profile(app: "Runtime") -> OrgProfile:
    """Who we are and who we compete with: the console's edits over the settings."""
    return await load_org_profile(app.db, app.settings)


def tz_of(app: "Runtime") -> ZoneInfo:
    return ZoneInfo(app.settings.timezone)


def week_of(d: date) -> date:
    """The Monday of d's week."""
    return d - timedelta(days=d.weekday())


# --- scanning ------------------------------------------------------------------------------------------


@dataclass
class Found:
    source: str
    source_id: int
    text: str
    occurred_at: datetime
    who: str  # the speaker (staff user or customer), for de-duplication of the same sentence
    staff_id: int | None = None
    account_id: int | None = None
    opportunity_id: int | None = None


async def _cursor(app: "Runtime", name: str) -> int:
    return int(await app.kv.get(f"signals:cursor:{name}") or 0)


async def _open_deal(s, account_id: int | None) -> int | None:
    if account_id is None:
        return None
    return (
        await s.execute(
            select(Opportunity.id)
            .where(Opportunity.account_id == account_id, Opportunity.stage.notin_(["closed_won", "closed_lost"]))
            .order_by(Opportunity.updated_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _visits(app: "Runtime", org: OrgProfile) -> tuple[list[Found], int]:
    after = await _cursor(app, "visit")
    async with app.db.session() as s:
        rows = (await s.execute(select(Visit).where(Visit.id > after).order_by(Visit.id).limit(BATCH))).scalars().all()
        found = []
        for v in rows:
            when = datetime.combine(v.visit_date, time(12), tz_of(app)) if v.visit_date else aware(v.created_at)
            found.append(
                Found(
                    "visit",
                    v.id,
                    v.summary or "",
                    when,
                    f"staff:{v.owner_id}",
                    v.owner_id,
                    v.account_id,
                    v.opportunity_id or await _open_deal(s, v.account_id),
                )
            )
    return found, (rows[-1].id if rows else after)


def _chat_text(text: str) -> str | None:
    text = (text or "").strip()
    if text.startswith(("/", "／")):
        word, _, rest = text[1:].partition(" ")
        return rest if word in ("纪要", "会议纪要", "拜访") else None
    return text if len(text) >= 6 else None


async def _speaker(app: "Runtime", s, row: InboundMessage) -> tuple[str, StaffUser | None, Contact | None]:
    """('staff' | 'customer', the staff user, the contact) for an inbound message."""
    namespace = namespace_of(app, row.platform)
    ident = (
        await s.execute(
            select(PlatformIdentity).where(
                PlatformIdentity.platform == namespace, PlatformIdentity.external_id == row.sender_id
            )
        )
    ).scalar_one_or_none()
    if ident is not None and ident.staff_user_id is not None:
        return "staff", await s.get(StaffUser, ident.staff_user_id), None
    if ident is not None and ident.contact_id is not None:
        return "customer", None, await s.get(Contact, ident.contact_id)
    if namespace == USERNAME_NAMESPACE:
        user = (await s.execute(select(StaffUser).where(StaffUser.username == row.sender_id))).scalars().first()
        if user is not None:
            return "staff", user, None
    return "customer", None, None


async def _inbound(app: "Runtime", org: OrgProfile) -> tuple[list[Found], int]:
    after = await _cursor(app, "inbound")
    settled = utcnow() - IN_FLIGHT
    found: list[Found] = []
    last = after
    async with app.db.session() as s:
        rows = (
            (
                await s.execute(
                    select(InboundMessage).where(InboundMessage.id > after).order_by(InboundMessage.id).limit(BATCH)
                )
            )
            .scalars()
            .all()
        )
        for row in rows:
            if row.status == "received" and aware(row.received_at) > settled:
                break  # still being handled: its sender may not be known yet
            last = row.id
            text = _chat_text(row.text) if row.kind == "text" else None
            if not text or not detect(text, org):  # most messages carry no signal: skip the look-ups
                continue
            kind, user, contact = await _speaker(app, s, row)
            when = aware(row.received_at)
            if kind == "staff" and user is not None and user.role != "admin":
                source = "transcript" if len(text) > TRANSCRIPT_CHARS else "chat"
                ctx = ToolContext(app=app, actor=actor_for(user), conversation_key="")
                mentioned = await accounts_mentioned(ctx, text)
                account_id = mentioned[0].id if len(mentioned) == 1 else None
                found.append(Found(source, row.id, text, when, f"staff:{user.id}", user.id, account_id, None))
            elif kind == "customer":
                account = await s.get(Account, contact.account_id) if contact and contact.account_id else None
                owner = account.owner_id if account else None
                if owner is None:
                    lead = (
                        (
                            await s.execute(
                                select(Lead)
                                .where(Lead.conversation_key == row.conversation_key)
                                .order_by(Lead.id.desc())
                            )
                        )
                        .scalars()
                        .first()
                    )
                    owner = lead.assigned_staff_id if lead else None
                found.append(
                    Found(
                        "customer",
                        row.id,
                        text,
                        when,
                        f"customer:{row.platform}:{row.sender_id}",
                        owner,
                        account.id if account else None,
                        None,
                    )
                )
        for f in found:
            if f.opportunity_id is None:
                f.opportunity_id = await _open_deal(s, f.account_id)
    return found, last


async def _store(app: "Runtime", found: list[Found], org: OrgProfile) -> int:
    rows = []
    async with app.db.session() as s:
        teams = dict((await s.execute(select(StaffUser.id, StaffUser.team))).all())
    now = app.clock.now(timezone.utc)
    for f in found:
        local_week = week_of(f.occurred_at.astimezone(tz_of(app)).date())
        for sig in detect(f.text, org):
            digest = hashlib.sha1(sig.quote.encode()).hexdigest()[:16]
            rows.append(
                dict(
                    # the same sentence by the same person in a week is one signal (a chat and the visit it became)
                    dedup=f"{f.who}:{sig.kind}:{sig.detail}:{digest}:{local_week.isoformat()}"[:200],
                    kind=sig.kind,
                    detail=sig.detail,
                    quote=sig.quote[:500],
                    source=f.source,
                    source_id=f.source_id,
                    staff_id=f.staff_id,
                    team=teams.get(f.staff_id),
                    account_id=f.account_id,
                    opportunity_id=f.opportunity_id,
                    occurred_at=f.occurred_at,
                    week=local_week,
                    created_at=now,
                )
            )
    if not rows:
        return 0
    insert = sqlite_insert if app.db.is_sqlite else pg_insert
    async with app.db.transaction() as conn:
        result = await conn.execute(
            insert(SalesSignal).values(rows).on_conflict_do_nothing(index_elements=["dedup"]).returning(SalesSignal.id)
        )
        return len(result.all())


async def scan(app: "Runtime") -> int:
    """Find signals in what was written since the last scan; returns how many new ones were stored."""
    org = await org_profile(app)
    stored = 0
    for name, reader in (("visit", _visits), ("inbound", _inbound)):
        # a first run on a deployment with history catches up batch by batch, a bounded amount per run
        for _ in range(MAX_BATCHES_PER_RUN):
            before = await _cursor(app, name)
            found, last = await reader(app, org)
            stored += await _store(app, found, org)
            await app.kv.set(f"signals:cursor:{name}", str(last))
            if last == before:
                break
    return stored


# --- per deal: a next step for the rep ------------------------------------------------------------------


@dataclass
class StepCandidate:
    key: str  # the exactly-once key: one proposal per deal (or account), kind and week
    signal: SalesSignal
    account: Account


async def step_candidates(app: "Runtime") -> list[StepCandidate]:
    since = app.clock.now(timezone.utc) - STEP_FRESH
    async with app.db.session() as s:
        rows = (
            await s.execute(
                select(SalesSignal, Account)
                .join(Account, Account.id == SalesSignal.account_id)
                .where(
                    SalesSignal.kind.in_(sorted(STRONG)),
                    SalesSignal.staff_id.is_not(None),
                    SalesSignal.created_at >= since,
                )
                .order_by(SalesSignal.id)
            )
        ).all()
    out: dict[str, StepCandidate] = {}
    for sig, account in rows:
        key = f"signal-step:{account.id}:{sig.opportunity_id or 0}:{sig.kind}:{sig.week.isoformat()}"
        out.setdefault(key, StepCandidate(key, sig, account))
    return list(out.values())


def direct_conversation_key(target) -> str:
    return f"{target.platform}:{target.conversation_id or target.user_id}"


async def open_step_proposal(app: "Runtime", user: StaffUser, cand: StepCandidate) -> Reply | None:
    """Store the next step as the rep's open proposal and word it; None while the rep is in the middle of
    something else (an open question or proposal), so it is offered on a later run instead."""
    target = await app.staff_target(user)
    if target is None:
        return None
    ctx = ToolContext(
        app=app, actor=actor_for(user), conversation_key=direct_conversation_key(target), source=WriteSource.SYSTEM
    )
    if await current_pending(ctx) is not None or await current_proposal(ctx) is not None:
        return None
    spec = app.capabilities.tools["create_task"]
    due = ctx.today() + timedelta(days=2)
    args = {"title": NEXT_STEP[cand.signal.kind], "due": due.isoformat(), "account_name": cand.account.name}
    try:
        item = await describe_call(ctx, spec, args)
    except ToolError as exc:
        log.info("signals: no next step for %s: %s", cand.key, exc)
        return None
    proposal, _ = await open_proposal(ctx, [item], evidence=cand.signal.quote)
    expires = app.clock.now(timezone.utc) + STEP_PROPOSAL_TTL
    async with app.db.write() as s:
        await s.execute(update(Proposal).where(Proposal.id == proposal.id).values(expires_at=expires))
        await s.execute(
            update(PendingAction)
            .where(PendingAction.conversation_key == ctx.conversation_key, PendingAction.status == "open")
            # pending questions run on the wall clock (bot/pending.py), proposals on the app's clock
            .values(expires_at=utcnow() + STEP_PROPOSAL_TTL + timedelta(hours=12))
        )
    proposal.expires_at = expires
    lead = f"听到一个信号（{KINDS[cand.signal.kind]}）：「{cand.signal.quote}」——{cand.account.short_name or cand.account.name}"
    return proposal_replies(proposal, lead=lead + "\n建议下一步，确认后才建待办：")[0]


# --- per team and week: surges ---------------------------------------------------------------------------


@dataclass
class Surge:
    manager_id: int
    kind: str
    week: date
    count: int
    average: float
    quotes: list[tuple[str, str, str]] = field(default_factory=list)  # (quote, rep, account)
    competitors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"signal-surge:{self.manager_id}:{self.kind}:{self.week.isoformat()}"


async def week_counts(app: "Runtime", member_ids: list[int], week: date) -> dict[str, tuple[int, float]]:
    """kind -> (count this week, average of the four weeks before) for these owners."""
    first = week - timedelta(weeks=BASELINE_WEEKS)
    async with app.db.session() as s:
        rows = (
            await s.execute(
                select(SalesSignal.kind, SalesSignal.week, func.count())
                .where(SalesSignal.staff_id.in_(member_ids), SalesSignal.week >= first, SalesSignal.week <= week)
                .group_by(SalesSignal.kind, SalesSignal.week)
            )
        ).all()
    out: dict[str, tuple[int, float]] = {}
    for kind in KINDS:
        now = sum(n for k, w, n in rows if k == kind and w == week)
        before = sum(n for k, w, n in rows if k == kind and w < week)
        out[kind] = (now, before / BASELINE_WEEKS)
    return out


def is_surge(app: "Runtime", count: int, average: float) -> bool:
    return count >= app.settings.signal_surge_min and count >= app.settings.signal_surge_ratio * average


async def surges(app: "Runtime", manager: StaffUser, team: list[StaffUser], week: date) -> list[Surge]:
    ids = [u.id for u in team]
    names = {u.id: u.name for u in team}
    out = []
    for kind, (count, average) in (await week_counts(app, ids, week)).items():
        if not is_surge(app, count, average):
            continue
        async with app.db.session() as s:
            rows = (
                await s.execute(
                    select(SalesSignal, Account)
                    .join(Account, Account.id == SalesSignal.account_id, isouter=True)
                    .where(SalesSignal.staff_id.in_(ids), SalesSignal.kind == kind, SalesSignal.week == week)
                    .order_by(SalesSignal.occurred_at.desc())
                )
            ).all()
        surge = Surge(manager.id, kind, week, count, average)
        surge.quotes = [
            (sig.quote, names.get(sig.staff_id, ""), (acc.short_name or acc.name) if acc else "")
            for sig, acc in rows[:5]
        ]
        surge.competitors = [c for c, _ in _most_common([sig.detail for sig, _ in rows if sig.detail])]
        out.append(surge)
    return out


def _most_common(items: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return sorted(counts.items(), key=lambda x: -x[1])


async def suggestion(app: "Runtime", surge: Surge) -> str:
    action, query = SURGE_ACTION[surge.kind]
    if query and app.knowledge is not None:
        query = query.replace("{competitor}", surge.competitors[0] if surge.competitors else "竞品")
        try:
            hits = await app.knowledge.search(query, audience=None, top=1)
        except Exception:  # the alert is worth sending without the talk track
            log.exception("signals: knowledge search failed")
            hits = []
        if hits:
            title = hits[0].title + (f" · {hits[0].heading_path}" if getattr(hits[0], "heading_path", "") else "")
            return f"{action}。话术库可用：《{title}》（/话术 {query}）"
    return action


async def surge_text(app: "Runtime", manager: StaffUser, surge: Surge) -> str:
    label = KINDS[surge.kind]
    if surge.competitors:
        label += f"（{'、'.join(surge.competitors[:3])}）"
    base = f"前四周平均 {surge.average:g} 次" if surge.average else "前四周没有"
    lines = [f"📈 {manager.name}，团队本周「{label}」已经 {surge.count} 次，{base}。原话："]
    lines += [f"· 「{q}」（{who}{' · ' + acc if acc else ''}）" for q, who, acc in surge.quotes]
    lines.append("建议：" + await suggestion(app, surge))
    return "\n".join(lines)


async def alert_surges(app: "Runtime") -> list[tuple[StaffUser, Surge]]:
    """Every manager's team surges this week (wording them and sending once is the scheduler's)."""
    week = week_of(app.clock.now(tz_of(app)).date())
    async with app.db.session() as s:
        managers = (
            (await s.execute(select(StaffUser).where(StaffUser.role == "manager", StaffUser.active.is_(True))))
            .scalars()
            .all()
        )
        people = {u.id: u for u in (await s.execute(select(StaffUser))).scalars()}
    out = []
    for manager in managers:
        members = [m for m in await team_member_ids(_ctx(app, manager), actor_for(manager)) if m != manager.id]
        if not members:
            continue
        out += [(manager, surge) for surge in await surges(app, manager, [people[m] for m in members], week)]
    return out


def _ctx(app: "Runtime", user: StaffUser) -> ToolContext:
    return ToolContext(app=app, actor=actor_for(user), conversation_key="")


# --- /信号: this week's counts for a manager (or a rep's own) ------------------------------------------------


@router.command("信号", "/信号", "本周团队的销售信号（价格异议、竞品提及…）和前四周比", roles=STAFF)
async def signals_command(ctx: ToolContext, arg: str) -> ToolOutput:
    week = week_of(ctx.today())
    if ctx.actor.role is Role.REP:
        ids = [ctx.actor.staff_id]
    else:
        ids = await team_member_ids(ctx, ctx.actor)
    counts = await week_counts(ctx.app, ids, week)
    lines = [f"本周（{week.month}月{week.day}日起）的销售信号，和前四周平均比："]
    for kind, (count, average) in counts.items():
        if count or average:
            mark = " ⚠ 突增" if is_surge(ctx.app, count, average) else ""
            lines.append(f"· {KINDS[kind]}：{count} 次（平均 {average:g}）{mark}")
    if len(lines) == 1:
        lines.append("还没有发现信号。")
    return ToolOutput("\n".join(lines), data={"counts": {k: v[0] for k, v in counts.items()}})
