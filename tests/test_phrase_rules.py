"""The closing / forecast phrase matcher on its own (no app): new combinations of known words, and the sentences
that must stay unread — questions, conditionals and plans — plus the scoring command the lead runs on a blind list."""

from __future__ import annotations

import pytest

from benchmarks.pipeline_phrases_quality import load, main, read


@pytest.mark.parametrize(
    "text,expected",
    [
        ("华东机械项目关了，他们自研了", ("lost", "无决策")),
        ("云帆物流的单子凉了，被销售易低价抢了", ("lost", "价格|销售易")),
        ("金陵医药没签下来，预算没批", ("lost", "时机")),
        ("东方证券信息已经签约，合同额120万", ("won", 1200000.0)),
        ("云帆物流这单基本定了，月底签", ("forecast", "commit")),
        ("金陵医药刚立项，还在需求调研", ("forecast", "pipeline")),
        ("东方证券信息这单我看悬", ("forecast", "best_case")),
    ],
)
def test_new_combinations(text, expected):
    assert read(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "华东机械为什么输了",
        "青禾餐饮的项目结束了吗",
        "青禾餐饮明天签合同",
        "华东机械说要跟我们签合同，下周走流程",  # a plan, not a signed deal
        "华东机械的合同签好了吗",
        "金陵医药输单的话损失多大",
        "云帆物流上次签了多少钱",
    ],
)
def test_questions_and_plans_are_not_read(text):
    assert read(text) == ("none", None)


def test_scoring_command_reads_rows_and_heldout_style_lists(tmp_path, capsys):
    rows = tmp_path / "blind.py"
    rows.write_text(
        'ROWS = [("华东机械丢单了，客户嫌贵", "lost", "价格"), ("华东机械最近怎么样", "none", None),'
        ' ("华东机械签了，60万", "won", 600000), ("华东机械这单稳了", "forecast", "pipeline")]\n'
        'OTHER = [("金陵医药拿下了！", "won", None)]\nNOT_ROWS = [1, 2]\n',
        encoding="utf-8",
    )
    assert set(load(rows)) == {"ROWS", "OTHER"}
    main([str(rows)])
    out = capsys.readouterr().out
    assert "blind.py ROWS" in out and "blind.py OTHER" in out
    assert "exact: 3/4 = 75%" in out  # the forecast row is labelled wrongly on purpose
    assert "miss: 华东机械这单稳了" in out
