"""The talk-track tools (citations, role scoping), the offline chat formatting, and the `salesbot kb` CLI."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest

from bot.capabilities import ToolContext, ToolDenied, run_tool
from bot.messages import Actor, Role
from salesbot.app import build_capabilities
from salesbot.cli import main as salesbot
from tests.test_knowledge_ingest import knowledge_base, write
from tools.talk_tracks import format_hits_for_chat

INTERNAL = "# 折扣审批权限\n\n## 各级权限\n销售经理可以审批到八五折，总监可以审批到七五折。\n"
PUBLIC = "# 安全与合规\n\n## 资质\n我们通过了等保三级测评和 ISO 27001 认证。\n"


def context(kb, role: Role) -> ToolContext:
    app = SimpleNamespace(knowledge=kb, db=kb.db, settings=kb.settings, capabilities=build_capabilities())
    actor = Actor(role=role, staff_id=None if role is Role.CUSTOMER else 1)
    return ToolContext(app=app, actor=actor, conversation_key="console:test")


async def test_staff_tool_returns_numbered_passages_with_titles_not_paths(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "d.md", INTERNAL)])
        await kb.add_paths([write(tmp_path / "s.md", PUBLIC)], audience="public")
        out = await run_tool(context(kb, Role.REP), "search_talk_tracks", {"query": "经理能批几折"})
        assert out.text.splitlines()[0].startswith("以下是知识库检索结果")
        assert "[1] 《折扣审批权限 > 各级权限》" in out.text
        # staff see the document's title; the server path stays in the structured data (admins, kb search --json)
        assert str(tmp_path) not in out.text and "d.md" not in out.text
        first = out.data["citations"][0]
        assert first["n"] == 1 and first["title"] == "折扣审批权限" and first["source"].endswith("d.md")
        empty = await run_tool(context(kb, Role.MANAGER), "search_talk_tracks", {"query": "帮我写首诗"})
        assert "没有找到" in empty.text and empty.data["citations"] == []


async def test_customer_sees_only_public_knowledge(tmp_path):
    async with knowledge_base(tmp_path) as kb:
        await kb.add_paths([write(tmp_path / "d.md", INTERNAL)])
        await kb.add_paths([write(tmp_path / "s.md", PUBLIC)], audience="public")
        customer = context(kb, Role.CUSTOMER)
        with pytest.raises(ToolDenied):
            await run_tool(customer, "search_talk_tracks", {"query": "经理能批几折"})
        for query in ("经理能批几折", "折扣审批权限 七五折", "等保三级"):
            out = await run_tool(customer, "search_public_knowledge", {"query": query, "top": 8})
            assert "折扣" not in out.text
            assert all(c["title"] == "安全与合规" for c in out.data["citations"])
        out = await run_tool(customer, "search_public_knowledge", {"query": "有没有等保"})
        assert "[1] 《安全与合规 > 资质》" in out.text


def test_format_hits_for_chat():
    hit = SimpleNamespace(
        title="POC 与试用政策",
        heading_path=["申请"],
        text="合同金额二十万以上才可以申请。" * 30,
        source="/x/poc.md",
        doc_id=1,
        chunk_id=2,
        score=1.0,
    )
    text = format_hits_for_chat([hit])
    assert text.startswith("帮你在话术库里找到这些")
    assert "[1] POC 与试用政策 > 申请" in text and "出处：[1] 《POC 与试用政策》" in text
    assert "…" in text and len(text) < 400
    assert "没在话术库里找到" in format_hits_for_chat([])
    other = SimpleNamespace(**{**vars(hit), "title": "折扣审批权限", "heading_path": []})
    assert format_hits_for_chat([hit, hit, other]).endswith("出处：[1][2] 《POC 与试用政策》；[3] 《折扣审批权限》")


def test_cli_add_search_list_remove(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "lib" / "d.md", INTERNAL)
    write(tmp_path / "pub" / "s.md", PUBLIC)
    assert salesbot(["kb", "add", str(tmp_path / "lib")]) == 0
    assert salesbot(["kb", "add", str(tmp_path / "pub"), "--audience", "public"]) == 0
    assert "新增 1 篇" in capsys.readouterr().out

    assert salesbot(["kb", "search", "经理能批几折", "--json", "--top", "2"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert set(items[0]) == {"doc_id", "title", "chunk_id", "score", "text", "source"}
    assert items[0]["title"] == "折扣审批权限"
    assert items[0]["source"] == str((tmp_path / "lib" / "d.md").resolve())

    monkeypatch.setattr("sys.stdin", io.StringIO("等保三级\n\n经理能批几折\n"))
    assert salesbot(["kb", "search", "-", "--top", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])[0]["title"] == "安全与合规"
    assert json.loads(lines[1]) == []
    assert json.loads(lines[2])[0]["title"] == "折扣审批权限"

    assert salesbot(["kb", "list", "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert [(d["title"], d["audience"]) for d in docs] == [("折扣审批权限", "internal"), ("安全与合规", "public")]

    assert salesbot(["kb", "remove", str(docs[0]["doc_id"])]) == 0
    assert "已删除" in capsys.readouterr().out
    assert salesbot(["kb", "search", "经理能批几折", "--json"]) == 0
    assert all(i["title"] != "折扣审批权限" for i in json.loads(capsys.readouterr().out))


def test_cli_errors_exit_non_zero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.docx").write_bytes(b"definitely not a zip")
    assert salesbot(["kb", "add", str(tmp_path / "bad.docx")]) == 1
    assert "bad.docx" in capsys.readouterr().out
    assert salesbot(["kb", "search", "  "]) == 1
    assert "不能为空" in capsys.readouterr().err
    assert salesbot(["kb", "remove", "42"]) == 1
    assert "没有编号为 42" in capsys.readouterr().err
    assert salesbot(["kb", "remove", "abc"]) == 1
    assert salesbot(["kb", "search", "x", "--top", "0"]) == 1
