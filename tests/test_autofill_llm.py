"""The LLM path with the fake OpenAI server: structured extraction, evidence checks, chunking, fallbacks, STT."""

from __future__ import annotations

import re
from datetime import date

from bot.messages import Attachment, Inbound, InboundKind
from bot.models import Contact
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import error, text, tool_call
from tests.test_autofill_flow import HUADONG, count, huadong, open_deal, rows
from tools.autofill.llm_extract import chunk_transcript, extract
from tools.autofill.models import AutofillBatch, FieldSuggestion

LLM_ANSWER = {
    "account": {"value": "华东机械", "evidence": "地点：上海华东机械制造有限公司 3楼会议室"},
    "contacts": [
        {
            "name": "王芳",
            "title": "采购经理",
            "phone": "13912345678",
            "deal_role": "procurement",
            "evidence": "王芳：我的电话是139 1234 5678，邮箱 wangfang@hdjx.com.cn，报价直接发我。",
        },
        {"name": "陈立", "title": "IT总监", "deal_role": "champion", "evidence": "陈立：我这边关心的是跟金蝶的集成"},
    ],
    "budget": {"value": 500000, "evidence": "那预算这块，今年我们批下来的大概是五十万左右。"},
    "seats": {"value": 120, "evidence": "应该是一百二十个账号"},
    "amount": {"value": 880000, "evidence": "李总说总价八十八万可以接受"},  # not in the transcript: dropped
    "close_date": {"value": "2026-12-10", "evidence": "我们希望下个月十号之前把合同签了"},
    "stage": {"value": "negotiation", "evidence": "我们希望下个月十号之前把合同签了，年底前上线。"},
    "sentiment": {"value": "positive", "evidence": "行，我们希望下个月十号之前把合同签了"},
    "competitors": [{"value": "纷享销客", "evidence": "另外纷享销客那边也来找过我们"}],
    "pain_points": [{"value": "客户跟进靠 Excel，经常漏跟", "evidence": "最大的问题是客户跟进全靠Excel，经常漏跟"}],
    "next_steps": [
        {
            "action": "发正式报价给王芳",
            "owner": "rep",
            "due": "2026-11-25",
            "evidence": "好的，我们下周三前把正式报价发给王经理。",
        }
    ],
    "qualification": {
        "decision_process": {
            "value": "李总拍板，王芳走采购流程",
            "evidence": "最后拍板还是我来定，王芳负责走采购流程。",
        }
    },
    "summary": "二期扩容：预算 50 万，120 个账号，希望 12 月 10 日前签约，纷享销客在竞争。",
}


async def test_llm_extraction_to_confirmed_update_with_evidence(tmp_path, fake_llm):
    async with running_app(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="k",
        SALESBOT_LLM_MODEL="fake",
        SALESBOT_LLM_MAX_RETRIES="0",
    ) as app:
        await open_deal(app)
        fake_llm.script(text(LLM_ANSWER))
        rep = ConsoleClient(app, "zhangwei")
        out = await rep.say("/纪要 " + HUADONG)
        assert fake_llm.calls == 1
        body = fake_llm.last_request()
        assert body["response_format"] == {"type": "json_object"}
        assert "2026-11-20" in fake_llm.last_user_text()  # relative dates are read from the meeting date
        assert "离线模式" not in out and "找不到出处" in out  # the invented amount was dropped, and we say so
        suggestions = {s.field: s for s in await rows(app, FieldSuggestion) if s.action == "update"}
        assert "amount" not in suggestions
        assert suggestions["stage"].new_value == "negotiation" and suggestions["stage"].protected
        assert suggestions["seats"].origin == "both" and suggestions["seats"].confidence >= 0.9
        assert suggestions["decision_process"].evidence.startswith("李总：最后拍板")
        await rep.say("全部接受")
        _, opp = await huadong(app)
        assert opp.stage == "negotiation" and opp.probability == 70 and opp.seats == 120
        assert opp.decision_process == "李总拍板，王芳走采购流程"
        chen = (await rows(app, Contact, Contact.name == "陈立"))[0]
        assert chen.deal_role == "champion" and chen.created_source == "AGENT"
        batch = (await rows(app, AutofillBatch))[0]
        assert batch.mode == "llm" and batch.extraction["summary"]["value"].startswith("二期扩容")


async def test_llm_down_falls_back_to_rules_clearly_labelled(tmp_path, fake_llm):
    async with running_app(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="k",
        SALESBOT_LLM_MODEL="fake",
        SALESBOT_LLM_MAX_RETRIES="0",
    ) as app:
        await open_deal(app)
        fake_llm.script(error(503, times=3))
        out = await ConsoleClient(app, "zhangwei").say("/纪要 " + HUADONG)
        assert "AI 暂时连不上" in out and "账号数" in out
        assert (await rows(app, AutofillBatch))[0].mode == "llm_down"


def _long_transcript() -> str:
    head = (
        "会议时间：2026年11月20日\n参会：华东机械 李总（总经理）、王芳（采购经理）；我方 张伟\n"
        "李总：今年预算五十万。\n王芳：账号先按一百个算。\n"
    )
    filler = "".join(f"张伟：第{i}个模块的功能我们逐项过了一遍，客户这边都记录了，回头统一答复。\n" for i in range(700))
    tail = "王芳：不对，刚才说错了，账号应该是一百五十个。\n李总：预算的话财务最后批的是六十万。\n张伟：好的，下周三前我们把报价发过来。\n"
    return head + filler + tail


async def test_long_transcript_in_parts_keeps_context_and_later_values_win(tmp_path, fake_llm):
    transcript = _long_transcript()
    assert len(transcript) > 20000
    parts = chunk_transcript(transcript)
    assert len(parts) >= 4 and parts[0][0] == 0
    assert all(parts[i + 1][0] < parts[i][0] + len(parts[i][1]) for i in range(len(parts) - 1))  # they overlap
    assert parts[-1][0] + len(parts[-1][1]) == len(transcript)

    prompts: list[str] = []

    def responder(body):
        prompt = body["messages"][-1]["content"]
        prompts.append(prompt)
        part, total = map(int, re.search(r"第 (\d+)/(\d+) 部分", prompt).groups())
        if part == 1:
            return text(
                {
                    "account": {"value": "华东机械", "evidence": "参会：华东机械 李总（总经理）"},
                    "budget": {"value": 500000, "evidence": "今年预算五十万。"},
                    "seats": {"value": 100, "evidence": "账号先按一百个算。"},
                }
            )
        if part == total:
            return text(
                {
                    "seats": {"value": 150, "evidence": "不对，刚才说错了，账号应该是一百五十个。"},
                    "budget": {"value": 600000, "evidence": "预算的话财务最后批的是六十万。"},
                }
            )
        return text({})

    fake_llm.responder = responder
    model = fake_llm.chat_model(max_retries=0)
    ex = await extract(transcript, date(2026, 11, 23), model=model)
    assert len(prompts) == len(parts)
    assert "华东机械" in prompts[1] and "500000" in prompts[1]  # later parts know what earlier parts found
    assert ex.mode == "llm" and ex.seats.value == 150 and ex.budget.value == 600000
    assert "100" in (ex.seats.note or "")


async def test_agent_routes_a_pasted_transcript_to_the_proposal_tool(llm_app, fake_llm):
    await open_deal(llm_app)
    fake_llm.script(tool_call("propose_crm_updates"), text(LLM_ANSWER), text("整理好了，请在卡片上确认。"))
    out = await ConsoleClient(llm_app, "zhangwei").say(HUADONG)
    assert "整理好了" in out and "全部接受" in out
    assert await count(llm_app, AutofillBatch) == 1
    _, opp = await huadong(llm_app)
    assert opp.seats == 100  # proposed, not written


async def test_recording_transcribed_when_stt_is_configured(tmp_path, fake_llm):
    async with running_app(
        tmp_path,
        SALESBOT_STT_MODEL="whisper-1",
        SALESBOT_STT_BASE_URL=fake_llm.base_url,
        SALESBOT_STT_API_KEY="stt-key",
    ) as app:
        await open_deal(app)
        fake_llm.transcripts.append(HUADONG)
        audio = Inbound(
            platform="console",
            msg_id="a1",
            sender_id="zhangwei",
            conversation_id="zhangwei",
            kind=InboundKind.FILE,
            attachments=[Attachment("会议录音.m4a", "audio/mp4", data=b"\x00" * 2048)],
        )
        out = await ConsoleClient(app, "zhangwei").deliver(audio)
        request = fake_llm.transcription_requests[0]
        assert request["model"] == "whisper-1" and request["language"] == "zh" and request["bytes"] == 2048
        assert request["authorization"] == "Bearer stt-key"
        assert "录音转写" in out and "账号数" in out
        assert (await rows(app, AutofillBatch))[0].input_kind == "audio"


async def test_recording_without_stt_explains_how_to_enable_it(offline_app):
    audio = Inbound(
        platform="console",
        msg_id="a2",
        sender_id="zhangwei",
        conversation_id="zhangwei",
        kind=InboundKind.FILE,
        attachments=[Attachment("录音.mp3", "audio/mpeg", data=b"ID3" + b"\x00" * 100)],
    )
    out = await ConsoleClient(offline_app, "zhangwei").deliver(audio)
    assert "SALESBOT_STT_MODEL" in out
    assert await count(offline_app, AutofillBatch) == 0
