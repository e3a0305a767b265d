"""Split long text into parts under a UTF-8 byte limit, on the most natural boundary available."""

from __future__ import annotations

import re

# Try paragraph breaks first, then line breaks, then sentence ends, then clause marks, then anything.
_BOUNDARIES = [r"\n\n", r"\n", r"(?<=[。！？!?；;])", r"(?<=[，,、：:）)])", r"(?<=\s)"]


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_cut(text: str, max_bytes: int) -> list[str]:
    parts, current, size = [], [], 0
    for ch in text:
        n = utf8_len(ch)
        if size + n > max_bytes and current:
            parts.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += n
    if current:
        parts.append("".join(current))
    return parts


def _split(text: str, max_bytes: int, level: int) -> list[str]:
    if utf8_len(text) <= max_bytes:
        return [text]
    if level >= len(_BOUNDARIES):
        return _hard_cut(text, max_bytes)
    pieces = [p for p in re.split(f"({_BOUNDARIES[level]})", text) if p]
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if utf8_len(current + piece) <= max_bytes:
            current += piece
            continue
        if current:
            parts.append(current)
        if utf8_len(piece) > max_bytes:
            parts.extend(_split(piece, max_bytes, level + 1))
            current = ""
        else:
            current = piece
    if current:
        parts.append(current)
    return parts


def split_text(text: str, max_bytes: int) -> list[str]:
    """Ordered parts, each at most max_bytes UTF-8 bytes, joined they give back the text (minus edge blanks)."""
    if max_bytes < 8:
        raise ValueError("max_bytes too small")
    parts = [p.strip("\n") for p in _split(text, max_bytes, 0)]
    return [p for p in parts if p.strip()] or [text[:1] or ""]
