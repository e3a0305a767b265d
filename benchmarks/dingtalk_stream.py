"""DingTalk stream benchmark: the fake gateway pushes bursts of robot messages over one stream connection
to a real `salesbot serve` process.

    .venv/bin/python benchmarks/dingtalk_stream.py            # full run (~8 min on 2 cores: answering is slower than ingest)
    .venv/bin/python benchmarks/dingtalk_stream.py --quick    # smaller bursts
    .venv/bin/python benchmarks/dingtalk_stream.py --code /tmp/ingress-before   # another checkout's server

The server is a separate process (`python -m salesbot.cli serve`) on a fresh SQLite database in offline mode
(no LLM), with DINGTALK_OPENAPI_ENDPOINT pointing at the fake; it opens the stream connection to the fake
gateway like it would to DingTalk. The fake OpenAPI and sessionWebhooks live in this process's loop; the fake
gateway's websocket side runs in its own thread and loop, so reading ACKs does not queue behind webhook
requests (the real gateway is another machine; this one still shares the 2 cores).

Each message is a `/帮助` command from one of 50 colleagues (single chats), so every message runs a full
turn (ledger, identity, command, outbox) and is answered through its sessionWebhook. A share of messages
is pushed a second time with the same msgId (the platform's duplicate); one phase also gets a `disconnect`
frame in the middle of the burst.

Columns: frames pushed (duplicates included), ACK rate (frames ACKed per second from the first push to the
last ACK), time to ACK p50/p99/max (from the gateway's send to the ACK's arrival, so it includes both
processes' scheduling on the shared cores), client ACK p99 (the server's own read-to-ACK time, from
/healthz), answered (unique msgIds
with a reply), answered/s (unique messages answered per second from the first push to the last reply),
duplicate replies (a msgId answered more than once, the 「消息较多，稍等」 notice not counted; must be 0),
busy notices, server RSS. The CPU table splits each phase (first push until all is ACKed and answered) between the server process, this
process (fake OpenAPI, and the gateway's thread) and the rest of the machine (other users), in cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from bot.replies import BUSY  # noqa: E402
from tests.fakes.dingtalk import FakeDingTalk  # noqa: E402

SENDERS = [f"dt_bench{i:03d}" for i in range(50)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> str:
    from benchmarks.machine import describe

    return describe()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


class Server:
    def __init__(self, fake: FakeDingTalk, data_dir: str, code: Path = ROOT):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESBOT_", "WECOM_", "OPENAI_", "DINGTALK_"))}
        env.update(
            {
                "SALESBOT_DATA_DIR": data_dir,
                "SALESBOT_LOG_LEVEL": "WARNING",
                "DINGTALK_CLIENT_ID": fake.client_id,
                "DINGTALK_CLIENT_SECRET": fake.client_secret,
                "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
                # the checkout, not only the installed packages (e.g. `prompts/` is not in the package list)
                "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")])),
            }
        )
        self.log = open(Path(data_dir) / "server.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "salesbot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=data_dir,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        self.ps = psutil.Process(self.proc.pid)

    def rss_mb(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def stop(self) -> None:
        if self.log.closed:
            return
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


async def client_ack_p99(http: aiohttp.ClientSession, server: Server) -> float | None:
    async with http.get(f"http://127.0.0.1:{server.port}/healthz") as resp:
        health = await resp.json()
    for channel in health.get("channels", {}).values():
        if "ack_ms_p99" in channel:
            return channel["ack_ms_p99"]
    return None


async def run_phase(
    fake: FakeDingTalk,
    gateway: FakeDingTalk,
    server: Server,
    http: aiohttp.ClientSession,
    name: str,
    n: int,
    *,
    dup_share: float,
    disconnect_at: int | None = None,
    rate: float | None = None,
    window: float = 400.0,
) -> dict:
    payloads = [
        fake.robot_message("/帮助", staff_id=SENDERS[i % len(SENDERS)], nick=f"同事{i % len(SENDERS)}")
        for i in range(n)
    ]
    sessions = {p["sessionWebhook"].split("session=")[1]: p["msgId"] for p in payloads}
    replies_before = len(fake.webhook_sends) + len(fake.robot_sends)
    burst = []
    for payload in payloads:
        burst.append(payload)
        if random.random() < dup_share:
            burst.append(payload)  # the platform's duplicate: same msgId, new frame
    cpu = CpuSplit(server.ps)
    t0 = time.monotonic()
    if disconnect_at is None:
        frame_ids = await gateway.remote(gateway.send_burst(burst, rate=rate))
    else:
        frame_ids = await gateway.remote(gateway.send_burst(burst[:disconnect_at], rate=rate))
        await gateway.remote(gateway.disconnect())
        frame_ids += await gateway.remote(gateway.send_burst(burst[disconnect_at:], rate=rate))

    def acked_delivery(frame_id: str) -> str | None:
        # a frame sent while no connection was live waits in the gateway's queue and goes out later
        # under a new messageId; its ACK echoes that one
        return next((m for m in gateway.delivered.get(frame_id, []) if m in gateway.ack_latency), None)

    deadline = time.monotonic() + window
    while time.monotonic() < deadline:
        answered = {sessions[s["session"]] for s in fake.webhook_sends if s["session"] in sessions}
        if len(answered) == n and all(acked_delivery(f) for f in frame_ids):
            break
        await asyncio.sleep(0.05)
    cores = cpu.cores()
    acked = [m for m in map(acked_delivery, frame_ids) if m]
    ack_times = [gateway.ack_latency[m] for m in acked]
    last_ack = max((gateway.sent_at.get(m, t0) + gateway.ack_latency[m] for m in acked), default=t0)
    busy = [s for s in fake.webhook_sends if s["session"] in sessions and _is_busy(s)]
    replies = [s for s in fake.webhook_sends[0:] if s["session"] in sessions and not _is_busy(s)]
    per_msg = Counter(sessions[s["session"]] for s in replies)
    last_reply = max((s["at"] for s in replies), default=t0)
    return {
        "phase": name,
        "frames": len(frame_ids),
        "acked": len(ack_times),
        "ack_rate": len(ack_times) / max(last_ack - t0, 1e-6),
        "p50": pct(ack_times, 0.5) * 1000,
        "p99": pct(ack_times, 0.99) * 1000,
        "max": max(ack_times, default=0) * 1000,
        "answered": len(per_msg),
        "n": n,
        "answered_rate": len(per_msg) / max(last_reply - t0, 1e-6),
        "dup_replies": sum(c - 1 for c in per_msg.values() if c > 1),
        "other_sends": len(fake.webhook_sends) + len(fake.robot_sends) - replies_before - len(replies),
        "client_p99": await client_ack_p99(http, server),
        "rss": server.rss_mb(),
        "busy": len(busy),
        "cpu": cores,
    }


def _is_busy(send: dict) -> bool:
    return (send.get("body") or {}).get("text", {}).get("content") == BUSY


class CpuSplit:
    """Cores used by the server, this process and the rest of the machine since creation."""

    def __init__(self, server: psutil.Process):
        self.procs = {"server": server, "bench": psutil.Process()}
        self.t0 = time.monotonic()
        self.start = {k: self._cpu(p) for k, p in self.procs.items()}
        self.machine0 = self._machine()

    @staticmethod
    def _cpu(p: psutil.Process) -> float:
        t = p.cpu_times()
        return t.user + t.system

    @staticmethod
    def _machine() -> float:
        t = psutil.cpu_times()
        return sum(t) - t.idle - getattr(t, "iowait", 0.0)

    def cores(self) -> dict:
        wall = max(1e-9, time.monotonic() - self.t0)
        used = {k: self._cpu(p) - self.start[k] for k, p in self.procs.items()}
        out = {k: v / wall for k, v in used.items()}
        out["others"] = max(0.0, self._machine() - self.machine0 - sum(used.values())) / wall
        out["load1"] = os.getloadavg()[0]
        return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=None, help="length of each rate phase")
    parser.add_argument("--rates", default="300,500", help="rate phases, messages per second")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose server to run (default: this one)")
    parser.add_argument("--no-extra", action="store_true", help="only warm-up and the rate phases")
    args = parser.parse_args()
    seconds = args.seconds or (3 if args.quick else 10)
    rates = [int(r) for r in args.rates.split(",") if r]

    gateway = FakeDingTalk(redeliver_after=None, disconnect_grace=10.0)
    gateway.start_in_thread()
    fake = FakeDingTalk(ws_gateway=gateway)
    await fake.start()
    for staff in SENDERS:
        fake.users[staff] = {"userid": staff, "name": f"同事{staff[-3:]}", "dept_id_list": [1]}
    fake.departments[1] = "销售部"
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(fake, data_dir, args.code.resolve())
        try:
            await gateway.remote(gateway.wait_for_connections(1, timeout=90))
            async with aiohttp.ClientSession() as http:
                rows = [
                    await run_phase(fake, gateway, server, http, "warm-up (creates 50 staff users)", 100, dup_share=0.0)
                ]
                for rate in rates:
                    rows.append(
                        await run_phase(
                            fake,
                            gateway,
                            server,
                            http,
                            f"{rate}/s for {seconds} s (bursts of 30), 10% duplicates",
                            int(rate * seconds),
                            dup_share=0.1,
                            rate=rate,
                        )
                    )
                rows += (
                    []
                    if args.no_extra
                    else [
                        await run_phase(
                            fake,
                            gateway,
                            server,
                            http,
                            f"300/s for {seconds} s + disconnect mid-way",
                            int(300 * seconds),
                            dup_share=0.1,
                            rate=300,
                            disconnect_at=int(300 * seconds) // 2,
                        ),
                        await run_phase(
                            fake, gateway, server, http, "1000 at once (queueing, for reference)", 1000, dup_share=0.1
                        ),
                    ]
                )
        except BaseException:
            server.stop()
            print(
                "server log (tail):\n" + "".join(Path(server.log.name).read_text().splitlines(True)[-30:]),
                file=sys.stderr,
            )
            raise
        finally:
            server.stop()
            await fake.close()
            gateway.stop_thread()

    print(f"\nDingTalk stream benchmark — {machine()}")
    print(
        f"server: salesbot serve (offline mode, SQLite), one stream connection; "
        f"connections opened: {len(gateway.connections)}; code: {args.code}; "
        f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    )
    header = (
        "| phase | frames | ACK/s | time-to-ACK p50 ms | p99 ms | max ms | client ACK p99 ms (cumulative) "
        "| answered | answered/s | duplicate replies | busy notices | server RSS MB |"
    )
    print(header)
    print("|" + "---|" * 12)
    for r in rows:
        print(
            f"| {r['phase']} | {r['frames']} | {r['ack_rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} "
            f"| {r['client_p99']} | {r['answered']}/{r['n']} | {r['answered_rate']:.0f} | {r['dup_replies']} "
            f"| {r['busy']} | {r['rss']:.0f} |"
        )
    print(
        "\nCPU split per phase, from the first push until all is ACKed and answered (cores; 'others' = other users)\n"
    )
    print("| phase | server | fake gateway + OpenAPI | others | load avg (1 min) |")
    print("|" + "---|" * 5)
    for r in rows:
        c = r["cpu"]
        print(f"| {r['phase']} | {c['server']:.2f} | {c['bench']:.2f} | {c['others']:.2f} | {c['load1']:.1f} |")


if __name__ == "__main__":
    asyncio.run(main())
