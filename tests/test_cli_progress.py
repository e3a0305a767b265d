"""Long command-line work shows a progress bar on a terminal and stays quiet otherwise (kb add, import, export,
eval): on a pipe only the plain summary is printed, without control codes."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from salesbot.admin import importer
from salesbot.admin.cli_progress import progress
from salesbot.evaluation import run_suite
from tests.conftest import make_settings, running_app
from tests.fakes.openai_server import FakeOpenAI, text, tool_call

ROOT = Path(__file__).resolve().parents[1]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _library(folder: Path, files: int) -> None:
    folder.mkdir(parents=True)
    for i in range(files):
        (folder / f"手册{i}.md").write_text(
            f"# 手册 {i}\n\n## 折扣\n第 {i} 版：八五折以下找总监审批。\n", encoding="utf-8"
        )


def _run_kb_add(tmp_path: Path, stderr_on_terminal: bool) -> tuple[int, str, str]:
    env = {**os.environ, "SALESBOT_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    cmd = [sys.executable, "-m", "salesbot.cli", "kb", "add", str(tmp_path / "lib")]
    if not stderr_on_terminal:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=follower, cwd=tmp_path)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode()
    proc.wait(timeout=60)
    os.close(leader)
    return proc.returncode, out, seen.decode(errors="replace")


def test_kb_add_shows_a_bar_on_a_terminal_and_nothing_on_a_pipe(tmp_path):
    _library(tmp_path / "lib", 30)
    code, out, terminal = _run_kb_add(tmp_path, stderr_on_terminal=True)
    assert code == 0 and "新增 30 篇" in out
    assert "导入资料" in terminal and "30/30" in terminal and "\x1b[" in terminal
    # the same command on a pipe: the summary only (the library is unchanged now), no bar, no control codes
    code, out, err = _run_kb_add(tmp_path, stderr_on_terminal=False)
    assert code == 0 and "未变 30 篇" in out
    assert "导入资料" not in err and "\x1b[" not in err + out


def test_progress_helper_draws_only_on_a_terminal():
    terminal, pipe = FakeTerminal(), io.StringIO()
    with progress("导出客户", stream=terminal) as update:
        update(1, 2)
        update(2, 2)
    with progress("导出客户", stream=pipe) as update:
        update(2, 2)
    assert "导出客户" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert pipe.getvalue() == ""


async def test_import_reports_each_row_checked_then_written(tmp_path):
    async with running_app(tmp_path, demo=False) as app:
        body = "客户名称,行业\n" + "".join(f"进度测试公司{i}号,制造业\n" for i in range(5))
        seen: list[tuple[int, int]] = []
        report = await importer.run_import(
            app.db, None, body.encode("utf-8"), "客户.csv", dry_run=False, progress=lambda d, t: seen.append((d, t))
        )
    assert report.written == 5
    assert seen[:6] == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]  # checked
    assert seen[6:] == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]  # written


async def test_export_and_import_cli_draw_on_a_terminal(tmp_path, monkeypatch, capsys):
    from salesbot.cli import main

    monkeypatch.setenv("SALESBOT_DATA_DIR", str(tmp_path / "data"))
    csv_path = tmp_path / "客户.csv"
    csv_path.write_text("客户名称,行业\n进度测试公司,制造业\n", encoding="utf-8")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert await asyncio.to_thread(main, ["import", str(csv_path)]) == 0
    assert await asyncio.to_thread(main, ["export", "accounts", str(tmp_path / "out.xlsx")]) == 0
    drawn = terminal.getvalue()
    assert "检查并导入" in drawn and "导出客户" in drawn and "2/2" in drawn
    out = capsys.readouterr().out
    assert "已导入 1 行" in out and "已导出" in out and "\x1b[" not in out


async def test_eval_reports_each_scenario(tmp_path):
    scenario = {
        "name": "查客户",
        "user": "zhangwei",
        "today": "2026-03-02",
        "turns": [{"say": "金陵医药现在什么情况？", "expect": [{"tool": "lookup_customer", "args": {}}]}],
    }
    async with FakeOpenAI() as llm:
        llm.script(tool_call("lookup_customer", name="金陵医药"), text("有一个商机。"))
        llm.script(tool_call("lookup_customer", name="金陵医药"), text("有一个商机。"))
        settings = make_settings(tmp_path, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake")
        seen: list[tuple[int, int]] = []
        result = await run_suite(
            [scenario, {**scenario, "name": "再查"}], settings, progress=lambda d, t: seen.append((d, t))
        )
    assert result.turns == 2
    assert seen == [(0, 2), (1, 2), (2, 2)]
