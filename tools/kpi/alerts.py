"""KPI alerts: evaluating the alert rules against the numbers, one `Alert` per (rule, recipient, subject).

Each alert says why with the numbers and proposes one concrete next step. Sending (quiet hours, working
days, exactly once) is the scheduler's job (scheduler/kpi_jobs.py); snoozes are read here so that a
snoozed rule is not even claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.capabilities import ToolError
from bot.messages import Card, CardButton, Reply
from bot.models import STAGE_LABELS, Account, Opportunity, StaffUser, Task, Visit, utcnow
from bot.zh_parse import workdays_between
from bot.zh_parse.dates import day_label
from tools.kpi.metrics import (
    OPEN_STAGES,
    RepNumbers,
    best_open_deal,
    money,
    pct,
    period_of,
    repeat_end,
    repeat_key,
)
from tools.kpi.models import AlertSnooze
from tools.kpi.rules import AlertRule, AlertRulesError, AlertRulesFile, AlertRulesStore, HealthSettings

CARD_PREFIX = "kpialert"
SNOOZE_DAYS = 3


def rules_store(app) -> AlertRulesStore:
    return app.capabilities.state("kpi_alert_rules", lambda: AlertRulesStore(app.settings.data_dir))


def health_settings(app) -> HealthSettings:
    """The data-health settings in force; the defaults while the rules file on disk is broken (the numbers
    still show; the console's editor says what is wrong with the file)."""
    try:
        return rules_store(app).load().health
    except AlertRulesError:
        return HealthSettings()


def rules_in_force(app) -> AlertRulesFile:
    """The alert rules, or a ToolError a person can read when the file on disk is broken."""
    try:
        return rules_store(app).load()
    except AlertRulesError:
        raise ToolError("预警规则文件有误，暂时用不了，请联系管理员在管理后台的 KPI 预警规则页面里改好。") from None


@dataclass
class Alert:
    rule: AlertRule
    recipient: StaffUser
    subject: str  # rep<id> | opp<id>
    period_key: str
    why: str
    next_step: str
    record_type: str | None = None
    record_id: int | None = None

    @property
    def key(self) -> str:
        return f"kpi:{self.rule.key}:{self.recipient.id}:{self.subject}:{self.period_key}"

    @property
    def text(self) -> str:
        return f"{self.why}\n👉 {self.next_step}"


def alert_reply(alerts: list[Alert], today: date) -> Reply:
    """One message per recipient and rule: the text (also the chat memory) and a card to snooze the rule."""
    first = alerts[0]
    body = "\n\n".join(a.text for a in alerts)
    card = Card(
        card_id=f"{CARD_PREFIX}-{first.recipient.id}-{first.rule.key}-{today:%Y%m%d}",
        title=f"KPI 预警 · {first.rule.name}",
        body=body,
        buttons=[
            CardButton("snooze", f"{SNOOZE_DAYS} 天内不再提醒", "default"),
            CardButton("period", "本期不再提醒", "default"),
        ],
    )
    hint = f"不想再收到这条，点卡片上的按钮，或回复「/预警 暂停 {first.rule.name}」。"
    return Reply(text=f"⚠️ {first.rule.name}\n{body}\n{hint}", card=card)


# --- snoozes -----------------------------------------------------------------------------------


async def snoozed_rules(db, today: date) -> set[tuple[int, str]]:
    async with db.session() as s:
        rows = (
            await s.execute(select(AlertSnooze.staff_id, AlertSnooze.rule_key).where(AlertSnooze.until >= today))
        ).all()
    return {(staff_id, key) for staff_id, key in rows}


async def snooze(db, staff_id: int, rule: AlertRule, until: date) -> None:
    ins = sqlite_insert if db.is_sqlite else pg_insert
    async with db.transaction() as conn:
        stmt = ins(AlertSnooze).values(
            staff_id=staff_id, rule_key=rule.key, rule_name=rule.name, until=until, created_at=utcnow()
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["staff_id", "rule_key"], set_={"until": until, "rule_name": rule.name}
            )
        )


async def unsnooze(db, staff_id: int, rule: AlertRule) -> bool:
    async with db.write() as s:
        res = await s.execute(
            delete(AlertSnooze).where(AlertSnooze.staff_id == staff_id, AlertSnooze.rule_key == rule.key)
        )
        return bool(res.rowcount)


def snooze_until(rule: AlertRule, how: str, today: date) -> date:
    if how == "period":
        return repeat_end(rule.repeat, today)
    return date.fromordinal(today.toordinal() + SNOOZE_DAYS)


# --- evaluation --------------------------------------------------------------------------------


def _recipients(rule: AlertRule, rep: StaffUser, staff: dict[int, StaffUser]) -> list[tuple[str, StaffUser]]:
    out = []
    if "owner" in rule.notify:
        out.append(("owner", rep))
    if "manager" in rule.notify and rep.manager_id in staff:
        out.append(("manager", staff[rep.manager_id]))
    return out


async def evaluate(
    db,
    rules: AlertRulesFile,
    staff: dict[int, StaffUser],
    reps: list[StaffUser],
    numbers_by_period: dict[str, dict[int, RepNumbers]],
    stalled: list[tuple],
    today: date,
) -> list[Alert]:
    """Every alert the rules raise today for these reps (before snoozes and the once-per-period ledger)."""
    alerts: list[Alert] = []
    for rule in rules.rules:
        if not rule.enabled:
            continue
        period_key = repeat_key(rule.repeat, today)
        if rule.kind == "pace":
            numbers = numbers_by_period[rule.period or "month"]
            alerts += await _pace(db, rule, staff, reps, numbers, today, period_key)
        elif rule.kind == "no_followup":
            alerts += await _no_followup(db, rule, staff, reps, numbers_by_period["month"], today, period_key)
        elif rule.kind == "high_value_no_visit":
            alerts += await _high_value(db, rule, staff, reps, today, period_key)
        elif rule.kind == "stalled":
            alerts += _stalled(rule, staff, reps, stalled, period_key)
        elif rule.kind == "overdue_pile":
            alerts += await _overdue(db, rule, staff, reps, today, period_key)
    return alerts


async def _pace(db, rule, staff, reps, numbers, today, period_key) -> list[Alert]:
    period = period_of(rule.period or "month", today)
    elapsed = round(100 * period.elapsed(today))
    if elapsed < (rule.elapsed_at_least or 0):
        return []
    out = []
    for rep in reps:
        n = numbers.get(rep.id)
        if n is None or not n.target:
            continue
        done = pct(n.won, n.target)
        if done >= (rule.completion_below or 0):
            continue
        gap = max(n.target - n.won, 0)
        when = (
            f"{period.word}过半（{period.label}已过 {elapsed}%）"
            if 50 <= elapsed < 100
            else f"{period.label}已过 {elapsed}%"
        )
        facts = f"{when}，完成率 {done}%：目标 {money(n.target)}，已赢单 {money(n.won)}，还差 {money(gap)}。"
        deal = await best_open_deal(db, rep.id, period)
        for role, who in _recipients(rule, rep, staff):
            if deal is not None:
                opp, label = deal
                after = pct(n.won + (opp.amount or 0), n.target)
                when = f"，预计 {day_label(opp.close_date)}签" if opp.close_date else ""
                push = (
                    f"「{label} · {opp.name}」（{STAGE_LABELS.get(opp.stage, opp.stage)}，{money(opp.amount)}{when}）"
                )
                step = (
                    f"建议今天推进{push}，拿下它完成率到 {after}%。"
                    if role == "owner"
                    else f"建议和{rep.name}过一下{push}，看还差什么能推到签约。"
                )
            else:
                step = (
                    f"手上没有进行中的商机了：建议这周约 3 个老客户，找新机会补上 {money(gap)} 的缺口。"
                    if role == "owner"
                    else f"{rep.name}手上没有进行中的商机，建议一起排一下接下来要约的客户。"
                )
            why = facts if role == "owner" else f"{rep.name}{facts}"
            out.append(Alert(rule, who, f"rep{rep.id}", period_key, "📈 " + why, step))
    return out


async def _no_followup(db, rule, staff, reps, numbers, today, period_key) -> list[Alert]:
    out = []
    for rep in reps:
        n = numbers.get(rep.id)
        last = n.last_activity if n is not None else None
        since = last or rep.created_at.date()
        idle = workdays_between(since, today)
        if idle < (rule.days or 0):
            continue
        if last is None:
            facts = f"还没有任何拜访或跟进记录（已经 {idle} 个工作日）。"
        else:
            facts = f"已经 {idle} 个工作日没有新增拜访或跟进记录了（上一次是{day_label(last)}）。"
        deal = await best_open_deal(db, rep.id, period_of("month", today))
        for role, who in _recipients(rule, rep, staff):
            if role == "owner":
                step = (
                    f"建议今天联系一下「{deal[1]} · {deal[0].name}」，聊完回我一句就能记下跟进。"
                    if deal
                    else "建议今天约一个客户聊聊，聊完回我一句就能记下跟进。"
                )
                why = "🔕 你" + facts
            else:
                step = f"建议问问{rep.name}这几天在忙什么，需要的话一起过一下客户清单。"
                why = f"🔕 {rep.name}" + facts
            out.append(Alert(rule, who, f"rep{rep.id}", period_key, why, step))
    return out


async def _high_value(db, rule, staff, reps, today, period_key) -> list[Alert]:
    ids = {r.id: r for r in reps}
    if not ids:
        return []
    async with db.session() as s:
        opps = (
            await s.execute(
                select(Opportunity, func.coalesce(Account.short_name, Account.name))
                .join(Account, Opportunity.account_id == Account.id)
                .where(
                    Opportunity.owner_id.in_(list(ids)),
                    Opportunity.stage.in_(OPEN_STAGES),
                    Opportunity.amount >= rule.amount_at_least,
                )
                .order_by(Opportunity.amount.desc())
            )
        ).all()
        last_visits = dict(
            (
                await s.execute(
                    select(Visit.account_id, func.max(Visit.visit_date))
                    .where(
                        Visit.account_id.in_([o.account_id for o, _ in opps]),
                        Visit.status == "held",
                        Visit.visit_date <= today,
                    )
                    .group_by(Visit.account_id)
                )
            ).all()
        )
    out = []
    for opp, label in opps:
        last = last_visits.get(opp.account_id)
        since = last or opp.created_at.date()
        idle = (today - since).days
        if idle < (rule.days or 0):
            continue
        rep = ids[opp.owner_id]
        seen = f"上次拜访是{day_label(last)}" if last else "还没有拜访记录"
        facts = f"「{label} · {opp.name}」{money(opp.amount)}，已经 {idle} 天没有拜访了（{seen}）。"
        for role, who in _recipients(rule, rep, staff):
            step = (
                "建议这周约一次上门拜访，当面确认决策人和签约时间。"
                if role == "owner"
                else f"建议提醒{rep.name}这周上门拜访一次，需要的话你陪同。"
            )
            why = "💰 " + (facts if role == "owner" else f"{rep.name}的商机{facts}")
            out.append(Alert(rule, who, f"opp{opp.id}", period_key, why, step, "opportunity", opp.id))
    return out


def _stalled(rule, staff, reps, stalled, period_key) -> list[Alert]:
    by_owner: dict[int, list[tuple]] = {}
    for row in stalled:
        by_owner.setdefault(row[0].owner_id, []).append(row)
    out = []
    for rep in reps:
        rows = by_owner.get(rep.id, [])
        if len(rows) < (rule.count_at_least or 1):
            continue
        lines = "；".join(
            f"{label} · {opp.name}（{STAGE_LABELS.get(opp.stage, opp.stage)}，{idle} 天没动）"
            for opp, label, idle, _last, _t in rows[:5]
        )
        for role, who in _recipients(rule, rep, staff):
            lead = "你有" if role == "owner" else f"{rep.name}有"
            why = f"⏸ {lead} {len(rows)} 个商机停滞：{lines}。"
            step = (
                f"建议今天先给「{rows[0][1]}」打个电话，定下一步。"
                if role == "owner"
                else f"建议和{rep.name}一起过一遍这些商机，给每个定下一步和日期。"
            )
            out.append(Alert(rule, who, f"rep{rep.id}", period_key, why, step))
    return out


async def _overdue(db, rule, staff, reps, today, period_key) -> list[Alert]:
    ids = [r.id for r in reps]
    if not ids:
        return []
    async with db.session() as s:
        rows = (
            await s.execute(
                select(Task.owner_id, Task.id, Task.title, Task.due_date)
                .where(Task.owner_id.in_(ids), Task.status == "open", Task.due_date < today)
                .order_by(Task.due_date, Task.id)
            )
        ).all()
    by_owner: dict[int, list] = {}
    for row in rows:
        by_owner.setdefault(row.owner_id, []).append(row)
    out = []
    for rep in reps:
        tasks = by_owner.get(rep.id, [])
        if len(tasks) < (rule.count_at_least or 1):
            continue
        oldest = tasks[0]
        facts = (
            f"{len(tasks)} 条待办已逾期，最早的是{day_label(oldest.due_date)}到期的 #{oldest.id}「{oldest.title}」。"
        )
        for role, who in _recipients(rule, rep, staff):
            if role == "owner":
                why, step = (
                    "📌 你有 " + facts,
                    "建议今天花半小时清一清：做完的回复「/完成 编号」，不做的告诉我取消。",
                )
            else:
                why, step = f"📌 {rep.name}有 " + facts, f"建议问问{rep.name}卡在哪，需要的话帮忙排一下优先级。"
            out.append(Alert(rule, who, f"rep{rep.id}", period_key, why, step))
    return out
