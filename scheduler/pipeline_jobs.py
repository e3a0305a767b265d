"""The pipeline's clocks: the nightly forecast recomputation and the weekly forecast snapshot.

- pipeline_nightly (02:40): learn the stage win probabilities again from every closed deal and store every
  rep's month and quarter numbers (benchmarks/forecast.py times this at 100 000 deals).
- forecast_snapshot (hourly sweep): the first run of a week stores the week's forecast per rep and period;
  later runs that week find it and do nothing, so a leader down on Monday still snapshots on Tuesday.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tools import pipeline

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime


def _today(app: "Runtime"):
    return app.clock.now(ZoneInfo(app.settings.timezone)).date()


async def run_pipeline_nightly(app: "Runtime") -> int:
    result = await pipeline.recompute(app, _today(app))
    return int(result.get("deals", 0))


async def run_forecast_snapshot(app: "Runtime") -> int:
    return await pipeline.take_weekly_snapshot(app, _today(app))
