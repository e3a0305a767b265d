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


class ForecastDealSnapshot(SQLModel, table=True):
    """Each open deal a forecast counted, as it stood when the week's snapshot was taken. Once the period is
    over, whether it was won inside the period is known: the in-period conversion per stage is learned from
    these rows (tools/pipeline/forecast.py), which is what a period forecast needs, not the win rate ever."""

    __tablename__ = "forecast_deal_snapshot"
    __table_args__ = (UniqueConstraint("taken_on", "opportunity_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    taken_on: date = Field(index=True)
    opportunity_id: int = Field(foreign_key="opportunity.id", index=True)
    owner_id: Optional[int] = Field(default=None, foreign_key="staff_user.id")
    stage: str = Field(max_length=32)
    amount: float = 0.0
    close_date: date
    forecast_category: Optional[str] = Field(default=None, max_length=16)
