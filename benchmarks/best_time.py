"""Best-time-to-contact model: hit rate against hidden preference windows, refresh cost, due-reminder lookup.

    .venv/bin/python benchmarks/best_time.py [--quick] [--seed N]

1. Quality. A simulated book: contacts belong to segments (industry × region × title band); each
   segment has a habitual hour, each contact a hidden window (2 weekdays × 2 consecutive hours; the
   hour is the segment's habit 60 % of the time). A history of L interactions: replies fall in the
   window 45 % of the time and anywhere from Monday to Saturday 08:00–21:00 otherwise; a quarter of
   the interactions are unanswered outreach, mostly outside the window. The model recommends one slot
   in the rep's working hours (Mon–Fri 09:00–18:00); a hit is a slot inside the hidden window. Baselines:
   "10:00 on the next workday" (the weekday is whatever tomorrow is), "the hour of the last reply on the
   next workday", and a stronger one, "the weekday and hour of the last reply".
2. Refresh: 100 000 contacts, 1 000 000 interactions, from arrays to every contact's best slot.
3. Due reminders among 100 000 open tasks in SQLite (the query the reminder job runs every minute).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import numpy as np  # noqa: E402
import psutil  # noqa: E402

from benchmarks.machine import describe  # noqa: E402
from tools.contact_times.best_time import BINS, Evidence, ModelParams, best_bins, fit_priors, score, work_mask  # noqa: E402

N_INDUSTRY, N_REGION, N_TITLE = 8, 4, 4
LENGTHS = (1, 2, 4, 8, 16, 32)
IN_WINDOW = 0.45  # share of replies inside the hidden window (the rest is noise)


def simulate(rng: np.random.Generator, per_length: int, lengths=LENGTHS):
    n = per_length * len(lengths)
    hist_len = np.repeat(np.array(lengths), per_length)
    industry = rng.integers(0, N_INDUSTRY, n)
    region = rng.integers(0, N_REGION, n)
    title = rng.integers(0, N_TITLE, n)
    habit = rng.choice([9, 10, 11, 14, 15, 16], size=(N_INDUSTRY, N_TITLE))
    own_hour = rng.integers(9, 17, n)
    start_hour = np.where(rng.random(n) < 0.6, habit[industry, title], own_hour)
    days = np.sort(np.argsort(rng.random((n, 5)), axis=1)[:, :2], axis=1)  # 2 distinct weekdays
    window = np.zeros((n, BINS), dtype=bool)
    for j in range(2):
        for dh in range(2):
            window[np.arange(n), days[:, j] * 24 + start_hour + dh] = True

    contact = np.repeat(np.arange(n), hist_len)
    m = len(contact)
    answered = rng.random(m) >= 0.25
    in_window = rng.random(m) < IN_WINDOW
    pick_day = days[contact, rng.integers(0, 2, m)]
    pick_hour = start_hour[contact] + rng.integers(0, 2, m)
    win_bin = pick_day * 24 + pick_hour
    noise_bin = rng.integers(0, 6, m) * 24 + rng.integers(8, 21, m)
    # unanswered outreach: tried during working hours, mostly outside the window
    miss_bin = rng.integers(0, 5, m) * 24 + rng.integers(9, 18, m)
    miss_in = window[contact, miss_bin]
    redraw = miss_in & (rng.random(m) < 0.85)
    miss_bin[redraw] = rng.integers(0, 5, int(redraw.sum())) * 24 + rng.integers(9, 18, int(redraw.sum()))
    bins = np.where(answered, np.where(in_window, win_bin, noise_bin), miss_bin).astype(np.int16)
    ev = Evidence(contact.astype(np.int32), bins, answered.astype(np.float32), (~answered).astype(np.float32))
    segs = [industry.astype(np.int32), region.astype(np.int32), (industry * N_TITLE + title).astype(np.int32)]
    n_segs = [N_INDUSTRY, N_REGION, N_INDUSTRY * N_TITLE]
    return n, hist_len, window, ev, segs, n_segs


def last_reply_bins(n: int, ev: Evidence) -> np.ndarray:
    """Bin of each contact's last answered interaction (events are in time order per contact), or -1."""
    last = np.full(n, -1, dtype=np.int64)
    idx = np.nonzero(ev.positive > 0)[0]
    last[ev.contact[idx]] = ev.bin[idx]  # later events overwrite earlier ones
    return last


def quality(seed: int, per_length: int, params: ModelParams) -> list[tuple]:
    rng = np.random.default_rng(seed)
    n, hist_len, window, ev, segs, n_segs = simulate(rng, per_length)
    allowed = work_mask()
    priors = fit_priors(n, ev, segs, n_segs, params)
    model = best_bins(score(n, ev, priors.for_contacts(segs), params), allowed)[:, 0]
    rows_idx = np.arange(n)
    next_day = rng.integers(0, 5, n)  # "tomorrow's" weekday for the day-less baselines
    ten = next_day * 24 + 10
    last = last_reply_bins(n, ev)
    last_hour = np.where(last >= 0, last % 24, 10)
    last_hour = np.clip(last_hour, 9, 17)
    last_hour_next_day = next_day * 24 + last_hour
    last_slot = np.where((last >= 0) & allowed[np.maximum(last, 0)], last, last_hour_next_day)
    out = []
    for length in LENGTHS:
        sel = hist_len == length
        hit = lambda b: float(window[rows_idx[sel], b[sel]].mean())  # noqa: E731
        out.append((length, hit(model), hit(ten), hit(last_hour_next_day), hit(last_slot)))
    return out


def refresh_cost(seed: int, contacts: int, interactions: int, params: ModelParams) -> dict:
    rng = np.random.default_rng(seed)
    contact = rng.integers(0, contacts, interactions).astype(np.int32)
    bins = (rng.integers(0, 7, interactions) * 24 + rng.integers(7, 22, interactions)).astype(np.int16)
    answered = rng.random(interactions) < 0.75
    ev = Evidence(contact, bins, answered.astype(np.float32), (~answered).astype(np.float32))
    segs = [
        rng.integers(0, 30, contacts).astype(np.int32),
        rng.integers(0, 8, contacts).astype(np.int32),
        rng.integers(0, 6, contacts).astype(np.int32),
    ]
    gc.collect()
    proc = psutil.Process()
    rss_before = proc.memory_info().rss
    tracemalloc.start()
    started = time.perf_counter()
    priors = fit_priors(contacts, ev, segs, [30, 8, 6], params)
    scores = score(contacts, ev, priors.for_contacts(segs), params)
    top = best_bins(scores, work_mask(), top=3)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = proc.memory_info().rss
    assert top.shape == (contacts, 3)
    return {
        "seconds": seconds,
        "peak_mb": peak / 2**20,
        "rss_mb": rss_after / 2**20,
        "rss_growth_mb": (rss_after - rss_before) / 2**20,
    }


async def due_lookup(tasks: int, repeats: int = 7) -> dict:
    """The reminder job's query over `tasks` open tasks (a tenth due within the reminder horizon)."""
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import insert

    from bot.clock import FrozenClock
    from bot.models import StaffUser, Task
    from bot.settings import Settings
    from salesbot.app import App
    from scheduler.jobs import load_due_tasks

    tz = ZoneInfo("Asia/Shanghai")
    with tempfile.TemporaryDirectory() as tmp:
        app = App(
            Settings(_env_file=None, SALESBOT_DATA_DIR=tmp),
            clock=FrozenClock(datetime(2026, 11, 23, 10, tzinfo=tz)),
            enable_knowledge=False,
        )
        await app.start(connect_channels=False, resume=False)
        try:
            async with app.db.write() as s:
                for i in range(50):
                    s.add(StaffUser(username=f"rep{i}", name=f"销售{i}"))
            rng = np.random.default_rng(1)
            today = date(2026, 11, 23)
            offsets = np.where(rng.random(tasks) < 0.1, rng.integers(-5, 10, tasks), rng.integers(11, 365, tasks))
            rows = [
                dict(
                    title=f"跟进 {i}",
                    due_date=today + timedelta(days=int(o)),
                    status="open",
                    owner_id=int(rng.integers(1, 51)),
                    created_source="IMPORT",
                )
                for i, o in enumerate(offsets)
            ]
            async with app.db.transaction() as conn:
                for start in range(0, len(rows), 5000):
                    await conn.execute(insert(Task), rows[start : start + 5000])
            samples, found = [], 0
            for _ in range(repeats):
                started = time.perf_counter()
                found = len(await load_due_tasks(app, today))
                samples.append(time.perf_counter() - started)
        finally:
            await app.stop()
    return {"median_ms": statistics.median(samples) * 1000, "found": found}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller quality sample and refresh size")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    params = ModelParams()
    per_length = 3000 if args.quick else 20000
    print(describe())
    print(f"\n## quality: hit rate of the recommended slot ({per_length} simulated contacts per history length)\n")
    print(
        "| history (interactions) | model | 10:00 next workday | last reply's hour, next workday | last reply's weekday+hour |"
    )
    print("|---|---|---|---|---|")
    rows = quality(args.seed, per_length, params)
    for length, model, ten, last_hour, last_slot in rows:
        print(f"| {length} | **{model:.1%}** | {ten:.1%} | {last_hour:.1%} | {last_slot:.1%} |")
    margin = min(model - max(ten, last_hour, last_slot) for _, model, ten, last_hour, last_slot in rows)
    print(f"\nsmallest margin of the model over the best baseline: {margin * 100:+.1f} points")

    contacts, interactions = (20_000, 200_000) if args.quick else (100_000, 1_000_000)
    cost = refresh_cost(args.seed, contacts, interactions, params)
    print(f"\n## refresh: {contacts:,} contacts, {interactions:,} interactions (priors, scores, top-3 slots)\n")
    print("| seconds | numpy peak MB (tracemalloc) | process RSS MB after | RSS growth MB |")
    print("|---|---|---|---|")
    print(f"| {cost['seconds']:.2f} | {cost['peak_mb']:.0f} | {cost['rss_mb']:.0f} | {cost['rss_growth_mb']:.0f} |")

    tasks = 20_000 if args.quick else 100_000
    due = asyncio.run(due_lookup(tasks))
    print(f"\n## due reminders among {tasks:,} open tasks (SQLite, median of 7)\n")
    print("| median ms | tasks in the reminder horizon |")
    print("|---|---|")
    print(f"| {due['median_ms']:.1f} | {due['found']:,} |")


if __name__ == "__main__":
    main()
