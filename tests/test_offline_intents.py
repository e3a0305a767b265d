"""Plain Chinese without an LLM (offline mode, or the LLM down): everyday requests are recognised, and
anything that writes asks first."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import func, select

from bot.models import Account, PendingAction, StaffUser, Task, Visit
from tests.conftest import SHANGHAI, ConsoleClient
from tests.fakes.openai_server import error

VISIT = "今天拜访了华东机械的李总，聊了二期扩容，下周三前要发报价"


async def count(app, model, *where) -> int:
    async with app.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def new_visits(app) -> list[Visit]:
    async with app.db.session() as s:
        return (await s.execute(select(Visit).where(Visit.created_source != "IMPORT"))).scalars().all()


async def test_a_visit_told_in_words_is_shown_then_recorded_on_yes(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    proposal = await rep.say(VISIT)
    assert "像是一条拜访记录" in proposal and "客户：上海华东机械制造有限公司" in proposal
    assert "见到：李总" in proposal and "下一步：发报价，截止 12月2日（周三）" in proposal
    assert await new_visits(offline_app) == []  # nothing is written before the rep says yes

    answer = await rep.say("是")
    assert "已记录：上海华东机械制造有限公司 · 11月23日（周一）拜访（李总）" in answer
    (visit,) = await new_visits(offline_app)
    assert visit.summary == VISIT and visit.attendees == ["李总"] and visit.created_source == "MANUAL"
    async with offline_app.db.session() as s:
        task = (await s.execute(select(Task).where(Task.visit_id == visit.id))).scalars().one()
    assert task.title == "发报价" and task.due_date == date(2026, 12, 2)

    await rep.say("是")  # a second yes has nothing left to confirm
    assert len(await new_visits(offline_app)) == 1


async def test_a_visit_proposal_declined_writes_nothing(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    assert "像是一条拜访记录" in await rep.say("昨天和云帆物流的王经理打了个电话，他们下周要内部评估")
    assert (await rep.say("不对")).startswith("好，没记。")
    assert await new_visits(offline_app) == []
    assert await count(offline_app, PendingAction, PendingAction.status == "open") == 0


async def test_a_phone_call_is_recorded_as_one(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    await rep.say("昨天和云帆物流的王经理打了个电话，他们下周要内部评估")
    await rep.say("好的")
    (visit,) = await new_visits(offline_app)
    assert visit.channel == "phone" and visit.visit_date == date(2026, 11, 22)


async def test_two_customers_with_the_same_name_are_not_guessed(offline_app):
    async with offline_app.db.write() as s:
        owner = (await s.execute(select(StaffUser).where(StaffUser.username == "zhangwei"))).scalars().one()
        s.add(Account(name="苏州华东机械有限公司", short_name="华东机械", owner_id=owner.id))
        s.add(Account(name="无锡华东机械有限公司", short_name="华东机械", owner_id=owner.id))
    answer = await ConsoleClient(offline_app, "zhangwei").say("今天拜访了华东机械，聊了报价")
    assert "/拜访 客户全称 内容" in answer and "苏州华东机械有限公司" in answer
    assert await count(offline_app, PendingAction, PendingAction.status == "open") == 0


async def test_another_reps_customer_is_not_recognised(offline_app):
    # 华东机械 belongs to 张伟; 李娜 cannot log a visit there, so nothing is proposed
    answer = await ConsoleClient(offline_app, "lina").say(VISIT)
    assert "像是一条拜访记录" not in answer
    assert await count(offline_app, PendingAction) == 0


async def test_a_reminder_asked_for_in_words_becomes_a_task_on_yes(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    proposal = await rep.say("帮我约下周二下午三点给金陵医药打电话")
    assert "要建这个待办吗？" in proposal
    assert "给金陵医药打电话（南京金陵医药集团），12月1日（周二） 15:00 提醒你" in proposal
    assert await count(offline_app, Task, Task.title == "给金陵医药打电话") == 0
    assert "已建待办" in await rep.say("确认")
    async with offline_app.db.session() as s:
        task = (await s.execute(select(Task).where(Task.title == "给金陵医药打电话"))).scalars().one()
        account = await s.get(Account, task.account_id)
    assert account.name == "南京金陵医药集团"
    assert task.due_at.astimezone(SHANGHAI) == datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI)


async def test_asking_for_tasks_and_customers_in_words(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    await rep.say("/任务 周五给金陵医药发方案")
    assert "你的待办：" in (listing := await rep.say("我这周有哪些待办")) and "给金陵医药发方案" in listing
    for question in ("华东机械最近怎么样", "华东机械"):
        answer = await rep.say(question)
        assert "【上海华东机械制造有限公司】" in answer and "负责人 张伟" in answer, question


async def test_what_is_not_recognised_still_gets_the_help(offline_app):
    answer = await ConsoleClient(offline_app, "zhangwei").say("帮我看看今天该干嘛")
    assert "我没太明白" in answer and "/拜访" in answer


async def test_with_the_llm_down_a_visit_is_still_understood(llm_app, fake_llm):
    fake_llm.script(error(503, times=3, retry_after=0.01))  # the first call and its 2 retries
    rep = ConsoleClient(llm_app, "zhangwei")
    proposal = await rep.say(VISIT)
    assert "AI 暂时连不上" in proposal and "客户：上海华东机械制造有限公司" in proposal
    assert "已记录" in await rep.say("是")
    assert len(await new_visits(llm_app)) == 1


async def test_offline_help_says_plain_sentences_work_for_staff_only(offline_app):
    staff_help = await ConsoleClient(offline_app, "zhangwei").say("/帮助")
    assert "常用的也可以直接说" in staff_help and "离线模式" in staff_help
    from bot.messages import Role

    assert "常用的也可以直接说" not in await ConsoleClient(offline_app, "visitor-1", Role.CUSTOMER).say("/帮助")


async def test_approval_status_asked_in_words(offline_app):
    rep, manager = ConsoleClient(offline_app, "zhangwei"), ConsoleClient(offline_app, "wangqiang")
    await rep.say("/审批 华东机械 9折 客户预算卡死")
    mine = await rep.say("我的折扣申请批了没")
    assert "我提交的" in mine and "等王强" in mine
    waiting = await manager.say("有哪些要我审批的")
    assert "等你审批的（1）" in waiting and "张伟申请" in waiting
