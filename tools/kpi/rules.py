"""KPI alert rules: the YAML format (a second rule set beside the approval rules), its loader with Chinese
errors, and the store that re-reads the file when the console saves it.

The file lives at <SALESBOT_DATA_DIR>/alert_rules.yaml; without it the shipped default_alert_rules.yaml
applies. Each rule has a kind (what it watches), the people it notifies and the kind's own thresholds;
README.md ("目标与 KPI 预警") documents the format.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.approvals.rules import parse_document

DEFAULT_ALERT_RULES_PATH = Path(__file__).with_name("default_alert_rules.yaml")
ALERT_RULES_FILE_NAME = "alert_rules.yaml"

ALERT_KINDS: dict[str, str] = {
    "pace": "目标进度落后",
    "no_followup": "连续几天无新增跟进",
    "high_value_no_visit": "大额商机久未拜访",
    "stalled": "停滞商机",
    "overdue_pile": "逾期待办堆积",
}
# the thresholds each kind needs (and may have); anything else on a rule of that kind is a mistake
KIND_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "pace": ({"completion_below"}, {"period", "elapsed_at_least"}),
    "no_followup": ({"days"}, {"period"}),
    "high_value_no_visit": ({"amount_at_least", "days"}, {"period"}),
    "stalled": (set(), {"count_at_least", "period"}),
    "overdue_pile": ({"count_at_least"}, {"period"}),
}
THRESHOLDS = {"period", "elapsed_at_least", "completion_below", "days", "amount_at_least", "count_at_least"}
FIELD_LABELS = {
    "period": "周期",
    "elapsed_at_least": "本期已过（%）",
    "completion_below": "完成率低于（%）",
    "days": "天数",
    "amount_at_least": "金额至少（元）",
    "count_at_least": "数量至少",
}
NOTIFY_LABELS = {"owner": "本人", "manager": "直属经理"}
HEALTH_FIELDS = {
    "amount": "商机金额",
    "close_date": "预计成交日期",
    "stage": "商机阶段",
    "next_step": "下一步",
    "phone": "联系人电话",
    "industry": "客户行业",
}


class AlertRulesError(ValueError):
    """The alert rules cannot be used; the message says where and why (Chinese)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertRule(_Strict):
    name: str = Field(min_length=1, max_length=64)
    kind: str
    notify: list[Literal["owner", "manager"]] = Field(default_factory=lambda: ["owner"], min_length=1)
    enabled: bool = True
    period: Literal["week", "month", "quarter"] | None = None
    elapsed_at_least: float | None = Field(None, ge=0, le=100)
    completion_below: float | None = Field(None, gt=0, le=100)
    days: int | None = Field(None, ge=1, le=365)
    amount_at_least: float | None = Field(None, gt=0)
    count_at_least: int | None = Field(None, ge=1, le=1000)

    @field_validator("notify", mode="before")
    @classmethod
    def _listify(cls, v):
        return [v] if isinstance(v, str) else v

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v):
        if v not in ALERT_KINDS:
            raise ValueError(f"不认识的预警类型「{v}」，可用：{'、'.join(ALERT_KINDS)}")
        return v

    @model_validator(mode="after")
    def _fields_of_kind(self):
        required, optional = KIND_FIELDS[self.kind]
        given = {f for f in THRESHOLDS if getattr(self, f) is not None}
        missing = required - given
        if missing:
            raise ValueError(
                f"{ALERT_KINDS[self.kind]}（{self.kind}）要写 "
                + "、".join(f"{f}（{FIELD_LABELS[f]}）" for f in sorted(missing))
            )
        extra = given - required - optional
        if extra:
            raise ValueError(f"{ALERT_KINDS[self.kind]}（{self.kind}）用不到 " + "、".join(sorted(extra)))
        if self.kind != "pace" and self.period == "quarter":
            raise ValueError("period 只能是 week（每周最多一次）或 month（每月最多一次）")
        if self.kind == "pace" and self.period == "week":
            raise ValueError("目标进度只能按 month（月）或 quarter（季度）看，目标就是按月/季度定的")
        return self

    @property
    def key(self) -> str:
        """A short stable id (snoozes and card ids carry it; a Chinese name does not fit a WeCom task_id)."""
        return hashlib.sha1(self.name.encode()).hexdigest()[:10]

    @property
    def repeat(self) -> str:
        """How often the same alert may come again: the target's period for pace, else `period` (a week)."""
        if self.kind == "pace":
            return self.period or "month"
        return self.period or "week"


class HealthSettings(_Strict):
    goal: float = Field(90, gt=0, le=100)
    weekly_day: int = Field(1, ge=1, le=7)
    stale_days: int = Field(60, ge=1, le=3650)


class AlertRulesFile(_Strict):
    version: Literal[1] = 1
    send_at: str = "10:30"
    health: HealthSettings = Field(default_factory=HealthSettings)
    rules: list[AlertRule] = Field(default_factory=list)

    @field_validator("send_at", mode="before")
    @classmethod
    def _clock(cls, v):
        if isinstance(v, int):  # YAML reads 10:30 unquoted as sexagesimal 630
            v = f"{v // 60:02d}:{v % 60:02d}"
        m = re.fullmatch(r"\s*(\d{1,2})[:：](\d{2})\s*", str(v))
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValueError(f"send_at「{v}」要写成 10:30 这样的时间")
        return f"{int(m.group(1)):02d}:{m.group(2)}"

    @model_validator(mode="after")
    def _unique_names(self):
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"规则名「{rule.name}」重复了，每条规则要有自己的名字")
            seen.add(rule.name)
        return self


def parse_alert_rules(text: str, source: str = ALERT_RULES_FILE_NAME) -> AlertRulesFile:
    """Validate an alert rules document; AlertRulesError says where the problem is (the approval rules' parser,
    so both editors answer alike)."""
    return parse_document(text, AlertRulesFile, "预警规则", source, "send_at / health / rules …", AlertRulesError)


def dump_alert_rules(rules: AlertRulesFile) -> str:
    """The YAML of a rules object (the form view saves through this), thresholds a rule does not use left out."""
    doc: dict[str, Any] = {
        "version": 1,
        "send_at": rules.send_at,
        "health": rules.health.model_dump(),
        "rules": [r.model_dump(exclude_none=True, exclude_defaults=False) for r in rules.rules],
    }
    for rule in doc["rules"]:
        if rule.get("enabled", True):
            rule.pop("enabled", None)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


class AlertRulesStore:
    """The alert rules in force: the data dir's file when present (re-read when it changes), else the default."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / ALERT_RULES_FILE_NAME
        self._cache: tuple[tuple, AlertRulesFile] | None = None

    def current_text(self) -> str:
        return (self.path if self.path.exists() else DEFAULT_ALERT_RULES_PATH).read_text(encoding="utf-8")

    def load(self) -> AlertRulesFile:
        path = self.path if self.path.exists() else DEFAULT_ALERT_RULES_PATH
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        rules = parse_alert_rules(path.read_text(encoding="utf-8"), str(path))
        self._cache = (key, rules)
        return rules
