"""The scheduler's jobs. Each is `async def job(app)`, idempotent, and decides from app.clock and the data
what is due now; so a job run late, twice, or by two processes sends each message once.

- reminders (every minute): a task with a stated time (Task.due_at, "提醒我周五下午…") at that time;
  a task with a due date at SALESBOT_REMINDER_TIME on its due day (on the last workday before it when
  the due day is a holiday or weekend).
- followups (daily pass): overdue tasks re-reminded on each workday, escalated to the owner's manager
  once they are SALESBOT_ESCALATE_AFTER_WORKDAYS working days late; deals stalled longer than their
  stage allows (SALESBOT_STALLED_DAYS) reported to the owner.
- briefs / digests: a morning brief per rep, a daily digest per manager.
- nudges: "联系李总的好时候到了", pushed SALESBOT_NUDGE_LEAD_MINUTES ahead of the slot.
- approvals / autofill: the clocks of those capabilities (their modules do the work).
- contact_model: the nightly refresh of the best-time priors.

Times are each user's local time (StaffUser.timezone, default SALESBOT_TIMEZONE). Daily pushes go out
only on Chinese workdays (holidays off, 调休 weekends on) and never in quiet hours; a reminder the user
asked for at an exact time is the exception: it fires when asked.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.messages import Reply
from bot.models import STAGE_LABELS, Account, Interaction, Opportunity, StaffUser, Task, Visit, utcnow
from bot.schedule_config import SchedulerConfig, config_for
from bot.worktime import hm, in_daily_window, last_workday_on_or_before
from bot.zh_parse import is_workday, workdays_between
from bot.zh_parse.dates import day_label
from scheduler.models import ScheduledNotice
from scheduler.notify import Notice, claim_and_push
from tools import approvals, autofill, contact_times, pipeline, playbook

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

REMINDER_HORIZON_DAYS = 11  # the longest run of days off (Golden Week) plus margin
DONE_HINT = "做完回复「/完成 编号」。"


async def active_staff(app: "Runtime") -> dict[int, StaffUser]:
    async with app.db.session() as s:
        users = (await s.execute(select(StaffUser).where(StaffUser.active.is_(True)))).scalars().all()
    return {u.id: u for u in users}


def local_now(app: "Runtime", cfg: SchedulerConfig, user: StaffUser) -> datetime:
    return app.clock.now(cfg.user_tz(user.timezone))


def task_line(task, account: str | None, extra: str = "") -> str:
    where = f"（{account}）" if account else ""
    return f"· #{task.id} {task.title}{where}{extra}"


# --- reminders ---------------------------------------------------------------------------------------


async def load_due_tasks(app: "Runtime", today: date) -> list:
    """Open tasks due from yesterday to the reminder horizon, with their account's short name."""
    q = (
        select(
            Task.id,
            Task.title,
            Task.due_date,
            Task.due_at,
            Task.owner_id,
            Task.created_at,
            func.coalesce(Account.short_name, Account.name).label("account"),
        )
        .join(Account, Task.account_id == Account.id, isouter=True)
        .where(
            Task.status == "open",
            Task.due_date.is_not(None),
            Task.due_date >= today - timedelta(days=1),
            Task.due_date <= today + timedelta(days=REMINDER_HORIZON_DAYS),
        )
    )
    async with app.db.session() as s:
        return (await s.execute(q)).all()


def _reminder_due(cfg: SchedulerConfig, task, local: datetime) -> str | None:
    """The notice key if this task's reminder is due now, else None."""
    if task.due_at is not None:
        due_at = task.due_at.astimezone(local.tzinfo)
        if due_at <= local < due_at + timedelta(hours=cfg.catch_up_hours):
            return f"remind:{task.id}:{task.due_at.isoformat()}"
        return None
    remind_day = last_workday_on_or_before(task.due_date)
    created_day = task.created_at.astimezone(local.tzinfo).date() if task.created_at else remind_day
    if remind_day < created_day:
        remind_day = task.due_date
    if local.date() != remind_day:
        return None
    if not in_daily_window(cfg, local, cfg.reminder_time, workdays_only=False):
        return None
    return f"remind:{task.id}:{task.due_date.isoformat()}"


def _reminder_text(items: list[Notice], today: date) -> Reply:
    lines = []
    for n in items:
        task = n.item
        if task.due_at is not None:
            lines.append(task_line(task, task.account, f" —— {n.detail['when']}"))
        elif task.due_date == today:
            lines.append(task_line(task, task.account, " —— 今天到期"))
        else:
            lines.append(task_line(task, task.account, f" —— {day_label(task.due_date)}到期，那天休息，今天记得处理"))
    if len(lines) == 1:
        return Reply(f"⏰ 提醒你：{lines[0][2:]}\n{DONE_HINT}")
    return Reply("⏰ 待办提醒：\n" + "\n".join(lines) + f"\n{DONE_HINT}")


async def run_reminders(app: "Runtime") -> int:
    cfg = config_for(app)
    staff = await active_staff(app)
    today = app.clock.now(cfg.default_tz).date()
    by_owner: dict[int, list[Notice]] = defaultdict(list)
    for task in await load_due_tasks(app, today):
        user = staff.get(task.owner_id)
        if user is None:
            continue
        local = local_now(app, cfg, user)
        key = _reminder_due(cfg, task, local)
        if key is None:
            continue
        when = hm(task.due_at.astimezone(local.tzinfo)) if task.due_at is not None else ""
        by_owner[user.id].append(
            Notice(key, "remind", user.id, "task", task.id, local.date(), {"when": when}, item=task)
        )
    sent = 0
    for owner_id, notices in by_owner.items():
        local_day = notices[0].local_date
        sent += len(
            await claim_and_push(app, staff[owner_id], notices, lambda items, d=local_day: _reminder_text(items, d))
        )
    return sent


# --- the daily follow-up pass: overdue, escalation, stalled deals --------------------------------------


async def _pass_done(app: "Runtime", key: str) -> bool:
    async with app.db.session() as s:
        return (await s.execute(select(ScheduledNotice.id).where(ScheduledNotice.key == key))).first() is not None


async def _mark_pass(app: "Runtime", key: str, day: date) -> None:

    ins = sqlite_insert if app.db.is_sqlite else pg_insert
    async with app.db.transaction() as conn:
        await conn.execute(
            ins(ScheduledNotice)
            .values(key=key, kind="pass", local_date=day, detail={}, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["key"])
        )


async def run_followups(app: "Runtime") -> int:
    """Once per workday per time zone, at the reminder time: overdue tasks, escalations, stalled deals."""
    cfg = config_for(app)
    staff = await active_staff(app)
    zones: dict[str, list[StaffUser]] = defaultdict(list)
    for user in staff.values():
        zones[str(cfg.user_tz(user.timezone))].append(user)
    sent = 0
    for zone, users in zones.items():
        local = local_now(app, cfg, users[0])
        if not in_daily_window(cfg, local, cfg.reminder_time):
            continue
        marker = f"pass:followups:{zone}:{local.date().isoformat()}"
        if await _pass_done(app, marker):
            continue
        ids = {u.id for u in users}
        sent += await _overdue_and_escalations(app, cfg, staff, ids, local.date())
        sent += await _stalled_deals(app, cfg, staff, ids, local.date())
        await _mark_pass(app, marker, local.date())
    return sent


# a task about a customer (an account, a deal or a visit's next step): what a manager follows up on
CUSTOMER_WORK = or_(Task.account_id.is_not(None), Task.opportunity_id.is_not(None), Task.visit_id.is_not(None))


async def _overdue_and_escalations(
    app, cfg: SchedulerConfig, staff: dict[int, StaffUser], owner_ids: set[int], today: date
) -> int:
    q = (
        select(
            Task.id,
            Task.title,
            Task.due_date,
            Task.due_at,
            Task.owner_id,
            func.coalesce(Account.short_name, Account.name).label("account"),
            CUSTOMER_WORK.label("for_customer"),
        )
        .join(Account, Task.account_id == Account.id, isouter=True)
        .where(Task.status == "open", Task.due_date < today, Task.owner_id.in_(owner_ids))
        .order_by(Task.due_date, Task.id)
    )
    async with app.db.session() as s:
        tasks = (await s.execute(q)).all()
    owner_notices: dict[int, list[Notice]] = defaultdict(list)
    manager_notices: dict[int, list[Notice]] = defaultdict(list)
    n = cfg.escalate_after_workdays
    for task in tasks:
        owner = staff[task.owner_id]
        late = workdays_between(task.due_date, today)
        manager = staff.get(owner.manager_id) if owner.manager_id else None
        # a reminder the rep set for themselves (「提醒我交周报」) is theirs: only customer work goes up
        escalate = late >= n and manager is not None and bool(task.for_customer)
        owner_notices[owner.id].append(
            Notice(
                f"overdue:{task.id}:{today.isoformat()}",
                "overdue",
                owner.id,
                "task",
                task.id,
                today,
                {"late_workdays": late, "escalated": escalate},
                item=(task, late, escalate, manager),
            )
        )
        if escalate:
            manager_notices[manager.id].append(
                Notice(
                    f"escalate:{task.id}:{task.due_date.isoformat()}",
                    "escalate",
                    manager.id,
                    "task",
                    task.id,
                    today,
                    {"owner_id": owner.id, "late_workdays": late},
                    item=(task, late, owner),
                )
            )

    def owner_text(items: list[Notice]) -> Reply:
        lines = [f"📌 你有 {len(items)} 条待办已逾期："]
        for notice in items:
            task, late, escalate, manager = notice.item
            extra = f" —— {day_label(task.due_date)}到期，晚了 {max(late, 1)} 个工作日"
            if escalate:
                extra += f"，已同步给{manager.name}"
            lines.append(task_line(task, task.account, extra))
        lines.append("做完回复「/完成 编号」；要改期直接告诉我新的日期。")
        return Reply("\n".join(lines))

    def manager_text(items: list[Notice]) -> Reply:
        lines = [f"⚠️ 团队有 {len(items)} 条待办逾期超过 {n} 个工作日："]
        for notice in items:
            task, late, owner = notice.item
            lines.append(
                task_line(task, task.account, f" —— {owner.name}，{day_label(task.due_date)}到期，晚了 {late} 个工作日")
            )
        lines.append("方便的话问问进展，需要的话帮忙推一把。")
        return Reply("\n".join(lines))

    sent = 0
    for owner_id, notices in owner_notices.items():
        sent += len(await claim_and_push(app, staff[owner_id], notices, owner_text))
    for manager_id, notices in manager_notices.items():
        manager = staff[manager_id]
        if cfg.is_quiet(local_now(app, cfg, manager).time()):
            continue  # not claimed: goes out in the next pass the manager is awake for
        sent += len(await claim_and_push(app, manager, notices, manager_text))
    return sent


async def stalled_deals(app: "Runtime", cfg: SchedulerConfig, owner_ids: set[int] | None, today: date) -> list[tuple]:
    """(opportunity, account label, days since the last activity, last activity date, threshold) per stalled deal."""
    stages = list(cfg.stalled_days)
    if not stages:
        return []
    q = (
        select(Opportunity, func.coalesce(Account.short_name, Account.name))
        .join(Account, Opportunity.account_id == Account.id)
        .where(Opportunity.stage.in_(stages))
    )
    if owner_ids is not None:
        q = q.where(Opportunity.owner_id.in_(owner_ids))
    async with app.db.session() as s:
        opps = (await s.execute(q)).all()
        account_ids = sorted({o.account_id for o, _ in opps})
        visits = dict(
            (
                await s.execute(
                    select(Visit.account_id, func.max(Visit.visit_date))
                    .where(Visit.account_id.in_(account_ids), Visit.status == "held", Visit.visit_date <= today)
                    .group_by(Visit.account_id)
                )
            ).all()
        )
        touches = dict(
            (
                await s.execute(
                    select(Interaction.account_id, func.max(Interaction.occurred_at))
                    .where(Interaction.account_id.in_(account_ids), Interaction.kind != "nudge")
                    .group_by(Interaction.account_id)
                )
            ).all()
        )
        done = dict(
            (
                await s.execute(
                    select(Task.account_id, func.max(Task.completed_at))
                    .where(Task.account_id.in_(account_ids), Task.status == "done")
                    .group_by(Task.account_id)
                )
            ).all()
        )
    tz = cfg.default_tz
    out = []
    for opp, label in opps:
        dates = [opp.updated_at.astimezone(tz).date(), opp.created_at.astimezone(tz).date()]
        if opp.account_id in visits:
            dates.append(visits[opp.account_id])
        if touches.get(opp.account_id):
            dates.append(touches[opp.account_id].astimezone(tz).date())
        if done.get(opp.account_id):
            dates.append(done[opp.account_id].astimezone(tz).date())
        last = max(dates)
        idle = (today - last).days
        threshold = cfg.stalled_days[opp.stage]
        if idle >= threshold:
            out.append((opp, label, idle, last, threshold))
    out.sort(key=lambda r: -r[2])
    return out


async def _stalled_deals(
    app, cfg: SchedulerConfig, staff: dict[int, StaffUser], owner_ids: set[int], today: date
) -> int:
    by_owner: dict[int, list[Notice]] = defaultdict(list)
    for opp, label, idle, last, threshold in await stalled_deals(app, cfg, owner_ids, today):
        if opp.owner_id not in staff:
            continue
        by_owner[opp.owner_id].append(
            Notice(
                f"stalled:{opp.id}:{last.isoformat()}",
                "stalled",
                opp.owner_id,
                "opportunity",
                opp.id,
                today,
                {"idle_days": idle},
                item=(opp, label, idle, threshold),
            )
        )

    def text(items: list[Notice]) -> Reply:
        lines = ["📉 这些商机有一阵没动了："]
        for notice in items:
            opp, label, idle, threshold = notice.item
            lines.append(
                f"· {opp.name}（{label}，{STAGE_LABELS.get(opp.stage, opp.stage)}）{idle} 天没有拜访或跟进"
                f"（这个阶段建议 {threshold} 天内）"
            )
        lines.append("要不要今天约一下？问我「我今天该联系谁？」看看几点联系最合适。")
        return Reply("\n".join(lines))

    sent = 0
    for owner_id, notices in by_owner.items():
        sent += len(await claim_and_push(app, staff[owner_id], notices, text))
    return sent


# --- morning brief, contact plan and nudges -------------------------------------------------------------


async def day_plan(app: "Runtime", user: StaffUser, local: datetime) -> list[dict]:
    """Today's contact suggestions for a rep, fixed once per day (the brief and the nudges agree, and a
    restart or a second process reads the same plan)."""

    key = f"plan:{user.id}:{local.date().isoformat()}"
    async with app.db.session() as s:
        row = (await s.execute(select(ScheduledNotice.detail).where(ScheduledNotice.key == key))).first()
    if row is not None:
        return row[0].get("items", [])
    cfg = config_for(app)
    start = max(local, datetime.combine(local.date(), cfg.work_hours[0], local.tzinfo))
    suggestions = await contact_times.suggestions_for(app, user, start, cfg, limit=3)
    items = [
        {
            "contact_id": s.rec.contact.id,
            "label": s.rec.contact.label,
            "account": s.rec.contact.account_label,
            "account_id": s.rec.contact.account_id,
            "slot": s.rec.today_slot.isoformat(),
            "explanation": s.rec.today_explanation,
            "reason": s.reason,
        }
        for s in suggestions
        if s.rec.today_slot is not None
    ]
    items.sort(key=lambda item: item["slot"])
    ins = sqlite_insert if app.db.is_sqlite else pg_insert
    async with app.db.transaction() as conn:
        await conn.execute(
            ins(ScheduledNotice)
            .values(
                key=key,
                kind="plan",
                staff_id=user.id,
                local_date=local.date(),
                detail={"items": items},
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )
    async with app.db.session() as s:
        row = (await s.execute(select(ScheduledNotice.detail).where(ScheduledNotice.key == key))).first()
    return row[0].get("items", []) if row else items


async def run_briefs(app: "Runtime") -> int:
    cfg = config_for(app)
    sent = 0
    for user in (await active_staff(app)).values():
        if user.role != "rep":
            continue
        local = local_now(app, cfg, user)
        if not in_daily_window(cfg, local, cfg.brief_time):
            continue
        key = f"brief:{user.id}:{local.date().isoformat()}"
        if await _pass_done(app, key):
            continue
        text = await morning_brief(app, user, local)
        if text is None:
            continue
        sent += len(
            await claim_and_push(
                app, user, [Notice(key, "brief", user.id, local_date=local.date())], lambda _items, t=text: Reply(t)
            )
        )
    return sent


async def morning_brief(app: "Runtime", user: StaffUser, local: datetime) -> str | None:
    today = local.date()
    async with app.db.session() as s:
        tasks = (
            await s.execute(
                select(
                    Task.id,
                    Task.title,
                    Task.due_date,
                    Task.due_at,
                    func.coalesce(Account.short_name, Account.name).label("account"),
                )
                .join(Account, Task.account_id == Account.id, isouter=True)
                .where(Task.owner_id == user.id, Task.status == "open", Task.due_date <= today)
                .order_by(Task.due_date, Task.id)
            )
        ).all()
        visits = (
            await s.execute(
                select(Visit.start_at, func.coalesce(Account.short_name, Account.name), Visit.next_step)
                .join(Account, Visit.account_id == Account.id)
                .where(Visit.owner_id == user.id, Visit.status == "planned", Visit.visit_date == today)
                .order_by(Visit.start_at)
            )
        ).all()
    plan = await day_plan(app, user, local)
    due_today = [t for t in tasks if t.due_date == today]
    overdue = [t for t in tasks if t.due_date < today]
    if not (due_today or overdue or visits or plan):
        return None
    lines = [f"☀️ {user.name}早上好！{day_label(today)}的安排："]
    if visits:
        lines.append("拜访：")
        for start_at, account, _step in visits:
            when = hm(start_at.astimezone(local.tzinfo)) + " " if start_at else ""
            lines.append(f"· {when}{account}")
    if due_today:
        lines.append(f"今天到期（{len(due_today)}）：")
        for t in due_today[:8]:
            when = f" {hm(t.due_at.astimezone(local.tzinfo))}" if t.due_at else ""
            lines.append(task_line(t, t.account, when))
    if overdue:
        lines.append(
            f"已逾期 {len(overdue)} 条，最早的：#{overdue[0].id} {overdue[0].title}（{day_label(overdue[0].due_date)}）"
        )
    if plan:
        lines.append("今天适合联系：")
        for item in plan:
            slot = datetime.fromisoformat(item["slot"]).astimezone(local.tzinfo)
            lines.append(f"· {hm(slot)} {item['account']} · {item['label']}：{item['explanation']}")
        lines.append("到点前我会再提醒你。")
    return "\n".join(lines)


async def run_nudges(app: "Runtime") -> int:

    cfg = config_for(app)
    lead = timedelta(minutes=cfg.nudge_lead_minutes)
    sent = 0
    for user in (await active_staff(app)).values():
        if user.role != "rep":
            continue
        local = local_now(app, cfg, user)
        if not is_workday(local.date()) or cfg.is_quiet(local.time()):
            continue
        if local.time() < cfg.brief_time:
            continue  # the plan is made with the brief, not at midnight
        for item in await day_plan(app, user, local):
            slot = datetime.fromisoformat(item["slot"]).astimezone(local.tzinfo)
            if not slot - lead <= local < slot + timedelta(minutes=15):
                continue
            contact_id = item["contact_id"]
            note = contact_times.nudge_note(user.id, contact_id, local.date())
            notice = Notice(
                f"nudge:{user.id}:{contact_id}:{local.date().isoformat()}",
                "nudge",
                user.id,
                "contact",
                contact_id,
                local.date(),
                {"slot": item["slot"]},
            )

            async def record(conn, _claimed, item=item, slot=slot, note=note, user=user):
                await conn.execute(
                    insert(Interaction).values(
                        contact_id=item["contact_id"],
                        account_id=item.get("account_id"),
                        staff_id=user.id,
                        occurred_at=slot,
                        channel="wechat",
                        direction="outbound",
                        kind="nudge",
                        answered=None,
                        note=note,
                        created_source="SYSTEM",
                        created_at=utcnow(),
                        updated_at=utcnow(),
                    )
                )

            card = contact_times.nudge_card(
                user.id, item["label"], item["account"], slot, item["explanation"], contact_id, local.date()
            )
            sent += len(await claim_and_push(app, user, [notice], lambda _items, c=card: Reply(card=c), extra=record))
    return sent


# --- manager digest -----------------------------------------------------------------------------------


def team_of(staff: dict[int, StaffUser], manager_id: int) -> list[StaffUser]:
    reports: dict[int, list[int]] = defaultdict(list)
    for u in staff.values():
        if u.manager_id is not None:
            reports[u.manager_id].append(u.id)
    members, frontier = [], [manager_id]
    while frontier:
        frontier = [r for m in frontier for r in reports.get(m, []) if r not in members and r != manager_id]
        members.extend(frontier)
    return [staff[i] for i in members]


async def run_digests(app: "Runtime") -> int:
    cfg = config_for(app)
    staff = await active_staff(app)
    sent = 0
    for user in staff.values():
        if user.role != "manager":
            continue
        local = local_now(app, cfg, user)
        if not in_daily_window(cfg, local, cfg.digest_time):
            continue
        key = f"digest:{user.id}:{local.date().isoformat()}"
        if await _pass_done(app, key):
            continue
        team = team_of(staff, user.id)
        if not team:
            continue
        text = await manager_digest(app, cfg, user, team, local)
        sent += len(
            await claim_and_push(
                app, user, [Notice(key, "digest", user.id, local_date=local.date())], lambda _items, t=text: Reply(t)
            )
        )
    return sent


async def manager_digest(
    app: "Runtime", cfg: SchedulerConfig, manager: StaffUser, team: list[StaffUser], local: datetime
) -> str:
    today = local.date()
    start = datetime.combine(today, datetime.min.time(), local.tzinfo)
    end = start + timedelta(days=1)
    ids = [u.id for u in team]
    names = {u.id: u.name for u in team}
    async with app.db.session() as s:
        visits = dict(
            (
                await s.execute(
                    select(Visit.owner_id, func.count())
                    .where(Visit.owner_id.in_(ids), Visit.visit_date == today, Visit.status == "held")
                    .group_by(Visit.owner_id)
                )
            ).all()
        )
        done = dict(
            (
                await s.execute(
                    select(Task.owner_id, func.count())
                    .where(Task.owner_id.in_(ids), Task.completed_at >= start, Task.completed_at < end)
                    .group_by(Task.owner_id)
                )
            ).all()
        )
        touches = dict(
            (
                await s.execute(
                    select(Interaction.staff_id, func.count())
                    .where(
                        Interaction.staff_id.in_(ids),
                        Interaction.occurred_at >= start,
                        Interaction.occurred_at < end,
                        Interaction.kind != "nudge",
                    )
                    .group_by(Interaction.staff_id)
                )
            ).all()
        )
        overdue = dict(
            (
                await s.execute(
                    select(Task.owner_id, func.count())
                    .where(Task.owner_id.in_(ids), Task.status == "open", Task.due_date < today, CUSTOMER_WORK)
                    .group_by(Task.owner_id)
                )
            ).all()
        )
        changed = (
            await s.execute(
                select(
                    Opportunity.name,
                    Opportunity.stage,
                    Opportunity.amount,
                    Opportunity.owner_id,
                    Opportunity.created_at,
                )
                .where(
                    Opportunity.owner_id.in_(ids),
                    Opportunity.updated_at >= start,
                    Opportunity.updated_at < end,
                    # a bulk import is not news; what people (or the agent) changed is
                    or_(Opportunity.created_source != "IMPORT", Opportunity.updated_source.is_not(None)),
                )
                .order_by(Opportunity.updated_at.desc())
            )
        ).all()
    lines = [f"📊 {manager.name}，{day_label(today)}团队日报："]
    activity = []
    for u in team:
        v, d, t = visits.get(u.id, 0), done.get(u.id, 0), touches.get(u.id, 0)
        if v or d or t:
            activity.append(f"· {u.name}：拜访 {v}，完成待办 {d}，客户互动 {t}")
    lines.append("今日动态：" if activity else "今日动态：团队今天还没有新的拜访或跟进记录。")
    lines += activity
    if changed:
        lines.append(f"商机变化（{len(changed)}）：")
        for name, stage, amount, owner_id, created_at in changed[:6]:
            new = "新建 · " if created_at >= start else ""
            money = f"，{amount / 10000:g} 万" if amount else ""
            lines.append(f"· {new}{name}：{STAGE_LABELS.get(stage, stage)}{money}（{names.get(owner_id, '')}）")
    approvals = await _approval_lines(app, manager)
    if approvals:
        lines.append("等你审批：")
        lines += approvals
    stalled = await stalled_deals(app, cfg, set(ids), today)
    if stalled:
        lines.append(f"停滞商机（{len(stalled)}）：")
        for opp, label, idle, _last, _threshold in stalled[:5]:
            lines.append(
                f"· {opp.name}（{names.get(opp.owner_id, '')}，{STAGE_LABELS.get(opp.stage, opp.stage)}）{idle} 天没动"
            )
    lines += await _playbook_lines(app, ids, start, end)
    late = [f"{names[i]} {n} 条" for i, n in overdue.items() if n]
    if late:
        lines.append("逾期待办：" + "，".join(late))
    lines += await _pipeline_lines(app, ids, today)
    return "\n".join(lines)


async def _approval_lines(app: "Runtime", manager: StaffUser) -> list[str]:
    """Approvals waiting for this manager (a line each); the digest goes out without them if they fail."""
    try:
        return list(await approvals.digest_lines(app, manager.id))
    except Exception:
        log.exception("approvals digest lines failed")
        return []


async def _playbook_lines(app: "Runtime", ids: list[int], start: datetime, end: datetime) -> list[str]:
    """Deals moved forward today without their key questions answered; the digest goes out without them if
    this fails."""
    try:
        return await playbook.digest_lines(app, ids, start, end)
    except Exception:
        log.exception("playbook digest lines failed")
    return []


async def _pipeline_lines(app: "Runtime", member_ids: list[int], today: date) -> list[str]:
    """The weekly forecast and the monthly win/loss (tools/pipeline); the digest goes out without them if they fail."""
    try:
        return list(await pipeline.digest_lines(app, member_ids, today))
    except Exception:
        log.exception("pipeline digest lines failed")
        return []


# --- other capabilities' clocks, and the model refresh ------------------------------------------------


async def run_approvals(app: "Runtime") -> int:
    return await approvals.remind_and_escalate_overdue(app)


async def run_autofill(app: "Runtime") -> int:
    return await autofill.expire_and_remind(app)


async def run_contact_model(app: "Runtime") -> int:
    tables = await contact_times.refresh_model(app)
    return tables.interactions
