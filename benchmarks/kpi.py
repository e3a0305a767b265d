"""What the KPI features cost on a mid-size org: the alert sweep (first run: evaluate, claim and enqueue;
later runs the same day: evaluate, nothing to send), the weekly data-health digest, a director's
「我这个月怎么样」 and the console's sales-management page.

    .venv/bin/python benchmarks/kpi.py [--teams 10] [--reps 20] [--runs 3]

SQLite in a temporary folder, console channel only (pushes are enqueued and printed to a list), a
frozen clock on a Wednesday at 10:35 in the middle of December. Synthetic data: per rep 10 customers
(2 contacts each, every 7th without a phone, every 5th customer without an industry), 15 deals (a third
won this month, every 4th open deal without an amount), 20 visits in the last 30 days (every 6th rep none).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe  # noqa: E402
from bot.capabilities import ToolContext  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.identity import actor_for  # noqa: E402
from bot.models import Account, Contact, Opportunity, StaffUser, Visit  # noqa: E402
from bot.settings import Settings  # noqa: E402
from salesbot.admin.auth import Principal  # noqa: E402
from salesbot.admin.views_kpi import build_view  # noqa: E402
from salesbot.app import App  # noqa: E402
from scheduler import kpi_jobs  # noqa: E402
from tools.kpi.chat import performance_text  # noqa: E402
from tools.kpi.models import SalesTarget  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 16, 10, 35, tzinfo=SH)
STAGES = ["prospecting", "qualification", "needs_analysis", "proposal", "negotiation"]


async def populate(app: App, teams: int, reps: int) -> int:
    rng = random.Random(7)
    long_ago = datetime(2026, 9, 1, tzinfo=SH)
    async with app.db.write() as s:
        director = StaffUser(username="director", name="总监", role="manager", team="销售部", created_at=long_ago)
        s.add(director)
        await s.flush()
        for t in range(teams):
            manager = StaffUser(
                username=f"m{t}",
                name=f"经理{t}",
                role="manager",
                team=f"{t}组",
                manager_id=director.id,
                created_at=long_ago,
            )
            s.add(manager)
            await s.flush()
            s.add(SalesTarget(scope="team", scope_key=f"{t}组", period="2026-12", amount=reps * 800_000))
            for r in range(reps):
                rep = StaffUser(
                    username=f"r{t}_{r}",
                    name=f"销售{t}_{r}",
                    role="rep",
                    team=f"{t}组",
                    manager_id=manager.id,
                    created_at=long_ago,
                )
                s.add(rep)
                await s.flush()
                s.add(SalesTarget(scope="rep", scope_key=rep.username, period="2026-12", amount=1_000_000))
                accounts = []
                for a in range(10):
                    acc = Account(
                        name=f"客户{t}_{r}_{a}有限公司", industry=None if a % 5 == 0 else "制造业", owner_id=rep.id
                    )
                    s.add(acc)
                    accounts.append(acc)
                await s.flush()
                for i, acc in enumerate(accounts):
                    for c in range(2):
                        s.add(
                            Contact(
                                account_id=acc.id, name=f"联系人{c}", phone=None if (i + c) % 7 == 0 else "13800138000"
                            )
                        )
                for d in range(15):
                    won = d % 3 == 0
                    s.add(
                        Opportunity(
                            account_id=accounts[d % 10].id,
                            owner_id=rep.id,
                            name=f"商机{d}",
                            stage="closed_won" if won else rng.choice(STAGES),
                            amount=None if (not won and d % 4 == 0) else rng.randint(5, 60) * 10_000,
                            close_date=date(2026, 12, rng.randint(1, 28)),
                            next_step=None if d % 6 == 1 else "跟进",
                            created_at=long_ago,
                            updated_at=datetime(2026, 12, 1, tzinfo=SH),
                        )
                    )
                if r % 6:
                    for v in range(20):
                        s.add(
                            Visit(
                                account_id=accounts[v % 10].id,
                                owner_id=rep.id,
                                visit_date=NOW.date() - timedelta(days=rng.randint(0, 30)),
                                summary="拜访",
                            )
                        )
    return teams * reps


async def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def main(teams: int, reps: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, SALESBOT_DATA_DIR=str(Path(tmp) / "data"))
        clock = FrozenClock(NOW)
        app = App(settings, clock=clock, console_output=lambda _line: None, enable_knowledge=False)
        await app.start(connect_channels=False)
        try:
            started = time.perf_counter()
            count = await populate(app, teams, reps)
            load = time.perf_counter() - started
            rows = []
            first, sent = await timed(lambda: kpi_jobs.run_kpi_alerts(app), 1)
            await app.drain()
            rows.append(("alert sweep, first run (evaluate + claim + enqueue)", first, f"{sent} alerts"))
            again, sent2 = await timed(lambda: kpi_jobs.run_kpi_alerts(app), runs)
            rows.append(("alert sweep, later run the same day (nothing new)", again, f"{sent2} alerts"))
            clock.set(datetime(2026, 12, 14, 8, 40, tzinfo=SH))
            weekly, digests = await timed(lambda: kpi_jobs.run_kpi_weekly(app), 1)
            await app.drain()
            rows.append(("weekly data-health digest (every rep and manager)", weekly, f"{digests} digests"))
            clock.set(NOW)
            director = await app.staff_by_username("director")
            ctx = ToolContext(app, actor_for(director), "bench:director")
            chat, text = await timed(lambda: performance_text(ctx), runs)
            rows.append(("「我这个月怎么样」 as the director (all teams)", chat, f"{len(text.splitlines())} lines"))
            principal = Principal(1, "boss", "admin", None, "", "")
            page, view = await timed(lambda: build_view(app, principal, {}), runs)
            rows.append(("console 销售管理 numbers, everyone", page, f"{len(view.shown)} reps"))
            team, _ = await timed(lambda: build_view(app, principal, {"team": "0组"}), runs)
            rows.append(("console 销售管理 numbers, one team", team, f"{reps} reps"))
        finally:
            await app.stop()
    print(f"{describe()}")
    print(
        f"org: {teams} teams × {reps} reps = {count} reps, {count * 15} deals, {count * 10} customers (load {load:.1f} s)"
    )
    print(f"median of {runs} runs where repeated\n")
    print("| step | seconds | result |\n|---|---|---|")
    for name, seconds, result in rows:
        print(f"| {name} | {seconds:.2f} | {result} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.teams, args.reps, args.runs))
