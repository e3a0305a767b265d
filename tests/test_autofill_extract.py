"""The deterministic extractor and the text parsing of decisions: pure functions, no app."""

from __future__ import annotations

from datetime import date

from tools.autofill.extract import KnownAccount, extract_rules, locate, split_sentences
from tools.autofill.llm_extract import chunk_transcript, parse_json_object
from tools.autofill.review import parse_edit_value, parse_numbers, split_reason

REF = date(2026, 11, 23)
KNOWN = [
    KnownAccount(1, "上海华东机械制造有限公司", "华东机械"),
    KnownAccount(2, "苏州华东机电设备有限公司", "华东机电"),
]


def test_speaker_labels_asr_lines_and_offsets():
    text = "发言人1 00:00:02\n喂，王经理您好。\n李总（华东机械）：预算五十万。"
    sentences = split_sentences(text)
    assert [(s.speaker, s.text) for s in sentences] == [
        ("发言人1", "喂，王经理您好。"),
        ("李总（华东机械）", "预算五十万。"),
    ]
    assert all(text[s.start : s.start + len(s.text)] == s.text for s in sentences)


def test_later_correction_wins_and_keeps_the_earlier_value_as_a_note():
    ex = extract_rules(
        "客户：华东机械\n李总：预算八十万。\n王芳：先开一百个账号。\n李总：不对，应该是六十万。\n"
        "王芳：哦不对，是一百二十个账号。",
        REF,
        KNOWN,
    )
    assert ex.budget.value == 600000 and "80 万" in ex.budget.note
    assert ex.seats.value == 120 and "100" in ex.seats.note


def test_customer_in_the_meeting_beats_a_company_mentioned_in_passing():
    ex = extract_rules(
        "参会人：华东机械 李总\n李总：我们想参考华东机电的做法。\n李总：华东机械这边预算五十万。", REF, KNOWN
    )
    assert ex.account.value == "上海华东机械制造有限公司" and ex.account_id == 1
    assert [o.value for o in ex.other_companies] == ["苏州华东机电设备有限公司"]


def test_asr_habits_are_read_right():
    ex = extract_rules(
        "客户：华东机械\n王经理：差不多八十个账号吧。销售一那边也报了价。我们销售一百二十人。", REF, KNOWN
    )
    assert ex.seats.value == 80
    assert [c.value for c in ex.competitors] == ["销售易"]


def test_relative_dates_use_the_meeting_date_not_today():
    ex = extract_rules(
        "会议时间：2026年11月2日\n客户：华东机械\n张伟：下周三前我们把报价发过去。\n李总：月底前定下来。", REF, KNOWN
    )
    assert ex.meeting_date.value == date(2026, 11, 2)
    assert ex.next_steps[0].due == date(2026, 11, 11) and ex.close_date.value == date(2026, 11, 30)


def test_our_side_is_never_a_customer_contact():
    ex = extract_rules(
        "参会人：华东机械 李总（总经理）；我方 张伟、售前 刘工\n刘工：接口没问题。\n李总：好。", REF, KNOWN, ["张伟"]
    )
    assert [c.name for c in ex.contacts] == ["李总"]


def test_locate_accepts_trimmed_quotes_and_rejects_invented_ones():
    sentences = split_sentences("李总：预算的话今年批下来大概五十万左右。\n王芳：先开一百个账号。")
    assert locate("预算的话今年批下来大概五十万", sentences).speaker == "李总"
    assert locate("李总说总价八十八万可以接受", sentences) is None


def test_chunks_cover_everything_and_overlap():
    text = "".join(f"第{i}句话，内容不长。\n" for i in range(3000))
    parts = chunk_transcript(text, size=2000, overlap=200)
    assert parts[0][0] == 0 and parts[-1][0] + len(parts[-1][1]) == len(text)
    for (a, pa), (b, _pb) in zip(parts, parts[1:]):
        assert a < b <= a + len(pa)  # no gap between parts


def test_json_answers_in_fences_or_with_chatter():
    assert parse_json_object('好的：\n```json\n{"budget": {"value": 1}}\n```') == {"budget": {"value": 1}}
    assert parse_json_object("not json") is None


def test_decision_text_parsing():
    assert parse_numbers("1 3、5-7 原因：重复") == ([1, 3, 5, 6, 7], "原因：重复")
    assert split_reason("96万 原因：客户说含税") == ("96万", "客户说含税")
    assert parse_edit_value("money", "九十六万", REF) == 960000.0
    assert parse_edit_value("date", "12月10日", REF) == "2026-12-10"
    assert parse_edit_value("stage", "商务谈判", REF) == "negotiation"
    assert parse_edit_value("int", "一百二十", REF) == 120


def test_cli_preview_prints_fields_with_evidence_and_writes_nothing(tmp_path, monkeypatch, capsys):
    import json
    from pathlib import Path

    from salesbot.cli import main

    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    source = (
        Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "autofill" / "05_qianhai_correction_amount.txt"
    )
    assert main(["extract", str(source), "--date", "2026-11-23", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "offline" and out["amount"]["value"] == 780000 and out["seats"]["value"] == 300
    assert "三百个席位" in out["seats"]["evidence"] and "250" in out["seats"]["note"]
    assert not (tmp_path / "data").exists()  # a preview creates no database
    assert main(["extract", str(source), "--date", "2026-11-23"]) == 0
    assert "离线模式" in capsys.readouterr().out
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    assert main(["extract", str(tmp_path / "photo.png")]) == 1
    assert "不是我能读的" in capsys.readouterr().err
