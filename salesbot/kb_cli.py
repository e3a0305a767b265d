"""`salesbot kb add|search|list|remove` (the command line contract).

Heavy modules are imported inside the commands, so `salesbot --help` stays fast (salesbot/cli.py).
"""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from salesbot.admin.cli_progress import progress

if TYPE_CHECKING:  # pragma: no cover
    from bot.settings import Settings


def register(subparsers) -> None:
    kb = subparsers.add_parser("kb", help="talk-track knowledge base: add, search, list, remove")
    sub = kb.add_subparsers(dest="kb_command", required=True)

    add = sub.add_parser("add", help="ingest files or folders (md, txt, pdf, docx, xlsx)")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument(
        "--audience",
        choices=("internal", "public"),
        default="internal",
        help="public = the customer-facing bot may use it (default internal)",
    )
    add.set_defaults(func=kb_add)

    search = sub.add_parser("search", help="retrieval as the agent sees it; '-' reads one query per line from stdin")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--top", type=int, default=5, metavar="N")
    search.add_argument(
        "--json", action="store_true", help='a JSON list of {"doc_id","title","chunk_id","score","text","source"}'
    )
    search.add_argument(
        "--audience",
        choices=("internal", "public"),
        default=None,
        help="only this audience (default: everything staff may see)",
    )
    search.set_defaults(func=kb_search)

    lst = sub.add_parser("list", help="ingested documents")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=kb_list)

    remove = sub.add_parser("remove", help="remove a document and its chunks")
    remove.add_argument("doc_id", metavar="DOC_ID")
    remove.set_defaults(func=kb_remove)


@asynccontextmanager
async def _knowledge_base(settings: "Settings"):
    from bot.db import Database
    from knowledge.kb import KnowledgeBase

    settings.ensure_data_dir()
    db = Database(settings.resolved_database_url)
    try:
        await db.migrate()
        kb = KnowledgeBase(settings, db)
        try:
            yield kb
        finally:
            await kb.close()
    finally:
        await db.close()


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


async def kb_add(args, settings: "Settings") -> int:
    async with _knowledge_base(settings) as kb:
        with progress("导入资料") as update:
            report = await kb.add_paths(args.paths, audience=args.audience, progress=update)
    print(report.summary())
    return 0 if report.ok else 1


def _print_hits(query: str, hits) -> None:
    if not hits:
        print(f"「{query}」没有找到相关内容")
        return
    for i, hit in enumerate(hits, start=1):
        where = " > ".join([hit.title, *hit.heading_path])
        text = hit.text if len(hit.text) <= 300 else hit.text[:300] + "…"
        print(f"[{i}] {where}  (score {hit.score:.3f}, doc {hit.doc_id}, chunk {hit.chunk_id})")
        print(f"    {text}".replace("\n", "\n    "))
        print(f"    来源：{hit.source}")


async def kb_search(args, settings: "Settings") -> int:
    from knowledge.kb import KnowledgeError

    if args.top < 1:
        return _fail("--top 至少为 1")
    async with _knowledge_base(settings) as kb:
        if args.query != "-":
            try:
                hits = await kb.search(args.query, audience=args.audience, top=args.top)
            except KnowledgeError as exc:
                return _fail(str(exc))
            if args.json:
                print(json.dumps([h.to_json() for h in hits], ensure_ascii=False))
            else:
                _print_hits(args.query, hits)
            return 0
        # batch hit-testing: one JSON list per input line, so outputs line up with inputs
        failures = 0
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            query = line.strip()
            if not query:
                print("[]", flush=True)
                continue
            try:
                hits = await kb.search(query, audience=args.audience, top=args.top)
            except KnowledgeError as exc:
                failures += 1
                print(f"错误：{exc}", file=sys.stderr)
                hits = []
            print(json.dumps([h.to_json() for h in hits], ensure_ascii=False), flush=True)
        return 1 if failures else 0


async def kb_list(args, settings: "Settings") -> int:
    async with _knowledge_base(settings) as kb:
        docs = await kb.list_documents()
    if args.json:
        print(json.dumps([d.to_json() for d in docs], ensure_ascii=False))
        return 0
    if not docs:
        print("知识库还是空的，用 salesbot kb add PATH 导入资料")
        return 0
    for d in docs:
        print(f"{d.doc_id:>5}  {d.audience:<8}  v{d.version:<3} {d.chunk_count:>4} 段  {d.title}  ({d.source})")
    return 0


async def kb_remove(args, settings: "Settings") -> int:
    from knowledge.kb import KnowledgeError

    try:
        doc_id = int(args.doc_id)
    except ValueError:
        return _fail(f"DOC_ID 应该是数字（kb list 里的编号），收到：{args.doc_id}")
    async with _knowledge_base(settings) as kb:
        try:
            info = await kb.remove(doc_id)
        except KnowledgeError as exc:
            return _fail(str(exc))
    print(f"已删除 [{info.doc_id}] {info.title}（{info.chunk_count} 段）")
    return 0
