"""The forecast: commit, best case and a stage-weighted pipeline for this month and quarter, per rep, team
and company; stage win probabilities learned from the org's own closed deals.

Learned probabilities: a deal that closed having reached stage S passed through every earlier stage, so the
win rate from S is won / closed among deals whose `stage_reached` is S or later. With fewer than
SALESBOT_FORECAST_MIN_HISTORY such deals the default probability of S (bot.models.STAGES) is used; the table
shows both, with the count, so nobody trusts a rate learned from four deals.

Numbers for a period (a month or quarter; open deals count when their close date falls in it or has already
passed, since an overdue open deal is still expected):
- won: closed won in the period;
- commit: won + open deals the rep called 承诺; best case: commit + open deals called 可能;
- weighted: won + Σ open amount × win probability of its stage (learned; `weighted_default` with defaults);
- pipeline: Σ open amount, unweighted.
Pure functions here take plain rows, so the nightly job, /预测, the console and benchmarks/forecast.py compute
exactly the same numbers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Iterable, NamedTuple

from sqlalchemy import func, select

from bot.models import STAGES, Opportunity, StaffUser

OPEN_STAGES = [s for s in STAGES if s not in ("closed_won", "closed_lost")]
STAGE_ORDER = {s: i for i, s in enumerate(OPEN_STAGES)}
PROBS_KEY = "pipeline:stage_probabilities"
FORECAST_KEY = "pipeline:forecast"


class Deal(NamedTuple):
    """The columns the forecast reads (a light row: 100 000 of them fit in memory easily)."""

    owner_id: int | None
    stage: str
    amount: float
    close_date: date | None
    forecast_category: str | None
    closed_on: date | None
    stage_reached: str | None


@dataclass
class StageProbability:
    stage: str
    default: float  # 0..1
    learned: float | None  # None: no closed deal reached it
    closed: int  # closed deals that reached this stage
    won: int
    used: float  # what the forecast uses

    @property
    def is_learned(self) -> bool:
        return self.learned is not None and self.used == self.learned


def learn_probabilities(history: Iterable[tuple[str | None, bool]], min_history: int) -> dict[str, StageProbability]:
    """(stage reached, won?) of each closed deal → the win probability from each open stage."""
    closed = [0] * len(OPEN_STAGES)
    won = [0] * len(OPEN_STAGES)
    for reached, was_won in history:
        idx = STAGE_ORDER.get(reached or "")
        if idx is None:
            continue
        closed[idx] += 1
        won[idx] += int(was_won)
    # cumulative from the end: reached S or later
    out: dict[str, StageProbability] = {}
    c_sum = w_sum = 0
    for idx in range(len(OPEN_STAGES) - 1, -1, -1):
        c_sum += closed[idx]
        w_sum += won[idx]
        stage = OPEN_STAGES[idx]
        default = STAGES[stage] / 100
        learned = w_sum / c_sum if c_sum else None
        used = learned if learned is not None and c_sum >= min_history else default
        out[stage] = StageProbability(stage, default, learned, c_sum, w_sum, used)
    return {s: out[s] for s in OPEN_STAGES}


def month_bounds(d: date) -> tuple[date, date]:
    start = d.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt - timedelta(days=1)


def quarter_bounds(d: date) -> tuple[date, date]:
    q_month = 3 * ((d.month - 1) // 3) + 1
    start = date(d.year, q_month, 1)
    end_month = q_month + 2
    return start, month_bounds(date(d.year, end_month, 1))[1]


def period_bounds(period: str, d: date) -> tuple[date, date]:
    return month_bounds(d) if period == "month" else quarter_bounds(d)


@dataclass
class Numbers:
    won: float = 0.0
    commit: float = 0.0
    best_case: float = 0.0
    weighted: float = 0.0
    weighted_default: float = 0.0
    pipeline: float = 0.0
    open_deals: int = 0

    def add(self, other: "Numbers") -> None:
        for name in ("won", "commit", "best_case", "weighted", "weighted_default", "pipeline", "open_deals"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def forecast_by_owner(
    deals: Iterable[Deal], start: date, end: date, probs: dict[str, StageProbability]
) -> dict[int | None, Numbers]:
    """Each owner's numbers for the period [start, end]."""
    out: dict[int | None, Numbers] = defaultdict(Numbers)
    used = {s: p.used for s, p in probs.items()}
    default = {s: p.default for s, p in probs.items()}
    for d in deals:
        amount = d.amount or 0.0
        if d.stage == "closed_won":
            if d.closed_on is not None and start <= d.closed_on <= end:
                n = out[d.owner_id]
                n.won += amount
                n.commit += amount
                n.best_case += amount
                n.weighted += amount
                n.weighted_default += amount
            continue
        if d.stage == "closed_lost" or d.close_date is None or d.close_date > end:
            continue
        n = out[d.owner_id]
        n.open_deals += 1
        n.pipeline += amount
        n.weighted += amount * used.get(d.stage, 0.0)
        n.weighted_default += amount * default.get(d.stage, 0.0)
        if d.forecast_category == "commit":
            n.commit += amount
            n.best_case += amount
        elif d.forecast_category == "best_case":
            n.best_case += amount
    return dict(out)


def total(numbers: Iterable[Numbers]) -> Numbers:
    t = Numbers()
    for n in numbers:
        t.add(n)
    return t


# --- reading the database --------------------------------------------------------------------------------

_DEAL_COLUMNS = (
    Opportunity.owner_id,
    Opportunity.stage,
    Opportunity.amount,
    Opportunity.close_date,
    Opportunity.forecast_category,
    Opportunity.closed_on,
    Opportunity.stage_reached,
)


async def load_deals(app, owner_ids: list[int] | None = None, since: date | None = None) -> list[Deal]:
    """Open deals and the deals won since `since` (all of them when None), for these owners (all when None)."""
    q = select(*_DEAL_COLUMNS)
    if owner_ids is not None:
        q = q.where(Opportunity.owner_id.in_(owner_ids))
    if since is not None:
        q = q.where(
            (Opportunity.stage.notin_(["closed_won", "closed_lost"]))
            | ((Opportunity.stage == "closed_won") & (Opportunity.closed_on >= since))
        )
    async with app.db.session() as s:
        rows = (await s.execute(q)).all()
    return [Deal(r[0], r[1], float(r[2] or 0.0), r[3], r[4], r[5], r[6]) for r in rows]


async def learned_probabilities(app, *, fresh: bool = False) -> dict[str, StageProbability]:
    """The stage probabilities the nightly job stored; computed now (and stored) when there are none yet."""
    if not fresh:
        cached = await app.kv.get(PROBS_KEY)
        if cached:
            try:
                return {s: StageProbability(**v) for s, v in json.loads(cached).items()}
            except (ValueError, TypeError):
                pass
    async with app.db.session() as s:
        rows = (
            await s.execute(
                select(Opportunity.stage_reached, Opportunity.stage, func.count())
                .where(Opportunity.stage.in_(["closed_won", "closed_lost"]))
                .group_by(Opportunity.stage_reached, Opportunity.stage)
            )
        ).all()
    history: list[tuple[str | None, bool]] = []
    for reached, stage, count in rows:
        history.extend([(reached, stage == "closed_won")] * int(count))
    probs = learn_probabilities(history, app.settings.forecast_min_history)
    await app.kv.set(PROBS_KEY, json.dumps({s: asdict(p) for s, p in probs.items()}), ttl_seconds=3 * 24 * 3600)
    return probs


@dataclass
class ForecastView:
    period: str
    start: date
    end: date
    by_owner: dict[int, Numbers] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    teams: dict[int, str | None] = field(default_factory=dict)

    def total(self) -> Numbers:
        return total(self.by_owner.values())

    def by_team(self) -> dict[str, Numbers]:
        out: dict[str, Numbers] = defaultdict(Numbers)
        for owner, n in self.by_owner.items():
            out[self.teams.get(owner) or "未分组"].add(n)
        return dict(out)


async def forecast_view(app, period: str, today: date, owner_ids: list[int] | None = None) -> ForecastView:
    """The period's numbers per owner (the reps in `owner_ids`, everyone when None)."""
    start, end = period_bounds(period, today)
    probs = await learned_probabilities(app)
    deals = await load_deals(app, owner_ids, since=start)
    by_owner = forecast_by_owner(deals, start, end, probs)
    async with app.db.session() as s:
        staff = (await s.execute(select(StaffUser.id, StaffUser.name, StaffUser.team, StaffUser.role))).all()
    names = {i: n for i, n, _t, _r in staff}
    teams = {i: t for i, _n, t, _r in staff}
    reps = [i for i, _n, _t, r in staff if r == "rep" and (owner_ids is None or i in owner_ids)]
    for rep in reps:
        by_owner.setdefault(rep, Numbers())
    by_owner.pop(None, None)
    return ForecastView(period, start, end, by_owner, names, teams)


async def recompute(app, today: date) -> dict:
    """The nightly run: learn the stage probabilities again and store every rep's month and quarter numbers."""
    probs = await learned_probabilities(app, fresh=True)
    q_start, _ = quarter_bounds(today)
    m_start, _ = month_bounds(today)
    deals = await load_deals(app, None, since=min(q_start, m_start))
    out: dict = {"day": today.isoformat(), "deals": len(deals)}
    for period in ("month", "quarter"):
        start, end = period_bounds(period, today)
        by_owner = forecast_by_owner(deals, start, end, probs)
        out[period] = {str(k): asdict(v) for k, v in by_owner.items() if k is not None}
    await app.kv.set(FORECAST_KEY, json.dumps(out), ttl_seconds=3 * 24 * 3600)
    return out
