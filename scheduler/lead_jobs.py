"""The lead clocks: the response SLA sweep and the weekly response-time digest.

- lead_sla (every minute): for each lead still held and not contacted, once per assignment each: a reminder to
  the rep at the SLA deadline; at the action time, not accepted → reassigned to another rep (once per lead,
  after that the manager is told instead); accepted but not contacted → the rep's manager is told. An
  existing customer's lead is never moved away from its account owner (the manager is told), and a rep's own
  lead gets the reminder only. Every step
  claims its notice key in the same transaction as its message (and, for a reassignment, as the writes that
  move the lead), so a restart, a second process or a late run does each step once.
- lead_weekly (on the first workday of a week, at SALESBOT_DIGEST_TIME): each manager gets last week's time to
  first contact per rep of their team.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import update

from bot.clock import aware
from bot.messages import Reply
from bot.models import StaffUser
from bot.schedule_config import config_for
from bot.worktime import in_daily_window
from bot.zh_parse import is_workday
from scheduler.jobs import active_staff, local_now, team_of
from scheduler.notify import Notice, claim_and_push
from tools.leads import routing, sla
from tools.leads.handoff import lead_region, sales_region
from tools.leads.lead_rules import LeadFacts, lead_rules
from tools.leads.models import Lead, LeadAssignment, LeadScore

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _who(lead: Lead) -> str:
    company = f"（{lead.company}）" if lead.company else ""
    return f"#{lead.id} {lead.name or '客户'}{company}"


async def run_lead_sla(app: "Runtime") -> int:
    now = app.clock.now(timezone.utc)
    cfg = config_for(app)
    tz = cfg.default_tz
    rules = lead_rules(app.settings)
    await sla.sync_contacts_from_tasks(app.db)
    staff = await active_staff(app)
    sent = 0
    for held, lead in await sla.overdue_assignments(app.db, now):
        rep = staff.get(held.staff_id)
        if rep is None:
            continue
        if held.reminded_at is None:
            sent += await _remind(app, rep, held, lead, now, tz)
        if now < aware(held.act_at) or held.reason == "own":  # a rep's own lead: the reminder is enough
            continue
        # an existing customer's lead stays with its account owner: their manager is told instead
        movable = held.reason != "account_owner"
        if movable and held.accepted_at is None and not await sla.was_reassigned(app.db, lead.id):
            moved = await _reassign(app, rules, cfg, staff, rep, held, lead, now, tz)
            if moved is not None:
                sent += moved
                continue
        if held.escalated_at is None:
            sent += await _escalate(app, staff, rep, held, lead, now, tz)
    return sent


async def _mark_done(conn, held_id: int, **values) -> None:
    await conn.execute(update(LeadAssignment).where(LeadAssignment.id == held_id).values(**values))


async def _remind(app, rep: StaffUser, held, lead: Lead, now: datetime, tz) -> int:
    due = aware(held.due_at).astimezone(tz)
    if held.accepted_at is None:
        text = (
            f"⏰ 线索 {_who(lead)} 应在 {due:%H:%M} 前接单联系，现在还没接。电话 {lead.phone or '-'}。\n"
            f"马上联系的话点卡片上的「接单」，或回复「/线索 接 {lead.id}」；再不接会改派给别的同事。"
        )
    else:
        text = (
            f"⏰ 线索 {_who(lead)} 应在 {due:%H:%M} 前联系，现在还没有联系记录。电话 {lead.phone or '-'}。\n"
            f"联系完回复「/线索 联系了 {lead.id}」；再不联系会同步给你的经理。"
        )
    notice = Notice(f"leadsla:remind:{held.id}", "lead_remind", rep.id, "lead", lead.id, due.date())

    async def extra(conn, _claimed):
        await _mark_done(conn, held.id, reminded_at=now)

    return len(await claim_and_push(app, rep, [notice], lambda _items: Reply(text), extra=extra))


async def _reassign(app, rules, cfg, staff, rep: StaffUser, held, lead: Lead, now: datetime, tz) -> int | None:
    """The lead to another rep (the same team first); None when nobody else can take it."""
    async with app.db.session() as s:
        score_row = await s.get(LeadScore, lead.id)
        available = await routing.available_reps(s)
        facts = LeadFacts(
            region=lead_region(lead),
            industry=lead.industry,
            source=score_row.source if score_row else sla.source_of(lead),
            score=score_row.score if score_row else 0,
        )
        team = [r for r in available if r.team == (held.team or rep.team) and r.id != rep.id]
        new = await routing.pick(s, team, rules, cfg, now)
        if new is None:
            found = await routing.route(
                s, lead, facts, rules, cfg, now, available, region_of=sales_region, exclude={rep.id}
            )
            new = found.staff if found is not None else None
    if new is None:
        return None
    due_box: dict[str, datetime] = {}

    async def extra(conn, _claimed):
        due_box["due"] = await sla.reassign_writes(
            conn, held, lead, new, settings=app.settings, tz=tz, rules=rules, now=now
        )

    def build(_items):
        lead.assigned_staff_id = new.id
        row = score_row or LeadScore(lead_id=lead.id, score=0, band=held.band, reasons=[])
        due, _act = sla.deadlines(now, rules.band_named(held.band), app.settings, tz)
        note = f"（{rep.name}超时未接，改派给你）"
        return Reply(card=sla.lead_card(lead, row, rules, lead.summary or _who(lead), due, tz, note=note))

    notice = Notice(f"leadsla:reassign:{held.id}", "lead_reassign", new.id, "lead", lead.id, now.astimezone(tz).date())
    claimed = await claim_and_push(app, new, [notice], build, extra=extra)
    if not claimed:
        return 0
    sent = 1
    told = Notice(f"leadsla:taken:{held.id}", "lead_taken", rep.id, "lead", lead.id, now.astimezone(tz).date())
    sent += len(
        await claim_and_push(
            app,
            rep,
            [told],
            lambda _items: Reply(f"线索 {_who(lead)} 超时未接，已改派给{new.name}。你名下的待办已取消。"),
        )
    )
    manager = staff.get(rep.manager_id) if rep.manager_id else None
    if manager is not None:
        fyi = Notice(f"leadsla:reassigned:{held.id}", "lead_reassigned", manager.id, "lead", lead.id)
        sent += len(
            await claim_and_push(
                app,
                manager,
                [fyi],
                lambda _items: Reply(f"ℹ️ 线索 {_who(lead)} {rep.name}超时未接，已自动改派给{new.name}。"),
            )
        )
    return sent


async def _escalate(app, staff, rep: StaffUser, held, lead: Lead, now: datetime, tz) -> int:
    manager = staff.get(rep.manager_id) if rep.manager_id else None
    if manager is None:
        log.warning("lead %s: %s has no manager to escalate to", lead.id, rep.username)
        return 0
    assigned = aware(held.assigned_at).astimezone(tz)
    if held.accepted_at is not None:
        state = "接了单但还没联系"
    elif held.reason == "account_owner":
        state = "一直没接单（老客户的线索，留给负责人，不改派）"
    elif held.reason == "reassigned":
        state = "是超时改派过来的，也没接单"
    else:
        state = "一直没接单，也没有别人可以改派"
    text = (
        f"⚠️ 线索 {_who(lead)} {assigned:%m-%d %H:%M} 分给{rep.name}，{state}，已超过响应时限。"
        f"电话 {lead.phone or '-'}。方便的话问问{rep.name}，或者安排别人跟进。"
    )
    notice = Notice(f"leadsla:escalate:{held.id}", "lead_escalate", manager.id, "lead", lead.id)

    async def extra(conn, _claimed):
        await _mark_done(conn, held.id, escalated_at=now)

    return len(await claim_and_push(app, manager, [notice], lambda _items: Reply(text), extra=extra))


# --- the weekly digest ----------------------------------------------------------------------------------


def first_workday_of_week(day) -> bool:
    monday = sla.week_start(day)
    return is_workday(day) and all(not is_workday(monday + timedelta(days=i)) for i in range((day - monday).days))


async def weekly_lines(app: "Runtime", team: list[StaffUser], until: datetime) -> list[str]:
    reps, _teams = await sla.response_stats(app.db, until - timedelta(days=7), until, [u.id for u in team])
    return [f"· {r.line()}" for r in reps]


async def run_lead_weekly(app: "Runtime") -> int:
    cfg = config_for(app)
    staff = await active_staff(app)
    sent = 0
    for user in staff.values():
        if user.role != "manager":
            continue
        local = local_now(app, cfg, user)
        if not first_workday_of_week(local.date()) or not in_daily_window(cfg, local, cfg.digest_time):
            continue
        team = team_of(staff, user.id)
        if not team:
            continue
        start = datetime.combine(sla.week_start(local.date()), datetime.min.time(), local.tzinfo)
        lines = await weekly_lines(app, team, start)
        if not lines:
            continue
        year, week, _ = local.isocalendar()
        key = f"leadweek:{user.id}:{year}-{week:02d}"
        text = f"📮 {user.name}，上周线索响应（从分配到第一次联系）：\n" + "\n".join(lines)
        text += "\n控制台「线索」页有明细。"
        notice = Notice(key, "lead_weekly", user.id, local_date=local.date())
        sent += len(await claim_and_push(app, user, [notice], lambda _items, t=text: Reply(t)))
    return sent


__all__ = ["run_lead_sla", "run_lead_weekly"]
