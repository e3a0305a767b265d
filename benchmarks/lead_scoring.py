"""Lead scoring and routing: ranking quality against a hidden conversion propensity, routing fairness, and
time to assignment under a burst.

    .venv/bin/python benchmarks/lead_scoring.py [--quick] [--seed N]

1. Ranking. Simulated leads: each has yes/no facts (the scorer's factors: asked for a price or a demo, target
   industry, size, title, existing customer, region, messages, returning, …, drawn with realistic rates and
   correlations: a large company's contact more often asks for a demo) and an age in days since its last
   message. A hidden true conversion propensity is a logistic function of the facts and the age whose
   coefficients deliberately differ from the shipped default weights (a demo request matters more than a price
   question, returning visitors more, company name and region hardly). A history of H leads with outcomes drawn
   from the propensity trains the learned weights (tools/leads/scoring.learn: the production code); every
   scorer then ranks the same 20 000 fresh leads. Reported: AUC against the drawn conversions and the share of
   all conversions found in the top 20 % of the ranking. Scorers: random; recency only (newest first); the
   default weights (tools/leads/default_lead_rules.yaml through scoring.score_with_defaults); learned weights
   (scoring.score_with_learned; "—" when the history has fewer than 20 converted or 20 lost leads, where
   production keeps the defaults); and what `scoring.mode: auto` ranks with: the learned weights only when
   5-fold cross-validation on the history beats the defaults' AUC on it, else the defaults. The "oracle" line
   ranks by the true propensity: the ceiling.
2. Fairness. 1 000 leads arrive over a working day to a 6-rep team whose reps close leads at different speeds
   (a lead stays open 1-6 hours depending on the rep). Open leads per rep (standard deviation over reps, sampled
   every lead, and at the end) for plain round-robin (least recently assigned, the previous behaviour) and for
   the load-weighted pick (tools/leads/routing.least_loaded, the production function).
3. Burst. 1 000 web leads handed off at once through the real tools (save_contact_info + handoff_to_sales:
   scoring, routing rule, assignment, task, card push to the outbox) on SQLite: time from the hand-off call to
   the written assignment (p50/p95/max), throughput, and open leads per rep afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import numpy as np  # noqa: E402
from sqlmodel import select  # noqa: E402

from benchmarks.machine import describe, percentile  # noqa: E402
from bot.capabilities import ToolContext, run_tool  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.messages import Actor, Inbound, Role  # noqa: E402
from bot.models import StaffUser  # noqa: E402
from bot.settings import Settings  # noqa: E402
from salesbot.app import App  # noqa: E402
from salesbot.demo import load_demo  # noqa: E402
from tools.leads.lead_rules import DEFAULT_LEAD_RULES_PATH, FACTORS, parse_lead_rules  # noqa: E402
from tools.leads.models import LeadAssignment  # noqa: E402
from tools.leads.routing import least_loaded  # noqa: E402
from tools.leads.scoring import auc, learn, score_with_defaults, score_with_learned  # noqa: E402

# rates of each fact among incoming leads
RATES = {
    "asked_price": 0.45,
    "asked_demo": 0.2,
    "target_industry": 0.35,
    "size_large": 0.15,
    "size_mid": 0.3,
    "decision_maker": 0.25,
    "existing_customer": 0.08,
    "in_region": 0.7,
    "gave_company": 0.6,
    "wants_person": 0.3,
    "engaged": 0.35,
    "very_engaged": 0.12,
    "returning": 0.15,
}
# the hidden truth (log-odds), unlike the default weights on purpose
TRUTH = {
    "asked_price": 0.5,
    "asked_demo": 1.6,
    "target_industry": 0.8,
    "size_large": 1.1,
    "size_mid": 0.5,
    "decision_maker": 0.7,
    "existing_customer": 0.9,
    "in_region": 0.1,
    "gave_company": 0.05,
    "wants_person": 0.3,
    "engaged": 0.4,
    "very_engaged": 0.3,
    "returning": 1.0,
}
INTERCEPT = -3.6
AGE_SLOPE = -0.12  # per day since the last message
HISTORIES = (30, 100, 300, 1000, 3000)


def simulate(rng: np.random.Generator, n: int) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """(features per lead, age in days, true propensity)."""
    cols = {name: rng.random(n) < rate for name, rate in RATES.items()}
    # correlations: large companies ask for demos, engaged visitors ask for prices
    cols["asked_demo"] |= cols["size_large"] & (rng.random(n) < 0.3)
    cols["asked_price"] |= cols["engaged"] & (rng.random(n) < 0.3)
    cols["size_mid"] &= ~cols["size_large"]
    cols["very_engaged"] &= cols["engaged"]
    age = rng.exponential(3.0, n)
    cols["recent"] = age <= 1
    cols["stale"] = age > 7
    logit = INTERCEPT + AGE_SLOPE * age + sum(TRUTH[k] * cols[k] for k in TRUTH)
    p = 1 / (1 + np.exp(-logit))
    feats = [{name: int(cols[name][i]) for name in FACTORS} for i in range(n)]
    return feats, age, p


def top_share(scores: np.ndarray, y: np.ndarray, rng: np.random.Generator, share: float = 0.2) -> float:
    jitter = rng.random(len(scores)) * 1e-6  # ties broken at random, not by position
    k = int(len(scores) * share)
    top = np.argsort(-(scores + jitter))[:k]
    return float(y[top].sum() / y.sum())


def ranking(seed: int, test_n: int, histories, repeats: int) -> list[tuple]:
    rules = parse_lead_rules(DEFAULT_LEAD_RULES_PATH.read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    feats, age, p = simulate(rng, test_n)
    y = (rng.random(test_n) < p).astype(int)
    default = np.array([score_with_defaults(f, rules)[0] for f in feats], dtype=float)
    fixed = {
        "random": rng.random(test_n),
        "recency only": -age,
        "default weights": default,
        "oracle (true propensity)": p,
    }
    rows = [(name, "-", auc(s, y), top_share(s, y, rng)) for name, s in fixed.items()]
    default_auc, default_top = auc(default, y), top_share(default, y, rng)
    for h in histories:
        aucs, tops, auto_aucs, auto_tops, chosen = [], [], [], [], 0
        for r in range(repeats):
            hrng = np.random.default_rng(seed * 1000 + h * 10 + r)
            hf, _hage, hp = simulate(hrng, h)
            hy = hrng.random(h) < hp
            learned = learn(list(zip(hf, hy)), rules=rules)
            if learned is None:
                auto_aucs.append(default_auc)
                auto_tops.append(default_top)
                continue
            s = np.array([score_with_learned(f, learned)[0] for f in feats], dtype=float)
            aucs.append(auc(s, y))
            tops.append(top_share(s, y, rng))
            chosen += learned.beats_defaults
            auto_aucs.append(aucs[-1] if learned.beats_defaults else default_auc)
            auto_tops.append(tops[-1] if learned.beats_defaults else default_top)
        name = f"learned weights (history {h})"
        if aucs:
            rows.append((name, f"{len(aucs)}/{repeats}", np.mean(aucs), np.mean(tops)))
        else:
            rows.append((name, f"0/{repeats}", None, None))
        rows.append(
            (
                f"auto: learned if CV beats defaults (history {h})",
                f"{chosen}/{repeats}",
                np.mean(auto_aucs),
                np.mean(auto_tops),
            )
        )
    return rows, float(y.mean())


def fairness(seed: int, n: int = 1000, reps: int = 6) -> list[tuple]:
    staff = [StaffUser(id=i + 1, username=f"rep{i + 1}", name=f"rep{i + 1}", team="t") for i in range(reps)]
    hours_open = [1, 1.5, 2, 3, 4.5, 6]  # how long each rep keeps a lead open
    start = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    out = []
    for strategy in ("round-robin (least recently assigned)", "load-weighted (routing.least_loaded)"):
        rng = np.random.default_rng(seed)
        arrivals = np.sort(rng.random(n)) * 9 * 3600  # a 9-hour day
        closes: list[list[datetime]] = [[] for _ in staff]
        last: dict[int, datetime] = {}
        stds, maxes = [], []
        for t in arrivals:
            now = start + timedelta(seconds=float(t))
            loads = {s.id: sum(1 for c in closes[s.id - 1] if c > now) for s in staff}
            if strategy.startswith("round"):
                pick = least_loaded(staff, {}, last, {}, None, now)
            else:
                pick = least_loaded(staff, loads, last, {}, None, now)
            last[pick.id] = now
            stay = hours_open[pick.id - 1] * (0.5 + rng.random())
            closes[pick.id - 1].append(now + timedelta(hours=stay))
            loads[pick.id] += 1
            stds.append(statistics.pstdev(loads.values()))
            maxes.append(max(loads.values()))
        end_now = start + timedelta(hours=9)
        final = [sum(1 for c in closes[i] if c > end_now) for i in range(reps)]
        out.append((strategy, statistics.mean(stds), max(stds), max(maxes), statistics.pstdev(final), final))
    return out


async def burst(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir(mode=0o700)
        rules = DEFAULT_LEAD_RULES_PATH.read_text(encoding="utf-8").replace(
            "rules: []",
            "rules:\n  - {name: 华东, when: {region: [华东]}, to: {team: 华东组}}\n"
            "  - {name: 华南, when: {region: [华南]}, to: {team: 华南组}}\n",
        )
        (data / "lead_rules.yaml").write_text(rules, encoding="utf-8")
        settings = Settings(_env_file=None, SALESBOT_DATA_DIR=str(data), SALESBOT_LEADS_PER_ADDRESS=f"{n * 2}/3600")
        clock = FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8))))
        app = App(settings, clock=clock, console_output=lambda _line: None, enable_knowledge=False)
        await app.start(connect_channels=False)
        try:
            await load_demo(app)
            places = ["苏州", "杭州", "上海", "南京", "广州", "深圳", "东莞", "厦门"]
            needs = ["想要个报价", "30 人团队想试用", "看看演示", "200 人，想了解私有化", "随便问问"]

            async def one(i: int) -> float:
                inbound = Inbound(
                    platform="web",
                    msg_id=uuid.uuid4().hex,
                    sender_id=f"v{i}",
                    conversation_id=f"v{i}",
                    text="",
                    role_hint=Role.CUSTOMER,
                )
                ctx = ToolContext(app, Actor(role=Role.CUSTOMER), inbound.conversation_key, inbound)
                await run_tool(
                    ctx,
                    "save_contact_info",
                    {
                        "name": "王先生",
                        "phone": f"139{i:08d}",
                        "company": f"测试{i}机械",
                        "region": places[i % len(places)],
                        "need": needs[i % len(needs)],
                    },
                )
                t0 = time.perf_counter()
                await run_tool(ctx, "handoff_to_sales", {"reason": "要报价"})
                return time.perf_counter() - t0

            began, cpu = time.perf_counter(), time.process_time()
            waits = await asyncio.gather(*(one(i) for i in range(n)))
            wall, cpu = time.perf_counter() - began, time.process_time() - cpu
            await app.drain()
            async with app.db.session() as s:
                rows = (await s.execute(select(LeadAssignment.staff_id))).scalars().all()
        finally:
            await app.stop()
    per_rep: dict[int, int] = {}
    for staff_id in rows:
        per_rep[staff_id] = per_rep.get(staff_id, 0) + 1
    return {"waits": waits, "wall": wall, "cpu": cpu, "assigned": len(rows), "per_rep": sorted(per_rep.values())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    test_n = 5000 if args.quick else 20000
    repeats = 2 if args.quick else 5
    burst_n = 200 if args.quick else 1000
    print(describe())
    print()
    rows, base_rate = ranking(args.seed, test_n, HISTORIES, repeats)
    print(f"1. Ranking {test_n} fresh leads (conversion rate {base_rate:.1%}); learned: mean over {repeats} histories")
    print("| scorer | histories learned (auto: learned chosen) | AUC | conversions in top 20 % |")
    print("|---|---|---|---|")
    for name, runs, a, top in rows:
        if a is None:
            print(f"| {name} | {runs} | — (too few outcomes: defaults kept) | — |")
        else:
            print(f"| {name} | {runs} | {a:.3f} | {top:.1%} |")
    print()
    print("2. Routing fairness: 1 000 leads over a 9-hour day, 6 reps who keep a lead open 1-6 h")
    print(
        "| strategy | mean std of open leads per rep | worst std | most open leads on one rep | end-of-day std | end-of-day open leads per rep |"
    )
    print("|---|---|---|---|---|---|")
    for name, mean_std, worst, most, final_std, final in fairness(args.seed):
        print(f"| {name} | {mean_std:.2f} | {worst:.2f} | {most} | {final_std:.2f} | {final} |")
    print()
    result = asyncio.run(burst(burst_n))
    waits = result["waits"]
    print(f"3. Burst: {burst_n} web leads handed off at once (SQLite, real tools, 2 routing rules)")
    print(
        "| leads assigned | wall time | CPU per lead (capture + hand-off) | throughput | time to assignment p50 "
        "| p95 | max | leads per rep (sorted) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {result['assigned']} | {result['wall']:.1f} s | {1000 * result['cpu'] / burst_n:.0f} ms "
        f"| {burst_n / result['wall']:.0f} leads/s "
        f"| {percentile(waits, 50):.2f} s | {percentile(waits, 95):.2f} s | {max(waits):.2f} s | {result['per_rep']} |"
    )


if __name__ == "__main__":
    main()
