"""Precision / recall of the rule-based signal detector (tools/signals/detect.py) on labelled sentences.

    python -m benchmarks.signals_quality [-v] [FILE.jsonl ...]

-v also lists every missed and every false signal with its sentence.

Default files (benchmarks/data/): signals_dev, signals_heldout, signals_heldout2 and signals_dev2 … signals_dev6 are
all tuned on now (dev); signals_probe7 was written after the last rule change and never used to change the rules.
The history of each set is in benchmarks/README.md. Each line:
{"text": ..., "labels": [kind, ...], "competitors": [canonical name, ...]}. A competitor counts as right only
with the right canonical name. The org profile is the one the sentences were written for.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.org import Competitor, OrgProfile
from tools.signals.detect import KINDS, detect

HERE = Path(__file__).parent / "data"
ORG = OrgProfile(
    names=("云帆科技", "云帆"),
    competitors=(
        Competitor("纷享销客", ("纷享",)),
        Competitor("销售易", ("销售e",)),
        Competitor("励销云", ("励销",)),
        Competitor("悟空CRM", ()),
        Competitor("海纳CRM", ("海纳",)),
    ),
)


def score(path: Path, errors: list[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """kind -> (true positives, false positives, false negatives), plus "all". Misses go to `errors`."""
    counts = {k: [0, 0, 0] for k in [*KINDS, "all"]}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        gold = {(k, "") for k in row["labels"] if k != "competitor"}
        gold |= {("competitor", c) for c in row.get("competitors", [])}
        got = {(s.kind, s.detail) for s in detect(row["text"], ORG)}
        for item in got | gold:
            slot = 0 if item in got and item in gold else (1 if item in got else 2)
            counts[item[0]][slot] += 1
            counts["all"][slot] += 1
            if slot and errors is not None:
                errors.append(f"  {'false' if slot == 1 else 'miss '} {item[0]:<18} {row['text']}")
    return {k: tuple(v) for k, v in counts.items()}


def table(path: Path, verbose: bool = False) -> str:
    lines = [f"{path.name}", f"{'kind':<18} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"]
    errors: list[str] = []
    for kind, (tp, fp, fn) in score(path, errors).items():
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        lines.append(f"{kind:<18} {tp:>4} {fp:>4} {fn:>4} {p:>9.2f} {r:>7.2f}")
    return "\n".join(lines + (errors if verbose else []))


def main(argv: list[str]) -> None:
    default = [
        "signals_dev.jsonl",
        "signals_heldout.jsonl",
        "signals_heldout2.jsonl",
        "signals_dev2.jsonl",
        "signals_dev3.jsonl",
        "signals_dev4.jsonl",
        "signals_dev5.jsonl",
        "signals_dev6.jsonl",
        "signals_probe7.jsonl",
    ]
    verbose = "-v" in argv
    paths = [Path(a) for a in argv if a != "-v"] or [HERE / name for name in default]
    print("\n\n".join(table(p, verbose) for p in paths if p.exists()))


if __name__ == "__main__":
    main(sys.argv[1:])
