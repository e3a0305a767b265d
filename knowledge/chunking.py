"""Blocks to chunks: a chunk never crosses a heading, keeps its heading path, and stays readable in chat.

Small paragraphs under one heading are merged (a talk track is usually a few short lines); long ones
are split at sentence ends. A Q&A row is always its own chunk and carries its question as an
associated question, so the question side is indexed on its own (FastGPT #2917).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.readers import Block, ParsedFile

TARGET_CHARS = 450
MAX_CHARS = 700

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


@dataclass
class ChunkDraft:
    heading_path: list[str]
    text: str
    questions: list[dict] = field(default_factory=list)


def _split_long(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > MAX_CHARS:  # no punctuation at all: cut hard
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:MAX_CHARS])
            sentence = sentence[MAX_CHARS:]
        if current and len(current) + len(sentence) > TARGET_CHARS:
            pieces.append(current)
            current = ""
        current += sentence
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def chunk_blocks(parsed: ParsedFile) -> list[ChunkDraft]:
    chunks: list[ChunkDraft] = []
    path: list[tuple[int, str]] = []  # (level, heading) stack below the title
    buffer: list[str] = []

    def heading_path() -> list[str]:
        return [text for _, text in path]

    def flush() -> None:
        if not buffer:
            return
        merged = "\n".join(buffer)
        buffer.clear()
        for piece in _split_long(merged):
            chunks.append(ChunkDraft(heading_path(), piece))

    for block in parsed.blocks:
        if block.kind == "heading":
            flush()
            if block.level == 1 and block.text == parsed.title:
                continue
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, block.text))
        elif block.kind == "qa":
            flush()
            text = f"问：{block.question}\n答：{block.text}"
            chunks.append(ChunkDraft(heading_path(), text, [{"q": block.question, "by": "sheet"}]))
        else:
            if buffer and len("\n".join(buffer)) + len(block.text) > TARGET_CHARS:
                flush()
            buffer.append(block.text)
    flush()
    return chunks
