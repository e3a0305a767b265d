"""Time, injectable so tests can control it (reminders, escalations, relative dates)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo


class Clock:
    def now(self, tz: tzinfo | None = None) -> datetime:
        return datetime.now(tz or timezone.utc)


class FrozenClock(Clock):
    """A clock that stands still until moved."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at

    def now(self, tz: tzinfo | None = None) -> datetime:
        return self._at.astimezone(tz or timezone.utc)

    def set(self, at: datetime) -> None:
        self._at = at

    def advance(self, **delta) -> None:
        self._at += timedelta(**delta)


def aware(value: datetime | None) -> datetime | None:
    """`value` with UTC attached when it is naive: SQLite returns the UTC timestamps we store without a zone."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
