"""Data health: how complete the fields the forecast and the alerts depend on are, per rep and team;
duplicate customers/contacts; stale deals.

Checked fields: on each open opportunity its amount, close date, stage and next step; on each customer its
industry; on each contact a phone. A rep's completeness is filled checks / all checks over the records
they own (contacts through the customer's owner).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timezone

from sqlalchemy import func, select

from bot.models import STAGES, Account, Contact, Opportunity, StaffUser
from tools.customers import core_name
from tools.kpi.metrics import OPEN_STAGES
from tools.kpi.rules import HEALTH_FIELDS

# the order a rep is asked to fix things: what the forecast needs first
FIELD_ORDER = ["amount", "close_date", "stage", "next_step", "phone", "industry"]
SHORT_LABELS = {
    "amount": "金额",
    "close_date": "预计成交日期",
    "stage": "阶段",
    "next_step": "下一步",
    "phone": "电话",
    "industry": "行业",
}
RECORD_WORD = {"phone": "联系人", "industry": "客户"}


@dataclass(frozen=True)
class Gap:
    record_type: str  # opportunity | contact | account
    record_id: int
    field: str
    title: str  # 「华东机械 · 二期扩容」

    @property
    def label(self) -> str:
        return HEALTH_FIELDS[self.field]


@dataclass
class RepHealth:
    user: StaffUser
    filled: int = 0
    total: int = 0
    gaps: list[Gap] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (kind, description)
    stale: list[str] = field(default_factory=list)

    @property
    def completeness(self) -> int:
        return round(100 * self.filled / self.total) if self.total else 100

    def missing_by_field(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for gap in self.gaps:
            counts[gap.field] += 1
        return dict(counts)

    def summary(self) -> str:
        """「缺 3 个商机的金额、1 个客户的行业」"""
        parts = []
        for f, n in sorted(self.missing_by_field().items(), key=lambda kv: FIELD_ORDER.index(kv[0])):
            parts.append(f"{n} 个{RECORD_WORD.get(f, '商机')}的{SHORT_LABELS[f]}")
        return "缺 " + "、".join(parts) if parts else "资料齐全"


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == 0


async def health_for(db, reps: list[StaffUser], today: date, stale_days: int = 60) -> dict[int, RepHealth]:
    ids = [u.id for u in reps]
    out = {u.id: RepHealth(u) for u in reps}
    if not ids:
        return out
    async with db.session() as s:
        accounts = (await s.execute(select(Account).where(Account.owner_id.in_(ids)))).scalars().all()
        labels = {a.id: a.short_name or a.name for a in accounts}
        opps = (
            (
                await s.execute(
                    select(Opportunity).where(Opportunity.owner_id.in_(ids), Opportunity.stage.in_(OPEN_STAGES))
                )
            )
            .scalars()
            .all()
        )
        contacts = (
            (await s.execute(select(Contact).where(Contact.account_id.in_([a.id for a in accounts])))).scalars().all()
        )
        for account_id, label in (
            await s.execute(
                select(Account.id, func.coalesce(Account.short_name, Account.name)).where(
                    Account.id.in_({o.account_id for o in opps} - set(labels))
                )
            )
        ).all():
            labels[account_id] = label
    owner_of_account = {a.id: a.owner_id for a in accounts}
    for opp in sorted(opps, key=lambda o: o.id):
        h = out[opp.owner_id]
        title = f"{labels.get(opp.account_id, '')} · {opp.name}"
        for f in ("amount", "close_date", "stage", "next_step"):
            value = getattr(opp, f)
            ok = value in STAGES if f == "stage" else not _blank(value)
            h.total += 1
            if ok:
                h.filled += 1
            else:
                h.gaps.append(Gap("opportunity", opp.id, f, title))
        updated = opp.updated_at if opp.updated_at.tzinfo else opp.updated_at.replace(tzinfo=timezone.utc)
        if opp.close_date is not None and opp.close_date < today:
            h.stale.append(f"{title}：预计成交日期 {opp.close_date:%m-%d} 已过，阶段还是进行中")
        elif (today - updated.date()).days >= stale_days:
            h.stale.append(f"{title}：{(today - updated.date()).days} 天没有更新")
    for contact in sorted(contacts, key=lambda c: c.id):
        owner = owner_of_account.get(contact.account_id)
        if owner not in out:
            continue
        h = out[owner]
        h.total += 1
        if _blank(contact.phone):
            h.gaps.append(Gap("contact", contact.id, "phone", f"{labels.get(contact.account_id, '')} · {contact.name}"))
        else:
            h.filled += 1
    for account in sorted(accounts, key=lambda a: a.id):
        h = out[account.owner_id]
        h.total += 1
        if _blank(account.industry):
            h.gaps.append(Gap("account", account.id, "industry", labels[account.id]))
        else:
            h.filled += 1
    _duplicates(out, accounts, contacts, owner_of_account)
    for h in out.values():
        h.gaps.sort(key=lambda g: (FIELD_ORDER.index(g.field), g.record_id))
    return out


def _duplicates(out: dict[int, RepHealth], accounts, contacts, owner_of_account) -> None:
    by_core: dict[str, list[Account]] = defaultdict(list)
    for a in accounts:
        by_core[core_name(a.name)].append(a)
    for group in by_core.values():
        if len(group) > 1:
            names = "、".join(a.name for a in group)
            for owner in {a.owner_id for a in group}:
                out[owner].duplicates.append(("客户", f"疑似重复的客户：{names}"))
    by_phone: dict[tuple, list[Contact]] = defaultdict(list)
    for c in contacts:
        if c.phone and c.phone.strip():
            by_phone[(c.account_id, "".join(ch for ch in c.phone if ch.isdigit()))].append(c)
        by_phone[(c.account_id, "name:" + c.name.strip())].append(c)
    seen: set[frozenset] = set()
    for group in by_phone.values():
        ids = frozenset(c.id for c in group)
        if len(group) > 1 and ids not in seen:
            seen.add(ids)
            owner = owner_of_account.get(group[0].account_id)
            if owner in out:
                out[owner].duplicates.append(("联系人", "疑似重复的联系人：" + "、".join(c.name for c in group)))


def team_totals(health: dict[int, RepHealth]) -> dict[str, tuple[int, int]]:
    """team name → (filled, total)"""
    teams: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for h in health.values():
        t = teams[h.user.team or "未分组"]
        t[0] += h.filled
        t[1] += h.total
    return {k: (v[0], v[1]) for k, v in teams.items()}
