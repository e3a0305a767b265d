"""Visits (EspoCRM Meeting-like): log what happened at a customer, with the next step as a task.

From the agent: `log_visit` with the rep's words as arguments. From a command:
`/拜访 华东机械 今天聊了二期扩容 下周三发报价`. Both end in `record_visit`, which writes the visit
and its next-step task once per inbound message (idempotency keys) and confirms in one short message.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from pydantic import BaseModel, Field
from sqlmodel import select

from bot.arg_types import ACCOUNT_ALIASES, AccountName, DatePhrase, TextList
from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolDenied, ToolError, ToolOutput
from bot.messages import InboundKind
from bot.models import Account, Opportunity, Task, Visit
from bot.pending import CANCEL_WORDS, close_pending, open_pending, pick_option, yes_or_no
from bot.zh_parse import find_dates, find_money, resolve_date
from bot.zh_parse.dates import day_label, unresolved_holiday
from bot.zh_parse.orgnames import VISITED_NAME, visited_name
from bot.zh_parse.spoken import clean_spoken, squeeze_spaces
from tools.customers import (
    accounts_mentioned,
    choice_text,
    create_account,
    ensure_account_access,
    match_account,
    not_yours_text,
)

router = Router("visits")

# a common surname and an honorific: 李总, 王经理, 欧阳主任 (a surname list beats guessing word boundaries)
_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|慕容|[李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝]"
)
_CONTACT_RE = re.compile(f"({_SURNAMES})(总监|总|经理|主任|老师|处长|科长|部长|局长|院长|董|工)")
_CLAUSE_SPLIT = re.compile(r"[，,。；;！!？?\n]+")
_NEXT_STEP_HINTS = ("下一步", "下次", "回头", "需要", "要", "发", "安排", "约", "跟进", "提交", "准备", "确认")


class LogVisitArgs(BaseModel):
    account_name: AccountName = Field(
        validation_alias=ACCOUNT_ALIASES, description="客户名称，按用户原话，例如「华东机械」"
    )
    summary: str = Field(description="这次拜访聊了什么（一两句话，保留金额、数量等关键信息）")
    visit_date: DatePhrase = Field(
        None, description="拜访日期：用户原话如「今天」「昨天」「上周五」，或 YYYY-MM-DD；不说就是今天"
    )
    contacts: TextList = Field(default_factory=list, description="见到的客户方人员，如 ['李总']")
    next_step: str | None = Field(None, description="下一步要做的事，如「发报价」")
    next_step_due: DatePhrase = Field(None, description="下一步的截止日期：原话如「下周三」或 YYYY-MM-DD")
    location: str | None = Field(None, description="拜访地点（可选）")
    channel: str = Field("onsite", description="onsite 上门 / phone 电话 / video 视频 / wechat 微信")


def holiday_question(holiday: str) -> str:
    return f"「{holiday}」具体是哪天我还不知道（那年的放假安排我这里没有），说个具体日期吧，比如「2月5日前」。"


def date_argument(phrase: str | None, today: date, field_label: str) -> date | None:
    """A date a tool argument states ("下周三", "2026-12-01") → the date, None when nothing is stated.

    Unreadable words raise a ToolError naming the field (`field_label`, e.g. "截止日期") with an example the
    rep can follow. Shared by visits (visit day, next-step due) and tasks (due date).
    """
    if not phrase:
        return None
    d = resolve_date(phrase, today)
    if d is None and (holiday := unresolved_holiday(phrase, today)):
        raise ToolError(holiday_question(holiday))
    if d is None:
        raise ToolError(f"{field_label}「{phrase}」我没看懂，换个说法，比如「下周三」或「2026-12-01」。")
    return d


async def _open_opportunity(ctx: ToolContext, account_id: int) -> Opportunity | None:
    async with ctx.db.session() as s:
        opps = (
            (
                await s.execute(
                    select(Opportunity)
                    .where(
                        Opportunity.account_id == account_id, Opportunity.stage.notin_(["closed_won", "closed_lost"])
                    )
                    .order_by(Opportunity.updated_at.desc())
                )
            )
            .scalars()
            .all()
        )
    return opps[0] if len(opps) == 1 else None


async def record_visit(ctx: ToolContext, account: Account, args: LogVisitArgs) -> ToolOutput:
    await ensure_account_access(ctx, account)
    today = ctx.today()
    visit_day = date_argument(args.visit_date, today, "拜访日期") or today
    due = date_argument(args.next_step_due, today, "截止日期")
    if due is not None and due < visit_day:
        raise ToolError(f"下一步的截止日期（{day_label(due)}）比拜访日期还早，帮我确认一下？")
    summary = args.summary.strip()
    if not summary:
        raise ToolError("这次拜访聊了什么？说一两句我来记。")
    checkin = await ctx.app.kv.get(f"checkin:{ctx.conversation_key}")
    location = args.location or (json.loads(checkin).get("label") if checkin else None)
    opportunity = await _open_opportunity(ctx, account.id)
    visit_key = ctx.idempotency_key("visit")
    async with ctx.db.write() as s:
        if visit_key:
            existing = (await s.execute(select(Visit).where(Visit.idempotency_key == visit_key))).scalars().first()
            if existing is not None:  # the same message handled again (redelivery, resumed turn)
                return ToolOutput("这次拜访已经记过了。", data={"visit_id": existing.id, "duplicate": True})
        visit = Visit(
            account_id=account.id,
            opportunity_id=opportunity.id if opportunity else None,
            owner_id=ctx.actor.staff_id,
            status="planned" if visit_day > today else "held",
            visit_date=visit_day,
            channel=args.channel if args.channel in ("onsite", "phone", "video", "wechat") else "onsite",
            attendees=[c.strip() for c in args.contacts if c.strip()][:20],
            summary=summary[:4000],
            location=location,
            next_step=(args.next_step or None),
            idempotency_key=visit_key,
            **ctx.provenance(),
        )
        s.add(visit)
        await s.flush()
        s.add(ctx.audit("visit.create", "visit", visit.id, account=account.name, date=visit_day.isoformat()))
        task = None
        if args.next_step:
            task = Task(
                title=args.next_step.strip()[:256],
                due_date=due,
                owner_id=ctx.actor.staff_id,
                account_id=account.id,
                opportunity_id=visit.opportunity_id,
                visit_id=visit.id,
                idempotency_key=ctx.idempotency_key("visit-task"),
                **ctx.provenance(),
            )
            s.add(task)
            await s.flush()
            s.add(ctx.audit("task.create", "task", task.id, title=task.title))
    who = f"（{'、'.join(visit.attendees)}）" if visit.attendees else ""
    lines = [
        f"已记录：{account.name} · {day_label(visit_day)}{'计划拜访' if visit.status == 'planned' else '拜访'}{who}"
    ]
    if task is not None:
        when = f"，截止 {day_label(due)}" if due else ""
        lines.append(f"下一步：{task.title}{when}，已加到你的待办 #{task.id}。")
    if opportunity is not None:
        lines.append(f"关联商机：{opportunity.name}")
    return ToolOutput(
        "\n".join(lines), data={"visit_id": visit.id, "task_id": task.id if task else None, "account_id": account.id}
    )


async def log_visit_for(ctx: ToolContext, args: LogVisitArgs) -> ToolOutput:
    """Match the account first; ask when it is ambiguous or unknown (never create one silently)."""
    match = await match_account(ctx, args.account_name)
    if match.status == "one":
        return await record_visit(ctx, match.account, args)
    if match.status == "not_yours":
        raise ToolDenied(not_yours_text(match))  # refused the same way on every path, and audited
    if match.status == "ambiguous":
        await open_pending(
            ctx, "visit_account", {"args": args.model_dump(), "candidates": [a.id for a in match.candidates]}
        )
        return ToolOutput(choice_text(args.account_name, match.candidates), data={"pending": "visit_account"})
    await open_pending(ctx, "visit_new_account", {"args": args.model_dump()})
    return ToolOutput(
        f"没找到客户「{args.account_name}」。回复「新建」就按这个名字建客户并记下这次拜访；"
        f"或者直接告诉我正确的客户名。",
        data={"pending": "visit_new_account"},
    )


_CHANNEL_LABELS = {"onsite": "上门", "phone": "电话", "video": "视频", "wechat": "微信"}


async def describe_visit(ctx: ToolContext, args: LogVisitArgs) -> list[str]:
    """What `log_visit` would write, checked as the write would check it (a ToolError goes back to the model)."""
    match = await match_account(ctx, args.account_name)
    if match.status == "not_yours":
        raise ToolDenied(not_yours_text(match))
    if match.status == "ambiguous":
        raise ToolError(
            choice_text(args.account_name, match.candidates).replace("回复序号就行，回复「取消」放弃。", "")
        )
    if match.status != "one":
        raise ToolError(
            f"没找到客户「{args.account_name}」。问用户是不是写错了；是新客户就请用户先发「/新建客户 名称」。"
        )
    account = match.account
    await ensure_account_access(ctx, account)
    today = ctx.today()
    visit_day = date_argument(args.visit_date, today, "拜访日期") or today
    due = date_argument(args.next_step_due, today, "截止日期")
    if due is not None and due < visit_day:
        raise ToolError(f"下一步的截止日期（{day_label(due)}）比拜访日期还早，帮我确认一下？")
    if not args.summary.strip():
        raise ToolError("这次拜访聊了什么？说一两句我来记。")
    planned = "计划拜访" if visit_day > today else "拜访"
    lines = [f"记{planned}：{account.name} · {day_label(visit_day)}（{_CHANNEL_LABELS.get(args.channel, '上门')}）"]
    if args.contacts:
        lines.append(f"见到：{'、'.join(c for c in args.contacts if c.strip())}")
    lines.append(f"内容：{args.summary.strip()}")
    if args.next_step:
        lines.append(f"建待办：{args.next_step.strip()}" + (f"，截止 {day_label(due)}" if due else ""))
    return lines


async def undo_visit(ctx: ToolContext, data: dict) -> str:
    """Take back a visit written at once ("direct with undo"): the visit and its next-step task are deleted."""
    async with ctx.db.write() as s:
        visit = await s.get(Visit, data.get("visit_id"))
        if visit is None:
            return "这条拜访已经不在了。"
        if data.get("task_id") and (task := await s.get(Task, data["task_id"])) is not None:
            await s.delete(task)
            s.add(ctx.audit("task.undo", "task", task.id, title=task.title))
        await s.delete(visit)
        s.add(ctx.audit("visit.undo", "visit", visit.id, date=visit.visit_date.isoformat()))
    return f"已撤销 {day_label(visit.visit_date)} 的拜访记录。"


@router.tool(
    "log_visit",
    "记录一次客户拜访（可带下一步和截止日期，会自动建待办）。",
    LogVisitArgs,
    roles=STAFF,
    writes=True,
    describe=describe_visit,
    undo=undo_visit,
)
async def log_visit(ctx: ToolContext, args: LogVisitArgs) -> ToolOutput:
    return await log_visit_for(ctx, args)


@router.pending("visit_account")
async def answer_visit_account(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    if answer.strip() in CANCEL_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput("好，这次拜访先不记了。")
    ids = pending.payload["candidates"]
    index = pick_option(answer, len(ids))
    if index is None:
        return None  # not an answer to the question: handle the message normally
    if not await close_pending(ctx, pending):
        return ToolOutput("这个问题已经处理过了。")
    async with ctx.db.session() as s:
        account = await s.get(Account, ids[index])
    if account is None:
        raise ToolError("这个客户刚被删除了，请重新记一次。")
    return await record_visit(ctx, account, LogVisitArgs(**pending.payload["args"]))


_YES = {"新建", "是", "是的", "好", "好的", "确认", "对", "嗯", "建", "新建客户"}


@router.pending("visit_new_account")
async def answer_new_account(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    answer = answer.strip()
    args = LogVisitArgs(**pending.payload["args"])
    if answer in CANCEL_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput("好，这次拜访先不记了。")
    if answer in _YES:
        if not await close_pending(ctx, pending):
            return ToolOutput("这个问题已经处理过了。")
        account = await create_account(ctx, args.account_name)
        out = await record_visit(ctx, account, args)
        return ToolOutput(f"已新建客户「{account.name}」。\n{out.text}", data=out.data)
    if len(answer) <= 30 and not answer.startswith(("/", "／")) and not re.search(r"[，。,.!！?？]", answer):
        await close_pending(ctx, pending, "replaced")
        return await log_visit_for(ctx, args.model_copy(update={"account_name": answer}))
    return None


# --- the offline command -------------------------------------------------------------------------


def parse_visit_text(text: str, today: date) -> dict:
    """Deterministic reading of '今天聊了二期扩容 下周三发报价' into visit date, summary, next step."""
    visit_date, next_step, due = None, None, None
    for clause in filter(None, (c.strip() for c in _CLAUSE_SPLIT.split(text.replace(" ", "，")))):
        dates = find_dates(clause, today)
        future = [d for d in dates if d.date > today]
        past = [d for d in dates if d.date <= today]
        if future and next_step is None:
            due = future[0].date
            step = clause
            for d in future:
                step = step.replace(d.text, "")
            step = re.sub(r"^(之前|以前|前|之内|内|再|要|需要|得|，)+", "", step.strip()).strip("，, ")
            next_step = step or clause
        elif past and visit_date is None:
            visit_date = past[0].date
        elif next_step is None and clause.startswith(("下一步", "下次", "接下来")):
            next_step = re.sub(r"^(下一步|下次|接下来)[:：]?", "", clause).strip()
    contacts = []
    for m in _CONTACT_RE.finditer(text):
        name = m.group(0)
        if name not in contacts:
            contacts.append(name)
    return {
        "visit_date": visit_date.isoformat() if visit_date else None,
        "next_step": next_step,
        "next_step_due": due.isoformat() if due else None,
        "contacts": contacts,
    }


@router.command("拜访", "/拜访 客户 内容", "记拜访，例如：/拜访 华东机械 今天聊了二期扩容 下周三发报价", roles=STAFF)
async def visit_command(ctx: ToolContext, arg: str) -> ToolOutput:
    parts = arg.split(maxsplit=1)
    if len(parts) < 2:
        raise ToolError("用法：/拜访 客户 内容\n例如：/拜访 华东机械 今天聊了二期扩容 下周三发报价")
    account_name, text = parts
    parsed = parse_visit_text(text, ctx.today())
    args = LogVisitArgs(account_name=account_name, summary=text, **parsed)
    return await log_visit_for(ctx, args)


# --- a visit told in plain words, without an LLM ----------------------------------------------------

_MET = re.compile(
    r"拜访|见了|见到了?|面谈|上门|去了|聊了|谈了|沟通了|交流了|开了个?会|碰了个?面|打了个?电话|通了个?电话|视频会"
)
_PAST = re.compile(r"了|今天|昨天|前天|刚才|刚刚|上午|下午|早上|中午|晚上|上周|周[一二三四五六日天]")
_ASKING = re.compile(r"[？?]\s*$|^(怎么|如何|为什么|请问|能不能|可以)")
_CHANNELS = (
    ("phone", re.compile(r"电话")),
    ("video", re.compile(r"视频|腾讯会议|钉钉会议")),
    ("wechat", re.compile(r"微信")),
)


# 「明天去拜访东方证券」「下周三约了金陵医药的黄总」: a visit still to come
_PLAN = re.compile(r"(去|要|准备|打算|计划|约了?|安排了?)\s*(拜访|见|上门|面谈|过去)|(拜访|见)\s*一下")
# the customer a visit names when it is not in the CRM: 「拜访了宏达机电的王总」 → 宏达机电


def _planned_day(text: str, today: date) -> date | None:
    """The day of a visit still to come, when the sentence plans one ("明天去拜访…")."""
    if not _PLAN.search(text):
        return None
    future = [d.date for d in find_dates(text, today) if d.date > today and not d.deadline]
    return future[0] if future else None


def _visit_args(text: str, account_name: str, today: date, planned: date | None) -> LogVisitArgs:
    channel = next((name for name, pattern in _CHANNELS if pattern.search(text)), "onsite")
    parsed = parse_visit_text(text, today)
    if planned is not None:  # the date is the visit's, not a next step's deadline
        parsed.update(visit_date=planned.isoformat(), next_step=None, next_step_due=None)
    return LogVisitArgs(account_name=account_name, summary=text.strip(), channel=channel, **parsed)


async def _unknown_customer(ctx: ToolContext, text: str, name: str, planned: date | None) -> ToolOutput | None:
    """A visit to a customer the CRM does not have yet: offer to create it, then record the visit."""
    if _CONTACT_RE.fullmatch(name):
        return None  # 「拜访了李总」: a person, not a company
    args = _visit_args(text, name, ctx.today(), planned)
    lines = _visit_lines(ctx, args, planned)
    await open_pending(ctx, "visit_new_account", {"args": args.model_dump()}, ttl=timedelta(minutes=30))
    kind = "计划拜访" if planned is not None else "拜访"
    return ToolOutput(
        f"客户里还没有「{name}」。回复「新建」就建这个客户（负责人是你），并记下这次{kind}；"
        "名字不对的话直接回复正确的客户名。\n" + "\n".join(lines[1:]),
        data={"pending": "visit_new_account"},
    )


@router.offline_intent(10)
async def visit_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「今天拜访了华东机械的李总，下周三前发报价」: read it the way /拜访 would, and ask before writing.

    A dictated report (a voice note through speech-to-text) is cleaned first: fillers, self-corrections and
    colloquial amounts (bot/zh_parse/spoken.py), and ASR's spaces inside names are ignored for the customer."""
    if _ASKING.search(text.strip()):
        return None
    text = clean_spoken(text, ctx.today())
    planned = _planned_day(text, ctx.today())
    if planned is None and (not _MET.search(text) or not _PAST.search(text)):
        return None
    mentioned = await accounts_mentioned(ctx, squeeze_spaces(text))
    if not mentioned:
        named = VISITED_NAME.search(squeeze_spaces(text).replace(" ", "，"))
        match = await match_account(ctx, visited_name(named)) if named else None
        if match is None or match.status not in ("one", "none"):
            return None
        if match.status == "none":
            return await _unknown_customer(ctx, text, visited_name(named), planned)
        mentioned = [match.account]  # 「东方证券」 for 东方证券信息: the lookup's looser matching found it
    if len(mentioned) > 1:
        names = "、".join(a.name for a in mentioned[:3])
        return ToolOutput(f"像是一条拜访记录，但客户可能是{names}。用「/拜访 客户全称 内容」发一下，我就记上。")
    account = mentioned[0]
    args = _visit_args(text, account.name, ctx.today(), planned)
    lines = _visit_lines(ctx, args, planned) + ["回复「是」记下；不对的话用「/拜访 客户 内容」重新发。"]
    await open_pending(
        ctx, "visit_confirm", {"account_id": account.id, "args": args.model_dump()}, ttl=timedelta(minutes=30)
    )
    return ToolOutput("\n".join(lines), data={"pending": "visit_confirm", "account_id": account.id})


def _visit_lines(ctx: ToolContext, args: LogVisitArgs, planned: date | None) -> list[str]:
    """How a visit read from words is shown before the rep says 「是」."""
    visit_day = date_argument(args.visit_date, ctx.today(), "拜访日期") or ctx.today()
    due = date_argument(args.next_step_due, ctx.today(), "截止日期")
    if planned is not None:
        lines = [
            "像是一次计划中的拜访，我整理成这样：",
            f"客户：{args.account_name}",
            f"日期：{day_label(visit_day)}（计划）",
        ]
    else:
        lines = ["像是一条拜访记录，我整理成这样：", f"客户：{args.account_name}", f"日期：{day_label(visit_day)}"]
    if args.contacts:
        lines.append(f"见到：{'、'.join(args.contacts)}")
    lines.append(f"内容：{args.summary}")
    money = find_money(args.summary)
    if money:  # the latest figure said is the one meant (spoken corrections were resolved before)
        lines.append(f"金额：{_amount_label(money[-1].value)}")
    if args.next_step:
        lines.append(f"下一步：{args.next_step}" + (f"，截止 {day_label(due)}" if due else ""))
    return lines


def _amount_label(value: float) -> str:
    return f"{value / 10000:g} 万元" if value >= 10000 else f"{value:g} 元"


@router.pending("visit_confirm")
async def answer_visit_confirm(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    verdict = await yes_or_no(ctx, pending, answer, "好，没记。")
    if verdict is not True:
        return verdict or None
    async with ctx.db.session() as s:
        account = await s.get(Account, pending.payload["account_id"])
    if account is None:
        raise ToolError("这个客户刚被删除了，请重新记一次。")
    return await record_visit(ctx, account, LogVisitArgs(**pending.payload["args"]))


@router.kind(InboundKind.LOCATION)
async def on_location(ctx: ToolContext) -> ToolOutput:
    loc = ctx.inbound.location or {}
    label = loc.get("label") or f"{loc.get('lat')},{loc.get('lng')}"
    await ctx.app.kv.set(
        f"checkin:{ctx.conversation_key}", json.dumps({**loc, "label": label}, ensure_ascii=False), ttl_seconds=3 * 3600
    )
    return ToolOutput(f"收到定位：{label}。接下来 3 小时内记的拜访会用它作为签到地点。")


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
