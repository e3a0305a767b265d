"""Proposals in a WeCom AI-bot group chat, end to end through the fake WeCom and the scripted model.

A rep's visit sentence comes back in the AI bot's stream as a proposal and nothing is written; the same member's
「是」 writes it once; a colleague's 「是」 in the same group confirms nothing (memory, pending questions and
proposals belong to the member); a redelivered 「是」 (same msgid) writes nothing more.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import select

from adapters.wecom.aibot import adapter as aibot_adapter
from adapters.wecom.aibot.parsing import stream_id_for
from bot.models import Task
from tests.fakes.openai_server import text, tool_call
from tests.fakes.wecom import aibot_text
from tests.test_proposals import SAID, VISIT, agent_visits, count, crm_counts, llm_env, task_of
from tests.wecom_support import wecom_rig
from tools.proposals.models import Proposal

GROUP = "CHAT-SALES-EAST"


async def say_in_group(rig, msgid: str, userid: str, words: str) -> str:
    """Post one group message to the AI bot and follow its stream to the end; the streamed answer."""
    msg = aibot_text(msgid, userid, f"@销售助手 {words}", chatid=GROUP, response_url=rig.qyapi.response_url())
    first = rig.aibot.decrypt_json_reply((await rig.aibot.post_json(msg)).body)["stream"]
    stream_id = stream_id_for(msgid)
    assert first["id"] == stream_id
    state, n = first, 0
    while not state["finish"]:
        n += 1
        assert n < 200, f"the stream never finished: {state}"
        await asyncio.sleep(0.05)
        refresh = {
            **{k: msg[k] for k in ("aibotid", "chattype", "from", "chatid")},
            "msgid": f"{msgid}-refresh-{n}",
            "msgtype": "stream",
            "stream": {"id": stream_id},
        }
        state = rig.aibot.decrypt_json_reply((await rig.aibot.post_json(refresh)).body)["stream"]
    await rig.settle()
    return state["content"]


async def test_aibot_group_proposal_confirmed_only_by_its_member_and_once(tmp_path, fake_llm):
    async with wecom_rig(tmp_path, demo=True, **llm_env(fake_llm)) as rig:
        fake_llm.script(tool_call("log_visit", **VISIT), text("请确认。"))
        shown = await say_in_group(rig, "aibot-visit-1", "zhangwei", SAID)
        assert "请确认" in shown and "上海华东机械制造有限公司" in shown and "建待办：发报价" in shown
        assert "回复「是」确认写入" in shown  # no buttons in a stream: the words say how to confirm
        assert await crm_counts(rig.app) == (0, 0, 0)
        assert fake_llm.calls == 2

        # a colleague's 「是」 in the same group: not his proposal, nothing written
        fake_llm.script(text("你要确认什么？你现在没有待确认的记录。"))
        answer = await say_in_group(rig, "aibot-yes-lina", "lina", "是")
        assert "已记录" not in answer
        # her model turn saw no open proposal (zhangwei's is not in her session), his words only as group context
        system = fake_llm.requests[-1]["messages"][0]["content"]
        assert "待用户确认的提议" not in system and "上海华东机械制造有限公司 · 11月23日" not in system
        assert await crm_counts(rig.app) == (0, 0, 0)

        # the rep's own 「是」 writes it, once
        answer = await say_in_group(rig, "aibot-yes-1", "zhangwei", "是")
        assert "已记录：上海华东机械制造有限公司" in answer
        visits = await agent_visits(rig.app)
        assert len(visits) == 1 and visits[0].created_source == "AGENT"
        assert (await task_of(rig.app, visits[0])).title == "发报价"

        # WeCom redelivers the same 「是」 (same msgid): the same stream, nothing more written
        again = await say_in_group(rig, "aibot-yes-1", "zhangwei", "是")
        assert again == answer
        assert len(await agent_visits(rig.app)) == 1
        assert await count(rig.app, Task, Task.created_source == "AGENT") == 1
        async with rig.app.db.session() as s:
            rows = (await s.execute(select(Proposal.conversation_key, Proposal.status))).all()
        assert rows == [(f"wecom_aibot:{GROUP}#zhangwei", "confirmed")]
        assert rig.qyapi.response_url_posts == []  # everything went into the streams


@pytest.mark.xfail(
    strict=True,
    reason="known gap: the press's one-time response_url is spent on the card update, so the 已记录 text that "
    "follows fails with 'response_url already used' (the visit is written once; the rep is not told)",
)
async def test_aibot_card_buttons_of_a_late_proposal_confirm_it_once(tmp_path, fake_llm, monkeypatch):
    """A proposal later than the stream window goes out through response_url, in a 1:1 chat as a template card
    with buttons; pressing 确认 there (an AI-bot template_card_event) writes it, once, and says so."""
    monkeypatch.setattr(aibot_adapter, "STREAM_WINDOW", 0.2)
    async with wecom_rig(tmp_path, demo=True, **llm_env(fake_llm)) as rig:
        fake_llm.script(tool_call("log_visit", **VISIT).with_latency(0.6), text("请确认。"))
        msg = aibot_text("aibot-late-1", "zhangwei", SAID, response_url=rig.qyapi.response_url())
        await rig.aibot.post_json(msg)
        await asyncio.sleep(0.3)
        refresh = {**{k: msg[k] for k in ("aibotid", "chattype", "from")}, "msgid": "late-r1", "msgtype": "stream"}
        closed = rig.aibot.decrypt_json_reply(
            (await rig.aibot.post_json({**refresh, "stream": {"id": stream_id_for(msg["msgid"])}})).body
        )["stream"]
        assert closed["finish"] is True and "稍后单独发给你" in closed["content"]
        await fake_llm.wait_for_calls(2)
        await rig.settle()
        (posted,) = rig.qyapi.response_url_posts
        card = posted["json"]["template_card"]
        assert posted["json"]["msgtype"] == "template_card" and card["task_id"].startswith("proposal-")
        assert [b["key"] for b in card["button_list"]] == ["confirm", "edit", "cancel"]
        assert await crm_counts(rig.app) == (0, 0, 0)

        def press(n: int) -> dict:
            return {
                "msgid": f"aibot-press-{n}",
                "create_time": 1700000000 + n,
                "aibotid": "AIBOTID",
                "chattype": "single",
                "from": {"userid": "zhangwei"},
                "msgtype": "event",
                "response_url": rig.qyapi.response_url(),
                "event": {
                    "eventtype": "template_card_event",
                    "template_card_event": {
                        "card_type": "button_interaction",
                        "event_key": "confirm",
                        "task_id": card["task_id"],
                    },
                },
            }

        assert (await rig.aibot.post_json(press(1))).statuses == [200]
        await rig.settle()
        assert len(await agent_visits(rig.app)) == 1
        said = json.dumps(rig.qyapi.response_url_posts[1:], ensure_ascii=False)
        assert "已记录：上海华东机械制造有限公司" in said
        await rig.aibot.post_json(press(2))  # pressed again
        await rig.settle()
        assert len(await agent_visits(rig.app)) == 1
        assert await count(rig.app, Task, Task.created_source == "AGENT") == 1
