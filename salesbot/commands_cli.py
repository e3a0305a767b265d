"""The core subcommands: serve, chat, demo, eval, doctor.

Heavy modules are imported inside the commands, so `salesbot --help` stays fast (salesbot/cli.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from typing import TYPE_CHECKING

from bot.messages import Role

if TYPE_CHECKING:  # pragma: no cover
    from bot.settings import Settings
    from salesbot.app import App


def register(sub) -> None:
    p = sub.add_parser(
        "serve", help="HTTP server (WeCom/DingTalk callbacks, admin, /healthz, /metrics), stream clients, scheduler"
    )
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=serve)

    p = sub.add_parser("chat", help="talk to the bot in the terminal (reads stdin line by line when piped)")
    p.add_argument("--user", default=None, help="staff username (default: the first user with --role)")
    p.add_argument("--role", choices=[r.value for r in Role], default="rep")
    p.set_defaults(func=chat)

    p = sub.add_parser("demo", help="load the demo org, customers, opportunities and talk tracks (idempotent)")
    p.set_defaults(func=demo)

    p = sub.add_parser("eval", help="score the configured LLM on scripted agent scenarios")
    p.add_argument("--suite", default=None, help="scenario file or folder (default: the shipped scenarios)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--record",
        metavar="DIR",
        default=None,
        help="store the model's raw responses, one JSON file per scenario (replayed by tests/fakes/openai_server.py)",
    )
    p.set_defaults(func=run_eval)

    p = sub.add_parser("doctor", help="check the deployment: LLM, channels, database, Redis, data directory")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per network check (default 20)")
    # a half-configured channel is one of the things doctor reports, not a reason to refuse to run
    p.set_defaults(func=doctor, skip_channel_check=True)


async def serve(args, settings: "Settings") -> int:
    from aiohttp import web

    from salesbot.app import App
    from salesbot.server import build_web_app
    from scheduler import start_scheduler

    # Everything imported by now (LangChain, Chroma, SQLAlchemy, every capability: about a million objects)
    # lives as long as the process. Unfrozen, every full GC pass walks it all and holds the GIL for 100-200 ms,
    # and WeCom's 200s and DingTalk's ACKs wait behind it (DingTalk: p99 time-to-ACK 225 -> 37 ms at 300/s).
    # Collected before the channels connect, so the pass itself delays no message.
    gc.collect()
    gc.freeze()
    app = App(settings)
    await app.start()
    gc.freeze()  # and what start() built (the app, caches, the index); no collect, so no pause
    scheduler = await start_scheduler(app)
    runner = web.AppRunner(build_web_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    serving = (
        f"salesbot serving on http://{args.host}:{args.port}  (channels: {', '.join(sorted(app.adapters))}; "
        f"LLM: {'on' if settings.llm_configured else 'offline mode'})"
    )
    if settings.log_format == "json":  # every line of a production log is JSON
        logging.getLogger("bot.serve").info(serving)
    else:
        print(serving, file=sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if scheduler is not None:
        await scheduler.stop()
    await runner.cleanup()
    await app.stop()
    return 0


async def _console_user(app: "App", username: str | None, role: Role) -> tuple[str | None, str]:
    """(username or None, a note for the user)."""
    from sqlmodel import select

    from bot.models import StaffUser

    async with app.db.session() as s:
        if username:
            user = (await s.execute(select(StaffUser).where(StaffUser.username == username))).scalars().first()
            if user is None:
                return username, f"（注意：没有用户「{username}」，先运行 salesbot demo 或让管理员添加）"
            return user.username, f"你好，{user.name}（{user.role}）。"
        user = (
            (
                await s.execute(
                    select(StaffUser)
                    .where(StaffUser.role == role.value, StaffUser.active.is_(True))
                    .order_by(StaffUser.id)
                )
            )
            .scalars()
            .first()
        )
    if user is None:
        return None, f"还没有角色为 {role.value} 的用户。先运行 salesbot demo 加载演示数据。"
    return user.username, f"你好，{user.name}（{user.role}）。"


async def _read_lines(interactive: bool):
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, "你> ")
            except EOFError:
                return
        else:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
        yield line.rstrip("\n")


async def chat(args, settings: "Settings") -> int:
    from salesbot.app import App

    interactive = sys.stdin.isatty()
    out = (lambda text: print(f"助手> {text}", flush=True)) if interactive else (lambda text: print(text, flush=True))
    app = App(settings, console_output=out)
    await app.start(connect_channels=False, warm=False)
    console = app.adapters["console"]
    role = Role(args.role)
    if role is Role.CUSTOMER:
        user, role_hint = args.user or "guest", Role.CUSTOMER
        note = "（客户视角）"
    else:
        user, note = await _console_user(app, args.user, role)
        role_hint = None
    mode = "已接入大模型" if settings.llm_configured else "离线模式（没有配置大模型，用 /帮助 看命令）"
    if interactive:
        print(f"{note} {mode}。Ctrl-D 退出。", flush=True)
    try:
        if user is None:
            print(note, file=sys.stderr)
            return 1
        async for line in _read_lines(interactive):
            if not line.strip() and not interactive:
                continue
            await app.receive(await console.read_line(line, user, role_hint))
            await app.drain()
    finally:
        await app.stop()
    return 0


async def demo(args, settings: "Settings") -> int:
    from salesbot.app import App
    from salesbot.demo import load_demo

    app = App(settings)
    await app.start(connect_channels=False, resume=False)
    try:
        report = await load_demo(app)
    finally:
        await app.stop()
    print(report)
    return 0


async def run_eval(args, settings: "Settings") -> int:
    from salesbot.evaluation import main as eval_main

    return await eval_main(args, settings)


async def doctor(args, settings: "Settings") -> int:
    from salesbot.doctor import main as doctor_main

    return await doctor_main(args, settings)
