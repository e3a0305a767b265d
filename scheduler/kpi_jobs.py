"""KPI jobs: alerts from the alert rules (a daily pass at the rules' send_at) and the weekly data-health
digest for each rep and manager.

Exactly once: every alert has a notice key per (rule, recipient, subject, period) claimed in the same
transaction that enqueues the message (scheduler/notify.py), so a restart, a late run or a second replica
sends nothing twice; only the leader runs these jobs at all (scheduler/leader.py). A recipient in quiet
hours, on a day off or with the rule snoozed is not claimed: the alert goes out at the next run that may
send it (within the catch-up window), or in the next period.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.messages import Reply
from bot.models import StaffUser
from bot.schedule_config import config_for, parse_clock
from bot.worktime import in_daily_window
from bot.zh_parse import is_workday
from scheduler.jobs import _mark_pass, _pass_done, active_staff, local_now, stalled_deals
from scheduler.notify import Notice, claim_and_push
from tools.kpi.alerts import alert_reply, evaluate, rules_store, snoozed_rules
from tools.kpi.health import RepHealth, health_for
from tools.kpi.metrics import RepNumbers, money, month_of, quarter_of, rep_numbers, visible_reps, week_key
from tools.kpi.rules import AlertRulesError

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
FIX_HINT = "回复「补资料」，我一条条问你，确认后写入。"


def _load_rules(app: "Runtime"):
    try:
        return rules_store(app).load()
    except AlertRulesError as exc:  # a broken file on disk: no alerts until fixed, and the log says why
        log.error("KPI alert rules unusable: %s", exc)
        return None


async def run_kpi_alerts(app: "Runtime") -> int:
    rules = _load_rules(app)
    if rules is None or not any(r.enabled for r in rules.rules):
        return 0
    cfg = config_for(app)
    send_at = parse_clock(rules.send_at, "send_at")
    staff = await active_staff(app)
    if not any(in_daily_window(cfg, local_now(app, cfg, u), send_at) for u in staff.values()):
        return 0
    tz = cfg.default_tz
    today = app.clock.now(tz).date()
    # once everyone's alerts of the day have been decided, later sweeps that day have nothing to do: the
    # conditions are daily ones (elapsed share, idle workdays, stalled days)
    marker = f"pass:kpi_alerts:{today.isoformat()}"
    if await _pass_done(app, marker):
        return 0
    reps = [u for u in staff.values() if u.role == "rep"]
    numbers = {
        "month": await rep_numbers(app.db, reps, month_of(today), today, tz),
        "quarter": await rep_numbers(app.db, reps, quarter_of(today), today, tz),
    }
    stalled = await stalled_deals(app, cfg, {r.id for r in reps}, today) if reps else []
    alerts = await evaluate(app.db, rules, staff, reps, numbers, stalled, today)
    snoozed = await snoozed_rules(app.db, today)
    grouped: dict[tuple[int, str], list] = defaultdict(list)
    for alert in alerts:
        if (alert.recipient.id, alert.rule.key) in snoozed:
            continue
        grouped[(alert.recipient.id, alert.rule.key)].append(alert)
    sent = 0
    held = False
    for (recipient_id, _rule), items in grouped.items():
        recipient = staff[recipient_id]
        local = local_now(app, cfg, recipient)
        if not in_daily_window(cfg, local, send_at):
            held = True
            continue  # quiet hours or a day off: not claimed, sent by a later run
        notices = [
            Notice(
                a.key,
                "kpi_alert",
                recipient.id,
                a.record_type,
                a.record_id,
                local.date(),
                {"rule": a.rule.name, "subject": a.subject, "period": a.period_key},
                item=a,
            )
            for a in items
        ]
        day = local.date()
        sent += len(
            await claim_and_push(
                app, recipient, notices, lambda claimed, d=day: alert_reply([n.item for n in claimed], d)
            )
        )
    if not held:
        await _mark_pass(app, marker, today)
    return sent


# --- weekly data-health digest --------------------------------------------------------------------


def digest_day(today: date, weekday: int) -> date:
    """This week's digest day: the configured weekday (1 = Monday), or the first workday after it."""
    d = today - timedelta(days=today.weekday()) + timedelta(days=weekday - 1)
    while not is_workday(d) and d.isocalendar()[:2] == today.isocalendar()[:2]:
        d += timedelta(days=1)
    return d


def rep_health_text(user: StaffUser, health: RepHealth, numbers: RepNumbers, goal: float) -> str:
    lines = [f"🧹 {user.name}，本周资料体检："]
    if numbers.target:
        lines.append(
            f"本月到今天：赢单 {money(numbers.won)} / 目标 {money(numbers.target)}"
            f"（{numbers.completion}%），拜访 {numbers.visits} 次。"
        )
    ok = "，达标了" if health.completeness >= goal else f"（目标 {goal:g}%）"
    lines.append(f"你的客户资料完整度 {health.completeness}%{ok}，{health.summary()}。")
    if health.gaps:
        lines.append("要补的：")
        lines += [f"· {g.title}：{g.label}" for g in health.gaps[:5]]
        if len(health.gaps) > 5:
            lines.append(f"……还有 {len(health.gaps) - 5} 条")
    if health.duplicates:
        lines += [f"· {text}" for _kind, text in health.duplicates[:3]]
    if health.stale:
        lines.append(f"陈旧商机 {len(health.stale)} 个：" + "；".join(health.stale[:3]))
    if health.gaps:
        lines.append(FIX_HINT)
    return "\n".join(lines)


def manager_health_text(user: StaffUser, team: list[RepHealth], goal: float) -> str:
    filled = sum(h.filled for h in team)
    total = sum(h.total for h in team)
    rate = round(100 * filled / total) if total else 100
    lines = [f"🧹 {user.name}，团队资料完整度 {rate}%（目标 {goal:g}%）："]
    for h in sorted(team, key=lambda h: h.completeness):
        flag = "" if h.completeness >= goal else f"，{h.summary()}"
        lines.append(f"· {h.user.name} {h.completeness}%{flag}")
    dups = sum(len(h.duplicates) for h in team)
    stale = sum(len(h.stale) for h in team)
    if dups or stale:
        lines.append(f"疑似重复 {dups} 处，陈旧商机 {stale} 个。")
    return "\n".join(lines)


async def run_kpi_weekly(app: "Runtime") -> int:
    rules = _load_rules(app)
    if rules is None:
        return 0
    cfg = config_for(app)
    staff = await active_staff(app)
    due: list[tuple[StaffUser, date]] = []
    for user in staff.values():
        if user.role not in ("rep", "manager"):
            continue
        local = local_now(app, cfg, user)
        today = local.date()
        if today != digest_day(today, rules.health.weekly_day) or not in_daily_window(cfg, local, cfg.brief_time):
            continue
        if await _pass_done(app, f"kpihealth:{user.id}:{week_key(today)}"):
            continue
        due.append((user, today))
    if not due:
        return 0
    # everyone's numbers at once (one set of queries, not one per person)
    today = app.clock.now(cfg.default_tz).date()
    reps = [u for u in staff.values() if u.role == "rep"]
    health = await health_for(app.db, reps, today, rules.health.stale_days)
    numbers = await rep_numbers(app.db, reps, month_of(today), today, cfg.default_tz)
    sent = 0
    for user, day in due:
        if user.role == "rep":
            text = rep_health_text(user, health[user.id], numbers[user.id], rules.health.goal)
        else:
            team = [health[u.id] for u in visible_reps(staff, user) if u.id in health]
            if not team:
                continue
            text = manager_health_text(user, team, rules.health.goal)
        notice = Notice(f"kpihealth:{user.id}:{week_key(day)}", "kpi_health", user.id, local_date=day)
        sent += len(await claim_and_push(app, user, [notice], lambda _items, t=text: Reply(t)))
    return sent
