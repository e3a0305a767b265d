"""Admin console tables: console accounts and sessions, prompt and rule versions, hit-test runs.

Console accounts are separate from staff users: a password lives only here (argon2 hash), and a
console account may be linked to a staff user so the audit log names the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class AdminUser(SQLModel, table=True):
    __tablename__ = "admin_user"
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=256)
    role: str = Field(default="admin", max_length=16)
    staff_user_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    active: bool = True
    failed_attempts: int = 0
    locked_until: Optional[datetime] = None
    last_login_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)


class AdminSession(SQLModel, table=True):
    """Server-side session; the cookie carries a random token, the table only its SHA-256."""

    __tablename__ = "admin_session"
    token_hash: str = Field(primary_key=True, max_length=64)
    admin_user_id: int = Field(foreign_key="admin_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class PromptVersion(SQLModel, table=True):
    """Every saved text of a prompt. Rows are never edited, except the `published` flag (one per name)."""

    __tablename__ = "prompt_version"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, index=True)
    version: int
    text: str = Field(sa_type=Text)
    note: str = Field(default="", max_length=256)
    published: bool = Field(default=False, index=True)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    published_at: Optional[datetime] = None


class SampleConversation(SQLModel, table=True):
    """A saved conversation the 试运行 replays against a draft and the published prompt."""

    __tablename__ = "prompt_sample"
    id: Optional[int] = Field(default=None, primary_key=True)
    prompt_name: str = Field(max_length=64, index=True)
    title: str = Field(max_length=128)
    role: str = Field(default="rep", max_length=16)
    # [{"role": "user" | "assistant", "content": "..."}], the last one is the user's turn
    messages: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


class RulesVersion(SQLModel, table=True):
    """Every saved approval rules file; the published one is also written to the data dir."""

    __tablename__ = "approval_rules_version"
    id: Optional[int] = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    text: str = Field(sa_type=Text)
    note: str = Field(default="", max_length=256)
    published: bool = Field(default=False)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class HitTestRun(SQLModel, table=True):
    """A batch hit-test: each query with its expected document, where it ranked, and the totals."""

    __tablename__ = "kb_hit_test_run"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    top: int = 5
    mode: str = Field(default="hybrid", max_length=16)
    total: int = 0
    hits_at_1: int = 0
    hits_at_k: int = 0
    mrr: float = 0.0
    # [{"query", "expected", "rank" (1-based or null), "top": [{"doc_id","title","score","chunk_id"}]}]
    results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
