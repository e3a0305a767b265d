"""The forecast: commit, best case and a stage-weighted pipeline for this month and quarter, per rep, team
and company; stage probabilities learned from the org's own history.

What a period forecast needs is not "will this deal ever be won" but "will it be won inside this period":
deals slip. So the probability a stage gets is, in order of preference:
1. its in-period conversion: of the open deals at that stage that earlier forecasts of the same kind (month or
   quarter) counted (ForecastDealSnapshot, one row per deal per week), the share of the amount won inside that
   period, over the periods that are over;
2. its win rate: a deal that closed having reached stage S passed through every earlier stage, so the win
   rate from S is won / closed among deals whose `stage_reached` is S or later;
3. the default (bot.models.STAGES).
Each needs SALESBOT_FORECAST_MIN_HISTORY observations (deal-weeks for 1, closed deals for 2); the console
shows all three with their counts, so nobody trusts a rate learned from four deals, and beside them the
stage's conversion over every stretch of the period (pooled). Two refinements exist and are off by default
because the benchmark found they made the forecast worse on its simulated orgs: shrinking today's stretch
toward the pooled rate by sample size (PRIOR_STRENGTH) and weighing older periods less
(SALESBOT_FORECAST_HALF_LIFE_DAYS, for an org that has changed).

Numbers for a period (a month or quarter; open deals count when their close date falls in it or has already
passed, since an overdue open deal is still expected):
- won: closed won in the period;
- commit: won + open deals the rep called 承诺; best case: commit + open deals called 可能;
- weighted: won + Σ open amount × the stage's probability (learned; `weighted_default` with the defaults);
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
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from bot.models import STAGES, Opportunity, StaffUser
from tools.pipeline.models import ForecastDealSnapshot as Snap

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
    learned: float | None  # win rate ever; None: no closed deal reached it
    closed: int  # closed deals that reached this stage
    won: int
    used: float  # what the forecast uses
    period_rate: float | None = None  # in-period conversion (amount won inside the period / amount counted)
    period_n: int = 0  # deal-weeks behind it
    source: str = "default"  # period | learned | default
    pooled_rate: float | None = None  # in-period conversion over every stretch of the period (no uplift)
    pooled_n: int = 0  # deal-weeks behind it

    @property
    def is_learned(self) -> bool:
        return self.source != "default"


def days_left_bucket(period: str, day: date) -> int:
    """How far the period's end is (0 = its last stretch): a deal has less time to close late in a month, so
    conversion is learned separately for each stretch (weeks for a month, three-week steps for a quarter)."""
    end = period_bounds(period, day)[1]
    return min(3, (end - day).days // (7 if period == "month" else 21))


def learn_period_conversion(
    observations: Iterable[tuple[str, float, bool]], uncounted: Iterable[tuple[float, float]] = ()
) -> tuple[dict[str, tuple[float, float, int]], float]:
    """(stage, amount, won inside the period?) of each deal a past forecast counted, from snapshots taken at the
    same stretch of their periods as today → per stage (won amount, amount, deal-weeks); and the uplift: what
    those periods won from deals the forecast did not count (created later, or pulled in from a later close
    date) per unit of amount counted, given as (uncounted won, counted amount) per past snapshot."""
    totals: dict[str, list] = {}
    for stage, amount, won in observations:
        row = totals.setdefault(stage, [0.0, 0.0, 0])
        row[0] += amount if won else 0.0
        row[1] += amount
        row[2] += 1
    return conversion_from_totals(totals, uncounted)


def conversion_from_totals(
    totals: dict[str, list], uncounted: Iterable[tuple[float, float]]
) -> tuple[dict[str, tuple[float, float, int]], float]:
    """Per stage [won amount, amount, deal-weeks] and the (uncounted won, counted amount) pairs → the same
    result as `learn_period_conversion` (the database side aggregates in SQL and calls this)."""
    extra = counted = 0.0
    for won_elsewhere, amount in uncounted:
        extra += max(0.0, won_elsewhere)
        counted += amount
    conversion = {k: (float(v[0]), float(v[1]), int(v[2])) for k, v in totals.items()}
    return conversion, (extra / counted if counted > 0 else 0.0)


# How many deal-weeks of evidence the prior is worth when a learned in-period rate is shrunk toward it (a beta
# prior in amount terms). 0: no shrinkage. Tuned on the simulated orgs (benchmarks/forecast.py, seed 7, 40 and
# 8 reps): every strength tried (30, 100, 200, …) made the forecast worse, since how a stage converts at one
# stretch of a month is not well predicted by how it converts over the whole month, and the minimum history
# (SALESBOT_FORECAST_MIN_HISTORY) already keeps the thinnest rates out. The mechanism stays for the benchmark.
PRIOR_STRENGTH = 0


# Half-life of an old period's weight in the learned conversion, in days (0: no decay; the nightly job takes
# SALESBOT_FORECAST_HALF_LIFE_DAYS). Off by default: on the simulated orgs, whose conversion does not change,
# decay only threw evidence away (benchmarks/README.md); it is for an org that has changed.
HALF_LIFE_DAYS = 0


def recency_weight(taken_on: date, today: date, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """How much a snapshot taken on `taken_on` counts today: halves every `half_life_days` (0 = no decay)."""
    if half_life_days <= 0:
        return 1.0
    return 0.5 ** (max(0, (today - taken_on).days) / half_life_days)


def shrink(won_amount: float, amount: float, n: int, prior: float, strength: float = PRIOR_STRENGTH) -> float:
    """The share won, pulled toward `prior` by how little evidence there is: n deal-weeks against `strength`
    deal-weeks' worth of prior (empirical Bayes with a beta prior; with n = 0 it is the prior)."""
    if amount <= 0 or n <= 0:
        return prior
    return (n * (won_amount / amount) + strength * prior) / (n + strength)


def learn_probabilities(
    history: Iterable[tuple[str | None, bool]],
    min_history: int,
    period: dict[str, tuple[float, float, int]] | None = None,
    uplift: float = 0.0,
    pooled: dict[str, tuple[float, float, int]] | None = None,
    prior_strength: float = PRIOR_STRENGTH,
) -> dict[str, StageProbability]:
    """(stage reached, won?) of each closed deal, and optionally the in-period conversion per stage at today's
    stretch of the period (`period`) and over all its stretches (`pooled`) → the probability each open stage
    gets (see the module docstring for the order).

    With `prior_strength` > 0 (the default PRIOR_STRENGTH is 0: no shrinkage, see there) the in-period rate
    is shrunk twice: the pooled rate toward the fallback (win rate, else default), and
    today's stretch toward that pooled rate, each by its deal-weeks against `prior_strength`. A stage with
    few observations thus stays near what the org does at other stretches, and near the fallback when it has
    little history at all, instead of jumping to a rate learned from a handful of deals."""
    closed = [0] * len(OPEN_STAGES)
    won = [0] * len(OPEN_STAGES)
    for reached, was_won in history:
        idx = STAGE_ORDER.get(reached or "")
        if idx is None:
            continue
        closed[idx] += 1
        won[idx] += int(was_won)
    # how today's stretch converts against the period as a whole, all stages together: the prior of a stage at
    # this stretch is its pooled rate times that (late in a month every stage converts better than on average)
    here = [sum(v[i] for v in (period or {}).values()) for i in (0, 1)]
    overall = [sum(v[i] for v in (pooled or {}).values()) for i in (0, 1)]
    stretch = (here[0] / here[1]) / (overall[0] / overall[1]) if here[1] > 0 and overall[0] > 0 else 1.0
    # cumulative from the end: reached S or later
    out: dict[str, StageProbability] = {}
    c_sum = w_sum = 0
    for idx in range(len(OPEN_STAGES) - 1, -1, -1):
        c_sum += closed[idx]
        w_sum += won[idx]
        stage = OPEN_STAGES[idx]
        default = STAGES[stage] / 100
        learned = w_sum / c_sum if c_sum else None
        used, source = (learned, "learned") if learned is not None and c_sum >= min_history else (default, "default")
        won_amount, amount, n = (period or {}).get(stage, (0.0, 0.0, 0))
        rate = won_amount / amount + uplift if amount > 0 else None
        p_won, p_amount, p_n = (pooled or {}).get(stage, (won_amount, amount, n))
        pooled_rate = p_won / p_amount if p_amount > 0 else None
        if rate is not None and n >= min_history:
            prior = min(1.0, shrink(p_won, p_amount, p_n, used, prior_strength) * stretch)
            used, source = shrink(won_amount, amount, n, prior, prior_strength) + uplift, "period"
        out[stage] = StageProbability(stage, default, learned, c_sum, w_sum, used, rate, n, source, pooled_rate, p_n)
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


async def _period_observations(app, period: str, today: date, half_life_days: float = HALF_LIFE_DAYS):
    """In-period conversion per stage and the uplift, from the deal snapshots taken at today's stretch of the
    periods that are over (last two years), and per stage over every stretch (the prior it is shrunk toward).
    Older periods weigh less (`recency_weight`); deal-week counts stay unweighted."""
    current_start, _ = period_bounds(period, today)
    bucket = days_left_bucket(period, today)
    totals: dict[str, list] = {}
    pooled: dict[str, list] = {}
    uncounted: list[tuple[float, float]] = []
    async with app.db.session() as s:
        days = (
            (
                await s.execute(
                    select(Snap.taken_on)
                    .where(Snap.taken_on < current_start, Snap.taken_on >= today - timedelta(days=730))
                    .distinct()
                )
            )
            .scalars()
            .all()
        )
        for day in days:
            start, end = period_bounds(period, day)
            if end >= current_start:
                continue  # that period is not over
            weight = recency_weight(day, today, half_life_days)
            here = days_left_bucket(period, day) == bucket
            won = case(
                (
                    (Opportunity.stage == "closed_won")
                    & (Opportunity.closed_on >= start)
                    & (Opportunity.closed_on <= end),
                    Snap.amount,
                ),
                else_=0.0,
            )
            rows = (
                await s.execute(
                    select(Snap.stage, func.sum(won), func.sum(Snap.amount), func.count())
                    .join(Opportunity, Opportunity.id == Snap.opportunity_id)
                    .where(Snap.taken_on == day, Snap.close_date <= end)
                    .group_by(Snap.stage)
                )
            ).all()
            counted_won = counted_amount = 0.0
            for stage, w, a, n in rows:
                w, a = float(w or 0) * weight, float(a or 0) * weight
                p = pooled.setdefault(stage, [0.0, 0.0, 0])
                p[0], p[1], p[2] = p[0] + w, p[1] + a, p[2] + int(n)
                if here:
                    t = totals.setdefault(stage, [0.0, 0.0, 0])
                    t[0], t[1], t[2] = t[0] + w, t[1] + a, t[2] + int(n)
                    counted_won += w
                    counted_amount += a
            if not here:
                continue
            won_after = (
                await s.execute(
                    select(func.coalesce(func.sum(Opportunity.amount), 0.0)).where(
                        Opportunity.stage == "closed_won", Opportunity.closed_on >= day, Opportunity.closed_on <= end
                    )
                )
            ).scalar_one()
            uncounted.append((float(won_after or 0) * weight - counted_won, counted_amount))
    conversion, uplift = conversion_from_totals(totals, uncounted)
    return conversion, uplift, conversion_from_totals(pooled, ())[0]


async def learned_probabilities(app, period: str = "month", *, fresh: bool = False) -> dict[str, StageProbability]:
    """The stage probabilities the nightly job stored for this kind of period; computed now (and stored) when
    there are none yet."""
    today = app.clock.now(ZoneInfo(app.settings.timezone)).date()
    # the stretch of the period is part of the key: the conversion learned for it changes during the period
    key = f"{PROBS_KEY}:{period}:{days_left_bucket(period, today)}"
    if not fresh:
        cached = await app.kv.get(key)
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
    observed, uplift, pooled = await _period_observations(app, period, today, app.settings.forecast_half_life_days)
    probs = learn_probabilities(history, app.settings.forecast_min_history, observed, uplift, pooled)
    await app.kv.set(key, json.dumps({s: asdict(p) for s, p in probs.items()}), ttl_seconds=3 * 24 * 3600)
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
    probs = await learned_probabilities(app, period)
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
    q_start, _ = quarter_bounds(today)
    m_start, _ = month_bounds(today)
    deals = await load_deals(app, None, since=min(q_start, m_start))
    out: dict = {"day": today.isoformat(), "deals": len(deals)}
    for period in ("month", "quarter"):
        probs = await learned_probabilities(app, period, fresh=True)
        start, end = period_bounds(period, today)
        by_owner = forecast_by_owner(deals, start, end, probs)
        out[period] = {str(k): asdict(v) for k, v in by_owner.items() if k is not None}
    await app.kv.set(FORECAST_KEY, json.dumps(out), ttl_seconds=3 * 24 * 3600)
    return out
