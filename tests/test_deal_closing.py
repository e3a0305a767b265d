"""Closing a deal: /赢单 /输单 and the same in words, through the proposal (nothing written before 确认),
the reason asked for when missing, reopening audited; win/loss analysis over what was closed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from bot.models import Account, AuditLog, Opportunity, StaffUser
from scheduler import jobs
from tests.conftest import SHANGHAI, ConsoleClient, running_app
from tools.pipeline import analysis

COMPETITORS = "纷享销客/纷享,销售易/销售e,速工云"


@pytest.fixture
async def app(tmp_path):
    async with running_app(tmp_path, SALESBOT_COMPETITORS=COMPETITORS) as app:
        yield app


async def deal(app, short: str) -> Opportunity:
    async with app.db.session() as s:
        acc = (await s.execute(select(Account).where(Account.short_name == short))).scalars().one()
        return (await s.execute(select(Opportunity).where(Opportunity.account_id == acc.id))).scalars().one()


async def reopen_first(app, short: str) -> Opportunity:
    """The demo closes some deals at random: make this one open, at the proposal stage."""
    d = await deal(app, short)
    async with app.db.write() as s:
        row = await s.get(Opportunity, d.id)
        row.stage, row.amount, row.closed_on, row.forecast_category = "proposal", 500000.0, None, None
        s.add(row)
    return await deal(app, short)


async def test_a_loss_in_words_is_proposed_then_written_with_reason_and_competitor(app):
    await reopen_first(app, "华东机械")
    rep = ConsoleClient(app, "zhangwei")
    answer = await rep.say("华东机械输单了，价格没谈拢，被速工云拿走了")
    assert "输单：上海华东机械制造有限公司" in answer and "原因：价格" in answer and "竞争对手：速工云" in answer
    assert (await deal(app, "华东机械")).stage == "proposal"  # nothing written before 确认
    done = await rep.say("是")
    assert "已记输单" in done and "速工云" in done
    d = await deal(app, "华东机械")
    assert d.stage == "closed_lost" and d.stage_reached == "proposal" and d.close_reason == "价格"
    assert d.close_competitor == "速工云" and d.closed_on == date(2026, 11, 23)
    assert d.lost_reason == "华东机械输单了，价格没谈拢，被速工云拿走了" and "速工云" in d.competitors


async def test_a_win_by_command_records_the_signed_amount_and_date(app):
    await reopen_first(app, "云帆物流")
    rep = ConsoleClient(app, "zhangwei")
    answer = await rep.say("/赢单 云帆物流 48万")
    assert "赢单：杭州云帆物流有限公司" in answer and "签约金额：48 万" in answer
    assert (await deal(app, "云帆物流")).stage == "proposal"
    assert "已记赢单" in await rep.say("确认")
    d = await deal(app, "云帆物流")
    assert (d.stage, d.amount, d.closed_on, d.stage_reached) == ("closed_won", 480000.0, date(2026, 11, 23), "proposal")
    assert d.probability == 100


async def test_a_loss_without_a_reason_is_asked_for_one(app):
    await reopen_first(app, "金陵医药")
    rep = ConsoleClient(app, "zhangwei")
    ask = await rep.say("/输单 金陵医药")
    assert "主要原因是哪一类" in ask and "无决策" in ask
    assert "没听出是哪一类" in await rep.say("唉")
    proposal = await rep.say("时机，他们预算冻结了")
    assert "原因：时机" in proposal
    await rep.say("是")
    d = await deal(app, "金陵医药")
    assert d.stage == "closed_lost" and d.close_reason == "时机"


async def test_reopening_puts_the_stage_back_and_is_audited(app):
    await reopen_first(app, "华东机械")
    rep = ConsoleClient(app, "zhangwei")
    await rep.say("/输单 华东机械 价格太高，选了纷享")
    await rep.say("是")
    assert (await deal(app, "华东机械")).close_competitor == "纷享销客"  # the alias, matched to the profile
    answer = await rep.say("/重开 华东机械 客户又回来谈了")
    assert "重新打开" in answer and "回到 报价" in answer
    await rep.say("是")
    d = await deal(app, "华东机械")
    assert d.stage == "proposal" and d.closed_on is None and d.close_reason is None and d.lost_reason is None
    async with app.db.session() as s:
        audit = (await s.execute(select(AuditLog).where(AuditLog.action == "opportunity.reopen"))).scalars().one()
    assert audit.detail["undone"]["reason"] == "价格" and audit.detail["reason"] == "客户又回来谈了"


async def test_another_reps_deal_cannot_be_closed(app):
    await reopen_first(app, "华东机械")
    answer = await ConsoleClient(app, "lina").say("/赢单 华东机械 10万")
    assert "不是你负责的" in answer
    assert (await deal(app, "华东机械")).stage == "proposal"


async def test_a_question_about_losing_is_not_a_closing(app):
    await reopen_first(app, "东方证券信息")
    answer = await ConsoleClient(app, "zhangwei").say("东方证券信息怕输给销售易，怎么应对")
    assert "输单：" not in answer
    assert (await deal(app, "东方证券信息")).stage == "proposal"


async def _closed(app, rows):
    """(username, won?, closed on, reason, competitor, amount, stage reached) as closed deals."""
    async with app.db.write() as s:
        users = {u.username: u for u in (await s.execute(select(StaffUser))).scalars().all()}
        accounts = {a.owner_id: a for a in (await s.execute(select(Account))).scalars().all()}
        for i, (user, won, day, reason, competitor, amount, reached) in enumerate(rows):
            owner = users[user]
            s.add(
                Opportunity(
                    account_id=accounts[owner.id].id,
                    name=f"历史单{i}",
                    owner_id=owner.id,
                    stage="closed_won" if won else "closed_lost",
                    closed_on=day,
                    close_reason=reason,
                    close_competitor=competitor,
                    amount=amount,
                    stage_reached=reached,
                )
            )


OCT, NOV = date(2026, 10, 15), date(2026, 11, 12)
HISTORY = (
    [("zhangwei", True, OCT, None, None, 300000.0, "negotiation")] * 4
    + [("zhangwei", False, OCT, "时机", None, 200000.0, "proposal")]
    + [("lina", False, OCT, "产品功能", None, 80000.0, "qualification")] * 3
    + [("zhangwei", True, NOV, None, None, 300000.0, "negotiation")]
    + [("zhangwei", False, NOV, "价格", "纷享销客", 300000.0, "proposal")] * 4
    + [("lina", False, NOV, "产品功能", None, 80000.0, "qualification")] * 3
)


async def test_win_loss_by_every_dimension_and_the_biggest_changes(app):
    await _closed(app, HISTORY)
    now = await analysis.closed_deals(app, date(2026, 11, 1), date(2026, 11, 30))
    before = await analysis.closed_deals(app, date(2026, 10, 1), date(2026, 10, 31))
    mine = [r for r in now if r.rep in ("张伟", "李娜")]
    reasons = {g.label: g.lost for g in analysis.breakdown(mine, "reason")}
    assert reasons["价格"] == 4 and reasons["产品功能"] == 3
    assert {g.label: (g.won, g.lost) for g in analysis.breakdown(mine, "competitor")}["纷享销客"] == (0, 4)
    assert {g.label: g.closed for g in analysis.breakdown(mine, "size")}["10万以下"] == 3
    assert {g.label: g.lost for g in analysis.breakdown(mine, "stage")}["报价"] == 4
    assert sum(g.closed for g in analysis.breakdown(mine, "industry")) == 8  # every deal has an industry row
    changes = analysis.biggest_changes(
        [r for r in now if r.rep in ("张伟", "李娜")], [r for r in before if r.rep in ("张伟", "李娜")]
    )
    assert len(changes) == 3
    texts = [c.text() for c in changes]
    assert any("销售「张伟」赢率 80% → 20%（降 60 个点；5 单赢 1，上期 5 单赢 4）" in t for t in texts)


async def test_the_monthly_digest_has_win_loss_and_three_changes(app):
    await _closed(app, HISTORY)
    manager = (await app.db.fetch(select(StaffUser.__table__).where(StaffUser.username == "wangqiang"), {}))[0]
    async with app.db.session() as s:
        manager = await s.get(StaffUser, manager["id"])
    team = jobs.team_of(await jobs.active_staff(app), manager.id)
    text = await jobs.manager_digest(
        app, jobs.config_for(app), manager, team, datetime(2026, 12, 1, 18, 0, tzinfo=SHANGHAI)
    )
    assert "11月赢输单：" in text and "和上月比变化最大的三项：" in text
    assert "销售「张伟」赢率 80% → 20%" in text
    later = await jobs.manager_digest(
        app, jobs.config_for(app), manager, team, datetime(2026, 12, 2, 18, 0, tzinfo=SHANGHAI)
    )
    assert "赢输单" not in later
