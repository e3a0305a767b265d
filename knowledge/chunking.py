"""Blocks to chunks: a chunk never crosses a heading, keeps its heading path, and stays readable in chat.

Small paragraphs under one heading are merged (a talk track is usually a few short lines); long ones
are split at sentence ends. A Q&A row is always its own chunk and carries its question as an
associated question, so the question side is indexed on its own (FastGPT #2917).

Authors can write associated questions into the document itself (MaxKB's "关联问题"): a paragraph that
starts with "常见问法：" (or "关联问题：") lists the ways people ask for the section it sits in, separated
by "；" / "|" or one per "- " line. It is not part of the passage text; every chunk of that section
carries the questions, tagged {"by": "doc"}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.readers import ParsedFile

TARGET_CHARS = 450
MAX_CHARS = 700

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
_QUESTIONS_PREFIX = re.compile(r"^\s*(?:[*_>]+\s*)?(常见问法|关联问题|常见问题问法)[*_]*\s*[：:]\s*")
_QUESTION_SEPARATORS = re.compile(r"[；;｜|\n]+")
MAX_QUESTION_CHARS = 120


def associated_questions(paragraph: str) -> list[str] | None:
    """The questions of a "常见问法：" paragraph, or None when the paragraph is ordinary text."""
    m = _QUESTIONS_PREFIX.match(paragraph)
    if not m:
        return None
    out: list[str] = []
    for part in _QUESTION_SEPARATORS.split(paragraph[m.end() :]):
        q = re.sub(r"^\s*(?:[-*+•]|\d+[.、)])\s*", "", part).strip()
        if q and len(q) <= MAX_QUESTION_CHARS and q not in out:
            out.append(q)
    return out


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
    section_start = 0  # index of the current section's first chunk
    section_questions: list[str] = []

    def heading_path() -> list[str]:
        return [text for _, text in path]

    def flush() -> None:
        if not buffer:
            return
        merged = "\n".join(buffer)
        buffer.clear()
        for piece in _split_long(merged):
            chunks.append(ChunkDraft(heading_path(), piece))

    def end_section() -> None:
        nonlocal section_start
        flush()
        for draft in chunks[section_start:]:
            known = {q["q"] for q in draft.questions}
            draft.questions.extend({"q": q, "by": "doc"} for q in section_questions if q not in known)
        section_questions.clear()
        section_start = len(chunks)

    for block in parsed.blocks:
        questions = associated_questions(block.text) if block.kind == "para" else None
        if questions is not None:
            section_questions.extend(q for q in questions if q not in section_questions)
            continue
        if block.kind == "heading":
            end_section()
            if block.level == 1 and block.text == parsed.title:
                continue
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, block.text))
        elif block.kind == "qa":
            flush()
            text = f"问：{block.question}\n答：{block.text}"
            asked = [block.question, *(q for q in block.similar if q != block.question)]
            chunks.append(ChunkDraft(heading_path(), text, [{"q": q, "by": "sheet"} for q in asked]))
        else:
            if buffer and len("\n".join(buffer)) + len(block.text) > TARGET_CHARS:
                flush()
            buffer.append(block.text)
    end_section()
    return chunks
