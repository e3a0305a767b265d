"""Stage playbook end to end: a stage move asks its key questions in one message, the answers land on the deal,
/客户 shows the status per stage, the manager's digest lists deals moved forward without the answers; the same
through words (offline), a confirmed proposal (fake LLM) and an accepted transcript suggestion; the YAML's errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.clock import FrozenClock
from bot.identity import set_staff_id
from bot.models import Account, Opportunity, StaffUser
from scheduler import jobs
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import text, tool_call
from tools.autofill.models import FieldSuggestion
from tools.playbook import split_answers
from tools.playbook.config import PlaybookError, parse_playbook
from tools.playbook.models import DealAnswer, StageMove

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=SH)


async def make_org(app) -> dict:
    async with app.db.write() as s:
        mgr = StaffUser(username="wangqiang", name="王强", role="manager")
        s.add(mgr)
        await s.flush()
        rep = StaffUser(username="zhangwei", name="张伟", role="rep", manager_id=mgr.id, team="华东组")
        s.add(rep)
        await s.flush()
        for user in (mgr, rep):
            await set_staff_id(s, user, "wecom", user.username)
        acc = Account(name="上海华东机械制造有限公司", short_name="华东机械", owner_id=rep.id)
        s.add(acc)
        await s.flush()
        opp = Opportunity(account_id=acc.id, name="华东机械二期扩容", stage="prospecting", owner_id=rep.id)
        s.add(opp)
        await s.flush()
        return {"mgr": mgr.id, "rep": rep.id, "account": acc.id, "opp": opp.id}


async def deal(app, opp_id) -> Opportunity:
    async with app.db.session() as s:
        return await s.get(Opportunity, opp_id)


async def answers(app, opp_id) -> dict[str, str]:
    async with app.db.session() as s:
        rows = (await s.execute(select(DealAnswer).where(DealAnswer.opportunity_id == opp_id))).scalars().all()
    return {r.key: r.answer for r in rows}


def pushes(app) -> list[tuple[str, str]]:
    return [(d.target.user_id, d.reply.text or "") for d in app.adapters["console"].delivered if d.is_push]


async def test_stage_move_by_command_asks_its_questions_records_answers_and_shows_status(tmp_path):
    clock = FrozenClock(MONDAY)
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app)
        rep = ConsoleClient(app, "zhangwei")
        said = await rep.say("/阶段 华东机械 报价")
        assert "从「初步接触」改到「报价」" in said
        # one message with every open question of 需求确认, 方案沟通 and 报价 (the default playbook)
        assert "还差 6 个关键问题" in said
        for q in ("客户要解决的核心问题是什么？", "预算大概多少？", "谁最终拍板？", "还有哪些竞品在比？"):
            assert q in said
        assert (await deal(app, org["opp"])).stage == "proposal"

        said = await rep.say(
            "1. 销售过程不透明，线索跟丢\n2. 五十万左右\n3. 周总\n4. 不清楚\n5. 实施周期和移动端\n6. 纷享销客"
        )
        assert "记到商机上了" in said and "还差：计划什么时候定下来、什么时候上线？" in said
        opp = await deal(app, org["opp"])
        assert opp.need == "销售过程不透明，线索跟丢" and opp.budget == 500000 and opp.economic_buyer == "周总"
        assert opp.competition == "纷享销客" and opp.timeline is None
        assert set(await answers(app, org["opp"])) == {
            "need",
            "budget",
            "economic_buyer",
            "decision_criteria",
            "competition",
        }

        summary = await rep.say("/客户 华东机械")
        assert (
            "关键问题：需求确认 ✓2/2 · 方案沟通 ✗1/2（缺：计划什么时候定下来、什么时候上线？） · 报价 ✓2/2" in summary
        )

        # the manager's digest at 18:00 lists the deal that moved forward without all answers
        clock.set(datetime(2026, 11, 30, 18, 0, tzinfo=SH))
        await jobs.run_digests(app)
        await app.drain()
        digest = [t for who, t in pushes(app) if who == "wangqiang"]
        assert len(digest) == 1
        assert "推进了但关键问题没答（1）" in digest[0]
        assert "华东机械二期扩容（张伟，→报价）缺：计划什么时候定下来、什么时候上线？" in digest[0]

        # answered later with /关键问题: the next day's digest has nothing to say about it
        said = await rep.say("/关键问题 华东机械")
        assert "✗ 计划什么时候定下来、什么时候上线？" in said and "还差一个关键问题" in said
        said = await rep.say("12月底定，明年一月上线")
        assert "记到商机上了" in said
        assert (await deal(app, org["opp"])).timeline == "12月底定，明年一月上线"
        assert "✓" in (await rep.say("/客户 华东机械")) and "缺：" not in (await rep.say("/客户 华东机械"))


async def test_a_move_back_or_with_everything_answered_asks_nothing_and_skip_is_listed_in_the_digest(tmp_path):
    clock = FrozenClock(MONDAY)
    async with running_app(tmp_path, demo=False, clock=clock) as app:
        org = await make_org(app)
        async with app.db.write() as s:
            opp = await s.get(Opportunity, org["opp"])
            opp.need, opp.budget = "线索管理", 300000.0  # filled earlier (e.g. from a transcript)
            s.add(opp)
        rep = ConsoleClient(app, "zhangwei")
        said = await rep.say("/阶段 华东机械 需求确认")
        assert "已把" in said and "关键问题" not in said
        said = await rep.say("/阶段 华东机械 方案沟通")
        assert "还差 2 个关键问题" in said
        assert "先跳过" in await rep.say("跳过")
        said = await rep.say("/阶段 华东机械 初步接触")  # a step back asks nothing
        assert "关键问题" not in said
        async with app.db.session() as s:
            moves = (await s.execute(select(StageMove).order_by(StageMove.id))).scalars().all()
        assert [(m.to_stage, m.forward, m.missing) for m in moves] == [
            ("qualification", True, []),
            ("needs_analysis", True, ["economic_buyer", "timeline"]),
            ("prospecting", False, []),
        ]
        # the deal went back, so it is no longer "moved forward without answers"... until it moves again
        said = await rep.say("/阶段 华东机械 方案沟通")
        assert "还差 2 个关键问题" in said
        clock.set(datetime(2026, 11, 30, 18, 0, tzinfo=SH))
        await jobs.run_digests(app)
        await app.drain()
        digest = [t for who, t in pushes(app) if who == "wangqiang"][0]
        assert "华东机械二期扩容（张伟，→方案沟通）缺：谁最终拍板？；计划什么时候定下来、什么时候上线？" in digest


async def test_stage_move_in_words_offline_is_confirmed_then_asks(tmp_path):
    async with running_app(tmp_path, demo=False, clock=FrozenClock(MONDAY)) as app:
        org = await make_org(app)
        rep = ConsoleClient(app, "zhangwei")
        said = await rep.say("华东机械推进到需求确认阶段了")
        assert "要改商机阶段吗" in said and "初步接触 → 需求确认" in said
        assert (await deal(app, org["opp"])).stage == "prospecting"
        said = await rep.say("是")
        assert "改到「需求确认」" in said and "还差 2 个关键问题" in said
        said = await rep.say("上线CRM管理经销商；预算八十万")
        assert (await deal(app, org["opp"])).budget == 800000
        assert (await answers(app, org["opp"]))["need"] == "上线CRM管理经销商"


async def test_stage_move_through_a_confirmed_proposal_asks_the_questions(tmp_path, fake_llm):
    fake_llm.script(tool_call("set_stage", account_name="华东机械", stage="商务谈判"), text("请确认。"))
    env = dict(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")
    async with running_app(tmp_path, demo=False, clock=FrozenClock(MONDAY), **env) as app:
        org = await make_org(app)
        rep = ConsoleClient(app, "zhangwei")
        said = await rep.say("华东机械已经进入商务谈判了")
        assert "改商机阶段：华东机械二期扩容" in said and "初步接触 → 商务谈判" in said
        assert (await deal(app, org["opp"])).stage == "prospecting"  # nothing written before 是
        said = await rep.say("是")
        assert "改到「商务谈判」" in said and "还差 7 个关键问题" in said
        opp = await deal(app, org["opp"])
        assert opp.stage == "negotiation" and opp.updated_source == "AGENT"
        assert "已经改好了" in await rep.say("是")  # a double 「是」 is not taken as an answer
        # the next message answers the questions (it does not reach the model, which has no more script)
        said = await rep.say("1、数字化转型\n2、100万\n3、李总\n4、年底\n5、服务\n6、销售易\n7、法务审合同后盖章")
        assert "记到商机上了" in said and "还差" not in said
        assert (await deal(app, org["opp"])).paper_process == "法务审合同后盖章"


def test_split_answers_numbered_lines_and_semicolons():
    assert split_answers("1. 甲 2. 乙 3. 丙", 3) == {0: "甲", 1: "乙", 2: "丙"}
    assert split_answers("甲\n乙", 3) == {0: "甲", 1: "乙"}
    assert split_answers("甲；乙；丙", 3) == {0: "甲", 1: "乙", 2: "丙"}
    assert split_answers("二、乙", 2) == {1: "乙"}
    assert split_answers("1. 五十万", 1) == {0: "五十万"}


def test_playbook_errors_are_chinese_and_name_the_place():
    with pytest.raises(PlaybookError, match="阶段「报价单」不认识"):
        parse_playbook("stages:\n  报价单:\n    - key: a\n      question: 问？\n")
    with pytest.raises(PlaybookError, match="「报价」第 2 个问题：key「a」和「报价」重复了"):
        parse_playbook("stages:\n  报价:\n    - key: a\n      question: 问？\n    - key: a\n      question: 再问？\n")
    with pytest.raises(PlaybookError, match="field「money」不是商机字段"):
        parse_playbook("stages:\n  proposal:\n    - key: b\n      question: 问？\n      field: money\n")
    with pytest.raises(PlaybookError, match="第 3 行不是合法的 YAML：请检查"):
        parse_playbook("stages:\n  报价: [\n")
    ok = parse_playbook("stages:\n  报价:\n    - key: roi\n      question: 客户怎么算回报？\n")
    assert [q.key for _, q in ok.due_at("negotiation")] == ["roi"]


async def test_stage_move_through_an_accepted_transcript_suggestion_asks_the_questions(tmp_path):
    transcript = (
        Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "autofill" / "01_huadong_onsite.txt"
    ).read_text(encoding="utf-8")
    async with running_app(tmp_path) as app:  # demo data: 华东机械 belongs to zhangwei
        async with app.db.write() as s:
            account = (await s.execute(select(Account).where(Account.short_name == "华东机械"))).scalars().one()
            opp = (await s.execute(select(Opportunity).where(Opportunity.account_id == account.id))).scalars().one()
            opp.stage, opp.economic_buyer, opp.budget, opp.need = "qualification", None, None, None
            s.add(opp)
        rep = ConsoleClient(app, "zhangwei")
        out = await rep.say("/纪要 " + transcript)
        assert "商机阶段" in out
        out = await rep.say("c1")  # accept all
        moved = await deal(app, opp.id)
        assert moved.stage == "negotiation"
        # what the transcript already filled (the decision maker, the budget, the timeline) is not asked again
        assert "还差 4 个关键问题" in out and "签约要走哪些流程（法务、采购、盖章）？" in out
        assert "谁最终拍板？" not in out and moved.economic_buyer
        async with app.db.session() as s:
            move = (await s.execute(select(StageMove))).scalars().one()
        assert move.source == "AGENT" and move.from_stage == "qualification" and "paper_process" in move.missing
        said = await rep.say("跳过")
        assert "先跳过" in said


async def test_a_misbehaving_model_wrong_argument_names_and_an_unknown_stage(tmp_path, fake_llm):
    fake_llm.script(
        tool_call("set_stage", customer="华东机械", new_stage="签合同中"),  # not a stage: back to the model
        tool_call("set_stage", customer="华东机械", new_stage="谈判阶段"),
        text("<think>要确认</think>请确认改阶段。"),
    )
    env = dict(OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")
    async with running_app(tmp_path, demo=False, clock=FrozenClock(MONDAY), **env) as app:
        org = await make_org(app)
        rep = ConsoleClient(app, "zhangwei")
        said = await rep.say("华东机械在签合同了")
        assert "不是销售阶段" in str(fake_llm.requests[1]["messages"][-1]["content"])
        assert "初步接触 → 商务谈判" in said and "<think>" not in said and "不是销售阶段" not in said
        said = await rep.say("是")
        assert (await deal(app, org["opp"])).stage == "negotiation" and "关键问题" in said


async def test_with_a_transcript_review_still_open_the_questions_are_listed_not_asked(tmp_path):
    transcript = (
        Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "autofill" / "01_huadong_onsite.txt"
    ).read_text(encoding="utf-8")
    async with running_app(tmp_path) as app:
        async with app.db.write() as s:
            account = (await s.execute(select(Account).where(Account.short_name == "华东机械"))).scalars().one()
            opp = (await s.execute(select(Opportunity).where(Opportunity.account_id == account.id))).scalars().one()
            opp.stage = "qualification"
            s.add(opp)
        rep = ConsoleClient(app, "zhangwei")
        await rep.say("/纪要 " + transcript)
        async with app.db.session() as s:
            stage_seq = (
                await s.execute(select(FieldSuggestion.seq).where(FieldSuggestion.field == "stage"))
            ).scalar_one()
        out = await rep.say(f"接受 {stage_seq}")
        assert (await deal(app, opp.id)).stage == "negotiation"
        assert "还差关键问题：" in out and "方便时发「/关键问题 华东机械」补上" in out
        out = await rep.say("拒绝 1 不对")  # the review goes on: its question was not taken over
        assert "不写入" in out
