"""The Chinese part of the README comes first and stays true: the Quick start commands exist, the chat examples
are the ones tests/test_day_of_use.py runs, the LLM table matches the English one, the settings it names exist,
and the developer sections follow it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_day_of_use import README_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ZH, EN = README.split("\n# salesbot (English)\n", 1)


def test_chinese_first_then_the_english_developer_sections():
    assert README.startswith("# salesbot 销售助手")
    for heading in ("## 它是什么", "## 快速开始", "## 接入企业微信", "## 接入钉钉", "## 管理后台"):
        assert heading in ZH, heading
    for heading in ("## Architecture", "## How a message flows", "## Security (安全)", "## Quick start"):
        assert heading in EN, heading


def test_the_quick_start_commands_are_real():
    blocks = re.findall(r"```bash\n(.*?)```", ZH.split("## 快速开始", 1)[1].split("\n## ", 1)[0], re.S)
    assert [b.strip() for b in blocks] == ["bash scripts/start.sh", "bash scripts/test.sh"]
    for block in blocks:
        assert (ROOT / block.split()[1]).is_file()
        assert f"```bash\n{block}```" in EN  # the same commands as the English Quick start
    chat = re.search(r"启动后在对话里试试：\s*```\n(.*?)```", ZH, re.S).group(1)
    assert [line.strip() for line in chat.splitlines() if line.strip()] == list(README_COMMANDS)


def _llm_rows(text: str) -> list[list[str]]:
    """Per table row, the code spans (base URL, model name) after the provider's name."""
    rows = [re.findall(r"`([^`]+)`", line.split("|", 2)[2]) for line in text.splitlines() if line.startswith("| ")]
    return [row for row in rows if row]


def test_the_llm_table_matches_the_english_one():
    zh = _llm_rows(ZH.split("### 大模型", 1)[1].split("\n\n模型必须", 1)[0])
    en = _llm_rows(EN.split("| provider | OPENAI_BASE_URL | SALESBOT_LLM_MODEL |", 1)[1].split("\n\n", 1)[0])
    assert len(zh) == 5 and zh == en and zh[0] == ["https://api.openai.com/v1", "gpt-4o-mini"]


def test_every_setting_the_chinese_part_names_is_in_env_example():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"`((?:SALESBOT|OPENAI|WECOM|DINGTALK)_[A-Z_]+)`", ZH))
    assert len(names) > 10
    for name in names:
        assert re.search(rf"^#?\s*{name}=", example, re.M), name
