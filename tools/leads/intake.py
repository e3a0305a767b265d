"""Imported leads (a trade-show list, a purchased list, a CSV from the website's form): each row is checked,
scored like any other lead (source `import`), routed by the lead rules and handed to its rep with a card and a
first follow-up task, exactly as a lead from the customer bot. A phone number already on a lead is skipped, so
importing the same file twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone

from sqlmodel import select

from bot.capabilities import ToolContext, ToolError
from bot.messages import Actor, Reply, Role, WriteSource
from bot.models import utcnow
from tools.leads.handoff import (
    _FIELD_LIMITS,
    CHANNEL_LABELS,
    REASON_LABELS,
    assign,
    clean_field,
    customer_words,
    normalize_phone,
    score_for,
)
from tools.leads.lead_rules import lead_rules
from tools.leads.models import Lead
from tools.leads.sla import lead_card, open_assignment, save_score

# the column names people use, Chinese or English → the lead's field
COLUMNS = {
    "name": ("称呼", "姓名", "联系人", "name", "contact"),
    "company": ("公司", "公司名称", "客户", "客户名称", "company"),
    "phone": ("电话", "手机", "手机号", "联系电话", "phone", "mobile"),
    "region": ("地区", "所在地区", "城市", "省份", "region", "city"),
    "industry": ("行业", "industry"),
    "need": ("需求", "备注", "说明", "need", "note"),
}


@dataclass
class ImportReport:
    created: list[tuple[int, str, int]] = field(default_factory=list)  # (lead id, rep name, score)
    skipped: list[str] = field(default_factory=list)  # 「第 3 行：电话 139… 已经有线索了」

    def text(self) -> str:
        lines = [f"导入线索：新建 {len(self.created)} 条，跳过 {len(self.skipped)} 条。"]
        lines += [f"· #{lead_id} {score} 分 → {rep}" for lead_id, rep, score in self.created[:20]]
        if len(self.created) > 20:
            lines.append(f"· ……还有 {len(self.created) - 20} 条")
        lines += [f"· {why}" for why in self.skipped[:20]]
        return "\n".join(lines)


def column_map(headers: list[str]) -> dict[int, str]:
    wanted = {alias.lower(): name for name, aliases in COLUMNS.items() for alias in aliases}
    found = {}
    for i, header in enumerate(headers):
        name = wanted.get(str(header or "").strip().lower())
        if name and name not in found.values():
            found[i] = name
    if "phone" not in found.values():
        raise ToolError("表头里要有「电话」一列（也可以叫 手机、联系电话、phone）")
    return found


async def import_leads(app, headers: list[str], rows: list[list], *, dry_run: bool = False) -> ImportReport:
    """Each row becomes a scored, routed lead; bad or duplicate rows are listed and skipped."""
    mapping = column_map(headers)
    rules = lead_rules(app.settings)
    ctx = ToolContext(app, Actor(role=Role.ADMIN), "import:leads", source=WriteSource.IMPORT)
    report = ImportReport()
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        values = {name: str(row[i]).strip() for i, name in mapping.items() if i < len(row) and row[i] is not None}
        try:
            phone = normalize_phone(values.get("phone", ""))
        except ToolError:
            report.skipped.append(f"第 {number} 行：电话「{values.get('phone', '')[:20]}」不对")
            continue
        async with app.db.session() as s:
            taken = (await s.execute(select(Lead.id).where(Lead.phone == phone))).first() is not None
        if taken or phone in seen:
            report.skipped.append(f"第 {number} 行：电话 {phone} 已经有线索了")
            continue
        seen.add(phone)
        lead = Lead(
            conversation_key=f"import:{phone}",
            platform="import",
            external_id=f"import:{phone}",
            phone=phone,
            **{name: clean_field(values.get(name), limit) for name, limit in _FIELD_LIMITS.items()},
        )
        scored, account = await score_for(ctx, lead, rules)
        try:
            assignment = await assign(ctx, lead, scored, rules, account, looked_up=True)
        except ToolError as exc:
            report.skipped.append(f"第 {number} 行：{exc}")
            continue
        if dry_run:
            report.created.append((0, assignment.staff.name, scored.score))
            continue
        summary = "\n".join(
            [
                "【新客户线索】请及时联系（导入的名单，信息未经核实）",
                f"客户：{customer_words(lead.name, 32)}　公司：{customer_words(lead.company, 64)}",
                f"电话：{lead.phone}　地区：{customer_words(lead.region, 16)}　行业：{customer_words(scored.industry, 32)}",
                f"需求：「{customer_words(lead.need, 300)}」",
                f"来源：{CHANNEL_LABELS['import']}　分配：{REASON_LABELS.get(assignment.reason, assignment.reason)}",
            ]
        )
        now = app.clock.now(timezone.utc)
        async with app.db.write() as s:
            lead.status, lead.assigned_staff_id, lead.assignment_reason = (
                "handed_off",
                assignment.staff.id,
                assignment.reason,
            )
            lead.account_id = account.id if account else None
            lead.industry = lead.industry or scored.industry
            lead.summary, lead.handed_off_at = summary, utcnow()
            s.add(lead)
            await s.flush()
            score_row = await save_score(s, lead, scored, "import")
            held = await open_assignment(
                s,
                lead,
                assignment.staff,
                reason=assignment.reason,
                rule=assignment.rule,
                team=assignment.team,
                band=rules.band_named(scored.band),
                reasons=scored.reasons_text(),
                settings=app.settings,
                tz=ctx.tz,
                now=now,
            )
            s.add(ctx.audit("lead.import", "lead", lead.id, staff_id=assignment.staff.id, score=scored.score))
        card = lead_card(lead, score_row, rules, summary, held.due_at, ctx.tz)
        await app.notify_staff(assignment.staff.id, Reply(card=card), key=f"lead:{lead.id}:import")
        report.created.append((lead.id, assignment.staff.name, scored.score))
    return report
