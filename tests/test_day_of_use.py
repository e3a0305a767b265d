"""A day of use, tried as a new user would (offline, frozen clock on a Monday, demo data): the rough edges
reps, managers and admins tripped over, each shown fixed through the console channel."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from bot import replies
from bot.clock import FrozenClock, aware
from tests.conftest import SHANGHAI, ConsoleClient, running_app
from tools.approvals.models import ApprovalStep

# --- 8. the offline note: once per conversation and day, never under a sentence that worked -------------


async def test_the_offline_note_is_said_once_a_day_and_not_after_a_sentence_that_worked(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    async with running_app(tmp_path, clock=clock) as app:
        rep = ConsoleClient(app, "zhangwei")
        listing = await rep.say("我有哪些待办")
        assert "你的待办" in listing or "没有未完成的待办" in listing
        assert replies.OFFLINE_NOTE not in listing  # it worked: no excuse needed
        first = await rep.say("帮我看看今天该干嘛")
        assert "我没太明白" in first and replies.OFFLINE_NOTE in first
        again = await rep.say("帮我看看今天该干嘛")
        assert "我没太明白" in again and replies.OFFLINE_NOTE not in again  # said once today is enough
        # another person's conversation gets its own note
        assert replies.OFFLINE_NOTE in await ConsoleClient(app, "lina").say("帮我看看今天该干嘛")
        clock.advance(days=1)
        assert replies.OFFLINE_NOTE in await rep.say("帮我看看今天该干嘛")  # a new day, said once more


# --- 11. approval time limits start with the working day, not at midnight ---------------------------------


async def test_a_sunday_vip_request_is_due_four_working_hours_after_monday_morning(tmp_path):
    sunday = datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI)
    async with running_app(tmp_path, clock=FrozenClock(sunday)) as app:
        answer = await ConsoleClient(app, "zhangwei").say("/审批 金陵医药 8折 客户集团统一采购")
        assert "快速通道" in answer, answer
        async with app.db.session() as s:
            (step,) = (await s.execute(select(ApprovalStep))).scalars().all()
        assert step.time_limit_hours == 4
        assert aware(step.due_at).astimezone(SHANGHAI) == datetime(2026, 12, 7, 13, 0, tzinfo=SHANGHAI)
        assert "12月7日 04:00" not in answer
