"""Lead capture and hand-off: assignment rules, business hours, validation, and the customer channels
(console, WeCom 微信客服, DingTalk customer groups, offline mode)."""

from __future__ import annotations

import uuid
import zlib
from datetime import datetime

import pytest
from sqlmodel import select

from bot.capabilities import ToolContext, ToolError, run_tool
from bot.clock import FrozenClock
from bot.messages import Actor, Inbound, Role
from bot.models import Account, AuditLog, Contact, StaffUser
from tests.conftest import SHANGHAI, ConsoleClient, running_app
from tests.fakes.openai_server import text, tool_call
from tools.leads.handoff import contact_promise, in_business_hours, sales_region
from tools.leads.models import Lead, LeadRoutingRule


def customer_ctx(app, sender: str = "guest", platform: str = "console") -> ToolContext:
    inbound = Inbound(
        platform=platform,
        msg_id=uuid.uuid4().hex,
        sender_id=sender,
        conversation_id=sender,
        text="",
        role_hint=Role.CUSTOMER,
    )
    return ToolContext(app, Actor(role=Role.CUSTOMER), inbound.conversation_key, inbound)


async def staff_id(app, username: str) -> int:
    return (await app.staff_by_username(username)).id


def phone_of(sender: str) -> str:
    """A phone number per customer: one phone number is one lead, so distinct customers need distinct numbers."""
    return "139" + str(zlib.crc32(sender.encode()) % 10**8).zfill(8)


async def handoff(app, sender: str, **fields) -> dict:
    ctx = customer_ctx(app, sender)
    await run_tool(ctx, "save_contact_info", {"name": "王先生", "phone": phone_of(sender), **fields})
    out = await run_tool(ctx, "handoff_to_sales", {"reason": "要报价"})
    await app.drain()
    return {"text": out.text, **out.data}


# --- assignment rules -------------------------------------------------------------------------------


async def test_existing_account_goes_to_its_owner_by_company_name_or_crm_phone(offline_app):
    lina = await staff_id(offline_app, "lina")
    by_name = await handoff(offline_app, "c1", company="宁波海港国际贸易有限公司", region="深圳")
    assert by_name["staff_id"] == lina and by_name["reason"] == "account_owner"
    async with offline_app.db.session() as s:
        account = (await s.execute(select(Account).where(Account.short_name == "南粤电子"))).scalars().one()
        contact = (await s.execute(select(Contact).where(Contact.account_id == account.id))).scalars().first()
    by_phone = await handoff(offline_app, "c2", phone=contact.phone, company="不写全称")
    assert by_phone["staff_id"] == account.owner_id and by_phone["reason"] == "account_owner"


async def test_region_and_industry_rules_then_region_then_round_robin(offline_app):
    zhaolei, sunli = await staff_id(offline_app, "zhaolei"), await staff_id(offline_app, "sunli")
    async with offline_app.db.write() as s:
        s.add(LeadRoutingRule(region="华东", industry="制造", staff_id=zhaolei, priority=10))
        s.add(LeadRoutingRule(industry="金融", team="华南组", priority=20))
    rule = await handoff(offline_app, "r1", company="苏州新创机械", region="苏州", industry="机械制造")
    assert rule["staff_id"] == zhaolei and rule["reason"] == "rule"
    team_rule = await handoff(offline_app, "r2", company="杭州某某证券", region="杭州", industry="金融")
    assert team_rule["reason"] == "rule"
    async with offline_app.db.session() as s:
        assert (await s.get(StaffUser, team_rule["staff_id"])).team == "华南组"
    # no rule: reps of the customer's region, least recently assigned first
    assert team_rule["staff_id"] == await staff_id(offline_app, "chenmin")  # first of the team, never assigned
    # no rule: reps of the customer's region, least recently assigned first (chenmin just got one)
    south = [await handoff(offline_app, f"s{i}", company=f"广州新客户{i}", region="广州") for i in range(4)]
    assert all(x["reason"] == "region" for x in south)
    expected = [await staff_id(offline_app, u) for u in ("zhoujie", "sunli", "chenmin", "zhoujie")]
    assert [x["staff_id"] for x in south] == expected and sunli in expected
    # unknown region: round-robin over every available rep
    anywhere = await handoff(offline_app, "x1", company="火星科技", region="火星")
    assert anywhere["reason"] == "round_robin"


async def test_round_robin_spreads_leads_and_skips_reps_who_are_away(offline_app):
    rep_ids = {await staff_id(offline_app, u) for u in ("zhangwei", "lina", "zhaolei")}
    away = ConsoleClient(offline_app, "lina")
    assert "暂停" in await away.say("/接单 关")
    picks = [
        (await handoff(offline_app, f"h{i}", company=f"上海新客户{i}号", region="上海"))["staff_id"] for i in range(4)
    ]
    lina = await staff_id(offline_app, "lina")
    assert lina not in picks
    assert set(picks) == rep_ids - {lina}
    assert picks[0] != picks[1] and picks[2] != picks[3]  # alternates
    assert "继续" in await away.say("/接单 开")
    assert (await handoff(offline_app, "h9", company="上海新客户9号", region="上海"))["staff_id"] == lina


async def test_rules_command_is_for_admins_and_validates(offline_app):
    assert "没有「/线索规则」" in await ConsoleClient(offline_app, "zhangwei").say("/线索规则 华东 zhangwei")
    admin = ConsoleClient(offline_app, "admin")
    assert "没有用户或团队" in await admin.say("/线索规则 华东 nobody")
    answer = await admin.say("/线索规则 华东 制造业 zhaolei")
    assert "已添加规则" in answer
    listing = await admin.say("/线索规则")
    assert "华东 · 制造业 → 赵磊" in listing
    rule_id = answer.split("#")[1].split("：")[0]
    assert "已删除" in await admin.say(f"/线索规则 删 {rule_id}")
    async with offline_app.db.session() as s:
        assert not (await s.get(LeadRoutingRule, int(rule_id))).active


def test_sales_region_mapping():
    assert sales_region("江苏苏州") == "华东" and sales_region("深圳南山") == "华南"
    assert sales_region("华北") == "华北" and sales_region("") is None and sales_region("火星") == "火星"


# --- business hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, inside, promise",
    [
        (datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), True, "今天 12:00 前（2 小时内）"),  # Monday morning
        (datetime(2026, 11, 23, 17, 0, tzinfo=SHANGHAI), True, "今天下班前（18:00 前）"),
        (datetime(2026, 11, 23, 20, 0, tzinfo=SHANGHAI), False, "明天上午 11:00 前"),  # Monday night → Tuesday
        (datetime(2026, 11, 28, 15, 0, tzinfo=SHANGHAI), False, "11月30日（周一）上午 11:00 前"),  # Saturday
        (datetime(2026, 11, 24, 7, 30, tzinfo=SHANGHAI), False, "今天上午 11:00 前"),  # early Tuesday
    ],
)
def test_contact_promise_follows_business_hours(tmp_path, now, inside, promise):
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    assert in_business_hours(now, settings) is inside
    assert contact_promise(now, settings)[0] == promise


async def test_out_of_hours_handoff_says_so(tmp_path):
    saturday = FrozenClock(datetime(2026, 11, 28, 21, 0, tzinfo=SHANGHAI))
    async with running_app(tmp_path, clock=saturday) as app:
        out = await handoff(app, "late", company="周末来的公司", region="上海")
    assert "非工作时间" in out["text"] and "11月30日（周一）上午" in out["text"]


# --- validation -------------------------------------------------------------------------------------


async def test_bad_phone_is_refused_and_nothing_is_written(offline_app):
    ctx = customer_ctx(offline_app, "badphone")
    with pytest.raises(ToolError, match="电话号码好像不太对"):
        await run_tool(ctx, "save_contact_info", {"name": "王", "company": "某公司", "phone": "12345"})
    async with offline_app.db.session() as s:
        assert (await s.execute(select(Lead))).scalars().all() == []


async def test_handoff_needs_name_and_phone_and_happens_once(offline_app):
    ctx = customer_ctx(offline_app, "once")
    await run_tool(ctx, "save_contact_info", {"company": "某公司", "need": "要报价"})
    out = await run_tool(ctx, "handoff_to_sales", {})
    assert out.data["missing"] == ["name", "phone"]
    await run_tool(ctx, "save_contact_info", {"name": "李<script>女士", "phone": "+86 139-1234-5678"})
    first = await run_tool(ctx, "handoff_to_sales", {})
    second = await run_tool(ctx, "handoff_to_sales", {})
    await offline_app.drain()
    assert second.data["duplicate"] and second.data["staff_id"] == first.data["staff_id"]
    async with offline_app.db.session() as s:
        lead = (await s.execute(select(Lead))).scalars().one()
        handoffs = (await s.execute(select(AuditLog).where(AuditLog.action == "lead.handoff"))).scalars().all()
    assert lead.phone == "13912345678" and lead.name == "李 script 女士" and len(handoffs) == 1
    pushes = [line for line in offline_app.console_lines if line.startswith("[推送")]
    assert len(pushes) == 1 and "13912345678" in pushes[0] and "某公司" in pushes[0]


async def test_staff_tools_see_leads_by_scope(offline_app):
    await handoff(offline_app, "scope1", company="上海新客户", region="上海")  # → a 华东 rep
    await handoff(offline_app, "scope2", company="广州新客户", region="广州")  # → a 华南 rep
    east = await ConsoleClient(offline_app, "wangqiang").say("/线索")
    south = await ConsoleClient(offline_app, "liuyang").say("/线索")
    director = await ConsoleClient(offline_app, "chenjing").say("/线索")
    assert "上海新客户" in east and "广州新客户" not in east
    assert "广州新客户" in south and "上海新客户" not in south
    assert "上海新客户" in director and "广州新客户" in director
    rep_answers = [await ConsoleClient(offline_app, u).say("/线索") for u in ("zhangwei", "lina", "zhaolei")]
    assert sum("上海新客户" in a for a in rep_answers) == 1 and not any("广州新客户" in a for a in rep_answers)


# --- channels ---------------------------------------------------------------------------------------


HANDOFF_SCRIPT = [
    tool_call(
        "save_contact_info",
        name="王先生",
        company="苏州恒远机械",
        phone="13912345678",
        need="50 个销售管拜访",
        region="苏州",
    ),
    tool_call("handoff_to_sales", reason="要报价"),
    text("好的王先生，已经为您安排销售顾问。"),
]


async def test_console_customer_asks_then_gets_a_rep(tmp_path, fake_llm):
    from knowledge import load_demo_library

    async with running_app(
        tmp_path, knowledge=True, OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake"
    ) as app:
        app.knowledge.generate_questions_on_ingest = False
        await load_demo_library(app.knowledge)
        guest = ConsoleClient(app, "guest-42", role_hint=Role.CUSTOMER)
        fake_llm.script(
            tool_call("search_public_knowledge", query="价格"),
            text("您好！标准版 99 元/账号/月 [1]。需要的话我可以请销售顾问联系您。"),
        )
        assert "标准版 99 元/账号/月 [1]" in await guest.say("多少钱？")
        offered = [t["function"]["name"] for t in fake_llm.requests[-2]["tools"]]
        assert sorted(offered) == ["handoff_to_sales", "save_contact_info", "search_public_knowledge"]
        tool_result = fake_llm.requests[-1]["messages"][-1]["content"]
        assert "99 元/账号/月" in tool_result and "折扣审批" not in tool_result
        fake_llm.script(*HANDOFF_SCRIPT)
        answer = await guest.say("我是苏州恒远机械的王先生，电话13912345678，想要报价")
        # the visitor learns when, not who: no rep's name, no rep's phone (the rep is pushed the lead)
        assert "已为您安排销售顾问，会在今天 12:00 前" in answer and "张伟" not in answer
        assert "13800000" not in answer
        assert any(line.startswith("[推送 → zhangwei] ┌ 【新客户线索】") for line in app.console_lines)


async def test_wecom_kf_customer_gets_a_rep_and_the_rep_is_pushed(tmp_path, fake_llm):
    from tests.fakes.wecom import FakeQyapi, kf_event_xml
    from tests.wecom_support import CORP_ID, wecom_rig

    async with FakeQyapi(CORP_ID, "secret-abc") as qyapi:
        async with wecom_rig(
            tmp_path,
            qyapi=qyapi,
            demo=True,
            OPENAI_BASE_URL=fake_llm.base_url,
            OPENAI_API_KEY="t",
            SALESBOT_LLM_MODEL="fake",
        ) as rig:
            fake_llm.script(*HANDOFF_SCRIPT)
            qyapi.add_kf_message("wkSales", "wmCustomer1", "我是苏州恒远机械的王先生，电话13912345678，想要报价")
            await rig.sender.post_xml(kf_event_xml(CORP_ID, "T1", "wkSales"))
            await rig.settle()
            kf_sends = qyapi.calls_to("kf/send_msg")
            to_customer = " ".join(c["json"]["text"]["content"] for c in kf_sends)
            assert all(c["json"]["touser"] == "wmCustomer1" for c in kf_sends)
            assert "已为您安排销售顾问，会在" in to_customer and "张伟" not in to_customer
            pushes = [c["json"] for c in qyapi.calls_to("message/send")]
            assert any(p.get("touser") == "zhangwei" and "新客户线索" in str(p) for p in pushes)
            async with rig.app.db.session() as s:
                lead = (await s.execute(select(Lead))).scalars().one()
            assert lead.platform == "wecom_kf" and lead.external_id == "wmCustomer1"
            assert lead.conversation_key == "wecom_kf:wkSales:wmCustomer1"


async def test_dingtalk_customer_group_is_served_by_the_customer_bot(tmp_path, fake_llm):
    from adapters.dingtalk.parsing import parse_robot_message
    from tests.fakes.dingtalk import FakeDingTalk

    gateway = FakeDingTalk()
    await gateway.start()
    try:
        group = "cidCUSTOMERS0001=="
        env = {
            "DINGTALK_CLIENT_ID": gateway.client_id,
            "DINGTALK_CLIENT_SECRET": gateway.client_secret,
            "DINGTALK_OPENAPI_ENDPOINT": gateway.base_url,
            "DINGTALK_CUSTOMER_GROUPS": f"{group}, cidOTHER==",
            "OPENAI_BASE_URL": fake_llm.base_url,
            "OPENAI_API_KEY": "t",
            "SALESBOT_LLM_MODEL": "fake",
        }
        async with running_app(tmp_path, **env) as app:
            adapter = app.adapters["dingtalk"]
            # even a colleague's id in a customer group gets the customer bot (everything there is seen by customers)
            fake_llm.script(tool_call("lookup_customer", name="南粤电子"), text("南粤电子的商机金额 80 万"))
            probe = gateway.robot_message("查一下南粤电子", staff_id="dt_zhangwei", group=True, conversation_id=group)
            await adapter.accept_message(parse_robot_message(probe))
            await app.drain()
            fake_llm.script(*HANDOFF_SCRIPT)
            ask = gateway.robot_message(
                "我要报价，王先生 13912345678", staff_id="ext_customer_9", group=True, conversation_id=group
            )
            await adapter.accept_message(parse_robot_message(ask))
            await app.drain()
            # a staff group that is not listed stays a staff conversation
            staff = gateway.robot_message("/帮助", staff_id="dt_zhangwei", group=True, conversation_id="cidSTAFF==")
            await adapter.accept_message(parse_robot_message(staff))
            await app.drain()
            await gateway.wait_for(lambda: len(gateway.webhook_sends) >= 3, 5)
            by_session = {s["session"]: s["body"] for s in gateway.webhook_sends}

            def sent(payload):
                return str(by_session.get(payload["sessionWebhook"].split("session=")[1]))

            assert "南粤电子" not in sent(probe) and "办理不了" in sent(probe)
            assert "已为您安排销售顾问，会在" in sent(ask) and "张伟" not in sent(ask)
            assert "/拜访" in sent(staff)  # the staff help, not the customer bot
            async with app.db.session() as s:
                denied = (await s.execute(select(AuditLog).where(AuditLog.action == "tool.denied"))).scalars().all()
                lead = (await s.execute(select(Lead))).scalars().one()
            assert [d.detail["detail_tool"] for d in denied] == ["lookup_customer"]
            assert lead.platform == "dingtalk" and lead.conversation_key == f"dingtalk:{group}"
    finally:
        await gateway.close()


async def test_offline_customer_leaving_a_phone_is_handed_off(offline_app):
    guest = ConsoleClient(offline_app, "offline-guest", role_hint=Role.CUSTOMER)
    answer = await guest.say("你好，想了解一下")
    assert "留下您的称呼和电话" in answer
    answer = await guest.say("我姓赵，电话 13612345678，想要个报价")
    assert "已为您安排销售顾问" in answer
    async with offline_app.db.session() as s:
        lead = (await s.execute(select(Lead))).scalars().one()
    assert lead.phone == "13612345678" and lead.status == "handed_off"


async def test_customer_rate_limit_costs_no_llm_call(tmp_path, fake_llm):
    async with running_app(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="t",
        SALESBOT_LLM_MODEL="fake",
        SALESBOT_CUSTOMER_RATE_LIMIT="2/600",
    ) as app:
        guest = ConsoleClient(app, "flood", role_hint=Role.CUSTOMER)
        fake_llm.script(text("您好"), text("您好"))
        await guest.say("在吗")
        await guest.say("在吗")
        calls = fake_llm.calls
        assert "有点快" in await guest.say("在吗")
        assert fake_llm.calls == calls
        other = ConsoleClient(app, "someone-else", role_hint=Role.CUSTOMER)
        fake_llm.script(text("您好，请问有什么可以帮您？"))
        assert "请问" in await other.say("你好")
        async with app.db.session() as s:
            limited = (
                (await s.execute(select(AuditLog).where(AuditLog.action == "customer.rate_limited"))).scalars().all()
            )
        assert len(limited) == 1


# --- hand-off privacy, one lead per person, what reps and customers read ------------------------------


async def test_visitor_gets_published_contact_never_a_reps_phone_nor_the_owner(tmp_path):
    async with running_app(tmp_path, SALESBOT_PUBLIC_CONTACT="客服热线 400-820-1234") as app:
        async with app.db.write() as s:
            for user in (await s.execute(select(StaffUser))).scalars().all():
                user.phone = "13800009999"
                user.public_contact = f"企业微信「联系我」：https://work.weixin.qq.com/ca/{user.username}"
                s.add(user)
        new = await handoff(app, "pc1", company="火星新客户", region="火星")
        assert "13800009999" not in new["text"] and "打他的电话" not in new["text"]
        owner_named = await handoff(app, "pc2", company="南京金陵医药集团")
        assert owner_named["reason"] == "account_owner"
        # the owner's own link would say who looks after 金陵医药: the company's hotline instead
        assert "zhangwei" not in owner_named["text"] and "张伟" not in owner_named["text"]
        assert "400-820-1234" in owner_named["text"]
        async with app.db.session() as s:
            picked = await s.get(StaffUser, new["staff_id"])
        assert f"/ca/{picked.username}" in new["text"] and picked.name not in new["text"]


async def test_details_after_a_handoff_update_the_one_lead_and_the_rep_is_notified_once(offline_app):
    ctx = customer_ctx(offline_app, "again")
    await run_tool(ctx, "save_contact_info", {"name": "王先生", "phone": "13912345001"})
    first = await run_tool(ctx, "handoff_to_sales", {})
    await run_tool(ctx, "save_contact_info", {"need": "再加 20 个账号"})
    second = await run_tool(ctx, "handoff_to_sales", {})
    # the same phone from another chat (a new cookie) continues the same lead
    other = customer_ctx(offline_app, "again-new-cookie")
    await run_tool(other, "save_contact_info", {"name": "王先生", "phone": "139 1234 5001", "company": "恒远机械"})
    third = await run_tool(other, "handoff_to_sales", {})
    await offline_app.drain()
    async with offline_app.db.session() as s:
        leads = (await s.execute(select(Lead))).scalars().all()
    assert len(leads) == 1 and leads[0].need == "再加 20 个账号" and leads[0].company == "恒远机械"
    assert second.data["duplicate"] and third.data["duplicate"] and first.data["staff_id"]
    pushes = [line for line in offline_app.console_lines if line.startswith("[推送")]
    assert len(pushes) == 1


async def test_rep_reads_customer_words_marked_with_links_defanged(offline_app):
    ctx = customer_ctx(offline_app, "phish")
    need = "【系统通知】请销售登录 http://evil.example.com/login 领取线索"
    await run_tool(ctx, "save_contact_info", {"name": "王先生", "phone": "13912345002", "need": need})
    await run_tool(ctx, "handoff_to_sales", {"reason": "见 https://evil.example.com"})
    await offline_app.drain()
    push = next(line for line in offline_app.console_lines if line.startswith("[推送"))
    assert "http://evil" not in push and "evil.example.com" not in push
    assert "hxxp://evil[.]example[.]com/login" in push and "需求（客户原话）：「" in push


async def test_a_flood_of_cookieless_posts_with_new_phones_opens_at_most_ten_leads(tmp_path):
    from aiohttp import ClientSession
    from aiohttp.test_utils import TestServer

    from salesbot.server import build_web_app

    # the web chat's own per-address limits would stop the flood first (tests/security/test_web_chat_attacks.py);
    # opened wide here, so this shows the lead layer's own cap, which also guards 微信客服 and DingTalk groups
    wide = {"SALESBOT_WEB_CHAT_IP_RATE_LIMIT": "1000/60", "SALESBOT_WEB_CHAT_NEW_VISITORS_PER_IP": "1000/3600"}
    async with running_app(tmp_path, demo=True, **wide) as app:
        server = TestServer(build_web_app(app), host="127.0.0.1")
        await server.start_server()
        try:
            async with ClientSession() as client:  # no cookie jar kept: every post is a new visitor
                for i in range(60):
                    body = {"text": f"我姓王，电话 1391234{i:04d}，想要报价"}
                    async with client.post(server.make_url("/chat/api/messages"), json=body) as r:
                        assert r.status in (202, 429)
            await app.drain()
        finally:
            await server.close()
        async with app.db.session() as s:
            leads = (await s.execute(select(Lead))).scalars().all()
            limited = (
                (await s.execute(select(AuditLog).where(AuditLog.action == "lead.address_limited"))).scalars().all()
            )
    assert 1 <= len(leads) <= 10 and limited


# --- without a model: a person on request, details in any order, no internal words --------------------


async def test_offline_customer_asking_for_a_person_is_handed_off(offline_app):
    guest = ConsoleClient(offline_app, "wants-human", role_hint=Role.CUSTOMER)
    asked = await guest.say("转人工")
    assert "称呼和电话" in asked and "售后" not in asked
    done = await guest.say("我是苏州恒远机械的王先生，电话13912345003")
    assert "已为您安排销售顾问" in done
    async with offline_app.db.session() as s:
        lead = (await s.execute(select(Lead))).scalars().one()
    assert (lead.name, lead.company, lead.phone, lead.status) == ("王先生", "苏州恒远机械", "13912345003", "handed_off")
    assert "客户（-）" not in lead.summary and "电话 ，" not in lead.summary


async def test_offline_details_over_several_messages_and_frustration(offline_app):
    guest = ConsoleClient(offline_app, "several", role_hint=Role.CUSTOMER)
    await guest.say("我叫张敏")
    await guest.say("深圳新锐电商有限公司")
    await guest.say("想给 20 人团队开试用，13512345004")
    async with offline_app.db.session() as s:
        lead = (await s.execute(select(Lead))).scalars().one()
    assert (lead.name, lead.company, lead.phone) == ("张敏", "深圳新锐电商有限公司", "13512345004")
    assert lead.need == "想给 20 人团队开试用" and lead.status == "handed_off"
    angry = ConsoleClient(offline_app, "angry", role_hint=Role.CUSTOMER)
    assert "称呼和电话" in await angry.say("你们到底有没有人")
    again = ConsoleClient(offline_app, "again3", role_hint=Role.CUSTOMER)
    await again.say("我姓李，13612345005")
    for _ in range(3):
        last = await again.say("私有化怎么收费")
    assert "已经安排销售顾问" in last or "已为您安排销售顾问" in last


async def test_customer_never_sees_modes_or_commands(offline_app):
    guest = ConsoleClient(offline_app, "no-internals", role_hint=Role.CUSTOMER)
    for message in ("/帮助", "/价格", "你好", "多少钱"):
        answer = await guest.say(message)
        assert not any(word in answer for word in ("离线", "命令", "大模型", "话术库", "/帮助")), (message, answer)


async def test_model_that_answers_a_document_still_hands_off(tmp_path, fake_llm):
    async with running_app(
        tmp_path, OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake"
    ) as app:
        guest = ConsoleClient(app, "doc-instead", role_hint=Role.CUSTOMER)
        fake_llm.script(tool_call("save_contact_info", name="李女士", phone="13612345006"), text("好的，记下了。"))
        await guest.say("我是李女士，13612345006")
        fake_llm.script(text("售后服务：工作日 9:00-18:00 提供在线支持。"))
        answer = await guest.say("我要找销售")
        assert "已为您安排销售顾问" in answer
        assert any(line.startswith("[推送") and "新客户线索" in line for line in app.console_lines)


async def test_citations_name_documents_never_server_paths(tmp_path, fake_llm):
    from knowledge import load_demo_library

    async with running_app(
        tmp_path, knowledge=True, OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake"
    ) as app:
        app.knowledge.generate_questions_on_ingest = False
        await load_demo_library(app.knowledge)
        guest = ConsoleClient(app, "cite", role_hint=Role.CUSTOMER)
        fake_llm.script(tool_call("search_public_knowledge", query="企业微信 集成"), text("可以在企业微信里用 [1]。"))
        await guest.say("能在企业微信里用吗？")
        shown = fake_llm.requests[-1]["messages"][-1]["content"]
        assert "《" in shown and "demo_library" not in shown and ".md" not in shown and str(tmp_path) not in shown
        rep = ConsoleClient(app, "zhangwei")
        answer = await rep.say("/话术 企业微信集成")
        assert "《" in answer and "demo_library" not in answer and ".md" not in answer
