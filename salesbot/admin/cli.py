"""`salesbot admin ...` (console accounts), `salesbot import FILE`, `salesbot export KIND FILE`."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

from salesbot.admin import ADMIN_ROLES
from salesbot.admin.cli_progress import progress


def register(subparsers) -> None:
    admin = subparsers.add_parser("admin", help="admin console accounts")
    sub = admin.add_subparsers(dest="admin_command", required=True)
    create = sub.add_parser("create", help="create a console account (password prompted, or one line from stdin)")
    create.add_argument("username")
    create.add_argument(
        "--role", choices=ADMIN_ROLES, default="admin", help="admin: full access; manager: read-only dashboards"
    )
    create.add_argument("--staff", help="link to a staff user (username), so the audit log names the person")
    create.set_defaults(func=_create)
    passwd = sub.add_parser("passwd", help="set a new password (signs out every session of the account)")
    passwd.add_argument("username")
    passwd.set_defaults(func=_passwd)
    for name, active in (("disable", False), ("enable", True)):
        p = sub.add_parser(name, help=f"{name} an account" + (" (also clears a lockout)" if active else ""))
        p.add_argument("username")
        p.set_defaults(func=_set_active(active))
    listing = sub.add_parser("list", help="list console accounts")
    listing.set_defaults(func=_list)

    imp = subparsers.add_parser("import", help="import accounts, contacts or opportunities from CSV or Excel")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--kind",
        choices=("accounts", "contacts", "opportunities"),
        help="what the file holds (default: guessed from the header)",
    )
    imp.add_argument("--dry-run", action="store_true", help="check every row and report, write nothing")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="map a column to a field, e.g. --map 公司全称=name (FIELD empty to skip the column)",
    )
    imp.set_defaults(func=_import)

    exp = subparsers.add_parser("export", help="export accounts, contacts or opportunities to CSV or Excel")
    exp.add_argument("kind", choices=("accounts", "contacts", "opportunities"))
    exp.add_argument("file", type=Path, help="*.csv or *.xlsx")
    exp.add_argument(
        "--zh-headers",
        action="store_true",
        help="中文表头和取值（客户等级「重点客户」、阶段「报价」）；默认是字段名和代码，给程序读",
    )
    exp.set_defaults(func=_export)


def read_password(prompt: str = "密码：") -> str:
    """From the terminal without echo, or one line from stdin when it is not a terminal (scripts, CI)."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("再输入一次：") != first:
            raise SystemExit("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


async def _database(settings):
    from bot.db import Database

    settings.ensure_data_dir()
    db = Database(settings.resolved_database_url)
    await db.migrate()
    return db


async def _create(args, settings) -> int:
    from salesbot.admin import auth

    password = await asyncio.to_thread(read_password)
    db = await _database(settings)
    try:
        await auth.create_admin(db, args.username, password, role=args.role, staff_username=args.staff)
    except auth.AuthError as exc:
        print(f"没有创建：{exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"已创建{'只读' if args.role == 'manager' else '管理员'}账号 {args.username}，登录地址 /admin/")
    return 0


async def _passwd(args, settings) -> int:
    from salesbot.admin import auth

    password = await asyncio.to_thread(read_password, "新密码：")
    db = await _database(settings)
    try:
        await auth.set_password(db, args.username, password)
    except auth.AuthError as exc:
        print(f"没有修改：{exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"已修改 {args.username} 的密码，所有已登录的会话已退出")
    return 0


def _set_active(active: bool):
    async def run(args, settings) -> int:
        from salesbot.admin import auth

        db = await _database(settings)
        try:
            await auth.set_active(db, args.username, active)
        except auth.AuthError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        finally:
            await db.close()
        print(f"{args.username} 已{'启用' if active else '停用'}")
        return 0

    return run


async def _list(args, settings) -> int:
    from salesbot.admin import auth

    db = await _database(settings)
    try:
        users = await auth.list_admins(db)
    finally:
        await db.close()
    for u in users:
        state = "启用" if u.active else "停用"
        print(f"{u.username}\t{u.role}\t{state}\t上次登录 {u.last_login_at or '-'}")
    if not users:
        print("还没有账号：salesbot admin create 用户名")
    return 0


def _parse_maps(values: list[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        column, sep, field = value.partition("=")
        if not sep or not column.strip():
            raise SystemExit(f"--map 要写成 列名=字段，收到：{value}")
        pairs[column.strip()] = field.strip()
    return pairs


async def _import(args, settings) -> int:
    from salesbot.admin import importer

    if not args.file.is_file():
        print(f"文件不存在：{args.file}", file=sys.stderr)
        return 2
    data = await asyncio.to_thread(args.file.read_bytes)
    db = await _database(settings)
    try:
        with progress("检查并导入") as update:
            report = await importer.run_import(
                db, None, data, args.file.name, args.kind, _parse_maps(args.map), dry_run=args.dry_run, progress=update
            )
    except importer.ImportError_ as exc:
        print(f"无法导入：{exc}", file=sys.stderr)
        return 2
    finally:
        await db.close()
    print(report.to_text())
    if args.dry_run:
        print("（预览，没有写入任何数据；去掉 --dry-run 正式导入）")
    return 1 if report.rejected else 0


async def _export(args, settings) -> int:
    from salesbot.admin import importer

    suffix = args.file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        print("导出文件要以 .csv 或 .xlsx 结尾", file=sys.stderr)
        return 2
    # two steps on the bar: read the rows, then write the file (an .xlsx of many rows takes a while)
    with progress(f"导出{importer.KIND_LABELS[args.kind]}") as update:
        update(0, 2)
        db = await _database(settings)
        try:
            headers, rows = await importer.export_rows(db, args.kind, zh=args.zh_headers)
        finally:
            await db.close()
        update(1, 2)
        body = await asyncio.to_thread(
            importer.to_csv if suffix == ".csv" else importer.to_xlsx,
            headers,
            rows,
            *(() if suffix == ".csv" else (importer.KIND_LABELS[args.kind],)),
        )
        await asyncio.to_thread(args.file.write_bytes, body)
        update(2, 2)
    print(f"已导出 {len(rows)} 条{importer.KIND_LABELS[args.kind]}到 {args.file}")
    return 0
