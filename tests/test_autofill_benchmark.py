"""benchmarks/autofill_quality.py scores any directory of NN_x.txt + gold pairs, apart, offline and with the
fake model replaying recorded answers; older gold without a key is not scored on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.autofill_quality import same, score

ROOT = Path(__file__).resolve().parents[1]


def test_missing_gold_keys_are_not_scored_and_titles_compare_as_pairs():
    counts = {k: {"tp": 0, "fp": 0, "fn": 0} for k in ("account", "golive_date", "contact_titles", "competitors")}
    misses: list[str] = []
    gold = {"account": "甲公司", "contact_titles": {"王芳": "采购经理"}, "competitors": ["Salesforce"]}
    pred = {
        "account": "甲公司",
        "golive_date": "2026-07-01",
        "contact_titles": ["王芳:采购经理"],
        "competitors": [],
        "possible_competitors": ["Salesforce"],
    }
    score(gold, pred, counts, misses, "01", ("account", "golive_date"), ("contact_titles", "competitors"))
    assert counts["golive_date"] == {"tp": 0, "fp": 0, "fn": 0}  # not in this gold: not scored
    assert counts["account"]["tp"] == 1 and counts["contact_titles"]["tp"] == 1
    assert counts["competitors"]["tp"] == 1  # older gold did not tell competitors and possible ones apart
    assert misses == []


def test_phones_compare_the_number_not_its_extension():
    assert same("phones", "051266523380", "0512-66523380-8012")
    assert same("phones", "0512-6652 3380 转 8012", "0512-66523380")
    assert same("phones", "13800138000", "138 0013 8000")
    assert not same("phones", "051266523380", "0512-66523381")


def test_benchmark_runs_on_another_directory_offline_with_replay_and_voice(tmp_path):
    sets = tmp_path / "set"
    sets.mkdir()
    (sets / "01_a.txt").write_text(
        "拜访纪要 2026年3月10日\n销售-王磊: 我是云帆科技的王磊。\n客户-周总：我们是苏州瑞泰精密机械有限公司，预算三十万。\n",
        encoding="utf-8",
    )
    (sets / "01_a.gold.json").write_text(
        json.dumps({"account": "苏州瑞泰精密机械有限公司", "meeting_date": "2026-03-10", "budget": 300000}),
        encoding="utf-8",
    )
    replay = tmp_path / "replay"
    replay.mkdir()
    (replay / "01_a.1.txt").write_text('<think>…</think>{"budget": {"value": "三十万", "evidence": "预算三十万"}}')
    voice = tmp_path / "voice"
    voice.mkdir()
    (voice / "01_v.txt").write_text(
        "昨天去了金马物流，见了IT经理冯涛。预算五十二万，不对，是五十万整。", encoding="utf-8"
    )
    (voice / "01_v.gold.json").write_text(
        json.dumps(
            {
                "account": "金马物流",
                "visit_date": "2026-09-20",
                "amount_or_budget": 500000,
                "contacts": ["冯涛"],
                "reference_date": "2026-09-21",
            }
        ),
        encoding="utf-8",
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    script = str(ROOT / "benchmarks" / "autofill_quality.py")
    run = subprocess.run(
        [sys.executable, script, str(sets), "--replay", str(replay)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(str(sets)) == 2  # the rules, then the fake model replaying
    assert "fake model replaying" in run.stdout and "budget" in run.stdout
    account_rows = [line for line in run.stdout.splitlines() if line.startswith("account ")]
    assert account_rows and all(row.split()[1:3] == ["1.00", "1.00"] for row in account_rows)
    run = subprocess.run(
        [sys.executable, script, str(voice), "--voice"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    rows = {line.split()[0]: line.split()[1:3] for line in run.stdout.splitlines() if line[:1].isalpha()}
    assert rows["visit_date"] == ["1.00", "1.00"] and rows["amount_or_budget"] == ["1.00", "1.00"]
    assert rows["account"] == ["1.00", "1.00"] and rows["contacts"] == ["1.00", "1.00"]
