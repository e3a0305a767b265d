"""Lead pages: the lead rules editor (scoring weights, SLA bands, routing rules) with a "what would this lead
score, and who gets it?" preview; the default weights beside the learned ones; time to first contact per rep
and team; the latest leads with their scores and reasons."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from pathlib import Path

from aiohttp import web
from sqlmodel import select

from bot.models import StaffUser
from bot.schedule_config import config_for
from salesbot.admin import audit
from salesbot.admin.pages import app_of, flash, managers_may_read, principal_of, redirect, render
from tools.leads import routing, sla
from tools.leads.handoff import SALES_REGIONS, lead_region, sales_region
from tools.leads.lead_rules import (
    FACTOR_LABELS,
    FACTORS,
    LEAD_RULES_FILE_NAME,
    SOURCES,
    LeadFacts,
    LeadRules,
    LeadRulesStore,
    RulesError,
    parse_lead_rules,
)
from tools.leads.models import Lead, LeadScore
from tools.leads.scoring import MIN_EACH_CLASS, LeadSignals, score

routes = web.RouteTableDef()


@dataclass
class SampleLead:
    name: str = "王总"
    company: str = "苏州恒远机械"
    region: str = ""
    industry: str = ""
    need: str = "300 人的销售团队，想要个报价"
    source: str = "web"
    messages: str = "3"


@dataclass
class LeadPreview:
    score: int
    band: str
    sql: bool
    reasons: list[tuple[int, str]]
    rep: str = ""
    why: str = ""
    notes: list[str] = field(default_factory=list)


def _sample(form) -> SampleLead:
    return SampleLead(**{k: str(form.get(k, "")).strip()[:200] for k in SampleLead.__dataclass_fields__})


async def preview(app, rules: LeadRules, sample: SampleLead) -> LeadPreview:
    """The score and the rep a lead like this would get under the edited rules; nothing is written."""
    if sample.source not in SOURCES:
        raise RulesError(f"来源只能是：{'、'.join(SOURCES)}")
    try:
        messages = int(sample.messages or 0)
    except ValueError:
        raise RulesError(f"聊天条数「{sample.messages[:12]}」要写整数") from None
    if not 0 <= messages <= 10000:
        raise RulesError("聊天条数要在 0～10000 之间")
    now = app.clock.now(timezone.utc)
    lead = Lead(
        conversation_key="",
        platform=sample.source,
        external_id="",
        name=sample.name or None,
        company=sample.company or None,
        region=sample.region or None,
        industry=sample.industry or None,
        need=sample.need or None,
    )
    region = lead_region(lead)
    signals = LeadSignals(
        industry=lead.industry,
        company=lead.company,
        name=lead.name,
        texts=[lead.need or ""],
        region_covered=region in SALES_REGIONS,
        messages=messages,
        last_activity=now,
    )
    learned = await sla.learned_weights(app.db, rules) if rules.scoring.mode != "default" else None
    scored = score(signals, rules, now, learned)
    result = LeadPreview(scored.score, sla.band_label(rules, scored.band), scored.sql, scored.reasons)
    result.notes.append("老客户（按公司名或电话匹配到 CRM）会先给客户负责人，这里不预览。")
    facts = LeadFacts(
        region=region, industry=scored.industry, source=sample.source, score=scored.score, size=scored.size
    )
    async with app.db.session() as s:
        found = await routing.route(
            s, lead, facts, rules, config_for(app), now, await routing.available_reps(s), region_of=sales_region
        )
    if found is None:
        result.notes.append("现在没有可以接单的销售。")
        return result
    result.rep = found.staff.name
    band = rules.band_for(scored.score)
    due, _act = sla.deadlines(now, band, app.settings, config_for(app).default_tz)
    label = {"rule": f"规则「{found.rule}」", "region": "按地区", "round_robin": "轮流分配"}[found.reason]
    result.why = f"{label}；响应时限 {sla.sla_minutes(band, app.settings)} 分钟（工作时间），现在分配的话 {due.astimezone(config_for(app).default_tz):%m-%d %H:%M} 前要联系"
    return result


async def weights_table(app, rules: LeadRules) -> tuple[list[tuple[str, str, int, int | None]], dict]:
    learned = await sla.learned_weights(app.db, rules)
    rows = await sla.training_rows(app.db)
    converted = sum(1 for _, y in rows if y)
    status = {
        "converted": converted,
        "lost": len(rows) - converted,
        "need": MIN_EACH_CLASS,
        "learned": learned is not None,
        "in_use": learned is not None
        and (rules.scoring.mode == "learned" or (rules.scoring.mode == "auto" and learned.beats_defaults)),
        "cv_auc": learned.cv_auc if learned else None,
        "default_auc": learned.default_auc if learned else None,
    }
    points = learned.points() if learned else {}
    return [(f, FACTOR_LABELS[f], rules.scoring.weight(f), points.get(f)) for f in FACTORS], status


async def recent_leads(app, limit: int = 20) -> list[tuple]:
    async with app.db.session() as s:
        return list(
            (
                await s.execute(
                    select(Lead, LeadScore, StaffUser.name)
                    .join(LeadScore, LeadScore.lead_id == Lead.id)
                    .join(StaffUser, StaffUser.id == Lead.assigned_staff_id, isouter=True)
                    .order_by(Lead.id.desc())
                    .limit(limit)
                )
            ).all()
        )


def store(app) -> LeadRulesStore:
    return LeadRulesStore(Path(app.settings.data_dir))


async def _page(request, text: str, *, error: str = "", result=None, sample=None, checked=False, status=200):
    app = app_of(request)
    try:
        rules = parse_lead_rules(store(app).text())
    except RulesError as exc:  # a hand-edited file that no longer parses: shown, and the editor still opens
        error = error or str(exc)
        rules = LeadRules()
    weights, learning = await weights_table(app, rules)
    now = app.clock.now(timezone.utc)
    reps, teams = await sla.response_stats(app.db, now - timedelta(days=30), now + timedelta(minutes=1))
    return await render(
        request,
        "leads.html",
        "leads",
        status=status,
        text=text,
        error=error,
        result=result,
        sample=sample or SampleLead(),
        sources=SOURCES,
        checked=checked,
        weights=weights,
        learning=learning,
        mode=rules.scoring.mode,
        reps=reps,
        teams=teams,
        leads=await recent_leads(app),
        path=str(store(app).path),
    )


@routes.get("/leads")
@managers_may_read
async def leads_page(request: web.Request) -> web.Response:
    return await _page(request, store(app_of(request)).text())


@routes.post("/leads/check")
async def leads_check(request: web.Request) -> web.Response:
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    sample = _sample(form)
    try:
        rules = parse_lead_rules(text, "（编辑中的线索规则）")
        result = await preview(app_of(request), rules, sample)
    except RulesError as exc:
        return await _page(request, text, error=str(exc), sample=sample, status=400)
    return await _page(request, text, result=result, sample=sample, checked=True)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lead_rules.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@routes.post("/leads/save")
async def leads_save(request: web.Request) -> web.Response:
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    app = app_of(request)
    try:
        parse_lead_rules(text, "（编辑中的线索规则）")
    except RulesError as exc:
        return await _page(request, text, error=str(exc), sample=_sample(form), status=400)
    async with app.db.write() as s:
        await audit.record(
            s,
            principal_of(request),
            "lead_rules.save",
            record_type="lead_rules",
            note=str(form.get("note", ""))[:256],
            text=text,
        )
        _write_atomically(Path(app.settings.data_dir) / LEAD_RULES_FILE_NAME, text)  # a failed write keeps no audit row
    await flash(request, "线索规则已保存并生效（新线索按新规则评分和分配）")
    raise redirect("/admin/leads")
