"""「预测与赢输单」 page: the forecast (per rep, team, company) with learned beside default stage probabilities and the
weekly snapshots' accuracy, and win/loss analysis with charts. The same functions as /预测 and the digest
(tools/pipeline), so the console and the chat show the same numbers."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.models import STAGE_LABELS
from salesbot.admin.charts import grouped_bars, hbar
from salesbot.admin.pages import BadNumber, app_of, form_int, managers_may_read, render
from tools.pipeline import analysis
from tools.pipeline.forecast import forecast_view, learned_probabilities
from tools.pipeline.snapshots import METHODS, forecast_accuracy

routes = web.RouteTableDef()
PERIODS = {"month": "本月", "quarter": "本季度"}


def _win_rate_items(groups) -> list[tuple[str, float]]:
    return [(f"{g.label}（{g.closed}单）", round(g.win_rate * 100)) for g in groups if g.closed]


@routes.get("/pipeline")
@managers_may_read
async def pipeline_page(request: web.Request) -> web.Response:
    app = app_of(request)
    period = request.query.get("period", "month")
    if period not in PERIODS:
        raise BadNumber("period 只能是 month 或 quarter")
    days = form_int(request.query.get("days"), 90, low=7, high=730, name="统计天数")
    today = app.clock.now(ZoneInfo(app.settings.timezone)).date()

    view = await forecast_view(app, period, today)
    total = view.total()
    reps = sorted(view.by_owner.items(), key=lambda kv: -kv[1].weighted)
    teams = sorted(view.by_team().items(), key=lambda kv: -kv[1].weighted)
    probs = await learned_probabilities(app, period)
    accuracy = await forecast_accuracy(app, period, today)

    start = today - timedelta(days=days - 1)
    before_start = start - timedelta(days=days)
    rows = await analysis.closed_deals(app, start, today)
    before = await analysis.closed_deals(app, before_start, start - timedelta(days=1))
    groups = {dim: analysis.breakdown(rows, dim) for dim in analysis.DIMENSIONS}
    charts = {
        "forecast_reps": grouped_bars(
            [view.names.get(o, str(o)) for o, _n in reps[:10]],
            {
                "已赢": [n.won for _o, n in reps[:10]],
                "承诺": [n.commit for _o, n in reps[:10]],
                "可能": [n.best_case for _o, n in reps[:10]],
                "加权": [n.weighted for _o, n in reps[:10]],
            },
            title=f"{PERIODS[period]}预测（按销售，前 10）",
            width=760,
        ),
        "accuracy": grouped_bars(
            [f"第{w}周" for w in accuracy.by_week],
            {label: [accuracy.by_week[w].get(m, 0) for w in accuracy.by_week] for m, label in METHODS.items()},
            title="预测误差 MAPE %（按周次，越低越准）",
            width=760,
        ),
        "reasons": hbar([(g.label, g.lost) for g in groups["reason"]], title="输单原因（单数）", unit="单"),
        "competitor": hbar(_win_rate_items(groups["competitor"]), title="对各竞品的赢率", unit="%"),
        "rep": hbar(_win_rate_items(groups["rep"]), title="各销售赢率", unit="%"),
        "team": hbar(_win_rate_items(groups["team"]), title="各团队赢率", unit="%"),
        "industry": hbar(_win_rate_items(groups["industry"]), title="各行业赢率", unit="%"),
        "size": hbar(_win_rate_items(groups["size"]), title="各金额档赢率", unit="%"),
        "stage": hbar(
            [(g.label, g.lost) for g in groups["stage"] if g.lost], title="输单时到了哪个阶段（单数）", unit="单"
        ),
    }
    return await render(
        request,
        "pipeline.html",
        "pipeline",
        period=period,
        periods=PERIODS,
        days=days,
        view=view,
        total=total,
        reps=reps,
        teams=teams,
        probs=[(STAGE_LABELS[s], p) for s, p in probs.items()],
        min_history=app.settings.forecast_min_history,
        half_life=app.settings.forecast_half_life_days,
        accuracy=accuracy,
        methods=METHODS,
        summary=analysis.summary(rows),
        before_summary=analysis.summary(before),
        changes=analysis.biggest_changes(rows, before),
        groups=groups,
        dimensions=analysis.DIMENSIONS,
        charts=charts,
        start=start,
        today=today,
        reasons=app.settings.close_reasons,
    )
