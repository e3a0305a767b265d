"""The forecast: categories set in words or by command (through the proposal), /预测 for a rep and a manager,
stage probabilities learned from the org's own history (defaults below the minimum), weekly snapshots and
their accuracy, and the pipeline lines of the manager digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import select

from bot.clock import FrozenClock
from bot.db import MIGRATIONS_DIR
from bot.models import Account, Opportunity, StaffUser
from scheduler import jobs
from scheduler.pipeline_jobs import run_forecast_snapshot, run_pipeline_nightly
from tests.conftest import SHANGHAI, ConsoleClient, running_app
from tools.pipeline.forecast import Deal, forecast_by_owner, learn_probabilities, learned_probabilities
from tools.pipeline.models import ForecastSnapshot
from tools.pipeline.snapshots import forecast_accuracy


async def staff(app, username) -> StaffUser:
    async with app.db.session() as s:
        return (await s.execute(select(StaffUser).where(StaffUser.username == username))).scalars().one()


async def set_deals(app, rows: dict[str, dict]) -> None:
    """Give the named demo accounts' deals known values (the demo's are random); every other deal is closed
    long ago so the numbers below are exact."""
    async with app.db.write() as s:
        for opp in (await s.execute(select(Opportunity))).scalars().all():
            acc = await s.get(Account, opp.account_id)
            values = rows.get(acc.short_name)
            if values is None:
                opp.stage, opp.closed_on, opp.stage_reached = "closed_lost", date(2024, 1, 5), None
            else:
                for k, v in {"forecast_category": None, "closed_on": None, **values}.items():
                    setattr(opp, k, v)
            s.add(opp)


NOV = {
    "华东机械": {"stage": "negotiation", "amount": 1_000_000.0, "close_date": date(2026, 11, 28)},
    "云帆物流": {
        "stage": "proposal",
        "amount": 400_000.0,
        "close_date": date(2026, 11, 30),
        "forecast_category": "best_case",
    },
    "金陵医药": {"stage": "prospecting", "amount": 2_000_000.0, "close_date": date(2027, 2, 1)},
    "东方证券信息": {"stage": "closed_won", "amount": 300_000.0, "closed_on": date(2026, 11, 10)},
    "华东机电": {
        "stage": "qualification",
        "amount": 500_000.0,
        "close_date": date(2026, 11, 25),
        "forecast_category": "commit",
    },
}


async def test_a_forecast_call_in_words_is_proposed_then_sets_the_category_and_the_close_date(offline_app):
    await set_deals(offline_app, {**NOV, "华东机械": {**NOV["华东机械"], "close_date": date(2026, 12, 20)}})
    rep = ConsoleClient(offline_app, "zhangwei")
    answer = await rep.say("华东机械这单本月能签")
    assert "预测类别：上海华东机械制造有限公司" in answer and "未设 → 承诺" in answer
    assert "预计签约：12月20日 → 11月30日" in answer
    await rep.say("是")
    async with offline_app.db.session() as s:
        opp = (await s.execute(select(Opportunity).where(Opportunity.amount == 1_000_000.0))).scalars().one()
    assert opp.forecast_category == "commit" and opp.close_date == date(2026, 11, 30)


async def test_a_category_by_command_and_the_reps_own_forecast(offline_app):
    await set_deals(offline_app, NOV)
    rep = ConsoleClient(offline_app, "zhangwei")
    assert "未设 → 可能" in await rep.say("/预测 华东机械 可能")
    await rep.say("确认")
    text = await rep.say("/预测")
    # 张伟: won 30万; open in Nov: 华东机械 100万 (best case now, negotiation 70%), 云帆物流 40万 (best case, 50%)
    assert "【11月】已赢 30 万 · 承诺 30 万 · 可能 170 万 · 加权 120 万" in text
    assert "管道里 2 单，共 140 万" in text
    # the quarter adds nothing for him (金陵医药 closes in February)
    assert "【Q4】已赢 30 万" in text


async def test_a_manager_sees_the_team_per_rep(offline_app):
    await set_deals(offline_app, NOV)
    text = await ConsoleClient(offline_app, "wangqiang").say("/预测")
    assert "【11月 · 团队】" in text
    assert "· 张伟：已赢 30 万 · 承诺 30 万" in text and "· 李娜：已赢 0 元 · 承诺 50 万" in text
    assert "陈敏" not in text  # another manager's team


def test_learned_probabilities_need_the_minimum_history():
    # 40 deals reached negotiation: 10 won; 40 more stopped at proposal, all lost
    history = [("negotiation", i < 10) for i in range(40)] + [("proposal", False)] * 40
    probs = learn_probabilities(history, min_history=30)
    assert probs["negotiation"].learned == 0.25 and probs["negotiation"].used == 0.25
    assert probs["proposal"].closed == 80 and probs["proposal"].used == pytest.approx(10 / 80)
    few = learn_probabilities(history[:20], min_history=30)
    assert few["negotiation"].learned == 0.5 and few["negotiation"].used == 0.70  # the default


async def test_the_forecast_uses_learned_probabilities_once_there_is_enough_history(offline_app):
    await set_deals(offline_app, NOV)
    rep = await staff(offline_app, "zhangwei")
    async with offline_app.db.session() as s:
        acc_id = (await s.execute(select(Account.id).where(Account.short_name == "青禾餐饮"))).scalar_one()
    async with offline_app.db.write() as s:
        for i in range(40):  # negotiation converts at 25% in this org, not the default 70%
            s.add(
                Opportunity(
                    account_id=acc_id,
                    name=f"历史{i}",
                    owner_id=rep.id,
                    amount=1.0,
                    stage_reached="negotiation",
                    stage="closed_won" if i < 10 else "closed_lost",
                    closed_on=date(2025, 6, 1),
                )
            )
    await run_pipeline_nightly(offline_app)
    probs = await learned_probabilities(offline_app)
    assert probs["negotiation"].used == 0.25 and probs["negotiation"].default == 0.70
    text = await ConsoleClient(offline_app, "zhangwei").say("/预测")
    # the 40 deals passed through proposal too, so it converts at 25% as well (qualification: the same);
    # weighted: 30万 won + 100万 × 25% + 40万 × 25% (with the defaults it was 120万)
    assert probs["proposal"].used == 0.25 and probs["proposal"].closed == 40
    assert "加权 65 万" in text


def test_weighted_forecast_counts_overdue_open_deals_and_skips_later_ones():
    probs = learn_probabilities([], 30)
    deals = [
        Deal(1, "proposal", 100.0, date(2026, 10, 1), "commit", None, None),  # overdue: still expected
        Deal(1, "proposal", 100.0, date(2026, 12, 1), "commit", None, None),  # next month
        Deal(1, "closed_won", 50.0, None, None, date(2026, 11, 2), "proposal"),
    ]
    n = forecast_by_owner(deals, date(2026, 11, 1), date(2026, 11, 30), probs)[1]
    assert (n.won, n.commit, n.weighted, n.pipeline) == (50.0, 150.0, 100.0, 100.0)


async def test_weekly_snapshots_are_taken_once_and_accuracy_compares_them_with_what_closed(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))  # a Monday
    async with running_app(tmp_path, clock=clock) as app:
        await set_deals(app, NOV)
        assert await run_forecast_snapshot(app) > 0
        assert await run_forecast_snapshot(app) == 0  # the same week: nothing more
        async with app.db.session() as s:
            snaps = (await s.execute(select(ForecastSnapshot))).scalars().all()
        rep = await staff(app, "zhangwei")
        mine = next(x for x in snaps if x.owner_id == rep.id and x.period == "month")
        assert mine.week_start == date(2026, 11, 2) and mine.won == 300_000.0
        # 华东机械 is won for 80万 in November; 云帆物流 is lost
        async with app.db.write() as s:
            for opp in (await s.execute(select(Opportunity))).scalars().all():
                if opp.amount == 1_000_000.0:
                    opp.stage, opp.amount, opp.closed_on = "closed_won", 800_000.0, date(2026, 11, 20)
                elif opp.amount == 400_000.0:
                    opp.stage, opp.closed_on = "closed_lost", date(2026, 11, 21)
                s.add(opp)
        acc = await forecast_accuracy(app, "month", date(2026, 12, 3), [rep.id])
        # forecast in week 1: weighted 30 + 100×0.7 + 40×0.5 = 120万; commit 30万; actual 110万
        assert acc.periods == 1
        assert acc.by_week[1]["weighted"] == pytest.approx(abs(120 - 110) / 110 * 100)
        assert acc.by_week[1]["commit"] == pytest.approx(abs(30 - 110) / 110 * 100)
        assert (await forecast_accuracy(app, "month", date(2026, 11, 20), [rep.id])).periods == 0  # not over yet


async def test_the_weekly_digest_carries_the_forecast(offline_app):
    await set_deals(offline_app, NOV)
    manager = await staff(offline_app, "wangqiang")
    team = jobs.team_of(await jobs.active_staff(offline_app), manager.id)
    cfg = jobs.config_for(offline_app)
    monday = datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI)
    text = await jobs.manager_digest(offline_app, cfg, manager, team, monday)
    assert "本周销售预测：" in text and "· 11月：已赢 30 万，承诺 80 万" in text
    tuesday = await jobs.manager_digest(offline_app, cfg, manager, team, monday + timedelta(days=1))
    assert "本周销售预测" not in tuesday


async def test_in_period_conversion_is_learned_from_the_deal_snapshots_of_ended_months(tmp_path):
    clock = FrozenClock(datetime(2026, 9, 7, 9, 0, tzinfo=SHANGHAI))  # a Monday, 23 days before September ends
    async with running_app(tmp_path, clock=clock) as app:
        await set_deals(app, {})
        rep = await staff(app, "zhangwei")
        async with app.db.session() as s:
            acc_id = (await s.execute(select(Account.id).where(Account.short_name == "华东机械"))).scalar_one()
        async with app.db.write() as s:
            for i in range(40):
                s.add(
                    Opportunity(
                        account_id=acc_id,
                        name=f"九月{i}",
                        owner_id=rep.id,
                        stage="proposal",
                        amount=10.0,
                        close_date=date(2026, 9, 25),
                    )
                )
        assert await run_forecast_snapshot(app) >= 40
        async with app.db.write() as s:
            deals = (await s.execute(select(Opportunity).where(Opportunity.name.like("九月%")))).scalars().all()
            for opp in deals[:10]:  # 10 of the 40 won inside September
                opp.stage, opp.closed_on, opp.stage_reached = "closed_won", date(2026, 9, 20), "proposal"
                s.add(opp)
            for opp in deals[10:]:  # the rest slipped into October and were lost there
                opp.stage, opp.closed_on, opp.stage_reached = "closed_lost", date(2026, 10, 9), "proposal"
                s.add(opp)
            # a deal nobody had counted on 9月7日, won in September all the same
            s.add(
                Opportunity(
                    account_id=acc_id,
                    name="临时单",
                    owner_id=rep.id,
                    stage="closed_won",
                    amount=40.0,
                    closed_on=date(2026, 9, 28),
                    stage_reached="negotiation",
                )
            )
        clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))  # the same stretch of November (28 days left)
        probs = await learned_probabilities(app, "month", fresh=True)
        # 100 of 400 counted won inside the month, plus 40 won from outside the count: 0.25 + 0.10
        assert probs["proposal"].source == "period" and probs["proposal"].period_rate == pytest.approx(0.35)
        assert probs["proposal"].period_n == 40 and probs["proposal"].learned == pytest.approx(11 / 41)
        clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))  # the last stretch: no snapshot from it yet
        probs = await learned_probabilities(app, "month", fresh=True)
        assert probs["proposal"].source == "learned" and probs["proposal"].period_n == 0


def test_the_migration_adds_and_removes_the_closing_columns_and_snapshot_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "0007_deal_close_forecast")
    engine = sa.create_engine(url)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("opportunity")}
    assert {
        "closed_on",
        "close_reason",
        "close_competitor",
        "close_note",
        "stage_reached",
        "forecast_category",
    } <= columns
    assert {"forecast_snapshot", "forecast_deal_snapshot"} <= set(sa.inspect(engine).get_table_names())
    command.downgrade(cfg, "0007_deal_close_forecast-1")
    engine.dispose()
    engine = sa.create_engine(url)
    assert "closed_on" not in {c["name"] for c in sa.inspect(engine).get_columns("opportunity")}
    assert "forecast_snapshot" not in sa.inspect(engine).get_table_names()
    engine.dispose()


async def test_a_director_sees_each_team_and_an_admin_the_company(offline_app):
    await set_deals(offline_app, NOV)
    text = await ConsoleClient(offline_app, "chenjing").say("/预测")
    assert "【11月 · 团队】" in text and "· 华东组：已赢 30 万 · 承诺 80 万" in text and "· 华南组：已赢 0 元" in text
    assert "· 张伟：" in text and "· 陈敏：" in text
    company = await ConsoleClient(offline_app, "admin").say("/预测")
    assert "【11月 · 全公司】已赢 30 万 · 承诺 80 万" in company
