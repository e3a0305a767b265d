"""Proposals: a write the model asks for is shown first and written only when the person says so.

The agent (agents/proposals.py) validates each write call and asks the capability how to word it (the
ToolSpec's `describe` hook); the turn's writes become one `Proposal` row, shown as one message with a card
(确认 / 修改 / 取消), and the proposal is the session's pending question. 「是」 or 确认 runs every item through
`run_tool` once (the row leaves `open` with `UPDATE ... WHERE status = 'open'`); 「不」 or 取消 discards it; a
correction revises it and the changed values are kept with the reason the person gives.

Tools an admin lists in SALESBOT_DIRECT_WRITES (and that can be undone) run at once; 「撤销」 within
UNDO_WINDOW takes them back.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import update
from sqlmodel import select

from bot.capabilities import ToolContext, ToolDenied, ToolError, ToolOutput, ToolSpec, run_tool
from bot.clock import aware
from bot.messages import Card, CardButton, Reply, WriteSource
from bot.models import Task
from bot.pending import current_pending, open_pending
from tools.proposals.models import Proposal

CARD_PREFIX = "proposal"
UNDO_WINDOW = timedelta(minutes=10)
# the pending question outlives the proposal, so a late 「是」 hears "expired" instead of reaching the model
PENDING_GRACE = timedelta(hours=12)
ASK_REASON = "改的原因？（可不答，直接回复「跳过」）"
HOW_TO_ANSWER = "回复「是」确认写入，「取消」不写；要改直接说，比如「改成下周四」。"
TOLD_MODEL = "已生成待确认的提议，等用户确认后才会写入（现在还没有写）。请用一句话告诉用户要确认什么。"


def _now(ctx: ToolContext) -> datetime:
    return ctx.app.clock.now(timezone.utc)


def ttl(ctx: ToolContext) -> timedelta:
    return timedelta(minutes=ctx.app.settings.proposal_ttl_minutes)


def direct_tools(ctx: ToolContext) -> set[str]:
    """The tools written at once: named by the admin and able to undo what they wrote."""
    named = {n.strip() for n in ctx.app.settings.direct_writes.split(",") if n.strip()}
    return {n for n in named if (spec := ctx.capabilities.tools.get(n)) is not None and spec.undo is not None}


# --- describing a call -----------------------------------------------------------------------------


def field_label(spec: ToolSpec, name: str) -> str:
    """A field's Chinese label: its description up to the first explanation ("客户名称，按用户原话…" → "客户名称")."""
    info = spec.args_schema.model_fields.get(name)
    text = (info.description if info else None) or name
    return re.split(r"[：:，,（(；;]", text, maxsplit=1)[0].strip() or name


def _value_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def generic_lines(spec: ToolSpec, args: BaseModel) -> list[str]:
    """The fallback wording: what the tool does, then each argument given, with its Chinese label."""
    lines = [spec.description.split("。")[0].rstrip("（")]
    for name, value in args.model_dump(exclude_none=True).items():
        if value in ("", [], {}):
            continue
        lines.append(f"{field_label(spec, name)}：{_value_text(value)}")
    return lines


def validate(spec: ToolSpec, ctx: ToolContext, args: dict[str, Any]) -> BaseModel:
    if ctx.actor.role not in spec.roles:
        raise ToolDenied("抱歉，这个操作不在你的权限范围内。")
    try:
        return spec.args_schema.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(p) for p in first.get("loc", ()))
        raise ToolError(f"参数不对（{field_name}）：{first.get('msg')}") from exc


async def describe_call(ctx: ToolContext, spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
    """One proposal item: the validated arguments and the lines a person reads. Raises ToolError/ToolDenied
    (the model gets them back and can fix its call)."""
    parsed = validate(spec, ctx, args)
    lines = await spec.describe(ctx, parsed) if spec.describe is not None else generic_lines(spec, parsed)
    return {"tool": spec.name, "args": parsed.model_dump(mode="json"), "lines": list(lines)}


# --- showing a proposal ----------------------------------------------------------------------------


def proposal_body(p: Proposal) -> str:
    lines: list[str] = []
    numbered = len(p.items) > 1
    for i, item in enumerate(p.items, 1):
        first, *rest = item["lines"] or [item["tool"]]
        lines.append(f"{i}. {first}" if numbered else first)
        lines += [f"   {line}" if numbered else line for line in rest]
    return "\n".join(lines)


def proposal_card(p: Proposal, status: str | None = None) -> Card:
    buttons = [
        CardButton("confirm", "确认"),
        CardButton("edit", "修改", "default"),
        CardButton("cancel", "取消", "danger"),
    ]
    return Card(
        card_id=f"{CARD_PREFIX}-{p.id}",
        title="请确认，确认后才写入" if status is None else "待确认的记录",
        body=proposal_body(p) + ("" if status else f"\n{HOW_TO_ANSWER}"),
        buttons=[] if status else buttons,
        status=status,
    )


def proposal_replies(p: Proposal, lead: str = "", ask_reason: bool = False) -> list[Reply]:
    """One message: the card (where the channel has cards) whose text is also the conversation's memory."""
    text = "\n".join(part for part in (lead, "要写入的内容（还没写）：", proposal_body(p), HOW_TO_ANSWER) if part)
    card = proposal_card(p)
    if ask_reason:
        text += f"\n{ASK_REASON}"
        card.body += f"\n{ASK_REASON}"
    return [Reply(text=text, card=card)]


# --- storing ---------------------------------------------------------------------------------------


async def current_proposal(ctx: ToolContext) -> Proposal | None:
    """The session's open proposal (another member's, in a group, is not this session)."""
    async with ctx.db.session() as s:
        return (
            (
                await s.execute(
                    select(Proposal)
                    .where(Proposal.conversation_key == ctx.conversation_key, Proposal.status == "open")
                    .order_by(Proposal.id.desc())
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )


async def load(ctx: ToolContext, proposal_id: int) -> Proposal | None:
    async with ctx.db.session() as s:
        return await s.get(Proposal, proposal_id)


def diff_items(spec_of, old: list[dict], new: list[dict]) -> list[dict]:
    """Values the person changed: the same tool at the same place, argument by argument."""
    changes = []
    old_by_tool: dict[str, list[dict]] = {}
    for item in old:
        old_by_tool.setdefault(item["tool"], []).append(item)
    for item in new:
        if not old_by_tool.get(item["tool"]):
            continue
        before = old_by_tool[item["tool"]].pop(0)
        spec = spec_of(item["tool"])
        for name in sorted(set(before["args"]) | set(item["args"])):
            was, now = before["args"].get(name), item["args"].get(name)
            if was != now and not (was in (None, "", []) and now in (None, "", [])):
                label = field_label(spec, name) if spec is not None else name
                changes.append({"tool": item["tool"], "field": name, "label": label, "old": was, "new": now})
    return changes


async def open_proposal(ctx: ToolContext, items: list[dict], evidence: str) -> tuple[Proposal, list[dict]]:
    """Store the turn's writes as the session's open proposal. An open one it replaces is `superseded`, and
    the values that differ are the person's corrections (their reason is asked next)."""
    now = _now(ctx)
    previous = await current_proposal(ctx)
    corrections: list[dict] = []
    async with ctx.db.write() as s:
        if previous is not None:
            res = await s.execute(
                update(Proposal)
                .where(Proposal.id == previous.id, Proposal.status == "open")
                .values(status="superseded", decided_by=ctx.actor.staff_id, decided_at=now)
            )
            if res.rowcount == 1:
                corrections = diff_items(ctx.capabilities.tools.get, previous.items, items)
                corrections = [*previous.corrections, *corrections]
        p = Proposal(
            conversation_key=ctx.conversation_key,
            staff_id=ctx.actor.staff_id,
            items=items,
            evidence=evidence[:2000],
            corrections=corrections,
            expires_at=(now + ttl(ctx)),
            created_at=now,
            source_message_id=ctx.message_row_id,
        )
        s.add(p)
        await s.flush()
        s.add(
            ctx.audit(
                "proposal.open", "proposal", p.id, tools=[i["tool"] for i in items], replaces=previous and previous.id
            )
        )
    await open_pending(ctx, "proposal", {"proposal_id": p.id}, ttl=ttl(ctx) + PENDING_GRACE)
    return p, corrections


async def revise(ctx: ToolContext, p: Proposal, items: list[dict]) -> tuple[Proposal, list[dict]]:
    """Corrections applied in place (the offline path): same proposal, new items, a new deadline."""
    changes = diff_items(ctx.capabilities.tools.get, p.items, items)
    now = _now(ctx)
    async with ctx.db.write() as s:
        row = await s.get(Proposal, p.id)
        if row is None or row.status != "open":
            raise ToolError("这个提议已经处理过了。")
        row.items = items
        row.corrections = [*row.corrections, *changes]
        row.expires_at = now + ttl(ctx)
        s.add(row)
    return row, changes


def awaiting_reason(p: Proposal) -> bool:
    return any("reason" not in c for c in p.corrections)


async def record_reason(ctx: ToolContext, p: Proposal, reason: str | None) -> None:
    """Every change not yet explained gets this reason (None: the person skipped it), in the audit too."""
    async with ctx.db.write() as s:
        row = await s.get(Proposal, p.id)
        if row is None:
            return
        fixed = []
        for change in row.corrections:
            if "reason" not in change:
                change = {**change, "reason": reason}
                s.add(
                    ctx.audit(
                        "proposal.corrected",
                        "proposal",
                        row.id,
                        tool=change["tool"],
                        field=change["field"],
                        label=change["label"],
                        old=change["old"],
                        new=change["new"],
                        reason=reason,
                    )
                )
            fixed.append(change)
        row.corrections = fixed
        s.add(row)
    p.corrections = fixed


# --- deciding --------------------------------------------------------------------------------------


async def _close(ctx: ToolContext, p: Proposal, status: str) -> bool:
    """Leave `open` once; False when it was already decided (or has expired: then it is marked so)."""
    now = _now(ctx)
    async with ctx.db.write() as s:
        res = await s.execute(
            update(Proposal)
            .where(Proposal.id == p.id, Proposal.status == "open", Proposal.expires_at > now)
            .values(status=status, decided_by=ctx.actor.staff_id, decided_at=now)
        )
        if res.rowcount == 1:
            return True
        await s.execute(
            update(Proposal)
            .where(Proposal.id == p.id, Proposal.status == "open")
            .values(status="expired", decided_at=now)
        )
    return False


def _why_closed(p: Proposal) -> str:
    return {
        "confirmed": "这条已经确认过了，不会重复写入。",
        "cancelled": "这条已经取消了，没有写入。",
        "superseded": "这条已经被修改后的新版本替换了，请确认新的那条。",
        "open": "这条已经处理过了。",
    }.get(p.status, "这条提议已过期（超过 {minutes} 分钟没确认），什么也没写。需要的话再说一遍。")


async def _refused(ctx: ToolContext, p: Proposal) -> list[Reply]:
    fresh = await load(ctx, p.id) or p
    minutes = int(ctx.app.settings.proposal_ttl_minutes)
    text = _why_closed(fresh).replace("{minutes}", str(minutes))
    status = {"confirmed": "已确认", "cancelled": "已取消", "superseded": "已修改"}.get(fresh.status, "已过期")
    return [Reply(card=proposal_card(fresh, status=status), card_update=True), Reply(text)]


def _mine(ctx: ToolContext, p: Proposal) -> None:
    if p.staff_id not in (None, ctx.actor.staff_id):
        raise ToolDenied("这是别人的待确认记录，只有提出的人能确认或取消。")


async def confirm(ctx: ToolContext, p: Proposal) -> list[Reply]:
    """Write every item once, as the agent's write confirmed by this person."""
    _mine(ctx, p)
    if awaiting_reason(p):
        await record_reason(ctx, p, None)
    if not await _close(ctx, p, "confirmed"):
        return await _refused(ctx, p)
    p = await load(ctx, p.id) or p
    base = dataclasses.replace(
        ctx,
        source=WriteSource.AGENT,
        # idempotency keys follow the proposal, not the message that confirmed it
        inbound=dataclasses.replace(ctx.inbound, msg_id=f"proposal-{p.id}") if ctx.inbound is not None else None,
        message_row_id=p.source_message_id or ctx.message_row_id,
        outputs=[],
        trace=[],
        proposed=[],
    )
    texts, results = [], []
    for index, item in enumerate(p.items):
        run_ctx = dataclasses.replace(base, call_index=index)
        try:
            out = await run_tool(run_ctx, item["tool"], item["args"])
        except (ToolDenied, ToolError) as exc:
            texts.append(f"没写成：{item['lines'][0] if item['lines'] else item['tool']}（{exc}）")
            results.append({"tool": item["tool"], "error": str(exc)})
            continue
        texts.append(out.text)
        results.append({"tool": item["tool"], "data": _jsonable(out.data)})
    await _note_corrections(ctx, p, results)
    async with ctx.db.write() as s:
        row = await s.get(Proposal, p.id)
        row.results = results
        s.add(row)
        s.add(
            ctx.audit(
                "proposal.confirmed",
                "proposal",
                p.id,
                confirmed_by=ctx.actor.staff_id,
                proposed_at=p.created_at.isoformat(),
                tools=[i["tool"] for i in p.items],
                results=results,
            )
        )
    asked = await current_pending(ctx)
    if asked is None or asked.kind == "proposal":
        # a write that asked a question of its own (the playbook's key questions) keeps that question open
        await open_pending(ctx, "proposal_done", {"proposal_id": p.id}, ttl=UNDO_WINDOW)
    return [Reply(card=proposal_card(p, status="已确认"), card_update=True), Reply("\n".join(texts))]


async def _note_corrections(ctx: ToolContext, p: Proposal, results: list[dict]) -> None:
    """A task written from a corrected proposal carries the change and its reason in its description."""
    explained = [c for c in p.corrections if c.get("tool") == "create_task" or c.get("tool") == "log_visit"]
    if not explained:
        return
    note = "；".join(
        f"{c['label']}由「{_value_text(c['old'])}」改为「{_value_text(c['new'])}」"
        + (f"（原因：{c['reason']}）" if c.get("reason") else "")
        for c in explained
    )
    async with ctx.db.write() as s:
        for result in results:
            task_id = (result.get("data") or {}).get("task_id")
            if task_id and (task := await s.get(Task, task_id)) is not None:
                task.description = ((task.description or "") + f"\n修改记录：{note}").strip()
                s.add(task)


def _jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


async def cancel(ctx: ToolContext, p: Proposal) -> list[Reply]:
    _mine(ctx, p)
    if awaiting_reason(p):
        await record_reason(ctx, p, None)
    if not await _close(ctx, p, "cancelled"):
        return await _refused(ctx, p)
    async with ctx.db.write() as s:
        s.add(ctx.audit("proposal.cancelled", "proposal", p.id, tools=[i["tool"] for i in p.items]))
    return [Reply(card=proposal_card(p, status="已取消"), card_update=True), Reply("好，没写。")]


# --- direct with undo ------------------------------------------------------------------------------


async def write_direct(ctx: ToolContext, spec: ToolSpec, item: dict) -> ToolOutput:
    """A write the admin made direct: done now, kept as a proposal in state `direct` so 「撤销」 finds it."""
    out = await run_tool(ctx, spec.name, item["args"])
    ctx.call_index += 1
    now = _now(ctx)
    async with ctx.db.write() as s:
        p = Proposal(
            conversation_key=ctx.conversation_key,
            staff_id=ctx.actor.staff_id,
            items=[item],
            status="direct",
            evidence=(ctx.inbound.text if ctx.inbound else "")[:2000],
            results=[{"tool": spec.name, "data": _jsonable(out.data)}],
            expires_at=(now + UNDO_WINDOW),
            created_at=now,
            decided_by=ctx.actor.staff_id,
            decided_at=now,
            source_message_id=ctx.message_row_id,
        )
        s.add(p)
    await open_pending(ctx, "proposal_undo", {"proposal_id": None}, ttl=UNDO_WINDOW)
    return ToolOutput(f"{out.text}\n已建好，回复「撤销」撤回。", out.card, out.data)


async def undo_latest(ctx: ToolContext) -> ToolOutput:
    now = _now(ctx)
    async with ctx.db.session() as s:
        p = (
            (
                await s.execute(
                    select(Proposal)
                    .where(Proposal.conversation_key == ctx.conversation_key, Proposal.status == "direct")
                    .order_by(Proposal.id.desc())
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )
    if p is None or aware(p.decided_at) + UNDO_WINDOW < now:
        return ToolOutput(f"没有 {int(UNDO_WINDOW.total_seconds() // 60)} 分钟内直接写入的记录可以撤销。")
    async with ctx.db.write() as s:
        res = await s.execute(
            update(Proposal).where(Proposal.id == p.id, Proposal.status == "direct").values(status="undone")
        )
    if res.rowcount != 1:
        return ToolOutput("这条已经撤销过了。")
    texts = []
    for item, result in zip(p.items, p.results):
        spec = ctx.capabilities.tools.get(item["tool"])
        if spec is None or spec.undo is None or not result.get("data"):
            continue
        texts.append(await spec.undo(ctx, result["data"]))
    async with ctx.db.write() as s:
        s.add(ctx.audit("proposal.undone", "proposal", p.id, tools=[i["tool"] for i in p.items], results=p.results))
    return ToolOutput("\n".join(texts) or "已撤销。")
