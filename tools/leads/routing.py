"""Who gets a lead: the rules of the lead rules file (region, industry, source, score, size → a rep or a team),
then the /线索规则 table, the customer's sales region, everyone. Within a group the pick is round-robin weighted
by open-lead load: the fewest open leads per unit of capacity (lead rules `capacity`), ties to whoever waited
longest for one. Reps who turned lead-taking off (`/接单 关`) are skipped, and so are reps outside their working
hours (SALESBOT_WORK_HOURS in their own time zone, Chinese workdays) as long as someone in the group is working:
a lead at 03:00 still goes somewhere, and its response clock starts when the working day does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import func
from sqlmodel import select

from bot.models import StaffUser
from bot.schedule_config import SchedulerConfig
from bot.zh_parse import is_workday
from tools.leads.lead_rules import LeadFacts, LeadRules
from tools.leads.models import Lead, LeadAssignment, LeadAvailability, LeadRoutingRule


@dataclass
class Route:
    staff: StaffUser
    reason: str  # rule | region | round_robin (account_owner is decided before routing)
    rule: str | None = None
    team: str | None = None


async def available_reps(s) -> list[StaffUser]:
    away = set(
        (await s.execute(select(LeadAvailability.staff_id).where(LeadAvailability.accepting.is_(False))))
        .scalars()
        .all()
    )
    reps = (
        (
            await s.execute(
                select(StaffUser).where(StaffUser.role == "rep", StaffUser.active.is_(True)).order_by(StaffUser.id)
            )
        )
        .scalars()
        .all()
    )
    return [r for r in reps if r.id not in away]


async def open_loads(s, ids: list[int]) -> dict[int, int]:
    """Open leads per rep: assignments not ended (reassigned away or closed with an outcome)."""
    if not ids:
        return {}
    rows = await s.execute(
        select(LeadAssignment.staff_id, func.count())
        .where(LeadAssignment.staff_id.in_(ids), LeadAssignment.ended_at.is_(None))
        .group_by(LeadAssignment.staff_id)
    )
    return dict(rows.all())


async def last_assigned(s, ids: list[int]) -> dict[int, datetime]:
    rows = await s.execute(
        select(Lead.assigned_staff_id, func.max(Lead.handed_off_at))
        .where(Lead.assigned_staff_id.in_(ids))
        .group_by(Lead.assigned_staff_id)
    )
    return {k: v for k, v in rows.all() if v is not None}


def at_work(rep: StaffUser, cfg: SchedulerConfig, now: datetime) -> bool:
    local = now.astimezone(cfg.user_tz(rep.timezone))
    start, end = cfg.work_hours
    return is_workday(local.date()) and start <= local.time() < end


def least_loaded(
    candidates: list[StaffUser],
    loads: dict[int, int],
    last: dict[int, datetime],
    capacity: dict[str, float],
    cfg: SchedulerConfig | None,
    now: datetime,
) -> StaffUser | None:
    """The pick within a group (a pure function, so the benchmark runs the same code)."""
    if not candidates:
        return None
    if cfg is not None:
        working = [r for r in candidates if at_work(r, cfg, now)]
        candidates = working or candidates
    floor = datetime.min

    def key(rep: StaffUser):
        when = last.get(rep.id)
        return (
            loads.get(rep.id, 0) / capacity.get(rep.username, 1.0),
            when.replace(tzinfo=None) if when else floor,
            rep.id,
        )

    return min(candidates, key=key)


async def pick(
    s, candidates: list[StaffUser], rules: LeadRules, cfg: SchedulerConfig | None, now: datetime
) -> StaffUser | None:
    ids = [c.id for c in candidates]
    if not ids:
        return None
    return least_loaded(candidates, await open_loads(s, ids), await last_assigned(s, ids), rules.capacity, cfg, now)


async def route(
    s,
    lead: Lead,
    facts: LeadFacts,
    rules: LeadRules,
    cfg: SchedulerConfig | None,
    now: datetime,
    available: list[StaffUser],
    *,
    region_of: Callable[[str | None], str | None] = lambda place: place,
    exclude: set[int] = frozenset(),
) -> Route | None:
    """The rep for a lead that is not an existing customer's; None when nobody can take it."""
    available = [r for r in available if r.id not in exclude]
    by_username = {r.username: r for r in available}
    for rule in rules.rules:
        if not rule.when.matches(facts):
            continue
        if rule.to.rep:
            rep = by_username.get(rule.to.rep)
            if rep is not None:
                return Route(rep, "rule", rule.name, rep.team)
            continue  # the named rep is away: the next rule (or the fallbacks) take it
        found = await pick(s, [r for r in available if r.team == rule.to.team], rules, cfg, now)
        if found is not None:
            return Route(found, "rule", rule.name, rule.to.team)
    # the older /线索规则 table (region and/or industry → a rep or a team), most specific first
    industry = (facts.industry or "").strip()
    table = (await s.execute(select(LeadRoutingRule).where(LeadRoutingRule.active.is_(True)))).scalars().all()

    def matches(rule: LeadRoutingRule) -> bool:
        if rule.region and region_of(rule.region) != facts.region:
            return False
        if rule.industry and not (industry and (rule.industry in industry or industry in rule.industry)):
            return False
        return bool(rule.region or rule.industry)

    by_id = {r.id: r for r in available}
    for rule in sorted(filter(matches, table), key=lambda r: (r.priority, -bool(r.region and r.industry), r.id)):
        if rule.staff_id in by_id:
            rep = by_id[rule.staff_id]
            return Route(rep, "rule", f"#{rule.id}", rep.team)
        if rule.team:
            found = await pick(s, [r for r in available if r.team == rule.team], rules, cfg, now)
            if found is not None:
                return Route(found, "rule", f"#{rule.id}", rule.team)
    if facts.region:
        found = await pick(s, [r for r in available if r.region == facts.region], rules, cfg, now)
        if found is not None:
            return Route(found, "region", None, found.team)
    found = await pick(s, available, rules, cfg, now)
    if found is not None:
        return Route(found, "round_robin", None, found.team)
    return None
