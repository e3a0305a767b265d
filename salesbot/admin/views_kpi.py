"""Sales management pages: the KPI dashboard filtered by team and rep (scoped to what the signed-in person
may see), targets (form and CSV/Excel import), and the KPI alert rules editor (YAML with a form view) —
the second rule set beside the approval rules, saved and versioned the same way."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from aiohttp import web
from sqlalchemy import func, select, update

from bot.models import STAGE_LABELS, Opportunity, StaffUser
from salesbot.admin import audit, importer
from salesbot.admin.charts import hbar
from salesbot.admin.pages import app_of, flash, form_int, managers_may_read, principal_of, redirect, render
from salesbot.admin.rules_store import _write_atomically
from tools.kpi.alerts import health_settings, rules_store
from tools.kpi.health import RepHealth, health_for
from tools.kpi.metrics import (
    OPEN_STAGES,
    RepNumbers,
    money,
    month_of,
    pct,
    quarter_of,
    rep_numbers,
    staff_map,
    targets_for,
    visible_reps,
)
from tools.kpi.models import AlertRulesVersion
from tools.kpi.rules import (
    ALERT_KINDS,
    FIELD_LABELS,
    KIND_FIELDS,
    NOTIFY_LABELS,
    AlertRulesError,
    dump_alert_rules,
    parse_alert_rules,
)
from tools.kpi.targets import TargetError, check_row, check_table, delete_target, list_targets, save_targets

routes = web.RouteTableDef()


# --- the dashboard --------------------------------------------------------------------------------


@dataclass
class KpiView:
    period_kind: str
    period_label: str
    elapsed: int
    teams: list[str]
    reps: list[StaffUser]  # everyone this person may pick
    shown: list[StaffUser]  # after the filters
    team: str
    rep: str
    numbers: dict[int, RepNumbers]
    health: dict[int, RepHealth]
    target: float = 0.0
    won: float = 0.0
    pipeline_by_stage: list[tuple[str, float]] = field(default_factory=list)
    note: str = ""

    @property
    def completion(self) -> int | None:
        return pct(self.won, self.target) if self.target else None


async def _scope(app, principal) -> tuple[list[StaffUser], str]:
    staff = await staff_map(app.db)
    if principal.role == "admin":
        return [u for u in staff.values() if u.role == "rep"], ""
    me = staff.get(principal.staff_user_id) if principal.staff_user_id else None
    if me is None:
        return [], "这个经理账号没有关联员工，看不到团队数据；请管理员在「人员与组织」里关联。"
    return visible_reps(staff, me), ""


async def build_view(app, principal, query) -> KpiView:
    reps, note = await _scope(app, principal)
    today = app.clock.now(_tz(app)).date()
    kind = "quarter" if query.get("period") == "quarter" else "month"
    period = quarter_of(today) if kind == "quarter" else month_of(today)
    teams = sorted({u.team or "未分组" for u in reps})
    team = str(query.get("team", "")).strip()
    rep = str(query.get("rep", "")).strip()
    shown = [u for u in reps if not team or (u.team or "未分组") == team]
    if rep:
        shown = [u for u in shown if u.username == rep]
    numbers = await rep_numbers(app.db, shown, period, today, _tz(app))
    health = await health_for(app.db, shown, today, health_settings(app).stale_days)
    view = KpiView(
        kind,
        period.label,
        round(100 * period.elapsed(today)),
        teams,
        reps,
        shown,
        team,
        rep,
        numbers,
        health,
        note=note,
    )
    targets = await targets_for(app.db, period)
    view.won = sum(n.won for n in numbers.values())
    if rep:
        view.target = sum(n.target or 0 for n in numbers.values())
    else:  # a team's own target where one is set, else its reps' targets added up (the chat answer does the same)
        by_team: dict[str, list[RepNumbers]] = {}
        for n in numbers.values():
            by_team.setdefault(n.user.team or "未分组", []).append(n)
        view.target = sum(targets.get(("team", t)) or sum(n.target or 0 for n in rows) for t, rows in by_team.items())
    if shown:
        async with app.db.session() as s:
            rows = dict(
                (
                    await s.execute(
                        select(Opportunity.stage, func.sum(Opportunity.amount))
                        .where(Opportunity.owner_id.in_([u.id for u in shown]), Opportunity.stage.in_(OPEN_STAGES))
                        .group_by(Opportunity.stage)
                    )
                ).all()
            )
        view.pipeline_by_stage = [(STAGE_LABELS[st], float(rows.get(st) or 0)) for st in OPEN_STAGES]
    return view


def _tz(app) -> ZoneInfo:
    return ZoneInfo(app.settings.timezone)


@routes.get("/kpi")
@managers_may_read
async def kpi_page(request: web.Request) -> web.Response:
    view = await build_view(app_of(request), principal_of(request), request.query)
    rows = [view.numbers[u.id] for u in view.shown]
    charts = {
        "completion": hbar(
            [(n.user.name, n.completion or 0) for n in sorted(rows, key=lambda n: -(n.completion or 0)) if n.target],
            title=f"目标完成率（%，时间已过 {view.elapsed}%）",
            unit="%",
        ),
        "won": hbar([(n.user.name, n.won) for n in sorted(rows, key=lambda n: -n.won)], title="赢单金额", unit="元"),
        "pipeline": hbar(view.pipeline_by_stage, title="进行中商机金额（按阶段）", unit="元"),
        "health": hbar(
            [(h.user.name, h.completeness) for h in sorted(view.health.values(), key=lambda h: h.completeness)],
            title="资料完整度（%）",
            unit="%",
        ),
    }
    goal = health_settings(app_of(request)).goal
    ranking = sorted(view.health.values(), key=lambda h: (h.completeness, h.user.name))
    team_health: dict[str, list[int]] = {}
    for h in view.health.values():
        t = team_health.setdefault(h.user.team or "未分组", [0, 0])
        t[0], t[1] = t[0] + h.filled, t[1] + h.total
    return await render(
        request,
        "kpi.html",
        "kpi",
        view=view,
        charts=charts,
        rows=rows,
        ranking=ranking,
        goal=goal,
        team_health={k: (round(100 * f / t) if t else 100) for k, (f, t) in sorted(team_health.items())},
        money=money,
    )


# --- targets --------------------------------------------------------------------------------------


async def _targets_page(request: web.Request, *, errors: list[str] | None = None, form=None, status: int = 200):
    app = app_of(request)
    period = str(request.query.get("period", "")).strip()
    staff = await staff_map(app.db)
    names = {u.username: u.name for u in staff.values()}
    return await render(
        request,
        "kpi_targets.html",
        "kpi",
        targets=await list_targets(app.db, period or None),
        names=names,
        errors=errors or [],
        form=form or {},
        period=period,
        money=money,
        status=status,
    )


@routes.get("/kpi/targets")
async def targets_page(request: web.Request) -> web.Response:
    return await _targets_page(request)


@routes.post("/kpi/targets")
async def targets_add(request: web.Request) -> web.Response:
    form = await request.post()
    app = app_of(request)
    values = {k: str(form.get(k, "")) for k in ("rep", "team", "period", "amount")}
    try:
        row = await check_row(app.db, values["rep"], values["team"], values["period"], values["amount"])
    except TargetError as exc:
        return await _targets_page(request, errors=[str(exc)], form=values, status=400)
    await save_targets(app.db, [row], principal_of(request).username)
    await _audit(app, request, "kpi.target.set", count=1, period=row.period, scope=row.scope_key)
    await flash(request, f"已设置 {row.label} {row.period} 的目标：{money(row.amount)}")
    raise redirect("/admin/kpi/targets")


@routes.post("/kpi/targets/import")
async def targets_import(request: web.Request) -> web.Response:
    form = await request.post()
    app = app_of(request)
    upload = form.get("file")
    if not isinstance(upload, web.FileField) or not upload.filename:
        return await _targets_page(request, errors=["请选择要导入的 CSV 或 Excel 文件"], status=400)
    data = await asyncio.to_thread(upload.file.read)
    try:
        headers, rows = await asyncio.to_thread(importer.read_table, data, upload.filename)
    except importer.ImportError_ as exc:
        return await _targets_page(request, errors=[str(exc)], status=400)
    result = await check_table(app.db, headers, rows)
    if result.errors:
        lead = f"没有导入：{len(result.errors)} 行有问题，改好后整表重新上传（其余 {len(result.rows)} 行没问题）"
        return await _targets_page(request, errors=[lead, *result.errors[:20]], status=400)
    count = await save_targets(app.db, result.rows, principal_of(request).username)
    await _audit(app, request, "kpi.target.import", count=count, file=upload.filename[-100:])
    await flash(request, f"已导入 {count} 条目标")
    raise redirect("/admin/kpi/targets")


@routes.post("/kpi/targets/{id:\\d+}/delete")
async def targets_delete(request: web.Request) -> web.Response:
    app = app_of(request)
    target_id = form_int(request.match_info["id"], name="编号")
    if await delete_target(app.db, target_id):
        await _audit(app, request, "kpi.target.delete", record_id=target_id)
        await flash(request, "已删除这条目标")
    raise redirect("/admin/kpi/targets")


async def _audit(app, request, action: str, record_id: int | None = None, **detail) -> None:
    async with app.db.write() as s:
        await audit.record(s, principal_of(request), action, record_type="sales_target", record_id=record_id, **detail)


# --- the alert rules editor -----------------------------------------------------------------------


NUMBER_FIELDS = ("elapsed_at_least", "completion_below", "days", "amount_at_least", "count_at_least")


def _form_rules(form) -> dict[str, Any]:
    """The rules document the form view describes (validated by the same parser as the YAML)."""

    def number(name: str) -> Any:
        raw = str(form.get(name, "")).strip().replace(",", "")
        if raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            return raw  # the parser says 「应该是数字」 with the place
        return int(value) if value.is_integer() else value

    doc: dict[str, Any] = {
        "version": 1,
        "send_at": str(form.get("send_at", "")).strip(),
        "health": {
            k: number(f"health_{k}") for k in ("goal", "weekly_day", "stale_days") if number(f"health_{k}") is not None
        },
        "rules": [],
    }
    count = form_int(form.get("count"), 0, low=0, high=200, name="规则数") or 0
    for i in range(count + 1):  # the last one is the empty "new rule" row
        name = str(form.get(f"name_{i}", "")).strip()
        if not name:
            continue
        if form.get(f"delete_{i}"):
            continue
        rule: dict[str, Any] = {
            "name": name,
            "kind": str(form.get(f"kind_{i}", "")),
            "notify": [n for n in NOTIFY_LABELS if form.get(f"notify_{n}_{i}")],
        }
        if not form.get(f"enabled_{i}"):
            rule["enabled"] = False
        period = str(form.get(f"period_{i}", "")).strip()
        required, optional = KIND_FIELDS.get(rule["kind"], (set(), set()))
        if period:
            rule["period"] = period
        for f in NUMBER_FIELDS:
            value = number(f"{f}_{i}")
            # a threshold that belongs to another kind stays out (the form shows every column for every row)
            if value is not None and f in required | optional:
                rule[f] = value
        doc["rules"].append(rule)
    return doc


async def _rules_page(request: web.Request, text: str, *, error: str = "", checked=None, status: int = 200):
    app = app_of(request)
    try:
        parsed = parse_alert_rules(text, "（编辑中的规则）")
    except AlertRulesError:
        parsed = None
    async with app.db.session() as s:
        versions = list(
            (await s.execute(select(AlertRulesVersion).order_by(AlertRulesVersion.version.desc()))).scalars()
        )
    return await render(
        request,
        "kpi_rules.html",
        "rules",
        text=text,
        error=error,
        parsed=parsed,
        checked=checked,
        kinds=ALERT_KINDS,
        kind_fields=KIND_FIELDS,
        field_labels=FIELD_LABELS,
        notify_labels=NOTIFY_LABELS,
        number_fields=NUMBER_FIELDS,
        versions=versions,
        path=str(rules_store(app).path),
        status=status,
    )


@routes.get("/kpi/rules")
async def alert_rules_page(request: web.Request) -> web.Response:
    return await _rules_page(request, rules_store(app_of(request)).current_text())


@routes.post("/kpi/rules/check")
async def alert_rules_check(request: web.Request) -> web.Response:
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    try:
        parsed = parse_alert_rules(text, "（编辑中的规则）")
    except AlertRulesError as exc:
        return await _rules_page(request, text, error=str(exc), status=400)
    return await _rules_page(request, text, checked=parsed)


async def _save(request: web.Request, text: str, note: str) -> web.Response:
    app = app_of(request)
    try:
        parse_alert_rules(text, "（编辑中的规则）")
    except AlertRulesError as exc:
        return await _rules_page(request, text, error=str(exc), status=400)
    store = rules_store(app)
    principal = principal_of(request)
    async with app.db.write() as s:
        latest = (await s.execute(select(func.max(AlertRulesVersion.version)))).scalar_one() or 0
        if latest == 0:  # keep what was in force before the first console edit
            s.add(AlertRulesVersion(version=1, text=store.current_text(), note="编辑前的规则", created_by="system"))
            latest = 1
        await s.execute(update(AlertRulesVersion).values(published=False))
        row = AlertRulesVersion(
            version=latest + 1, text=text, note=note[:256], published=True, created_by=principal.username
        )
        s.add(row)
        await s.flush()
        await audit.record(
            s, principal, "alert_rules.save", record_type="alert_rules_version", record_id=row.id, version=row.version
        )
        _write_atomically(store.path, text)  # inside the transaction: a failed write saves no version
    await flash(request, f"预警规则已保存为 v{row.version} 并生效")
    raise redirect("/admin/kpi/rules")


@routes.post("/kpi/rules/save")
async def alert_rules_save(request: web.Request) -> web.Response:
    form = await request.post()
    return await _save(request, str(form.get("text", "")).replace("\r\n", "\n"), str(form.get("note", "")))


@routes.post("/kpi/rules/form")
async def alert_rules_form(request: web.Request) -> web.Response:
    """The form view: the table of rules becomes YAML, checked by the same parser, saved the same way."""
    form = await request.post()
    doc = _form_rules(form)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    try:
        text = dump_alert_rules(parse_alert_rules(text, "（表单）"))
    except AlertRulesError as exc:
        return await _rules_page(request, text, error=str(exc), status=400)
    return await _save(request, text, str(form.get("note", "")) or "表单编辑")


@routes.post("/kpi/rules/versions/{id:\\d+}/rollback")
async def alert_rules_rollback(request: web.Request) -> web.Response:
    app = app_of(request)
    async with app.db.session() as s:
        old = await s.get(AlertRulesVersion, form_int(request.match_info["id"], name="编号"))
    if old is None:
        await flash(request, "没有这个版本", "error")
        raise redirect("/admin/kpi/rules")
    return await _save(request, old.text, f"回滚到 v{old.version}")
