"""The pipeline's lines in the manager digest (scheduler/jobs.py calls `digest_lines`): the forecast on the
first workday of a week, win/loss of the month just ended on the first workday of a month, each with the three
biggest changes against the month before."""

from __future__ import annotations

from datetime import date, timedelta

from bot.zh_parse import is_workday
from tools.pipeline.analysis import biggest_changes, closed_deals, summary
from tools.pipeline.common import money_text
from tools.pipeline.forecast import Numbers, forecast_view, month_bounds


def first_workday_of_week(d: date) -> bool:
    monday = d - timedelta(days=d.weekday())
    return is_workday(d) and not any(is_workday(monday + timedelta(days=i)) for i in range(d.weekday()))


def first_workday_of_month(d: date) -> bool:
    return is_workday(d) and not any(is_workday(d.replace(day=i)) for i in range(1, d.day))


async def forecast_lines(app, member_ids: list[int], today: date) -> list[str]:
    lines = []
    for period, title in (("month", f"{today.month}月"), ("quarter", f"Q{(today.month - 1) // 3 + 1}")):
        view = await forecast_view(app, period, today, member_ids)
        t = view.total()
        lines.append(
            f"· {title}：已赢 {money_text(t.won)}，承诺 {money_text(t.commit)}，可能 {money_text(t.best_case)}，"
            f"加权 {money_text(t.weighted)}"
        )
        if period == "month":
            reps = sorted(view.by_owner.items(), key=lambda kv: -kv[1].weighted)
            parts = [f"{view.names.get(o, o)} {money_text(n.commit)}" for o, n in reps if n != Numbers()]
            if parts:
                lines.append("  本月承诺：" + "，".join(parts[:8]))
    return ["本周销售预测："] + lines


async def win_loss_lines(app, member_ids: list[int], today: date) -> list[str]:
    """The month before `today`'s month, against the month before that."""
    last_end = today.replace(day=1) - timedelta(days=1)
    last_start, _ = month_bounds(last_end)
    prev_end = last_start - timedelta(days=1)
    prev_start, _ = month_bounds(prev_end)
    now = await closed_deals(app, last_start, last_end, member_ids)
    before = await closed_deals(app, prev_start, prev_end, member_ids)
    if not now and not before:
        return []
    a, b = summary(now), summary(before)
    lines = [
        f"{last_start.month}月赢输单：赢 {a.won} 单（{money_text(a.won_amount)}），输 {a.lost} 单，赢率 "
        f"{a.win_rate * 100:.0f}%（{prev_start.month}月 {b.win_rate * 100:.0f}%，赢 {b.won} 输 {b.lost}）"
    ]
    changes = biggest_changes(now, before)
    if changes:
        lines.append("和上月比变化最大的三项：" if len(changes) == 3 else "和上月比变化最大的：")
        lines += [f"· {c.text()}" for c in changes]
    return lines


async def digest_lines(app, member_ids: list[int], today: date) -> list[str]:
    """What the manager digest adds today (nothing on most days)."""
    lines: list[str] = []
    if first_workday_of_week(today):
        lines += await forecast_lines(app, member_ids, today)
    if first_workday_of_month(today):
        lines += await win_loss_lines(app, member_ids, today)
    return lines
