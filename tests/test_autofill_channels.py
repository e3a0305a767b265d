"""Transcript → card → press → CRM through the WeCom and DingTalk fakes (offline: rules only)."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from adapters.dingtalk.stream import CARD_TOPIC
from tests.conftest import running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.wecom import card_event_xml, text_xml
from tests.test_autofill_flow import HUADONG, huadong, open_deal, rows
from tests.wecom_support import CORP_ID, wecom_rig
from tools.autofill.models import AutofillBatch, FieldSuggestion


async def test_wecom_template_card_accept_all_writes_once(tmp_path):
    async with wecom_rig(tmp_path, demo=True) as rig:
        app = rig.app
        await open_deal(app)
        await rig.sender.post_xml(text_xml(CORP_ID, "zhangwei", "/纪要 " + HUADONG, "wm-1"))
        await rig.settle()
        cards = [b for b in rig.qyapi.sends() if b["msgtype"] == "template_card"]
        assert len(cards) == 1
        card = cards[0]["template_card"]
        assert card["card_type"] == "button_interaction" and card["task_id"].startswith("autofill-")
        assert [b["key"] for b in card["button_list"]] == ["accept_all", "choose", "reject_all"]
        assert "120" in card["sub_title_text"]
        _, opp = await huadong(app)
        assert opp.seats == 100  # nothing written yet

        click = card_event_xml(CORP_ID, "zhangwei", card["task_id"], "accept_all", "RC-9", 1700000200)
        await rig.sender.post_xml(click)
        await rig.sender.post_xml(click)  # WeCom redelivers: one decision, one write
        await rig.settle()
        _, opp = await huadong(app)
        assert opp.seats == 120 and opp.close_date == date(2026, 12, 10) and opp.updated_source == "AGENT"
        updates = rig.qyapi.calls_to("message/update_template_card")
        assert len(updates) == 1 and "已接受" in updates[0]["json"]["button"]["replace_name"]
        suggestions = await rows(app, FieldSuggestion)
        assert all(s.status == "accepted" and s.decision_message_id for s in suggestions)
        assert len({s.decision_message_id for s in suggestions}) == 1


def _dingtalk_env(fake: FakeDingTalk) -> dict[str, str]:
    return {
        "DINGTALK_CLIENT_ID": fake.client_id,
        "DINGTALK_CLIENT_SECRET": fake.client_secret,
        "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        "DINGTALK_CARD_TEMPLATE_ID": "salesbot_card.schema",
        "DINGTALK_STREAM_IDLE_TIMEOUT": "0.5",
    }


async def test_dingtalk_file_to_interactive_card_then_reject_all(tmp_path):
    fake = FakeDingTalk()
    await fake.start()
    try:
        async with running_app(tmp_path, **_dingtalk_env(fake)) as app:
            await open_deal(app)
            adapter = app.adapters["dingtalk"]
            adapter.api.backoff_max = 0.05
            await adapter.start()
            await fake.wait_for_connections(1)
            code = fake.add_file(HUADONG.encode("gb18030"))  # a txt saved by a Chinese Windows editor
            message = fake.robot_message(
                None,
                staff_id="dt_zhangwei",
                nick="张伟",
                msgtype="file",
                content={"downloadCode": code, "fileId": "9", "fileName": "华东机械纪要.txt", "spaceId": "2"},
            )
            await fake.send_callback(message)
            await fake.wait_for(lambda: any(k.startswith("autofill-") for k in fake.cards), 8)
            await app.drain()
            card_id = next(k for k in fake.cards if k.startswith("autofill-"))
            sent = fake.cards[card_id]
            assert [b["key"] for b in json.loads(sent["params"]["buttons"])] == ["accept_all", "choose", "reject_all"]
            press = fake.card_press(
                card_id, "dt_zhangwei", "reject_all", {"reason": "会议记录是上个版本的"}, nesting="sibling"
            )
            await fake.send_callback(press, topic=CARD_TOPIC)
            await fake.wait_for(lambda: sent["updates"], 8)
            await asyncio.sleep(0.1)
            await app.drain()
            assert "已拒绝" in sent["params"]["status"]
            suggestions = await rows(app, FieldSuggestion)
            assert suggestions and all(
                s.status == "rejected" and s.reason == "会议记录是上个版本的" for s in suggestions
            )
            _, opp = await huadong(app)
            assert opp.seats == 100 and opp.updated_source is None
            batch = (await rows(app, AutofillBatch))[0]
            assert batch.input_kind == "file" and batch.input_name == "华东机械纪要.txt" and batch.status == "done"
            await adapter.stop()
    finally:
        await fake.close()
