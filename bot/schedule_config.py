"""Working-time settings (time zone, quiet and working hours, daily push times), parsed once and
validated: a wrong value is a startup error naming the setting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import STAGES
from bot.settings import ConfigError, Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

OPEN_STAGES = [s for s in STAGES if not s.startswith("closed_")]


def parse_clock(value: str, name: str) -> time:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ConfigError(f"{name}={value!r}: expected a time like 08:30")
    return time(int(m.group(1)), int(m.group(2)))


def parse_span(value: str, name: str) -> tuple[time, time]:
    parts = (value or "").split("-")
    if len(parts) != 2:
        raise ConfigError(f"{name}={value!r}: expected a span like 21:00-08:00")
    start, end = parse_clock(parts[0], name), parse_clock(parts[1], name)
    if start == end:
        raise ConfigError(f"{name}={value!r}: start and end are the same")
    return start, end


def parse_stalled_days(value: str, name: str = "SALESBOT_STALLED_DAYS") -> dict[str, int]:
    days: dict[str, int] = {}
    for item in filter(None, (p.strip() for p in (value or "").split(","))):
        stage, _, number = item.partition("=")
        stage = stage.strip()
        if stage not in OPEN_STAGES:
            raise ConfigError(f"{name}: unknown stage {stage!r} (open stages: {', '.join(OPEN_STAGES)})")
        if not number.strip().isdigit() or int(number) < 1:
            raise ConfigError(f"{name}: {stage} needs a whole number of days >= 1, got {number!r}")
        days[stage] = int(number)
    return days


def in_span(t: time, span: tuple[time, time]) -> bool:
    """Whether t lies in [start, end); spans may wrap midnight (21:00-08:00)."""
    start, end = span
    return start <= t < end if start < end else (t >= start or t < end)


@dataclass(frozen=True)
class SchedulerConfig:
    default_tz: ZoneInfo
    quiet_hours: tuple[time, time]
    work_hours: tuple[time, time]
    reminder_time: time
    brief_time: time
    digest_time: time
    escalate_after_workdays: int
    stalled_days: dict[str, int] = field(default_factory=dict)
    nudge_lead_minutes: int = 30
    # a daily push that could not go out at its time (process down, quiet hours) is still sent
    # within this many hours; later it would be stale ("morning brief" at 15:00)
    catch_up_hours: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> "SchedulerConfig":
        try:
            tz = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"SALESBOT_TIMEZONE={settings.timezone!r}: unknown time zone") from None
        if settings.escalate_after_workdays < 1:
            raise ConfigError("SALESBOT_ESCALATE_AFTER_WORKDAYS must be >= 1")
        if not 0 <= settings.nudge_lead_minutes <= 240:
            raise ConfigError("SALESBOT_NUDGE_LEAD_MINUTES must be between 0 and 240")
        work = parse_span(settings.work_hours, "SALESBOT_WORK_HOURS")
        if work[0] > work[1]:
            raise ConfigError("SALESBOT_WORK_HOURS must not wrap midnight")
        return cls(
            default_tz=tz,
            quiet_hours=parse_span(settings.quiet_hours, "SALESBOT_QUIET_HOURS"),
            work_hours=work,
            reminder_time=parse_clock(settings.reminder_time, "SALESBOT_REMINDER_TIME"),
            brief_time=parse_clock(settings.brief_time, "SALESBOT_BRIEF_TIME"),
            digest_time=parse_clock(settings.digest_time, "SALESBOT_DIGEST_TIME"),
            escalate_after_workdays=settings.escalate_after_workdays,
            stalled_days=parse_stalled_days(settings.stalled_days),
            nudge_lead_minutes=settings.nudge_lead_minutes,
        )

    def user_tz(self, name: str | None) -> ZoneInfo:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return self.default_tz

    def is_quiet(self, t: time) -> bool:
        return in_span(t, self.quiet_hours)


def config_for(app: "Runtime") -> SchedulerConfig:
    """The app's scheduler configuration, parsed once."""
    return app.capabilities.state("schedule_config", lambda: SchedulerConfig.from_settings(app.settings))
