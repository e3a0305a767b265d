"""Knowledge-base tables. The database is the source of truth; Chroma and the BM25 index are rebuilt from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from bot.models import utcnow

AUDIENCES = ("internal", "public")


class KbDocument(SQLModel, table=True):
    """One ingested file. Re-ingesting the same source bumps `version` and replaces all its chunks."""

    __tablename__ = "kb_document"
    id: Optional[int] = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    source: str = Field(max_length=1000, unique=True, index=True)  # the ingested file's path
    file_type: str = Field(max_length=16)
    audience: str = Field(default="internal", max_length=16, index=True)
    version: int = 1
    content_hash: str = Field(max_length=64)
    size_bytes: int = 0
    chunk_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    # bumped by every change to the document or its chunks, so other processes see their index is stale
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class KbChunk(SQLModel, table=True):
    """A passage of a document with the heading path it sits under, plus associated questions."""

    __tablename__ = "kb_chunk"
    # AUTOINCREMENT: SQLite must never reuse a deleted chunk's id, because ids name vectors in Chroma
    __table_args__ = {"sqlite_autoincrement": True}
    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kb_document.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    ordinal: int = 0
    heading_path: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    # [{"q": "...", "by": "admin" | "llm" | "sheet"}]; each one is indexed as its own entry
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    audience: str = Field(default="internal", max_length=16, index=True)  # copied from the document
    enabled: bool = True
    updated_at: datetime = Field(default_factory=utcnow)
