"""Sales targets, snoozed alerts and the saved versions of the alert rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class SalesTarget(SQLModel, table=True):
    """A won-amount target for one rep (scope 'rep', key = username) or one team (scope 'team', key = the
    StaffUser.team name) over a month ('2026-12') or a quarter ('2026-Q4')."""

    __tablename__ = "sales_target"
    __table_args__ = (UniqueConstraint("scope", "scope_key", "period"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    scope: str = Field(max_length=8)  # rep | team
    scope_key: str = Field(max_length=64, index=True)
    period: str = Field(max_length=8, index=True)  # 2026-12 | 2026-Q4
    amount: float  # CNY
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AlertSnooze(SQLModel, table=True):
    """A person asked not to hear about one alert rule until `until` (inclusive)."""

    __tablename__ = "kpi_alert_snooze"
    __table_args__ = (UniqueConstraint("staff_id", "rule_key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    rule_key: str = Field(max_length=16)
    rule_name: str = Field(default="", max_length=64)
    until: date
    created_at: datetime = Field(default_factory=utcnow)


class AlertRulesVersion(SQLModel, table=True):
    """Every saved alert rules file; the published one is also written to the data dir."""

    __tablename__ = "kpi_alert_rules_version"
    id: Optional[int] = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    text: str = Field(sa_type=Text)
    note: str = Field(default="", max_length=256)
    published: bool = Field(default=False)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
