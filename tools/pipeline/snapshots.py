"""Weekly forecast snapshots and forecast accuracy: what the forecast said in week N of a period against what
then closed won in it.

A snapshot is taken once per week (the first scheduler run of the week; its `week_start` is that Monday), for
the month and the quarter running, per rep; with it each open deal the quarter's forecast counts, from which
the in-period conversion per stage is learned (tools/pipeline/forecast.py). Accuracy is measured only on periods that are over, as the mean
absolute percentage error of each method (weighted, weighted with default probabilities, commit, best case)
by week of the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.models import Opportunity
from tools.pipeline.forecast import forecast_by_owner, learned_probabilities, load_deals, period_bounds
from tools.pipeline.models import ForecastDealSnapshot, ForecastSnapshot

METHODS = {
    "weighted": "加权（学习赢率）",
    "weighted_default": "加权（默认赢率）",
    "commit": "承诺",
    "best_case": "可能",
}


def _insert(app, table):
    # a second replica (or run) the same week inserts nothing: the unique keys decide
    return (sqlite_insert if app.db.is_sqlite else pg_insert)(table).on_conflict_do_nothing()


async def take_weekly_snapshot(app, today: date) -> int:
    """This week's rows (once: a second run the same week inserts nothing): the totals per rep and period, and
    each open deal the quarter's forecast counts as it stands today. Returns the total rows written."""
    week_start = today - timedelta(days=today.weekday())
    async with app.db.session() as s:
        done = (
            await s.execute(
                select(func.count()).select_from(ForecastSnapshot).where(ForecastSnapshot.week_start == week_start)
            )
        ).scalar_one()
        # an org whose open deals have no owner writes deal rows only: those mark the week as taken too
        done = (
            done
            or (
                await s.execute(
                    select(func.count())
                    .select_from(ForecastDealSnapshot)
                    .where(ForecastDealSnapshot.taken_on >= week_start, ForecastDealSnapshot.taken_on <= today)
                )
            ).scalar_one()
        )
    if done:
        return 0
    rows = []
    q_start, q_end = period_bounds("quarter", today)
    deals = await load_deals(app, None, since=min(q_start, period_bounds("month", today)[0]))
    for period in ("month", "quarter"):
        start, end = period_bounds(period, today)
        probs = await learned_probabilities(app, period)
        for owner, n in forecast_by_owner(deals, start, end, probs).items():
            if owner is None:
                continue
            rows.append(
                {
                    "week_start": week_start,
                    "period": period,
                    "period_start": start,
                    "owner_id": owner,
                    "won": n.won,
                    "commit": n.commit,
                    "best_case": n.best_case,
                    "weighted": n.weighted,
                    "weighted_default": n.weighted_default,
                    "pipeline": n.pipeline,
                    "created_at": app.clock.now(timezone.utc),
                }
            )
    async with app.db.session() as s:
        open_deals = (
            await s.execute(
                select(
                    Opportunity.id,
                    Opportunity.owner_id,
                    Opportunity.stage,
                    Opportunity.amount,
                    Opportunity.close_date,
                    Opportunity.forecast_category,
                ).where(
                    Opportunity.stage.notin_(["closed_won", "closed_lost"]),
                    Opportunity.close_date.is_not(None),
                    Opportunity.close_date <= q_end,
                )
            )
        ).all()
    deal_rows = [
        {
            "taken_on": today,
            "opportunity_id": i,
            "owner_id": owner,
            "stage": stage,
            "amount": float(amount or 0),
            "close_date": close,
            "forecast_category": category,
        }
        for i, owner, stage, amount, close, category in open_deals
    ]
    async with app.db.write() as s:
        if rows:
            await s.execute(_insert(app, ForecastSnapshot), rows)
        for chunk in range(0, len(deal_rows), 5000):
            await s.execute(_insert(app, ForecastDealSnapshot), deal_rows[chunk : chunk + 5000])
    return len(rows) + len(deal_rows)


@dataclass
class Accuracy:
    period: str
    by_week: dict[int, dict[str, float]] = field(default_factory=dict)  # week of period → method → MAPE %
    samples: dict[int, int] = field(default_factory=dict)
    periods: int = 0


async def forecast_accuracy(app, period: str, today: date, owner_ids: list[int] | None = None) -> Accuracy:
    """MAPE of each method by week of the period, over the ended periods that have snapshots (summed over the
    owners in scope, so the error is the team's or company's, not an average of small reps' errors)."""
    q = select(ForecastSnapshot).where(ForecastSnapshot.period == period)
    if owner_ids is not None:
        q = q.where(ForecastSnapshot.owner_id.in_(owner_ids))
    async with app.db.session() as s:
        snaps = (await s.execute(q)).scalars().all()
    current_start, _ = period_bounds(period, today)
    sums: dict[tuple[date, date], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for snap in snaps:
        if snap.period_start >= current_start:
            continue
        for method in METHODS:
            sums[(snap.period_start, snap.week_start)][method] += getattr(snap, method)
    out = Accuracy(period)
    if not sums:
        return out
    starts = sorted({ps for ps, _w in sums})
    actual: dict[date, float] = {}
    for ps in starts:
        _s, pe = period_bounds(period, ps)
        q = select(func.coalesce(func.sum(Opportunity.amount), 0.0)).where(
            Opportunity.stage == "closed_won", Opportunity.closed_on >= ps, Opportunity.closed_on <= pe
        )
        if owner_ids is not None:
            q = q.where(Opportunity.owner_id.in_(owner_ids))
        async with app.db.session() as s:
            actual[ps] = float((await s.execute(q)).scalar_one() or 0.0)
    errors: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (ps, week), values in sums.items():
        if actual[ps] <= 0:
            continue
        week_no = max(0, (week - ps).days) // 7 + 1
        for method, value in values.items():
            errors[week_no][method].append(abs(value - actual[ps]) / actual[ps] * 100)
    out.periods = len([ps for ps in starts if actual[ps] > 0])
    for week_no in sorted(errors):
        out.by_week[week_no] = {m: sum(v) / len(v) for m, v in errors[week_no].items()}
        out.samples[week_no] = len(next(iter(errors[week_no].values())))
    return out
