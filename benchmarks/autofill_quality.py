"""Transcript-to-CRM extraction quality: per-field precision / recall against hand-filled gold fields.

    .venv/bin/python benchmarks/autofill_quality.py [--data benchmarks/data/autofill] [--misses]

The deterministic path (rules only, what offline mode proposes) always runs; the LLM path runs too
when an LLM is configured (OPENAI_BASE_URL / OPENAI_API_KEY / SALESBOT_LLM_MODEL), against that model.
Company names are matched against the demo CRM's accounts and staff, as `salesbot demo` loads them.
Each transcript's gold file says what a careful human would fill; a field left empty by the gold and
filled by us counts as a false positive.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from datetime import date  # noqa: E402

from benchmarks.machine import describe  # noqa: E402
from bot.models import Account  # noqa: E402
from salesbot.demo import ACCOUNTS, ORG  # noqa: E402
from tools.autofill.extract import Extraction, KnownAccount  # noqa: E402
from tools.customers import name_score  # noqa: E402

REF = date(2026, 11, 23)  # the day the transcripts are "sent"; meeting dates come from the transcripts
SCALARS = ("account", "meeting_date", "budget", "amount", "seats", "close_date", "channel")
LISTS = ("contacts", "phones", "emails", "competitors", "next_step_dues")
KNOWN = [KnownAccount(i, name, short) for i, (name, short, *_rest) in enumerate(ACCOUNTS, 1)]
OUR_NAMES = [name for _u, name, *_rest in ORG]


def predicted(ex: Extraction) -> dict:
    def v(f):
        return None if f is None else (f.value.isoformat() if isinstance(f.value, date) else f.value)

    return {
        "account": v(ex.account),
        "meeting_date": v(ex.meeting_date),
        "budget": v(ex.budget),
        "amount": v(ex.amount),
        "seats": v(ex.seats),
        "close_date": v(ex.close_date),
        "channel": v(ex.channel),
        "contacts": [c.name for c in ex.contacts],
        "phones": [c.phone for c in ex.contacts if c.phone],
        "emails": [c.email for c in ex.contacts if c.email],
        "competitors": [c.value for c in ex.competitors],
        "next_step_dues": sorted({s.due.isoformat() for s in ex.next_steps if s.due}),
    }


def same(field: str, gold, pred) -> bool:
    if gold is None or pred is None:
        return False
    if field == "account":
        return gold == pred or name_score(pred, Account(name=gold)) >= 90
    if field in ("budget", "amount"):
        return abs(float(gold) - float(pred)) < 0.5
    if field == "phones":
        return re.sub(r"\D", "", str(gold)) == re.sub(r"\D", "", str(pred))
    if field == "contacts":  # "周总" for 周XX is the same person
        return gold == pred or (
            gold[0] == pred[0] and (len(gold) == 2 or len(pred) == 2) and (gold[1:] in "总工" or pred[1:] in "总工")
        )
    return str(gold) == str(pred)


def score(gold: dict, pred: dict, counts: dict, misses: list, name: str) -> None:
    for field in SCALARS:
        g, p = gold.get(field), pred.get(field)
        c = counts[field]
        if p is not None and same(field, g, p):
            c["tp"] += 1
            continue
        if p is not None:
            c["fp"] += 1
        if g is not None:
            c["fn"] += 1
        if g is not None or p is not None:
            misses.append(f"{name} {field}: gold={g!r} got={p!r}")
    for field in LISTS:
        g, p = list(gold.get(field) or []), list(pred.get(field) or [])
        c = counts[field]
        matched = set()
        for item in p:
            hit = next((i for i, gi in enumerate(g) if i not in matched and same(field, gi, item)), None)
            if hit is None:
                c["fp"] += 1
                misses.append(f"{name} {field}: extra {item!r}")
            else:
                matched.add(hit)
                c["tp"] += 1
        for i, gi in enumerate(g):
            if i not in matched:
                c["fn"] += 1
                misses.append(f"{name} {field}: missed {gi!r}")


async def run(data: Path, model, label: str, show_misses: bool) -> None:
    from tools.autofill.llm_extract import extract

    counts = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    misses: list[str] = []
    seconds: list[float] = []
    files = sorted(data.glob("*.txt"))
    chars = 0
    for path in files:
        gold = json.loads(path.with_suffix(".gold.json").read_text(encoding="utf-8"))
        text = path.read_text(encoding="utf-8")
        chars += len(text)
        started = time.perf_counter()
        ex = await extract(text, REF, known_accounts=KNOWN, our_names=OUR_NAMES, model=model)
        seconds.append(time.perf_counter() - started)
        score(gold, predicted(ex), counts, misses, path.stem[:2])
    print(
        f"\n{label}: {len(files)} transcripts, {chars} characters, "
        f"median {statistics.median(seconds) * 1000:.1f} ms / transcript, max {max(seconds) * 1000:.1f} ms"
    )
    print(f"{'field':<16}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}")
    total = {"tp": 0, "fp": 0, "fn": 0}
    for field in (*SCALARS, *LISTS):
        c = counts[field]
        for k in total:
            total[k] += c[k]
        print(
            f"{field:<16}{_ratio(c['tp'], c['tp'] + c['fp']):>10}{_ratio(c['tp'], c['tp'] + c['fn']):>8}"
            f"{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}"
        )
    print(
        f"{'all fields':<16}{_ratio(total['tp'], total['tp'] + total['fp']):>10}"
        f"{_ratio(total['tp'], total['tp'] + total['fn']):>8}{total['tp']:>5}{total['fp']:>5}{total['fn']:>5}"
    )
    if show_misses:
        print("\n".join(["", "misses:", *misses]))


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "data" / "autofill")
    parser.add_argument("--misses", action="store_true", help="list every wrong or missing value")
    args = parser.parse_args()
    print(describe())
    await run(args.data, None, "deterministic (rules only, offline mode)", args.misses)
    from bot.settings import Settings

    settings = Settings()
    if settings.llm_configured:
        from agents.llm import make_chat_model

        model = make_chat_model(settings)
        try:
            await run(args.data, model, f"LLM + rules ({settings.llm_model})", args.misses)
        finally:
            await model.aclose()
    else:
        print("\nLLM path: skipped (no LLM configured; set OPENAI_BASE_URL / OPENAI_API_KEY / SALESBOT_LLM_MODEL)")


if __name__ == "__main__":
    asyncio.run(main())
