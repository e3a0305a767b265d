"""Install weight: time, venv size and distribution count of a fresh install, before and after the lock files.

    python3 benchmarks/install.py [--before REV] [--after REV] [--cold] [--only dev|runtime]

Each row installs one git revision, exported with `git archive` into a new folder under /tmp, into a new
venv made by the python3 on PATH (never the project's .venv):

- dev: the revision's own `bash scripts/install.sh` (what .ci/run and a developer run): before the lock
  files that is `pip install -e .[test]`, after it `pip install --require-hashes -r requirements-dev.lock`
  plus the project with `--no-deps`.
- runtime: what the Docker image installs: `pip install .` before, `pip install --require-hashes -r
  requirements.lock` plus `pip install --no-deps .` after.

The pip cache is the machine's (warm: wheels are not downloaded again, as on a developer's machine) unless
--cold, which gives pip an empty cache folder so every wheel comes from the registry again.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe  # noqa: E402

# the last commit before the lock files (issue #22): pyproject-only installs
BEFORE_REV = "50032a9"


def export(rev: str, dest: Path) -> None:
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def run(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    """pip's chatter goes to a log file, shown only when the install fails."""
    with log.open("a", encoding="utf-8") as out:
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n" + log.read_text(encoding="utf-8")[-4000:])


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def install(tree: Path, kind: str, env: dict[str, str]) -> tuple[float, float, Path]:
    """Run the revision's install the way its own scripts do; returns (wall s, CPU s of pip & co, venv path).
    CPU seconds barely move with other load on the machine; wall seconds include waiting for the cores."""
    log = tree.parent / f"{tree.name}.log"
    t0, cpu0 = time.perf_counter(), _children_cpu()
    venv = tree / ".venv"
    if kind == "dev":
        run(["bash", "scripts/install.sh"], tree, env, log)
    else:
        run(["python3", "-m", "venv", str(venv)], tree, env, log)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        if (tree / "requirements.lock").exists():
            run(pip + ["--require-hashes", "-r", "requirements.lock"], tree, env, log)
            run(pip + ["--no-deps", "."], tree, env, log)
        else:
            run(pip + ["."], tree, env, log)
    return time.perf_counter() - t0, _children_cpu() - cpu0, venv


def distributions(venv: Path) -> int:
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # pip and setuptools come with every venv; salesbot itself is not a dependency
    names = {line.split("==")[0].lower() for line in out.splitlines() if "==" in line}
    return len(names - {"pip", "setuptools", "salesbot"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=BEFORE_REV, help=f"revision without lock files (default {BEFORE_REV})")
    parser.add_argument("--after", default="HEAD", help="revision with lock files (default HEAD)")
    parser.add_argument("--cold", action="store_true", help="an empty pip cache: every wheel is downloaded")
    parser.add_argument("--only", choices=("dev", "runtime"), help="one install kind instead of both")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of before/after, alternating (medians; load drifts less)"
    )
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["dev", "runtime"]
    work = Path(tempfile.mkdtemp(prefix="salesbot-install-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    if args.cold:
        env["PIP_CACHE_DIR"] = str(work / "pip-cache")
    print(describe())
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"pip cache: {'empty (--cold)' if args.cold else 'warm (the machine cache)'}; python3: {shutil.which('python3')}\n"
    )
    runs: dict[tuple[str, str], list[tuple[float, float, float, int]]] = {}
    revs = {"before": args.before, "after": args.after}
    try:
        for round_ in range(args.repeat):
            for kind in kinds:
                # alternate which goes first, so a load that rises or falls during a round hits both alike
                order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
                for label in order:
                    tree = work / f"{kind}-{label}-{round_}"
                    export(revs[label], tree)
                    seconds, cpu, venv = install(tree, kind, env)
                    runs.setdefault((kind, label), []).append(
                        (seconds, cpu, dir_size(venv) / 2**20, distributions(venv))
                    )
                    shutil.rmtree(tree, ignore_errors=True)
                    print(
                        f"  {kind} {label} ({revs[label]}), round {round_ + 1}: {seconds:.0f} s wall, {cpu:.0f} s CPU, "
                        f"load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| install | revision | wall s (median) | CPU s (median) | venv MB | distributions |")
    print("|---|---|---|---|---|---|")
    for (kind, label), rows in runs.items():
        print(
            f"| {kind} {label} | `{revs[label]}` | {statistics.median(r[0] for r in rows):.0f} | "
            f"{statistics.median(r[1] for r in rows):.0f} | {rows[-1][2]:.0f} | {rows[-1][3]} |"
        )


if __name__ == "__main__":
    main()
