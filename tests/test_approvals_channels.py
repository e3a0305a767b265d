"""Approval cards through the real channel adapters and their protocol fakes: a rep's 8-折 request reaches the
manager as a WeCom template card / DingTalk interactive card, one tap decides, the card and the requester
reflect it, and a double tap or a redelivered callback changes nothing."""

from __future__ import annotations

import asyncio
import json

from sqlmodel import select

from adapters.dingtalk.stream import CARD_TOPIC
from tests.conftest import running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.wecom import card_event_xml, text_xml
from tests.wecom_support import CORP_ID, wecom_rig
from tools.approvals.models import ApprovalRequest

SUBMIT_8 = "/审批 华东机械 8折 竞品报价低15%，客户答应签两年"


async def request_status(app) -> list[str]:
    async with app.db.session() as s:
        return [r.status for r in (await s.execute(select(ApprovalRequest))).scalars().all()]


def wecom_texts_to(qyapi, user: str) -> list[str]:
    return [b["text"]["content"] for b in qyapi.sends() if b["touser"] == user and b["msgtype"] == "text"]


def wecom_cards_to(qyapi, user: str) -> list[dict]:
    return [b["template_card"] for b in qyapi.sends() if b["touser"] == user and b["msgtype"] == "template_card"]


async def test_wecom_card_round_trip(tmp_path):
    async with wecom_rig(tmp_path, demo=True) as rig:
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", SUBMIT_8, "m-submit-1"))
        await rig.settle()
        assert any("已提交 #1" in t and "2. 总监：陈静" in t for t in wecom_texts_to(rig.qyapi, "zhangwei"))
        (card,) = wecom_cards_to(rig.qyapi, "wangqiang")
        assert card["card_type"] == "button_interaction" and card["main_title"]["title"] == "折扣审批 · 华东机械"
        assert [b["key"] for b in card["button_list"]] == ["approve", "reject", "delegate"]
        assert "需直属经理审批" in card["sub_title_text"]
        task_id = card["task_id"]
        assert task_id.startswith("approval-1-0-")

        click = card_event_xml(CORP_ID, "wangqiang", task_id, "approve", "RC-1", 1700000100)
        await rig.sender.post_xml(click)
        await rig.sender.post_xml(click)  # WeCom redelivers the same callback
        await rig.settle()
        updates = rig.qyapi.calls_to("message/update_template_card")
        assert [u["json"]["response_code"] for u in updates] == ["RC-1"]
        assert updates[0]["json"]["button"]["replace_name"] == "已同意 · 王强"
        assert any("王强已同意你的申请 #1" in t for t in wecom_texts_to(rig.qyapi, "zhangwei"))
        (director_card,) = wecom_cards_to(rig.qyapi, "chenjing")
        assert director_card["task_id"].startswith("approval-1-1-")

        # a second tap by the manager (a new callback) only re-shows the outcome
        await rig.sender.post_xml(card_event_xml(CORP_ID, "wangqiang", task_id, "approve", "RC-2", 1700000200))
        await rig.settle()
        assert any("你已经同意过" in t for t in wecom_texts_to(rig.qyapi, "wangqiang"))
        assert await request_status(rig.app) == ["pending"]

        await rig.sender.post_xml(
            card_event_xml(CORP_ID, "chenjing", director_card["task_id"], "approve", "RC-3", 1700000300)
        )
        await rig.settle()
        assert await request_status(rig.app) == ["approved"]
        assert any("✅ 你的申请 #1 华东机械 8 折 已通过" in t for t in wecom_texts_to(rig.qyapi, "zhangwei"))
        updates = rig.qyapi.calls_to("message/update_template_card")
        assert [u["json"]["button"]["replace_name"] for u in updates if u["json"]["response_code"] == "RC-3"] == [
            "已同意 · 陈静"
        ]


async def test_wecom_reject_reason_updates_the_pressed_card(tmp_path):
    async with wecom_rig(tmp_path, demo=True) as rig:
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "/审批 华东机械 9折 客户预算卡死", "m-submit-2"))
        await rig.settle()
        (card,) = wecom_cards_to(rig.qyapi, "wangqiang")
        await rig.sender.post_xml(card_event_xml(CORP_ID, "wangqiang", card["task_id"], "reject", "RC-9", 1700000100))
        await rig.settle()
        assert any("请回复拒绝理由" in t for t in wecom_texts_to(rig.qyapi, "wangqiang"))
        assert rig.qyapi.calls_to("message/update_template_card") == []
        await rig.sender.post_xml(text_xml(CORP_ID, "wangqiang", "先报 9.5 折", "m-reason-1"))
        await rig.settle()
        (update,) = rig.qyapi.calls_to("message/update_template_card")
        assert update["json"]["response_code"] == "RC-9" and update["json"]["button"]["replace_name"] == "已拒绝 · 王强"
        assert any("被王强拒绝，理由：先报 9.5 折" in t for t in wecom_texts_to(rig.qyapi, "zhangwei"))
        assert await request_status(rig.app) == ["rejected"]


def card_send_code(qyapi, user: str) -> str:
    (code,) = [
        c["response_code"]
        for c in qyapi.calls_to("message/send")
        if c.get("response_code") and c["json"]["touser"] == user
    ]
    return code


async def test_wecom_card_of_an_approver_who_never_tapped_is_updated_with_the_send_code(tmp_path):
    async with wecom_rig(tmp_path, demo=True) as rig:
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", SUBMIT_8, "m-submit-w"))
        await rig.settle()
        (card,) = wecom_cards_to(rig.qyapi, "wangqiang")
        code = card_send_code(rig.qyapi, "wangqiang")
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "/撤回", "m-withdraw-w"))
        await rig.settle()
        (update,) = rig.qyapi.calls_to("message/update_template_card")
        assert update["ok"] and update["json"]["response_code"] == code
        assert update["json"]["userids"] == ["wangqiang"]
        assert update["json"]["button"]["replace_name"] == "申请人已撤回"
        assert not any("撤回" in t for t in wecom_texts_to(rig.qyapi, "wangqiang"))  # the card says it
        assert await request_status(rig.app) == ["withdrawn"]


async def test_wecom_card_update_falls_back_to_text_when_the_send_code_is_spent(tmp_path):
    async with wecom_rig(tmp_path, demo=True) as rig:
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", SUBMIT_8, "m-submit-x"))
        await rig.settle()
        (card,) = wecom_cards_to(rig.qyapi, "wangqiang")
        rig.qyapi.used_response_codes.add(card_send_code(rig.qyapi, "wangqiang"))  # e.g. past its 72 h
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "/撤回", "m-withdraw-x"))
        await rig.settle()
        (update,) = rig.qyapi.calls_to("message/update_template_card")
        assert not update["ok"]
        assert any("「折扣审批 · 华东机械」申请人已撤回" in t for t in wecom_texts_to(rig.qyapi, "wangqiang"))
        card_id = card["task_id"].split("@")[0]
        assert await rig.app.kv.get(f"wecom:card_code:{card_id}:wangqiang") is None


async def test_dingtalk_card_round_trip(tmp_path):
    fake = FakeDingTalk()
    await fake.start()
    try:
        env = {
            "DINGTALK_CLIENT_ID": fake.client_id,
            "DINGTALK_CLIENT_SECRET": fake.client_secret,
            "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
            "DINGTALK_CARD_TEMPLATE_ID": "salesbot_card.schema",
            "DINGTALK_STREAM_IDLE_TIMEOUT": "0.5",
        }
        async with running_app(tmp_path, **env) as app:
            adapter = app.adapters["dingtalk"]
            adapter.api.backoff_max = 0.05
            await adapter.start()
            await fake.wait_for_connections(1)
            await fake.send_callback(fake.robot_message(SUBMIT_8, staff_id="dt_zhangwei", nick="张伟"))
            await fake.wait_for(lambda: any(k.startswith("approval-1-0-") for k in fake.cards))
            await app.drain()
            card_id = next(k for k in fake.cards if k.startswith("approval-1-0-"))
            sent = fake.cards[card_id]
            assert sent["open_space_id"] == "dtv1.card//IM_ROBOT.dt_wangqiang"
            assert sent["params"]["title"] == "折扣审批 · 华东机械" and "需直属经理审批" in sent["params"]["content"]
            assert [b["key"] for b in json.loads(sent["params"]["buttons"])] == ["approve", "reject", "delegate"]

            press = fake.card_press(card_id, "dt_wangqiang", "approve", {"note": "可以"})
            frames = [await fake.send_callback(press, topic=CARD_TOPIC) for _ in range(2)]  # double tap / retry
            for frame in frames:
                assert (await fake.wait_acked(frame))["code"] == 200
            await fake.wait_for(lambda: sent["updates"] and any(k.startswith("approval-1-1-") for k in fake.cards))
            await asyncio.sleep(0.2)
            await app.drain()
            assert sent["params"]["status"] == "已同意 · 王强" and len(sent["updates"]) == 1
            director_id = next(k for k in fake.cards if k.startswith("approval-1-1-"))
            assert fake.cards[director_id]["open_space_id"] == "dtv1.card//IM_ROBOT.dt_chenjing"
            told = [s["param"].get("content", "") for s in fake.robot_sends if s["body"]["userIds"] == ["dt_zhangwei"]]
            assert any("王强已同意你的申请 #1" in t and "王强留言：可以" in t for t in told)

            await fake.send_callback(fake.card_press(director_id, "dt_chenjing", "approve"), topic=CARD_TOPIC)
            await fake.wait_for(lambda: fake.cards[director_id]["updates"])
            await app.drain()
            assert fake.cards[director_id]["params"]["status"] == "已同意 · 陈静"
            assert await request_status(app) == ["approved"]
    finally:
        await fake.close()
