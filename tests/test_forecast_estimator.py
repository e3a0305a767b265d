"""The learned stage rates: shrinkage toward the pooled rate (and the fallback) by sample size, the stretch of
the period as part of the prior, and older periods weighing less."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.models import Account, Opportunity
from scheduler.pipeline_jobs import run_forecast_snapshot
from tests.admin_support import make_accounts, serving, signed_in
from tests.conftest import SHANGHAI, running_app
from tests.test_forecast import set_deals, staff
from tools.pipeline.forecast import (
    learn_period_conversion,
    learn_probabilities,
    learned_probabilities,
    recency_weight,
    shrink,
)


def test_shrink_pulls_a_rate_toward_the_prior_by_how_little_evidence_there_is():
    # 30 deal-weeks winning 90 % against a prior of 30 % worth 30 deal-weeks: halfway
    assert shrink(90.0, 100.0, 30, 0.30, 30) == pytest.approx(0.60)
    assert shrink(90.0, 100.0, 3000, 0.30, 30) == pytest.approx(0.894, abs=1e-3)  # lots of evidence: its own
    assert shrink(0.0, 0.0, 0, 0.30, 30) == 0.30  # nothing seen: the prior
    assert shrink(90.0, 100.0, 30, 0.30, 0) == pytest.approx(0.90)  # no shrinkage


def test_a_stage_with_few_observations_stays_near_the_default():
    # proposal: 30 deal-weeks (just the minimum) all won inside the period, no closed-deal history at all
    few = learn_probabilities([], 30, {"proposal": (300.0, 300.0, 30)}, 0.0, prior_strength=30)
    assert few["proposal"].source == "period" and few["proposal"].period_rate == 1.0
    # the pooled rate has the same 30 deal-weeks: it is pulled halfway to the default 50 %, and this stretch
    # halfway again toward that → 0.5 × 1.0 + 0.5 × 0.75 = 0.875, not the raw 100 %
    assert few["proposal"].used == pytest.approx(0.875)
    assert few["proposal"].default == 0.50
    many = learn_probabilities([], 30, {"proposal": (30_000.0, 30_000.0, 3000)}, 0.0, prior_strength=30)
    assert many["proposal"].used > 0.99  # 3000 deal-weeks: the org's own rate


def test_a_thin_stretch_leans_on_the_pooled_rate_scaled_by_how_this_stretch_converts():
    # over the whole month, negotiation converts 40 % (2000 deal-weeks); proposal 20 % (2000)
    pooled = {"negotiation": (800.0, 2000.0, 2000), "proposal": (400.0, 2000.0, 2000)}
    # in the last week every stage converts twice as well as on average; negotiation has just 30 deal-weeks
    # there, and by chance they all slipped
    here = {"negotiation": (0.0, 30.0, 30), "proposal": (800.0, 2000.0, 2000)}
    probs = learn_probabilities([], 30, here, 0.0, pooled, prior_strength=30)
    # prior: pooled 40 % (barely moved toward the default by 30 of 2030) × stretch factor (800/2030)/(1200/4000)
    stretch = (800 / 2030) / (1200 / 4000)
    prior = shrink(800.0, 2000.0, 2000, 0.70, 30) * stretch
    assert probs["negotiation"].used == pytest.approx(0.5 * prior)
    assert 0.2 < probs["negotiation"].used < 0.4  # not the 0 % the 30 deal-weeks alone say
    assert probs["negotiation"].period_rate == 0.0 and probs["negotiation"].pooled_rate == pytest.approx(0.4)
    assert probs["proposal"].used == pytest.approx(0.4, abs=0.01)  # plenty of its own evidence


def test_the_uplift_is_added_after_shrinking_and_below_the_minimum_the_fallbacks_stay():
    probs = learn_probabilities([], 30, {"proposal": (250.0, 1000.0, 3000)}, 0.10, prior_strength=30)
    prior = shrink(250.0, 1000.0, 3000, 0.50, 30)  # no pooled rate given: this stretch's own data
    assert probs["proposal"].used == pytest.approx(shrink(250.0, 1000.0, 3000, prior, 30) + 0.10)
    assert probs["proposal"].period_rate == pytest.approx(0.35)  # shown raw (with the uplift)
    below = learn_probabilities([], 30, {"proposal": (250.0, 1000.0, 29)}, 0.10, prior_strength=30)
    assert below["proposal"].source == "default" and below["proposal"].used == 0.50


def test_older_snapshots_weigh_less():
    today = date(2026, 11, 2)
    assert recency_weight(today, today) == 1.0
    assert recency_weight(today - timedelta(days=90), today, 90) == pytest.approx(0.5)
    assert recency_weight(today - timedelta(days=180), today, 90) == pytest.approx(0.25)
    assert recency_weight(today - timedelta(days=900), today, 0) == 1.0  # no decay
    # a year ago proposal deals all slipped; last month they all won: weighted, last month dominates
    old = recency_weight(today - timedelta(days=365), today, 90)
    new = recency_weight(today - timedelta(days=30), today, 90)
    conversion, _ = learn_period_conversion([("proposal", 100.0 * old, False), ("proposal", 100.0 * new, True)])
    won, amount, n = conversion["proposal"]
    assert won / amount > 0.9 and n == 2


async def _two_months(app, clock) -> None:
    """March 2026: every counted proposal deal slipped (lost in April); September 2026, the same stretch of the
    month (28–29 days left): every one won inside the month. Leaves the clock on 2026-11-02 (28 days left)."""
    await set_deals(app, {})
    rep = await staff(app, "zhangwei")
    async with app.db.session() as s:
        acc_id = (await s.execute(select(Account.id).where(Account.short_name == "华东机械"))).scalar_one()

    async def month_of(prefix: str, close: date, won: bool, closed_on: date) -> None:
        async with app.db.write() as s:
            for i in range(40):
                s.add(
                    Opportunity(
                        account_id=acc_id,
                        name=f"{prefix}{i}",
                        owner_id=rep.id,
                        stage="proposal",
                        amount=10.0,
                        close_date=close,
                    )
                )
        assert await run_forecast_snapshot(app) >= 40
        async with app.db.write() as s:
            rows = (await s.execute(select(Opportunity).where(Opportunity.name.like(f"{prefix}%")))).scalars()
            for opp in rows.all():
                opp.stage, opp.closed_on, opp.stage_reached = (
                    "closed_won" if won else "closed_lost",
                    closed_on,
                    "proposal",
                )
                s.add(opp)

    await month_of("三月", date(2026, 3, 25), False, date(2026, 4, 10))
    clock.set(datetime(2026, 9, 2, 9, 0, tzinfo=SHANGHAI))
    await month_of("九月", date(2026, 9, 25), True, date(2026, 9, 20))
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))


async def test_the_default_counts_every_period_alike(tmp_path):
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))  # a Monday, 29 days before March ends
    async with running_app(tmp_path, clock=clock) as app:
        assert app.settings.forecast_half_life_days == 0
        await _two_months(app, clock)
        p = (await learned_probabilities(app, "month", fresh=True))["proposal"]
        assert p.source == "period" and p.period_n == 80 and p.pooled_n == 80
        assert p.period_rate == pytest.approx(0.5)  # March's slips and September's wins, alike


async def test_older_periods_weigh_less_when_a_half_life_is_set_and_the_console_says_so(tmp_path):
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
    async with running_app(tmp_path, clock=clock, SALESBOT_FORECAST_HALF_LIFE_DAYS="90") as app:
        await _two_months(app, clock)
        p = (await learned_probabilities(app, "month", fresh=True))["proposal"]
        assert p.source == "period" and p.period_n == 80 and p.pooled_n == 80
        # September is 184 days more recent than March: with a 90-day half-life it counts 4× as much
        assert p.period_rate == pytest.approx(0.8, abs=0.01)
        assert p.pooled_rate == pytest.approx(0.8, abs=0.01)
        await make_accounts(app)
        async with serving(app) as base:
            async with signed_in(base) as admin:
                status, page = await admin.get("/admin/pipeline")
        assert status == 200 and "每 90 天减半" in page
        table = re.search(r'<table id="stage-probabilities">(.*?)</table>', page, re.S).group(1)
        assert "全周期转化" in table and "<td>80%</td><td>80</td>" in table
