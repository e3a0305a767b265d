"""Best time to contact: the model, its explanations, the chat questions, nudges and their feedback."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlmodel import select

from bot.clock import FrozenClock
from bot.messages import CardAction, Inbound, InboundKind
from bot.models import Account, Contact, Interaction, Opportunity, StaffUser, Task
from scheduler import jobs
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import text, tool_call
from tools.contact_times import PRIORS_KEY, PriorTables, refresh_model
from tools.contact_times.best_time import Evidence, fit_priors, score, work_mask

SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)  # TEST_NOW is Monday 10:00


def past(weekday: int, hour: int, weeks_ago: int, minute: int = 20) -> datetime:
    """A moment `weeks_ago` weeks before the test week, on the given weekday (0 = Monday) and hour."""
    day = MONDAY - timedelta(weeks=weeks_ago) + timedelta(days=weekday)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


async def book(app) -> dict:
    """A rep with three customers; 张总 answers on Tuesday/Thursday 10–11, 王总 has no history."""
    async with app.db.write() as s:
        mgr = StaffUser(username="wangqiang", name="王强", role="manager")
        s.add(mgr)
        await s.flush()
        rep = StaffUser(username="zhangwei", name="张伟", role="rep", manager_id=mgr.id)
        other = StaffUser(username="lina", name="李娜", role="rep", manager_id=mgr.id)
        s.add_all([rep, other])
        await s.flush()
        ids = {"rep": rep.id, "other": other.id}
        for key, name, short, owner in (
            ("hd", "上海华东机械制造有限公司", "华东机械", rep.id),
            ("yf", "杭州云帆机床有限公司", "云帆机床", rep.id),
            ("ly", "宁波绿源制造有限公司", "绿源制造", other.id),
        ):
            acc = Account(name=name, short_name=short, industry="制造业", region="华东", owner_id=owner)
            s.add(acc)
            await s.flush()
            ids[key] = acc.id
        zhang = Contact(account_id=ids["hd"], name="张明", title="总经理", deal_role="economic_buyer")
        wang = Contact(account_id=ids["yf"], name="王芳", title="副总经理")
        peer = Contact(account_id=ids["ly"], name="陈刚", title="总经理")
        s.add_all([zhang, wang, peer])
        await s.flush()
        ids.update(zhang=zhang.id, wang=wang.id, peer=peer.id)
        s.add(Opportunity(account_id=ids["hd"], name="华东机械二期", stage="negotiation", owner_id=rep.id))
        s.add(Opportunity(account_id=ids["yf"], name="云帆机床一期", stage="proposal", owner_id=rep.id))
        replies = [(1, 10, 1), (3, 10, 2), (1, 10, 3), (3, 10, 4), (1, 10, 5), (3, 10, 6), (0, 15, 7), (2, 16, 8)]
        for weekday, hour, weeks in replies:
            s.add(
                Interaction(
                    contact_id=zhang.id,
                    account_id=ids["hd"],
                    staff_id=rep.id,
                    occurred_at=past(weekday, hour, weeks),
                    direction="inbound",
                    kind="message",
                )
            )
        # similar contacts (manufacturing executives) answer on Wednesday afternoons at 15:00
        for weeks in range(1, 13):
            s.add(
                Interaction(
                    contact_id=peer.id,
                    account_id=ids["ly"],
                    staff_id=other.id,
                    occurred_at=past(2, 15, weeks),
                    direction="inbound",
                    kind="message",
                )
            )
    return ids


async def test_explanation_quotes_the_contacts_own_answers_and_the_slot_fits(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        await book(app)
        out = await ConsoleClient(app, "zhangwei").say("/最佳时间 张总")
        assert "张总过去 8 次回复中 3 次在周二上午 10–11 点" in out  # the slot's own weekday, not Thursday too
        assert "建议 明天 10:00 联系" in out  # Tuesday 10:00, inside working hours


async def test_a_contact_without_history_gets_the_habit_of_similar_contacts(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        await book(app)
        out = await ConsoleClient(app, "zhangwei").say("/最佳时间 王总 云帆机床")
        assert "王总还没有回复记录，按同类客户（制造业·高管）的习惯，周三下午 3–4 点回复最多" in out
        assert "下午 3–4 点" in out and "11月25日（周三） 15:00" in out


async def test_the_rep_only_sees_their_own_contacts(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        await book(app)
        out = await ConsoleClient(app, "zhangwei").say("/最佳时间 陈总")
        assert "没找到「陈总」" in out


async def test_whom_to_contact_today_ranks_with_times_and_reasons(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 24, 8, 0, tzinfo=SH))  # Tuesday morning
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        await book(app)
        out = await ConsoleClient(app, "zhangwei").say("/联系谁")
        lines = out.splitlines()
        assert lines[0].startswith("今天建议联系这 2 位")
        assert lines[1].startswith("1. 10:00 华东机械 · 张总（商务谈判") and "张总过去 8 次回复中" in lines[2]
        assert "云帆机床 · 王总" in out and "陈" not in out
        clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=SH))  # Saturday
        assert "不是工作日" in await ConsoleClient(app, "zhangwei").say("/联系谁")


async def test_contacts_who_answer_outside_working_hours_get_a_slot_inside_them(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        ids = await book(app)
        async with app.db.write() as s:
            night = Contact(account_id=ids["yf"], name="刘洋", title="采购经理")
            s.add(night)
            await s.flush()
            for weeks in range(1, 9):
                s.add(
                    Interaction(
                        contact_id=night.id, account_id=ids["yf"], occurred_at=past(1, 20, weeks), direction="inbound"
                    )
                )
        out = await ConsoleClient(app, "zhangwei").say("/最佳时间 刘经理")
        assert "不在你的工作时间里" in out and "晚上 8–9 点" in out
        slot = out.split("建议 ")[1].split(" 联系")[0]
        assert 9 <= int(slot.split()[-1].split(":")[0]) < 18


async def test_the_llm_answers_the_chat_questions_through_the_tools(tmp_path, fake_llm):
    async with running_app(
        tmp_path, demo=False, OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="test", SALESBOT_LLM_MODEL="fake"
    ) as app:
        await _chat_questions(app, fake_llm)


async def _chat_questions(llm_app, fake_llm):
    await book(llm_app)
    client = ConsoleClient(llm_app, "zhangwei")
    fake_llm.script(tool_call("whom_to_contact"), text("今天先联系张总，10 点左右。"))
    assert "张总" in await client.say("我今天该联系谁？")
    tool_result = fake_llm.requests[1]["messages"][-1]["content"]
    assert "1. 15:00 华东机械 · 张总" in tool_result
    # one Monday-afternoon reply is no habit: today's slot is explained by similar contacts, not Tue/Thu numbers
    assert "张总周一下午的回复还少（1 次），按同类客户（制造业·高管）的习惯" in tool_result
    fake_llm.script(tool_call("best_time_to_contact", contact="张总"), text("张总周二、周四上午 10 点最好。"))
    assert "周二" in await client.say("张总什么时候联系最好？")
    assert "明天 10:00" in fake_llm.requests[3]["messages"][-1]["content"]
    fake_llm.script(
        tool_call("create_task", title="跟进华东机械", due="周五下午", account_name="华东机械"),
        text("好的，周五下午两点提醒你。"),
    )
    proposed = await client.say("提醒我周五下午跟进华东机械")
    # the model proposes the task; it is written when the rep confirms
    assert "11月27日（周五） 14:00 提醒" in proposed
    async with llm_app.db.session() as s:
        assert (await s.execute(select(Task))).scalars().all() == []
    assert "已建待办" in await client.say("是")
    async with llm_app.db.session() as s:
        task = (await s.execute(select(Task))).scalars().one()
    assert task.due_at == datetime(2026, 11, 27, 14, 0, tzinfo=SH)
    llm_app.clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=SH))
    assert await jobs.run_reminders(llm_app) == 1
    await llm_app.drain()
    assert any("跟进华东机械" in line and "14:00" in line for line in llm_app.console_lines if "[推送" in line)


async def test_nudge_goes_out_ahead_of_the_slot_and_the_reps_answer_feeds_the_model(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 24, 8, 40, tzinfo=SH))  # Tuesday
    async with running_app(tmp_path, demo=False, clock=clock, SALESBOT_NUDGE_LEAD_MINUTES="30") as app:
        ids = await book(app)
        assert await jobs.run_briefs(app) == 2  # both reps; the brief fixes today's plan
        await app.drain()
        brief = next(line for line in app.console_lines if line.startswith("[推送 → zhangwei]"))
        assert "10:00 华东机械 · 张总" in brief
        clock.set(datetime(2026, 11, 24, 9, 29, tzinfo=SH))
        assert await jobs.run_nudges(app) == 0
        clock.set(datetime(2026, 11, 24, 9, 30, tzinfo=SH))
        assert await jobs.run_nudges(app) >= 1
        await app.drain()
        nudge_line = next(line for line in app.console_lines if "前后联系张总" in line)
        assert nudge_line.startswith("[推送 → zhangwei] ") and "10:00 前后联系张总" in nudge_line
        assert "张总过去 8 次回复中 3 次在周二上午" in nudge_line
        assert await jobs.run_nudges(app) == 0  # once
        clock.set(datetime(2026, 11, 24, 10, 5, tzinfo=SH))
        client = ConsoleClient(app, "zhangwei")

        def press(msg_id: str) -> Inbound:
            return Inbound(
                platform="console",
                msg_id=msg_id,
                sender_id="zhangwei",
                conversation_id="zhangwei",
                kind=InboundKind.CARD_ACTION,
                card_action=CardAction(f"nudge-{ids['rep']}-{ids['zhang']}-20261124", "answered"),
            )

        assert "记下了，有回复" in await client.deliver(press("p1"))  # 已联系，有回复
        assert "已经记录过" in await client.deliver(press("p2"))
        assert "这条提醒是发给别的同事的" in await ConsoleClient(app, "lina").deliver(
            Inbound(
                platform="console",
                msg_id="p3",
                sender_id="lina",
                conversation_id="lina",
                kind=InboundKind.CARD_ACTION,
                card_action=press("x").card_action,
            )
        )
        async with app.db.session() as s:
            rows = (
                (
                    await s.execute(
                        select(Interaction).where(Interaction.contact_id == ids["zhang"]).order_by(Interaction.id)
                    )
                )
                .scalars()
                .all()
            )
        nudge = [r for r in rows if r.kind == "nudge"]
        calls = [r for r in rows if r.kind == "call"]
        assert len(nudge) == 1 and nudge[0].answered is True
        assert len(calls) == 1 and calls[0].answered is True and calls[0].direction == "outbound"
        out = await client.say("/最佳时间 张总")
        assert "过去 9 次回复中 4 次在周二上午" in out  # the answered call counts as a reply on Tuesday 10:00


def test_unanswered_attempts_lower_a_slot_and_priors_carry_cold_contacts():
    # contact 0: replies spread over Mon 10 and Wed 15, but Mon 10 keeps going unanswered
    contact = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], dtype=np.int32)
    bins = np.array([10, 2 * 24 + 15, 10, 2 * 24 + 15, 10, 10, 10, 3 * 24 + 9, 3 * 24 + 9, 3 * 24 + 9], dtype=np.int16)
    positive = np.array([1, 1, 1, 1, 0, 0, 0, 1, 1, 1], dtype=np.float32)
    ev = Evidence(contact, bins, positive, 1 - positive)
    segs = [np.array([0, 0, 0], dtype=np.int32)]
    priors = fit_priors(3, ev, segs, [1])
    scores = score(3, ev, priors.for_contacts(segs))
    allowed = work_mask()
    best = np.where(allowed[None, :], scores, -1).argmax(axis=1)
    assert best[0] == 2 * 24 + 15  # Wednesday 15:00 beats the Monday slot they rarely answer
    assert best[1] == 3 * 24 + 9
    assert best[2] == 3 * 24 + 9  # no history: the segment's habit


async def test_the_nightly_refresh_stores_the_priors(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        await book(app)
        assert await jobs.run_contact_model(app) == 20
        tables = PriorTables.from_json(await app.kv.get(PRIORS_KEY))
        assert tables.contacts == 3 and abs(float(tables.book.sum()) - 1) < 1e-3
        assert set(tables.segments["title"]) == {"高管"}
        refreshed = await refresh_model(app)
        assert refreshed.interactions == 20
