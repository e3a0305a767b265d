"""The scheduler's tables: what was pushed (exactly once), and the APScheduler job store's table.

`scheduled_notice` is the memory of pushes per item (this task was escalated, this deal was reported
stalled, this nudge went out): a job claims an item's key in the same transaction that puts the message
in the outbox, so a restart or a second process never sends it again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Float, LargeBinary, Table, Unicode
from sqlmodel import Field, SQLModel

from bot.models import utcnow

JOBS_TABLE = "apscheduler_jobs"


class ScheduledNotice(SQLModel, table=True):
    __tablename__ = "scheduled_notice"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32, index=True)  # remind | overdue | escalate | stalled | brief | digest | nudge
    staff_id: Optional[int] = Field(default=None, foreign_key="staff_user.id", index=True)
    record_type: Optional[str] = Field(default=None, max_length=32)
    record_id: Optional[int] = None
    local_date: Optional[date] = Field(default=None, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


# The same shape APScheduler's SQLAlchemyJobStore creates (it checks first, so it reuses this one);
# declared here so Alembic creates it and `alembic check` sees no stranger in the schema.
apscheduler_jobs = Table(
    JOBS_TABLE,
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
