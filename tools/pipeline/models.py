"""Forecast snapshots: each week's forecast per rep and period, kept so accuracy can be measured later.

One row per (week, period kind, rep): what the forecast said on that week's Monday for the month or quarter
then running. Once the period is over, its actual (won amount closed in it) is compared with each week's
row: forecast accuracy by week of the period.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class ForecastSnapshot(SQLModel, table=True):
    __tablename__ = "forecast_snapshot"
    __table_args__ = (UniqueConstraint("week_start", "period", "owner_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    week_start: date = Field(index=True)  # the Monday the snapshot was taken for
    period: str = Field(max_length=8)  # month | quarter
    period_start: date = Field(index=True)
    owner_id: int = Field(foreign_key="staff_user.id", index=True)
    won: float = 0.0  # closed won in the period before the snapshot
    commit: float = 0.0  # won + open deals the rep called commit
    best_case: float = 0.0  # commit + open deals called best case
    weighted: float = 0.0  # won + open amount × learned stage probability
    weighted_default: float = 0.0  # the same with the default probabilities
    pipeline: float = 0.0  # open amount expected to close in the period, unweighted
    created_at: datetime = Field(default_factory=utcnow)
