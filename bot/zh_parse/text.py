"""Text helpers every finder shares: half-width normalization and clause windows around a match.

Text is mapped to half-width with a length-preserving table, so spans found on the normalized text are valid
on the original.
"""

from __future__ import annotations

import bisect
import re

_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０-９
_HALFWIDTH.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_HALFWIDTH.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_HALFWIDTH.update({ord(c): ord(h) for c, h in zip("％：．／－＋＠～＿（）", "%:./-+@~_()")})
_HALFWIDTH[0x3000] = ord(" ")


def normalize(text: str) -> str:
    """Full-width digits, letters and a few symbols to ASCII; same length, so spans stay valid.

    The Chinese comma "，" is kept: turning it into "," would make "50万，200个" look like "1,200".
    """
    return text.translate(_HALFWIDTH)


_CLAUSE_BREAK = re.compile(r"[，。,;；！!？?\n]")


def _clause_before(text: str, start: int, limit: int = 12) -> str:
    window = text[max(0, start - limit) : start]
    parts = _CLAUSE_BREAK.split(window)
    return parts[-1]


def _clause_after(text: str, end: int, limit: int = 16) -> str:
    window = text[end : end + limit]
    return _CLAUSE_BREAK.split(window)[0]


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """`spans` sorted and non-overlapping (phone spans): a bisect keeps long transcripts linear."""
    index = bisect.bisect_left(spans, (span[1],))
    return index > 0 and spans[index - 1][1] > span[0]
