"""Follow-up rewriting and associated-question generation with an LLM (the fake OpenAI server)."""

from __future__ import annotations

from langchain_openai import ChatOpenAI  # noqa: F401  (the type chat_model returns)

from knowledge.rewrite import offline_standalone
from tests.fakes.openai_server import FakeOpenAI, error, last_user_text, text
from tests.test_knowledge_ingest import knowledge_base, write

PRICE = "# 价格异议\n\n## 客户嫌贵\n先别降价，问清楚是跟谁比贵，再算三年总成本。\n"
COMPETITOR = "# 竞品海纳\n\n## 报价对比\n海纳标准版略便宜，但集成和实施另收费，要逐项对比总价。\n"
POC = "# POC 政策\n\n## 申请\n合同金额二十万以上才可以申请售前做 POC。\n"


def chat_model(fake: FakeOpenAI) -> ChatOpenAI:
    return fake.chat_model(max_retries=0, timeout=5)


async def test_follow_up_is_rewritten_into_a_standalone_question(tmp_path):
    async with FakeOpenAI() as fake:
        fake.responder = lambda body: (
            text("客户拿海纳的报价来比，嫌我们贵，怎么回") if "那竞品呢" in last_user_text(body) else None
        )
        async with knowledge_base(tmp_path, llm=chat_model(fake)) as kb:
            await kb.add_paths([write(tmp_path / "p.md", PRICE), write(tmp_path / "c.md", COMPETITOR)])
            history = [("user", "客户嫌贵怎么回"), ("assistant", "先别降价，问清楚跟谁比。[1]")]
            hits = await kb.search("那竞品呢？", history=history)
            assert hits and hits[0].title == "竞品海纳"
            prompt = last_user_text(fake.last_request())
            assert "客户嫌贵怎么回" in prompt and "那竞品呢？" in prompt
            # without history there is nothing to resolve: no LLM call
            calls = fake.calls
            await kb.search("海纳报价")
            assert fake.calls == calls


async def test_a_failing_llm_falls_back_to_the_reps_words(tmp_path):
    async with FakeOpenAI() as fake:
        async with knowledge_base(tmp_path, llm=chat_model(fake), generate_questions_on_ingest=False) as kb:
            await kb.add_paths([write(tmp_path / "poc.md", POC)])
            assert fake.calls == 0
            fake.script(error(500))
            hits = await kb.search("POC 申请售前", history=["客户嫌贵怎么回"])
            assert hits and hits[0].title == "POC 政策"
            assert fake.calls == 1


def test_offline_follow_up_joins_the_previous_question():
    history = [{"role": "user", "content": "客户嫌贵怎么回"}, {"role": "assistant", "content": "……"}]
    assert offline_standalone("那竞品呢？", history) == "客户嫌贵怎么回 那竞品呢？"
    assert offline_standalone("私有化部署要多少钱", history) == "私有化部署要多少钱"
    assert offline_standalone("那竞品呢？", []) == "那竞品呢？"


async def test_offline_follow_up_search(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "p.md", PRICE), write(tmp_path / "poc.md", POC)])
        hits = await kb.search("那怎么回呢", history=["客户嫌贵"])
        assert hits and hits[0].title == "价格异议"


async def test_llm_generates_associated_questions_at_ingest(tmp_path):
    async with FakeOpenAI() as fake:
        fake.responder = lambda body: text(
            "1. 多大的单子能做验证？\n2. 售前什么时候能支持试点\n3. 多大的单子能做验证？"
        )
        async with knowledge_base(tmp_path, llm=chat_model(fake)) as kb:
            report = await kb.add_paths([write(tmp_path / "poc.md", POC)])
            assert report.ok
            hits = await kb.search("售前什么时候能支持试点")
            chunk = await kb.get_chunk(hits[0].chunk_id)
            assert chunk.questions == [
                {"q": "多大的单子能做验证？", "by": "llm"},
                {"q": "售前什么时候能支持试点", "by": "llm"},
            ]
            assert "合同金额二十万" in last_user_text(fake.last_request())


async def test_question_generation_failure_does_not_block_ingest(tmp_path):
    async with FakeOpenAI() as fake:
        fake.responder = lambda body: error(500)
        async with knowledge_base(tmp_path, llm=chat_model(fake)) as kb:
            report = await kb.add_paths([write(tmp_path / "poc.md", POC)])
            assert report.ok and report.added[0].chunk_count == 1
            chunk = await kb.get_chunk((await kb.search("POC"))[0].chunk_id)
            assert chunk.questions == []
