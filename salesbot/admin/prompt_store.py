"""Prompt versions: save, diff, publish, roll back, and 试运行 (a draft against saved sample conversations).

The default text of each prompt ships as prompts/<name>.md. Every console save adds an immutable
PromptVersion row; exactly one row per name may be published, and the app's `PromptTemplates.set_published` makes
it take effect at once in this process. Other processes (a second `salesbot serve`) pick it up through
`PromptSync`, which polls the newest publish time.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import string
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import select

from bot import prompt_templates as prompts
from bot.messages import ROLE_LABELS, Role
from bot.models import utcnow
from bot.zh_parse.dates import WEEKDAYS
from salesbot.admin import audit
from salesbot.admin.models import PromptVersion, SampleConversation

if TYPE_CHECKING:  # pragma: no cover - the signed-in person; auth brings argon2, not needed here
    from salesbot.admin.auth import Principal

log = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 20_000

# shipped with the console so 试运行 works on a fresh install; admins add their own
DEFAULT_SAMPLES: dict[str, list[tuple[str, str, list[dict]]]] = {
    "staff_system": [
        (
            "记录拜访",
            "rep",
            [{"role": "user", "content": "今天拜访了华东机械的李总，他们想下个月看方案，预算大概50万"}],
        ),
        ("价格异议", "rep", [{"role": "user", "content": "客户嫌我们贵，怎么回？"}]),
        ("查客户", "manager", [{"role": "user", "content": "金陵医药最近什么情况？"}]),
        (
            "追问",
            "rep",
            [
                {"role": "user", "content": "帮我记个待办"},
                {"role": "assistant", "content": "好的，要提醒什么事、什么时候？"},
                {"role": "user", "content": "下周三给云帆物流发报价"},
            ],
        ),
    ],
}


class PromptError(ValueError):
    """Bad prompt input; the message is Chinese and shown to the admin."""


def shipped_names() -> list[str]:
    names = []
    for entry in resources.files("prompts").iterdir():
        if entry.name.endswith(".md"):
            names.append(entry.name[:-3])
    return sorted(names)


def placeholders_of(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def check_template(name: str, text: str) -> None:
    """A prompt must render: balanced braces, and only the placeholders the agent fills."""
    if not text.strip():
        raise PromptError("提示词不能为空")
    if len(text) > MAX_PROMPT_CHARS:
        raise PromptError(f"提示词太长（{len(text)} 字），上限 {MAX_PROMPT_CHARS} 字")
    try:
        used = placeholders_of(text)
    except ValueError as exc:
        raise PromptError(f"花括号不成对（{exc}）。要写字面的花括号，请写成 {{{{ 和 }}}}") from None
    try:
        known = placeholders_of(prompts.default_text(name))
    except (FileNotFoundError, ValueError):
        known = set()
    unknown = used - known
    if unknown:
        available = "、".join("{" + p + "}" for p in sorted(known)) or "（这个提示词没有占位符）"
        raise PromptError(f"不认识的占位符：{'、'.join('{' + u + '}' for u in sorted(unknown))}。可用：{available}")


@dataclass
class PromptSummary:
    name: str
    published_version: int | None
    latest_version: int | None
    versions: int
    published_at: Any
    shipped: bool


async def list_prompts(db) -> list[PromptSummary]:
    async with db.session() as s:
        rows = (
            await s.execute(
                select(PromptVersion.name, func.max(PromptVersion.version), func.count(PromptVersion.id)).group_by(
                    PromptVersion.name
                )
            )
        ).all()
        published = {
            p.name: p for p in (await s.execute(select(PromptVersion).where(PromptVersion.published))).scalars()
        }
    stats = {name: (latest, count) for name, latest, count in rows}
    shipped = set(shipped_names())
    out = []
    for name in sorted(shipped | set(stats)):
        latest, count = stats.get(name, (None, 0))
        pub = published.get(name)
        out.append(
            PromptSummary(
                name, pub.version if pub else None, latest, count, pub.published_at if pub else None, name in shipped
            )
        )
    return out


def known_name(name: str) -> None:
    if name not in shipped_names():
        raise PromptError(f"没有名为 {name} 的提示词")


async def history(db, name: str) -> list[PromptVersion]:
    async with db.session() as s:
        return list(
            (
                await s.execute(
                    select(PromptVersion).where(PromptVersion.name == name).order_by(PromptVersion.version.desc())
                )
            ).scalars()
        )


async def get_version(db, version_id: int) -> PromptVersion | None:
    async with db.session() as s:
        return await s.get(PromptVersion, version_id)


async def published_text(db, name: str) -> str:
    async with db.session() as s:
        row = (
            (await s.execute(select(PromptVersion).where(PromptVersion.name == name, PromptVersion.published)))
            .scalars()
            .first()
        )
    return row.text if row else prompts.default_text(name)


async def _next_version(s, name: str) -> int:
    latest = (await s.execute(select(func.max(PromptVersion.version)).where(PromptVersion.name == name))).scalar_one()
    return (latest or 0) + 1


async def save_draft(db, principal: "Principal", name: str, text: str, note: str = "") -> PromptVersion:
    known_name(name)
    text = text.replace("\r\n", "\n")
    check_template(name, text)
    async with db.write() as s:
        row = PromptVersion(
            name=name, version=await _next_version(s, name), text=text, note=note[:256], created_by=principal.username
        )
        s.add(row)
        await s.flush()
        await audit.record(
            s,
            principal,
            "prompt.save",
            record_type="prompt_version",
            record_id=row.id,
            prompt=name,
            version=row.version,
        )
    return row


async def publish(app, principal: "Principal", version_id: int) -> PromptVersion:
    async with app.db.write() as s:
        row = await s.get(PromptVersion, version_id)
        if row is None:
            raise PromptError("没有这个版本")
        check_template(row.name, row.text)
        await s.execute(
            update(PromptVersion)
            .where(PromptVersion.name == row.name, PromptVersion.id != row.id)
            .values(published=False)
        )
        row.published, row.published_at = True, utcnow()
        s.add(row)
        await audit.record(
            s,
            principal,
            "prompt.publish",
            record_type="prompt_version",
            record_id=row.id,
            prompt=row.name,
            version=row.version,
        )
    app.prompts.set_published(row.name, row.text)
    log.info("prompt %s v%s published by %s", row.name, row.version, principal.username)
    return row


async def rollback(app, principal: "Principal", version_id: int) -> PromptVersion:
    """Publish an older text as a new version, so the history stays a straight line."""
    old = await get_version(app.db, version_id)
    if old is None:
        raise PromptError("没有这个版本")
    row = await save_draft(app.db, principal, old.name, old.text, note=f"回滚到 v{old.version}")
    return await publish(app, principal, row.id)


async def restore_default(app, principal: "Principal", name: str) -> None:
    """Go back to the shipped file: nothing published."""
    known_name(name)
    async with app.db.write() as s:
        await s.execute(update(PromptVersion).where(PromptVersion.name == name).values(published=False))
        await audit.record(s, principal, "prompt.restore_default", record_type="prompt", prompt=name)
    app.prompts.set_published(name, None)


def diff_lines(old: str, new: str, old_label: str, new_label: str) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff; kind is add | del | hunk | ctx | head."""
    out = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=3):
        if line.startswith(("+++", "---")):
            kind = "head"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        out.append((kind, line))
    return out


async def load_published(app) -> int:
    """Make every published version take effect (at startup and when another process publishes)."""
    async with app.db.session() as s:
        rows = list((await s.execute(select(PromptVersion).where(PromptVersion.published))).scalars())
    published = {r.name for r in rows}
    for name in shipped_names():
        if name not in published:
            app.prompts.set_published(name, None)
    for row in rows:
        app.prompts.set_published(row.name, row.text)
    return len(rows)


class PromptSync:
    """Polls for prompts published by another process; cheap (one aggregate query)."""

    def __init__(self, app, every: float = 10.0):
        self.app, self.db, self.every = app, app.db, every
        self._seen: tuple | None = None
        self._task: asyncio.Task | None = None

    async def check(self) -> bool:
        async with self.db.session() as s:
            state = tuple(
                (
                    await s.execute(
                        select(func.max(PromptVersion.published_at), func.count(PromptVersion.id)).where(
                            PromptVersion.published
                        )
                    )
                ).one()
            )
        if state == self._seen:
            return False
        self._seen = state
        await load_published(self.app)
        return True

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.check()
            except Exception:
                log.exception("prompt sync failed")

    async def start(self) -> None:
        try:
            await self.check()
        except Exception:  # the console must not take the server down; the loop retries
            log.exception("loading published prompts failed")
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


# --- samples and 试运行 -----------------------------------------------------------------------


async def samples(db, name: str) -> list[SampleConversation]:
    async with db.session() as s:
        rows = list(
            (
                await s.execute(
                    select(SampleConversation)
                    .where(SampleConversation.prompt_name == name)
                    .order_by(SampleConversation.id)
                )
            ).scalars()
        )
    if rows or name not in DEFAULT_SAMPLES:
        return rows
    async with db.write() as s:
        for title, role, messages in DEFAULT_SAMPLES[name]:
            s.add(SampleConversation(prompt_name=name, title=title, role=role, messages=messages))
    return await samples(db, name)


def parse_sample_text(text: str) -> list[dict]:
    """Lines like '用户：…' / '助手：…' (or 'user: …' / 'assistant: …'); a line without a prefix is the user's."""
    messages: list[dict] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        role = "user"
        for prefix, who in (
            ("用户", "user"),
            ("user", "user"),
            ("助手", "assistant"),
            ("assistant", "assistant"),
            ("机器人", "assistant"),
        ):
            for sep in ("：", ":"):
                if line.lower().startswith(prefix + sep):
                    role, line = who, line[len(prefix) + 1 :].strip()
                    break
            else:
                continue
            break
        if line:
            messages.append({"role": role, "content": line})
    if not messages or messages[-1]["role"] != "user":
        raise PromptError("样例对话要以用户的话结尾（每行一句，用「用户：」「助手：」开头）")
    return messages


async def add_sample(db, principal: "Principal", name: str, title: str, role: str, text: str) -> SampleConversation:
    known_name(name)
    title = title.strip()
    if not title:
        raise PromptError("样例要有标题")
    if role not in ROLE_LABELS:
        raise PromptError("角色只能是 rep、manager、admin 或 customer")
    messages = parse_sample_text(text)
    async with db.write() as s:
        row = SampleConversation(prompt_name=name, title=title[:128], role=role, messages=messages)
        s.add(row)
        await s.flush()
        await audit.record(
            s, principal, "prompt.sample.add", record_type="prompt_sample", record_id=row.id, prompt=name
        )
    return row


async def delete_sample(db, principal: "Principal", sample_id: int) -> None:
    async with db.write() as s:
        row = await s.get(SampleConversation, sample_id)
        if row is None:
            raise PromptError("没有这个样例")
        await s.delete(row)
        await audit.record(s, principal, "prompt.sample.delete", record_type="prompt_sample", record_id=sample_id)


@dataclass
class TrialAnswer:
    text: str = ""
    tool_calls: list[tuple[str, dict]] = field(default_factory=list)
    error: str = ""


@dataclass
class TrialRow:
    sample: SampleConversation
    draft: TrialAnswer
    published: TrialAnswer


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _values(app, role: str) -> dict[str, str]:
    today = app.clock.now(ZoneInfo(app.settings.timezone)).date()
    return {
        "name": "试运行用户",
        "role": ROLE_LABELS.get(role, role),
        "team": "华东组",
        "today": today.isoformat(),
        "weekday": "周" + WEEKDAYS[today.weekday()],
        "company": app.settings.company_name,
        "company_name": app.settings.company_name,
    }


async def _model_for(app, name: str, role: str):
    if name == "staff_system" and role != "customer":
        agent = await asyncio.to_thread(app.agent_for, Role(role))
        if agent is not None and hasattr(agent, "model_for"):
            return agent.model_for(Role(role))[0]  # the same tools the agent offers that role
    return await asyncio.to_thread(app.chat_model)


async def _run_once(app, model, template_text: str, sample: SampleConversation) -> TrialAnswer:
    # the try-run needs the model: LangChain and the agents load with it, not with the console
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    from agents.staff import message_text

    system = template_text.format_map(_Missing(_values(app, sample.role)))
    messages: list[Any] = [SystemMessage(system)]
    for m in sample.messages:
        messages.append(HumanMessage(m["content"]) if m["role"] == "user" else AIMessage(m["content"]))
    try:
        ai = await model.ainvoke(messages)
    except Exception as exc:  # a failing provider shows on the page, it does not break it
        log.warning("试运行 failed: %s", exc)
        return TrialAnswer(error=f"{type(exc).__name__}: {str(exc)[:300]}")
    return TrialAnswer(text=message_text(ai), tool_calls=[(c["name"], dict(c["args"])) for c in ai.tool_calls or []])


async def trial(app, name: str, draft_text: str, sample_ids: list[int] | None = None) -> list[TrialRow]:
    """Run each sample once with the draft and once with the published text. Tools are NOT executed:
    the tool calls the model asks for are shown, so a trial never writes to the CRM."""
    known_name(name)
    check_template(name, draft_text)
    if not app.llm_enabled:
        raise PromptError("还没有配置大模型（OPENAI_API_KEY / OPENAI_BASE_URL），无法试运行")
    chosen = [s for s in await samples(app.db, name) if not sample_ids or s.id in sample_ids]
    if not chosen:
        raise PromptError("没有样例对话，先添加一个")
    published = await published_text(app.db, name)
    semaphore = asyncio.Semaphore(4)
    roles = {s.role for s in chosen}
    models = {role: await _model_for(app, name, role) for role in roles}

    async def one(sample: SampleConversation) -> TrialRow:
        async with semaphore:
            draft, live = await asyncio.gather(
                _run_once(app, models[sample.role], draft_text, sample),
                _run_once(app, models[sample.role], published, sample),
            )
        return TrialRow(sample, draft, live)

    return list(await asyncio.gather(*(one(s) for s in chosen)))
