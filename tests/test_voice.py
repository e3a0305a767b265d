"""Voice notes become ordinary text turns: the platform's transcript, or ours (speech-to-text) when it sends none.

A spoken visit report — fillers, 「四十个」 for 四十万, 「五十二万 不对 是五十万整」, 上周五 — ends as a visit
proposal offline too. End to end through the WeCom and DingTalk fakes and the OpenAI-compatible STT fake.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from bot.models import Account, Visit
from bot.zh_parse.spoken import clean_spoken, squeeze_spaces
from tests.conftest import ConsoleClient, running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.wecom import voice_xml
from tests.wecom_support import CORP_ID, wecom_rig
from tools.voice import NOT_DOWNLOADED, NOT_UNDERSTOOD, STT_OFF

TODAY = date(2026, 11, 23)  # tests/conftest.py freezes the clock on Monday 2026-11-23
SPOKEN_NEW = "嗯 昨天下午去了恒泰纺织 见了严总 聊了ERP对接的事 预算大概四十个 不对 是五十万整 下周五之前把方案发过去"
SPOKEN_KNOWN = "呃，上周五去了华 东机械 见了李总，聊了二期扩容，报价五十二万，不对，是五十万整，下周三前发合同"


# --- the words --------------------------------------------------------------------------------------


def test_spoken_amounts_corrections_and_fillers():
    assert clean_spoken("预算大概四十个", TODAY) == "预算大概四十万"
    assert clean_spoken("报价五十二万 不对 是五十万整", TODAY) == "报价五十万整"
    assert clean_spoken("嗯，那个，预算三十来个吧", TODAY) == "预算三十来万吧"
    assert clean_spoken("他们要四十个账号，预算四十个左右", TODAY) == "他们要四十个账号，预算四十万左右"
    assert clean_spoken("下周三 不对 下周四前发报价", TODAY) == "下周四前发报价"
    assert clean_spoken("我们有四十个人在用", TODAY) == "我们有四十个人在用"  # a headcount stays a headcount
    assert squeeze_spaces("去了华 东机械 见了李总") == "去了华东机械见了李总"


# --- offline: a spoken report is a visit proposal ---------------------------------------------------------


async def test_spoken_report_about_a_known_customer_is_a_visit_proposal_offline(tmp_path):
    async with running_app(tmp_path) as app:
        rep = ConsoleClient(app, "zhangwei")
        shown = await rep.say(SPOKEN_KNOWN)
        assert "客户：上海华东机械制造有限公司" in shown
        assert "日期：11月20日（周五）" in shown and "见到：李总" in shown
        assert "金额：50 万元" in shown and "五十二万" not in shown
        assert "下一步：发合同，截止 12月2日（周三）" in shown  # 下周三: Wednesday of next week
        done = await rep.say("是")
        assert "已记录：上海华东机械制造有限公司 · 11月20日（周五）拜访（李总）" in done
        async with app.db.session() as s:
            visit = (await s.execute(select(Visit).where(Visit.created_source != "IMPORT"))).scalars().one()
        assert visit.visit_date == date(2026, 11, 20) and "五十万整" in visit.summary and "呃" not in visit.summary


async def test_spoken_report_about_a_new_customer_offers_to_create_it(tmp_path):
    async with running_app(tmp_path) as app:
        rep = ConsoleClient(app, "zhangwei")
        shown = await rep.say(SPOKEN_NEW)
        assert "客户里还没有「恒泰纺织」" in shown and "日期：11月22日（周日）" in shown
        assert "见到：严总" in shown and "金额：50 万元" in shown
        assert "下一步：把方案发过去，截止 12月4日（周五）" in shown
        done = await rep.say("新建")
        assert "已新建客户「恒泰纺织」" in done
        async with app.db.session() as s:
            account = (await s.execute(select(Account).where(Account.name == "恒泰纺织"))).scalars().one()
            visit = (await s.execute(select(Visit).where(Visit.account_id == account.id))).scalars().one()
        assert visit.attendees == ["严总"] and visit.visit_date == date(2026, 11, 22)


# --- WeCom self-built app ---------------------------------------------------------------------------------


@pytest.fixture
async def stt():
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.stop()


def stt_env(fake: FakeOpenAI) -> dict[str, str]:
    # speech-to-text only: no chat model, so the turn is answered offline
    return {"SALESBOT_STT_MODEL": "whisper-1", "SALESBOT_STT_BASE_URL": fake.base_url, "SALESBOT_STT_API_KEY": "k"}


def wecom_texts(qyapi) -> list[str]:
    return [
        b.get("text", b.get("markdown", {})).get("content")
        for b in qyapi.sends()
        if b["msgtype"] in ("text", "markdown")
    ]


async def test_wecom_voice_is_fetched_transcribed_and_becomes_a_visit_proposal(tmp_path, stt):
    stt.transcripts.append(SPOKEN_KNOWN)
    async with wecom_rig(tmp_path, demo=True, **stt_env(stt)) as rig:
        rig.qyapi.add_media("VOICE-1", b"#!AMR\n" + b"\x00" * 600, "audio/amr")
        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-1", "vm-1"))
        await rig.settle()
        assert [c["params"]["media_id"] for c in rig.qyapi.calls_to("media/get")] == ["VOICE-1"]
        (request,) = stt.transcription_requests
        assert request["model"] == "whisper-1" and request["filename"] == "voice.amr" and request["bytes"] == 606
        sent = "\n".join(wecom_texts(rig.qyapi))
        assert "（语音转文字）" in sent and "上周五去了华 东机械" in sent
        assert "像是一条拜访记录" in sent and "金额：50 万元" in sent and "下一步：发合同" in sent

        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-1", "vm-1"))  # redelivered: dropped
        stt.transcripts.append("是的")
        rig.qyapi.add_media("VOICE-2", b"#!AMR\n" + b"\x01" * 100, "audio/amr")
        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-2", "vm-2"))  # 「是」 said aloud
        await rig.settle()
        assert len(stt.transcription_requests) == 2
        async with rig.app.db.session() as s:
            visit = (await s.execute(select(Visit).where(Visit.created_source != "IMPORT"))).scalars().one()
        assert visit.visit_date == date(2026, 11, 20) and visit.attendees == ["李总"]


async def test_wecom_voice_with_recognition_needs_no_download_or_stt(tmp_path, stt):
    async with wecom_rig(tmp_path, demo=True, **stt_env(stt)) as rig:
        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-9", "vm-9", recognition=SPOKEN_KNOWN))
        await rig.settle()
        assert rig.qyapi.calls_to("media/get") == [] and stt.transcription_requests == []
        sent = "\n".join(wecom_texts(rig.qyapi))
        assert "像是一条拜访记录" in sent and "（语音转文字）" not in sent


async def test_wecom_voice_without_stt_configured_says_so(tmp_path):
    async with wecom_rig(tmp_path, demo=True) as rig:
        rig.qyapi.add_media("VOICE-3", b"#!AMR\n" + b"\x00" * 50, "audio/amr")
        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-3", "vm-3"))
        await rig.settle()
        assert wecom_texts(rig.qyapi) == [STT_OFF]
        assert "SALESBOT_STT_MODEL" in STT_OFF and "还没有配置语音转写" in STT_OFF


async def test_wecom_voice_not_understood_or_not_downloaded_is_said_plainly(tmp_path, stt):
    stt.transcripts.append("")  # silence: the ASR heard nothing
    async with wecom_rig(tmp_path, demo=True, **stt_env(stt)) as rig:
        rig.qyapi.add_media("VOICE-4", b"#!AMR\n" + b"\x00" * 50, "audio/amr")
        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-4", "vm-4"))
        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-GONE", "vm-5"))  # media expired (40007)
        await rig.settle()
        assert wecom_texts(rig.qyapi) == [NOT_UNDERSTOOD, NOT_DOWNLOADED]


# --- DingTalk ---------------------------------------------------------------------------------------


def dingtalk_env(fake: FakeDingTalk) -> dict[str, str]:
    return {
        "DINGTALK_CLIENT_ID": fake.client_id,
        "DINGTALK_CLIENT_SECRET": fake.client_secret,
        "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        "DINGTALK_STREAM_IDLE_TIMEOUT": "0.5",
    }


def dingtalk_texts(fake: FakeDingTalk) -> list[str]:
    out = []
    for body in [s["body"] for s in fake.webhook_sends] + [s["param"] for s in fake.robot_sends]:
        out.append(json.dumps(body, ensure_ascii=False))
    return out


async def test_dingtalk_voice_recognition_and_our_own_stt_both_become_text_turns(tmp_path, stt):
    fake = FakeDingTalk()
    await fake.start()
    try:
        async with running_app(tmp_path, **dingtalk_env(fake), **stt_env(stt)) as app:
            adapter = app.adapters["dingtalk"]
            adapter.api.backoff_max = 0.05
            await adapter.start()
            await fake.wait_for_connections(1)
            # DingTalk's own transcript: an ordinary text turn, no download, no STT
            await fake.send_callback(fake.audio_message(recognition=SPOKEN_KNOWN, staff_id="dt_zhangwei"))
            await fake.wait_for(lambda: any("像是一条拜访记录" in t for t in dingtalk_texts(fake)), 10)
            assert stt.transcription_requests == []
            await fake.send_callback(fake.audio_message(recognition="是", staff_id="dt_zhangwei"))
            await fake.wait_for(lambda: any("已记录" in t for t in dingtalk_texts(fake)), 10)
            await app.drain()
            async with app.db.session() as s:
                visits = (await s.execute(select(Visit).where(Visit.created_source != "IMPORT"))).scalars().all()
            assert [v.visit_date for v in visits] == [date(2026, 11, 20)]

            # no recognition: the audio is downloaded and transcribed by us
            stt.transcripts.append(SPOKEN_NEW)
            code = fake.add_file(b"#!AMR\n" + b"\x02" * 300)
            await fake.send_callback(fake.audio_message(download_code=code, staff_id="dt_zhangwei"))
            await fake.wait_for(lambda: any("客户里还没有「恒泰纺织」" in t for t in dingtalk_texts(fake)), 10)
            assert stt.transcription_requests[0]["bytes"] == 306
            assert any("（语音转文字）" in t for t in dingtalk_texts(fake))
            await adapter.stop()
    finally:
        await fake.close()


async def test_a_customer_voice_note_without_stt_is_asked_for_text_not_told_about_settings(tmp_path):
    from bot import replies
    from bot.messages import Attachment, Inbound, InboundKind, Role

    async with running_app(tmp_path) as app:
        client = ConsoleClient(app, "visitor-1", Role.CUSTOMER)
        voice = Inbound(
            platform="console",
            msg_id="cv-1",
            sender_id="visitor-1",
            conversation_id="visitor-1",
            kind=InboundKind.VOICE,
            role_hint=Role.CUSTOMER,
            attachments=[Attachment(name="voice.amr", mime="audio/amr", data=b"#!AMR\n")],
        )
        answer = await client.deliver(voice)
        assert answer == replies.VOICE_NOT_TRANSCRIBED and "SALESBOT" not in answer


async def test_with_a_model_the_heard_words_go_to_the_agent_and_a_visit_is_proposed(tmp_path, stt):
    """One OpenAI-compatible server for both: speech-to-text falls back to OPENAI_BASE_URL, and the model reads
    the transcript as the rep's message and proposes the visit (nothing written before 确认)."""
    from tests.fakes.openai_server import text, tool_call

    stt.transcripts.append(SPOKEN_KNOWN)
    stt.script(
        tool_call(
            "log_visit",
            account_name="华东机械",
            summary="聊了二期扩容，报价五十万整",
            visit_date="上周五",
            contacts=["李总"],
            next_step="发合同",
            next_step_due="下周三",
        ),
        text("请确认这条拜访。"),
    )
    env = {"OPENAI_BASE_URL": stt.base_url, "OPENAI_API_KEY": "t", "SALESBOT_LLM_MODEL": "fake"}
    async with wecom_rig(tmp_path, demo=True, SALESBOT_STT_MODEL="whisper-1", **env) as rig:
        rig.qyapi.add_media("VOICE-L", b"#!AMR\n" + b"\x00" * 80, "audio/amr")
        await rig.sender.post_xml(voice_xml(CORP_ID, "zhangwei", "VOICE-L", "vl-1"))
        await rig.settle()
        assert stt.transcription_requests[0]["authorization"] == "Bearer t"
        said = stt.requests[0]["messages"][-1]["content"]
        assert "上周五去了华 东机械" in said
        sent = json.dumps(rig.qyapi.sends(), ensure_ascii=False)
        assert "记拜访：上海华东机械制造有限公司 · 11月20日（周五）" in sent
        async with rig.app.db.session() as s:
            assert (await s.execute(select(Visit).where(Visit.created_source != "IMPORT"))).scalars().all() == []
