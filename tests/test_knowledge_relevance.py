"""Thesaurus forms (gapped, one-character with their other senses, hiding), generic words, the relevance gate
on small and large libraries, and the offline vectors' version fingerprint."""

from __future__ import annotations

from knowledge import KnowledgeBase, load_demo_library, thesaurus
from knowledge import embeddings as embeddings_module
from knowledge.analysis import is_generic, query_terms
from knowledge.thesaurus import concepts_in
from tests.test_knowledge_ingest import knowledge_base, write


def test_gapped_form_allows_a_few_characters_between_but_not_a_clause_break():
    assert "budget" in concepts_in("客户钱不够")
    assert "budget" in concepts_in("客户说钱真的不够")
    assert "budget" not in concepts_in("钱的事，不够清楚的地方再问")  # a comma ends the gap
    assert "budget" not in concepts_in("钱包放在桌上了不够")  # more than three characters between


def test_one_character_form_skips_its_other_senses():
    assert "price" in concepts_in("凭什么比别家贵这么多")
    assert "price" not in concepts_in("感谢贵司的支持")
    assert "price" not in concepts_in("占用您宝贵的时间")
    assert "approval" in concepts_in("这个折扣谁来批")
    assert "approval" not in concepts_in("批量导出客户")
    assert "export" in concepts_in("批量导出客户")


def test_a_hiding_form_keeps_the_shorter_form_inside_it_quiet():
    assert concepts_in("对接人换了") == ["champion"]
    assert "integrate" in concepts_in("和金蝶对接")


def test_generic_bigrams_weigh_less_than_topic_bigrams():
    assert is_generic("怎么") and is_generic("觉得") and is_generic("的电")  # "的电" only in "…的电影"
    assert not is_generic("报价") and not is_generic("了解")
    weights = dict(query_terms("客户觉得报价高"))
    assert weights["觉得"] < weights["报价"]


PLAYBOOK = "# 售后\n\n## 水印\n导出的报表都带员工水印，截图外传可以追到人。\n\n## 响应\n紧急故障十五分钟内响应。\n"


async def test_a_one_word_query_and_a_long_question_pass_the_gate_on_a_tiny_library(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "sla.md", PLAYBOOK)])
        hits = await kb.search("水印")
        assert hits and hits[0].heading_path == ["水印"]
        long_question = (
            "今天下午见了一家做连锁餐饮的客户，他们老板特别在意员工离职把资料带走，"
            "问我们导出的报表能不能加水印，截图外传能不能追到是谁，我该怎么回"
        )
        hits = await kb.search(long_question)
        assert hits and hits[0].heading_path == ["水印"]
        assert await kb.search("这周六去爬山吗") == []


async def test_daily_life_questions_get_nothing_from_the_demo_library(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await load_demo_library(kb)
        for question in ("帮我查下快递到哪了", "这道数学题怎么做", "最近有什么好看的电影", "明早几点的航班"):
            assert await kb.search(question) == [], question
        for question in ("客户嫌贵咋回", "钉钉能单点登录吗", "试用期多长"):
            assert await kb.search(question), question
        kb.min_relevance = -1.0  # the gate off: everything that shares a character comes back
        assert await kb.search("最近有什么好看的电影")


def test_offline_key_follows_the_thesaurus(monkeypatch):
    before = embeddings_module.OfflineEmbeddings().key
    assert before.startswith("offline_v2_") and before == embeddings_module.OfflineEmbeddings().key
    monkeypatch.setitem(thesaurus.CONCEPTS, "watermark", ("水印",))
    assert embeddings_module.OfflineEmbeddings().key != before


async def test_a_new_thesaurus_version_re_embeds_and_drops_the_old_vectors(tmp_path, monkeypatch):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "sla.md", PLAYBOOK)])
        old_name = kb._vectors.collection.name
        monkeypatch.setattr(embeddings_module, "offline_fingerprint", lambda: "newvocab")
        upgraded = KnowledgeBase(kb.settings, kb.db)
        await upgraded.open()
        names = {c if isinstance(c, str) else c.name for c in upgraded._vectors.client.list_collections()}
        assert upgraded._vectors.collection.name == "kb_offline_v2_newvocab"
        assert old_name not in names
        assert upgraded._vectors.all_ids()  # re-embedded from the database at open
        hits = await upgraded.search("员工水印", mode="vector")
        assert hits and hits[0].heading_path == ["水印"]


def test_every_form_is_lower_case_and_unpadded():
    """Forms are matched on NFKC-normalised, lower-cased text: "SaaS" or " 报价" would never match."""
    bad = [
        f
        for forms in thesaurus.CONCEPTS.values()
        for f in forms
        if not f or f != f.strip() or (not f.startswith("re:") and f != f.lower())
    ]
    assert not bad


def test_hyphenated_glossary_terms_expand_however_they_are_written():
    from knowledge.glossary import expand_query

    for asked in ("支持 single sign-on 吗", "支持 single sign on 吗", "支持 Single_Sign-On 吗"):
        assert expand_query(asked).endswith("单点登录"), asked
    assert expand_query("怎么 sign in").endswith("登录")  # the longer term wins over "sign" (签约)
