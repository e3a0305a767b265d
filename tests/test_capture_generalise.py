"""Issue 19 items 1-5: capture that generalises — who we are, speakers and sides, corrections and dates,
numbers and phones in spoken forms, the model path held to evidence (against misbehaving fakes)."""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

import pytest

from bot.org import OrgProfile, load_org_profile, parse_profile_form, save_org_profile
from bot.zh_parse import find_money, find_phones, plan_dates
from tests.admin_support import make_accounts, serving, signed_in
from tests.conftest import running_app
from tools.autofill.extract import extract_rules, split_sentences
from tools.autofill.llm_extract import extract, parse_json_object

ORG = OrgProfile.from_settings(
    SimpleNamespace(
        org_name="恒川科技,恒川,恒穿科技",
        org_products="恒川CRM",
        competitors="纷享销客/纷享,销售易/销售e,励销云/励销,悟空CRM,海纳CRM/海纳",
    )
)
MEETING = date(2026, 3, 10)  # a Tuesday


def rules(text: str, ref: date = MEETING, staff=()):
    return extract_rules(text, ref, [], list(staff), ORG)


# --- 1. who we are ----------------------------------------------------------------------------------


def test_our_own_company_is_never_the_account_and_the_customer_is():
    ex = rules(
        "销售-王磊: 周总好，我是恒川科技的王磊。\n"
        "客户-周总：你好。我们是苏州瑞泰精密机械有限公司，主要做精密零件。\n"
        "销售-王磊: 恒川科技在制造业做了很多案例。\n"
    )
    assert ex.account.value == "苏州瑞泰精密机械有限公司"
    assert ex.our_side == ["王磊"]
    assert [c.name for c in ex.contacts] == ["周总"]
    # an ASR variant of our name, alone, is not a customer either
    alone = rules("电话记录\n发言人1\n喂您好，我这边是恒穿科技，想跟您聊一下。\n发言人2\n好的你说。\n")
    assert alone.account is None


@pytest.mark.parametrize(
    "line, account",
    [
        ("客户-李总：咱们公司这块一直比较乱。我们德阳川江机电做了二十年了。", "德阳川江机电"),
        (
            "客户-李总：这个是公司的销售负责人马骏。咱们温州瓯江阀门制造有限公司销售这块比较乱。",
            "温州瓯江阀门制造有限公司",
        ),
        ("今天把报价单发给昆山德瑞欣电子科技的黄丽萍了。", "昆山德瑞欣电子科技"),
        ("参会：华晟物业 谭思远。\n客户-谭思远：我们是华晟控股集团有限公司下面的华晟物业。", "华晟物业"),
        ("今天和集成商上海启明系统集成有限公司的钱工一起去了杭州禾丰食品有限公司。", "杭州禾丰食品有限公司"),
        ("客户：北京金诚律师事务所（特殊普通合伙）\n孔维：我们之前问过几家。", "北京金诚律师事务所（特殊普通合伙）"),
    ],
)
def test_account_is_the_customer_as_named_without_glue_words(line, account):
    ex = rules(line)
    assert ex.account is not None and ex.account.value == account
    assert all(o.value not in ("咱们公司", "这个是公司", "公司") for o in ex.other_companies)


def test_competitors_by_alias_and_asr_slip_and_unknown_products_as_possible():
    ex = rules(
        "客户-何总：之前我们试过分享销客，现在海那CRM也在跟我们接触。\n"
        "客户-何总：我们有个大客户叫海纳电器。我们也在看简道云，还问过Salesforce。\n"
        "客户-邓雨：订单要回传到金蝶ERP，接口要打通。\n"
    )
    assert [c.value for c in ex.competitors] == ["纷享销客", "海纳CRM"]
    assert ex.competitors[0].note and "分享销客" in ex.competitors[0].note  # the rep sees how it was written
    assert {c.value for c in ex.possible_competitors} == {"简道云", "Salesforce"}
    assert ORG.canonical_competitor("销售一") == "销售易" and ORG.canonical_competitor("海纳电器") is None


async def test_org_profile_console_edits_win_over_the_settings_and_capture_uses_them(tmp_path):
    async with running_app(tmp_path, SALESBOT_ORG_NAME="云帆科技,云帆", SALESBOT_COMPETITORS="纷享销客/纷享") as app:
        seeded = await load_org_profile(app.db, app.settings)
        assert seeded.names[:2] == ("云帆科技", "云帆") and seeded.competitor_names() == ["纷享销客"]
        await make_accounts(app)
        async with serving(app) as base, signed_in(base) as web:
            status, page = await web.get("/admin/org")
            assert status == 200 and "公司与竞品" in page and "纷享销客/纷享" in page
            status, page = await web.post("/admin/org", {"names": "", "products": "", "competitors": "励销云"})
            assert status == 400 and "至少要填一个我方公司名称" in page  # nothing saved
            assert (await load_org_profile(app.db, app.settings)).competitor_names() == ["纷享销客"]
            status, page = await web.post(
                "/admin/org",
                {
                    "names": "云帆科技\n云帆\n韵帆科技",
                    "products": "云帆CRM",
                    "competitors": "纷享销客/纷享\n励销云/励销",
                },
            )
            assert status == 200 and "已保存" in page
        profile = await load_org_profile(app.db, app.settings)
        assert profile.names == ("云帆科技", "云帆", "韵帆科技") and profile.products == ("云帆CRM",)
        assert profile.competitor_names() == ["纷享销客", "励销云"]
        ex = await extract(
            "说话人1\n你好，我这边是韵帆科技的李想。\n说话人2\n我是眉山润禾农业发展有限公司的苏杭，我们之前用过励销。\n",
            date(2026, 2, 25),
            org=profile,
        )
        assert ex.account.value == "眉山润禾农业发展有限公司" and [c.value for c in ex.competitors] == ["励销云"]
        assert ex.our_side == ["李想"] and [c.name for c in ex.contacts] == ["苏杭"]


def test_profile_form_is_checked_in_chinese():
    with pytest.raises(ValueError, match="同时填在了我方名称和竞品里"):
        parse_profile_form("云帆科技\n纷享", "", "纷享销客/纷享")
    p = parse_profile_form("云帆科技，云帆", "云帆CRM", "纷享销客/纷享/分享销客\n销售易")
    assert p.competitors[0].aliases == ("纷享", "分享销客") and p.names == ("云帆科技", "云帆")
    assert OrgProfile.from_settings(SimpleNamespace(org_name="A科技", competitors="")).merged(
        {"competitors": [{"name": "X", "aliases": []}]}
    ).competitor_names() == ["X"]


# --- 2. speakers and sides ----------------------------------------------------------------------------


def test_speaker_labels_in_every_common_form():
    text = (
        "销售-王磊: 您好\n客户-周总：你好\n[销售-陈晨] 您好\n【客户-李总】你好\n"
        "发言人1 00:00:02\n喂，你好\n张总:好的\n销售 刘洋：在的\n张晓 10:21\n早上好\n\n周强\n好的。\n"
    )
    assert [s.speaker for s in split_sentences(text)] == [
        "销售-王磊",
        "客户-周总",
        "销售-陈晨",
        "客户-李总",
        "发言人1",
        "张总",
        "销售 刘洋",
        "张晓",
        "周强",
    ]


def test_contacts_are_the_customers_people_only():
    ex = rules(
        "参会：安和 采购经理 冯雪、销售总监 宋涛；渠道伙伴 安徽易达信息技术有限公司 何伟；恒川科技 赵磊\n"
        "赵磊：感谢易达的何伟牵线。\n"
        "何伟：我手机是 13956781234，有问题随时找我。\n"
        "宋涛：之前对接的刘经理已经离职了，现在我负责。\n"
        "冯雪：我的电话是 0551-6321 7788。\n",
        staff=["赵磊"],
    )
    assert {c.name for c in ex.contacts} == {"冯雪", "宋涛"}
    assert {c.name: c.title for c in ex.contacts} == {"冯雪": "采购经理", "宋涛": "销售总监"}
    assert [c.phone for c in ex.contacts if c.phone] == ["0551-63217788"]  # the partner's mobile is not ours
    assert ex.our_side == ["赵磊"]


# --- 3. corrections and dates -----------------------------------------------------------------------------


def test_latest_statement_wins_for_seats_budget_and_dates():
    ex = rules(
        "客户-周总：一百个账号。不对，是120个。\n"
        "客户-周总：预算五十万。重新算一下，今年先给四十五万。\n"
        "客户-周总：我们下周三签，不对，改成下周五签吧，周三我出差。\n"
    )
    assert ex.seats.value == 120 and "100" in ex.seats.note
    assert ex.budget.value == 450000
    assert ex.close_date.value == date(2026, 3, 20)
    assert rules("客户-周总：一百个账号吧。\n客户-周总：不对，账号数是150个。\n").seats.value == 150
    assert rules("客户-孔维：原来说六十个账号，从六十个减到五十个。\n").seats.value == 50
    assert rules("客户：现在开三十个账号，以后可能扩到五十个。\n").seats.value == 30


def test_close_go_live_and_delivery_dates_are_different_fields():
    ex = rules("客户-周总：5月底前选定供应商，7月1号前要上线。\n客户-周总：4月15号之前完成数据迁移，4月20号做培训。\n")
    assert ex.close_date.value == date(2026, 5, 31)  # the last day of May, not June 1
    assert ex.golive_date.value == date(2026, 7, 1)
    assert ex.next_steps == []  # training and migration dates are neither
    assert "李明" not in (ex.timeline.value if ex.timeline else "")
    spring = rules("【客户-李总】春节前把合同签了，过完年开始用。\n", date(2026, 1, 20))
    assert spring.close_date.value == date(2026, 2, 16) and spring.golive_date is None  # 除夕; 过完年 is vague
    national = rules("张总：国庆前把合同签了，明年元旦上线。\n", date(2026, 9, 8))
    assert (national.close_date.value, national.golive_date.value) == (date(2026, 9, 30), date(2027, 1, 1))
    lost = rules("杨总：我们最后选了销售易，已经签了，下个月十号上线。\n", date(2026, 12, 8))
    assert lost.close_date is None and lost.stage.value == "closed_lost"


def test_plan_dates_roll_forward_and_read_english():
    found = plan_dates("12月底前签，End of October 定供应商", date(2026, 5, 6))
    assert [d.date for d in found] == [date(2026, 12, 31), date(2026, 10, 31)]


def test_laba_said_in_january_is_the_laba_of_the_lunar_year_begun_the_year_before():
    # 腊八 2045 falls on 2045-01-25 (lunar 12-08 of the year that began in 2044); 元宵 2045 on 03-03
    found = plan_dates("腊八前定下来，元宵节前用起来", date(2045, 1, 17))
    assert [d.date for d in found] == [date(2045, 1, 24), date(2045, 3, 2)]
    assert [d.date for d in plan_dates("腊八前定", date(2045, 2, 1))] == [date(2046, 1, 13)]


# --- 4. numbers and phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said, digits",
    [
        ("139 1234 5678", "13912345678"),
        ("1381 234 5678", "13812345678"),
        ("138-0571-2233", "13805712233"),
        ("幺三六 五七八九 零二四六", "13657890246"),
        ("+86 139 0123 4567", "13901234567"),
        ("021-5892 3366", "02158923366"),
        ("0571 8888 6666", "057188886666"),
    ],
)
def test_phones_in_spoken_and_grouped_forms(said, digits):
    assert [p.value.replace("-", "") for p in find_phones(f"我电话是 {said}，微信同号")] == [digits]


def test_money_in_spoken_forms_and_ranges():
    assert [m.value for m in find_money("预算不多，五六万吧")] == [60000]
    assert rules("客户-周总：预算大概20到30万吧。\n").budget.value == 300000
    ex = rules(
        "销售-王磊: 八十个账号的话，一年是二十四万。\n客户-张总：能打个九折吗？\n销售-王磊: 九折可以，那就是二十一万六。\n"
    )
    assert ex.amount.value == 216000 and ex.seats.value == 80
    rival = rules(
        "王磊：方便说下他们报了多少吗？\n杨总：他们一百个账号报了二十万。\n王磊：我们最后给的报价是二十六万。\n"
    )
    assert rival.amount.value == 260000  # a competitor's price is never our amount


# --- 5. the model path held to evidence ----------------------------------------------------------------


class ScriptedModel:
    """A chat model that answers each call with the next scripted text (what misbehaving models send)."""

    def __init__(self, *answers: str):
        self.answers, self.prompts = list(answers), []

    def bind(self, **_kw):
        return self

    async def ainvoke(self, prompt):
        self.prompts.append(str(prompt))
        return SimpleNamespace(content=self.answers.pop(0) if self.answers else "")


TRANSCRIPT = (
    "拜访纪要 2026年3月10日\n"
    "销售-王磊: 周总您好，我是恒川科技的王磊。\n"
    "客户-周总：我们是苏州瑞泰精密机械有限公司。\n"
    "客户-周总：一百个账号。不对，是120个。\n"
    "客户-周总：今年这块预算大概三十来万。\n"
    "客户-周总：我们也在看纷享，他们上周来演示过。\n"
    "客户-周总：5月底前选定供应商，7月1号前要上线。\n"
)


async def test_model_values_must_quote_the_transcript_and_numbers_are_reconciled():
    answer = {
        "account": {"value": "恒川科技", "evidence": "我是恒川科技的王磊"},  # our own company: dropped
        "budget": {"value": "三十万", "evidence": "今年这块预算大概三十来万"},  # Chinese numerals
        "seats": {"value": "一百", "evidence": "一百个账号"},  # the corrected number is later in the same line
        "amount": {"value": 880000, "evidence": "周总说八十八万可以签"},  # not in the text: dropped
        "close_date": {"value": "2026-06-01", "evidence": "5月底前选定供应商"},
        "golive_date": {"value": "2026-07-01", "evidence": "7月1号前要上线"},
        "competitors": [{"value": "纷享", "evidence": "我们也在看纷享，他们上周来演示过"}],
        "possible_competitors": [{"value": "Salesforce", "evidence": "他们在看Salesforce"}],  # invented
        "qualification": {"authority": {"value": "周总", "evidence": "最终拍板是我"}},  # no such sentence
    }
    model = ScriptedModel("<think>先找客户名……</think>\n```json\n" + json.dumps(answer, ensure_ascii=False) + "\n```")
    ex = await extract(TRANSCRIPT, MEETING, model=model, org=ORG)
    assert ex.mode == "llm"
    assert ex.account.value == "苏州瑞泰精密机械有限公司"
    assert ex.budget.value == 300000 and ex.seats.value == 120 and ex.amount is None
    assert ex.close_date.value == date(2026, 5, 31)  # the rules read the sentence: the last day of May
    assert ex.golive_date.value == date(2026, 7, 1)
    assert [c.value for c in ex.competitors] == ["纷享销客"] and ex.possible_competitors == []
    assert "authority" not in ex.qualification
    assert any("找不到出处" in w for w in ex.warnings)
    assert "恒川科技" in model.prompts[0] and "纷享销客/纷享" in model.prompts[0]


@pytest.mark.parametrize(
    "reply",
    [
        "好的，我来整理一下：客户是瑞泰",  # no JSON at all
        '{"account": {"value": "苏州瑞泰精密机械有限公司", "evidence": ',  # truncated before any complete field
        "",
    ],
)
async def test_unusable_model_answers_leave_the_rules_result_with_a_warning(reply):
    ex = await extract(TRANSCRIPT, MEETING, model=ScriptedModel(reply), org=ORG)
    assert ex.account.value == "苏州瑞泰精密机械有限公司" and ex.seats.value == 120
    assert any("只用了规则提取" in w or "找不到出处" in w for w in ex.warnings)


def test_truncated_and_thinking_answers_keep_their_complete_fields():
    cut = '<think>嗯</think>{"budget": {"value": 300000, "evidence": "预算大概三十来万"}, "seats": {"value": 1'
    assert parse_json_object(cut) == {"budget": {"value": 300000, "evidence": "预算大概三十来万"}}
    assert parse_json_object("<think>还没想完") is None
    assert parse_json_object('```json\n{"a": [1, 2, {"b": "x"}]}\n```') == {"a": [1, 2, {"b": "x"}]}


# --- labels -------------------------------------------------------------------------------------------------


async def test_extract_cli_text_is_chinese_and_json_keeps_keys(tmp_path, capsys):
    from salesbot.extract_preview import extract_command

    path = tmp_path / "t.txt"
    path.write_text(
        TRANSCRIPT + "客户-周总：流程太乱了，经常漏跟。\n客户-周总：要走招标流程，最终拍板是我。\n", encoding="utf-8"
    )
    settings = SimpleNamespace(
        resolved_database_url="sqlite+aiosqlite:///" + str(tmp_path / "none.db"),
        data_dir=tmp_path,
        database_url="",
        llm_configured=False,
        org_name="恒川科技",
        org_products="",
        competitors="纷享销客/纷享",
        company_name="",
    )
    code = await extract_command(SimpleNamespace(file=str(path), date="2026-03-10", json=False), settings)
    out = capsys.readouterr().out
    assert code == 0
    for english in ("authority", "decision_process", "identified_pain", "budget：", "positive", "neutral", "negative"):
        assert english not in out
    assert sum(line.startswith("预算：") for line in out.splitlines()) == 1  # not again under the qualification
    assert "决策流程：要走招标流程" in out and "决策权：周总拍板" in out and "计划上线：" in out
    assert "时间计划：2026-05-31 前定下来/签约；2026-07-01 上线" in out
    code = await extract_command(SimpleNamespace(file=str(path), date="2026-03-10", json=True), settings)
    data = json.loads(capsys.readouterr().out)
    assert {"decision_process", "authority"} <= set(data["qualification"]) and data["golive_date"]["value"]


def test_extract_cli_names_the_mood_in_chinese():
    from salesbot.extract_preview import render

    ex = rules("客户-闫总：行，方案挺好，我们很满意，年底前签。\n销售-柴伟：好的，谢谢闫总！", date(2026, 11, 20))
    assert ex.sentiment is not None and ex.sentiment.value == "positive"
    assert "客户态度：积极" in render(ex) and "positive" not in render(ex)


async def test_org_profile_saved_without_console(tmp_path):
    async with running_app(tmp_path) as app:
        await save_org_profile(app.db, parse_profile_form("恒川科技", "", "销售易/销售e"), "ops")
        assert (await load_org_profile(app.db, app.settings)).competitor_names() == ["销售易"]


def test_a_reps_spoken_note_dates_the_visit_and_reads_sales_slang():
    ex = rules("昨天去了金马 物流，见了他们的冯主任。报价四十个，这周五之前我把方案发给冯主任。", date(2026, 9, 21))
    assert ex.meeting_date.value == date(2026, 9, 20)
    assert ex.account.value == "金马物流"  # the ASR space removed
    assert ex.amount.value == 400000  # 四十个 in a price is 四十万
    assert [c.name for c in ex.contacts] == ["冯主任"]
    assert [s.due for s in ex.next_steps] == [date(2026, 9, 25)]  # this Friday counted from today


# --- the card: everything the rep sees still waits for 确认 ---------------------------------------------


async def test_card_shows_possible_competitors_and_quotes_and_waits_for_confirmation(tmp_path):
    from sqlmodel import select

    from bot.models import Opportunity
    from tests.conftest import ConsoleClient
    from tools.autofill.models import FieldSuggestion

    async with running_app(
        tmp_path, SALESBOT_ORG_NAME="云帆科技,云帆", SALESBOT_COMPETITORS="纷享销客/纷享,销售易/销售e"
    ) as app:
        rep = ConsoleClient(app, "zhangwei")
        text = (
            "拜访纪要 2026年11月20日\n客户：上海华东机械制造有限公司\n"
            "张伟：王经理好，我是云帆科技的张伟。\n"
            "王芳：我们二期要一百个账号。不对，是120个。\n"
            "王芳：我们也在看简道云，还有分享销客也来过。\n"
            "王芳：下个月十号之前把合同签了，明年元旦上线。\n"
        )
        out = await rep.say("/纪要 " + text)
        assert "确认后才会写入" in out and "可能的竞品（请确认）" in out and "简道云" in out
        assert "「王芳：我们也在看简道云" in out  # the quote is on the card
        async with app.db.session() as s:
            sugs = list((await s.execute(select(FieldSuggestion))).scalars().all())
            opps_before = {o.id: list(o.competitors or []) for o in (await s.execute(select(Opportunity))).scalars()}
        assert all(x.status == "pending" for x in sugs)  # nothing written before 确认
        maybe = next(x for x in sugs if x.label == "可能的竞品（请确认）")
        rivals = next(x for x in sugs if x.field == "competitors" and x.label != "可能的竞品（请确认）")
        assert rivals.new_value[-1] == "纷享销客" and "简道云" not in rivals.new_value
        assert "云帆科技" not in str([x.new_value for x in sugs])  # never our own company
        out = await rep.say(f"拒绝 {maybe.seq} 原因：简道云是他们内部的表单工具，不是竞品")
        assert "不写入" in out
        out = await rep.say("全部接受")
        assert "已写入" in out
        async with app.db.session() as s:
            rejected = await s.get(FieldSuggestion, maybe.id)
            applied = await s.get(FieldSuggestion, rivals.id)
            opp = await s.get(Opportunity, applied.applied_record_id)
        assert rejected.status == "rejected" and "表单工具" in rejected.reason
        assert "纷享销客" in opp.competitors and "简道云" not in opp.competitors
        assert opp.seats == 120 and opp.close_date == date(2026, 12, 10)
        assert applied.status == "accepted" and opps_before.get(opp.id, []) != opp.competitors


async def test_model_labels_hold_people_and_plain_values():
    text = TRANSCRIPT + "客户-周总：最终拍板是我。\n客户-周总：下个月定方案。\n"
    answer = {
        "timeline": {"value": "客户-周总：下个月定方案", "evidence": "下个月定方案"},
        "qualification": {
            "authority": {"value": "最终拍板是我。", "evidence": "最终拍板是我"},
            "decision_process": {"value": "客户-周总：5月底前选定供应商", "evidence": "5月底前选定供应商"},
        },
    }
    ex = await extract(text, MEETING, model=ScriptedModel(json.dumps(answer, ensure_ascii=False)), org=ORG)
    assert ex.qualification["authority"].value == "周总拍板"  # a person, from the rules
    assert ex.qualification["decision_process"].value == "5月底前选定供应商"  # no speaker label
    assert ex.timeline.value == "2026-05-31 前定下来/签约；2026-07-01 上线"


def test_more_ways_people_introduce_themselves_correct_and_name_rivals():
    ex = rules(
        "发言人1 00:00:01\n您好，我是恒川科技的刘洋。\n发言人2 00:00:04\n"
        "我姓谢，谢婉，我们是做物流的，公司叫杭州迅达供应链管理有限公司。\n发言人2 00:00:10\n"
        "预算是六十万。更正一下，是五十五万，另外五万给了硬件。之前试过悟空，不太好用。\n",
        date(2026, 9, 15),
    )
    assert ex.account.value == "杭州迅达供应链管理有限公司"
    assert [c.name for c in ex.contacts] == ["谢婉"] and ex.our_side == ["刘洋"]
    assert ex.budget.value == 550000
    assert [c.value for c in ex.competitors] == ["悟空CRM"]
    chat = rules(
        "黎总：总价二十八万八可以。\n我：好的，那什么时候方便签？\n黎总：元旦前签吧。\n乙方 王磊：好的。\n",
        date(2026, 11, 18),
    )
    assert chat.close_date.value == date(2026, 12, 31) and chat.amount.value == 288000
    assert chat.our_side == ["王磊"] and [c.name for c in chat.contacts] == ["黎总"]


def test_bracketed_sides_english_names_factories_and_resellers():
    ex = rules(
        "Kevin（客户IT）：大家好，我是上海励拓信息技术有限公司的Kevin。\n"
        "孙丽（恒川）：Kevin你好，我是恒川科技的孙丽。\n"
        "Kevin（客户IT）：我们老板陈总的意思是先开四十个账号。邮箱 kevin.zhang@lituo-tech.com。\n"
        "老周（代理商）：我是代理商这边的老周，我手机 18955551234。\n",
        date(2026, 10, 20),
    )
    assert ex.account.value == "上海励拓信息技术有限公司" and ex.competitors == []  # 励拓 is not 励销
    assert {c.name for c in ex.contacts} == {"Kevin", "陈总"} and ex.our_side == ["孙丽"]
    assert [c.email for c in ex.contacts if c.email] == ["kevin.zhang@lituo-tech.com"]
    assert not any(c.phone for c in ex.contacts)  # the reseller's mobile is not the customer's
    factory = rules("地点：无锡市东方精工机械厂\n许厂长：我是厂长许国平。\n", date(2026, 3, 17))
    assert factory.account.value == "无锡市东方精工机械厂"
    assert [(c.name, c.title) for c in factory.contacts] == [("许国平", "厂长")]
    assert rules("郑州宇泰重工的采购刘芳说，预算八十万。").account.value == "郑州宇泰重工"


def test_companies_without_a_known_trade_word_references_and_answers():
    ex = rules(
        "地点：广州粤信通讯器材有限公司\n参会人员：客户方：总经理 罗建国、IT主管 汤磊；我方：陈敏\n"
        "陈敏：罗总好，我们给广州白云电器做过类似的经销商管理。\n罗建国：白云电器那个我听说过。\n",
        date(2026, 1, 13),
    )
    assert ex.account.value == "广州粤信通讯器材有限公司"  # the reference customer is not the account
    assert {c.name: c.title for c in ex.contacts} == {"罗建国": "总经理", "汤磊": "IT主管"}
    pharma = rules("说话人1\n我是恒川科技的王强。\n说话人2\n你好。我们这边是南昌赣江制药，我是IT负责人黄晓明。\n")
    assert pharma.account.value == "南昌赣江制药"
    voice = rules("刚跟昆明滇池花卉的杨总吃了饭，二十个账号，预算五万左右，我报了四万八。", date(2026, 10, 27))
    assert voice.account.value == "昆明滇池花卉"
    assert (voice.budget.value, voice.amount.value) == (50000, 48000)
    asked = rules(
        "张伟：那您看什么时候能定？\n冯总：下个月底吧。\n冯总：三十六万有点多，三十万能做吗？\n", date(2026, 8, 18)
    )
    assert asked.close_date.value == date(2026, 9, 30) and asked.amount is None
    approval = rules("宋总说7月底前走完审批，出结果。", date(2026, 6, 9))
    assert approval.close_date.value == date(2026, 7, 31) and approval.next_steps == []
