"""Audit entries for console changes, and the filtered audit-log query."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from bot.messages import SOURCE_LABELS
from bot.models import AuditLog, StaffUser
from salesbot.admin.pages import form_int

if TYPE_CHECKING:  # pragma: no cover - the signed-in person; auth brings argon2, not needed here
    from salesbot.admin.auth import Principal

PAGE_SIZE = 50
FILTER_FIELDS = ("who", "action", "record_type", "record_id", "since", "until")  # kept in the page links
MAX_PAGE = 100_000  # 5 million rows deep; beyond that, narrow the filter

# what each audit action reads as on the console; the code stays visible next to it (the filter takes codes)
ACTION_LABELS = {
    "account.create": "新建客户",
    "admin.login": "登录控制台",
    "admin.login_failed": "登录失败",
    "admin.login_refused": "登录被拒",
    "admin.login_throttled": "登录太频繁",
    "admin.locked": "账号锁定",
    "approval.submit": "审批：提交",
    "approval.auto_approve": "审批：自动通过",
    "approval.approve": "审批：同意",
    "approval.reject": "审批：拒绝",
    "approval.delegate": "审批：转交",
    "approval.withdraw": "审批：撤回",
    "approval.remind": "审批：超时催办",
    "approval.escalate": "审批：超时升级",
    "approval.external": "审批：平台审批回写",
    "approval.link_external": "审批：关联平台审批",
    "approval.denied": "审批：操作被拒",
    "approval_rules.save": "审批规则：保存",
    "alert_rules.save": "预警规则：保存",
    "kpi.fix": "补资料",
    "kpi.target.set": "目标：设置",
    "kpi.target.import": "目标：导入",
    "kpi.target.delete": "目标：删除",
    "autofill.propose": "自动补全：提出建议",
    "autofill.apply": "自动补全：写入",
    "autofill.reject": "自动补全：不采用",
    "autofill.expire": "自动补全：过期",
    "customer.injection_suspected": "客户消息：疑似指令注入",
    "customer.output_blocked": "客户回复：已拦下",
    "customer.rate_limited": "客户消息：太频繁",
    "input.too_long": "消息太长",
    "import.accounts": "导入客户",
    "import.contacts": "导入联系人",
    "import.opportunities": "导入商机",
    "kb.upload": "知识库：上传",
    "kb.delete": "知识库：删除",
    "kb.audience": "知识库：改可见范围",
    "kb.hittest.batch": "知识库：批量命中测试",
    "kb.chunk.text": "知识库：改段落",
    "kb.chunk.question": "知识库：加关联问题",
    "kb.chunk.enabled": "知识库：启用/停用段落",
    "lead.handoff": "线索：转给销售",
    "lead.update": "线索：更新",
    "lead.availability": "线索：接单状态",
    "lead.address_limited": "线索：同一地址太多",
    "lead.rule.create": "线索分配规则：新建",
    "lead.rule.delete": "线索分配规则：删除",
    "lead.accept": "线索：接单",
    "lead.create": "线索：销售自录",
    "lead.import": "线索：导入",
    "lead.contacted": "线索：已联系",
    "lead.outcome": "线索：记录结果",
    "lead_rules.save": "线索规则：保存",
    "nudge.outcome": "联系提醒：反馈",
    "opportunity.stage": "商机：改阶段",
    "playbook.answer": "商机：回答关键问题",
    "stage_playbook.save": "阶段剧本：保存",
    "opportunity.won": "商机：赢单",
    "opportunity.lost": "商机：输单",
    "opportunity.reopen": "商机：重新打开",
    "opportunity.forecast": "商机：预测类别",
    "prompt.save": "提示词：保存",
    "prompt.publish": "提示词：发布",
    "prompt.restore_default": "提示词：恢复默认",
    "prompt.sample.add": "提示词：加试运行样例",
    "prompt.sample.delete": "提示词：删试运行样例",
    "proposal.open": "提议：等确认",
    "proposal.confirmed": "提议：已确认写入",
    "proposal.corrected": "提议：修改",
    "proposal.cancelled": "提议：取消",
    "proposal.undone": "提议：撤销",
    "staff.create": "人员：新建",
    "staff.update": "人员：修改",
    "staff.directory_import": "人员：从通讯录导入",
    "task.create": "待办：新建",
    "task.done": "待办：完成",
    "task.undo": "待办：撤销",
    "tool.denied": "操作被拒（无权限）",
    "visit.create": "拜访：记录",
    "visit.undo": "拜访：撤销",
}
RECORD_TYPE_LABELS = {
    "account": "客户",
    "contact": "联系人",
    "opportunity": "商机",
    "visit": "拜访",
    "task": "待办",
    "interaction": "联系记录",
    "approval_request": "审批",
    "approval_rules_version": "审批规则版本",
    "alert_rules_version": "预警规则版本",
    "sales_target": "销售目标",
    "proposal": "提议",
    "lead": "线索",
    "lead_routing_rule": "线索分配规则",
    "stage_playbook": "阶段剧本",
    "lead_rules": "线索规则",
    "autofill_batch": "自动补全",
    "kb_document": "知识库文档",
    "kb_chunk": "知识库段落",
    "kb_hit_test_run": "命中测试",
    "prompt": "提示词",
    "prompt_version": "提示词版本",
    "prompt_sample": "试运行样例",
    "staff_user": "人员",
    "admin_user": "控制台账号",
}


def source_label(source: str | None) -> str:
    return SOURCE_LABELS.get(source or "", source or "")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def record_type_label(record_type: str | None) -> str:
    return RECORD_TYPE_LABELS.get(record_type or "", record_type or "")


def detail_value(value: Any) -> str:
    """A detail value as people read it: text as is, lists and objects as JSON with the Chinese unescaped."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


async def record(
    session,
    principal: "Principal" | None,
    action: str,
    *,
    record_type: str | None = None,
    record_id: int | None = None,
    source: str | None = None,
    **detail: Any,
) -> None:
    """Add an audit row in the caller's write session, so the change and its audit commit together."""
    session.add(
        AuditLog(
            actor_staff_id=principal.staff_user_id if principal else None,
            actor_role=principal.role if principal else None,
            source=source or ("MANUAL" if principal else "IMPORT"),
            action=action,
            record_type=record_type,
            record_id=record_id,
            detail={"console_user": principal.username if principal else None, **detail},
        )
    )


@dataclass
class AuditFilter:
    who: str = ""  # staff username/name or console account
    action: str = ""  # prefix, e.g. "prompt." or "visit.create"
    record_type: str = ""
    record_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filter_from_query(query) -> AuditFilter:
    """The filter from the audit page's query string; BadNumber (→ 400) for a page or record id out of range."""
    page = form_int(query.get("page", "1"), 1, low=1, high=MAX_PAGE, name="页码")
    record_id = form_int(query.get("record_id", "").strip() or None, None, low=0, name="记录编号")
    return AuditFilter(
        who=query.get("who", "").strip(),
        action=query.get("action", "").strip(),
        record_type=query.get("record_type", "").strip(),
        record_id=record_id,
        since=_parse_date(query.get("since")),
        until=_parse_date(query.get("until")),
        page=page,
    )


async def search(db, f: AuditFilter, tz: str) -> tuple[list[tuple[AuditLog, str]], int]:
    """(rows with the actor's display name, total count)."""
    zone = ZoneInfo(tz)
    conditions = []
    if f.action:
        conditions.append(AuditLog.action.startswith(f.action))
    if f.record_type:
        conditions.append(AuditLog.record_type == f.record_type)
    if f.record_id is not None:
        conditions.append(AuditLog.record_id == f.record_id)
    if f.since:
        conditions.append(AuditLog.at >= datetime.combine(f.since, time.min, zone))
    if f.until:
        conditions.append(AuditLog.at < datetime.combine(f.until + timedelta(days=1), time.min, zone))
    async with db.session() as s:
        if f.who:
            staff_ids = list(
                (
                    await s.execute(
                        select(StaffUser.id).where((StaffUser.username == f.who) | (StaffUser.name == f.who))
                    )
                ).scalars()
            )
            console = AuditLog.detail["console_user"].as_string() == f.who
            conditions.append(AuditLog.actor_staff_id.in_(staff_ids) | console if staff_ids else console)
        total = (await s.execute(select(func.count(AuditLog.id)).where(*conditions))).scalar_one()
        rows = (
            await s.execute(
                select(AuditLog, StaffUser.name)
                .outerjoin(StaffUser, StaffUser.id == AuditLog.actor_staff_id)
                .where(*conditions)
                .order_by(AuditLog.at.desc(), AuditLog.id.desc())
                .offset((f.page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        ).all()
    out = []
    for entry, name in rows:
        who = name or (entry.detail or {}).get("console_user") or source_label(entry.source)
        out.append((entry, who))
    return out, total
