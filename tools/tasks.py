"""Follow-up tasks (Odoo mail.activity-like): due date, open/done, linked to an account."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, Field
from sqlmodel import select

from bot.arg_types import ACCOUNT_ALIASES, AccountName, DatePhrase
from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolDenied, ToolError, ToolOutput
from bot.models import Account, Task, utcnow
from bot.pending import open_pending, yes_or_no
from bot.worktime import due_moment, hm
from bot.zh_parse import find_dates
from bot.zh_parse.dates import unresolved_holiday
from tools.customers import accounts_mentioned, ensure_account_access, match_account, not_yours_text
from tools.visits import date_argument, day_label, holiday_question

router = Router("tasks")


class CreateTaskArgs(BaseModel):
    title: str = Field(description="要做的事，如「给华东机械发报价」")
    due: DatePhrase = Field(
        None, description="截止日期或提醒时间：原话如「周五」「周五下午3点」「下周三」或 YYYY-MM-DD"
    )
    account_name: AccountName | None = Field(None, validation_alias=ACCOUNT_ALIASES, description="相关客户名称（可选）")


# 「提醒我交周报」 is asked for with words the task itself should not keep
_ASKING_WORDS = re.compile(r"^(请|麻烦)?(你)?(帮我|给我)?(提醒我?一?下?|记得|别忘了|记一下)[:：，,\s]*")


def task_title(words: str) -> str:
    """The task's own words: 「提醒我跟进金陵医药」 → 「跟进金陵医药」."""
    return _ASKING_WORDS.sub("", words.strip()).strip("，,。 ") or words.strip()


async def checked_task(ctx: ToolContext, args: CreateTaskArgs, ask_for_name: str):
    """(title, due date, reminder moment, account) as a write would store them, or the reason it can't:
    the proposal's description and the write check alike. `ask_for_name` ends the unclear-customer message."""
    title = task_title(args.title)
    if not title:
        raise ToolError("待办内容是什么？")
    due = date_argument(args.due, ctx.today(), "截止日期")
    if due is not None and due < ctx.today():
        raise ToolError(f"截止日期 {day_label(due)} 已经过了，换个日期？")
    # "周五下午3点" / "周五下午": a stated time is when the reminder fires (scheduler/jobs.py)
    due_at = due_moment(args.due, ctx.today(), ctx.tz)
    if due_at is not None and due_at.date() != due:
        due_at = None
    if due_at is not None and due_at <= ctx.now():
        raise ToolError(f"{day_label(due)} {hm(due_at)} 已经过了，换个时间？")
    account = None
    if args.account_name:
        match = await match_account(ctx, args.account_name)
        if match.status == "not_yours":
            raise ToolDenied(not_yours_text(match))
        if match.status != "one":
            raise ToolError(f"客户「{args.account_name}」没找准，{ask_for_name}")
        account = match.account
        await ensure_account_access(ctx, account)
    return title, due, due_at, account


async def create_task(ctx: ToolContext, args: CreateTaskArgs) -> ToolOutput:
    title, due, due_at, account = await checked_task(ctx, args, "用 /客户 先查一下全称？")
    key = ctx.idempotency_key("task")
    async with ctx.db.write() as s:
        if key:
            existing = (await s.execute(select(Task).where(Task.idempotency_key == key))).scalars().first()
            if existing is not None:
                return ToolOutput(f"待办 #{existing.id} 已经建过了。", data={"task_id": existing.id, "duplicate": True})
        task = Task(
            title=title[:256],
            due_date=due,
            due_at=due_at,
            owner_id=ctx.actor.staff_id,
            account_id=account.id if account else None,
            idempotency_key=key,
            **ctx.provenance(),
        )
        s.add(task)
        await s.flush()
        s.add(ctx.audit("task.create", "task", task.id, title=task.title))
    when = f"，截止 {day_label(due)}" if due else ""
    if due_at is not None:
        when = f"，{day_label(due)} {hm(due_at)} 提醒你"
    where = f"（{account.name}）" if account else ""
    return ToolOutput(
        f"已建待办 #{task.id}：{task.title}{where}{when}。",
        data={"task_id": task.id, "due_at": due_at.isoformat() if due_at else None},
    )


async def describe_task(ctx: ToolContext, args: CreateTaskArgs) -> list[str]:
    """What `create_task` would write, checked as the write would check it."""
    title, due, due_at, account = await checked_task(ctx, args, "问一下用户客户全称？")
    where = f"（{account.name}）" if account is not None else ""
    when = f"，{day_label(due)} {hm(due_at)} 提醒" if due_at else (f"，截止 {day_label(due)}" if due else "")
    return [f"建待办：{title}{where}{when}"]


async def undo_task(ctx: ToolContext, data: dict) -> str:
    """Take back a task written at once ("direct with undo"): it is cancelled, so its reminder never fires."""
    async with ctx.db.write() as s:
        task = await s.get(Task, data.get("task_id"))
        if task is None or task.owner_id != ctx.actor.staff_id:
            return "这条待办已经不在了。"
        task.status, task.updated_at = "cancelled", utcnow()
        task.updated_by_id, task.updated_source = ctx.actor.staff_id, ctx.source.value
        s.add(task)
        s.add(ctx.audit("task.undo", "task", task.id, title=task.title))
    return f"已撤销待办 #{task.id}：{task.title}。"


@router.tool(
    "create_task",
    "给自己建一个跟进待办/提醒。",
    CreateTaskArgs,
    roles=STAFF,
    writes=True,
    describe=describe_task,
    undo=undo_task,
)
async def create_task_tool(ctx: ToolContext, args: CreateTaskArgs) -> ToolOutput:
    return await create_task(ctx, args)


class ListTasksArgs(BaseModel):
    include_done: bool = Field(False, description="是否包含已完成的")


async def list_tasks(ctx: ToolContext, args: ListTasksArgs) -> ToolOutput:
    async with ctx.db.session() as s:
        q = (
            select(Task, Account.name)
            .join(Account, Task.account_id == Account.id, isouter=True)
            .where(Task.owner_id == ctx.actor.staff_id)
        )
        if not args.include_done:
            q = q.where(Task.status == "open")
        rows = (await s.execute(q.order_by(Task.due_date.is_(None), Task.due_date).limit(20))).all()
    if not rows:
        return ToolOutput("你现在没有未完成的待办。")
    today = ctx.today()
    lines = ["你的待办："]
    for task, account_name in rows:
        flag = ""
        if task.due_date and task.status == "open":
            flag = "（已逾期）" if task.due_date < today else ("（今天）" if task.due_date == today else "")
        when = f" {day_label(task.due_date)}" if task.due_date else ""
        lines.append(f"#{task.id} {task.title}{f'（{account_name}）' if account_name else ''}{when}{flag}")
    lines.append("完成了回复「/完成 编号」。")
    return ToolOutput("\n".join(lines), data={"task_ids": [t.id for t, _ in rows]})


@router.tool("list_tasks", "列出我的待办。", ListTasksArgs, roles=STAFF)
async def list_tasks_tool(ctx: ToolContext, args: ListTasksArgs) -> ToolOutput:
    return await list_tasks(ctx, args)


@router.command(
    "任务",
    "/任务 [内容 日期]",
    "建待办，如「/任务 周五给华东机械发报价」；只发 /任务 看我的待办",
    roles=STAFF,
    aliases=("待办",),
)
async def task_command(ctx: ToolContext, arg: str) -> ToolOutput:
    if not arg:
        return await list_tasks(ctx, ListTasksArgs())
    dates = find_dates(arg, ctx.today())
    if not dates and (holiday := unresolved_holiday(arg, ctx.today())):
        raise ToolError(holiday_question(holiday))  # no silent task without the due date the rep stated
    due = dates[0].text if dates else None  # the phrase itself: "周五下午3点" keeps its time
    title = arg
    for d in dates[:1]:
        title = title.replace(d.text, "", 1)
    title = re.sub(r"^(之前|前|要|需要)+", "", title.strip()).strip("，, ") or arg
    return await create_task(ctx, CreateTaskArgs(title=title, due=due))


# --- tasks asked for in plain words, without an LLM --------------------------------------------------

_REMIND = re.compile(r"^(请|麻烦)?(你)?(帮我|给我)?(提醒我?|提醒一下|记得|别忘了|记一下|约一下|约|安排)|提醒我")
_LIST_TASKS = re.compile(r"(待办|任务|要做的事|todo)", re.I)
_ASKING_FOR_LIST = re.compile(r"哪些|什么|有没有|看看|看下|看一下|列表|列一下|多少|几个|还有|查")


@router.offline_intent(20)
async def task_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「帮我约下周二下午三点给金陵医药打电话」: a task with its reminder time, confirmed before it is made."""
    if not _REMIND.search(text):
        return None
    dates = [d for d in find_dates(text, ctx.today()) if d.date >= ctx.today()]
    if not dates and (holiday := unresolved_holiday(text, ctx.today())):
        raise ToolError(holiday_question(holiday))
    if not dates:
        return None
    title = _REMIND.sub("", text.replace(dates[0].text, "", 1)).strip("，,。 ")
    title = re.sub(r"^(之前|前|要|需要|我)+", "", title).strip("，,。 ")
    if not title:
        return None
    mentioned = await accounts_mentioned(ctx, text)
    account = mentioned[0] if len(mentioned) == 1 else None
    args = CreateTaskArgs(title=title, due=dates[0].text, account_name=account.name if account else None)
    due_at = due_moment(args.due, ctx.today(), ctx.tz)
    when = f"{day_label(dates[0].date)} {hm(due_at)} 提醒你" if due_at else f"截止 {day_label(dates[0].date)}"
    where = f"（{account.name}）" if account else ""
    await open_pending(ctx, "task_confirm", {"args": args.model_dump()}, ttl=timedelta(minutes=30))
    return ToolOutput(
        f"要建这个待办吗？\n{title}{where}，{when}\n回复「是」建好；不对的话用「/任务 内容 日期」重新发。",
        data={"pending": "task_confirm"},
    )


@router.pending("task_confirm")
async def answer_task_confirm(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    verdict = await yes_or_no(ctx, pending, answer, "好，没建。")
    if verdict is not True:
        return verdict or None
    return await create_task(ctx, CreateTaskArgs(**pending.payload["args"]))


@router.offline_intent(25)
async def tasks_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「我这周有哪些待办」: the open tasks."""
    if not (_LIST_TASKS.search(text) and _ASKING_FOR_LIST.search(text)):
        return None
    return await list_tasks(ctx, ListTasksArgs())


@router.command("完成", "/完成 编号", "把待办标记为完成", roles=STAFF)
async def done_command(ctx: ToolContext, arg: str) -> ToolOutput:
    m = re.fullmatch(r"#?\s*(\d+)", arg.strip())
    if not m:
        raise ToolError("用法：/完成 12（待办编号可以发 /任务 查看）")
    async with ctx.db.write() as s:
        task = await s.get(Task, int(m.group(1)))
        if task is None or task.owner_id != ctx.actor.staff_id:
            raise ToolError(f"没找到你的待办 #{m.group(1)}。")
        if task.status == "done":
            return ToolOutput(f"#{task.id} 早就完成啦。")
        task.status, task.completed_at, task.updated_at = "done", utcnow(), utcnow()
        task.updated_by_id, task.updated_source = ctx.actor.staff_id, ctx.source.value
        s.add(task)
        s.add(ctx.audit("task.done", "task", task.id))
    return ToolOutput(f"👍 #{task.id}「{task.title}」已完成。")


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
