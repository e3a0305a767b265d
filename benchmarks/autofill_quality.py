"""Transcript-to-CRM extraction quality: per-field precision / recall / F1 against hand-filled gold, per set.

    .venv/bin/python benchmarks/autofill_quality.py                      # the dev sets, each apart
    .venv/bin/python benchmarks/autofill_quality.py DIR [DIR ...]        # any other set(s), e.g. a held-out one
    .venv/bin/python benchmarks/autofill_quality.py DIR --voice          # voice-report gold schema
    options: --misses  --org-name "云帆科技,云帆,..."  --products "..."  --competitors "纷享销客/纷享,销售易"
             --replay DIR (fake model answering with recorded responses)  --record DIR (with a real LLM)

A set is a directory of `NN_x.txt` + `NN_x.gold.json` pairs. Gold keys (capture conventions): account,
meeting_date, budget, amount, seats, close_date, golive_date, competitors, possible_competitors, contacts,
contact_titles, phones, emails, next_step_dues, channel, our_side. A key missing from a gold file is not
scored for that file (older gold has fewer keys). The reference date ("today") is the gold's meeting_date
(voice: reference_date). Company names are matched against the demo CRM's accounts and staff, as
`salesbot demo` loads them; the org profile (who we are, our competitors) comes from the flags, defaulting
to the profile the conventions describe.

The deterministic path (rules only, what offline mode proposes) always runs. The model path runs with
--replay (recorded answers, offline) or against the configured LLM (OPENAI_BASE_URL / OPENAI_API_KEY /
SALESBOT_LLM_MODEL); --record DIR saves that LLM's answers for later replay.
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
from types import SimpleNamespace  # noqa: E402

from benchmarks.machine import describe  # noqa: E402
from bot.models import Account  # noqa: E402
from bot.org import OrgProfile  # noqa: E402
from salesbot.demo import ACCOUNTS, ORG  # noqa: E402
from tools.autofill.extract import Extraction, KnownAccount  # noqa: E402
from tools.customers import name_score  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "autofill"
DEV_SETS = (DATA, DATA / "dev2", DATA / "dev3", DATA / "dev4", DATA / "dev5", DATA / "dev6")
DEFAULT_ORG = "云帆科技,云帆,云帆软件,云番科技,云番,韵帆科技"
DEFAULT_PRODUCTS = "云帆销售助手,云帆CRM"
DEFAULT_COMPETITORS = "纷享销客/纷享,销售易/销售e,励销云/励销,悟空CRM,海纳CRM/海纳"
SCALARS = ("account", "meeting_date", "budget", "amount", "seats", "close_date", "golive_date", "channel")
LISTS = (
    "contacts",
    "contact_titles",
    "phones",
    "emails",
    "competitors",
    "possible_competitors",
    "next_step_dues",
    "our_side",
)
VOICE_SCALARS = ("account", "visit_date", "amount_or_budget", "next_step", "next_step_due")
VOICE_LISTS = ("contacts", "summary_keywords")
KNOWN = [KnownAccount(i, name, short) for i, (name, short, *_rest) in enumerate(ACCOUNTS, 1)]
STAFF = [name for _u, name, *_rest in ORG]


def _iso(f):
    return None if f is None else (f.value.isoformat() if isinstance(f.value, date) else f.value)


def predicted(ex: Extraction) -> dict:
    return {
        "account": _iso(ex.account),
        "meeting_date": _iso(ex.meeting_date),
        "budget": _iso(ex.budget),
        "amount": _iso(ex.amount),
        "seats": _iso(ex.seats),
        "close_date": _iso(ex.close_date),
        "golive_date": _iso(ex.golive_date),
        "channel": _iso(ex.channel),
        "contacts": [c.name for c in ex.contacts],
        "contact_titles": [f"{c.name}:{c.title}" for c in ex.contacts if c.title],
        "phones": [p for c in ex.contacts for p in (c.phone, *c.other_phones) if p],
        "emails": [c.email for c in ex.contacts if c.email],
        "competitors": [c.value for c in ex.competitors],
        "possible_competitors": [c.value for c in ex.possible_competitors],
        "next_step_dues": sorted({s.due.isoformat() for s in ex.next_steps if s.due}),
        "our_side": list(ex.our_side),
    }


def predicted_voice(ex: Extraction) -> dict:
    money = ex.amount or ex.budget
    dated = [s for s in ex.next_steps if s.due]
    ours = [s for s in dated if s.owner == "rep"] or dated
    step = (ours or ex.next_steps or [None])[0]
    words = " ".join(
        str(x)
        for x in (
            _iso(ex.summary) or "",
            *(p.value for p in ex.pain_points),
            *(s.action for s in ex.next_steps),
            *(c.value for c in ex.competitors),
            _iso(ex.timeline) or "",
        )
    )
    return {
        "account": _iso(ex.account),
        "visit_date": _iso(ex.meeting_date),
        "amount_or_budget": _iso(money),
        "next_step": step.action if step else None,
        "next_step_due": step.due.isoformat() if step and step.due else None,
        "contacts": [c.name for c in ex.contacts],
        "summary_keywords": words,
    }


def _line_digits(number) -> str:
    text = re.split(r"\s*(?:转|分机|ext\.?|x)\s*\d+$", str(number), flags=re.I)[0]
    if re.fullmatch(r"0\d{2,3}-\d{7,8}-\d{1,6}", text):
        text = text.rsplit("-", 1)[0]
    return re.sub(r"\D", "", text)


def same(field: str, gold, pred) -> bool:
    if gold is None or pred is None:
        return False
    if field == "account":
        g, p = re.sub(r"\s", "", str(gold)), re.sub(r"\s", "", str(pred))
        return g == p or name_score(p, Account(name=g)) >= 90
    if field in ("budget", "amount", "amount_or_budget"):
        return abs(float(gold) - float(pred)) < 0.5
    if field == "phones":  # the number itself: an extension ("转 8012", "0512-66523380-8012") is not compared
        return _line_digits(gold) == _line_digits(pred)
    if field == "contacts":  # "周总" for 周XX is the same person
        return gold == pred or (
            gold[0] == pred[0] and (len(gold) == 2 or len(pred) == 2) and (gold[1:] in "总工" or pred[1:] in "总工")
        )
    if field == "next_step":
        from rapidfuzz import fuzz

        return fuzz.partial_ratio(str(gold), str(pred)) >= 60
    return str(gold).lower() == str(pred).lower()


def score(gold: dict, pred: dict, counts: dict, misses: list, name: str, scalars, lists) -> None:
    for field in scalars:
        if field not in gold:
            continue
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
    for field in lists:
        if field not in gold:
            continue
        g = gold.get(field) or []
        if field == "contact_titles" and isinstance(g, dict):
            g = [f"{k}:{v}" for k, v in g.items()]
        g = list(g)
        p = list(pred.get(field) or [])
        if field == "summary_keywords":  # recall of the gold's words in what we wrote about the visit
            text = str(pred.get(field) or "")
            for word in g:
                counts[field]["tp" if word in text else "fn"] += 1
                if word not in text:
                    misses.append(f"{name} {field}: missed {word!r}")
            continue
        if field == "competitors" and "possible_competitors" not in gold:
            p += list(pred.get("possible_competitors") or [])  # older gold did not tell the two apart
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


class ReplayModel:
    """A chat model answering with recorded responses: `<stem>.<n>.txt` in the recordings directory is the
    answer to the n-th model call for transcript `<stem>.txt` (a long transcript is read in parts). A call
    with no recording gets an empty answer, which the extractor treats like a model giving nothing usable.
    With `inner` (a real model) it records instead."""

    def __init__(self, recordings: Path, inner=None):
        self.recordings, self.inner = recordings, inner
        self.stem, self.calls, self.missing = "", 0, 0

    def start(self, stem: str) -> None:
        self.stem, self.calls = stem, 0

    def bind(self, **_kw):
        return self

    async def ainvoke(self, prompt):
        self.calls += 1
        path = self.recordings / f"{self.stem}.{self.calls}.txt"
        if self.inner is not None:  # recording: ask the real model, keep its answer
            reply = await self.inner.bind(response_format={"type": "json_object"}).ainvoke(prompt)
            content = reply.content if isinstance(reply.content, str) else str(reply.content)
            self.recordings.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            return SimpleNamespace(content=content)
        if not path.exists():
            self.missing += 1
            return SimpleNamespace(content="")
        return SimpleNamespace(content=path.read_text(encoding="utf-8"))


async def run(data: Path, model, label: str, args, org: OrgProfile) -> None:
    from tools.autofill.llm_extract import extract

    voice = args.voice
    scalars, lists = (VOICE_SCALARS, VOICE_LISTS) if voice else (SCALARS, LISTS)
    counts = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    misses: list[str] = []
    seconds: list[float] = []
    files = sorted(p for p in data.glob("*.txt") if p.with_suffix(".gold.json").exists())
    if not files:
        print(f"\n{data}: 没有 NN_x.txt + NN_x.gold.json 文件")
        return
    chars = 0
    for path in files:
        gold = json.loads(path.with_suffix(".gold.json").read_text(encoding="utf-8"))
        # a set may put the day the report was spoken on a first line of its own ("# 2027-03-18"): not speech
        text = re.sub(r"\A#\s*\d{4}-\d{2}-\d{2}\s*\n", "", path.read_text(encoding="utf-8"))
        chars += len(text)
        ref_raw = gold.get("reference_date") or gold.get("meeting_date") or gold.get("visit_date")
        ref = date.fromisoformat(ref_raw) if ref_raw else date(2026, 11, 23)
        if isinstance(model, ReplayModel):
            model.start(path.stem)
        started = time.perf_counter()
        ex = await extract(text, ref, known_accounts=KNOWN, our_names=STAFF, model=model, org=org)
        seconds.append(time.perf_counter() - started)
        pred = predicted_voice(ex) if voice else predicted(ex)
        score(gold, pred, counts, misses, path.stem.split("_")[0], scalars, lists)
    print(
        f"\n{label} — {data}: {len(files)} files, {chars} characters, "
        f"median {statistics.median(seconds) * 1000:.1f} ms / file, max {max(seconds) * 1000:.1f} ms"
    )
    print(f"{'field':<22}{'precision':>10}{'recall':>8}{'F1':>6}{'tp':>5}{'fp':>5}{'fn':>5}")
    total = {"tp": 0, "fp": 0, "fn": 0}
    for field in (*scalars, *lists):
        c = counts[field]
        if not any(c.values()):
            continue
        for k in total:
            total[k] += c[k]
        print(f"{field:<22}{_row(c)}")
    print(f"{'all fields':<22}{_row(total)}")
    if args.misses:
        print("\n".join(["", "misses:", *misses]))


def _row(c: dict) -> str:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
    f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)

    def show(x):
        return "-" if x is None else f"{x:.2f}"

    return f"{show(p):>10}{show(r):>8}{show(f1):>6}{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="sets to score, each apart (default: the dev sets)")
    parser.add_argument("--data", type=Path, action="append", help="same as a positional directory")
    parser.add_argument("--voice", action="store_true", help="the gold follows the voice-report schema")
    parser.add_argument("--misses", action="store_true", help="list every wrong or missing value")
    parser.add_argument("--org-name", default=DEFAULT_ORG, help="our company's names, comma-separated")
    parser.add_argument("--products", default=DEFAULT_PRODUCTS, help="our products, comma-separated")
    parser.add_argument("--competitors", default=DEFAULT_COMPETITORS, help="纷享销客/纷享,销售易/销售e,…")
    parser.add_argument("--replay", type=Path, help="fake model: answer with the responses recorded in DIR")
    parser.add_argument("--record", type=Path, help="with a configured LLM: save its responses to DIR")
    args = parser.parse_args()
    dirs = [*(args.dirs or []), *(args.data or [])] or list(DEV_SETS)
    org = OrgProfile.from_settings(
        SimpleNamespace(org_name=args.org_name, competitors=args.competitors, org_products=args.products)
    )
    print(describe())
    print(
        f"org profile: {'、'.join(org.names)} | products {'、'.join(org.products)} | "
        f"competitors {'、'.join(org.competitor_names())}"
    )
    for data in dirs:
        await run(data, None, "deterministic (rules only, offline mode)", args, org)
    if args.replay:
        model = ReplayModel(args.replay)
        for data in dirs:
            await run(data, model, f"fake model replaying {args.replay}", args, org)
        if model.missing:
            print(f"\n(replay: {model.missing} prompts had no recorded answer; those parts used the rules only)")
        return
    from bot.settings import Settings

    settings = Settings()
    if settings.llm_configured:
        from agents.llm import make_chat_model

        real = make_chat_model(settings)
        model = ReplayModel(args.record, real) if args.record else real
        try:
            for data in dirs:
                await run(data, model, f"LLM + rules ({settings.llm_model})", args, org)
        finally:
            await real.aclose()
    else:
        print("\nLLM path: skipped (no LLM configured and no --replay DIR)")


if __name__ == "__main__":
    asyncio.run(main())
