"""How long the command line takes to be useful: `salesbot --help`, `salesbot chat` ready to read, and
`salesbot kb search` answering one query.

    .venv/bin/python benchmarks/startup.py [--runs 5]

Cold: the first run with an empty bytecode cache (PYTHONPYCACHEPREFIX points at a new folder, so every
module, ours and the libraries', is compiled from source, as on a fresh install). Warm: the median of the
next runs with that cache filled (PYTHONDONTWRITEBYTECODE is dropped for the runs, so the cache does fill).
The operating system's file cache is not dropped (that needs privileges a
container rarely has), so "cold" here is the Python side of a cold start.

`chat` is timed from process start to the first reply line for `/帮助` piped on stdin (the console
channel prints nothing before it is ready); `kb search` to the process exit after printing its hits.
All runs use a throw-away data folder with the demo loaded (not timed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe  # noqa: E402

SALESBOT = str(Path(sys.executable).with_name("salesbot"))


def timed(argv: list[str], env: dict, stdin: str | None = None, until_line: bool = False) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [SALESBOT, *argv], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    if until_line:
        proc.stdin.write(stdin or "")
        proc.stdin.flush()
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - started
        proc.stdin.close()
        proc.stdout.read()
        proc.wait()
        if not line:
            raise RuntimeError(f"{argv}: no output")
        return elapsed
    out, _ = proc.communicate(stdin)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{argv}: exit {proc.returncode}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="salesbot-startup-") as tmp:
        # PYTHONDONTWRITEBYTECODE (set on some machines, this one included) would make every run compile from
        # source: "warm" means the bytecode cache is filled, as on an installed machine
        skip = ("OPENAI_", "WECOM_", "DINGTALK_", "SALESBOT_", "PYTHONDONTWRITEBYTECODE")
        env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        env.update(SALESBOT_DATA_DIR=str(Path(tmp) / "data"), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        subprocess.run([SALESBOT, "demo"], env=env, check=True, capture_output=True)
        cases = [
            ("salesbot --help", ["--help"], None, False),
            ("salesbot chat, first reply", ["chat", "--user", "zhangwei"], "/帮助\n", True),
            ("salesbot kb search, one query", ["kb", "search", "客户嫌贵怎么回", "--top", "3"], None, False),
        ]
        rows = []
        for label, argv, stdin, until_line in cases:
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / f"pycache-{len(rows)}")  # each case starts cold
            cold = timed(argv, env, stdin, until_line)
            warm = [timed(argv, env, stdin, until_line) for _ in range(args.runs)]
            rows.append((label, cold, statistics.median(warm)))
    print(describe())
    print(f"{'command':<32}{'cold s':>9}{'warm s (median of ' + str(args.runs) + ')':>26}")
    for label, cold, warm in rows:
        print(f"{label:<32}{cold:>9.2f}{warm:>26.2f}")


if __name__ == "__main__":
    main()
