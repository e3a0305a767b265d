"""Win/loss analysis: closed deals of a period by reason, competitor, rep, team, industry, deal size and the
stage reached; and the biggest changes against the previous period, each with its numbers.

A change is worth a manager's attention when a group has enough deals in both periods (MIN_DEALS) to not be
noise; changes are ranked by how many percentage points the share moved (win rate for groups of deals, share
of losses for a loss reason).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from bot.models import STAGE_LABELS, Account, Opportunity, StaffUser

MIN_DEALS = 3
SIZE_BUCKETS = [(100_000, "10万以下"), (500_000, "10–50万"), (1_000_000, "50–100万"), (float("inf"), "100万以上")]
DIMENSIONS = {
    "reason": "输单原因",
    "competitor": "竞争对手",
    "rep": "销售",
    "team": "团队",
    "industry": "行业",
    "size": "金额档",
    "stage": "关单前阶段",
}


class Closed(NamedTuple):
    won: bool
    amount: float
    reason: str | None
    competitor: str | None
    rep: str
    team: str
    industry: str
    stage_reached: str | None
    closed_on: date


def size_bucket(amount: float) -> str:
    for limit, label in SIZE_BUCKETS:
        if amount < limit:
            return label
    return SIZE_BUCKETS[-1][1]


def key_of(row: Closed, dimension: str) -> str | None:
    if dimension == "reason":
        return (row.reason or "未填") if not row.won else None
    if dimension == "competitor":
        return row.competitor
    if dimension == "size":
        return size_bucket(row.amount)
    if dimension == "stage":
        return STAGE_LABELS.get(row.stage_reached or "", "未知")
    return getattr(row, dimension) or "未填"


async def closed_deals(app, start: date, end: date, owner_ids: list[int] | None = None) -> list[Closed]:
    q = (
        select(
            Opportunity.stage,
            Opportunity.amount,
            Opportunity.close_reason,
            Opportunity.close_competitor,
            StaffUser.name,
            StaffUser.team,
            Account.industry,
            Opportunity.stage_reached,
            Opportunity.closed_on,
        )
        .join(Account, Account.id == Opportunity.account_id)
        .join(StaffUser, StaffUser.id == Opportunity.owner_id, isouter=True)
        .where(
            Opportunity.stage.in_(["closed_won", "closed_lost"]),
            Opportunity.closed_on >= start,
            Opportunity.closed_on <= end,
        )
    )
    if owner_ids is not None:
        q = q.where(Opportunity.owner_id.in_(owner_ids))
    async with app.db.session() as s:
        rows = (await s.execute(q)).all()
    return [
        Closed(
            stage == "closed_won", float(amount or 0), reason, comp, rep or "-", team or "未分组", ind or "未填", sr, on
        )
        for stage, amount, reason, comp, rep, team, ind, sr, on in rows
    ]


@dataclass
class Group:
    label: str
    won: int = 0
    lost: int = 0
    won_amount: float = 0.0
    lost_amount: float = 0.0

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float:
        return self.won / self.closed if self.closed else 0.0


def breakdown(rows: list[Closed], dimension: str) -> list[Group]:
    """Groups of one dimension, the biggest first. Loss reasons count losses only."""
    groups: dict[str, Group] = {}
    for row in rows:
        key = key_of(row, dimension)
        if key is None:
            continue
        g = groups.setdefault(key, Group(key))
        if row.won:
            g.won += 1
            g.won_amount += row.amount
        else:
            g.lost += 1
            g.lost_amount += row.amount
    if dimension == "size":
        order = {label: i for i, (_l, label) in enumerate(SIZE_BUCKETS)}
        return sorted(groups.values(), key=lambda g: order.get(g.label, 99))
    return sorted(groups.values(), key=lambda g: (-g.closed, g.label))


@dataclass
class Summary:
    won: int
    lost: int
    won_amount: float

    @property
    def win_rate(self) -> float:
        return self.won / (self.won + self.lost) if self.won + self.lost else 0.0


def summary(rows: list[Closed]) -> Summary:
    won = [r for r in rows if r.won]
    return Summary(len(won), len(rows) - len(won), sum(r.amount for r in won))


@dataclass
class Change:
    dimension: str
    label: str
    now: float  # share 0..1
    before: float
    now_n: tuple[int, int]  # (part, whole) behind the share
    before_n: tuple[int, int]

    @property
    def points(self) -> float:
        return (self.now - self.before) * 100

    def text(self) -> str:
        pct = lambda v: f"{v * 100:.0f}%"  # noqa: E731
        sign = "升" if self.points > 0 else "降"
        if self.dimension == "reason":
            what = f"输单原因「{self.label}」占比"
            detail = f"{self.now_n[0]}/{self.now_n[1]} 单输单，上期 {self.before_n[0]}/{self.before_n[1]}"
        else:
            dim = DIMENSIONS[self.dimension]
            what = f"{dim}「{self.label}」赢率" if self.dimension != "competitor" else f"对「{self.label}」赢率"
            detail = f"{self.now_n[1]} 单赢 {self.now_n[0]}，上期 {self.before_n[1]} 单赢 {self.before_n[0]}"
        return f"{what} {pct(self.before)} → {pct(self.now)}（{sign} {abs(self.points):.0f} 个点；{detail}）"


def _shares(rows: list[Closed], dimension: str) -> dict[str, tuple[int, int]]:
    if dimension == "reason":
        losses = [r for r in rows if not r.won]
        counts: dict[str, int] = defaultdict(int)
        for r in losses:
            counts[r.reason or "未填"] += 1
        return {k: (v, len(losses)) for k, v in counts.items()}
    return {g.label: (g.won, g.closed) for g in breakdown(rows, dimension)}


def biggest_changes(now: list[Closed], before: list[Closed], top: int = 3) -> list[Change]:
    changes: list[Change] = []
    for dimension in DIMENSIONS:
        a, b = _shares(now, dimension), _shares(before, dimension)
        for label in set(a) | set(b):
            na, nb = a.get(label, (0, 0)), b.get(label, (0, 0))
            if na[1] < MIN_DEALS or nb[1] < MIN_DEALS:
                continue
            share_a = na[0] / na[1] if na[1] else 0.0
            share_b = nb[0] / nb[1] if nb[1] else 0.0
            if abs(share_a - share_b) < 0.05:
                continue
            changes.append(Change(dimension, label, share_a, share_b, na, nb))
    changes.sort(key=lambda c: -abs(c.points))
    return changes[:top]
