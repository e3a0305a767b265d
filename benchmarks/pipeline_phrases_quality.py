"""Per-kind scores of the offline closing / forecast phrase matcher (tools/pipeline/phrases.py).

    python -m benchmarks.pipeline_phrases_quality [FILE.py ...]

Each FILE is a Python file holding one or more lists of rows `(sentence, intent, detail)`: `ROWS = [...]`, or the
lists of tests/data/pipeline_phrases_*.py (DEV, HELDOUT, HELDOUT2); every module-level list of 3-tuples is scored.
intent is won | lost | forecast | none; detail is, for lost, the reason category (and the competitor after "|"),
for won the signed amount in yuan or None, for forecast commit | best_case | pipeline. Without arguments every
tests/data/pipeline_phrases_*.py is scored.

The rows are read the way the offline path reads them (tools/pipeline/closing.py close_from_text runs before
tools/pipeline/forecast_chat.py forecast_from_text): a closing first, else a forecast category, else nothing; the
won amount is the first sum of money of at least 100 yuan. The path's other gate (exactly one of the rep's customers
named) is left out, so a sentence naming no customer is judged on its words alone. The end-to-end check with the
running app is tests/test_pipeline_phrases.py.

Columns per expected intent: rows, `intent` = rows read as that intent, `exact` = intent and detail right;
`precision` = of the rows read as that intent, how many were meant as it.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from bot.org import Competitor
from bot.zh_parse.money import find_money
from tools.pipeline.phrases import DEFAULT_REASONS, read_close, read_forecast

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# the competitors tests/test_pipeline_phrases.py configures (SALESBOT_COMPETITORS)
COMPETITORS = (Competitor("纷享销客", ("纷享",)), Competitor("销售易", ("销售e",)), Competitor("速工云", ()))
INTENTS = ("lost", "won", "forecast", "none")

Row = tuple[str, str, object]


def read(text: str) -> tuple[str, object]:
    """(intent, detail) as the offline matcher reads a sentence."""
    close = read_close(text, DEFAULT_REASONS, COMPETITORS)
    if close is not None and close.outcome == "lost":
        detail = close.reason or ""
        return "lost", f"{detail}|{close.competitor}" if close.competitor else detail
    if close is not None:
        money = [m for m in find_money(text) if m.value >= 100]
        return "won", float(money[0].value) if money else None
    category = read_forecast(text)
    if category is not None:
        return "forecast", category
    return "none", None


def right(intent: str, detail: object, got: tuple[str, object]) -> bool:
    if got[0] != intent:
        return False
    if intent == "won":
        return (detail is None and got[1] is None) or (
            detail is not None and got[1] is not None and abs(float(detail) - float(got[1])) < 0.5
        )
    if intent in ("lost", "forecast"):
        return str(detail) == str(got[1])
    return True


def load(path: Path) -> dict[str, list[Row]]:
    """name -> rows for every module-level list of (text, intent, detail) rows in a Python data file."""
    found: dict[str, list[Row]] = {}
    for name, value in runpy.run_path(str(path)).items():
        if (
            not name.startswith("_")
            and isinstance(value, list)
            and value
            and all(isinstance(r, tuple) and len(r) == 3 and isinstance(r[0], str) for r in value)
        ):
            found[name] = value
    return found


def table(title: str, rows: list[Row], show_misses: bool = True) -> str:
    counts = {k: [0, 0, 0, 0] for k in INTENTS}  # rows, intent right, exact, read as this intent
    misses: list[str] = []
    for text, intent, detail in rows:
        got = read(text)
        counts[intent][0] += 1
        counts[intent][1] += got[0] == intent
        ok = right(intent, detail, got)
        counts[intent][2] += ok
        counts[got[0]][3] += 1
        if not ok:
            misses.append(f"  miss: {text}  want {intent} {detail!r}  got {got[0]} {got[1]!r}")
    lines = [title, f"{'intent':<10} {'rows':>4} {'intent':>6} {'exact':>5} {'precision':>9} {'recall':>7}"]
    for kind, (n, hit, exact, said) in counts.items():
        precision = hit / said if said else 1.0
        recall = exact / n if n else 1.0
        lines.append(f"{kind:<10} {n:>4} {hit:>6} {exact:>5} {precision:>9.2f} {recall:>7.2f}")
    n = len(rows)
    exact = sum(c[2] for c in counts.values())
    # closings and forecasts proposed for a row that meant something else (or another intent)
    said = sum(c[3] for k, c in counts.items() if k != "none")
    hit = sum(c[1] for k, c in counts.items() if k != "none")
    lines.append(f"{'all':<10} {n:>4} {'':>6} {exact:>5} {(hit / said if said else 1.0):>9.2f} {exact / n:>7.2f}")
    lines.append(f"exact: {exact}/{n} = {exact / n:.0%}; precision of proposals (not none): {hit}/{said}")
    if show_misses:
        lines.extend(misses)
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    quiet = "-q" in argv
    paths = [Path(a) for a in argv if a != "-q"] or sorted(DATA.glob("pipeline_phrases_*.py"))
    out = []
    for path in paths:
        for name, rows in load(path).items():
            out.append(table(f"{path.name} {name}", rows, show_misses=not quiet))
    print("\n\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
