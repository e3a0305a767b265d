"""`salesbot extract FILE [--date YYYY-MM-DD] [--json]`: the parser here, the work in salesbot/extract_preview.py.

The preview needs the extraction rules and the CRM models, which take most of a second to import; they are
imported when the command runs, so `salesbot --help` stays fast.
"""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "extract", help="preview the CRM updates a meeting transcript would propose (writes nothing)"
    )
    p.add_argument("file", metavar="FILE", help="transcript: .txt / .md / .docx")
    p.add_argument(
        "--date",
        default=None,
        metavar="YYYY-MM-DD",
        help="the meeting date when the transcript does not state it (default: today)",
    )
    p.add_argument("--json", action="store_true", help="print the extracted fields with their evidence as JSON")
    p.set_defaults(func=extract_command)


async def extract_command(args, settings) -> int:
    from salesbot import extract_preview

    return await extract_preview.extract_command(args, settings)
