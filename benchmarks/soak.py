"""Soak: two `salesbot serve` replicas on PostgreSQL and Redis, WeCom + DingTalk traffic, a SIGKILL and a DB cut.

    .venv/bin/python benchmarks/soak.py                       # 100 msg/s for 120 s (about 5 min in all)
    .venv/bin/python benchmarks/soak.py --rate 50 --seconds 60

Set-up (all on loopback, all on this machine's cores):
- PostgreSQL and Redis from scripts/ci_services.sh (started if needed); a fresh database per run. The
  database cut is done by PostgreSQL: every open connection of the soak database is terminated and new
  ones are refused (datallowconn off) for --cut-seconds, as in a failover or a server restart.
- Two replicas (separate processes, SALESBOT_REPLICA_ID r1/r2), each with the WeCom self-built app and
  DingTalk stream mode configured against the fakes (tests/fakes/wecom.py, tests/fakes/dingtalk.py), and
  the LLM pointed at a lean fake OpenAI server in its own process: 1 s per call, 10 % of calls answer HTTP 500
  (the client retries them, SALESBOT_LLM_MAX_RETRIES=2; a turn whose retries all fail gets the offline answer).
- WeCom: callbacks are encrypted and signed as WeCom does and spread over the replicas as a load balancer
  would (round robin; a refused connection goes to the next replica, like nginx's proxy_next_upstream).
  A delivery without an HTTP 200 within 5 s is delivered again, 3 deliveries in all. DingTalk: the fake
  gateway spreads frames over both stream connections and redelivers a frame not ACKed within 5 s.
  5 % of messages of both channels are delivered once more after being accepted (platform duplicates).
- Every message is free text with a unique marker (`[W123]`, `[D45]`), from a pool of colleagues; the fake
  LLM puts the marker in its answer, so each reply is attributed to its message exactly.
- Faults: at 1/3 of the run replica r2 gets SIGKILL and is restarted --down-seconds later; at 2/3 the
  database is cut for --cut-seconds.

Printed: messages in, replies out, answered, lost (no reply by the end of the answer window), duplicate
replies (a message answered more than once), duplicate writes (a turn's memory or ledger row written
twice, read from the database), answer latency p50/p99 (first delivery → first reply), and for each fault
the recovery time: from the fault to the moment every message sent before the fault ended was answered.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import asyncio  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import aiohttp  # noqa: E402
import psutil  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.machine import describe, percentile  # noqa: E402
from bot.replies import BUSY  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORP_ID, SECRET = "wwsoak00000000001", "soak-secret"
TOKEN, AES_KEY = "soaktoken", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
MARK = re.compile(r"\[([WD]\d+)\]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the fake LLM, in a process of its own -------------------------------------------------------


class _LeanLLM(asyncio.Protocol):
    """A chat-completions endpoint in plain asyncio: keep-alive HTTP/1.1, one JSON answer per request.

    tests/fakes/openai_server.py (aiohttp, every request checked against the protocol) cost 1.9 ms of CPU per
    message here, which the replicas it measures had to share the 2 cores with. This one answers the same
    shape (choices, usage) for a tenth of that; the protocol itself is tested against the full fake.
    """

    def __init__(self, latency: float, error_rate: float, rng: random.Random):
        self.latency, self.error_rate, self.rng = latency, error_rate, rng
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", self.buffer[:head_end])
            size = int(match.group(1)) if match else 0
            if len(self.buffer) < head_end + 4 + size:
                return
            body = self.buffer[head_end + 4 : head_end + 4 + size]
            self.buffer = self.buffer[head_end + 4 + size :]
            response = self._answer(body)
            asyncio.get_running_loop().call_later(self.latency, self._write, response)

    def _write(self, response: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response)

    def _answer(self, body: bytes) -> bytes:
        if self.rng.random() < self.error_rate:
            status, payload = "500 Internal Server Error", {"error": {"message": "overloaded", "type": "server_error"}}
        else:
            messages = json.loads(body)["messages"]
            last_user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
            m = MARK.search(last_user if isinstance(last_user, str) else "")
            content = f"好的，收到 [{m.group(1)}]。我把要点记下了，明天上午提醒你跟进报价。" if m else "好的，收到。"
            prompt_tokens = len(body) // 3
            status, payload = (
                "200 OK",
                {
                    "id": f"chatcmpl-{uuid.uuid4().hex}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": "soak",
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": 30,
                        "total_tokens": prompt_tokens + 30,
                    },
                },
            )
        data = json.dumps(payload, ensure_ascii=False).encode()
        return (
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            f"Connection: keep-alive\r\n\r\n"
        ).encode() + data

    def connection_lost(self, exc) -> None:
        self.transport = None


async def _serve_llm(latency: float, error_rate: float) -> None:
    rng = random.Random(7)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _LeanLLM(latency, error_rate, rng), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}/v1", flush=True)
    await asyncio.Event().wait()


def start_llm(latency: float, error_rate: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--fake-llm", "--llm-latency", str(latency), "--llm-error-rate", str(error_rate)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("http"):
        proc.kill()
        raise RuntimeError(f"fake LLM did not start: {line!r}")
    return proc, line


# --- services and the database cut ---------------------------------------------------------------


def services() -> dict[str, str]:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "ci_services.sh"), "start"], check=True, capture_output=True, text=True
    ).stdout
    env = {}
    for line in out.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            env[key] = value
    return env


def fresh_database(admin_url: str, name: str) -> str:
    import psycopg

    u = make_url(admin_url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False)


class DatabaseCut:
    """Cuts the replicas off their database the way a failover or a server restart does: every open
    connection of the soak database is terminated and new ones are refused for a few seconds.

    Done by PostgreSQL itself (datallowconn off, pg_terminate_backend) over an admin connection to another
    database, so no proxy sits in the replicas' path: a proxy in this process relayed every query and cost
    the load generator more CPU than the traffic it generates.
    """

    def __init__(self, admin_url: str, db_name: str):
        self.admin_url, self.db_name = admin_url, db_name

    def _admin(self, *statements: str) -> None:
        import psycopg

        u = make_url(self.admin_url)
        with psycopg.connect(
            host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, autocommit=True
        ) as conn:
            for statement in statements:
                conn.execute(statement)

    async def cut(self, seconds: float) -> None:
        await asyncio.to_thread(
            self._admin,
            f'ALTER DATABASE "{self.db_name}" ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.db_name}'",
        )
        await asyncio.sleep(seconds)
        await asyncio.to_thread(self._admin, f'ALTER DATABASE "{self.db_name}" ALLOW_CONNECTIONS true')


# --- replicas ------------------------------------------------------------------------------------


class Replica:
    def __init__(self, name: str, env: dict[str, str], data_dir: Path):
        self.name, self.env, self.data_dir = name, env, data_dir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.peak_rss = 0.0
        self.cpu_seconds = 0.0  # of processes that ended (a killed one counts up to its last sample)
        self._last_cpu = 0.0
        self._sampled_at = 0.0

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "a")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESBOT_", "WECOM_", "OPENAI_", "DINGTALK_"))}
        env.update(
            self.env, SALESBOT_DATA_DIR=str(self.data_dir), SALESBOT_REPLICA_ID=self.name, PYTHONPATH=str(ROOT)
        )  # this checkout, whatever the installed copy's package list says
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "salesbot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.data_dir,
            env=env,
            stdout=log,
            stderr=log,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def wait_healthy(self, http: aiohttp.ClientSession, timeout: float = 120) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not self.alive():
                raise RuntimeError(f"replica {self.name} exited; see {self.data_dir / 'server.log'}")
            try:
                async with http.get(self.url + "/healthz") as r:
                    if r.status == 200:
                        return time.monotonic() - started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"replica {self.name} not healthy after {timeout} s")

    def sample_rss(self, every: float = 0.0) -> None:
        now = time.monotonic()
        if now - self._sampled_at < every:
            return
        self._sampled_at = now
        try:
            if self.alive():
                ps = psutil.Process(self.proc.pid)
                self.peak_rss = max(self.peak_rss, ps.memory_info().rss / 2**20)
                t = ps.cpu_times()
                self._last_cpu = t.user + t.system
        except psutil.Error:
            pass

    def total_cpu(self) -> float:
        self.sample_rss()
        return self.cpu_seconds + self._last_cpu

    def kill(self) -> None:
        self.sample_rss()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.cpu_seconds += self._last_cpu
        self._last_cpu = 0.0

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- traffic -------------------------------------------------------------------------------------


@dataclass
class Message:
    mark: str
    channel: str
    user: str
    sent_at: float = 0.0
    accepted: bool = False
    deliveries: int = 0
    replies: list[float] = field(default_factory=list)
    failed_deliveries: list[str] = field(default_factory=list)  # when and why, for the lost ones
    texts: list[str] = field(default_factory=list)


class Traffic:
    def __init__(self, replicas: list[Replica], http: aiohttp.ClientSession, qyapi, fake, gateway, args):
        self.busy_notices = 0  # 「消息较多，稍等」 notices seen (not replies)
        from tests.fakes.wecom import FakeWeComSender

        self.replicas, self.http, self.qyapi, self.fake, self.gateway, self.args = (
            replicas,
            http,
            qyapi,
            fake,
            gateway,
            args,
        )
        self.sender = FakeWeComSender(http, "", token=TOKEN, encoding_aes_key=AES_KEY, receive_id=CORP_ID)
        self.messages: dict[str, Message] = {}
        self.by_session: dict[str, str] = {}
        self.rr = itertools.count()
        self.tasks: set[asyncio.Task] = set()
        self.wecom_users = [f"soakw{i:04d}" for i in range(args.wecom_users)]
        self.ding_users = [f"soakd{i:04d}" for i in range(args.ding_users)]
        self.counter = itertools.count(1)
        self.redeliveries = 0
        self.not_accepted = 0
        self.t0 = time.monotonic()  # reset when the measured run starts

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _post_wecom(self, body: bytes, params: dict, msg: Message | None = None) -> bool:
        """One delivery through the 'load balancer': round robin, a refused connection tries the next one."""
        refused = []
        first = next(self.rr)  # round robin; on a refused connection the next replica, not the next turn's pick
        for i in range(len(self.replicas)):
            replica = self.replicas[(first + i) % len(self.replicas)]
            try:
                async with self.http.post(
                    replica.url + "/wecom/callback",
                    params=params,
                    data=body,
                    headers={"Content-Type": "text/xml"},
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as resp:
                    await resp.read()
                    if resp.status == 200:
                        return True
                    failure = f"{replica.name} HTTP {resp.status}"
                    break
            except aiohttp.ClientConnectorError as exc:
                refused.append(f"{replica.name} {exc.os_error!r}")
                continue  # nothing listening: next upstream
            except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
                failure = f"{replica.name} {type(exc).__name__}"
                break
        else:
            failure = "refused by " + ", ".join(refused)
        if msg is not None:
            msg.failed_deliveries.append(f"{time.monotonic() - self.t0:.1f} s {failure}")
        return False

    async def _wecom(self, msg: Message, duplicate: bool) -> None:
        from tests.fakes.wecom import text_xml

        body, params = self.sender.envelope_xml(
            text_xml(CORP_ID, msg.user, f"[{msg.mark}] 今天拜访了客户，聊了报价和交付，帮我记一下", msg.mark.lower())
        )
        for attempt in range(3):  # WeCom: no 200 within 5 s → the same body again, 3 deliveries in all
            started = time.monotonic()
            msg.deliveries += 1
            if attempt:
                self.redeliveries += 1
            if await self._post_wecom(body, params, msg):
                msg.accepted = True
                break
            await asyncio.sleep(max(0.0, 5.0 - (time.monotonic() - started)))
        else:
            self.not_accepted += 1
        if duplicate:
            await asyncio.sleep(random.uniform(0.1, 2.0))
            await self._post_wecom(body, params)

    async def _dingtalk(self, msg: Message, duplicate: bool) -> None:
        payload = self.fake.robot_message(
            f"[{msg.mark}] 下午见了客户，对方关心实施周期，帮我记一下",
            staff_id=msg.user,
            nick=f"同事{msg.user[-3:]}",
            msg_id=f"msg{msg.mark}{uuid.uuid4().hex[:8]}==",
        )
        self.by_session[payload["sessionWebhook"].split("session=")[1]] = msg.mark
        await self.gateway.remote(self.gateway.send_callback(payload))
        msg.accepted = True  # the gateway owns redelivery from here (unACKed → again after 5 s)
        if duplicate:
            await asyncio.sleep(random.uniform(0.1, 2.0))
            await self.gateway.remote(self.gateway.send_callback(payload))

    def send_one(self, measured: bool = True) -> Message:
        n = next(self.counter)
        wecom = random.random() < self.args.wecom_share
        channel = "wecom" if wecom else "dingtalk"
        user = random.choice(self.wecom_users if wecom else self.ding_users)
        msg = Message(mark=("W" if wecom else "D") + str(n), channel=channel, user=user, sent_at=time.monotonic())
        if measured:
            self.messages[msg.mark] = msg
        duplicate = random.random() < self.args.dup_share
        self._spawn(self._wecom(msg, duplicate) if wecom else self._dingtalk(msg, duplicate))
        return msg

    async def run(self, rate: float, seconds: float, measured: bool = True, on_tick=None) -> None:
        t0 = time.monotonic()
        i = 0
        while True:
            elapsed = time.monotonic() - t0
            if elapsed >= seconds:
                break
            due = int(elapsed * rate) + 1
            while i < due:
                self.send_one(measured)
                i += 1
            if on_tick:
                on_tick(elapsed)
            await asyncio.sleep(0.01)

    # --- replies -----------------------------------------------------------------------------

    def collect(self) -> tuple[int, int]:
        """Attribute every reply the fakes received to its message; returns (replies, unattributed)."""
        for msg in self.messages.values():
            msg.replies.clear()
            msg.texts.clear()
        replies = unattributed = self.busy_notices = 0
        fallback: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for call in self.qyapi.calls:
            # a send WeCom's duplicate check dropped reached nobody: it is not a reply
            if call["path"] != "message/send" or not call.get("ok") or call.get("duplicate"):
                continue
            payload = call["json"]
            content = (payload.get("text") or payload.get("markdown") or {}).get("content", "")
            if content == BUSY:  # the 「消息较多，稍等」 notice while turns queue: not an answer
                self.busy_notices += 1
                continue
            replies += 1
            m = MARK.search(content)
            if m and m.group(1) in self.messages:
                self.messages[m.group(1)].replies.append(call["at"])
                self.messages[m.group(1)].texts.append(content)
            else:
                fallback[payload.get("touser", "")].append((call["at"], content))
        for send in self.fake.webhook_sends:
            mark = self.by_session.get(send["session"])
            if (send.get("body") or {}).get("text", {}).get("content") == BUSY:
                self.busy_notices += 1
                continue
            replies += 1
            if mark in self.messages:
                self.messages[mark].replies.append(send["at"])
                self.messages[mark].texts.append(str(send["body"]))
            else:
                unattributed += 1
        for send in self.fake.robot_sends:
            replies += 1
            unattributed += 1
        # replies without a marker (offline fallback, error text): the user's oldest unanswered message
        for user, sends in fallback.items():
            waiting = sorted(
                (m for m in self.messages.values() if m.user == user and not m.replies), key=lambda m: m.sent_at
            )
            for (at, content), msg in zip(sorted(sends), waiting):
                msg.replies.append(at)
                msg.texts.append(content)
            unattributed += max(0, len(sends) - len(waiting))
        return replies, unattributed

    def unanswered(self, sent_before: float | None = None) -> int:
        return sum(
            1 for m in self.messages.values() if not m.replies and (sent_before is None or m.sent_at <= sent_before)
        )


# --- duplicate writes, read from the database ----------------------------------------------------


def duplicate_writes(db_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    from bot.db import sync_url

    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            ledger = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT platform, msg_id FROM inbound_message GROUP BY 1, 2 HAVING count(*) > 1) d"
                )
            ).scalar()
            memory = conn.execute(
                text(
                    "SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) c FROM conversation_message "
                    "WHERE role = 'user' AND content LIKE '[%%]%%' GROUP BY content HAVING count(*) > 1) d"
                )
            ).scalar()
            outbox_per_inbound = conn.execute(
                text(
                    "SELECT coalesce(sum(c - 1), 0) FROM (SELECT count(*) c FROM outbox_message "
                    "WHERE key LIKE 'reply:%%' GROUP BY key HAVING count(*) > 1) d"
                )
            ).scalar()
            unfinished = conn.execute(text("SELECT count(*) FROM inbound_message WHERE status = 'received'")).scalar()
            failed_rows = conn.execute(text("SELECT count(*) FROM outbox_message WHERE status = 'failed'")).scalar()
            pending_rows = conn.execute(text("SELECT count(*) FROM outbox_message WHERE status <> 'sent'")).scalar()
            taken_over = conn.execute(
                text("SELECT count(*) FROM inbound_message WHERE owner IS NOT NULL AND status <> 'received'")
            ).scalar()
            by_owner = dict(conn.execute(text("SELECT owner, count(*) FROM inbound_message GROUP BY owner")).all())
    finally:
        engine.dispose()
    return {
        "ledger": ledger,
        "memory": int(memory),
        "outbox": int(outbox_per_inbound),
        "unfinished": unfinished,
        "outbox_failed": failed_rows,
        "outbox_not_sent": pending_rows,
        "finished": taken_over,
        "by_owner": by_owner,
    }


def stage_quantile(metrics_text: str, stage: str, q: float) -> str:
    """The histogram bucket bound under which a share `q` of a stage's observations fell ('?' if none)."""
    buckets = []
    for m in re.finditer(
        r'^salesbot_stage_seconds_bucket\{le="([^"]+)",stage="%s"\} (\S+)' % re.escape(stage), metrics_text, re.M
    ):
        buckets.append((float(m.group(1)), float(m.group(2))))
    if not buckets or buckets[-1][1] == 0:
        return "?"
    total = buckets[-1][1]
    for bound, count in sorted(buckets):
        if count >= q * total:
            return f"{bound:g}"
    return "?"


def postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL server, backends that already exited included (the postmaster reaped
    them, so their time is in its children_* counters: the database cut and each reconnect end backends)."""
    total = 0.0
    for p in psutil.process_iter(["name", "ppid"]):
        try:
            if (p.info["name"] or "").startswith("postgres"):
                t = p.cpu_times()
                total += t.user + t.system
                if not (psutil.Process(p.info["ppid"]).name() or "").startswith("postgres"):  # the postmaster
                    total += t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


# --- the run -------------------------------------------------------------------------------------


async def main(args) -> None:
    from tests.fakes.dingtalk import FakeDingTalk
    from tests.fakes.wecom import FakeQyapi

    class SpreadingGateway(FakeDingTalk):
        """DingTalk spreads stream messages over an app's connections: round robin over the live ones."""

        _turn = itertools.count()

        def live_connection(self):
            live = [c for c in self.connections if not c.closed and not c.draining and not c.ws.closed]
            return live[next(self._turn) % len(live)] if live else None

    env = services()
    admin_url, redis_url = env["SALESBOT_TEST_DATABASE_URL"], env["SALESBOT_TEST_REDIS_URL"]
    db_name = f"salesbot_soak_{os.getpid()}"
    direct_url = fresh_database(admin_url, db_name)
    from bot.db import Database

    Database(direct_url).migrate_sync()  # once, before the replicas (they would also serialise on a lock)
    database = DatabaseCut(admin_url, db_name)
    import redis

    redis.Redis.from_url(redis_url).flushdb()

    llm_proc, llm_url = start_llm(args.llm_latency, args.llm_error_rate)
    gateway = SpreadingGateway(redeliver_after=5.0, disconnect_grace=1.0)
    gateway.start_in_thread()
    fake = FakeDingTalk(ws_gateway=gateway)
    await fake.start()
    qyapi = FakeQyapi(CORP_ID, SECRET)
    qyapi.auto_users = True
    await qyapi.start()
    for i in range(args.ding_users):
        staff = f"soakd{i:04d}"
        fake.users[staff] = {"userid": staff, "name": f"同事{staff[-3:]}", "dept_id_list": [1]}
    fake.departments[1] = "销售部"

    replica_env = {
        "SALESBOT_DATABASE_URL": direct_url,
        "SALESBOT_REDIS_URL": redis_url,
        "SALESBOT_REDIS_PREFIX": "soak:",
        "SALESBOT_LOG_LEVEL": "WARNING",
        "SALESBOT_LOG_FORMAT": "json",
        "SALESBOT_SCHEDULER_ENABLED": "false",
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": "1000002",
        "WECOM_SECRET": SECRET,
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": AES_KEY,
        "WECOM_API_BASE": qyapi.base_url,
        "DINGTALK_CLIENT_ID": fake.client_id,
        "DINGTALK_CLIENT_SECRET": fake.client_secret,
        "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        "OPENAI_BASE_URL": llm_url,
        "OPENAI_API_KEY": "soak",
        "SALESBOT_LLM_MODEL": "fake",
        "SALESBOT_LLM_MAX_RETRIES": "2",
        "SALESBOT_LLM_TIMEOUT": "30",
    }
    work = Path(tempfile.mkdtemp(prefix="salesbot-soak-"))
    replicas = [Replica(name, replica_env, work / name) for name in ("r1", "r2")]
    faults: dict[str, dict] = {}
    health_json: dict[str, dict] = {}
    try:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            for r in replicas:
                r.start()
            for r in replicas:
                await r.wait_healthy(http)
            await gateway.remote(gateway.wait_for_connections(2, timeout=60))
            traffic = Traffic(replicas, http, qyapi, fake, gateway, args)

            # warm-up: every colleague's first contact (directory lookup, staff user), not measured
            print(f"warm-up: {args.wecom_users + args.ding_users} first contacts ...", file=sys.stderr)
            for user in traffic.wecom_users + traffic.ding_users:
                msg = Message(mark="X0", channel="wecom" if user.startswith("soakw") else "dingtalk", user=user)
                msg.mark = f"{'W' if msg.channel == 'wecom' else 'D'}{next(traffic.counter)}"
                traffic._spawn(traffic._wecom(msg, False) if msg.channel == "wecom" else traffic._dingtalk(msg, False))
                await asyncio.sleep(1 / 50)
            warm = args.wecom_users + args.ding_users
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and (
                traffic.tasks
                or sum(1 for c in qyapi.calls if c["path"] == "message/send" and c["ok"]) + len(fake.webhook_sends)
                < warm
            ):
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)
            qyapi.calls.clear()
            fake.webhook_sends.clear()
            fake.robot_sends.clear()

            kill_at, cut_at = args.seconds * args.kill_at, args.seconds * args.cut_at
            state = {"killed": False, "cut": False}
            loop = asyncio.get_running_loop()

            async def kill_and_restart() -> None:
                victim = replicas[1]
                faults["kill"] = {"at": time.monotonic()}
                victim.kill()
                await asyncio.sleep(args.down_seconds)
                victim.start()
                restarted = time.monotonic()
                faults["kill"]["end"] = restarted
                try:
                    faults["kill"]["healthy_after"] = await victim.wait_healthy(http, timeout=300)
                except RuntimeError:  # exited while starting (e.g. into the database cut): restarted by on_tick
                    faults["kill"]["healthy_after"] = float("nan")

            async def cut_database() -> None:
                faults["cut"] = {"at": time.monotonic()}
                await database.cut(args.cut_seconds)
                faults["cut"]["end"] = time.monotonic()

            fault_tasks = []

            restarting: set[str] = set()
            crashes: list[str] = []

            def on_tick(elapsed: float) -> None:
                for r in replicas:
                    r.sample_rss(every=0.5)  # psutil per 10 ms tick costs the load generator more than the traffic
                    # like Docker's restart policy: a replica that exited on its own is started again
                    if (
                        r.proc is not None
                        and not r.alive()
                        and r.name not in restarting
                        and not (r is replicas[1] and "kill" in faults and "end" not in faults["kill"])
                    ):
                        crashes.append(f"{r.name} exit {r.proc.returncode} at {elapsed:.0f} s")
                        r.cpu_seconds += r._last_cpu
                        r._last_cpu = 0.0
                        r.start()
                if not state["killed"] and elapsed >= kill_at and args.kill_at < 1:
                    state["killed"] = True
                    fault_tasks.append(loop.create_task(kill_and_restart()))
                if not state["cut"] and elapsed >= cut_at and args.cut_at < 1:
                    state["cut"] = True
                    fault_tasks.append(loop.create_task(cut_database()))

            print(f"run: {args.rate:g} msg/s for {args.seconds:g} s ...", file=sys.stderr)
            t0 = traffic.t0 = time.monotonic()
            cpu0 = psutil.cpu_times()
            own0 = psutil.Process().cpu_times()
            replica_cpu0 = [r.total_cpu() for r in replicas]
            llm_ps = psutil.Process(llm_proc.pid)
            llm_cpu0 = sum(llm_ps.cpu_times()[:2])
            pg_cpu0 = postgres_cpu()
            await traffic.run(args.rate, args.seconds, on_tick=lambda e: on_tick(e))
            sent_seconds = time.monotonic() - t0
            await asyncio.gather(*fault_tasks)

            # answers: until everything is answered or the window closes
            deadline = time.monotonic() + args.answer_window
            while time.monotonic() < deadline:
                traffic.collect()
                if traffic.unanswered() == 0 and not traffic.tasks:
                    break
                on_tick(1e9)
                await asyncio.sleep(0.5)
            done_at = time.monotonic()
            cpu1 = psutil.cpu_times()
            own1 = psutil.Process().cpu_times()
            replica_cpu = sum(r.total_cpu() for r in replicas) - sum(replica_cpu0)
            llm_cpu = sum(llm_ps.cpu_times()[:2]) - llm_cpu0
            pg_cpu = postgres_cpu() - pg_cpu0
            await asyncio.sleep(3)  # late duplicates, if any, would land now
            replies, unattributed = traffic.collect()
            metrics_text = {}
            for r in replicas:
                try:
                    async with http.get(r.url + "/metrics") as resp:
                        metrics_text[r.name] = await resp.text()
                except aiohttp.ClientError:
                    metrics_text[r.name] = ""
                try:
                    async with http.get(r.url + "/healthz") as resp:
                        health_json[r.name] = await resp.json()
                except (aiohttp.ClientError, ValueError):
                    health_json[r.name] = {}
    finally:
        for r in replicas:
            r.stop()
        await qyapi.stop()
        await fake.close()
        gateway.stop_thread()
        llm_proc.terminate()

    writes = duplicate_writes(direct_url)
    msgs = list(traffic.messages.values())
    # recovery, from the timestamps: the fault → the last first answer to a message sent before it ended
    recovered: dict[str, float] = {}
    for name, fault in faults.items():
        before = [m for m in msgs if "end" in fault and m.sent_at <= fault["end"]]
        if before and all(m.replies for m in before):
            recovered[name] = max(min(m.replies) for m in before) - fault["at"]
    answered = [m for m in msgs if m.replies]
    lost = [m for m in msgs if not m.replies]
    lost_accepted = [m for m in lost if m.accepted]
    dup_msgs = [m for m in msgs if len(m.replies) > 1]
    driver_cpu = (own1.user + own1.system) - (own0.user + own0.system)
    dup_replies = sum(len(m.replies) - 1 for m in msgs if len(m.replies) > 1)
    visibly_failed = sum(1 for m in answered if not MARK.search(m.texts[0]))
    latencies = [min(m.replies) - m.sent_at for m in answered]
    last_answer = max((max(m.replies) for m in answered), default=t0)
    busy = sum(getattr(cpu1, f) - getattr(cpu0, f) for f in ("user", "system", "nice", "irq", "softirq"))
    total = busy + (cpu1.idle - cpu0.idle) + (getattr(cpu1, "iowait", 0) - getattr(cpu0, "iowait", 0))

    print(f"\nSoak — {describe()}")
    print(
        f"2 replicas (salesbot serve) on PostgreSQL 15 + Redis; fake LLM {args.llm_latency:g} s, "
        f"{args.llm_error_rate:.0%} HTTP 500; {args.wecom_share:.0%} WeCom / {1 - args.wecom_share:.0%} DingTalk; "
        f"{args.dup_share:.0%} platform duplicates; {args.wecom_users} + {args.ding_users} colleagues"
    )
    print(
        f"faults: SIGKILL r2 at {kill_at:.0f} s, restarted {args.down_seconds:g} s later; "
        f"database cut at {cut_at:.0f} s for {args.cut_seconds:g} s\n"
    )
    rows = [
        ("offered rate", f"{args.rate:g} msg/s for {args.seconds:g} s ({len(msgs) / sent_seconds:.1f} msg/s sent)"),
        (
            "messages in",
            f"{len(msgs)} (WeCom {sum(m.channel == 'wecom' for m in msgs)}, "
            f"DingTalk {sum(m.channel == 'dingtalk' for m in msgs)})",
        ),
        ("replies out", f"{replies} ({unattributed} not attributable; busy notices apart: {traffic.busy_notices})"),
        (
            "answered",
            f"{len(answered)} ({len(answered) / max(1, len(msgs)):.2%}); "
            f"{visibly_failed} of them with the fallback/error text",
        ),
        ("answered per second", f"{len(answered) / max(1e-6, last_answer - t0):.1f} msg/s (first send → last reply)"),
        (
            "lost (no reply)",
            f"{len(lost)} ({len(lost_accepted)} of them accepted by a replica; the rest never got "
            "an HTTP 200 in 3 deliveries)",
        ),
        (
            "duplicate replies",
            f"{dup_replies} (WeCom {sum(m.channel == 'wecom' for m in dup_msgs)}, DingTalk "
            f"{sum(m.channel == 'dingtalk' for m in dup_msgs)}; sent at "
            f"{', '.join(f'{min(m.replies) - t0:.0f} s' for m in dup_msgs[:8])})",
        ),
        ("duplicate writes", f"ledger {writes['ledger']}, memory {writes['memory']}, outbox {writes['outbox']}"),
        (
            "left unfinished in DB",
            f"inbound {writes['unfinished']}, outbox not sent {writes['outbox_not_sent']} "
            f"(failed {writes['outbox_failed']})",
        ),
        (
            "answer latency p50 / p99 / max",
            f"{percentile(latencies, 50):.2f} / {percentile(latencies, 99):.2f} / "
            f"{max(latencies, default=float('nan')):.2f} s",
        ),
        ("WeCom redeliveries (no 200 in 5 s)", f"{traffic.redeliveries}; never accepted: {traffic.not_accepted}"),
        ("WeCom resends dropped by its duplicate check", str(qyapi.duplicates_dropped)),
        ("DingTalk redeliveries (no ACK in 5 s)", str(gateway.redeliveries)),
        ("turns by replica", ", ".join(f"{k}: {v}" for k, v in sorted(writes["by_owner"].items(), key=str))),
        ("kill r2: restart → healthy", f"{faults.get('kill', {}).get('healthy_after', float('nan')):.1f} s"),
        (
            "kill r2: recovery",
            f"{recovered.get('kill', float('nan')):.1f} s (kill → every message sent before the restart answered)",
        ),
        (
            "DB cut: recovery",
            f"{recovered.get('cut', float('nan')):.1f} s (cut → every message sent before "
            "the database came back answered)",
        ),
        (
            "CPU busy (whole machine)",
            f"{busy / max(total, 1e-6):.0%} of {psutil.cpu_count()} cores over {done_at - t0:.0f} s",
        ),
        (
            "CPU seconds per answered message",
            f"replicas {replica_cpu / max(1, len(answered)) * 1000:.1f} ms, "
            f"PostgreSQL {pg_cpu / max(1, len(answered)) * 1000:.1f} ms, "
            f"load generator + fakes {driver_cpu / max(1, len(answered)) * 1000:.1f} ms, "
            f"fake LLM {llm_cpu / max(1, len(answered)) * 1000:.1f} ms",
        ),
        (
            "capacity on 2 dedicated cores (estimate)",
            f"{2 / max(1e-9, (replica_cpu + pg_cpu) / max(1, len(answered))):.0f} "
            "msg/s (2 cores / (replica + PostgreSQL CPU per message))",
        ),
        ("replica crashes (restarted like Docker would)", ", ".join(crashes) or "none"),
        ("replica peak RSS", ", ".join(f"{r.name} {r.peak_rss:.0f} MB" for r in replicas)),
    ]
    width = max(len(k) for k, _ in rows)
    print("| measure | value |\n|---|---|")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")
    for name, text in metrics_text.items():
        dup = re.search(r"^salesbot_duplicates_dropped_total (\S+)", text, re.M)
        taken = re.search(r"^salesbot_turns_taken_over_total (\S+)", text, re.M)
        ding = next((c for c in (health_json.get(name, {}).get("channels") or {}).values() if "ack_ms_p99" in c), {})
        print(
            f"{name} /metrics: duplicates dropped {dup.group(1) if dup else '?'}, "
            f"taken over {taken.group(1) if taken else '?'} (since its last start); outbox sent-mark latency "
            f"p50 / p99 ≤ {stage_quantile(text, 'outbox_mark', 0.5)} / {stage_quantile(text, 'outbox_mark', 0.99)} s; "
            f"DingTalk frame → ACK p50 / p99 {ding.get('ack_ms_p50')} / {ding.get('ack_ms_p99')} ms, "
            f"left un-ACKed {ding.get('frames_unacked')}"
        )
    for m in lost[:5]:
        print(
            f"lost {m.mark} ({m.channel}): sent at {m.sent_at - t0:.1f} s, accepted {m.accepted}; failed deliveries: "
            f"{'; '.join(m.failed_deliveries) or '-'}"
        )
    print(f"logs: {work}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=100.0, help="messages per second offered")
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--wecom-share", type=float, default=0.6)
    ap.add_argument("--dup-share", type=float, default=0.05)
    ap.add_argument("--wecom-users", type=int, default=300)
    ap.add_argument("--ding-users", type=int, default=200)
    ap.add_argument("--kill-at", type=float, default=1 / 3, help="fraction of the run (>= 1: no kill)")
    ap.add_argument("--down-seconds", type=float, default=5.0)
    ap.add_argument("--cut-at", type=float, default=2 / 3, help="fraction of the run (>= 1: no cut)")
    ap.add_argument("--cut-seconds", type=float, default=5.0)
    ap.add_argument("--answer-window", type=float, default=180.0)
    ap.add_argument("--llm-latency", type=float, default=1.0)
    ap.add_argument("--llm-error-rate", type=float, default=0.10)
    ap.add_argument("--fake-llm", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    from salesbot.cli import event_loop_factory

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:  # the load generator is as lean as the replicas
        if a.fake_llm:
            try:
                runner.run(_serve_llm(a.llm_latency, a.llm_error_rate))
            except KeyboardInterrupt:
                pass
        else:
            runner.run(main(a))
