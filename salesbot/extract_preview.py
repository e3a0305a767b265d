"""`salesbot extract FILE [--date YYYY-MM-DD] [--json]`: what transcript-to-CRM would propose, writing nothing.

Uses the configured LLM when there is one (else the rules only, labelled offline). Company names are
matched against the CRM when its database already exists; the database is only read, never created.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from sqlmodel import select

from agents.llm import make_chat_model
from bot.db import Database
from bot.messages import Attachment
from bot.models import Account, StaffUser
from bot.org import OrgProfile, load_org_profile
from bot.settings import Settings
from tools.autofill.extract import Extraction, KnownAccount, money_label
from tools.autofill.inputs import TranscriptRefused, read_attachment
from tools.autofill.llm_extract import extract
from tools.autofill.reconcile import CHANNEL_LABELS, QUALIFICATION_LABELS, ROLE_LABELS, show

SENTIMENT_LABELS = {"positive": "积极", "neutral": "中性", "negative": "有顾虑"}


async def known_from_database(settings: Settings) -> tuple[list[KnownAccount], list[str], OrgProfile]:
    """CRM accounts, staff names and the org profile (console edits over the settings), read only."""
    url = settings.resolved_database_url
    seeded = OrgProfile.from_settings(settings)
    if url.startswith("sqlite") and not (settings.data_dir / "salesbot.db").exists() and not settings.database_url:
        return [], [], seeded
    db = Database(url)
    try:
        async with db.session() as s:
            accounts = (await s.execute(select(Account.id, Account.name, Account.short_name))).all()
            staff = (await s.execute(select(StaffUser.name))).scalars().all()
        return [KnownAccount(*row) for row in accounts], list(staff), await load_org_profile(db, settings)
    except Exception:  # no tables yet, or no access: preview without the CRM
        return [], [], seeded
    finally:
        await db.close()


def chat_model(settings: Settings):
    if not settings.llm_configured:
        return None
    return make_chat_model(settings)


async def extract_file(path: Path, ref: date, settings: Settings, *, use_llm: bool = True) -> Extraction:
    from tools.autofill.inputs import check_transcript  # noqa: F401  (read_attachment checks it)

    text = await read_attachment(Attachment(name=path.name, data=path.read_bytes()))
    known, ours, org = await known_from_database(settings)
    model = chat_model(settings) if use_llm else None
    try:
        return await extract(text, ref, known_accounts=known, our_names=ours, model=model, org=org)
    finally:
        if model is not None:
            await model.aclose()  # its connection pool belongs to this call


def render(ex: Extraction) -> str:
    lines = []
    mode = {"llm": "AI + 规则", "offline": "离线模式：仅规则提取", "llm_down": "AI 不可用：仅规则提取"}[ex.mode]
    lines.append(f"[{mode}]（预览，不写入任何数据）")

    def fact_line(label, fact, kind="text"):
        if fact is None:
            return
        lines.append(
            f"{label}：{show(fact.value, kind)}    「{fact.evidence}」"
            if fact.evidence
            else f"{label}：{show(fact.value, kind)}"
        )
        if fact.note:
            lines.append(f"    注：{fact.note}")

    fact_line("会议日期", ex.meeting_date, "date")
    if ex.account is not None:
        known = "（CRM 已有）" if ex.account_id else "（CRM 里没有，会建议新建）"
        lines.append(f"客户：{ex.account.value}{known}    「{ex.account.evidence}」")
    for other in ex.other_companies:
        lines.append(f"  也提到：{other.value}    「{other.evidence}」")
    if ex.channel is not None:
        lines.append(f"方式：{CHANNEL_LABELS.get(ex.channel.value, ex.channel.value)}")
    for c in ex.contacts:
        extra = " · ".join(x for x in (c.title, c.phone, c.email, ROLE_LABELS.get(c.deal_role or "")) if x)
        lines.append(f"联系人：{c.name}{('（' + extra + '）') if extra else ''}    「{c.evidence}」")
    fact_line("预算", ex.budget, "money")
    fact_line("金额", ex.amount, "money")
    fact_line("账号数", ex.seats, "int")
    fact_line("预计成交（定下来/签约）", ex.close_date, "date")
    fact_line("计划上线", ex.golive_date, "date")
    fact_line("时间计划", ex.timeline)
    for c in ex.competitors:
        lines.append(f"竞品：{c.value}    「{c.evidence}」")
        if c.note:
            lines.append(f"    注：{c.note}")
    for c in ex.possible_competitors:
        lines.append(f"可能的竞品（请确认）：{c.value}    「{c.evidence}」")
    if ex.our_side:
        lines.append("我方参与：" + "、".join(ex.our_side))
    for p in ex.pain_points:
        lines.append(f"痛点：{p.value}")
    for s in ex.next_steps:
        due = f"（{show(s.due, 'date')}前）" if s.due else ""
        who = "我方" if s.owner == "rep" else "客户"
        lines.append(f"下一步[{who}]：{s.action}{due}    「{s.evidence}」")
    fact_line("阶段建议", ex.stage, "stage")
    if ex.sentiment is not None:
        lines.append(f"客户态度：{SENTIMENT_LABELS.get(ex.sentiment.value, ex.sentiment.value)}")
    for key, f in ex.qualification.items():
        if key == "budget" and ex.budget is not None:
            continue  # already printed as 预算 above
        label = QUALIFICATION_LABELS.get(key, key)
        value = money_label(f.value) if key == "budget" else f.value
        lines.append(f"{label}：{value}    「{f.evidence}」" if f.evidence else f"{label}：{value}")
    fact_line("摘要", ex.summary)
    lines += [f"提醒：{w}" for w in ex.warnings]
    return "\n".join(lines)


async def extract_command(args, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件：{path}", file=sys.stderr)
        return 2
    try:
        ref = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        print(f"--date 要写成 YYYY-MM-DD，收到的是 {args.date!r}", file=sys.stderr)
        return 2
    try:
        ex = await extract_file(path, ref, settings)
    except TranscriptRefused as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(ex.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render(ex))
    return 0
