"""`salesbot leads import FILE [--dry-run]`: imported leads scored, routed and carded like the bot's own.

The app and the lead capability are imported when the command runs, so `salesbot --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("leads", help="线索：导入名单（评分、按规则分配、推送给销售）")
    sub = p.add_subparsers(dest="leads_command", required=True)
    imp = sub.add_parser("import", help="导入 CSV 或 Excel：称呼、公司、电话、地区、行业、需求")
    imp.add_argument("file", metavar="FILE", help=".csv 或 .xlsx，第一行是表头，至少要有「电话」一列")
    imp.add_argument("--dry-run", action="store_true", help="只看会得几分、分给谁，不写入")
    imp.set_defaults(func=import_command)


async def import_command(args, settings) -> int:
    # heavy: the app, the importer's readers and the lead capability (see the module docstring)
    from bot.capabilities import ToolError
    from salesbot.admin.importer import ImportError_, read_table
    from salesbot.app import App
    from tools.leads.intake import import_leads

    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件：{path}", file=sys.stderr)
        return 2
    try:
        headers, rows = read_table(path.read_bytes(), path.name)
    except ImportError_ as exc:
        print(f"导入失败：{exc}", file=sys.stderr)
        return 2
    app = App(settings)
    await app.start()
    try:
        try:
            report = await import_leads(app, headers, rows, dry_run=args.dry_run)
        except ToolError as exc:
            print(f"导入失败：{exc}", file=sys.stderr)
            return 2
        await app.drain()
    finally:
        await app.stop()
    print(("（试运行，没有写入）\n" if args.dry_run else "") + report.text())
    return 0
