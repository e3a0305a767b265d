"""Setting targets: one at a time (console form) or a whole table (CSV / Excel import, all rows or none)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from bot.models import StaffUser, utcnow
from tools.kpi.metrics import parse_period
from tools.kpi.models import SalesTarget

MAX_TARGET = 1e11  # yuan
HEADERS = {
    "rep": {"销售", "用户名", "姓名", "员工", "rep", "username", "user"},
    "team": {"团队", "小组", "部门", "team"},
    "period": {"期间", "月份", "季度", "周期", "period", "month"},
    "amount": {"目标", "目标金额", "目标（元）", "目标(元)", "金额", "amount", "target"},
}


class TargetError(ValueError):
    """A target cannot be set as given (Chinese message)."""


def parse_target_amount(value: Any) -> float:
    if value is None or str(value).strip() == "":
        raise TargetError("目标金额没填")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = float(value)
    else:
        text = re.sub(r"[,，\s元¥￥]", "", str(value))
        factor = 1.0
        if text.endswith("万"):
            text, factor = text[:-1], 1e4
        elif text.endswith("亿"):
            text, factor = text[:-1], 1e8
        try:
            amount = float(text) * factor
        except ValueError:
            raise TargetError(f"目标金额「{value}」不是数字（可以写 1000000 或 100万）") from None
    if not math.isfinite(amount) or amount <= 0 or amount > MAX_TARGET:
        raise TargetError(f"目标金额「{value}」要大于 0，且不超过 1000 亿")
    return amount


@dataclass
class TargetRow:
    scope: str
    scope_key: str
    period: str
    amount: float
    label: str  # 张伟 / 华东组


async def resolve_scope(db, rep: str, team: str) -> tuple[str, str, str]:
    """(scope, key, label) for a rep (username or name) or a team name; TargetError when unknown/ambiguous."""
    rep, team = (rep or "").strip(), (team or "").strip()
    if bool(rep) == bool(team):
        raise TargetError("销售和团队要填且只填一个（给个人定目标填销售，给团队定目标填团队）")
    async with db.session() as s:
        if rep:
            users = (
                (
                    await s.execute(
                        select(StaffUser).where(
                            ((StaffUser.username == rep) | (StaffUser.name == rep)), StaffUser.active.is_(True)
                        )
                    )
                )
                .scalars()
                .all()
            )
            if not users:
                raise TargetError(f"没有叫「{rep}」的在职销售")
            if len(users) > 1:
                raise TargetError(f"叫「{rep}」的有 {len(users)} 位，请写用户名")
            return "rep", users[0].username, users[0].name
        teams = set((await s.execute(select(StaffUser.team).where(StaffUser.team.is_not(None)))).scalars())
    if team not in teams:
        raise TargetError(f"没有「{team}」这个团队（现有：{'、'.join(sorted(teams)) or '无'}）")
    return "team", team, team


async def check_row(db, rep: str, team: str, period: str, amount: Any) -> TargetRow:
    scope, key, label = await resolve_scope(db, rep, team)
    try:
        p = parse_period(period)
    except ValueError as exc:
        raise TargetError(str(exc)) from None
    return TargetRow(scope, key, p.key, parse_target_amount(amount), label)


async def save_targets(db, rows: list[TargetRow], by: str) -> int:
    """Insert or replace each (scope, key, period) target in one transaction."""
    async with db.write() as s:
        for row in rows:
            existing = (
                (
                    await s.execute(
                        select(SalesTarget).where(
                            SalesTarget.scope == row.scope,
                            SalesTarget.scope_key == row.scope_key,
                            SalesTarget.period == row.period,
                        )
                    )
                )
                .scalars()
                .first()
            )
            if existing is None:
                s.add(
                    SalesTarget(
                        scope=row.scope, scope_key=row.scope_key, period=row.period, amount=row.amount, created_by=by
                    )
                )
            else:
                existing.amount, existing.updated_at, existing.created_by = row.amount, utcnow(), by
                s.add(existing)
    return len(rows)


async def delete_target(db, target_id: int) -> bool:
    async with db.write() as s:
        return bool((await s.execute(delete(SalesTarget).where(SalesTarget.id == target_id))).rowcount)


async def list_targets(db, period: str | None = None) -> list[SalesTarget]:
    q = select(SalesTarget).order_by(SalesTarget.period.desc(), SalesTarget.scope.desc(), SalesTarget.scope_key)
    if period:
        q = q.where(SalesTarget.period == period)
    async with db.session() as s:
        return list((await s.execute(q)).scalars())


@dataclass
class ImportResult:
    rows: list[TargetRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _column(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, h in enumerate(headers):
        norm = re.sub(r"\s+", "", str(h or "")).lower().replace("*", "")
        for name, aliases in HEADERS.items():
            if norm in {a.lower() for a in aliases} and name not in found:
                found[name] = i
    return found


async def check_table(db, headers: list[str], rows: list[list[Any]]) -> ImportResult:
    """Every row checked; the caller writes only when there are no errors (a table goes in whole or not at all)."""
    cols = _column(headers)
    result = ImportResult()
    missing = [label for name, label in (("period", "期间"), ("amount", "目标金额")) if name not in cols]
    if "rep" not in cols and "team" not in cols:
        missing.insert(0, "销售或团队")
    if missing:
        result.errors.append(f"表头缺少：{'、'.join(missing)}（表头可以是：销售、团队、期间、目标金额）")
        return result
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(rows, start=2):

        def cell(name: str) -> Any:
            i = cols.get(name)
            value = raw[i] if i is not None and i < len(raw) else None
            if isinstance(value, float) and value.is_integer() and name != "amount":
                value = int(value)
            return "" if value is None else value

        try:
            row = await check_row(db, str(cell("rep")), str(cell("team")), str(cell("period")), cell("amount"))
        except TargetError as exc:
            result.errors.append(f"第 {number} 行：{exc}")
            continue
        key = (row.scope, row.scope_key, row.period)
        if key in seen:
            result.errors.append(f"第 {number} 行：和第 {seen[key]} 行重复（{row.label} {row.period}）")
            continue
        seen[key] = number
        result.rows.append(row)
    return result
