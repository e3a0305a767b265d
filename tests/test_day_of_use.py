"""A day of use, tried as a new user would (offline, frozen clock on a Monday, demo data): the rough edges
reps, managers and admins tripped over, each shown fixed through the console channel."""

from __future__ import annotations

import ast
import html
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot import replies
from bot.clock import FrozenClock, aware
from bot.messages import Role
from bot.models import Account, Contact, Interaction, StaffUser, Task, Visit
from salesbot.admin import rules_store
from scheduler import jobs
from tests.admin_support import make_accounts, serving, signed_in
from tests.conftest import SHANGHAI, ConsoleClient, running_app
from tools.approvals.models import ApprovalAssignment, ApprovalRequest, ApprovalStep

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


# --- 4. every sentence a push or a help text suggests is understood offline -----------------------------

ROOT = Path(__file__).resolve().parent.parent
SUGGESTING = [ROOT / "scheduler/jobs.py", ROOT / "bot/replies.py", ROOT / "agents/offline.py"]
SUGGESTING += sorted((ROOT / "tools").rglob("*.py"))
# quoted text that only means something while a question is open
IN_CONTEXT = {
    "tools/autofill/review.py": "answers to an open review of suggested CRM updates (accept/modify/reject by number)",
    "tools/proposals/chat.py": "corrections to an open proposal (「改成下周四」), tested in tests/test_proposals.py",
    "tools/cards/chat.py": "corrections to an open business-card proposal (「姓名是张伟」), tested in tests/test_cards.py",
}
_QUOTED = re.compile(r"(回复|点)?「([^」]+)」")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _shown_strings(tree: ast.AST):
    """String literals people read: not docstrings, not descriptions written for the model."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            hidden.add(id(body[0].value))
        if isinstance(node, ast.keyword) and node.arg == "description":
            hidden.update(id(sub) for sub in ast.walk(node.value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "tool":
            hidden.update(id(sub) for arg in node.args for sub in ast.walk(arg))  # router.tool(name, description)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in hidden:
            yield node.value


def suggested_sentences() -> dict[str, str]:
    """Every 「…」 sentence the bot's own texts suggest typing, with the file it comes from. Not: commands
    (/…), answers to a question (回复「是」), single values shown as a format (「2026-12-01」)."""
    found: dict[str, str] = {}
    for path in SUGGESTING:
        rel = path.relative_to(ROOT).as_posix()
        for text in _shown_strings(ast.parse(path.read_text(encoding="utf-8"))):
            for m in _QUOTED.finditer(text):
                quoted = m.group(2)
                if m.group(1) or quoted.startswith(("/", "／")) or len(quoted) < 5 or len(_CJK.findall(quoted)) < 4:
                    continue
                found.setdefault(quoted, rel)
                if "您" in text:  # the bot says 您 to customers and 你 to colleagues
                    CUSTOMER_SUGGESTIONS.add(quoted)
    return found


CUSTOMER_SUGGESTIONS: set[str] = set()  # filled by suggested_sentences(): walked as a customer


def test_the_collector_finds_the_suggestions_people_were_given():
    found = suggested_sentences()
    assert found["我今天该联系谁？"] == "scheduler/jobs.py"
    assert {"我有哪些待办", "周五下午3点提醒我跟进金陵医药", "华东机械的李总什么时候联系最好"} <= set(found)
    assert "华东机械申请 8 折，理由……" in found
    assert set(IN_CONTEXT) <= set(found.values())  # the exclusions still name real files


async def test_every_suggested_sentence_is_understood_offline(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    customer = ConsoleClient(offline_app, "visitor-1", role_hint=Role.CUSTOMER)
    walked = []
    for sentence, source in suggested_sentences().items():
        if source in IN_CONTEXT:
            continue
        said = re.sub(r"…+", "客户预算卡死", sentence)
        if sentence in CUSTOMER_SUGGESTIONS:
            answer = await customer.say(said)
            assert "没太看懂" not in answer, f"{said!r} (from {source}) is not understood offline:\n{answer}"
            walked.append(said)
            continue
        answer = await rep.say(said)
        assert "我没太明白" not in answer, f"{said!r} (from {source}) is not understood offline:\n{answer}"
        walked.append(said)
        if "回复「是」" in answer:
            assert (await rep.say("不对")).startswith("好，没")  # leave nothing open for the next sentence
    assert len(walked) >= 7


async def test_the_suggested_sentences_do_what_they_say(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    whom = await rep.say("我今天该联系谁？")
    assert "建议联系" in whom or "没有特别需要联系的客户" in whom
    async with offline_app.db.session() as s:
        contact = (
            (await s.execute(select(Contact).join(Account).where(Account.short_name == "华东机械"))).scalars().first()
        )
    best = await rep.say(f"华东机械的{contact.name}什么时候联系最好")
    assert f"华东机械 · {contact.name}" in best and "建议" in best, best
    proposal = await rep.say("华东机械申请 8 折，理由客户预算卡死")
    assert "要提交这个折扣申请吗？" in proposal and "客户：上海华东机械制造有限公司" in proposal
    async with offline_app.db.session() as s:
        assert (await s.execute(select(ApprovalRequest))).scalars().all() == []  # nothing before 「是」
    assert "已提交" in await rep.say("是")
    async with offline_app.db.session() as s:
        (request,) = (await s.execute(select(ApprovalRequest))).scalars().all()
    assert request.reason == "客户预算卡死"


# --- 5. a planned visit, and a visit to a customer the CRM does not have yet -------------------------------


async def test_a_planned_visit_is_proposed_and_written_as_planned_on_yes(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    proposal = await rep.say("明天去拜访东方证券")
    assert "计划中的拜访" in proposal and "客户：上海东方证券信息技术有限公司" in proposal, proposal
    assert "日期：11月24日（周二）（计划）" in proposal and "下一步" not in proposal
    assert await _new_visits(offline_app) == []
    assert "计划拜访" in await rep.say("是")
    (visit,) = await _new_visits(offline_app)
    assert visit.status == "planned" and visit.visit_date == date(2026, 11, 24)
    async with offline_app.db.session() as s:
        assert (await s.execute(select(Task).where(Task.visit_id == visit.id))).scalars().all() == []


async def test_a_visit_to_a_new_customer_offers_to_create_it_then_records_the_visit(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    offer = await rep.say("今天拜访了宏达机电的王总")
    assert "客户里还没有「宏达机电」" in offer and "回复「新建」" in offer, offer
    assert "话术" not in offer and "[1]" not in offer  # no unrelated talk tracks
    done = await rep.say("新建")
    assert "已新建客户「宏达机电」" in done and "已记录：宏达机电 · 11月23日（周一）拜访（王总）" in done, done
    (visit,) = await _new_visits(offline_app)
    async with offline_app.db.session() as s:
        account = await s.get(Account, visit.account_id)
    assert account.name == "宏达机电" and visit.attendees == ["王总"]


async def _new_visits(app) -> list[Visit]:
    async with app.db.session() as s:
        return (await s.execute(select(Visit).where(Visit.created_source != "IMPORT"))).scalars().all()


# --- 7. a reminder is the rep's own: no 「提醒我」 in its title, not escalated unless it is customer work -----


async def test_a_personal_reminder_is_not_escalated_but_a_customer_follow_up_is(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    async with running_app(tmp_path, clock=clock, SALESBOT_ESCALATE_AFTER_WORKDAYS="2") as app:
        rep = ConsoleClient(app, "zhangwei")
        assert "已建待办" in await rep.say("/任务 周二提醒我交周报")
        await rep.say("周二下午3点提醒我跟进金陵医药")
        assert "已建待办" in await rep.say("是")
        async with app.db.session() as s:
            mine = {
                t.title: t for t in (await s.execute(select(Task).where(Task.created_source != "IMPORT"))).scalars()
            }
        assert set(mine) == {"交周报", "跟进金陵医药"}  # the asking words are not the task
        clock.set(datetime(2026, 11, 27, 10, 5, tzinfo=SHANGHAI))  # Fri: 3 working days late
        await jobs.run_followups(app)
        await app.drain()
        pushed = {
            d.target.user_id: d.reply.text for d in app.adapters["console"].delivered if d.is_push and d.reply.text
        }
        assert "交周报" in pushed["zhangwei"] and "跟进金陵医药" in pushed["zhangwei"]  # the rep hears of both
        assert "跟进金陵医药" in pushed["wangqiang"] and "交周报" not in pushed["wangqiang"]


# --- 6. holiday-relative dates: resolved from the holiday calendar, or asked for ---------------------------


def test_holiday_relative_dates_resolve_from_the_holiday_calendar():
    from bot.zh_parse import find_dates

    january = date(2026, 1, 10)  # a year chinese_calendar knows: 春节 2026 is 15-23 Feb, 国庆 1-7 Oct
    (spring,) = find_dates("春节前给金陵医药发方案", january)
    # the last workday before the break: Sat 14 Feb is a make-up workday (调休)
    assert spring.date == date(2026, 2, 14) and spring.deadline and spring.text == "春节前"
    assert find_dates("国庆后回访", january)[0].date == date(2026, 10, 8)
    assert find_dates("国庆节前", january)[0].date == date(2026, 9, 30)


async def test_a_task_due_before_a_holiday_gets_its_date_or_a_question(offline_app):
    rep = ConsoleClient(offline_app, "zhangwei")
    answer = await rep.say("/任务 元旦前给华东机械发报价")
    assert "截止 12月31日（周四）" in answer, answer
    assert "截止 10月8日（周五）" in await rep.say("/任务 国庆后回访金陵医药")
    # 春节 2027: the official break is not in the calendar yet, so the rep is asked instead of losing the date
    question = await rep.say("/任务 春节前给金陵医药发方案")
    assert "「春节前」具体是哪天我还不知道" in question and "已建待办" not in question
    offline_question = await rep.say("春节前提醒我给金陵医药发方案")
    assert "「春节前」具体是哪天我还不知道" in offline_question
    async with offline_app.db.session() as s:
        titles = {
            t.title: t.due_date
            for t in (await s.execute(select(Task).where(Task.created_source != "IMPORT"))).scalars()
        }
    assert titles == {"给华东机械发报价": date(2026, 12, 31), "回访金陵医药": date(2027, 10, 8)}


# --- the README's examples: every sentence it suggests typing does what it says, offline --------------------


def readme_examples() -> tuple[list[str], list[str]]:
    """The commands of the Quick start's "Then try, in the chat" block, and the sentences of its offline
    paragraph (the `…` spans between "Offline (or while the LLM is down)" and "Anything else")."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Then try, in the chat:\s*```\n(.*?)```", text, re.S).group(1)
    commands = [line.strip() for line in block.splitlines() if line.strip()]
    paragraph = re.search(r"Offline \(or while the LLM is down\)(.*?)Anything else", text, re.S).group(1)
    return commands, re.findall(r"`([^`]+)`", paragraph)


# what the README says each one does; writes are shown first and done after 「是」
README_COMMANDS = {
    "/帮助": "我能帮你做这些",
    "/拜访 华东机械 今天和李总聊了二期扩容 下周三发报价": "已记录：上海华东机械制造有限公司",
    "/客户 华东机械": "【上海华东机械制造有限公司】",
    "/任务 周五给金陵医药发方案": "已建待办",
}
README_SENTENCES = {  # sentence → (shown first, after 「是」) for writes; (answer, None) for questions
    "今天拜访了华东机械的李总，下周三前发报价": ("像是一条拜访记录", "已记录：上海华东机械制造有限公司"),
    "帮我约下周二下午三点给金陵医药打电话": ("要建这个待办吗？", "已建待办"),
    "我有哪些待办": ("你的待办：", None),
    "华东机械最近怎么样": ("【上海华东机械制造有限公司】", None),
    "我的折扣批了没": ("审批", None),
}


async def test_the_readme_examples_do_what_the_readme_says(offline_app):
    commands, sentences = readme_examples()
    assert commands == list(README_COMMANDS) and sentences == list(README_SENTENCES)
    rep = ConsoleClient(offline_app, "zhangwei")
    for command in commands:
        answer = await rep.say(command)
        assert README_COMMANDS[command] in answer, f"{command}: {answer}"
    for sentence in sentences:
        shown, done = README_SENTENCES[sentence]
        answer = await rep.say(sentence)
        assert shown in answer and "我没太明白" not in answer, f"{sentence}: {answer}"
        if done is not None:
            assert "回复「是」" in answer  # written only after the rep says yes
            assert done in await rep.say("是"), sentence


# --- 9. a best-time explanation speaks of the recommended slot itself, and thin evidence says so ----------


def _replied(contact_id: int, account_id: int, weekday: int, hour: int, weeks_ago: int):
    day = date(2026, 11, 23) - timedelta(weeks=weeks_ago) + timedelta(days=weekday)
    at = datetime(day.year, day.month, day.day, hour, 20, tzinfo=SHANGHAI)
    return Interaction(
        contact_id=contact_id, account_id=account_id, occurred_at=at, direction="inbound", kind="message"
    )


async def test_a_monday_nudge_is_explained_by_monday_replies_or_by_the_segment_habit(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 23, 8, 40, tzinfo=SHANGHAI))  # Monday morning
    async with running_app(tmp_path, demo=False, clock=clock, SALESBOT_NUDGE_LEAD_MINUTES="30") as app:
        async with app.db.write() as s:
            rep = StaffUser(username="zhangwei", name="张伟", role="rep")
            s.add(rep)
            await s.flush()
            people = {}
            for key, account, name, title in (
                ("huang", "苏州恒泰机电有限公司", "黄海", "总经理"),
                ("song", "无锡宏达精工有限公司", "宋军", "总经理"),
                ("han", "常州新锐自动化有限公司", "韩梅", "采购经理"),
            ):
                acc = Account(name=account, short_name=account[2:6], industry="制造业", region="华东", owner_id=rep.id)
                s.add(acc)
                await s.flush()
                contact = Contact(account_id=acc.id, name=name, title=title)
                s.add(contact)
                await s.flush()
                people[key] = (contact.id, acc.id)
            # 黄总: 6 replies, 4 of them on Wednesday mornings, only 2 on Monday mornings
            for weekday, weeks in ((2, 1), (2, 2), (2, 3), (2, 4), (0, 5), (0, 6)):
                s.add(_replied(*people["huang"], weekday, 9, weeks))
            # 宋总: 6 replies, 3 on Monday mornings at 10, 3 on Wednesday afternoons
            for weekday, hour, weeks in ((0, 10, 1), (0, 10, 2), (0, 10, 3), (2, 15, 4), (2, 15, 5), (2, 15, 6)):
                s.add(_replied(*people["song"], weekday, hour, weeks))
            # 韩经理: only 4 replies, 2 of them on Monday mornings: too few to call a habit
            for weekday, hour, weeks in ((0, 9, 1), (0, 9, 2), (3, 14, 3), (3, 14, 4)):
                s.add(_replied(*people["han"], weekday, hour, weeks))
        assert await jobs.run_briefs(app) == 1
        await app.drain()
        while clock.now(SHANGHAI).hour < 18:
            clock.advance(minutes=10)
            await jobs.run_nudges(app)
            await app.drain()
        nudges = [line for line in app.console_lines if "前后联系" in line]
        by_person = {
            who: next(line for line in nudges if f"前后联系{who}" in line) for who in ("黄总", "宋总", "韩经理")
        }
        huang = by_person["黄总"]
        assert "周三" not in huang and "4 次" not in huang, huang  # Wednesday's numbers don't justify Monday
        assert "黄总周一上午的回复还少（2 次），按同类客户（制造业·高管）的习惯" in huang, huang
        assert "宋总过去 6 次回复中 3 次在周一上午 10–11 点" in by_person["宋总"], by_person["宋总"]
        han = by_person["韩经理"]
        assert "韩经理的回复记录还少（4 次），按同类客户（制造业·采购）的习惯" in han and "2 次" not in han, han
        # asked for the best slot of the week, Wednesday's numbers belong to the Wednesday slot they justify
        best = await ConsoleClient(app, "zhangwei").say("/最佳时间 黄总")
        assert "建议 11月25日（周三） 09:00 联系。黄总过去 6 次回复中 4 次在周三上午 9–10 点" in best, best


# --- 10. the rules editor's preview is the chain a real submission creates ----------------------------------


async def _real_chain(app, request_id: int) -> list[tuple[str, str, float, list[str]]]:
    async with app.db.session() as s:
        steps = (
            (
                await s.execute(
                    select(ApprovalStep).where(ApprovalStep.request_id == request_id).order_by(ApprovalStep.seq)
                )
            )
            .scalars()
            .all()
        )
        rows = (
            await s.execute(
                select(ApprovalAssignment.step_id, StaffUser.name)
                .join(StaffUser, StaffUser.id == ApprovalAssignment.approver_id)
                .where(ApprovalAssignment.request_id == request_id)
                .order_by(ApprovalAssignment.slot)
            )
        ).all()
    chain = [(st.label, st.mode, st.time_limit_hours, [name for sid, name in rows if sid == st.id]) for st in steps]
    return chain, steps


async def test_the_rules_preview_equals_the_chain_a_submission_creates(tmp_path):
    async with running_app(tmp_path) as app:
        text = rules_store.current_text(app.settings)
        rep = ConsoleClient(app, "zhangwei")
        for customer, said in (
            ("金陵医药", "/审批 金陵医药 8折 客户集团统一采购"),  # VIP: one parallel fast-lane step of 4 h
            ("华东机械", "/审批 华东机械 8折 竞品报价更低"),  # the deal's amount decides whether finance signs
        ):
            # what the admin types: the customer and the discount, no amount, no requester
            shown = await rules_store.preview(
                app, text, rules_store.PreviewRequest(kind="discount", discount="8折", customer=customer)
            )
            assert not shown.refused, shown.refused
            answer = await rep.say(said)
            assert "审批链" in answer, answer
            async with app.db.session() as s:
                request = (
                    (await s.execute(select(ApprovalRequest).order_by(ApprovalRequest.id.desc()))).scalars().first()
                )
            real, steps = await _real_chain(app, request.id)
            previewed = [(st.label, st.mode, st.hours, [who for _, who, _ in st.approvers]) for st in shown.steps]
            assert previewed == real, (customer, previewed, real)
            assert shown.steps[0].due_at == aware(steps[0].due_at)  # the same deadline, working hours and all
            assert shown.facts.amount == request.amount and shown.facts.tier is not None
            assert shown.plan.fast_lane == request.fast_lane
        jl = await rules_store.preview(
            app, text, rules_store.PreviewRequest(kind="discount", discount="8折", customer="金陵医药")
        )
        assert len(jl.steps) == 1 and jl.steps[0].mode == "all" and jl.steps[0].hours == 4
        # the three approvers at once, not steps one after another; finance because the deal is 52.8 万
        assert [label for label, _, _ in jl.steps[0].approvers] == ["直属经理", "总监", "财务"]
        assert "金额按商机「金陵医药CRM 一期」算：52.8 万" in jl.notes


async def test_the_rules_page_previews_the_vip_fast_lane_with_its_deadline(tmp_path):
    async with running_app(tmp_path) as app:
        await make_accounts(app)
        async with serving(app) as base, signed_in(base) as admin:
            status, body = await admin.post(
                "/admin/rules/check",
                {
                    "text": rules_store.current_text(app.settings),
                    "kind": "discount",
                    "discount": "8折",
                    "customer": "金陵医药",
                },
            )
    assert status == 200, body[:500]
    page = html.unescape(re.sub(r"<[^>]+>", "", body))
    assert "快速通道（同时审批）（全部同意，时限 4 小时，现在提交的话 11月23日 14:00 到期）" in page, page
    assert "王强" in page and "陈静" in page and "钱芳" in page
    assert "金额按商机「金陵医药CRM 一期」算：52.8 万" in page
    assert "时限 24" not in page  # no sequential day-long steps the real request would not have
