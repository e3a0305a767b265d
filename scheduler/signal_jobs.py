"""The signals job: scan what was written since the last run, propose next steps on strong deal signals, alert
managers about surges. Each push is claimed in the notice ledger (scheduler/notify.py) with a key per deal, kind
and week (next steps) or per manager, kind and week (surges), so a rerun, a second process or a restart sends
nothing twice. Pushes wait for working time (workday, outside quiet hours)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from bot.messages import Reply
from bot.schedule_config import config_for
from bot.worktime import is_ping_time
from scheduler.jobs import active_staff, local_now
from scheduler.models import ScheduledNotice
from scheduler.notify import Notice, claim_and_push
from tools import signals

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime


async def _claimed(app: "Runtime", key: str) -> bool:
    async with app.db.session() as s:
        return (await s.execute(select(ScheduledNotice.id).where(ScheduledNotice.key == key))).first() is not None


async def run_signals(app: "Runtime") -> int:
    await signals.scan(app)
    cfg = config_for(app)
    staff = await active_staff(app)
    sent = 0
    for cand in await signals.step_candidates(app):
        user = staff.get(cand.signal.staff_id)
        if user is None or user.role == "admin" or not is_ping_time(cfg, local_now(app, cfg, user)):
            continue
        if await _claimed(app, cand.key):
            continue
        reply = await signals.open_step_proposal(app, user, cand)
        if reply is None:
            continue
        notice = Notice(cand.key, "signal_step", user.id, "opportunity", cand.signal.opportunity_id)
        sent += len(await claim_and_push(app, user, [notice], lambda _items, r=reply: r))
    for manager, surge in await signals.alert_surges(app):
        if not is_ping_time(cfg, local_now(app, cfg, manager)) or await _claimed(app, surge.key):
            continue
        text = await signals.surge_text(app, manager, surge)
        notice = Notice(surge.key, "signal_surge", manager.id, detail={"count": surge.count, "average": surge.average})
        sent += len(await claim_and_push(app, manager, [notice], lambda _items, t=text: Reply(t)))
    return sent
