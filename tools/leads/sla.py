"""The response clock of a lead: who holds it, by when they must accept and contact it, and what happens if not.

A rep who gets a lead gets a card (the lead, its score and reasons, 接单 / 已联系) and a first follow-up task
due by the SLA of the lead's score band (lead rules `bands`, counted in working time: SALESBOT_BUSINESS_HOURS
on Chinese workdays, so a lead at 17:55 with a 15-minute SLA is due at 09:10 next working morning).
The scheduler's lead sweep (scheduler/lead_jobs.py) then, once each per assignment:
  due_at passed, not contacted                  → a reminder to the rep;
  act_at passed, not accepted                    → reassigned to another rep (once per lead; after that the
                                                   manager is told instead);
  act_at passed, accepted but not contacted      → the rep's manager is told.
Contacted means the card's 已联系, `/线索 联系了 编号`, or the follow-up task marked done (/完成).
Time to first contact is measured per assignment (so per rep), shown in the console and the weekly digest.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, insert, or_, update
from sqlmodel import select

from bot.capabilities import Router, ToolContext, ToolError
from bot.clock import aware
from bot.messages import Card, CardAction, CardButton, Reply, Role
from bot.models import Account, ConversationMessage, StaffUser, Task, utcnow
from bot.schedule_config import parse_span
from bot.zh_parse import is_workday
from tools.customers import team_member_ids
from tools.leads.lead_rules import SOURCES, Band, LeadRules
from tools.leads.models import Lead, LeadAssignment, LeadScore
from tools.leads.scoring import LeadSignals, LearnedWeights, Scored, learn, score

router = Router("leads_sla")

OUTCOMES = {"converted": "已成交", "lost": "无效/丢单"}


# --- working time ----------------------------------------------------------------------------------


def business_span(settings) -> tuple[time, time]:
    return parse_span(settings.business_hours, "SALESBOT_BUSINESS_HOURS", "09:00-18:00")


def add_work_minutes(start: datetime, minutes: float, hours: tuple[time, time]) -> datetime:
    """`start` (aware, local) plus `minutes` counted only inside working hours on Chinese workdays."""
    opens, closes = hours
    at, left = start, timedelta(minutes=minutes)
    for _ in range(400):  # a year of days at most: a bad span cannot loop forever
        day_open = datetime.combine(at.date(), opens, at.tzinfo)
        day_close = datetime.combine(at.date(), closes, at.tzinfo)
        if not is_workday(at.date()) or at >= day_close:
            at = datetime.combine(at.date() + timedelta(days=1), time(0), at.tzinfo)
            continue
        at = max(at, day_open)
        step = min(left, day_close - at)
        at, left = at + step, left - step
        if left <= timedelta(0):
            return at
    return at


def sla_minutes(band: Band, settings) -> int:
    """The band's own minutes, else SALESBOT_LEAD_RESPONSE_MINUTES (the same promise the customer is given)."""
    return int(band.minutes or settings.lead_response_minutes)


def deadlines(now: datetime, band: Band, settings, tz) -> tuple[datetime, datetime]:
    """(due_at, act_at) in UTC for a lead assigned at `now`."""
    hours = business_span(settings)
    local = now.astimezone(tz)
    due = add_work_minutes(local, sla_minutes(band, settings), hours)
    act = add_work_minutes(due, band.act_after_minutes or sla_minutes(band, settings), hours)
    return due.astimezone(timezone.utc), act.astimezone(timezone.utc)


# --- scoring a lead from the conversation and the CRM -----------------------------------------------------


def source_of(lead: Lead) -> str:
    return lead.platform if lead.platform in SOURCES else "web"


async def signals_for(s, lead: Lead, account: Account | None, region_covered: bool) -> LeadSignals:
    texts = (
        (
            await s.execute(
                select(ConversationMessage.content, ConversationMessage.created_at)
                .where(
                    ConversationMessage.conversation_key == lead.conversation_key, ConversationMessage.role == "user"
                )
                .order_by(ConversationMessage.id)
            )
        ).all()
        if lead.conversation_key
        else []
    )
    earlier = None
    if lead.external_id or lead.phone:
        conditions = [Lead.external_id == lead.external_id] if lead.external_id else []
        if lead.phone:
            conditions.append(Lead.phone == lead.phone)
        earlier = (
            await s.execute(select(func.min(Lead.created_at)).where(or_(*conditions), Lead.id != lead.id))
        ).scalar_one_or_none()
    first_message = aware(texts[0][1]) if texts else None
    # an imported row says nothing about when the person was last active: no recency either way
    own = [] if lead.platform == "import" else [aware(lead.updated_at)]
    last_activity = max([aware(t[1]) for t in texts] + own, default=None)
    returning = earlier is not None or (
        first_message is not None and last_activity is not None and last_activity - first_message > timedelta(hours=12)
    )
    return LeadSignals(
        industry=lead.industry or (account.industry if account else None),
        company=lead.company,
        name=lead.name,
        texts=[t[0] for t in texts] + [lead.need or ""],
        region_covered=region_covered,
        existing_customer=account is not None,
        account_tier=account.tier if account else None,
        messages=len(texts),
        returning=returning,
        last_activity=last_activity,
    )


@dataclass
class _LearnedCache:
    key: tuple | None = None
    weights: LearnedWeights | None = None


_LEARNED: dict[str, _LearnedCache] = {}


async def training_rows(db) -> list[tuple[dict, bool]]:
    async with db.session() as s:
        rows = (
            await s.execute(select(LeadScore.features, LeadScore.outcome).where(LeadScore.outcome.is_not(None)))
        ).all()
    return [(dict(f or {}), o == "converted") for f, o in rows]


async def learned_weights(db, rules: LeadRules) -> LearnedWeights | None:
    """Weights learned from the leads with a recorded outcome, cross-validated against the rules' default
    weights; refitted only when the outcomes or the default weights changed."""
    async with db.session() as s:
        key = tuple(
            (
                await s.execute(
                    select(func.count(), func.max(LeadScore.outcome_at)).where(LeadScore.outcome.is_not(None))
                )
            ).one()
        )
    key = (*key, tuple(sorted(rules.scoring.weights.items())), rules.scoring.base)
    cache = _LEARNED.setdefault(str(db.url), _LearnedCache())
    if cache.key != key:
        cache.weights = learn(await training_rows(db), rules=rules)
        cache.key = key
    return cache.weights


async def score_lead(db, s, lead: Lead, account: Account | None, region_covered: bool, rules: LeadRules, now) -> Scored:
    signals = await signals_for(s, lead, account, region_covered)
    learned = await learned_weights(db, rules) if rules.scoring.mode != "default" else None
    return score(signals, rules, now, learned)


async def save_score(s, lead: Lead, scored: Scored, source: str) -> LeadScore:
    row = await s.get(LeadScore, lead.id)
    row = row or LeadScore(lead_id=lead.id)
    row.source = source
    row.score, row.band, row.weights = scored.score, scored.band, scored.weights
    row.reasons = [[p, why] for p, why in scored.reasons]
    row.features = dict(scored.features)
    row.scored_at = utcnow()
    s.add(row)
    return row


# --- opening an assignment: the follow-up task and the card ----------------------------------------------


def task_title(lead: Lead, due_local: datetime) -> str:
    who = lead.name or "客户"
    company = f"（{lead.company}）" if lead.company else ""
    return f"联系新线索 {who}{company}，{due_local:%m-%d %H:%M} 前"[:256]


def assignment_values(
    lead: Lead, staff: StaffUser, *, reason: str, rule: str | None, team: str | None, band: str, now, due, act
) -> dict:
    return dict(
        lead_id=lead.id,
        staff_id=staff.id,
        team=team or staff.team,
        reason=reason,
        rule=(rule or None) and rule[:64],
        band=band,
        assigned_at=now,
        due_at=due,
        act_at=act,
    )


def task_values(lead: Lead, staff: StaffUser, due_local: datetime, reasons: str, now) -> dict:
    return dict(
        title=task_title(lead, due_local),
        description=f"线索 #{lead.id} · 电话 {lead.phone or '-'} · {reasons}"[:2000],
        due_date=due_local.date(),
        due_at=None,  # the SLA sweep reminds at the deadline; a due_at would make the task reminder say it twice
        status="open",
        owner_id=staff.id,
        account_id=lead.account_id,
        created_at=now,
        updated_at=now,
        created_source="SYSTEM",
    )


async def open_assignment(
    s,
    lead: Lead,
    staff: StaffUser,
    *,
    reason: str,
    rule: str | None,
    team: str | None,
    band: Band,
    reasons: str,
    settings,
    tz,
    now: datetime,
) -> LeadAssignment:
    """The assignment row and its follow-up task, in the caller's session (one transaction with the lead)."""
    due, act = deadlines(now, band, settings, tz)
    task = Task(**task_values(lead, staff, due.astimezone(tz), reasons, now))
    s.add(task)
    await s.flush()
    row = LeadAssignment(
        **assignment_values(
            lead, staff, reason=reason, rule=rule, team=team, band=band.name, now=now, due=due, act=act
        ),
        task_id=task.id,
    )
    s.add(row)
    await s.flush()
    return row


def band_label(rules: LeadRules, name: str) -> str:
    band = rules.band_named(name)
    return band.label or band.name


def card_id(lead_id: int, staff_id: int) -> str:
    return f"lead-{lead_id}-{staff_id}"


def lead_card(
    lead: Lead, score_row: LeadScore, rules: LeadRules, summary: str, due: datetime, tz, *, note: str = ""
) -> Card:
    sql = "，SQL" if score_row.score >= rules.scoring.sql_threshold else ""
    reasons = "；".join(f"{p:+d} {why}" for p, why in score_row.reasons[:6]) or "没有加分项"
    body = summary + f"\n评分理由：{reasons}\n请在 {due.astimezone(tz):%m-%d %H:%M} 前接单并联系客户（已建待办）。"
    if note:
        body = note + "\n" + body
    return Card(
        card_id=card_id(lead.id, lead.assigned_staff_id or 0),
        title=f"【新客户线索】{score_row.score} 分（{band_label(rules, score_row.band)}{sql}）",
        body=body,
        buttons=[CardButton("accept", "接单"), CardButton("contacted", "已联系", "default")],
    )


# --- the rep's side: accept, contacted, outcome ----------------------------------------------------------


async def current_assignment(s, lead_id: int) -> LeadAssignment | None:
    return (
        (
            await s.execute(
                select(LeadAssignment)
                .where(LeadAssignment.lead_id == lead_id, LeadAssignment.ended_at.is_(None))
                .order_by(LeadAssignment.id.desc())
                .limit(1)
            )
        )
        .scalars()
        .first()
    )


async def mark(ctx: ToolContext, lead_id: int, what: str) -> str:
    """accept | contacted | converted | lost, by the rep holding the lead (a manager or admin may record an
    outcome for their team's leads too)."""
    now = ctx.app.clock.now(timezone.utc)
    # a manager records outcomes for their own team's leads; an admin for any
    team = await team_member_ids(ctx, ctx.actor) if ctx.actor.role is Role.MANAGER and what in OUTCOMES else []
    async with ctx.db.write() as s:
        lead = await s.get(Lead, lead_id)
        if lead is None:
            raise ToolError(f"没有线索 #{lead_id}。")
        row = await current_assignment(s, lead_id)
        holder = row.staff_id if row is not None else lead.assigned_staff_id
        may_close = what in OUTCOMES and (ctx.actor.role is Role.ADMIN or holder in team)
        if holder != ctx.actor.staff_id and not may_close:
            raise ToolError(f"线索 #{lead_id} 现在不在你名下。")
        if what == "accept":
            if row is None:
                raise ToolError(f"线索 #{lead_id} 已经结束了。")
            if row.accepted_at is not None:
                return f"线索 #{lead_id} 已经接过了。"
            row.accepted_at = now
            s.add(row)
            s.add(ctx.audit("lead.accept", "lead", lead_id))
            due = aware(row.due_at).astimezone(ctx.tz)
            return f"好的，线索 #{lead_id} 归你了，请在 {due:%H:%M} 前联系客户；联系完点「已联系」或回复「/线索 联系了 {lead_id}」。"
        if what == "contacted":
            if row is None:
                raise ToolError(f"线索 #{lead_id} 已经结束了。")
            if row.contacted_at is not None:
                return f"线索 #{lead_id} 已经记过联系了。"
            row.accepted_at = row.accepted_at or now
            row.contacted_at = now
            s.add(row)
            if row.task_id:
                await s.execute(
                    update(Task)
                    .where(Task.id == row.task_id, Task.status == "open")
                    .values(status="done", completed_at=now, updated_at=now, updated_source=ctx.source.value)
                )
            s.add(ctx.audit("lead.contacted", "lead", lead_id))
            minutes = max(0, round((now - aware(row.assigned_at)).total_seconds() / 60))
            return f"👍 线索 #{lead_id} 已记为联系过（分配后 {minutes} 分钟）。成交或无效时回复「/线索 成交 {lead_id}」或「/线索 无效 {lead_id}」。"
        score_row = await s.get(LeadScore, lead_id) or LeadScore(lead_id=lead_id, source=source_of(lead))
        score_row.outcome, score_row.outcome_at = what, now
        s.add(score_row)
        if row is not None:
            row.ended_at, row.end_reason = now, "closed"
            s.add(row)
        s.add(ctx.audit("lead.outcome", "lead", lead_id, outcome=what))
    return f"已把线索 #{lead_id} 记为{OUTCOMES[what]}，评分模型会从中学习。"


_WORDS = {
    "接": "accept",
    "接单": "accept",
    "联系了": "contacted",
    "已联系": "contacted",
    "成交": "converted",
    "转化": "converted",
    "无效": "lost",
    "丢单": "lost",
}
_MARK = re.compile(r"^(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")\s*#?(\d+)$")


def parse_mark(arg: str) -> tuple[str, int] | None:
    m = _MARK.match((arg or "").strip())
    return (_WORDS[m.group(1)], int(m.group(2))) if m else None


@router.card("lead")
async def lead_card_pressed(ctx: ToolContext, action: CardAction) -> list[Reply]:
    m = re.fullmatch(r"lead-(\d+)-(\d+)", action.card_id)
    if not m or action.action not in ("accept", "contacted"):
        return [Reply("这张线索卡片已经失效了。")]
    lead_id, staff_id = int(m.group(1)), int(m.group(2))
    if ctx.actor.staff_id != staff_id:
        return [Reply("这条线索是分给别的同事的。")]
    async with ctx.db.session() as s:
        row = await current_assignment(s, lead_id)
    if row is None or row.staff_id != staff_id:
        return [Reply(f"线索 #{lead_id} 已经不在你名下了（超时已改派或已结束）。")]
    return [Reply(await mark(ctx, lead_id, action.action))]


# --- what the sweep reads ------------------------------------------------------------------------------


async def sync_contacts_from_tasks(db) -> int:
    """A follow-up task marked done counts as the first contact, at the time it was done."""
    async with db.session() as s:  # read first: most minutes there is nothing to write
        pending = (
            await s.execute(
                select(LeadAssignment.id)
                .join(Task, Task.id == LeadAssignment.task_id)
                .where(
                    LeadAssignment.ended_at.is_(None),
                    LeadAssignment.contacted_at.is_(None),
                    Task.status == "done",
                )
            )
        ).first()
    if pending is None:
        return 0
    async with db.write() as s:
        rows = (
            await s.execute(
                select(LeadAssignment, Task.completed_at)
                .join(Task, Task.id == LeadAssignment.task_id)
                .where(
                    LeadAssignment.ended_at.is_(None),
                    LeadAssignment.contacted_at.is_(None),
                    Task.status == "done",
                )
            )
        ).all()
        for row, done_at in rows:
            row.contacted_at = done_at or utcnow()
            row.accepted_at = row.accepted_at or row.contacted_at
            s.add(row)
    return len(rows)


async def overdue_assignments(db, now: datetime) -> list[tuple[LeadAssignment, Lead]]:
    async with db.session() as s:
        return list(
            (
                await s.execute(
                    select(LeadAssignment, Lead)
                    .join(Lead, Lead.id == LeadAssignment.lead_id)
                    .where(
                        LeadAssignment.ended_at.is_(None),
                        LeadAssignment.contacted_at.is_(None),
                        LeadAssignment.due_at <= now,
                    )
                    .order_by(LeadAssignment.due_at)
                )
            ).all()
        )


async def was_reassigned(db, lead_id: int) -> bool:
    async with db.session() as s:
        return (
            await s.execute(
                select(LeadAssignment.id).where(
                    LeadAssignment.lead_id == lead_id, LeadAssignment.end_reason == "reassigned"
                )
            )
        ).first() is not None


async def reassign_writes(conn, old: LeadAssignment, lead: Lead, new: StaffUser, *, settings, tz, rules, now):
    """The reassignment, on the connection that claims its notice: the old assignment ends, its task is
    cancelled, the new rep gets an assignment with a fresh clock and a task, and the lead names them."""
    band = rules.band_named(old.band)
    due, act = deadlines(now, band, settings, tz)
    await conn.execute(
        update(LeadAssignment).where(LeadAssignment.id == old.id).values(ended_at=now, end_reason="reassigned")
    )
    if old.task_id:
        await conn.execute(
            update(Task).where(Task.id == old.task_id, Task.status == "open").values(status="cancelled", updated_at=now)
        )
    score_row = await conn.execute(select(LeadScore.reasons).where(LeadScore.lead_id == lead.id))
    reasons = "；".join(f"{p:+d} {why}" for p, why in (score_row.scalar_one_or_none() or [])[:6])
    task_id = (
        await conn.execute(
            insert(Task).values(**task_values(lead, new, due.astimezone(tz), reasons, now)).returning(Task.id)
        )
    ).scalar_one()
    values = assignment_values(
        lead, new, reason="reassigned", rule=None, team=new.team, band=old.band, now=now, due=due, act=act
    )
    await conn.execute(insert(LeadAssignment).values(**values, task_id=task_id))
    await conn.execute(update(Lead).where(Lead.id == lead.id).values(assigned_staff_id=new.id, updated_at=now))
    return due


# --- time to first contact -----------------------------------------------------------------------------


@dataclass
class ResponseStats:
    name: str
    assigned: int = 0
    contacted: int = 0
    within_sla: int = 0
    reassigned: int = 0
    waiting: int = 0  # not contacted yet, still held
    minutes: list[float] = field(default_factory=list)

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.minutes) if self.minutes else None

    @property
    def sla_rate(self) -> float | None:
        return self.within_sla / self.assigned if self.assigned else None

    def line(self) -> str:
        median = f"中位 {self.median_minutes:.0f} 分钟" if self.median_minutes is not None else "还没有联系记录"
        rate = f"，{self.sla_rate:.0%} 在时限内" if self.sla_rate is not None else ""
        extra = f"，超时改派 {self.reassigned}" if self.reassigned else ""
        extra += f"，待联系 {self.waiting}" if self.waiting else ""
        return f"{self.name}：分配 {self.assigned}，已联系 {self.contacted}（{median}{rate}）{extra}"


async def response_stats(
    db, since: datetime, until: datetime, staff_ids: list[int] | None = None
) -> tuple[list[ResponseStats], list[ResponseStats]]:
    """(per rep, per team) time from assignment to first contact, for assignments made in [since, until)."""
    q = (
        select(LeadAssignment, StaffUser.name, StaffUser.team)
        .join(StaffUser, StaffUser.id == LeadAssignment.staff_id)
        .where(LeadAssignment.assigned_at >= since, LeadAssignment.assigned_at < until)
    )
    if staff_ids is not None:
        q = q.where(LeadAssignment.staff_id.in_(staff_ids))
    async with db.session() as s:
        rows = (await s.execute(q)).all()
    reps: dict[str, ResponseStats] = {}
    teams: dict[str, ResponseStats] = {}
    for row, name, team in rows:
        for stats in (
            reps.setdefault(name, ResponseStats(name)),
            teams.setdefault(team or "（未分组）", ResponseStats(team or "（未分组）")),
        ):
            stats.assigned += 1
            if row.contacted_at is not None:
                stats.contacted += 1
                stats.minutes.append((aware(row.contacted_at) - aware(row.assigned_at)).total_seconds() / 60)
                if aware(row.contacted_at) <= aware(row.due_at):
                    stats.within_sla += 1
            elif row.end_reason == "reassigned":
                stats.reassigned += 1
            elif row.ended_at is None:
                stats.waiting += 1
    order = lambda st: (-st.assigned, st.name)  # noqa: E731
    return sorted(reps.values(), key=order), sorted(teams.values(), key=order)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
