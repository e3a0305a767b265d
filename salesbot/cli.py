"""`salesbot` command line. Capabilities add their own subcommands through `register(subparsers)`."""
from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys

from salesbot.channels import check_channels
from bot.settings import ConfigError, Settings

# Which module owns which subcommand. Each module has `register(subparsers)`, and each parser it adds
# sets `func=async (args, settings)`. A module not built yet is skipped.
SUBCOMMANDS = {
    "serve": "salesbot.commands_cli",
    "chat": "salesbot.commands_cli",
    "demo": "salesbot.commands_cli",
    "eval": "salesbot.commands_cli",
    "kb": "salesbot.kb_cli",
    "admin": "salesbot.admin.cli",
    "import": "salesbot.admin.cli",  # also `export`
    "extract": "salesbot.extract_cli",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesbot", description="Chat-first sales assistant for WeCom and DingTalk")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default from SALESBOT_LOG_LEVEL)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in dict.fromkeys(SUBCOMMANDS.values()):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a capability not built yet
                continue
            raise
        module.register(sub)
    return parser


def event_loop_factory():
    """uvloop where it is installed (Linux, macOS): the same asyncio API at about half the loop's CPU
    per socket event, which is most of what a busy replica's loop does (benchmarks/README.md, soak)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - e.g. Windows
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        check_channels(settings)  # a half-configured channel stops us here, naming the setting
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    from bot import structured_logging

    # JSON lines with the turn's trace id in production (SALESBOT_LOG_FORMAT=json); phone numbers,
    # e-mails and ID numbers are masked either way (bot/log_masking.py)
    from bot.replica import default_replica_id

    structured_logging.configure(settings.log_format, args.log_level or settings.log_level,
                                 settings.replica_id or default_replica_id())
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            result = runner.run(args.func(args, settings))
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from bot.db_retry import is_db_misconfigured

        if not is_db_misconfigured(exc):
            raise
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"配置错误 / configuration error: 数据库拒绝连接，请检查 SALESBOT_DATABASE_URL（{reason}）", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
