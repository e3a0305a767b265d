"""Lead scoring, routing rules and the response SLA (issue #21 items 1-3): a web-chat lead scored with its
reasons, routed by rule, carded to the rep, its SLA missed and the lead reassigned exactly once across a
restart; weights editable and learned; load-weighted routing; reminders and escalations once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import aiohttp
import numpy as np
import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from bot.capabilities import ToolContext, run_tool
from bot.clock import FrozenClock, aware
from bot.identity import actor_for
from bot.messages import Actor, CardAction, Inbound, InboundKind, Role
from bot.models import StaffUser, Task
from salesbot.server import build_web_app
from scheduler.lead_jobs import run_lead_sla, run_lead_weekly
from scheduler.models import ScheduledNotice
from tests.conftest import SHANGHAI, TEST_NOW, ConsoleClient, running_app
from tools.leads.lead_rules import LEAD_RULES_FILE_NAME, RulesError, parse_lead_rules
from tools.leads.models import Lead, LeadAssignment, LeadAvailability, LeadScore
from tools.leads.scoring import FACTORS, LeadSignals, learn, score
from tools.leads.sla import add_work_minutes, mark, response_stats

HOT_RULE = """
rules:
  - name: 华东制造业热线索
    when: {region: [华东], industry: [制造业], score_at_least: 60}
    to: {rep: lina}
"""


def write_rules(tmp_path, extra: str = "") -> None:
    """The shipped default with the given rules appended (what an admin saves in the console)."""
    from tools.leads.lead_rules import DEFAULT_LEAD_RULES_PATH

    text = DEFAULT_LEAD_RULES_PATH.read_text(encoding="utf-8").replace("rules: []", "")
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / LEAD_RULES_FILE_NAME).write_text(text + extra, encoding="utf-8")


def pushes_to(app, username: str) -> list[str]:
    return [line for line in app.console_lines if line.startswith(f"[推送 → {username}]")]


async def lead_rows(app):
    async with app.db.session() as s:
        lead = (await s.execute(select(Lead))).scalars().one()
        held = (await s.execute(select(LeadAssignment).order_by(LeadAssignment.id))).scalars().all()
        scored = await s.get(LeadScore, lead.id)
        tasks = {t.id: t for t in (await s.execute(select(Task).where(Task.created_source == "SYSTEM"))).scalars()}
        notices = (await s.execute(select(ScheduledNotice.key))).scalars().all()
    return lead, held, scored, tasks, notices


async def test_web_chat_lead_scored_routed_carded_sla_missed_reassigned_once_across_restart(tmp_path):
    write_rules(tmp_path, HOT_RULE)
    clock = FrozenClock(TEST_NOW)  # Monday 10:00, inside business hours
    async with running_app(tmp_path, clock=clock) as app:
        server = TestServer(build_web_app(app), host="127.0.0.1")
        await server.start_server()
        try:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as visitor:
                await visitor.get(server.make_url("/chat/"))
                url = server.make_url("/chat/api/messages")
                for text in ("你好，私有化部署怎么收费？", "我们是苏州恒远机械，300 多人，我是王总，电话13912345678"):
                    async with visitor.post(url, json={"text": text}) as r:
                        assert r.status == 202
                    await app.drain()
        finally:
            await server.close()
        lead, held, scored, tasks, _ = await lead_rows(app)
        lina = await app.staff_by_username("lina")
        # scored, with the reasons a rep can check
        assert lead.platform == "web" and scored.source == "web" and scored.band == "hot" and scored.score >= 80
        reasons = dict((why, p) for p, why in scored.reasons)
        assert reasons["问了报价"] == 20 and reasons["制造业，目标行业"] == 15 and reasons["300 人规模"] == 15
        # routed by the rule to lina, card pushed with the score and reasons, a task due within the hot SLA
        assert lead.assigned_staff_id == lina.id and held[0].rule == "华东制造业热线索"
        card = pushes_to(app, "lina")
        assert len(card) == 1 and f"【新客户线索】{scored.score} 分（热，SQL）" in card[0]
        assert "+20 问了报价" in card[0] and "[c1] 接单" in card[0]
        task = tasks[held[0].task_id]
        assert task.owner_id == lina.id and task.status == "open" and "11-23 10:15 前" in task.title
        assert aware(held[0].due_at) == TEST_NOW + timedelta(minutes=15)
        # within the SLA: nothing happens
        clock.advance(minutes=14)
        assert await run_lead_sla(app) == 0
        # SLA missed: a reminder to lina, once
        clock.advance(minutes=2)
        await run_lead_sla(app)
        await run_lead_sla(app)
        await app.drain()
        reminders = [p for p in pushes_to(app, "lina") if "⏰" in p]
        assert len(reminders) == 1 and "还没接" in reminders[0]
        # still not accepted at the action time: reassigned within 华东组 to the least loaded rep
        clock.advance(minutes=15)
        await run_lead_sla(app)
        await app.drain()
        lead, held, _, tasks, _ = await lead_rows(app)
        new_rep = (await app.staff_by_username("zhangwei")).id, (await app.staff_by_username("zhaolei")).id
        assert len(held) == 2 and held[0].end_reason == "reassigned" and held[1].staff_id in new_rep
        assert lead.assigned_staff_id == held[1].staff_id and held[1].reason == "reassigned"
        assert tasks[held[0].task_id].status == "cancelled" and tasks[held[1].task_id].status == "open"
        async with app.db.session() as s:
            new_name = (await s.get(StaffUser, held[1].staff_id)).username
        assert len([p for p in pushes_to(app, new_name) if "改派给你" in p]) == 1
        assert len([p for p in pushes_to(app, "lina") if "已改派给" in p]) == 1
        assert len([p for p in pushes_to(app, "wangqiang") if "已自动改派" in p]) == 1
        # the new rep misses the fresh clock too: one reminder, then the manager is told (no second reassignment)
        clock.advance(minutes=31)
        for _ in range(2):
            await run_lead_sla(app)
        await app.drain()
        assert len([p for p in pushes_to(app, new_name) if "⏰" in p]) == 1
        assert len([p for p in pushes_to(app, "wangqiang") if "⚠️" in p and "改派过来的" in p]) == 1
        before = len(app.console_lines)
    # a restart (same database, same frozen clock): the sweep finds every step done
    async with running_app(tmp_path, clock=clock) as again:
        for _ in range(2):
            await run_lead_sla(again)
        await again.drain()
        assert not [line for line in again.console_lines if line.startswith("[推送")]
        lead, held, _, _, notices = await lead_rows(again)
        assert len(held) == 2 and sum(k.startswith("leadsla:reassign:") for k in notices) == 1
        assert sum(k.startswith("leadsla:escalate:") for k in notices) == 1
    assert before > 0


def signals(**kw) -> LeadSignals:
    base = dict(company="苏州恒远机械", name="王总", texts=["想要个报价"], region_covered=True, messages=2)
    base.update(kw)
    return LeadSignals(**base)


def test_score_lists_its_reasons_and_follows_edited_weights():
    rules = parse_lead_rules((DEFAULT_TEXT := default_text()))
    now = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    scored = score(signals(last_activity=now), rules, now)
    assert scored.reasons_text().startswith("+20 问了报价；+15 制造业，目标行业")
    assert scored.score == 10 + 20 + 15 + 10 + 5 + 5 + 5 and scored.band == "hot" and scored.sql
    edited = parse_lead_rules(DEFAULT_TEXT.replace("asked_price: 20", "asked_price: 40"))
    assert score(signals(last_activity=now), edited, now).score == min(100, scored.score + 20)
    cold = score(
        signals(texts=["随便看看"], company=None, name="游客", last_activity=now - timedelta(days=9)), rules, now
    )
    assert cold.band == "cold" and "-15 7 天以上没动静" in cold.reasons_text()


def default_text() -> str:
    from tools.leads.lead_rules import DEFAULT_LEAD_RULES_PATH

    return DEFAULT_LEAD_RULES_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, message",
    [
        ("scoring: {weights: {asked_pirce: 20}}", "不认识的评分项「asked_pirce」"),
        ("rules: [{name: x, when: {region: 华东}, to: {}}]", "rep（用户名）或 team（团队名）其中之一"),
        ("rules: [{name: x, when: {source: [wechat]}, to: {rep: lina}}]", "不认识的来源「wechat」"),
        ("bands: [{name: hot, min_score: 60}]", "最后一段的 min_score 要是 0"),
        ("scoring: [", "不是合法的 YAML"),
    ],
)
def test_bad_lead_rules_say_where_in_chinese(text, message):
    with pytest.raises(RulesError) as err:
        parse_lead_rules(text)
    assert message in str(err.value)


def test_learned_weights_find_the_factor_that_converts_and_need_enough_outcomes():
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(400):
        f = {name: int(rng.random() < 0.3) for name in FACTORS}
        p = 1 / (1 + np.exp(-(-2.0 + 3.0 * f["asked_demo"] + 1.5 * f["size_large"] - 0.0 * f["asked_price"])))
        rows.append((f, bool(rng.random() < p)))
    learned = learn(rows)
    assert learned is not None
    points = learned.points()
    assert points["asked_demo"] > points["size_large"] > abs(points["asked_price"])
    assert learn(rows[:30]) is None  # too few converted leads: defaults stay


async def test_handoff_uses_learned_weights_once_outcomes_are_recorded(tmp_path):
    """In this org returning visitors convert and price shoppers do not, unlike what the defaults assume:
    cross-validation prefers the learned weights, and a price question now costs points."""
    async with running_app(tmp_path) as app:
        async with app.db.write() as s:
            for i in range(60):
                lead = Lead(conversation_key=f"old{i}", platform="web", external_id=f"old{i}", status="handed_off")
                s.add(lead)
                await s.flush()
                converted = i % 2 == 0
                features = {name: 0 for name in FACTORS} | ({"returning": 1} if converted else {"asked_price": 1})
                s.add(LeadScore(lead_id=lead.id, features=features, outcome="converted" if converted else "lost"))
        ctx = customer(app, "learned")
        await run_tool(ctx, "save_contact_info", {"name": "李女士", "phone": "13612340001", "need": "想要个报价"})
        out = await run_tool(ctx, "handoff_to_sales", {"reason": "要报价"})
        await app.drain()
        async with app.db.session() as s:
            row = await s.get(LeadScore, out.data["lead_id"])
    assert row.weights == "learned" and row.score < 35
    assert any(p < 0 and why == "问了报价" for p, why in row.reasons)


def test_auto_mode_keeps_the_defaults_when_they_rank_better():
    rules = parse_lead_rules(default_text())
    rows = [({name: 0 for name in FACTORS} | {"asked_demo": int(i % 2 == 0)}, i % 2 == 0) for i in range(60)]
    rows += [({name: 0 for name in FACTORS} | {"asked_demo": 1}, False) for _ in range(3)]  # noise
    learned = learn(rows, rules=rules)
    assert learned is not None and learned.default_auc is not None and not learned.beats_defaults
    now = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    assert score(signals(last_activity=now), rules, now, learned).weights == "default"


def customer(app, sender: str) -> ToolContext:
    inbound = Inbound(
        platform="web",
        msg_id=uuid.uuid4().hex,
        sender_id=sender,
        conversation_id=sender,
        text="",
        role_hint=Role.CUSTOMER,
    )
    return ToolContext(app, Actor(role=Role.CUSTOMER), inbound.conversation_key, inbound)


async def hand_off(app, sender: str, phone: str, **fields) -> dict:
    ctx = customer(app, sender)
    await run_tool(ctx, "save_contact_info", {"name": "王先生", "phone": phone, **fields})
    out = await run_tool(ctx, "handoff_to_sales", {"reason": "要报价"})
    await app.drain()
    return out.data


async def test_team_rule_spreads_by_open_load_and_skips_reps_away_or_off_hours(tmp_path):
    write_rules(tmp_path, "\nrules:\n  - {name: 华东组, when: {region: [华东]}, to: {team: 华东组}}\n")
    async with running_app(tmp_path) as app:
        ids = {u: (await app.staff_by_username(u)).id for u in ("zhangwei", "lina", "zhaolei")}
        got = [await hand_off(app, f"t{i}", f"1391111000{i}", region="杭州") for i in range(6)]
        counts = {u: sum(g["staff_id"] == i for g in got) for u, i in ids.items()}
        assert counts == {"zhangwei": 2, "lina": 2, "zhaolei": 2} and all(g["rule"] == "华东组" for g in got)
        # zhaolei closes both of his leads (his load drops to 0): the next lead goes to him
        for g in got:
            if g["staff_id"] == ids["zhaolei"]:
                rep = ToolContext(app, actor_for(await app.staff_by_username("zhaolei")), "console:zhaolei")
                await mark(rep, g["lead_id"], "lost")
        nxt = await hand_off(app, "t7", "13911110007", region="杭州")
        assert nxt["staff_id"] == ids["zhaolei"]
        # away (/接单 关) and outside working hours (a rep whose day is over) are skipped
        async with app.db.write() as s:
            s.add(LeadAvailability(staff_id=ids["zhaolei"], accepting=False))
            lina = await s.get(StaffUser, ids["lina"])
            lina.timezone = "America/Los_Angeles"  # 18:00 on Sunday there
            s.add(lina)
        rest = [await hand_off(app, f"u{i}", f"1391111100{i}", region="杭州") for i in range(3)]
        assert {r["staff_id"] for r in rest} == {ids["zhangwei"]}


async def test_accepted_but_not_contacted_escalates_to_the_manager_once_and_a_done_task_counts(tmp_path):
    clock = FrozenClock(TEST_NOW)
    async with running_app(tmp_path, clock=clock) as app:
        first = await hand_off(app, "a1", "13922220001", region="杭州", need="300 人，要报价和演示")
        second = await hand_off(app, "a2", "13922220002", region="杭州", need="300 人，要报价和演示")
        assert first["band"] == second["band"] == "hot"
        async with app.db.session() as s:
            one = await s.get(StaffUser, first["staff_id"])
            two = await s.get(StaffUser, second["staff_id"])
        # rep one presses 接单 on the card but never calls; rep two finishes the follow-up task
        console = ConsoleClient(app, one.username)
        answer = await console.deliver(
            Inbound(
                platform="console",
                msg_id="press-1",
                sender_id=one.username,
                conversation_id=one.username,
                kind=InboundKind.CARD_ACTION,
                card_action=CardAction(card_id=f"lead-{first['lead_id']}-{one.id}", action="accept"),
            )
        )
        assert "归你了" in answer
        async with app.db.session() as s:
            held2 = (
                (await s.execute(select(LeadAssignment).where(LeadAssignment.lead_id == second["lead_id"])))
                .scalars()
                .one()
            )
        done = await ConsoleClient(app, two.username).say(f"/完成 {held2.task_id}")
        assert "已完成" in done
        clock.advance(minutes=40)
        for _ in range(3):
            await run_lead_sla(app)
        await app.drain()
        async with app.db.session() as s:
            boss = await s.get(StaffUser, one.manager_id)
            rows = {a.lead_id: a for a in (await s.execute(select(LeadAssignment))).scalars()}
        escalations = [p for p in pushes_to(app, boss.username) if "⚠️" in p]
        assert len(escalations) == 1 and "接了单但还没联系" in escalations[0]
        assert rows[second["lead_id"]].contacted_at is not None and not [
            p for p in pushes_to(app, two.username) if "⏰" in p
        ]
        assert len(rows) == 2  # the accepted lead stays with its rep
        reps, teams = await response_stats(app.db, TEST_NOW - timedelta(days=1), TEST_NOW + timedelta(days=1))
        by_name = {r.name: r for r in reps}
        assert by_name[two.name].contacted == 1
        assert by_name[one.name].waiting == 1 and teams[0].assigned == 2


def test_sla_counts_working_time_only():
    hours = (datetime.strptime("09:00", "%H:%M").time(), datetime.strptime("18:00", "%H:%M").time())
    friday = datetime(2026, 11, 27, 17, 55, tzinfo=SHANGHAI)
    assert add_work_minutes(friday, 15, hours) == datetime(2026, 11, 30, 9, 10, tzinfo=SHANGHAI)
    night = datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI)
    assert add_work_minutes(night, 15, hours) == datetime(2026, 11, 24, 9, 15, tzinfo=SHANGHAI)


async def test_weekly_digest_shows_time_to_first_contact_per_rep_once(tmp_path):
    clock = FrozenClock(TEST_NOW - timedelta(days=3))  # the Friday before
    async with running_app(tmp_path, clock=clock) as app:
        got = await hand_off(app, "w1", "13933330001", region="杭州", need="要报价")
        async with app.db.session() as s:
            rep = await s.get(StaffUser, got["staff_id"])
        clock.advance(minutes=7)
        answer = await ConsoleClient(app, rep.username).say(f"/线索 联系了 {got['lead_id']}")
        assert "分配后 7 分钟" in answer
        clock.set(datetime(2026, 11, 23, 18, 5, tzinfo=SHANGHAI))  # Monday, digest time
        for _ in range(2):
            await run_lead_weekly(app)
        await app.drain()
        digests = [p for p in pushes_to(app, "wangqiang") if "上周线索响应" in p]
    assert len(digests) == 1 and f"{rep.name}：分配 1，已联系 1（中位 7 分钟，100% 在时限内）" in digests[0]


async def test_console_edits_weights_and_rules_previews_a_lead_and_shows_response_times(tmp_path):
    from tests.admin_support import MANAGER_PASSWORD, make_accounts, serving, signed_in

    async with running_app(tmp_path) as app:
        await make_accounts(app)
        got = await hand_off(app, "c1", "13944440001", region="杭州", need="要报价")
        async with serving(app) as base:
            async with signed_in(base) as admin:
                status, page = await admin.get("/admin/leads")
                assert status == 200 and "asked_price" in page and "默认权重" in page and f"#{got['lead_id']}" in page
                text = default_text().replace("asked_price: 20", "asked_price: 35").replace("rules: []", HOT_RULE)
                sample = {"name": "王总", "company": "苏州恒远机械", "need": "300 人，想要个报价", "source": "web"}
                status, page = await admin.post("/admin/leads/check", {"text": text, **sample, "messages": "3"})
                assert status == 200 and "+35 问了报价" in page and "分给 <b>李娜</b>" in page
                assert "规则「华东制造业热线索」" in page
                status, page = await admin.post("/admin/leads/check", {"text": "rules: [{name: x, to: {}}]", **sample})
                assert status == 400 and "rep（用户名）或 team（团队名）其中之一" in page
                status, page = await admin.post("/admin/leads/save", {"text": "scoring: {base: 500}"})
                assert status == 400 and not (tmp_path / "data" / LEAD_RULES_FILE_NAME).exists()
                status, _ = await admin.post("/admin/leads/save", {"text": text, "note": "报价加权"})
                assert status == 200 and "asked_price: 35" in (tmp_path / "data" / LEAD_RULES_FILE_NAME).read_text()
            # the saved weights score the next lead; a manager reads the page (response times) but cannot save
            nxt = await hand_off(app, "c2", "13944440002", region="杭州", need="要报价")
            assert "+35 问了报价" in nxt["reasons"]
            async with signed_in(base, "viewer", MANAGER_PASSWORD) as viewer:
                status, page = await viewer.get("/admin/leads")
                assert status == 200 and "响应时间" in page and "leads-save" not in page
                status, _ = await viewer.post("/admin/leads/save", {"text": text})
                assert status == 403


async def test_rep_enters_own_lead_scored_kept_with_a_task(tmp_path):
    async with running_app(tmp_path) as app:
        rep = ConsoleClient(app, "zhaolei")
        answer = await rep.say("/线索 新 王总 13955550001 苏州恒远机械 300 人，想要报价和演示")
        assert "已录线索" in answer and "+20 问了报价" in answer and "已建待办" in answer
        assert "电话 13955550001 已经有线索了" in await rep.say("/线索 新 李总 13955550001 别的公司")
        assert "至少要有称呼或公司，和电话" in await rep.say("/线索 新 想要报价")
        async with app.db.session() as s:
            lead = (await s.execute(select(Lead))).scalars().one()
            scored = await s.get(LeadScore, lead.id)
            held = (await s.execute(select(LeadAssignment))).scalars().one()
        zhaolei = await app.staff_by_username("zhaolei")
        assert scored.source == "rep" and scored.band == "hot" and lead.assigned_staff_id == zhaolei.id
        assert held.staff_id == zhaolei.id and held.task_id is not None
        assert "#" in await rep.say("/线索") and f"{scored.score} 分" in await rep.say("/线索")


async def test_misbehaving_model_still_gets_the_lead_scored_and_carded(tmp_path, fake_llm):
    from tests.fakes.openai_server import text, tool_call

    env = {"OPENAI_BASE_URL": fake_llm.base_url, "OPENAI_API_KEY": "t", "SALESBOT_LLM_MODEL": "fake"}
    async with running_app(tmp_path, **env) as app:
        guest = ConsoleClient(app, "llm-guest", role_hint=Role.CUSTOMER)
        fake_llm.script(
            tool_call("save_contact_info", 姓名="王总", 电话="13966660001"),  # wrong argument names
            tool_call(
                "save_contact_info",
                name="王总",
                company="苏州恒远机械",
                phone="139 6666 0001",
                need="三百多人，想要报价",
            ),
            tool_call("handoff_to_sales", reason="要报价"),
            text("<think>已转人工</think>好的王总，已经安排销售顾问联系您。"),
        )
        answer = await guest.say("我是苏州恒远机械的王总，13966660001，我们三百多人，想要个报价")
        assert "<think>" not in answer and "销售顾问" in answer
        async with app.db.session() as s:
            lead = (await s.execute(select(Lead))).scalars().one()
            scored = await s.get(LeadScore, lead.id)
        assert lead.phone == "13966660001" and scored is not None and scored.band == "hot"
        assert any("300 人规模" in why for _, why in scored.reasons)
        assert any(line.startswith("[推送") and f"{scored.score} 分" in line for line in app.console_lines)


async def test_imported_leads_are_scored_routed_and_carded_once(tmp_path, capsys):
    import argparse

    from salesbot.leads_cli import import_command
    from tests.conftest import make_settings
    from tools.leads.intake import import_leads

    write_rules(tmp_path, HOT_RULE)
    headers = ["姓名", "公司名称", "手机", "城市", "备注"]
    rows = [
        ["王总", "苏州恒远机械", "13977770001", "苏州", "300 人，要报价"],
        ["李女士", "杭州某某贸易", "13977770002", "杭州", "展会留的名片"],
        ["赵先生", "坏号码公司", "12345", "", ""],
        ["王总", "苏州恒远机械", "13977770001", "苏州", "重复的一行"],
    ]
    async with running_app(tmp_path) as app:
        report = await import_leads(app, headers, rows)
        await app.drain()
        again = await import_leads(app, headers, rows)
        async with app.db.session() as s:
            scores = {r.lead_id: r for r in (await s.execute(select(LeadScore))).scalars()}
            leads = {lead.phone: lead for lead in (await s.execute(select(Lead))).scalars()}
        lina = await app.staff_by_username("lina")
        hot = leads["13977770001"]
        assert len(report.created) == 2 and len(report.skipped) == 2 and "电话「12345」不对" in report.text()
        assert not again.created and len(again.skipped) == 4  # the same file twice adds nothing
        assert scores[hot.id].source == "import" and hot.assigned_staff_id == lina.id  # the 华东制造业 rule
        assert "一天内还在聊" not in str(scores[hot.id].reasons)  # an imported row says nothing about recency
        assert len([p for p in pushes_to(app, "lina") if "导入的名单" in p]) == 1
    args = argparse.Namespace(file=str(tmp_path / "list.csv"), dry_run=True)
    (tmp_path / "list.csv").write_text("电话,称呼,城市\n13977770003,周总,广州\n", encoding="utf-8")
    assert await import_command(args, make_settings(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "试运行" in out and "新建 1 条" in out
    args = argparse.Namespace(file=str(tmp_path / "none.csv"), dry_run=False)
    assert await import_command(args, make_settings(tmp_path)) == 2


async def test_existing_customers_lead_stays_with_its_owner_and_a_broken_rules_file_falls_back(tmp_path):
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / LEAD_RULES_FILE_NAME).write_text("scoring: [", encoding="utf-8")  # edited by hand, broken
    clock = FrozenClock(TEST_NOW)
    async with running_app(tmp_path, clock=clock) as app:
        got = await hand_off(app, "owner1", "13988880001", company="宁波海港国际贸易有限公司", need="要报价")
        lina = await app.staff_by_username("lina")
        assert got["staff_id"] == lina.id and got["reason"] == "account_owner" and got["reasons"]
        clock.advance(hours=5)  # far past the SLA and the action time, nobody accepted
        for _ in range(2):
            await run_lead_sla(app)
        await app.drain()
        async with app.db.session() as s:
            held = (await s.execute(select(LeadAssignment))).scalars().all()
            boss = await s.get(StaffUser, lina.manager_id)
    assert len(held) == 1 and held[0].staff_id == lina.id and held[0].escalated_at is not None
    assert len([p for p in pushes_to(app, boss.username) if "⚠️" in p and "一直没接单" in p]) == 1


async def test_only_the_holder_or_their_managers_mark_a_lead(tmp_path):
    async with running_app(tmp_path) as app:
        got = await hand_off(app, "m1", "13988890001", region="杭州", need="要报价")
        async with app.db.session() as s:
            holder = await s.get(StaffUser, got["staff_id"])
            boss = await s.get(StaffUser, holder.manager_id)
        other_team = ConsoleClient(app, "liuyang")  # 华南 manager
        assert "不在你名下" in await other_team.say(f"/线索 成交 {got['lead_id']}")
        assert "不在你名下" in await ConsoleClient(app, "chenmin").say(f"/线索 接 {got['lead_id']}")
        assert "记为已成交" in await ConsoleClient(app, boss.username).say(f"/线索 成交 {got['lead_id']}")
        async with app.db.session() as s:
            assert (await s.get(LeadScore, got["lead_id"])).outcome == "converted"
