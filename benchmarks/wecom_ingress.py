"""WeCom ingress benchmark: the fake WeCom sender against a real `salesbot serve` process.

    .venv/bin/python benchmarks/wecom_ingress.py            # full run (~5-8 min on 2 cores)
    .venv/bin/python benchmarks/wecom_ingress.py --quick    # smaller phases
    .venv/bin/python benchmarks/wecom_ingress.py --code /tmp/ingress-before   # the same phases against another checkout

The server is a separate process (`python -m salesbot.cli serve`) on a fresh SQLite database, with the
self-built app configured against a fake qyapi and the LLM pointed at the fake OpenAI server. The load
generator and the fake qyapi share this process, the fake LLM runs in a process of its own
(benchmarks/fake_llm_process.py); all on loopback, all on the same cores. The server runs the code of this
checkout (PYTHONPATH), or of `--code DIR` to measure a "before" on the same machine in the same sitting.

Every callback comes from a distinct sender and is encrypted and signed as WeCom does; the sender waits
5 s for an HTTP 200 and otherwise redelivers the same body (3 deliveries in all). On top of that a share
of messages is deliberately delivered a second time after their 200 (platform-style duplicate). Each
message is free text, so each turn runs the agent (one LLM call) and answers through message/send.

Columns: accepted callbacks/s (HTTP 200s per second of the phase), time to HTTP 200 p50/p99/max (as
WeCom sees it, redeliveries included), callbacks over 5 s, share answered within 60 s of the first
delivery, duplicate replies (a sender answered more than once, not counting the 「消息较多，稍等」 notice nor the
「正在处理…」 one of a turn slower than 3 s; must be 0), busy / progress notices sent, server RSS after the phase. The CPU table splits each phase's CPU time
(in cores: CPU seconds per second of the phase) between the server process, this process (load generator
and fake qyapi), the fake LLM process, and everything else on the machine (other users), with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.wecom.app.adapter import PROGRESS_NOTICE  # noqa: E402
from benchmarks.fake_llm_process import start_fake_llm  # noqa: E402
from bot.replies import BUSY  # noqa: E402
from tests.fakes.wecom import FakeQyapi, FakeWeComSender, text_xml  # noqa: E402

CORP_ID, SECRET = "wwbench0000000001", "bench-secret"
TOKEN, AES_KEY = "benchtoken", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


class Server:
    def __init__(self, qyapi: FakeQyapi, llm_url: str, data_dir: str, code: Path = ROOT):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESBOT_", "WECOM_", "OPENAI_", "DINGTALK_"))}
        env.update(
            {
                "SALESBOT_DATA_DIR": data_dir,
                "SALESBOT_LOG_LEVEL": "WARNING",
                "WECOM_CORP_ID": CORP_ID,
                "WECOM_AGENT_ID": "1000002",
                "WECOM_SECRET": SECRET,
                "WECOM_TOKEN": TOKEN,
                "WECOM_ENCODING_AES_KEY": AES_KEY,
                "WECOM_API_BASE": qyapi.base_url,
                "OPENAI_BASE_URL": llm_url,
                # the checkout under test: the venv's editable install points at another tree
                "PYTHONPATH": str(code),
                "OPENAI_API_KEY": "bench",
                "SALESBOT_LLM_MODEL": "fake",
            }
        )
        self.log = open(Path(data_dir) / "server.log", "w")
        profile = os.environ.get("WECOM_BENCH_PROFILE")  # a path: run the server under cProfile
        prefix = ["-m", "cProfile", "-o", profile] if profile else []
        self.proc = subprocess.Popen(
            [sys.executable, *prefix, "-m", "salesbot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=data_dir,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        self.ps = psutil.Process(self.proc.pid)

    async def wait_ready(self, session: aiohttp.ClientSession, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log.name}")
            try:
                async with session.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                    if r.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError("server did not start")

    def rss_mb(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


async def run_phase(
    sender: FakeWeComSender,
    qyapi: FakeQyapi,
    prefix: str,
    n: int,
    *,
    concurrency: int | None = None,
    rate: float | None = None,
    dup_share: float = 0.05,
    answer_window: float = 60.0,
    cpu: "CpuSplit | None" = None,
) -> dict:
    users = [f"{prefix}{i:05d}" for i in range(n)]
    started: dict[str, float] = {}
    to_200: list[float] = []
    over_5s = redelivered = failed = 0

    async def one(i: int) -> None:
        nonlocal over_5s, redelivered, failed
        user = users[i]
        body, params = sender.envelope_xml(
            text_xml(CORP_ID, user, f"今天拜访了客户{i}号，聊了报价和交付，帮我记一下", f"{prefix}-msg-{i}")
        )
        started[user] = time.monotonic()
        result = await sender.post_raw(body, params)
        total = sum(result.latencies)
        if result.accepted:
            to_200.append(total)
        else:
            failed += 1
        over_5s += sum(1 for s in result.statuses if s != 200)
        redelivered += result.deliveries - 1
        if random.random() < dup_share:  # a platform duplicate after a 200
            await sender.post_raw(body, params, deliveries=1)

    t0 = time.monotonic()
    if concurrency:
        queue = iter(range(n))

        async def worker():
            for i in queue:
                await one(i)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    else:
        tasks = []
        for i in range(n):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    ingress_seconds = time.monotonic() - t0
    ingress_cpu = cpu.cores() if cpu is not None else {}

    # wait for the answers (at most `answer_window` after the last first delivery)
    wanted = set(users)
    deadline = max(started.values()) + answer_window

    def answers():  # (user, call) of the answers: the busy and progress notices left out
        for c in qyapi.calls:
            if c["path"] == "message/send" and c["ok"] and c["json"]["touser"] in wanted:
                if c["json"].get("text", {}).get("content") not in (BUSY, PROGRESS_NOTICE):
                    yield c["json"]["touser"], c

    while time.monotonic() < deadline:
        if len({u for u, _ in answers()}) == len(wanted):
            break
        await asyncio.sleep(0.25)
    sends = Counter()
    first_send: dict[str, float] = {}
    for u, c in answers():
        sends[u] += 1
        first_send.setdefault(u, c["at"])
    notices = Counter(
        c["json"].get("text", {}).get("content")
        for c in qyapi.calls
        if c["path"] == "message/send" and c["ok"] and c["json"]["touser"] in wanted
    )
    busy, progress = notices[BUSY], notices[PROGRESS_NOTICE]
    within = sum(1 for u in users if u in first_send and first_send[u] - started[u] <= answer_window)
    answer_lat = [first_send[u] - started[u] for u in users if u in first_send]
    return {
        "n": n,
        "accepted_per_s": len(to_200) / ingress_seconds,
        "p50_ms": pct(to_200, 0.5) * 1000,
        "p99_ms": pct(to_200, 0.99) * 1000,
        "max_ms": max(to_200, default=float("nan")) * 1000,
        "over_5s": over_5s,
        "redelivered": redelivered,
        "failed": failed,
        "answered_60s": within / n,
        "answer_p50_s": pct(answer_lat, 0.5),
        "answer_p99_s": pct(answer_lat, 0.99),
        "duplicates": sum(c - 1 for c in sends.values() if c > 1),
        "busy": busy,
        "progress": progress,
        "ingress_seconds": ingress_seconds,
        "cpu": ingress_cpu,
    }


class CpuSplit:
    """CPU seconds of the server, this process, the fake LLM and the rest of the machine between two marks."""

    def __init__(self, server: psutil.Process, llm: psutil.Process):
        self.procs = {"server": server, "loadgen": psutil.Process(), "llm": llm}
        self.mark()

    @staticmethod
    def _cpu(p: psutil.Process) -> float:
        t = p.cpu_times()
        return t.user + t.system + t.children_user + t.children_system

    @staticmethod
    def _machine() -> float:
        t = psutil.cpu_times()
        return sum(t) - t.idle - getattr(t, "iowait", 0.0)

    def mark(self) -> None:
        self.t0 = time.monotonic()
        self.start = {k: self._cpu(p) for k, p in self.procs.items()}
        self.machine0 = self._machine()

    def cores(self) -> dict:
        """Cores used by each since the mark (CPU seconds per wall second)."""
        wall = max(1e-9, time.monotonic() - self.t0)
        used = {k: self._cpu(p) - self.start[k] for k, p in self.procs.items()}
        out = {k: v / wall for k, v in used.items()}
        out["others"] = max(0.0, (self._machine() - self.machine0) - sum(used.values())) / wall
        out["load1"] = os.getloadavg()[0]
        return out


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller phases (--scale 0.25)")
    ap.add_argument("--scale", type=float, default=1.0, help="phase sizes times this")
    ap.add_argument("--llm", default="0,1", help="fake LLM latencies in seconds, comma separated")
    ap.add_argument("--phases", default="c10,c50,c200,o300,o600", help="which phases (cN closed loop, oN open loop)")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose server to run (default: this one)")
    ap.add_argument("--label", default="", help="a name for this run in the tables (e.g. before/after)")
    args = ap.parse_args()
    scale = 0.25 if args.quick else args.scale
    # about 10 s of ingress each at the target rates
    sizes = {"c10": 500, "c50": 2000, "c200": 2000, "o300": 3000, "o600": 6000}
    phases = [("closed" if p[0] == "c" else "open", int(p[1:]), sizes.get(p, 1000)) for p in args.phases.split(",")]
    rows = []
    label = args.label or ("this checkout" if args.code == ROOT else str(args.code))
    async with FakeQyapi(CORP_ID, SECRET) as qyapi:
        qyapi.auto_users = True
        for latency in [float(x) for x in args.llm.split(",")]:
            llm_proc, llm_url = start_fake_llm(latency=latency)
            with tempfile.TemporaryDirectory(prefix="wecom-bench-") as data_dir:
                server = Server(qyapi, llm_url, data_dir, args.code.resolve())
                connector = aiohttp.TCPConnector(limit=0)
                async with aiohttp.ClientSession(connector=connector) as session:
                    try:
                        await server.wait_ready(session)
                        sender = FakeWeComSender(
                            session,
                            f"http://127.0.0.1:{server.port}/wecom/callback",
                            token=TOKEN,
                            encoding_aes_key=AES_KEY,
                            receive_id=CORP_ID,
                        )
                        rss_start = server.rss_mb()
                        cpu = CpuSplit(server.ps, psutil.Process(llm_proc.pid))
                        for mode, level, n in phases:
                            n = max(50, int(n * scale))
                            prefix = f"l{int(latency * 1000)}{mode[0]}{level}u"
                            kw = {"concurrency": level} if mode == "closed" else {"rate": float(level)}
                            cpu.mark()
                            res = await run_phase(sender, qyapi, prefix, n, cpu=cpu, **kw)
                            res.update(
                                llm=f"{latency:g} s",
                                mode=f"{mode} {'c' if mode == 'closed' else '@'}{level}"
                                + ("" if mode == "closed" else "/s"),
                                rss_mb=server.rss_mb(),
                                rss_start=rss_start,
                            )
                            rows.append(res)
                            print(
                                f"  done: llm {latency:g}s {res['mode']}: {res['accepted_per_s']:.0f}/s "
                                f"p50 {res['p50_ms']:.0f} p99 {res['p99_ms']:.0f} ms, answered {res['answered_60s']:.1%}",
                                file=sys.stderr,
                            )
                    finally:
                        server.stop()
                        llm_proc.terminate()
                        llm_proc.wait(10)
    print(
        f"\n{label}: machine {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite ledger; load generator + fakes on the same cores; load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    )
    head = (
        "| LLM | load | msgs | accepted/s | 200 p50 ms | 200 p99 ms | 200 max ms | >5 s | answered ≤60 s "
        "| answer p50/p99 s | dup replies | busy / progress notices | server RSS MB |"
    )
    print(head)
    print("|---" * 13 + "|")
    for r in rows:
        print(
            f"| {r['llm']} | {r['mode']} | {r['n']} | {r['accepted_per_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['max_ms']:.0f} | {r['over_5s']} | {r['answered_60s']:.1%} | {r['answer_p50_s']:.2f}/{r['answer_p99_s']:.2f} "
            f"| {r['duplicates']} | {r['busy']} / {r['progress']} | {r['rss_start']:.0f}→{r['rss_mb']:.0f} |"
        )
    print(
        "\nCPU split per phase, while callbacks were sent (cores: CPU s per s; 'others' = other users of the machine)\n"
    )
    print("| LLM | load | server | load generator + qyapi | fake LLM | others | load avg (1 min) |")
    print("|---" * 7 + "|")
    for r in rows:
        c = r["cpu"]
        print(
            f"| {r['llm']} | {r['mode']} | {c['server']:.2f} | {c['loadgen']:.2f} | {c['llm']:.2f} "
            f"| {c['others']:.2f} | {c['load1']:.1f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
