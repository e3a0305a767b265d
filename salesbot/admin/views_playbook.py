"""Stage playbook pages: the key questions per stage, as YAML or as a form, validated with Chinese messages.

The playbook in force is <SALESBOT_DATA_DIR>/stage_playbook.yaml (tools/playbook/config.py reads it again
when it changes, so a save needs no restart). Invalid input changes nothing: the page comes back with the
text or the rows as typed and the problems named by stage and question.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from aiohttp import web

from bot.models import STAGE_LABELS
from salesbot.admin import audit
from salesbot.admin.pages import app_of, flash, principal_of, redirect, render
from tools.playbook.config import (
    FIELDS,
    OPEN_STAGES,
    PLAYBOOK_FILE_NAME,
    Playbook,
    PlaybookError,
    PlaybookStore,
    dump_playbook,
    parse_playbook,
)

routes = web.RouteTableDef()
BLANK_ROWS = 3  # empty rows under the form for new questions


def _path(app) -> Path:
    return Path(app.settings.data_dir) / PLAYBOOK_FILE_NAME


def _rows(playbook: Playbook | None) -> list[dict]:
    rows = []
    if playbook is not None:
        for stage, questions in playbook.stages.items():
            rows += [{"stage": stage, "key": q.key, "question": q.question, "field": q.field or ""} for q in questions]
    return rows


async def _page(request, text: str, *, error: str = "", rows: list[dict] | None = None, status: int = 200):
    app = app_of(request)
    if rows is None:
        try:
            rows = _rows(parse_playbook(text))
        except PlaybookError:
            rows = []
    return await render(
        request,
        "playbook.html",
        "playbook",
        status=status,
        text=text,
        error=error,
        rows=rows + [{"stage": "", "key": "", "question": "", "field": ""}] * BLANK_ROWS,
        stages={s: STAGE_LABELS[s] for s in OPEN_STAGES},
        fields=FIELDS,
        path=str(_path(app)),
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".stage_playbook.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


async def _save(request, text: str, how: str) -> None:
    app = app_of(request)
    playbook = parse_playbook(text)
    async with app.db.write() as s:
        await audit.record(
            s,
            principal_of(request),
            "stage_playbook.save",
            record_type="stage_playbook",
            how=how,
            questions=sum(len(q) for q in playbook.stages.values()),
        )
        _write_atomically(_path(app), text)  # inside the transaction: a failed write records no save


@routes.get("/playbook")
async def playbook_page(request: web.Request) -> web.Response:
    return await _page(request, PlaybookStore(app_of(request).settings.data_dir).current_text())


@routes.post("/playbook/save")
async def playbook_save(request: web.Request) -> web.Response:
    """The YAML view: validate, then put it in force."""
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    try:
        await _save(request, text, "yaml")
    except PlaybookError as exc:
        return await _page(request, text, error=str(exc), status=400)
    await flash(request, "阶段剧本已保存并生效（之后的阶段推进按新问题问）")
    raise redirect("/admin/playbook")


@routes.post("/playbook/form")
async def playbook_form(request: web.Request) -> web.Response:
    """The form view: one row per question (stage, key, question, field); empty rows are ignored."""
    form = await request.post()
    columns = {name: [str(v) for v in form.getall(name, [])] for name in ("stage", "key", "question", "field")}
    count = max((len(v) for v in columns.values()), default=0)
    rows = [
        {name: (columns[name][i] if i < len(columns[name]) else "").strip() for name in columns} for i in range(count)
    ]
    rows = [r for r in rows if r["key"] or r["question"]]
    doc: dict[str, list[dict]] = {}
    problems = []
    for n, row in enumerate(rows, 1):
        if row["stage"] not in OPEN_STAGES:
            problems.append(f"第 {n} 行：请选择阶段")
            continue
        item = {"key": row["key"], "question": row["question"]}
        if row["field"]:
            item["field"] = row["field"]
        doc.setdefault(STAGE_LABELS[row["stage"]], []).append(item)
    try:
        if problems:
            raise PlaybookError("阶段剧本有误：\n" + "\n".join(problems))
        # through the same parser as the YAML view, then written in its tidy form
        text = dump_playbook(parse_playbook(yaml.safe_dump({"stages": doc}, allow_unicode=True, sort_keys=False)))
        await _save(request, text, "form")
    except PlaybookError as exc:
        current = PlaybookStore(app_of(request).settings.data_dir).current_text()
        return await _page(request, current, error=str(exc), rows=rows, status=400)
    await flash(request, "阶段剧本已保存并生效（之后的阶段推进按新问题问）")
    raise redirect("/admin/playbook")
