"""Stage playbook (销售方法论嵌入): the key questions each stage must have answered, asked in the chat.

Admins define the questions per stage (config.py: YAML, edited in the console). When a deal moves forward
to a stage — by `/阶段`, in words, through a confirmed proposal or an accepted transcript suggestion; every
path ends in tools.customers.stage_changed — the questions still open for that stage and the earlier ones
are asked in one short message; the rep's next message answers them (recorded on the deal: DealAnswer,
and the BANT/MEDDPICC column the question maps to). `/客户` shows each open deal's status per stage,
`/关键问题 客户` asks again, and the manager's digest lists deals that moved forward without the answers.

Exposes: `register(capabilities)`, `playbook_for(app)`, `status(...)`, `digest_lines(...)`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import select

from bot.capabilities import STAFF, Capabilities, Router, StageChange, ToolContext, ToolError, ToolOutput
from bot.models import STAGE_LABELS, Account, Opportunity, StaffUser, utcnow
from bot.pending import CANCEL_WORDS, YES_WORDS, close_pending, current_pending, open_pending
from bot.zh_parse import find_money
from tools.customers import find_open_deal
from tools.playbook.config import (
    DEFAULT_PLAYBOOK_PATH,
    FIELDS,
    MONEY_FIELDS,
    OPEN_STAGES,
    Playbook,
    PlaybookError,
    PlaybookStore,
    Question,
    parse_playbook,
)
from tools.playbook.models import DealAnswer, StageMove

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

router = Router("playbook")
log = logging.getLogger(__name__)

PENDING_KIND = "playbook"
ASK_TTL = timedelta(hours=24)
SKIP_WORDS = {"跳过", "以后再说", "稍后", "晚点", "先不答", "回头再说"}
UNKNOWN_WORDS = {"不清楚", "不知道", "不确定", "还不知道", "未知", "待定", "?", "？"}
# pending questions of these kinds may be replaced by the playbook's (they are finished or about this move)
_REPLACEABLE = {"proposal", "proposal_done", "stage_confirm", PENDING_KIND}
_COLUMN_LIMITS = {"authority": 256, "timeline": 256, "economic_buyer": 128, "champion": 128}


def playbook_for(app: "Runtime") -> Playbook:
    """The playbook in force (re-read when the file changes); a broken file falls back to the shipped one."""
    store = app.capabilities.state("stage_playbook", lambda: PlaybookStore(app.settings.data_dir))
    try:
        return store.load()
    except PlaybookError:  # the console refuses a broken file; one edited by hand falls back to the default
        log.exception("stage playbook %s is broken, using the default", store.path)
        return parse_playbook(DEFAULT_PLAYBOOK_PATH.read_text(encoding="utf-8"))


# --- status -------------------------------------------------------------------------------------------


@dataclass
class Status:
    stage: str
    answered: list[tuple[Question, str]]
    missing: list[Question]


def _filled(opp: Opportunity, q: Question) -> str | None:
    if q.field is None:
        return None
    value = getattr(opp, q.field, None)
    if value in (None, ""):
        return None
    if q.field in MONEY_FIELDS:
        return f"{value / 10000:g} 万" if value >= 10000 else f"{value:g} 元"
    return str(value)


async def status(ctx_or_app, opp: Opportunity, stage: str | None = None) -> list[Status]:
    """Per stage up to `stage` (default: the deal's), which questions are answered (with the answer) and which not.
    A question mapped to a deal column counts as answered when the column has a value (e.g. from a transcript)."""
    app = ctx_or_app.app if isinstance(ctx_or_app, ToolContext) else ctx_or_app
    playbook = playbook_for(app)
    async with app.db.session() as s:
        answers = {
            a.key: a.answer
            for a in (await s.execute(select(DealAnswer).where(DealAnswer.opportunity_id == opp.id))).scalars()
        }
    out: dict[str, Status] = {}
    for st, q in playbook.due_at(stage or opp.stage):
        entry = out.setdefault(st, Status(st, [], []))
        answer = answers.get(q.key) or _filled(opp, q)
        if answer:
            entry.answered.append((q, answer))
        else:
            entry.missing.append(q)
    return list(out.values())


def missing_of(statuses: list[Status]) -> list[tuple[str, Question]]:
    return [(st.stage, q) for st in statuses for q in st.missing]


@router.deal_summary
async def summary_lines(ctx: ToolContext, opp: Opportunity) -> list[str]:
    """「关键问题：需求确认 ✓2/2 · 方案沟通 ✗1/2（缺：谁最终拍板？）」 under each open deal in /客户."""
    statuses = await status(ctx, opp)
    if not statuses:
        return []
    parts = []
    for st in statuses:
        total = len(st.answered) + len(st.missing)
        mark = "✓" if not st.missing else "✗"
        gap = f"（缺：{'；'.join(q.question for q in st.missing)}）" if st.missing else ""
        parts.append(f"{STAGE_LABELS[st.stage]} {mark}{len(st.answered)}/{total}{gap}")
    return ["关键问题：" + " · ".join(parts)]


# --- asking after a stage move ------------------------------------------------------------------------


def ask_text(opp_name: str, stage: str, missing: list[tuple[str, Question]]) -> str:
    if len(missing) == 1:
        return f"「{opp_name}」到了{STAGE_LABELS[stage]}，还差一个关键问题：{missing[0][1].question}（直接回复；「跳过」以后再说）"
    lines = [f"「{opp_name}」到了{STAGE_LABELS[stage]}，还差 {len(missing)} 个关键问题，一条消息按序号分行回答就行："]
    lines += [f"{i}. {q.question}" for i, (_, q) in enumerate(missing, 1)]
    lines.append("不清楚的写「不清楚」，回复「跳过」以后再说。")
    return "\n".join(lines)


async def _ask(ctx: ToolContext, opp: Opportunity, stage: str, missing: list[tuple[str, Question]]) -> str:
    """Open the question and word it; when another capability is waiting for this person's answer (a transcript
    review still open), only list the questions and say how to answer them later."""
    pending = await current_pending(ctx)
    if ctx.actor.staff_id is None or (pending is not None and pending.kind not in _REPLACEABLE):
        async with ctx.db.session() as s:
            account = await s.get(Account, opp.account_id)
        name = (account.short_name or account.name) if account else opp.name
        listed = "；".join(q.question for _, q in missing)
        return f"「{opp.name}」到了{STAGE_LABELS[stage]}，还差关键问题：{listed}。方便时发「/关键问题 {name}」补上。"
    await open_pending(
        ctx,
        PENDING_KIND,
        {"opportunity_id": opp.id, "stage": stage, "keys": [q.key for _, q in missing]},
        ttl=ASK_TTL,
    )
    return ask_text(opp.name, stage, missing)


@router.after_stage_change
async def on_stage_change(ctx: ToolContext, change: StageChange) -> list[str]:
    """Record the move; a forward move with questions open asks them (one message)."""
    forward = change.new in OPEN_STAGES and (
        change.old not in OPEN_STAGES or OPEN_STAGES.index(change.new) > OPEN_STAGES.index(change.old)
    )
    async with ctx.db.session() as s:
        opp = await s.get(Opportunity, change.opportunity_id)
    if opp is None:
        return []
    missing = missing_of(await status(ctx, opp, change.new)) if forward else []
    async with ctx.db.write() as s:
        s.add(
            StageMove(
                opportunity_id=opp.id,
                from_stage=change.old,
                to_stage=change.new,
                forward=forward,
                moved_at=ctx.app.clock.now(),
                moved_by_id=ctx.actor.staff_id,
                source=ctx.source.value,
                missing=[q.key for _, q in missing],
            )
        )
    if not missing:
        return []
    return [await _ask(ctx, opp, change.new, missing)]


# --- recording answers --------------------------------------------------------------------------------

_NUMBERED = re.compile(r"(?:^|(?<=[\s；;，,。]))(?:第)?([1-9一二三四五六七八九])\s*[.、．:：)）]\s*")
_CN = "一二三四五六七八九"


def split_answers(text: str, count: int) -> dict[int, str]:
    """Answer text → {question index: answer}. Numbered parts go to their number; otherwise lines (or
    「；」-separated parts) in order; one question takes the whole text."""
    text = text.strip()
    if count == 1:
        return {0: re.sub(r"^(?:第)?[1一]\s*[.、．:：)）]\s*", "", text)}
    marks = list(_NUMBERED.finditer(text))
    if len(marks) >= 2 or (marks and marks[0].start() == 0 and count >= 1 and "\n" not in text):
        out: dict[int, str] = {}
        for i, m in enumerate(marks):
            ch = m.group(1)
            n = _CN.index(ch) + 1 if ch in _CN else int(ch)
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            part = text[m.end() : end].strip(" ；;，,。\n")
            if 1 <= n <= count and part:
                out[n - 1] = part
        if out:
            return out
    parts = [p.strip() for p in re.split(r"\n+", text) if p.strip()]
    if len(parts) < count:
        parts = [p.strip() for p in re.split(r"[；;\n]+", text) if p.strip()]
    return {i: p for i, p in enumerate(parts[:count])}


async def record_answers(
    ctx: ToolContext, opp_id: int, answers: list[tuple[str, Question, str]]
) -> tuple[list[str], list[str]]:
    """Store answers on the deal (and its mapped column); (lines written, problems)."""
    written, problems = [], []
    async with ctx.db.write() as s:
        opp = await s.get(Opportunity, opp_id)
        if opp is None:
            raise ToolError("这个商机已经不在了，没有记录。")
        for stage, q, answer in answers:
            answer = answer.strip()[:1000]
            if q.field in MONEY_FIELDS:
                money = find_money(answer)
                if money:
                    setattr(opp, q.field, float(money[0].value))
                else:
                    problems.append(f"「{answer}」没看出金额，{FIELDS[q.field]}字段没改（回答已记下）")
            elif q.field is not None:
                setattr(opp, q.field, answer[: _COLUMN_LIMITS.get(q.field, 4000)])
            row = (
                (
                    await s.execute(
                        select(DealAnswer).where(DealAnswer.opportunity_id == opp_id, DealAnswer.key == q.key)
                    )
                )
                .scalars()
                .first()
            )
            if row is None:
                row = DealAnswer(opportunity_id=opp_id, key=q.key, stage=stage, question=q.question, answer=answer)
            row.answer, row.question, row.stage = answer, q.question, stage
            row.answered_by_id, row.answered_at = ctx.actor.staff_id, utcnow()
            row.source_message_id = ctx.message_row_id
            s.add(row)
            written.append(f"· {q.question} {answer}")
        if answers:
            opp.updated_at, opp.updated_by_id, opp.updated_source = utcnow(), ctx.actor.staff_id, ctx.source.value
            s.add(opp)
            s.add(ctx.audit("playbook.answer", "opportunity", opp_id, keys=[q.key for _, q, _ in answers]))
    return written, problems


@router.pending(PENDING_KIND)
async def answer_questions(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    text = answer.strip()
    if len(text) > 600:
        return None  # a pasted transcript, not an answer: handled as usual, the question stays open
    playbook = playbook_for(ctx.app)
    keys: list[str] = list(pending.payload.get("keys") or [])
    questions = [(k, playbook.question(k)) for k in keys]
    questions = [(k, q) for k, q in questions if q is not None]
    if text.rstrip("。.!！") in SKIP_WORDS | CANCEL_WORDS:
        await close_pending(ctx, pending, "cancelled")
        return ToolOutput("好，先跳过。之后发「/关键问题 客户名」补上；经理日报里会列出还没答的商机。")
    if not questions:
        await close_pending(ctx, pending, "done")
        return None
    if text.rstrip("。.!！") in YES_WORDS:  # a second 「是」 for the move just confirmed is no answer
        return ToolOutput("阶段已经改好了。上面的关键问题直接回答就行，或者回复「跳过」以后再说。")
    if not await close_pending(ctx, pending):
        return ToolOutput("这些问题已经答过了。")
    stage = pending.payload.get("stage") or OPEN_STAGES[0]
    stage_of = {q.key: st for st, q in playbook.due_at(stage)}
    parts = split_answers(text, len(questions))
    given = [
        (stage_of.get(k, stage), q, parts[i])
        for i, (k, q) in enumerate(questions)
        if i in parts and parts[i].strip("。 ") not in UNKNOWN_WORDS
    ]
    written, problems = await record_answers(ctx, pending.payload["opportunity_id"], given)
    still = [q for i, (_, q) in enumerate(questions) if q not in [g[1] for g in given]]
    lines = ["记到商机上了：", *written] if written else ["没记到答案。"]
    lines += problems
    if still:
        lines.append("还差：" + "；".join(q.question for q in still) + "（之后发「/关键问题 客户名」补上）")
    return ToolOutput(
        "\n".join(lines), data={"answered": [q.key for _, q, _ in given], "missing": [q.key for q in still]}
    )


@router.command("关键问题", "/关键问题 客户 [商机]", "看商机各阶段的关键问题，补答没答的", roles=STAFF)
async def questions_command(ctx: ToolContext, arg: str) -> ToolOutput:
    parts = arg.split()
    if not parts:
        raise ToolError("用法：/关键问题 华东机械")
    opp = await find_open_deal(ctx, parts[0], " ".join(parts[1:]) or None)  # checks the account is theirs
    statuses = await status(ctx, opp)
    if not statuses:
        return ToolOutput(f"「{opp.name}」在{STAGE_LABELS.get(opp.stage, opp.stage)}，这个阶段没有要求的关键问题。")
    lines = [f"「{opp.name}」（{STAGE_LABELS.get(opp.stage, opp.stage)}）的关键问题："]
    for st in statuses:
        lines.append(f"{STAGE_LABELS[st.stage]}：")
        lines += [f"  ✓ {q.question} {a}" for q, a in st.answered]
        lines += [f"  ✗ {q.question}" for q in st.missing]
    missing = missing_of(statuses)
    if missing:
        lines.append(await _ask(ctx, opp, opp.stage, missing))
    return ToolOutput("\n".join(lines), data={"missing": [q.key for _, q in missing]})


# --- the manager's digest ------------------------------------------------------------------------------


async def digest_lines(app: "Runtime", owner_ids: list[int], start: datetime, end: datetime) -> list[str]:
    """Deals of these owners moved forward in [start, end) with key questions still unanswered now."""
    async with app.db.session() as s:
        moves = (
            await s.execute(
                select(StageMove, Opportunity)
                .join(Opportunity, Opportunity.id == StageMove.opportunity_id)
                .where(
                    StageMove.forward.is_(True),
                    StageMove.moved_at >= start,
                    StageMove.moved_at < end,
                    Opportunity.owner_id.in_(owner_ids),
                )
                .order_by(StageMove.moved_at)
            )
        ).all()
        names = {u.id: u.name for u in (await s.execute(select(StaffUser))).scalars()}
    latest: dict[int, tuple[StageMove, Opportunity]] = {}
    for move, opp in moves:
        latest[opp.id] = (move, opp)
    lines = []
    for move, opp in latest.values():
        if opp.stage not in OPEN_STAGES:
            continue
        missing = missing_of(await status(app, opp))
        if missing:
            lines.append(
                f"· {opp.name}（{names.get(opp.owner_id, '')}，→{STAGE_LABELS[move.to_stage]}）缺："
                + "；".join(q.question for _, q in missing[:3])
                + (f" 等 {len(missing)} 个" if len(missing) > 3 else "")
            )
    if not lines:
        return []
    return [f"推进了但关键问题没答（{len(lines)}）：", *lines]


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)


__all__ = ["register", "playbook_for", "status", "digest_lines", "split_answers", "DealAnswer", "StageMove"]
