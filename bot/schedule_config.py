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


def _clock(value: str) -> time | None:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return time(int(m.group(1)), int(m.group(2)))


def parse_clock(value: str, name: str) -> time:
    clock = _clock(value)
    if clock is None:
        raise ConfigError(f"{name}={value} 不对：要写成 08:30 这样的时间（时:分，24 小时制）")
    return clock


def parse_span(value: str, name: str, example: str = "08:30-18:00") -> tuple[time, time]:
    parts = (value or "").split("-")
    start, end = (_clock(parts[0]), _clock(parts[1])) if len(parts) == 2 else (None, None)
    if start is None or end is None:
        raise ConfigError(f"{name}={value} 不对：要写成 {example} 这样的时间段")
    if start == end:
        raise ConfigError(f"{name}={value} 不对：开始和结束是同一个时间")
    return start, end


def parse_stalled_days(value: str, name: str = "SALESBOT_STALLED_DAYS") -> dict[str, int]:
    days: dict[str, int] = {}
    for item in filter(None, (p.strip() for p in (value or "").split(","))):
        stage, _, number = item.partition("=")
        stage = stage.strip()
        if stage not in OPEN_STAGES:
            raise ConfigError(f"{name} 里的阶段「{stage}」不认识，可用的阶段：{'、'.join(OPEN_STAGES)}")
        if not number.strip().isdigit() or int(number) < 1:
            raise ConfigError(f"{name} 里 {stage} 的天数要写 1 或更大的整数，现在是「{number}」")
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
            raise ConfigError(
                f"SALESBOT_TIMEZONE={settings.timezone} 不对：没有这个时区，要写成 Asia/Shanghai 这样的时区名"
            ) from None
        if settings.escalate_after_workdays < 1:
            raise ConfigError(
                f"SALESBOT_ESCALATE_AFTER_WORKDAYS={settings.escalate_after_workdays} 不对：至少要 1 个工作日"
            )
        if not 0 <= settings.nudge_lead_minutes <= 240:
            raise ConfigError(f"SALESBOT_NUDGE_LEAD_MINUTES={settings.nudge_lead_minutes} 不对：要在 0 到 240 分钟之间")
        work = parse_span(settings.work_hours, "SALESBOT_WORK_HOURS")
        if work[0] > work[1]:
            raise ConfigError(
                f"SALESBOT_WORK_HOURS={settings.work_hours} 不对：上班时间不能跨过半夜，要写成 08:30-18:00 这样"
            )
        return cls(
            default_tz=tz,
            quiet_hours=parse_span(settings.quiet_hours, "SALESBOT_QUIET_HOURS", "21:00-08:00"),
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
