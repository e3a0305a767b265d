"""The numbers behind targets, alerts and dashboards: periods, won amounts against targets, activity.

"Won" is an opportunity in stage closed_won whose won date falls in the period: the day it was closed
(`closed_on`, written by /赢单 and its proposal), else its close_date for deals closed before closing
recorded the day (imports, stage set directly). Scopes follow the
reporting tree: a rep sees themself, a manager everyone below them, a director (a manager of managers)
their whole tree, an admin everyone.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from bot.models import Account, Interaction, Opportunity, StaffUser, Task, Visit
from tools.kpi.models import SalesTarget

OPEN_STAGES = ("prospecting", "qualification", "needs_analysis", "proposal", "negotiation")
LATE_STAGES = ("proposal", "negotiation")
_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-/年]?\s*(?:(Q|q|第)\s*([1-4])\s*季?度?|(\d{1,2})\s*月?)\s*$")


# --- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str  # 2026-12 | 2026-Q4
    start: date
    end: date  # inclusive

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.key

    @property
    def label(self) -> str:
        year = self.key[:4]
        if self.is_quarter:
            return f"{year}年第{self.key[-1]}季度"
        return f"{year}年{int(self.key[5:])}月"

    @property
    def word(self) -> str:
        return "本季度" if self.is_quarter else "本月"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def elapsed(self, today: date) -> float:
        """Share of the period gone by the end of `today` (0..1)."""
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return ((today - self.start).days + 1) / self.days


def month_of(d: date) -> Period:
    last = calendar.monthrange(d.year, d.month)[1]
    return Period(f"{d.year}-{d.month:02d}", date(d.year, d.month, 1), date(d.year, d.month, last))


def quarter_of(d: date) -> Period:
    q = (d.month - 1) // 3 + 1
    start = date(d.year, 3 * q - 2, 1)
    end_month = 3 * q
    return Period(f"{d.year}-Q{q}", start, date(d.year, end_month, calendar.monthrange(d.year, end_month)[1]))


def period_of(kind: str, d: date) -> Period:
    return quarter_of(d) if kind == "quarter" else month_of(d)


def parse_period(text: str) -> Period:
    """'2026-12' / '2026年12月' / '2026-Q4' / '2026年第4季度' → Period; ValueError with a Chinese message."""
    m = _PERIOD_RE.match(str(text or ""))
    if not m:
        raise ValueError(f"期间「{text}」看不懂，月度写 2026-12，季度写 2026-Q4")
    year = int(m.group(1))
    if m.group(3):
        return quarter_of(date(year, int(m.group(3)) * 3, 1))
    month = int(m.group(4))
    if not 1 <= month <= 12:
        raise ValueError(f"期间「{text}」的月份不对")
    return month_of(date(year, month, 1))


def week_key(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def repeat_key(repeat: str, d: date) -> str:
    if repeat == "week":
        return week_key(d)
    return period_of(repeat, d).key


def repeat_end(repeat: str, d: date) -> date:
    if repeat == "week":
        return d + timedelta(days=6 - d.weekday())
    return period_of(repeat, d).end


# --- money -------------------------------------------------------------------------------------


def money(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 10000:
        return f"{round(value / 10000, 1):g} 万"
    return f"{round(value):g} 元"


def pct(part: float, whole: float) -> int:
    return round(100 * part / whole) if whole else 0


# --- scopes ------------------------------------------------------------------------------------


async def staff_map(db) -> dict[int, StaffUser]:
    async with db.session() as s:
        return {u.id: u for u in (await s.execute(select(StaffUser).where(StaffUser.active.is_(True)))).scalars()}


def below(staff: dict[int, StaffUser], manager_id: int) -> list[int]:
    """Everyone under a manager in the reporting tree (not the manager)."""
    reports: dict[int, list[int]] = defaultdict(list)
    for u in staff.values():
        if u.manager_id is not None:
            reports[u.manager_id].append(u.id)
    out: list[int] = []
    frontier = [manager_id]
    while frontier:
        frontier = [r for m in frontier for r in reports.get(m, []) if r not in out and r != manager_id]
        out.extend(frontier)
    return out


def is_director(staff: dict[int, StaffUser], user: StaffUser) -> bool:
    return any(staff[i].role == "manager" for i in below(staff, user.id) if i in staff)


def visible_reps(staff: dict[int, StaffUser], user: StaffUser) -> list[StaffUser]:
    """The reps whose numbers this person may see: themself, their tree, or everyone (admin)."""
    if user.role == "admin":
        ids = list(staff)
    elif user.role == "manager":
        ids = below(staff, user.id)
    else:
        ids = [user.id]
    return [staff[i] for i in ids if i in staff and staff[i].role == "rep"]


# --- numbers per rep ---------------------------------------------------------------------------


@dataclass
class RepNumbers:
    user: StaffUser
    target: float | None = None
    won: float = 0.0
    won_deals: int = 0
    visits: int = 0
    followups: int = 0
    pipeline: float = 0.0
    open_deals: int = 0
    last_activity: date | None = None
    overdue: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def completion(self) -> int | None:
        return pct(self.won, self.target) if self.target else None


async def targets_for(db, period: Period) -> dict[tuple[str, str], float]:
    async with db.session() as s:
        rows = (await s.execute(select(SalesTarget).where(SalesTarget.period == period.key))).scalars().all()
    return {(t.scope, t.scope_key): t.amount for t in rows}


def _day_bounds(period: Period, tz) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tz).astimezone(timezone.utc)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tz).astimezone(timezone.utc)
    return start, end


async def rep_numbers(db, reps: list[StaffUser], period: Period, today: date, tz) -> dict[int, RepNumbers]:
    """Won against target, activity in the period up to today, open pipeline, last activity, overdue tasks."""
    ids = [u.id for u in reps]
    out = {u.id: RepNumbers(u) for u in reps}
    if not ids:
        return out
    targets = await targets_for(db, period)
    for u in reps:
        out[u.id].target = targets.get(("rep", u.username))
    start, end = _day_bounds(period, tz)
    won_on = func.coalesce(Opportunity.closed_on, Opportunity.close_date)
    async with db.session() as s:
        for owner, total, n in (
            await s.execute(
                select(Opportunity.owner_id, func.sum(Opportunity.amount), func.count())
                .where(
                    Opportunity.owner_id.in_(ids),
                    Opportunity.stage == "closed_won",
                    won_on >= period.start,
                    won_on <= period.end,
                )
                .group_by(Opportunity.owner_id)
            )
        ).all():
            out[owner].won, out[owner].won_deals = float(total or 0), n
        for owner, total, n in (
            await s.execute(
                select(Opportunity.owner_id, func.sum(Opportunity.amount), func.count())
                .where(Opportunity.owner_id.in_(ids), Opportunity.stage.in_(OPEN_STAGES))
                .group_by(Opportunity.owner_id)
            )
        ).all():
            out[owner].pipeline, out[owner].open_deals = float(total or 0), n
        for owner, n in (
            await s.execute(
                select(Visit.owner_id, func.count())
                .where(
                    Visit.owner_id.in_(ids),
                    Visit.status == "held",
                    Visit.visit_date >= period.start,
                    Visit.visit_date <= min(today, period.end),
                )
                .group_by(Visit.owner_id)
            )
        ).all():
            out[owner].visits = n
        for staff_id, n in (
            await s.execute(
                select(Interaction.staff_id, func.count())
                .where(
                    Interaction.staff_id.in_(ids),
                    Interaction.kind != "nudge",
                    Interaction.occurred_at >= start,
                    Interaction.occurred_at < end,
                )
                .group_by(Interaction.staff_id)
            )
        ).all():
            out[staff_id].followups = n
        for owner, n in (
            await s.execute(
                select(Task.owner_id, func.count())
                .where(Task.owner_id.in_(ids), Task.status == "open", Task.due_date < today)
                .group_by(Task.owner_id)
            )
        ).all():
            out[owner].overdue = n
    for owner, last in (await last_activity(db, ids, today, tz)).items():
        out[owner].last_activity = last
    return out


async def last_activity(db, ids: list[int], today: date, tz) -> dict[int, date]:
    """The last day each rep logged a visit, a customer interaction or finished a task (up to today)."""
    found: dict[int, date] = {}

    def keep(owner, d):
        if owner is not None and d is not None and d <= today and (owner not in found or d > found[owner]):
            found[owner] = d

    async with db.session() as s:
        for owner, d in (
            await s.execute(
                select(Visit.owner_id, func.max(Visit.visit_date))
                .where(Visit.owner_id.in_(ids), Visit.status == "held", Visit.visit_date <= today)
                .group_by(Visit.owner_id)
            )
        ).all():
            keep(owner, d)
        for owner, at in (
            await s.execute(
                select(Interaction.staff_id, func.max(Interaction.occurred_at))
                .where(Interaction.staff_id.in_(ids), Interaction.kind != "nudge")
                .group_by(Interaction.staff_id)
            )
        ).all():
            keep(owner, _local_day(at, tz))
        for owner, at in (
            await s.execute(
                select(Task.owner_id, func.max(Task.completed_at))
                .where(Task.owner_id.in_(ids), Task.status == "done", Task.account_id.is_not(None))
                .group_by(Task.owner_id)
            )
        ).all():
            keep(owner, _local_day(at, tz))
    return found


def _local_day(at: datetime | None, tz) -> date | None:
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(tz).date()


async def best_open_deal(db, owner_id: int, period: Period) -> tuple[Opportunity, str] | None:
    """The deal most worth pushing now: a late-stage deal closing in the period, else the biggest open one."""
    async with db.session() as s:
        rows = (
            await s.execute(
                select(Opportunity, func.coalesce(Account.short_name, Account.name))
                .join(Account, Opportunity.account_id == Account.id)
                .where(Opportunity.owner_id == owner_id, Opportunity.stage.in_(OPEN_STAGES))
            )
        ).all()
    if not rows:
        return None

    def rank(row):
        opp = row[0]
        closing = opp.close_date is not None and period.start <= opp.close_date <= period.end
        return (opp.stage in LATE_STAGES and closing, closing, opp.stage in LATE_STAGES, opp.amount or 0)

    return max(rows, key=rank)
