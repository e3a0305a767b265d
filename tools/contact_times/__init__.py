"""Best time to contact: who to contact today, when a contact is most likely to answer, and why.

The model (scheduler/best_time.py) learns an hour-of-week answer propensity per contact from the CRM's
interactions, smoothed toward similar contacts (industry, region, title band) and the whole book. The
book-wide priors are refreshed nightly by the scheduler and kept in app.kv; a contact's own evidence
is read fresh on every question, so today's reply already counts.

Every recommendation explains itself from the evidence about its own slot ("李总过去 8 次回复中 3 次在
周二上午 10–11 点"), or says it comes from similar contacts' habit when that evidence is thin, and is
placed inside the rep's working hours on Chinese workdays. Nudges pushed by the scheduler carry buttons; what the rep reports back is written as an Interaction, which feeds the model.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update

from bot.arg_types import ACCOUNT_ALIASES_BESIDE_A_PERSON, AccountName, DatePhrase
from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolError, ToolOutput
from bot.identity import actor_for
from bot.messages import Card, CardAction, CardButton, Reply, Role
from bot.models import STAGE_LABELS, Account, Contact, Interaction, Opportunity, StaffUser, Task, utcnow
from bot.schedule_config import SchedulerConfig
from bot.worktime import hm, work_slots
from bot.zh_parse import find_dates, is_workday, resolve_date
from bot.zh_parse.dates import WEEKDAYS, day_label
from tools.contact_times.best_time import Evidence, ModelParams, fit_priors, score
from tools.customers import account_scope, team_member_ids

router = Router("contact_times")

log = logging.getLogger(__name__)

PRIORS_KEY = "contact_times:priors"
SEGMENT_KINDS = ("industry", "region", "title")
SEGMENT_LABELS = {"industry": "行业", "region": "地区", "title": "职位"}
STAGE_WEIGHT = {"negotiation": 1.0, "proposal": 0.9, "needs_analysis": 0.75, "qualification": 0.6, "prospecting": 0.5}
ROLE_BONUS = {"economic_buyer": 0.2, "champion": 0.15}
PARAMS = ModelParams()


# --- evidence --------------------------------------------------------------------------------------


def title_band(title: str | None) -> str:
    t = title or ""
    if re.search(r"总|董事|CEO|CIO|CTO|VP|总裁", t, re.I):
        return "高管"
    if "采购" in t:
        return "采购"
    if re.search(r"技术|IT|信息|工程", t, re.I):
        return "技术"
    if re.search(r"经理|主管|主任|负责人", t):
        return "经理"
    return "其他"


def honorific(name: str, title: str | None) -> str:
    """李伟 + 总经理 → 李总; + 采购经理 → 李经理; otherwise the full name."""
    t = title or ""
    if not name:
        return "这位客户"
    if "总" in t:
        return name[0] + "总"
    for word in ("经理", "主任", "主管", "老师"):
        if word in t:
            return name[0] + word
    return name


def interaction_weights(direction: str, kind: str, answered: bool | None) -> tuple[float, float]:
    """(positive, negative) evidence of one interaction; nudges themselves are not evidence."""
    if kind == "nudge":
        return 0.0, 0.0
    scale = 0.5 if kind == "visit" else 1.0  # a visit is arranged, not a spontaneous answer
    if direction == "inbound" or answered is True:
        return scale, 0.0
    if answered is False:
        return 0.0, scale
    return 0.0, 0.0


def bin_of(at: datetime, tz: ZoneInfo) -> int:
    local = at.astimezone(tz)
    return local.weekday() * 24 + local.hour


@dataclass
class ContactInfo:
    id: int
    name: str
    title: str | None
    deal_role: str | None
    account_id: int | None
    account_name: str
    short_name: str | None
    industry: str | None
    region: str | None
    owner_id: int | None

    @property
    def label(self) -> str:
        return honorific(self.name, self.title)

    @property
    def account_label(self) -> str:
        return self.short_name or self.account_name

    def segment(self, kind: str) -> str:
        if kind == "industry":
            return self.industry or "未知"
        if kind == "region":
            return self.region or "未知"
        return title_band(self.title)


async def load_contacts(app, where=None) -> list[ContactInfo]:
    q = select(
        Contact.id,
        Contact.name,
        Contact.title,
        Contact.deal_role,
        Contact.account_id,
        Account.name,
        Account.short_name,
        Account.industry,
        Account.region,
        Account.owner_id,
    ).join(Account, Contact.account_id == Account.id, isouter=True)
    if where is not None:
        q = q.where(where)
    async with app.db.session() as s:
        rows = (await s.execute(q.order_by(Contact.id))).all()
    return [ContactInfo(*r[:5], r[5] or "", *r[6:]) for r in rows]


async def load_events(app, contact_ids: list[int] | None) -> list[tuple[int, datetime, str, str, bool | None]]:
    q = select(
        Interaction.contact_id, Interaction.occurred_at, Interaction.direction, Interaction.kind, Interaction.answered
    ).where(Interaction.contact_id.is_not(None), Interaction.kind != "nudge")
    if contact_ids is not None:
        q = q.where(Interaction.contact_id.in_(contact_ids))
    async with app.db.session() as s:
        return [tuple(r) for r in (await s.execute(q.order_by(Interaction.occurred_at))).all()]


def evidence_arrays(events, index: dict[int, int], tz: ZoneInfo) -> Evidence:
    contact, bins, pos, neg = [], [], [], []
    for contact_id, at, direction, kind, answered in events:
        i = index.get(contact_id)
        if i is None:
            continue
        p, n = interaction_weights(direction, kind, answered)
        if not p and not n:
            continue
        contact.append(i)
        bins.append(bin_of(at, tz))
        pos.append(p)
        neg.append(n)
    return Evidence(
        np.asarray(contact, dtype=np.int32),
        np.asarray(bins, dtype=np.int16),
        np.asarray(pos, dtype=np.float32),
        np.asarray(neg, dtype=np.float32),
    )


# --- priors (whole book, refreshed by the scheduler) -------------------------------------------------


@dataclass
class PriorTables:
    book: np.ndarray
    segments: dict[str, dict[str, np.ndarray]]
    contacts: int = 0
    interactions: int = 0

    def for_contact(self, info: ContactInfo) -> np.ndarray:
        rows = [self.segments.get(kind, {}).get(info.segment(kind), self.book) for kind in SEGMENT_KINDS]
        return (sum(rows) / len(rows)).astype(np.float32)

    def to_json(self) -> str:
        return json.dumps(
            {
                "book": np.round(self.book, 6).tolist(),
                "contacts": self.contacts,
                "interactions": self.interactions,
                "segments": {
                    k: {name: np.round(v, 6).tolist() for name, v in table.items()}
                    for k, table in self.segments.items()
                },
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> "PriorTables":
        d = json.loads(text)
        return cls(
            np.asarray(d["book"], dtype=np.float32),
            {
                k: {name: np.asarray(v, dtype=np.float32) for name, v in table.items()}
                for k, table in d["segments"].items()
            },
            d.get("contacts", 0),
            d.get("interactions", 0),
        )


def book_tz(app) -> ZoneInfo:
    return ZoneInfo(app.settings.timezone)


async def refresh_model(app) -> PriorTables:
    """Fit the book-wide priors from every interaction and keep them in app.kv (the nightly job)."""
    contacts = await load_contacts(app)
    events = await load_events(app, None)
    index = {c.id: i for i, c in enumerate(contacts)}
    ev = evidence_arrays(events, index, book_tz(app))
    seg_ids, seg_names = [], []
    for kind in SEGMENT_KINDS:
        names = sorted({c.segment(kind) for c in contacts})
        lookup = {name: i for i, name in enumerate(names)}
        seg_ids.append(np.asarray([lookup[c.segment(kind)] for c in contacts], dtype=np.int32))
        seg_names.append(names)
    priors = fit_priors(len(contacts), ev, seg_ids, [len(n) for n in seg_names], PARAMS)
    tables = PriorTables(
        priors.book,
        {
            kind: {name: priors.segments[k][i] for i, name in enumerate(names)}
            for k, (kind, names) in enumerate(zip(SEGMENT_KINDS, seg_names))
        },
        len(contacts),
        len(ev.contact),
    )
    await app.kv.set(PRIORS_KEY, tables.to_json())
    _PRIOR_CACHE.pop(id(app), None)
    return tables


_PRIOR_CACHE: dict[int, tuple[str, PriorTables]] = {}


async def priors_for(app) -> PriorTables:
    raw = await app.kv.get(PRIORS_KEY)
    if raw is None:
        return await refresh_model(app)  # first use: a small book fits in well under a second
    cached = _PRIOR_CACHE.get(id(app))
    if cached is not None and cached[0] == raw[:64] + str(len(raw)):
        return cached[1]
    tables = PriorTables.from_json(raw)
    _PRIOR_CACHE[id(app)] = (raw[:64] + str(len(raw)), tables)
    return tables


# --- recommendations ---------------------------------------------------------------------------------


def _days_text(days: list[int]) -> str:
    return "、".join(f"周{WEEKDAYS[d]}" for d in sorted(days))


def _hours_text(first: int, last: int) -> str:
    if first < 12:
        part = "早上" if first < 9 else "上午"
    elif first < 13:
        part = "中午"
    elif first < 18:
        part = "下午"
    else:
        part = "晚上"
    a, b = (first, last + 1) if first <= 12 else (first - 12, last + 1 - 12)
    return f"{part} {a}–{b} 点"


# A slot is explained by the person's own replies only when they are enough to stand on: at least
# MIN_OWN_REPLIES replies in all (below that the segment prior, worth PARAMS.prior_strength = 3 replies,
# still carries well over a third of the score) and at least MIN_SLOT_REPLIES of them on the slot's own
# weekday and part of the day. "2 of 4" is a coincidence, not a habit; below either minimum the
# explanation says the slot comes from similar contacts' habit.
MIN_OWN_REPLIES = 5
MIN_SLOT_REPLIES = 3


def _day_part(hour: int) -> str:
    """The part of the day a reply counts in: 早上 (before 9), 上午, 中午 (12–13), 下午, 晚上 (from 18)."""
    return _hours_text(hour, hour).split(" ")[0]


def explain(
    label: str,
    positives: list[tuple[int, int]],
    slot_bin: int,
    prior: np.ndarray,
    segment: str,
    work_hours: set[int] | None = None,
) -> str:
    """Why this slot, in numbers about this very slot: how many of the contact's replies fell on its weekday
    and part of the day. Too few, and the slot comes from the habit of similar contacts, which is said so."""
    n = len(positives)
    day, hour = divmod(slot_bin, 24)
    part = _day_part(hour)
    in_slot = sorted(h for d, h in positives if d == day and _day_part(h) == part)
    if n >= MIN_OWN_REPLIES and len(in_slot) >= MIN_SLOT_REPLIES:
        return f"{label}过去 {n} 次回复中 {len(in_slot)} 次在周{WEEKDAYS[day]}{_hours_text(in_slot[0], in_slot[-1])}"
    if n == 0:
        lead = f"{label}还没有回复记录"
    elif n < MIN_OWN_REPLIES:
        lead = f"{label}的回复记录还少（{n} 次）"
    else:
        lead = f"{label}周{WEEKDAYS[day]}{part}的回复还少（{len(in_slot)} 次）"
    return f"{lead}，{_segment_habit(prior, day, hour, segment, work_hours)}"


def _segment_habit(prior: np.ndarray, day: int, hour: int, segment: str, work_hours: set[int] | None) -> str:
    """What similar contacts' habit says about this slot, claimed only as far as the prior bears it out."""
    hours = sorted(work_hours) if work_hours else list(range(24))
    if hour not in hours:
        hours = sorted({*hours, hour})
    on_day = prior.reshape(7, 24)[day]
    top = max(hours, key=lambda h: (on_day[h], -h))
    who = f"按同类客户（{segment}）的习惯"
    if top == hour:
        return f"{who}，周{WEEKDAYS[day]}{_hours_text(hour, hour)}回复最多"
    if _day_part(top) == _day_part(hour):
        return f"{who}，周{WEEKDAYS[day]}{_day_part(hour)}回复最多"
    return f"{who}推算，这个时段回复的可能性较大"


@dataclass
class Recommendation:
    contact: ContactInfo
    best_slot: datetime | None  # the best slot in the coming week (rep's local time)
    today_slot: datetime | None  # the best slot left today, if any
    today_ratio: float  # today's best score / the week's best score
    explanation: str  # why best_slot
    replies: int
    outside_hours_note: str = ""
    today_explanation: str = ""  # why today_slot
    week_scores: dict[datetime, float] = field(default_factory=dict, repr=False)


async def recommend(
    app, contacts: list[ContactInfo], now_local: datetime, cfg: SchedulerConfig, days: int = 8
) -> list[Recommendation]:
    """Recommendations for these contacts, placed in working hours of the rep whose local time is now_local."""
    if not contacts:
        return []
    tz = book_tz(app)
    priors = await priors_for(app)
    index = {c.id: i for i, c in enumerate(contacts)}
    events = await load_events(app, list(index))
    ev = evidence_arrays(events, index, tz)
    prior = np.stack([priors.for_contact(c) for c in contacts])
    scores = score(len(contacts), ev, prior, PARAMS)
    slots = work_slots(cfg, now_local, days)
    slot_bins = np.asarray([bin_of(s, tz) for s in slots], dtype=np.int64)
    work_hours = {int(b) % 24 for b in slot_bins}  # a segment's habit is compared within working hours
    positives: dict[int, list[tuple[int, int]]] = {}
    for i, b, p in zip(ev.contact.tolist(), ev.bin.tolist(), ev.positive.tolist()):
        if p > 0:
            positives.setdefault(i, []).append((b // 24, b % 24))
    out = []
    for i, c in enumerate(contacts):
        row = scores[i]
        segment = f"{c.segment('industry')}·{c.segment('title')}"
        if not slots:
            out.append(
                Recommendation(
                    c,
                    None,
                    None,
                    0.0,
                    explain(c.label, positives.get(i, []), int(row.argmax()), prior[i], segment),
                    len(positives.get(i, [])),
                )
            )
            continue
        slot_scores = row[slot_bins]
        best = int(slot_scores.argmax())  # argmax takes the earliest of equal scores
        today = [k for k, s in enumerate(slots) if s.date() == now_local.date()]
        today_best = max(today, key=lambda k: (slot_scores[k], -k)) if today else None
        ratio = (
            float(slot_scores[today_best] / slot_scores[best])
            if today_best is not None and slot_scores[best] > 0
            else 0.0
        )
        note = ""
        peak = int(row.argmax())
        if row[peak] > 1.5 * slot_scores[best] and not any(bin_of(s, tz) == peak for s in slots):
            note = f"（{c.label}最常在{_hours_text(peak % 24, peak % 24)}回复，不在你的工作时间里，这是工作时间内最合适的时段）"
        own = positives.get(i, [])
        week_why = explain(c.label, own, int(slot_bins[best]), prior[i], segment, work_hours)
        today_why = ""
        if today_best is not None:
            today_why = (
                week_why
                if slot_bins[today_best] == slot_bins[best]
                else explain(c.label, own, int(slot_bins[today_best]), prior[i], segment, work_hours)
            )
        out.append(
            Recommendation(
                c,
                slots[best],
                slots[today_best] if today_best is not None else None,
                ratio,
                week_why,
                len(own),
                note,
                today_why,
            )
        )
    return out


def slot_text(slot: datetime, now_local: datetime) -> str:
    if slot.date() == now_local.date():
        return f"今天 {hm(slot)}"
    if slot.date() == now_local.date() + timedelta(days=1):
        return f"明天 {hm(slot)}"
    return f"{day_label(slot.date())} {hm(slot)}"


# --- who to contact today ----------------------------------------------------------------------------


@dataclass
class Suggestion:
    rec: Recommendation
    priority: float
    reason: str


async def _staff_scope_where(app, user: StaffUser):
    actor = actor_for(user)
    if actor.role is Role.ADMIN:
        return None
    if actor.role is Role.MANAGER:
        ctx = ToolContext(app, actor, "scheduler")
        return Account.owner_id.in_(await team_member_ids(ctx, actor))
    return Account.owner_id == user.id


async def suggestions_for(
    app, user: StaffUser, now_local: datetime, cfg: SchedulerConfig, *, limit: int = 5, today_only: bool = True
) -> list[Suggestion]:
    """Contacts worth a touch today, best first: deal stage, tasks due, time since the last touch, and
    how good today's best slot is compared with their best slot of the week."""
    where = await _staff_scope_where(app, user)
    contacts = (await load_contacts(app, where))[:400]
    if not contacts:
        return []
    account_ids = sorted({c.account_id for c in contacts if c.account_id})
    today = now_local.date()
    async with app.db.session() as s:
        opps = (
            await s.execute(
                select(Opportunity.account_id, Opportunity.stage).where(
                    Opportunity.account_id.in_(account_ids), Opportunity.stage.notin_(["closed_won", "closed_lost"])
                )
            )
        ).all()
        tasks = (
            await s.execute(
                select(Task.account_id, func.min(Task.due_date))
                .where(Task.account_id.in_(account_ids), Task.status == "open", Task.due_date.is_not(None))
                .group_by(Task.account_id)
            )
        ).all()
        last = (
            await s.execute(
                select(Interaction.contact_id, func.max(Interaction.occurred_at))
                .where(Interaction.contact_id.in_([c.id for c in contacts]), Interaction.kind != "nudge")
                .group_by(Interaction.contact_id)
            )
        ).all()
    stage_of: dict[int, str] = {}
    for account_id, stage in opps:
        if STAGE_WEIGHT.get(stage, 0) > STAGE_WEIGHT.get(stage_of.get(account_id, ""), 0):
            stage_of[account_id] = stage
    task_due = dict(tasks)
    last_touch = {cid: at for cid, at in last}
    recs = await recommend(app, contacts, now_local, cfg)
    best_per_account: dict[int | None, Suggestion] = {}
    for rec in recs:
        c = rec.contact
        if today_only and rec.today_slot is None:
            continue
        touched = last_touch.get(c.id)
        days_since = (now_local - touched.astimezone(now_local.tzinfo)).days if touched else 60
        if days_since < 2:
            continue  # talked in the last two days: leave them be
        stage = stage_of.get(c.account_id)
        due = task_due.get(c.account_id)
        priority = STAGE_WEIGHT.get(stage, 0.15) + ROLE_BONUS.get(c.deal_role or "", 0)
        priority += 0.3 * min(days_since / 14, 1.0)
        reasons = []
        if stage:
            reasons.append(STAGE_LABELS[stage])
        if due is not None and due <= today + timedelta(days=3):
            priority += 0.4
            reasons.append("待办已逾期" if due < today else f"待办 {day_label(due)} 到期")
        reasons.append(f"{days_since} 天没联系" if touched else "还没联系过")
        priority *= 0.4 + 0.6 * rec.today_ratio
        sug = Suggestion(rec, priority, "，".join(reasons))
        kept = best_per_account.get(c.account_id)
        if kept is None or sug.priority > kept.priority:
            best_per_account[c.account_id] = sug
    ranked = sorted(best_per_account.values(), key=lambda s: (-s.priority, s.rec.contact.id))
    return ranked[:limit]


def suggestion_line(n: int, sug: Suggestion, now_local: datetime) -> str:
    rec = sug.rec
    slot = rec.today_slot or rec.best_slot
    when = hm(slot) if slot and slot.date() == now_local.date() else (slot_text(slot, now_local) if slot else "")
    why = rec.today_explanation if rec.today_slot is not None else rec.explanation
    return (
        f"{n}. {when} {rec.contact.account_label} · {rec.contact.label}（{sug.reason}）\n"
        f"   {why}{rec.outside_hours_note}"
    )


# --- tools and commands ------------------------------------------------------------------------------


def _config(app) -> SchedulerConfig:
    return SchedulerConfig.from_settings(app.settings)


async def _staff_user(ctx: ToolContext) -> StaffUser:
    async with ctx.db.session() as s:
        user = await s.get(StaffUser, ctx.actor.staff_id)
    if user is None:
        raise ToolError("没找到你的账号信息，请联系管理员。")
    return user


class WhomToContactArgs(BaseModel):
    day: DatePhrase = Field(None, description="哪天：默认今天；可以是「明天」「周五」")


async def whom_to_contact(ctx: ToolContext, args: WhomToContactArgs) -> ToolOutput:
    cfg = _config(ctx.app)
    user = await _staff_user(ctx)
    now_local = ctx.app.clock.now(cfg.user_tz(user.timezone))
    label = "今天"
    if args.day and args.day.strip() not in ("今天", "今日"):
        day = resolve_date(args.day, now_local.date())
        if day is None:
            raise ToolError(f"「{args.day}」是哪天？换个说法，比如「明天」或「周五」。")
        if day < now_local.date():
            raise ToolError("那天已经过去了，问问今天或之后的安排吧。")
        if day > now_local.date():
            now_local = datetime.combine(day, cfg.work_hours[0], now_local.tzinfo)
            label = day_label(day)
    if not is_workday(now_local.date()):
        return ToolOutput(f"{label}不是工作日，好好休息～ 上班那天我再提醒你该联系谁。")
    suggestions = await suggestions_for(ctx.app, user, now_local, cfg)
    if not suggestions:
        end = cfg.work_hours[1]
        if now_local.time() >= end:
            return ToolOutput("今天的工作时间已经过了，明早的简报里我会列出该联系的客户。")
        return ToolOutput(f"{label}没有特别需要联系的客户。可以看看 /任务 里的待办。")
    lines = [f"{label}建议联系这 {len(suggestions)} 位（时间是他们最可能回复的时段）："]
    lines += [suggestion_line(i, s, now_local) for i, s in enumerate(suggestions, 1)]
    return ToolOutput(
        "\n".join(lines),
        data={
            "contact_ids": [s.rec.contact.id for s in suggestions],
            "slots": [s.rec.today_slot.isoformat() if s.rec.today_slot else None for s in suggestions],
        },
    )


@router.tool(
    "whom_to_contact", "今天（或某天）该联系哪些客户、几点联系最合适，并说明理由。", WhomToContactArgs, roles=STAFF
)
async def whom_to_contact_tool(ctx: ToolContext, args: WhomToContactArgs) -> ToolOutput:
    return await whom_to_contact(ctx, args)


class BestTimeArgs(BaseModel):
    contact: str = Field(description="客户联系人，按用户原话，如「张总」「李伟」")
    account_name: AccountName | None = Field(
        None, validation_alias=ACCOUNT_ALIASES_BESIDE_A_PERSON, description="联系人所在客户（可选），如「华东机械」"
    )


def _contact_matches(query: str, c: ContactInfo) -> bool:
    q = query.strip()
    return bool(q) and (q == c.name or q == c.label or c.name in q or (len(c.label) >= 2 and c.label in q))


async def best_time_for(ctx: ToolContext, args: BestTimeArgs) -> ToolOutput:
    query = re.sub(r"(什么时候|啥时候|几点).*$", "", args.contact or "").strip(" ？?的")
    if not query:
        raise ToolError("想问哪位客户？比如「张总什么时候联系最好」。")
    cfg = _config(ctx.app)
    user = await _staff_user(ctx)
    contacts = await load_contacts(ctx.app, await account_scope(ctx))
    matches = [c for c in contacts if _contact_matches(query, c)]
    if args.account_name:
        wanted = args.account_name.strip()
        matches = [
            c
            for c in matches
            if wanted in c.account_name or (c.short_name and c.short_name in wanted) or wanted in (c.short_name or "")
        ]
    if not matches:
        return ToolOutput(
            f"在你的客户里没找到「{query}」。可以带上公司名再问，比如「华东机械的李总什么时候联系最好」。"
        )
    now_local = ctx.app.clock.now(cfg.user_tz(user.timezone))
    recs = await recommend(ctx.app, matches[:5], now_local, cfg)
    lines = []
    if len(matches) > 1:
        lines.append(f"你的客户里有 {len(matches)} 位「{query}」：")
    for rec in recs:
        c = rec.contact
        who = f"{c.account_label} · {c.name}{f'（{c.title}）' if c.title else ''}"
        if rec.best_slot is None:
            lines.append(f"{who}：接下来几天没有可用的工作时段。{rec.explanation}。")
            continue
        lines.append(
            f"{who}：建议 {slot_text(rec.best_slot, now_local)} 联系。{rec.explanation}。{rec.outside_hours_note}"
        )
    if len(matches) > 5:
        lines.append("……带上公司名可以问得更准。")
    return ToolOutput(
        "\n".join(lines),
        data={
            "contact_ids": [r.contact.id for r in recs],
            "slots": [r.best_slot.isoformat() if r.best_slot else None for r in recs],
        },
    )


@router.tool(
    "best_time_to_contact", "某位客户联系人什么时候联系最容易得到回复，并说明依据。", BestTimeArgs, roles=STAFF
)
async def best_time_tool(ctx: ToolContext, args: BestTimeArgs) -> ToolOutput:
    return await best_time_for(ctx, args)


@router.command("联系谁", "/联系谁 [明天]", "今天该联系哪些客户、几点联系", roles=STAFF, aliases=("今天联系谁",))
async def whom_command(ctx: ToolContext, arg: str) -> ToolOutput:
    return await whom_to_contact(ctx, WhomToContactArgs(day=arg or None))


@router.command("最佳时间", "/最佳时间 张总 [华东机械]", "某位客户什么时候联系最好", roles=STAFF, aliases=("何时联系",))
async def best_time_command(ctx: ToolContext, arg: str) -> ToolOutput:
    parts = arg.split()
    if not parts:
        raise ToolError("用法：/最佳时间 张总（可以加公司名：/最佳时间 李总 华东机械）")
    return await best_time_for(ctx, BestTimeArgs(contact=parts[0], account_name=parts[1] if len(parts) > 1 else None))


# --- asked in plain words, without an LLM --------------------------------------------------------------

_WHOM = re.compile(r"联系(谁|哪些|哪几|哪位)|(找|约|打给)谁")
_WHEN_BEST = re.compile(r"(什么时候|啥时候|几点|哪个时间|什么时间)(联系|打电话|找|约)?[^，。]*(最好|合适|方便|容易)")


@router.offline_intent(15)
async def whom_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「我今天该联系谁？」「明天联系谁」: the same list as /联系谁 (the stalled-deal push suggests it)."""
    if not _WHOM.search(text):
        return None
    days = [d for d in find_dates(text, ctx.today()) if d.kind != "time"]
    return await whom_to_contact(ctx, WhomToContactArgs(day=days[0].text if days else None))


@router.offline_intent(16)
async def best_time_from_text(ctx: ToolContext, text: str) -> ToolOutput | None:
    """「华东机械的李总什么时候联系最好」: the same answer as /最佳时间."""
    m = _WHEN_BEST.search(text)
    if not m:
        return None
    who = text[: m.start()].strip(" ，,。？?")
    account_name = None
    if "的" in who:
        account_name, who = who.rsplit("的", 1)
    who = re.sub(r"^(请问|想问一下|问一下|我)", "", who).strip()
    if not who:
        return None
    return await best_time_for(ctx, BestTimeArgs(contact=who, account_name=account_name or None))


# --- nudges: the card and what the rep did ------------------------------------------------------------

NUDGE_OUTCOMES = {
    "answered": ("已联系，有回复", True),
    "no_answer": ("已联系，没回复", False),
    "skip": ("今天不联系", None),
}


def nudge_note(staff_id: int, contact_id: int, day: date) -> str:
    return f"nudge:{staff_id}:{contact_id}:{day.isoformat()}"


def nudge_card(
    staff_id: int, rec_label: str, account_label: str, slot: datetime, explanation: str, contact_id: int, day: date
) -> Card:
    return Card(
        card_id=f"nudge-{staff_id}-{contact_id}-{day.strftime('%Y%m%d')}",
        title=f"{hm(slot)} 前后联系{rec_label}",
        body=f"{account_label} · {rec_label}：{explanation}。联系完点一下结果，我会据此调整推荐。",
        buttons=[
            CardButton(key, label, "primary" if key == "answered" else "default")
            for key, (label, _) in NUDGE_OUTCOMES.items()
        ],
    )


@router.card("nudge")
async def nudge_pressed(ctx: ToolContext, action: CardAction) -> list[Reply]:
    m = re.fullmatch(r"nudge-(\d+)-(\d+)-(\d{8})", action.card_id)
    if not m or action.action not in NUDGE_OUTCOMES:
        return [Reply("这张提醒卡片已经失效了。")]
    staff_id, contact_id = int(m.group(1)), int(m.group(2))
    day = datetime.strptime(m.group(3), "%Y%m%d").date()
    if ctx.actor.staff_id != staff_id:
        return [Reply("这条提醒是发给别的同事的。")]
    label, answered = NUDGE_OUTCOMES[action.action]
    note = nudge_note(staff_id, contact_id, day)
    async with ctx.db.write() as s:
        nudge = (
            (await s.execute(select(Interaction).where(Interaction.note == note, Interaction.kind == "nudge")))
            .scalars()
            .first()
        )
        if nudge is None:
            return [Reply("没找到这条提醒的记录。")]
        if nudge.updated_source is not None:  # already answered (a second press, a redelivered callback)
            return [Reply("这条提醒已经记录过结果了。")]
        await s.execute(
            update(Interaction)
            .where(Interaction.id == nudge.id)
            .values(answered=answered, updated_at=utcnow(), updated_by_id=staff_id, updated_source=ctx.source.value)
        )
        if answered is not None:
            # the rep's contact attempt is evidence at the hour it happened: this is what feeds the model
            s.add(
                Interaction(
                    contact_id=contact_id,
                    account_id=nudge.account_id,
                    staff_id=staff_id,
                    occurred_at=ctx.app.clock.now(),
                    channel="phone",
                    direction="outbound",
                    kind="call",
                    answered=answered,
                    note=f"after {note}",
                    **ctx.provenance(),
                )
            )
        s.add(ctx.audit("nudge.outcome", "interaction", nudge.id, outcome=action.action))
    thanks = {
        "answered": "👍 记下了，有回复。",
        "no_answer": "记下了，这个时段我会少推荐一些。",
        "skip": "好，今天先不联系。",
    }
    return [
        Reply(card=Card(action.card_id, "已记录", "", status=f"已记录：{label}"), card_update=True),
        Reply(thanks[action.action]),
    ]


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
