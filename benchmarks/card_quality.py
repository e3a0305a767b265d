"""Business-card reading quality: per-field precision / recall and per-card latency on rendered card photos.

    .venv/bin/python benchmarks/card_quality.py [CARDS_JSON] [--misses]

CARDS_JSON defaults to the dev set (benchmarks/data/cards/cards.json). Each card is rendered as a photo by
benchmarks/render_cards.py (same fonts, noise and layouts), read by the OCR engine and parsed by
tools/cards/parse.py, exactly as a card photo sent in chat is. A field counts as correct when it equals the
card's value after squeezing spaces and unifying full/half-width characters (phones: digits and extension of
each printed number); a field read as 「看不清」 counts as not read (a miss, never a false positive).
Latency is the wall time of OCR + parsing per card (the first card also pays for loading the models, which
is reported separately) and the CPU time of the same work.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402

from benchmarks.machine import describe, percentile  # noqa: E402
from benchmarks.render_cards import DEFAULT_CARDS, load_cards, render  # noqa: E402
from tools.cards.ocr import engine, read_lines_sync  # noqa: E402
from tools.cards.parse import FIELDS, parse_card, phone_key  # noqa: E402


def squeeze(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).replace("：", ":").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text).lower()


def phone_form(value: str) -> str:
    return phone_key(value) + ("x" if re.search(r"转|分机|ext|x\d", value, re.I) else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cards", nargs="?", default=str(DEFAULT_CARDS))
    parser.add_argument("--misses", action="store_true", help="print every wrong or missing field")
    args = parser.parse_args()
    cards = load_cards(Path(args.cards))
    stats = {f: {"tp": 0, "fp": 0, "fn": 0} for f in FIELDS}
    wall, cpu, misses = [], [], []
    t0 = time.perf_counter()
    engine()
    load_seconds = time.perf_counter() - t0
    for card in cards:
        photo = render(card)
        w0, c0 = time.perf_counter(), time.process_time()
        got = parse_card(read_lines_sync(photo))
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
        for f in FIELDS:
            if f == "phones":
                gold = {phone_key(p) for p in card.get("phones") or []}
                pred = {phone_key(p) for p in got.phones}
                tp = len(gold & pred)
                stats[f]["tp"] += tp
                stats[f]["fp"] += len(pred - gold)
                stats[f]["fn"] += len(gold - pred)
                if gold != pred:
                    misses.append((card["id"], f, card.get("phones"), got.phones))
                continue
            gold, pred = squeeze(card.get(f)), squeeze(getattr(got, f))
            if gold and pred == gold:
                stats[f]["tp"] += 1
            else:
                if pred:
                    stats[f]["fp"] += 1
                if gold:
                    stats[f]["fn"] += 1
                if gold or pred:
                    misses.append((card["id"], f, card.get(f), getattr(got, f)))
    print(describe())
    print(f"cards: {len(cards)} from {args.cards}; OCR model load {load_seconds:.2f} s (once per process)")
    print()
    print(f"{'field':<10}{'precision':>10}{'recall':>9}{'tp':>5}{'fp':>5}{'fn':>5}")
    total = {"tp": 0, "fp": 0, "fn": 0}
    for f in FIELDS:
        s = stats[f]
        for k in total:
            total[k] += s[k]
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else float("nan")
        r = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else float("nan")
        print(f"{f:<10}{p:>10.3f}{r:>9.3f}{s['tp']:>5}{s['fp']:>5}{s['fn']:>5}")
    p = total["tp"] / (total["tp"] + total["fp"]) if total["tp"] + total["fp"] else float("nan")
    r = total["tp"] / (total["tp"] + total["fn"]) if total["tp"] + total["fn"] else float("nan")
    print(f"{'all':<10}{p:>10.3f}{r:>9.3f}{total['tp']:>5}{total['fp']:>5}{total['fn']:>5}")
    print()
    print(f"{'latency per card':<22}{'median':>8}{'p90':>8}{'max':>8}")
    print(f"{'wall (s)':<22}{percentile(wall, 50):>8.2f}{percentile(wall, 90):>8.2f}{max(wall):>8.2f}")
    print(f"{'CPU (s, all threads)':<22}{percentile(cpu, 50):>8.2f}{percentile(cpu, 90):>8.2f}{max(cpu):>8.2f}")
    if args.misses:
        print()
        for cid, f, gold, pred in misses:
            print(f"{cid:<10}{f:<9} gold={gold!r}  got={pred!r}")


if __name__ == "__main__":
    main()
