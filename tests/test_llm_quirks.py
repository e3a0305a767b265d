"""A real model's habits, end to end: a rep's turn through the console while the fake server answers the
way real providers do (tests/replays/<case>/, in the `salesbot eval --record` format), the same cases
scored by `salesbot eval`, and the pieces (agents/quirks.py, bot/arg_types.py) on their own."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from agents import quirks
from agents.llm import result_from_response
from bot.arg_types import ACCOUNT_ALIASES, AccountName, Count, DatePhrase, Money, Phone, TextList
from bot.messages import WriteSource
from bot.models import Task, Visit
from bot.replies import INTERNAL_ERROR
from salesbot.evaluation import Recorder, load_suite, run_suite
from tests.conftest import ConsoleClient, make_settings
from tests.fakes.openai_server import FakeOpenAI, load_recordings, raw, text, tool_call
from tools.approvals.models import ApprovalRequest
from tools.proposals.models import Proposal

REPLAYS = Path(__file__).parent / "replays"
SCENARIOS = Path(__file__).parent.parent / "agents" / "scenarios" / "quirks.yaml"
MACHINERY = re.compile(
    r"<\/?think|<\/?tool_call|[{}]|```|reasoning|Error|Exception|I should|The user|The tool|Summarize|"
    r"account_name|lookup_customer|log_visit|参数不对"
)


def assert_clean(answer: str) -> None:
    assert answer.strip(), "the rep got no answer"
    assert INTERNAL_ERROR not in answer
    assert not MACHINERY.search(answer), f"model machinery reached the rep: {answer!r}"
    assert re.search(r"[\u4e00-\u9fff]", answer), f"no Chinese in {answer!r}"


async def tasks_titled(app, part: str) -> list[Task]:
    async with app.db.session() as s:
        return (await s.execute(select(Task).where(Task.title.contains(part)))).scalars().all()


async def agent_visits(app) -> list[Visit]:
    async with app.db.session() as s:
        return (await s.execute(select(Visit).where(Visit.created_source == "AGENT"))).scalars().all()


def tool_messages(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


async def check_reasoning_content(app, llm, answers):
    # the model's 「记好了…」 claims a write that waits for 是: the rep reads the proposal instead
    assert "记拜访：上海华东机械制造有限公司" in answers[0] and "确认" in answers[0]
    visits = await agent_visits(app)
    assert len(visits) == 1 and visits[0].attendees == ["李总"]
    assert (await tasks_titled(app, "发报价"))[0].due_date == date(2026, 12, 2)
    # the reasoning is not sent back to the model either: only content and tool calls
    assert all("reasoning_content" not in m for m in llm.requests[1]["messages"])


async def check_think_tags(app, llm, answers):
    assert answers[0].startswith("金陵医药目前的情况")
    assert "【" in tool_messages(llm.requests[1])[0]  # the customer summary reached the model


async def check_think_open_only(app, llm, answers):
    assert answers == ["金陵医药的概况在上面了。"]


async def check_text_tool_call(app, llm, answers):
    tasks = await tasks_titled(app, "跟进华东机械的合同")
    assert len(tasks) == 1 and tasks[0].due_date == date(2026, 11, 27)
    assert "建待办：跟进华东机械的合同" in answers[0] and "11月27日（周五）" in answers[0]  # proposed, then 是
    # the call the model wrote as text is sent back as a real tool call, paired with its result
    assistant = llm.requests[1]["messages"][-2]
    assert assistant["tool_calls"][0]["function"]["name"] == "create_task" and not assistant["content"]


async def check_python_dict_arguments(app, llm, answers):
    visits = await agent_visits(app)
    assert len(visits) == 1
    assert visits[0].visit_date == date(2026, 11, 22) and visits[0].channel == "phone"


async def check_string_in_string_arguments(app, llm, answers):
    assert "【" in tool_messages(llm.requests[1])[0]


async def check_unreadable_arguments(app, llm, answers):
    feedback = json.loads(tool_messages(llm.requests[1])[0])
    assert "不是合法的 JSON" in feedback["error"] and "account_name" in feedback["参数说明"]
    assert "【" in tool_messages(llm.requests[2])[-1]
    assert answers == ["前海数科的商机情况在上面了。"]


async def check_parallel_calls(app, llm, answers):
    results = tool_messages(llm.requests[1])
    assert len(results) == 2 and "【" in results[0]
    tasks = await tasks_titled(app, "给李总打电话")
    assert len(tasks) == 1 and tasks[0].due_date == date(2026, 11, 24)


async def check_truncated_answer(app, llm, answers):
    assert answers[0].startswith("先认同，再讲价值") and "我们也" not in answers[0]
    retry = llm.requests[1]["messages"]
    assert retry[-1]["role"] == "system" and "截断" in retry[-1]["content"]
    assert all("我们也" not in (m.get("content") or "") for m in retry)  # the cut answer is not kept


async def check_truncated_tool_call(app, llm, answers):
    assert len(await tasks_titled(app, "跟进华东机械的合同")) == 1
    assert "建待办：跟进华东机械的合同" in answers[0] and "11月27日（周五）" in answers[0]  # proposed, then 是


async def check_empty_choices(app, llm, answers):
    assert llm.calls == 3 and answers == ["金陵医药的概况在上面了。"]


async def check_rate_limited(app, llm, answers):
    assert llm.calls == 3 and answers == ["金陵医药的概况在上面了。"]


async def check_tools_not_supported(app, llm, answers):
    first, second = answers
    assert "不支持调用工具" in first and "像是一条拜访记录" in first  # the offline reading, asking to confirm
    assert "不支持调用工具" in second and "【" in second  # offline customer summary
    assert llm.calls == 1  # the second turn did not ask the model again
    assert await agent_visits(app) == []


async def check_alias_argument_name(app, llm, answers):
    assert "【" in tool_messages(llm.requests[1])[0]


async def check_wrong_argument_retry(app, llm, answers):
    feedback = json.loads(tool_messages(llm.requests[1])[0])
    problem = feedback["问题"][0]
    assert problem["参数"] == "summary" and problem["问题"] == "缺少这个参数" and "聊了什么" in problem["要求"]
    assert feedback["不认识的参数"] == ["notes"]
    visits = await agent_visits(app)
    assert len(visits) == 1 and visits[0].summary == "聊了二期扩容"


async def check_chinese_numerals(app, llm, answers):
    async with app.db.session() as s:
        request = (await s.execute(select(ApprovalRequest))).scalars().one()
    assert request.amount == 5000 and request.seats == 30 and request.kind == "expense"


async def check_json_in_answer(app, llm, answers):
    assert answers == ["金陵医药的概况在上面了。"]


CASES = sorted(p.name for p in REPLAYS.iterdir() if p.is_dir())


def test_every_replay_case_has_a_check_and_a_scenario():
    scenario_names = {sc["name"] for sc in load_suite(str(SCENARIOS))}
    for case in CASES:
        assert f"check_{case}" in globals(), case
        assert load_recordings(REPLAYS / case)[0]["scenario"] in scenario_names, case


@pytest.mark.parametrize("case", CASES)
async def test_quirk_end_to_end(case, llm_app, fake_llm):
    recording = load_recordings(REPLAYS / case)[0]
    fake_llm.replay(REPLAYS / case)
    rep = ConsoleClient(llm_app, recording["user"])
    answers = [await rep.say(turn) for turn in recording["turns"]]
    for answer in answers:
        assert_clean(answer)
    assert fake_llm.responder_errors == []  # the agent asked nothing the recording doesn't answer
    assert all(not queue for queue in fake_llm.replayed.values())  # and everything recorded was asked
    if await open_proposals(llm_app):  # a write the model asked for waits for the rep's 是: nothing yet
        assert await agent_visits(llm_app) == [] and await agent_tasks(llm_app) == []
        assert_clean(await rep.say("是"))
    await globals()[f"check_{case}"](llm_app, fake_llm, answers)


async def open_proposals(app) -> list[Proposal]:
    async with app.db.session() as s:
        return list((await s.execute(select(Proposal).where(Proposal.status == "open"))).scalars().all())


async def agent_tasks(app) -> list[Task]:
    async with app.db.session() as s:
        return list((await s.execute(select(Task).where(Task.created_source == WriteSource.AGENT.value))).scalars())


async def test_replayed_quirks_score_full_marks_in_eval(tmp_path):
    """`salesbot eval` on tests/replays: each quirk scenario scores its expected tool calls."""
    scenarios = {sc["name"]: sc for sc in load_suite(str(SCENARIOS))}
    failures = []
    for case in CASES:
        async with FakeOpenAI() as llm:
            llm.replay(REPLAYS / case)
            settings = make_settings(
                tmp_path / case,
                OPENAI_BASE_URL=llm.base_url,
                OPENAI_API_KEY="t",
                SALESBOT_LLM_MODEL="fake",
                SALESBOT_LLM_MAX_RETRIES="2",
            )
            sc = scenarios[load_recordings(REPLAYS / case)[0]["scenario"]]
            result = await run_suite([sc], settings)
            if result.turns_passed != result.turns:
                failures.append((case, result.failures))
    assert failures == []


async def test_eval_record_writes_what_replay_answers(tmp_path):
    """--record stores the raw bodies per scenario; replaying the directory gives the same turn again."""
    sc = {
        "name": "查客户",
        "user": "zhangwei",
        "today": date(2026, 11, 23),
        "turns": [{"say": "金陵医药现在什么情况？", "expect": [{"tool": "lookup_customer", "args": {}}]}],
    }
    async with FakeOpenAI() as llm:
        llm.script(
            raw({"choices": []}),
            tool_call("lookup_customer", name="金陵医药"),
            text("<think>ok</think>金陵医药有一个商机。"),
        )
        settings = make_settings(
            tmp_path / "rec", OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake"
        )
        recorder = Recorder(tmp_path / "recorded", "fake")
        first = await run_suite([sc], settings, recorder=recorder)
    assert first.turns_passed == 1
    (recording,) = load_recordings(tmp_path / "recorded")
    assert recording["turns"] == ["金陵医药现在什么情况？"] and recording["scenario"] == "查客户"
    assert [e["status"] for e in recording["exchanges"]] == [200, 200, 200]
    assert recording["exchanges"][0]["body"]["choices"] == []
    assert recording["exchanges"][2]["body"]["choices"][0]["message"]["content"].startswith("<think>")
    summary = recording["exchanges"][2]["request"]
    assert "lookup_customer" in summary["tools"] and summary["messages"][-1]["role"] == "tool"
    async with FakeOpenAI() as llm:
        llm.replay(tmp_path / "recorded")
        settings = make_settings(
            tmp_path / "replay", OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake"
        )
        again = await run_suite([sc], settings)
        assert llm.calls == 3 and llm.responder_errors == []
    assert again.turns_passed == 1


async def test_429_retry_after_is_honoured_end_to_end(llm_app, fake_llm):
    fake_llm.script(
        raw({"error": {"message": "Rate limit", "type": "requests"}}, status=429, headers={"retry-after-ms": "300"}),
        text("在的，有什么要记的？"),
    )
    started = time.perf_counter()
    answer = await ConsoleClient(llm_app, "zhangwei").say("在吗")
    assert answer == "在的，有什么要记的？" and fake_llm.calls == 2
    assert time.perf_counter() - started >= 0.3


async def test_tool_error_from_a_service_goes_to_the_model_not_the_rep(llm_app, fake_llm):
    """A refused tool (customer-only) and an unknown tool: the model hears why and can answer sensibly."""
    fake_llm.script(
        tool_call("handoff_to_sales", reason="x"),
        tool_call("delete_everything"),
        text("这个我做不了，换个说法试试？"),
    )
    answer = await ConsoleClient(llm_app, "zhangwei").say("把客户转给人工")
    assert answer == "这个我做不了，换个说法试试？"
    refused = json.loads(tool_messages(fake_llm.requests[1])[0])
    assert "权限" in refused["error"] and "log_visit" in refused["可用的工具"]
    unknown = json.loads(tool_messages(fake_llm.requests[2])[-1])
    assert "没有这个功能" in unknown["error"]


# --- the pieces ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_args, expected",
    [
        ('{"a": 1,}', {"a": 1}),
        ("{'a': '华东', 'b': None}", {"a": "华东", "b": None}),
        ("{'a': true, 'b': null}", {"a": True, "b": None}),
        ('"{\\"a\\": 1}"', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ("", {}),
        ('{"a": "cut', None),
        ("[1, 2]", None),
        ("not json at all", None),
    ],
)
def test_repair_arguments_repairs_only_the_unambiguous(raw_args, expected):
    assert quirks.repair_arguments(raw_args) == expected


def test_clean_content_and_sanitizer():
    assert quirks.clean_content("<think>a\nb</think>\n你好") == "你好"
    assert quirks.clean_content("reasoning here</think>你好") == "你好"
    assert quirks.clean_content("你好<think>cut off") == "你好"
    assert quirks.sanitize_answer('已记录。\n{"error": "x"}\nKeyError: name') == "已记录。"
    assert quirks.sanitize_answer("I'm sorry, the tool failed.") == ""
    assert quirks.sanitize_answer("可以用 CRM 导出，见 /帮助。") == "可以用 CRM 导出，见 /帮助。"
    assert quirks.safe_truncated_text("第一句。第二句说到一半") == "第一句。"


def test_result_from_response_quirks():
    def body(message, finish="stop"):
        return {"choices": [{"message": {"role": "assistant", **message}, "finish_reason": finish}]}

    ai = result_from_response(body({"content": "答案", "reasoning_content": "思考"})).generations[0].message
    assert ai.content == "答案"
    text_call = '<tool_call>{"name": "lookup_customer", "arguments": {"account_name": "金陵"}}</tool_call>'
    ai = result_from_response(body({"content": text_call})).generations[0].message
    assert ai.tool_calls[0]["name"] == "lookup_customer" and ai.tool_calls[0]["args"] == {"account_name": "金陵"}
    assert ai.tool_calls[0]["id"] and ai.content == ""
    bare = '{"name": "lookup_customer", "arguments": {"account_name": "金陵"}}'
    ai = result_from_response(body({"content": bare}), ["lookup_customer"]).generations[0].message
    assert ai.tool_calls[0]["args"] == {"account_name": "金陵"}
    ai = result_from_response(body({"content": bare}), ["other_tool"]).generations[0].message
    assert not ai.tool_calls  # JSON that names no offered tool is just text (the sanitizer drops it)
    cut = {"tool_calls": [{"id": "c1", "function": {"name": "log_visit", "arguments": '{"account_na'}}]}
    ai = result_from_response(body(cut, "length")).generations[0].message
    assert not ai.tool_calls and not ai.invalid_tool_calls and ai.response_metadata["truncated"]
    ai = result_from_response(body(cut, "tool_calls")).generations[0].message
    assert ai.invalid_tool_calls[0]["id"] == "c1"


async def test_arg_types_read_what_models_send():
    from pydantic import BaseModel, Field

    class Args(BaseModel):
        account_name: AccountName = Field(validation_alias=ACCOUNT_ALIASES)
        amount: Money = None
        seats: Count = None
        phone: Phone = None
        due: DatePhrase = None
        contacts: TextList = Field(default_factory=list)

    for alias in ("account_name", "name", "customer", "customer_name", "company"):
        assert Args.model_validate({alias: " 华东机械 "}).account_name == "华东机械"
    cases = [
        ({"amount": "五十万"}, "amount", 500000),
        ({"amount": "50w"}, "amount", 500000),
        ({"amount": "1.5万元"}, "amount", 15000),
        ({"amount": ""}, "amount", None),
        ({"seats": "三十"}, "seats", 30),
        ({"seats": "30个"}, "seats", 30),
        ({"phone": "138 1234 5678"}, "phone", "13812345678"),
        ({"phone": "138-1234-5678"}, "phone", "13812345678"),
        ({"phone": "021-6234 5678"}, "phone", "021-62345678"),  # landlines: area-number, as zh_parse writes them
        ({"due": 20261202}, "due", "2026-12-02"),
        ({"due": "12-01"}, "due", "12月1日"),
        ({"due": "下周三"}, "due", "下周三"),
        ({"contacts": "李总、王经理"}, "contacts", ["李总", "王经理"]),
    ]
    for extra, field_name, expected in cases:
        assert getattr(Args.model_validate({"account_name": "x", **extra}), field_name) == expected, extra
    with pytest.raises(ValueError, match="金额「很多」看不懂"):
        Args.model_validate({"account_name": "x", "amount": "很多"})
    with pytest.raises(ValueError, match="电话号码"):
        Args.model_validate({"account_name": "x", "phone": "12"})


async def test_short_name_and_chinese_date_through_log_visit(llm_app, fake_llm):
    """A customer's short name, 「五十万」 in the summary, a Chinese date and contacts as one string."""
    fake_llm.script(
        tool_call(
            "log_visit",
            customer="华东机械",
            summary="预算五十万",
            visit_date="昨天",
            contacts="李总、王工",
            next_step_due="12-01",
            next_step="发报价",
        ),
        text("记好了。"),
    )
    rep = ConsoleClient(llm_app, "zhangwei")
    answer = await rep.say("昨天去华东机械见了李总和王工，预算五十万，12月1日前发报价")
    assert "11月22日（周日）" in answer and "见到：李总、王工" in answer and "12月1日（周二）" in answer
    assert await agent_visits(llm_app) == []  # shown first, written on 是
    await rep.say("是")
    (visit,) = await agent_visits(llm_app)
    assert visit.visit_date == date(2026, 11, 22) and visit.attendees == ["李总", "王工"]
    assert (await tasks_titled(llm_app, "发报价"))[0].due_date == date(2026, 12, 1)
