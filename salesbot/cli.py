"""`salesbot` command line: each module below adds its subcommands with `register(subparsers)`.

The subcommand modules import only what their parsers need; the app, the knowledge base and the model
client are imported inside the commands that use them, so `salesbot --help` answers in a fraction of a
second (benchmarks/startup.py, table in benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from salesbot import commands_cli, extract_cli, kb_cli, leads_cli
from salesbot.admin import cli as admin_cli

SUBCOMMAND_MODULES = [commands_cli, kb_cli, admin_cli, extract_cli, leads_cli]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesbot", description="销售助手：企业微信 / 钉钉里的销售 AI 助手")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING（默认取 SALESBOT_LOG_LEVEL）")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMAND_MODULES:
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
    # imported after parsing: `--help` and usage errors need none of it
    from bot import structured_logging
    from bot.db_retry import is_db_misconfigured
    from bot.replica import default_replica_id
    from bot.settings import ConfigError, Settings
    from salesbot.channels import check_channels

    try:
        settings = Settings()
        if not getattr(args, "skip_channel_check", False):
            check_channels(settings)  # a half-configured channel stops us here, naming the setting
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    # JSON lines with the turn's trace id in production (SALESBOT_LOG_FORMAT=json); phone numbers,
    # e-mails and ID numbers are masked either way (bot/log_masking.py)
    structured_logging.configure(
        settings.log_format,
        args.log_level or settings.log_level,
        settings.replica_id or default_replica_id(),
        debug_libraries=settings.log_debug_libraries,
    )
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            result = runner.run(args.func(args, settings))
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not is_db_misconfigured(exc):
            raise
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"配置错误：数据库拒绝连接，请检查 SALESBOT_DATABASE_URL（{reason}）", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
