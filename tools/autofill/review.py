"""Meeting transcript → CRM: draft, evidence, confirm. Never a silent write.

A rep pastes a transcript (any channel; over 4000 characters it arrives through the long-text handler),
types `/纪要 <文字>`, uploads a txt/docx, or sends a recording (speech-to-text when configured). We
extract typed facts (rules, plus the LLM when there is one), reconcile them with the CRM into a batch of
suggestions (old → new, the quoted sentence, confidence) and show one card. Nothing is written until the
rep accepts: all at once (card button), some ("接受 1 3"), an edited value ("修改 2 96万 原因：含税"), or
rejects with a reason ("拒绝 4 原因：客户随口说的"). Applied values carry provenance: written by AGENT,
confirmed by whom, caused by which message. Suggestions left pending get a reminder, then expire:
the scheduler calls `expire_and_remind(app)`.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlmodel import select

from bot import replies
from bot.arg_types import ACCOUNT_ALIASES, AccountName
from bot.capabilities import STAFF, Capabilities, Router, StageChange, ToolContext, ToolError, ToolOutput
from bot.clock import aware
from bot.messages import Card, CardAction, CardButton, InboundKind, Reply, Role, Target, WriteSource
from bot.models import STAGE_LABELS, STAGES, Account, AuditLog, Contact, Opportunity, StaffUser, Task, Visit, utcnow
from bot.org import load_org_profile
from bot.pending import CANCEL_WORDS, close_pending, current_pending, open_pending, pick_option
from bot.zh_parse import cn_number, find_dates, find_emails, find_money, find_phones, resolve_date
from bot.zh_parse.dates import day_label
from tools.autofill.extract import Extraction, KnownAccount, extraction_from_json
from tools.autofill.inputs import TranscriptRefused, check_transcript, is_audio, read_attachment, transcribe
from tools.autofill.llm_extract import extract
from tools.autofill.models import AutofillBatch, FieldSuggestion
from tools.autofill.reconcile import KIND_OF, OPPORTUNITY_FIELDS, ROLE_LABELS, describe, plan_updates, show
from tools.customers import (
    CLEAR_MATCH,
    account_scope,
    choice_text,
    match_account,
    name_score,
    not_yours_text,
    stage_changed,
    team_member_ids,
)

router = Router("autofill")

log = logging.getLogger(__name__)

CARD_PREFIX = "autofill"
OFFLINE_LABEL = "离线模式：没接大模型，只按规则提取了客户、联系人、电话邮箱、金额、数量、日期、竞品和下一步；痛点、决策链等要接入大模型后才有。"
LLM_DOWN_LABEL = "AI 暂时连不上，这次只按规则提取（客户、联系人、金额、数量、日期、竞品、下一步），其余字段没有。"
HOW_TO = "回复「接受 1 3」只要这几条，「修改 2 96万 原因：…」改值，「拒绝 4 原因：…」不要，或点卡片按钮。"
EVIDENCE_CLIP = 40


# --- entry points --------------------------------------------------------------------------------


@router.long_text
async def on_long_text(ctx: ToolContext, text: str) -> ToolOutput:
    return await propose(ctx, text, input_kind="text")


@router.kind(InboundKind.FILE)
async def on_file(ctx: ToolContext) -> ToolOutput:
    if not ctx.actor.is_staff:  # customers' files are not transcripts of our meetings
        return ToolOutput(replies.UNSUPPORTED_KIND)
    attachments = ctx.inbound.attachments if ctx.inbound else []
    if not attachments:
        return ToolOutput("没收到文件内容，请再发一次。")
    att = attachments[0]
    try:
        if is_audio(att):
            text = await transcribe(ctx.app, att)
            return await propose(ctx, text, input_kind="audio", input_name=att.name)
        text = await read_attachment(att)
    except TranscriptRefused as exc:
        return ToolOutput(str(exc), data={"refused": True})
    return await propose(ctx, text, input_kind="file", input_name=att.name)


class ProposeArgs(BaseModel):
    account_name: AccountName | None = Field(
        None, validation_alias=ACCOUNT_ALIASES, description="如果用户说明了是哪家客户的会议，填客户名；否则不填"
    )


@router.tool(
    "propose_crm_updates",
    "用户发来会议纪要、通话记录或录音转写，想据此更新 CRM 时调用：按用户这条消息的全文提取客户、联系人、"
    "预算、账号数、成交日期、竞品、下一步等，生成待确认的更新建议卡片（不会直接写入）。",
    ProposeArgs,
    roles=STAFF,
)
async def propose_crm_updates(ctx: ToolContext, args: ProposeArgs) -> ToolOutput:
    text = ctx.inbound.text if ctx.inbound is not None else ""
    return await propose(
        ctx,
        text,
        input_kind="voice" if ctx.inbound and ctx.inbound.kind is InboundKind.VOICE else "text",
        account_hint=args.account_name,
    )


# --- proposing -----------------------------------------------------------------------------------


def _now(ctx_or_app) -> datetime:
    app = getattr(ctx_or_app, "app", ctx_or_app)
    return app.clock.now(timezone.utc)


async def _known(ctx: ToolContext) -> tuple[list[KnownAccount], list[str]]:
    async with ctx.db.session() as s:
        accounts = (await s.execute(select(Account.id, Account.name, Account.short_name))).all()
        staff = (await s.execute(select(StaffUser.name))).scalars().all()
    return [KnownAccount(i, n, sn) for i, n, sn in accounts], [n for n in staff if n]


async def run_extraction(ctx: ToolContext, text: str) -> Extraction:
    known, ours = await _known(ctx)
    org = await load_org_profile(ctx.db, ctx.app.settings)
    model = ctx.app.chat_model() if ctx.app.llm_enabled else None
    timing = [0.0]
    try:
        return await extract(
            text,
            ctx.today(),
            known_accounts=known,
            our_names=ours,
            model=model,
            timing=timing,
            prompts=ctx.app.prompts,
            org=org,
        )
    finally:
        ctx.llm_seconds += timing[0]


async def propose(
    ctx: ToolContext,
    text: str,
    *,
    input_kind: str = "text",
    input_name: str | None = None,
    account_hint: str | None = None,
) -> ToolOutput:
    if not ctx.actor.is_staff:
        return ToolOutput("这个功能只对销售团队开放。")
    try:
        text = check_transcript(text)
    except TranscriptRefused as exc:
        return ToolOutput(str(exc), data={"refused": True})
    key = ctx.idempotency_key("autofill")
    if key:
        async with ctx.db.session() as s:
            existing = (
                (await s.execute(select(AutofillBatch).where(AutofillBatch.idempotency_key == key))).scalars().first()
            )
        if existing is not None:  # the same message handled again: show the same card, extract nothing
            return await _batch_output(ctx, existing, "这份记录已经整理过了：")
    ex = await run_extraction(ctx, text)
    if ex.is_empty():
        return ToolOutput(
            "这段记录里没找到能更新到 CRM 的信息（客户、联系人、金额、数量、日期、下一步都没有），什么也没写。"
            "如果是会议记录，麻烦发完整一些的版本。",
            data={"empty": True},
        )
    meeting = ex.meeting_date.value if ex.meeting_date else ctx.today()

    account, new_name, problem, candidates = await _resolve_account(ctx, ex, account_hint)
    if problem is not None:
        return ToolOutput(problem, data={"refused": True})
    batch = AutofillBatch(
        staff_id=ctx.actor.staff_id,
        platform=ctx.inbound.platform if ctx.inbound else "console",
        sender_id=ctx.inbound.sender_id if ctx.inbound else "",
        conversation_id=ctx.inbound.conversation_id if ctx.inbound else "",
        conversation_key=ctx.conversation_key,
        source_message_id=ctx.message_row_id,
        idempotency_key=key,
        input_kind=input_kind,
        input_name=(input_name or None) and input_name[:256],
        transcript_chars=len(text),
        mode=ex.mode,
        account_id=account.id if account else None,
        account_name=(account.name if account else new_name),
        meeting_date=meeting,
        extraction=ex.to_json(),
        status="pending",
        created_at=_now(ctx),
        expires_at=_now(ctx) + timedelta(hours=ctx.app.settings.autofill_ttl_hours),
    )
    if account is None and new_name is None:  # we could not tell which customer: ask, keep the extraction
        batch.status = "needs_account"
        async with ctx.db.write() as s:
            s.add(batch)
        await open_pending(
            ctx,
            "autofill_account",
            {"batch_id": batch.id, "candidates": [a.id for a in candidates]},
            ttl=timedelta(hours=ctx.app.settings.autofill_ttl_hours),
        )
        if candidates:
            return ToolOutput(
                choice_text(ex.account.value if ex.account else "这份记录", candidates),
                data={"batch_id": batch.id, "pending": "autofill_account"},
            )
        return ToolOutput(
            "整理好了，但没看出这是哪家客户的会议。回复客户名称（如「华东机械」），我再生成更新建议；回复「取消」放弃。",
            data={"batch_id": batch.id, "pending": "autofill_account"},
        )
    plan = await plan_updates(ctx, ex, account, new_name, meeting, text)
    batch.opportunity_id = plan.opportunity.id if plan.opportunity else None
    async with ctx.db.write() as s:
        s.add(batch)
        await s.flush()
        for row in plan.suggestions:
            s.add(FieldSuggestion(batch_id=batch.id, **row))
        s.add(
            ctx.audit(
                "autofill.propose",
                "autofill_batch",
                batch.id,
                suggestions=len(plan.suggestions),
                account=batch.account_name,
                mode=ex.mode,
                chars=len(text),
            )
        )
    await open_pending(
        ctx, "autofill_review", {"batch_id": batch.id}, ttl=timedelta(hours=ctx.app.settings.autofill_ttl_hours)
    )
    return await _batch_output(ctx, batch, "", notes=plan.notes)


async def _resolve_account(ctx: ToolContext, ex: Extraction, hint: str | None):
    """(account, new account name, refusal message, candidates to choose from)."""
    if hint:
        return await _account_by_name(ctx, hint)
    if ex.account_id is not None:
        async with ctx.db.session() as s:
            account = await s.get(Account, ex.account_id)
            visible = (
                await s.execute(select(Account.id).where(Account.id == ex.account_id, await account_scope(ctx)))
            ).first()
        if account is not None and visible is not None:
            return account, None, None, []
        if account is not None:
            async with ctx.db.session() as s:
                owner = await s.get(StaffUser, account.owner_id) if account.owner_id else None
            who = f"由{owner.name}负责" if owner else "不在你的客户名单里"
            return (
                None,
                None,
                f"这份记录是「{account.name}」的，这家客户{who}，我没有生成更新建议，也没写任何东西。需要协作的话找你的经理。",
                [],
            )
    if ex.account is not None:
        return await _account_by_name(ctx, ex.account.value)
    return None, None, None, []


async def _account_by_name(ctx: ToolContext, name: str):
    match = await match_account(ctx, name)
    if match.status == "one":
        return match.account, None, None, []
    if match.status == "not_yours":
        return None, None, not_yours_text(match) + "这份记录我没有生成更新建议，也没写任何东西。", []
    if match.status == "ambiguous":
        return None, None, None, match.candidates
    return None, name.strip()[:64], None, []


# --- the card --------------------------------------------------------------------------------------


def _clip(evidence: str, limit: int = EVIDENCE_CLIP) -> str:
    evidence = evidence.strip()
    return evidence if len(evidence) <= limit else evidence[: limit - 1] + "…"


STATUS_MARKS = {"accepted": "✅", "edited": "✏️", "rejected": "✖", "expired": "⌛", "conflict": "⚠"}


def suggestion_lines(suggestions: list[FieldSuggestion], *, evidence: bool = True) -> list[str]:
    lines = []
    for sug in suggestions:
        mark = STATUS_MARKS.get(sug.status, "")
        lock = " 🔒" if sug.protected else ""
        low = "（把握不大）" if sug.confidence < 0.5 else ""
        lines.append(f"{sug.seq}. {mark}{describe(sug)}{lock}{low}")
        if evidence and sug.evidence:
            lines.append(f"   「{_clip(sug.evidence)}」")
        if sug.note and sug.status == "pending":
            lines.append(f"   注：{sug.note}")
    return lines


def mode_label(mode: str) -> str:
    return {"offline": OFFLINE_LABEL, "llm_down": LLM_DOWN_LABEL}.get(mode, "")


def build_card(batch: AutofillBatch, suggestions: list[FieldSuggestion], status: str | None = None) -> Card:
    title = f"会议记录 → CRM 更新建议（{batch.account_name or '未定客户'}）"
    body = "\n".join(suggestion_lines(suggestions))
    fields = [("客户", batch.account_name or "-")]
    if batch.meeting_date:
        d = batch.meeting_date
        fields.append(("会议日期", day_label(d)))
    fields.append(
        (
            "提取方式",
            {"llm": "AI + 规则", "offline": "离线：仅规则", "llm_down": "AI 不可用：仅规则"}.get(
                batch.mode, batch.mode
            ),
        )
    )
    fields.append(("状态", "🔒 = 阶段/金额/成交日期，需你确认"))
    buttons = (
        []
        if status
        else [
            CardButton("accept_all", "全部接受"),
            CardButton("choose", "逐条处理", "default"),
            CardButton("reject_all", "全部拒绝", "danger"),
        ]
    )
    return Card(
        card_id=f"{CARD_PREFIX}-{batch.id}", title=title, body=body, fields=fields, buttons=buttons, status=status
    )


async def _suggestions(ctx_or_app, batch_id: int) -> list[FieldSuggestion]:
    db = ctx_or_app.db
    async with db.session() as s:
        return list(
            (
                await s.execute(
                    select(FieldSuggestion).where(FieldSuggestion.batch_id == batch_id).order_by(FieldSuggestion.seq)
                )
            )
            .scalars()
            .all()
        )


async def _batch_output(
    ctx: ToolContext, batch: AutofillBatch, lead: str, notes: list[str] | None = None
) -> ToolOutput:
    suggestions = await _suggestions(ctx, batch.id)
    pending = [x for x in suggestions if x.status == "pending"]
    if batch.status not in ("pending",) or not pending:
        status = {"expired": "已过期，未写入", "cancelled": "已取消"}.get(batch.status, "已处理完")
        return ToolOutput(
            lead + f"这批建议{status}。",
            card=build_card(batch, suggestions, status=status),
            data={"batch_id": batch.id},
        )
    lines = [lead + f"从{_source_label(batch)}里整理出 {len(suggestions)} 条 CRM 更新建议，确认后才会写入。"]
    label = mode_label(batch.mode)
    if label:
        lines.append(label)
    lines += notes or []
    warnings = (batch.extraction or {}).get("warnings") or []
    lines += [f"提醒：{w}" for w in warnings]
    lines.append(HOW_TO)
    return ToolOutput(
        "\n".join(lines),
        card=build_card(batch, suggestions),
        data={"batch_id": batch.id, "suggestions": len(suggestions), "mode": batch.mode},
    )


def _source_label(batch: AutofillBatch) -> str:
    if batch.input_kind == "file":
        return f"《{batch.input_name}》"
    if batch.input_kind in ("audio", "voice"):
        return "录音转写"
    return "这份会议记录"


# --- answering "which customer?" --------------------------------------------------------------------


@router.pending("autofill_account")
async def answer_account(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    answer = answer.strip()
    batch = await _load_batch(ctx, pending.payload.get("batch_id"))
    if batch is None or batch.status != "needs_account":
        await close_pending(ctx, pending, "done")
        return None
    if answer in CANCEL_WORDS:
        await close_pending(ctx, pending, "cancelled")
        await _close_batch(ctx, batch, "cancelled")
        return ToolOutput("好，这份记录先不更新了，什么也没写。")
    ids = pending.payload.get("candidates") or []
    index = pick_option(answer, len(ids)) if ids else None
    account, new_name = None, None
    if index is not None:
        async with ctx.db.session() as s:
            account = await s.get(Account, ids[index])
    else:
        if len(answer) > 40 or answer.startswith(("/", "／")) or re.search(r"[。！？!?]", answer):
            return None  # not an answer to the question
        account, new_name, problem, candidates = await _account_by_name(ctx, answer)
        if problem is not None:
            return ToolOutput(problem)
        if candidates:
            pending.payload["candidates"] = [a.id for a in candidates]
            await open_pending(
                ctx,
                "autofill_account",
                {"batch_id": batch.id, "candidates": pending.payload["candidates"]},
                ttl=timedelta(hours=ctx.app.settings.autofill_ttl_hours),
            )
            return ToolOutput(choice_text(answer, candidates))
    if not await close_pending(ctx, pending):
        return ToolOutput("这个问题已经处理过了。")
    ex = extraction_from_json(batch.extraction)
    plan = await plan_updates(ctx, ex, account, new_name, batch.meeting_date or ctx.today(), "")
    async with ctx.db.write() as s:
        row = await s.get(AutofillBatch, batch.id)
        row.account_id = account.id if account else None
        row.account_name = account.name if account else new_name
        row.opportunity_id = plan.opportunity.id if plan.opportunity else None
        row.status = "pending"
        for item in plan.suggestions:
            s.add(FieldSuggestion(batch_id=batch.id, **item))
    batch = await _load_batch(ctx, batch.id)
    await open_pending(
        ctx, "autofill_review", {"batch_id": batch.id}, ttl=timedelta(hours=ctx.app.settings.autofill_ttl_hours)
    )
    return await _batch_output(ctx, batch, "", notes=plan.notes)


# --- deciding ----------------------------------------------------------------------------------------

_VERB = re.compile(
    r"^\s*(全部接受|全部确认|都接受|全部拒绝|都不要|全部驳回|接受|确认|采纳|同意|拒绝|不要|驳回|不采纳|修改|改成|改|证据|详情)\s*(.*)$",
    re.S,
)
_REASON = re.compile(r"(?:原因|理由|因为|备注)\s*[:：是]?\s*")


def parse_numbers(text: str) -> tuple[list[int], str]:
    """'1 3、5-7 原因：…' → ([1, 3, 5, 6, 7], '原因：…')."""
    m = re.match(r"^\s*(?:第)?((?:\d+\s*(?:[-~到至]\s*\d+)?\s*(?:条)?\s*[,，、 和]*\s*)+)", text)
    if not m:
        return [], text.strip()
    numbers: list[int] = []
    for a, b in re.findall(r"(\d+)(?:\s*[-~到至]\s*(\d+))?", m.group(1)):
        lo, hi = int(a), int(b or a)
        numbers += list(range(lo, min(hi, lo + 50) + 1))
    return list(dict.fromkeys(numbers)), text[m.end() :].strip()


def split_reason(rest: str) -> tuple[str, str | None]:
    m = _REASON.search(rest)
    if m:
        return rest[: m.start()].strip(" ，,;；"), rest[m.end() :].strip() or None
    return rest.strip(), None


async def _load_batch(ctx_or_app, batch_id: int | None) -> AutofillBatch | None:
    if batch_id is None:
        return None
    async with ctx_or_app.db.session() as s:
        return await s.get(AutofillBatch, batch_id)


async def latest_batch(ctx: ToolContext) -> AutofillBatch | None:
    async with ctx.db.session() as s:
        return (
            (
                await s.execute(
                    select(AutofillBatch)
                    .where(
                        AutofillBatch.conversation_key == ctx.conversation_key,
                        AutofillBatch.staff_id == ctx.actor.staff_id,
                        AutofillBatch.status == "pending",
                    )
                    .order_by(AutofillBatch.id.desc())
                )
            )
            .scalars()
            .first()
        )


async def _may_decide(ctx: ToolContext, batch: AutofillBatch) -> bool:
    if ctx.actor.staff_id == batch.staff_id or ctx.actor.role is Role.ADMIN:
        return True
    if ctx.actor.role is Role.MANAGER:
        return batch.staff_id in await team_member_ids(ctx, ctx.actor)
    return False


async def handle_decision(ctx: ToolContext, batch: AutofillBatch, text: str) -> ToolOutput | None:
    """Text decisions: 接受 1 3 / 修改 2 96万 原因：… / 拒绝 4 原因：… / 全部接受 / 证据 3."""
    m = _VERB.match(text)
    if not m:
        return None
    verb, rest = m.group(1), m.group(2).strip()
    if verb in ("证据", "详情"):
        numbers, _ = parse_numbers(rest)
        return await _evidence(ctx, batch, numbers)
    if verb in ("全部接受", "全部确认", "都接受"):
        return await decide(ctx, batch, "accept", None)
    if verb in ("全部拒绝", "都不要", "全部驳回"):
        _, reason = split_reason(rest)
        return await decide(ctx, batch, "reject", None, reason=reason or (rest or None))
    if verb in ("修改", "改成", "改"):
        m = re.match(r"^(?:第)?\s*(\d+)\s*(?:条)?\s*(?:改成|改为|为|成|[:：,，])?\s*(.*)$", rest, re.S)
        if not m:
            raise ToolError("改哪一条？比如「修改 2 96万 原因：客户说含税」。")
        numbers = [int(m.group(1))]
        value, reason = split_reason(m.group(2))
        if not value:
            raise ToolError("改成什么？比如「修改 2 96万 原因：客户说含税」。")
        return await decide(ctx, batch, "edit", numbers, value=value, reason=reason)
    numbers, rest = parse_numbers(rest)
    if not numbers:
        if verb in ("接受", "确认", "采纳", "同意") and not rest:
            return await decide(ctx, batch, "accept", None)
        raise ToolError(f"要{verb}哪几条？比如「{verb} 1 3」。")
    if verb in ("拒绝", "不要", "驳回", "不采纳"):
        _, reason = split_reason(rest)
        return await decide(ctx, batch, "reject", numbers, reason=reason or (rest or None))
    return await decide(ctx, batch, "accept", numbers)


async def _evidence(ctx: ToolContext, batch: AutofillBatch, numbers: list[int]) -> ToolOutput:
    suggestions = [x for x in await _suggestions(ctx, batch.id) if not numbers or x.seq in numbers]
    if not suggestions:
        raise ToolError("没有这几条。")
    lines = [
        f"{x.seq}. {describe(x)}\n   原话：「{x.evidence or '（无）'}」\n   把握：{round(x.confidence * 100)}%"
        + (f"\n   注：{x.note}" if x.note else "")
        for x in suggestions
    ]
    return ToolOutput("\n".join(lines))


@router.pending("autofill_review")
async def answer_review(ctx: ToolContext, pending, answer: str) -> ToolOutput | None:
    batch = await _load_batch(ctx, pending.payload.get("batch_id"))
    if batch is None or batch.status != "pending":
        await close_pending(ctx, pending, "done")
        return None
    if answer.strip() in CANCEL_WORDS:
        return await decide(ctx, batch, "reject", None, reason="取消")
    return await handle_decision(ctx, batch, answer)


def parse_edit_value(kind: str, raw: str, today: date) -> Any:
    raw = raw.strip()
    if kind == "money":
        found = find_money(raw)
        value = found[0].value if found else cn_number(raw.rstrip("元"))
        if value is None or value <= 0:
            raise ToolError(f"「{raw}」不像金额，写成「96万」或「960000」。")
        return float(value)
    if kind == "int":
        value = cn_number(re.sub(r"[个位名套人账号席]+$", "", raw))
        if value is None or value <= 0 or int(value) != value:
            raise ToolError(f"「{raw}」不像一个数量，写成「120」或「一百二十」。")
        return int(value)
    if kind == "date":
        d = resolve_date(raw, today)
        if d is None:
            raise ToolError(f"「{raw}」我没看懂是哪天，写成「12月10日」或「2026-12-10」。")
        return d.isoformat()
    if kind == "stage":
        for key, label in STAGE_LABELS.items():
            if raw in (key, label):
                return key
        raise ToolError("阶段可以填：" + "、".join(STAGE_LABELS.values()))
    if kind == "role":
        for key, label in ROLE_LABELS.items():
            if raw in (key, label):
                return key
        raise ToolError("角色可以填：" + "、".join(ROLE_LABELS.values()))
    if kind == "list":
        return [x for x in re.split(r"[、,，\s]+", raw) if x]
    if not raw:
        raise ToolError("改成什么？")
    return raw[:256]


def _edited_create(sug: FieldSuggestion, raw: str, today: date) -> dict:
    """Editing a proposed record: a task's or visit's date or title, a new account's or contact's name."""
    new = dict(sug.new_value or {})
    if sug.record_type == "task":
        d = resolve_date(raw, today) if find_dates(raw, today) else None
        if d is not None:
            new["due_date"] = d.isoformat()
        else:
            new["title"] = raw[:256]
    elif sug.record_type == "visit":
        d = resolve_date(raw, today)
        if d is None:
            raise ToolError("拜访记录只能改日期，比如「修改 5 11月20日」。")
        new["visit_date"] = d.isoformat()
    elif sug.record_type in ("account", "contact"):
        phones, emails = find_phones(raw), find_emails(raw)
        if sug.record_type == "contact" and phones:
            new["phone"] = phones[0].value
        elif sug.record_type == "contact" and emails:
            new["email"] = emails[0].value
        elif 2 <= len(raw) <= 64:
            new["name"] = raw
        else:
            raise ToolError("名称要 2～64 个字。")
    else:
        raise ToolError("新建商机这一条不能直接改；先接受再用命令改，或者拒绝它。")
    return new


class _Applier:
    """Writes accepted suggestions in one transaction, in order, with provenance."""

    def __init__(self, ctx: ToolContext, batch: AutofillBatch, session):
        self.ctx, self.batch, self.s = ctx, batch, session
        self.account_id = batch.account_id
        self.opportunity_id = batch.opportunity_id
        self.visit_id: int | None = None
        self.now = utcnow()

    def created(self) -> dict[str, Any]:
        return {
            "created_by_id": self.ctx.actor.staff_id,
            "created_source": WriteSource.AGENT.value,
            "source_message_id": self.batch.source_message_id,
        }

    async def apply(self, sug: FieldSuggestion, value: Any) -> tuple[str, int | None, str | None]:
        """(record type, record id, problem) — a problem means nothing was written for this suggestion."""
        if sug.action == "update":
            return await self._update(sug, value)
        if sug.record_type != "account" and self.account_id is None:
            return sug.record_type, None, "客户还没建（第 1 条没接受），这条先不写"
        return await getattr(self, f"_create_{sug.record_type}")(sug, value)

    async def _update(self, sug: FieldSuggestion, value: Any):
        model = {"opportunity": Opportunity, "contact": Contact}[sug.record_type]
        record_id = sug.record_id
        if record_id is None and sug.record_type == "opportunity":  # the deal this batch creates
            record_id = self.opportunity_id
            if record_id is None:
                return sug.record_type, None, "商机还没建（先接受「新建商机」那条），这条先不写"
        record = await self.s.get(model, record_id)
        if record is None:
            return sug.record_type, None, "这条记录已经被删除了"
        kind = KIND_OF.get(sug.field, "text")
        current = getattr(record, sug.field)
        additive = kind == "list" and sug.field == "competitors"  # a union loses nothing: no conflict
        if _jsonish(current) != _jsonish(sug.old_value) and not additive:
            # someone changed the field after the suggestion was made: never overwrite blindly
            return sug.record_type, record.id, f"CRM 里这个值已经被改成 {show(current, kind)}，没有覆盖"
        if kind == "date" and isinstance(value, str):
            value = date.fromisoformat(value)
        if kind == "list" and sug.field == "competitors":
            value = list(dict.fromkeys([*(current or []), *value]))
        setattr(record, sug.field, value)
        if sug.field == "stage":
            record.probability = STAGES.get(value, record.probability)
        record.updated_by_id = self.ctx.actor.staff_id
        record.updated_source = WriteSource.AGENT.value
        record.updated_at = self.now
        self.s.add(record)
        return sug.record_type, record.id, None

    async def _create_account(self, sug: FieldSuggestion, value: dict):
        name = value["name"].strip()
        accounts = (await self.s.execute(select(Account))).scalars().all()
        for existing in accounts:
            if name_score(name, existing) >= CLEAR_MATCH:
                return "account", existing.id, f"已经有「{existing.name}」了，不重复建"
        account = Account(name=name, owner_id=self.batch.staff_id, **self.created())
        self.s.add(account)
        await self.s.flush()
        self.account_id = account.id
        row = await self.s.get(AutofillBatch, self.batch.id)
        row.account_id, row.account_name = account.id, name
        return "account", account.id, None

    async def _create_opportunity(self, sug: FieldSuggestion, value: dict):
        fields = {k: v for k, v in value.items() if k in OPPORTUNITY_FIELDS or k == "name"}
        if fields.get("close_date"):
            fields["close_date"] = date.fromisoformat(str(fields["close_date"]))
        stage = fields.get("stage") or "qualification"
        opp = Opportunity(
            account_id=self.account_id,
            owner_id=self.batch.staff_id,
            probability=STAGES.get(stage, 20),
            **{**fields, "stage": stage},
            **self.created(),
        )
        self.s.add(opp)
        await self.s.flush()
        self.opportunity_id = opp.id
        row = await self.s.get(AutofillBatch, self.batch.id)
        row.opportunity_id = opp.id
        return "opportunity", opp.id, None

    async def _create_contact(self, sug: FieldSuggestion, value: dict):
        same = (
            (
                await self.s.execute(
                    select(Contact).where(Contact.account_id == self.account_id, Contact.name == value["name"])
                )
            )
            .scalars()
            .first()
        )
        if same is not None:
            return "contact", same.id, f"联系人「{same.name}」已经有了，不重复建"
        contact = Contact(
            account_id=self.account_id,
            name=value["name"][:64],
            title=value.get("title"),
            phone=value.get("phone"),
            other_phones=value.get("other_phones"),
            email=value.get("email"),
            deal_role=value.get("deal_role"),
            **self.created(),
        )
        self.s.add(contact)
        await self.s.flush()
        return "contact", contact.id, None

    async def _create_visit(self, sug: FieldSuggestion, value: dict):
        day = date.fromisoformat(str(value["visit_date"]))
        today = self.ctx.today()
        steps = [x for x in (self.batch.extraction or {}).get("next_steps") or [] if x.get("owner") == "rep"]
        visit = Visit(
            account_id=self.account_id,
            opportunity_id=self.opportunity_id,
            owner_id=self.batch.staff_id,
            status="planned" if day > today else "held",
            visit_date=day,
            channel=value.get("channel") or "onsite",
            attendees=value.get("attendees") or [],
            summary=value.get("summary") or "",
            next_step=(steps[0]["action"][:256] if steps else None),
            idempotency_key=f"autofill:{self.batch.id}:{sug.seq}",
            **self.created(),
        )
        self.s.add(visit)
        await self.s.flush()
        self.visit_id = visit.id
        return "visit", visit.id, None

    async def _create_task(self, sug: FieldSuggestion, value: dict):
        due = date.fromisoformat(str(value["due_date"])) if value.get("due_date") else None
        task = Task(
            title=value["title"][:256],
            due_date=due,
            owner_id=self.batch.staff_id,
            account_id=self.account_id,
            opportunity_id=self.opportunity_id,
            visit_id=self.visit_id,
            description=f"来自会议记录：「{sug.evidence[:200]}」",
            idempotency_key=f"autofill:{self.batch.id}:{sug.seq}",
            **self.created(),
        )
        self.s.add(task)
        await self.s.flush()
        return "task", task.id, None


def _jsonish(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value in ("", []):
        return None
    return value


async def decide(
    ctx: ToolContext,
    batch: AutofillBatch,
    verb: str,
    numbers: list[int] | None,
    *,
    value: str | None = None,
    reason: str | None = None,
) -> ToolOutput:
    """Accept, edit or reject suggestions of a batch; every accepted one is written in one transaction."""
    if not await _may_decide(ctx, batch):
        raise ToolError("这批建议是同事的，只有他本人或他的经理能确认。")
    if batch.status != "pending":
        state = {"expired": "已经过期了，没有写入", "done": "已经处理完了", "cancelled": "已经取消了"}.get(
            batch.status, "不能再处理"
        )
        return ToolOutput(f"这批建议{state}。", data={"batch_id": batch.id, "status": batch.status})
    suggestions = await _suggestions(ctx, batch.id)
    by_seq = {x.seq: x for x in suggestions}
    unknown = [n for n in numbers or [] if n not in by_seq]
    if unknown:
        raise ToolError(f"没有第 {'、'.join(map(str, unknown))} 条，这批一共 {len(suggestions)} 条。")
    chosen = [by_seq[n] for n in numbers] if numbers else [x for x in suggestions if x.status == "pending"]
    done_already = [x.seq for x in chosen if x.status != "pending"]
    chosen = [x for x in chosen if x.status == "pending"]
    if not chosen:
        return ToolOutput(
            f"第 {'、'.join(map(str, done_already))} 条已经处理过了。" if done_already else "没有待确认的建议了。"
        )
    edited_value = None
    if verb == "edit":
        sug = chosen[0]
        kind = KIND_OF.get(sug.field, "text")
        edited_value = (
            _edited_create(sug, value or "", ctx.today())
            if sug.action == "create"
            else parse_edit_value(kind, value or "", ctx.today())
        )

    ctx.source = WriteSource.AGENT  # the values were drafted by the model/rules and confirmed by the actor
    lines: list[str] = []
    written = 0
    stage_moves: list[StageChange] = []  # run through the customers capability's stage hooks once written
    async with ctx.db.write() as s:
        applier = _Applier(ctx, batch, s)
        # a rejected new account takes everything that depends on it along
        if verb == "reject" and any(x.record_type == "account" and x.action == "create" for x in chosen):
            dependent = [x for x in suggestions if x.status == "pending" and x not in chosen]
            chosen += dependent
            reason = reason or "客户未新建"
        for sug in sorted(chosen, key=lambda x: x.seq):
            status = {"accept": "accepted", "edit": "edited", "reject": "rejected"}[verb]
            claimed = await s.execute(
                update(FieldSuggestion)
                .where(FieldSuggestion.id == sug.id, FieldSuggestion.status == "pending")
                .values(
                    status=status,
                    reason=reason,
                    decided_by_id=ctx.actor.staff_id,
                    decided_at=utcnow(),
                    decision_message_id=ctx.message_row_id,
                    edited_value=edited_value if verb == "edit" else None,
                )
            )
            if claimed.rowcount != 1:  # a double press or a parallel decision: act once
                continue
            if verb == "reject":
                s.add(_audit(ctx, "autofill.reject", sug, batch, reason=reason))
                lines.append(f"✖ 第 {sug.seq} 条不写入" + (f"（原因：{reason}）" if reason else ""))
                continue
            record_type, record_id, problem = await applier.apply(
                sug, edited_value if verb == "edit" else sug.new_value
            )
            if problem is not None:
                await s.execute(
                    update(FieldSuggestion)
                    .where(FieldSuggestion.id == sug.id)
                    .values(
                        # a value that changed meanwhile is a conflict; a record not created yet can be retried
                        status="conflict" if sug.record_id is not None else "pending",
                        note=problem[:256],
                        decided_by_id=ctx.actor.staff_id if sug.record_id is not None else None,
                        reason=reason if sug.record_id is not None else None,
                    )
                )
                lines.append(f"⚠ 第 {sug.seq} 条没写入：{problem}")
                continue
            await s.execute(
                update(FieldSuggestion)
                .where(FieldSuggestion.id == sug.id)
                .values(applied_record_type=record_type, applied_record_id=record_id, applied_at=utcnow())
            )
            s.add(
                _audit(
                    ctx,
                    "autofill.apply",
                    sug,
                    batch,
                    record_type=record_type,
                    record_id=record_id,
                    value=edited_value if verb == "edit" else sug.new_value,
                    reason=reason,
                    edited=verb == "edit",
                )
            )
            written += 1
            new_value = edited_value if verb == "edit" else sug.new_value
            if record_type == "opportunity" and record_id is not None:
                if sug.action == "update" and sug.field == "stage":
                    stage_moves.append(StageChange(record_id, sug.old_value, new_value))
                elif sug.action == "create" and isinstance(new_value, dict):
                    stage_moves.append(StageChange(record_id, None, new_value.get("stage") or "qualification"))
            shown = (
                describe(sug)
                if verb != "edit"
                else f"{describe(sug).split('→')[0].rstrip()} → {_show_edit(sug, edited_value)}"
            )
            lines.append(
                f"{'✏️' if verb == 'edit' else '✅'} {shown}"
                + (f"（原因：{reason}）" if verb == "edit" and reason else "")
            )
        remaining = (
            await s.execute(
                select(FieldSuggestion.id).where(
                    FieldSuggestion.batch_id == batch.id, FieldSuggestion.status == "pending"
                )
            )
        ).all()
        if not remaining:
            row = await s.get(AutofillBatch, batch.id)
            row.status, row.closed_at = "done", _now(ctx)
    if not remaining:
        pending = await current_pending(ctx)
        if pending is not None and pending.kind == "autofill_review" and pending.payload.get("batch_id") == batch.id:
            await close_pending(ctx, pending, "done")
    for move in stage_moves:
        lines += await stage_changed(ctx, move)
    head = f"已写入 {written} 条（记为 AI 整理、{ctx.actor.name or '你'}确认）。" if written else ""
    tail = "" if not remaining else f"还有 {len(remaining)} 条待确认。{HOW_TO}"
    text = "\n".join(x for x in [head, *lines, tail] if x)
    return ToolOutput(text, data={"batch_id": batch.id, "written": written, "remaining": len(remaining)})


def _show_edit(sug: FieldSuggestion, value: Any) -> str:
    if sug.action == "create":
        return describe({**sug.model_dump(), "new_value": value}).split("：", 1)[-1]
    return show(value, KIND_OF.get(sug.field, "text"))


def _audit(ctx: ToolContext, action: str, sug: FieldSuggestion, batch: AutofillBatch, **detail) -> AuditLog:
    return ctx.audit(
        action,
        detail.pop("record_type", sug.record_type),
        detail.pop("record_id", sug.record_id),
        batch=batch.id,
        seq=sug.seq,
        field=sug.field,
        old=sug.old_value,
        new=detail.pop("value", sug.new_value),
        evidence=sug.evidence[:500],
        confirmed_by=ctx.actor.staff_id,
        transcript_message_id=batch.source_message_id,
        **detail,
    )


async def _close_batch(ctx_or_app, batch: AutofillBatch, status: str) -> None:
    async with ctx_or_app.db.write() as s:
        row = await s.get(AutofillBatch, batch.id)
        row.status, row.closed_at = status, utcnow()
        if status in ("expired", "cancelled"):
            await s.execute(
                update(FieldSuggestion)
                .where(FieldSuggestion.batch_id == batch.id, FieldSuggestion.status == "pending")
                .values(status="expired")
            )


# --- the card's buttons -------------------------------------------------------------------------------


@router.card(CARD_PREFIX)
async def on_card(ctx: ToolContext, action: CardAction) -> list[Reply]:
    try:
        batch_id = int(action.card_id.split("-", 1)[1])
    except (IndexError, ValueError):
        return [Reply("这张卡片已经失效了。")]
    batch = await _load_batch(ctx, batch_id)
    if batch is None:
        return [Reply("这张卡片已经失效了。")]
    if action.action == "choose":
        suggestions = await _suggestions(ctx, batch.id)
        await open_pending(
            ctx, "autofill_review", {"batch_id": batch.id}, ttl=timedelta(hours=ctx.app.settings.autofill_ttl_hours)
        )
        return [
            Reply(
                "\n".join(
                    [
                        "逐条处理：",
                        *suggestion_lines([x for x in suggestions if x.status == "pending"], evidence=False),
                        HOW_TO,
                        "「证据 3」可以看第 3 条的完整原话。",
                    ]
                )
            )
        ]
    if action.action not in ("accept_all", "reject_all"):
        return [Reply("这个按钮我不认识，请用文字回复「接受 1 3」之类的。")]
    try:
        out = await decide(
            ctx,
            batch,
            "accept" if action.action == "accept_all" else "reject",
            None,
            reason=(action.value or {}).get("reason") if action.action == "reject_all" else None,
        )
    except ToolError as exc:
        return [Reply(str(exc))]
    batch = await _load_batch(ctx, batch.id)
    suggestions = await _suggestions(ctx, batch.id)
    counts = {k: sum(1 for x in suggestions if x.status == k) for k in ("accepted", "edited", "rejected", "conflict")}
    status = (
        " · ".join(
            f"{label} {counts[k]}"
            for k, label in (
                ("accepted", "已接受"),
                ("edited", "已修改"),
                ("rejected", "已拒绝"),
                ("conflict", "未写入"),
            )
            if counts[k]
        )
        or "已处理"
    )
    card = build_card(batch, suggestions, status=f"{status} · {ctx.actor.name}"[:60])
    return [Reply(card=card, card_update=True), Reply(out.text)]


# --- the command --------------------------------------------------------------------------------------


@router.command(
    "纪要",
    "/纪要 会议记录",
    "把会议/通话记录整理成 CRM 更新建议（确认后才写入）；也可「/纪要 接受 1 3」",
    roles=STAFF,
    aliases=("会议纪要", "transcript"),
)
async def transcript_command(ctx: ToolContext, arg: str) -> ToolOutput:
    arg = arg.strip()
    batch = await latest_batch(ctx)
    if not arg or arg in ("列表", "待确认", "查看"):
        if batch is None:
            return ToolOutput(
                "用法：/纪要 后面贴上会议或通话记录（也可以直接发 txt/docx 文件或录音）。"
                "我会整理成 CRM 更新建议，你确认后才写入。"
            )
        return await _batch_output(ctx, batch, "还没处理完的：")
    if _VERB.match(arg) and len(arg) < 200:
        if batch is None:
            return ToolOutput("现在没有待确认的更新建议（可能已经处理完或过期了），什么也没写。")
        out = await handle_decision(ctx, batch, arg)
        if out is not None:
            return out
    return await propose(ctx, arg, input_kind="text")


# --- expiry and reminders (called by the scheduler) ----------------------------------------------------


async def expire_and_remind(app) -> int:
    """Remind about batches pending for SALESBOT_AUTOFILL_REMIND_HOURS, expire them after
    SALESBOT_AUTOFILL_TTL_HOURS (nothing is written). Returns how many batches were reminded or expired.
    Safe to call often and from several processes: each step is a conditional update."""
    now = app.clock.now(timezone.utc)
    remind_after = timedelta(hours=app.settings.autofill_remind_hours)
    acted = 0
    async with app.db.session() as s:
        batches = (
            (await s.execute(select(AutofillBatch).where(AutofillBatch.status.in_(["pending", "needs_account"]))))
            .scalars()
            .all()
        )
    for batch in batches:
        expires_at = aware(batch.expires_at)
        if expires_at <= now:
            async with app.db.write() as s:
                claimed = await s.execute(
                    update(AutofillBatch)
                    .where(AutofillBatch.id == batch.id, AutofillBatch.status == batch.status)
                    .values(status="expired", closed_at=now)
                )
                if claimed.rowcount != 1:
                    continue
                await s.execute(
                    update(FieldSuggestion)
                    .where(FieldSuggestion.batch_id == batch.id, FieldSuggestion.status == "pending")
                    .values(status="expired")
                )
                s.add(
                    AuditLog(
                        source="SYSTEM",
                        action="autofill.expire",
                        record_type="autofill_batch",
                        record_id=batch.id,
                        detail={"account": batch.account_name},
                    )
                )
            text = (
                f"「{batch.account_name or '未定客户'}」会议记录的更新建议已过期，没有写入 CRM。"
                "需要的话把记录再发我一次。"
            )
            await _notify(app, batch, text, f"autofill-expire-{batch.id}")
            acted += 1
        elif batch.reminded_at is None and aware(batch.created_at) + remind_after <= now:
            async with app.db.write() as s:
                claimed = await s.execute(
                    update(AutofillBatch)
                    .where(AutofillBatch.id == batch.id, AutofillBatch.reminded_at.is_(None))
                    .values(reminded_at=now)
                )
            if claimed.rowcount != 1:
                continue
            left = sum(1 for x in await _suggestions(app, batch.id) if x.status == "pending")
            hours = max(1, round((expires_at - now).total_seconds() / 3600))
            what = f"{left} 条更新建议" if batch.status == "pending" else "更新建议（还不知道是哪家客户）"
            text = (
                f"提醒：「{batch.account_name or '未定客户'}」会议记录的{what}还没确认，约 {hours} 小时后过期。"
                f"回复「/纪要 待确认」查看，或「/纪要 全部接受」。"
            )
            await _notify(app, batch, text, f"autofill-remind-{batch.id}")
            acted += 1
    return acted


async def _notify(app, batch: AutofillBatch, text: str, key: str) -> None:
    if batch.staff_id is not None:
        sent = await app.notify_staff(batch.staff_id, Reply(text), key=key)
        if sent:
            return
    if batch.platform in app.adapters:
        await app.push(
            Target(batch.platform, user_id=batch.sender_id, conversation_id=batch.conversation_id), Reply(text), key=key
        )


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
