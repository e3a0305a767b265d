"""「我这个月怎么样」 per level, the data-health fix flow through proposals, snoozing rules by command."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import select

from bot.clock import FrozenClock
from bot.models import Account, AuditLog, Contact, Opportunity, StaffUser
from scheduler import kpi_jobs
from tests.conftest import ConsoleClient, running_app
from tests.kpi_support import at, make_sales_org
from tools.kpi.health import health_for
from tools.kpi.models import AlertSnooze


async def test_a_rep_sees_their_own_month_a_manager_the_team_a_director_everything(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16))) as app:
        await make_sales_org(app)
        rep = await ConsoleClient(app, "zhangwei").say("我这个月怎么样")
        assert "2026年12月到今天（时间已过 52%）" in rep
        assert "目标 100 万，赢单 31 万（1 单），完成率 31%，比时间进度慢 21 个百分点" in rep
        assert "拜访 1 次" in rep and "进行中商机 2 个，共 40 万" in rep
        assert "李娜" not in rep and "陈敏" not in rep
        assert "你的客户资料完整度" in rep and "缺 1 个商机的金额" in rep and "回复「补资料」" in rep

        manager = await ConsoleClient(app, "wangqiang").say("团队这个月怎么样？")
        assert "华东组" in manager and "目标 200 万（16%）" in manager
        assert (
            "· 张伟：赢单 31 万 / 目标 100 万（31%）" in manager and "· 李娜：赢单 0 元 / 目标 50 万（0%）" in manager
        )
        assert "陈敏" not in manager and "进度明显落后于时间的：张伟、李娜" in manager

        director = await ConsoleClient(app, "chenjing").say("/业绩")
        assert "全公司" in director and "【华东组】" in director and "【华南组】" in director
        assert (
            "合计：赢单 81 万 / 目标 280 万（29%）" in director and "· 陈敏：赢单 50 万 / 目标 80 万（62%）" in director
        )

        one = await ConsoleClient(app, "wangqiang").say("张伟这个月怎么样")
        assert "📊 张伟" in one and "完成率 31%" in one and "李娜" not in one
        refused = await ConsoleClient(app, "zhangwei").say("/业绩 李娜")
        assert "没找到你能看的同事「李娜」" in refused
        quarter = await ConsoleClient(app, "zhangwei").say("/业绩 季度")
        assert "2026年第4季度到今天" in quarter and "这个期间还没设目标" in quarter


async def test_fixing_records_one_by_one_goes_through_the_proposal(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16))) as app:
        ids = await make_sales_org(app)
        rep = ConsoleClient(app, "zhangwei")
        ask = await rep.say("补资料")
        assert "还差 5 条" in ask and "「金陵医药 · HIS 集成」缺商机金额：金额是多少？" in ask

        wrong = await rep.say("不太清楚大概吧")
        assert "没看懂金额" in wrong and "「金陵医药 · HIS 集成」缺商机金额" in wrong
        proposal = await rep.say("三十五万")
        assert "要写入的内容（还没写）" in proposal and "商机金额：35 万" in proposal
        async with app.db.session() as s:
            assert (await s.get(Opportunity, ids["gap_zw"])).amount is None  # nothing written before 确认
        done = await rep.say("是")
        assert "已补上「金陵医药 · HIS 集成」的商机金额：35 万" in done and "还有 4 条要补" in done
        async with app.db.session() as s:
            opp = await s.get(Opportunity, ids["gap_zw"])
            assert opp.amount == 350000 and opp.updated_by_id == ids["zhangwei"]
            audit = (await s.execute(select(AuditLog).where(AuditLog.action == "kpi.fix"))).scalars().one()
            assert audit.detail["field"] == "amount" and audit.record_id == ids["gap_zw"]

        ask = await rep.say("/补资料")
        assert "缺预计成交日期" in ask
        skipped = await rep.say("跳过")
        assert "缺商机阶段" not in skipped and "缺下一步" in skipped
        await rep.say("下周三发正式报价")
        assert "已补上" in await rep.say("确认")
        async with app.db.session() as s:
            assert (await s.get(Opportunity, ids["gap_zw"])).next_step == "下周三发正式报价"
        stop = await rep.say("/补资料")
        assert "缺预计成交日期" in stop
        assert "先不补了" in await rep.say("算了")

        # a rep cannot fix someone else's record, even by handing the tool the id
        other = await ConsoleClient(app, "chenmin").say("补资料")
        assert "HIS 集成" not in other


async def test_alert_rules_can_be_paused_and_resumed_in_chat(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16))) as app:
        await make_sales_org(app)
        lina = ConsoleClient(app, "lina")
        listing = await lina.say("/预警")
        assert "· 目标进度落后" in listing and "· 连续3天无新增跟进" in listing
        paused = await lina.say("/预警 暂停 连续3天无新增跟进 10")
        assert "「连续3天无新增跟进」12月26日" in paused
        assert "没有叫「不存在」的预警规则" in await lina.say("/预警 暂停 不存在")
        assert "1 到 90 天" in await lina.say("/预警 暂停 目标进度落后 400")
        async with app.db.session() as s:
            rows = (await s.execute(select(AlertSnooze))).scalars().all()
        assert [(r.rule_name, str(r.until)) for r in rows] == [("连续3天无新增跟进", "2026-12-26")]
        assert "恢复提醒了" in await lina.say("/预警 恢复 连续3天无新增跟进")
        async with app.db.session() as s:
            assert (await s.execute(select(AlertSnooze))).scalars().all() == []


async def test_health_finds_gaps_duplicates_and_stale_deals(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16))) as app:
        ids = await make_sales_org(app)
        async with app.db.write() as s:
            s.add(Account(name="华东机械制造", owner_id=ids["zhangwei"], industry="制造业"))  # the same company again
            s.add(Contact(account_id=ids["华东机械"], name="李总", phone="138 0013 8000"))
            s.add(
                Opportunity(
                    account_id=ids["华东机械"],
                    owner_id=ids["zhangwei"],
                    name="续约",
                    stage="proposal",
                    amount=80000,
                    close_date=date(2026, 12, 1),
                    next_step="催合同",
                    updated_at=datetime(2026, 12, 10, tzinfo=timezone.utc),
                )
            )
            s.add(
                Opportunity(
                    account_id=ids["华东机械"],
                    owner_id=ids["zhangwei"],
                    name="老项目",
                    stage="qualification",
                    amount=50000,
                    close_date=date(2027, 3, 1),
                    next_step="等预算",
                    updated_at=datetime(2026, 8, 1, tzinfo=timezone.utc),
                )
            )
        async with app.db.session() as s:
            zw = await s.get(StaffUser, ids["zhangwei"])
        h = (await health_for(app.db, [zw], date(2026, 12, 16), stale_days=60))[ids["zhangwei"]]
        assert ("客户", "疑似重复的客户：上海华东机械制造有限公司、华东机械制造") in h.duplicates
        assert ("联系人", "疑似重复的联系人：李总、李总") in h.duplicates
        assert any("续约：预计成交日期 12-01 已过" in t for t in h.stale)
        assert any("老项目：137 天没有更新" in t for t in h.stale)
        # 4 open deals × 4 fields, 3 contacts, 3 customers = 22 checks, 5 missing
        assert (h.filled, h.total) == (17, 22) and h.completeness == 77


async def test_a_broken_alert_rules_file_is_told_not_crashed(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16, 10, 35))) as app:
        await make_sales_org(app)
        (tmp_path / "data" / "alert_rules.yaml").write_text("rules: [\n", encoding="utf-8")
        assert await kpi_jobs.run_kpi_alerts(app) == 0
        assert "预警规则文件有误" in await ConsoleClient(app, "lina").say("/预警")
        assert "完成率 31%" in await ConsoleClient(app, "zhangwei").say("我这个月怎么样")  # numbers still answer
