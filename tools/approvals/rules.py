"""Approval rules: the YAML format, its loader (with clear Chinese errors), and planning a chain from it.

The rules file lives at <SALESBOT_DATA_DIR>/approval_rules.yaml; without it the shipped
tools/approvals/default_rules.yaml applies. The format is documented in README.md ("审批规则").

Rules are read top to bottom and every rule whose `when` matches adds its steps, in order, each with a
reason rendered from the request ("折扣 8 折 < 经理权限 8.5 折 → 需总监审批"). Cumulative rules make
chains that grow with the risk (8.5 折: manager; 8 折: manager then director; 50 万+: finance too)
without repeating the lower levels in every rule. A request for which no rule adds a step is approved
automatically only if an `auto_approve` rule matched; otherwise the `fallback` steps apply, so an
unforeseen request never slips through unapproved.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.models import TIER_LABELS

DEFAULT_RULES_PATH = Path(__file__).with_name("default_rules.yaml")
RULES_FILE_NAME = "approval_rules.yaml"

REQUEST_KINDS: dict[str, str] = {
    "discount": "折扣",
    "special_price": "特价",
    "clause": "合同条款变更",
    "payment_terms": "付款条件",
    "poc": "POC/试用资源",
    "expense": "费用",
}
BUILTIN_APPROVERS: dict[str, str] = {"direct_manager": "直属经理", "director": "总监"}
PLACEHOLDERS = {"discount", "amount", "list_amount", "tier", "industry", "region", "type", "customer"}


class RulesError(ValueError):
    """The rules file cannot be used; the message says where and why (shown to admins, in Chinese)."""


# --- formatting shared with the chat side ----------------------------------------------------------


def format_discount(pct: float | None) -> str:
    """80 → '8 折', 85 → '8.5 折', 100 → '原价'."""
    if pct is None:
        return "-"
    if pct >= 100:
        return "原价"
    return f"{round(pct / 10, 2):g} 折"


def format_money(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 10**8:
        return f"{round(value / 10**8, 2):g} 亿"
    if abs(value) >= 10000:
        return f"{round(value / 10000, 2):g} 万"
    return f"{round(value, 2):g} 元"


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZHE_RE = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?|[零一二两三四五六七八九]{1,2})\s*折\s*$")
_PCT_RE = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*[%％]\s*$")
_OFF_RE = re.compile(r"^\s*(?:优惠|降价|便宜|减)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*[%％]\s*$")
_NUMBER_RE = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$")

DISCOUNT_HELP = "折扣按标准价的百分比算，要在 0～100% 之间，例如「8折」「八五折」「75%」。"


def parse_discount(value: Any) -> float:
    """The price as a percentage of list price: '8折' → 80, '八五折' → 85, '75%' → 75, '优惠20%' → 80.

    A bare number reads as 折 up to 10 (8.5 → 85) and as a percentage above (85 → 85); a number in (0, 1]
    is a fraction (0.8 → 80). Raises ValueError with a Chinese message for anything else."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"没看懂折扣。{DISCOUNT_HELP}")
    if isinstance(value, (int, float)):
        pct = _bare_number(float(value))
    else:
        text = str(value).strip().replace("打", "").replace("给", "")
        if m := _ZHE_RE.match(text):
            pct = _zhe_to_pct(m.group(1))
        elif m := _PCT_RE.match(text):
            pct = float(m.group(1))
        elif m := _OFF_RE.match(text):
            pct = 100 - float(m.group(1))
        elif m := _NUMBER_RE.match(text):
            pct = _bare_number(float(m.group(1)))
        else:
            raise ValueError(f"没看懂折扣「{value}」。{DISCOUNT_HELP}")
    if pct > 100 or pct <= 0:
        raise ValueError(f"折扣「{value}」不合理：{DISCOUNT_HELP}")
    return round(pct, 2)


def _zhe_to_pct(raw: str) -> float:
    """'8' → 80, '8.5' → 85, '85' → 85 (八五折), '八五' → 85; '12' → 120 (refused by the caller)."""
    if raw[0] in _CN_DIGITS:
        digits = [_CN_DIGITS[c] for c in raw]
        return digits[0] * 10 + (digits[1] if len(digits) > 1 else 0)
    if "." in raw:
        return float(raw) * 10
    n = int(raw)
    if n <= 10:
        return n * 10
    return n if 20 <= n <= 99 else n * 10


def _bare_number(number: float) -> float:
    if 0 < number <= 1:
        return number * 100
    if number <= 10:
        return number * 10
    return number


# --- the file format -------------------------------------------------------------------------------


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, (str, int, float)) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Condition(_Strict):
    type: list[str] | None = None
    discount_below: float | None = Field(None, ge=0, le=100)
    discount_at_least: float | None = Field(None, ge=0, le=100)
    amount_below: float | None = Field(None, ge=0)
    amount_at_least: float | None = Field(None, ge=0)
    tier: list[str] | None = None
    industry: list[str] | None = None
    region: list[str] | None = None

    @field_validator("type", "tier", "industry", "region", mode="before")
    @classmethod
    def _listify(cls, v):
        return _as_list(v)

    @field_validator("type")
    @classmethod
    def _known_types(cls, v):
        for kind in v or []:
            if kind not in REQUEST_KINDS:
                raise ValueError(f"不认识的申请类型「{kind}」，可用：{'、'.join(REQUEST_KINDS)}")
        return v

    def matches(self, facts: "Facts") -> bool:
        if self.type is not None and facts.kind not in self.type:
            return False
        if self.discount_below is not None and not (
            facts.discount_pct is not None and facts.discount_pct < self.discount_below
        ):
            return False
        if self.discount_at_least is not None and not (
            facts.discount_pct is not None and facts.discount_pct >= self.discount_at_least
        ):
            return False
        if self.amount_below is not None and not (facts.amount is not None and facts.amount < self.amount_below):
            return False
        if self.amount_at_least is not None and not (facts.amount is not None and facts.amount >= self.amount_at_least):
            return False
        for name in ("tier", "industry", "region"):
            wanted = getattr(self, name)
            if wanted is not None and getattr(facts, name) not in wanted:
                return False
        return True


class StepSpec(_Strict):
    approver: str | None = None
    approvers: list[str] | None = None
    mode: Literal["any", "all"] = "all"
    label: str | None = None
    reason: str | None = None
    time_limit_hours: float | None = Field(None, gt=0, le=24 * 30)

    @model_validator(mode="after")
    def _one_way(self):
        if bool(self.approver) == bool(self.approvers):
            raise ValueError("每一步写 approver（一个人）或 approvers（几个人）其中之一")
        return self

    @property
    def specs(self) -> list[str]:
        return [self.approver] if self.approver else list(self.approvers or [])


class FastLane(_Strict):
    time_limit_hours: float = Field(4, gt=0, le=24 * 30)


class Rule(_Strict):
    name: str = Field(min_length=1, max_length=64)
    when: Condition = Field(default_factory=Condition)
    steps: list[StepSpec] = Field(default_factory=list)
    auto_approve: bool = False
    fast_lane: FastLane | None = None
    reason: str | None = None
    stop: bool = False

    @model_validator(mode="after")
    def _does_something(self):
        if self.auto_approve and self.steps:
            raise ValueError("auto_approve 的规则不能再写 steps")
        if not (self.steps or self.auto_approve or self.fast_lane):
            raise ValueError("规则要有 steps、auto_approve 或 fast_lane 之一")
        return self


class Limits(_Strict):
    min_discount: float = Field(0, ge=0, le=100)  # below this (in % of list price) a request is refused
    max_amount: float = Field(1e9, gt=0)


class Defaults(_Strict):
    time_limit_hours: float = Field(24, gt=0, le=24 * 30)
    escalate_after_hours: float = Field(24, gt=0, le=24 * 30)
    fallback_approver: str | None = None  # username, when a chain would otherwise have nobody


class RulesFile(_Strict):
    version: Literal[1] = 1
    people: dict[str, list[str]] = Field(default_factory=dict)
    price_list: dict[str, float] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    defaults: Defaults = Field(default_factory=Defaults)
    fallback: list[StepSpec] = Field(
        default_factory=lambda: [
            StepSpec(approver="direct_manager", reason="没有命中任何审批规则 → 默认由直属经理审批")
        ]
    )
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("people", mode="before")
    @classmethod
    def _people_lists(cls, v):
        if isinstance(v, dict):
            return {k: _as_list(people) for k, people in v.items()}
        return v

    @field_validator("price_list")
    @classmethod
    def _positive_prices(cls, v):
        for product, price in v.items():
            if price <= 0:
                raise ValueError(f"「{product}」的标准价要大于 0")
        return v

    @model_validator(mode="after")
    def _approvers_known(self):
        for name in self.people:
            if name in BUILTIN_APPROVERS or name.startswith("user:"):
                raise ValueError(f"people 里的「{name}」和内置审批人重名，换个名字")
        where = [("fallback", s) for s in self.fallback]
        where += [(f"第 {i} 条规则「{r.name}」", s) for i, r in enumerate(self.rules, 1) for s in r.steps]
        for place, step in where:
            for spec in step.specs:
                if not (
                    spec in BUILTIN_APPROVERS or spec in self.people or (spec.startswith("user:") and len(spec) > 5)
                ):
                    known = "、".join([*BUILTIN_APPROVERS, *self.people, "user:<用户名>"])
                    raise ValueError(f"{place}：不认识的审批人「{spec}」，可用：{known}")
        templates = [("fallback", s.reason) for s in self.fallback]
        for i, r in enumerate(self.rules, 1):
            templates += [(f"第 {i} 条规则「{r.name}」", t) for t in [r.reason, *(s.reason for s in r.steps)]]
        for place, template in templates:
            _check_template(place, template)
        return self


def _check_template(place: str, template: str | None) -> None:
    if not template:
        return
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ValueError(f"{place}：理由「{template}」的花括号不成对（{exc}）") from None
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValueError(
            f"{place}：理由里的 {{{'}、{'.join(sorted(unknown))}}} 不认识，可用："
            f"{'、'.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}"
        )


_ERROR_TEXT = {
    "extra_forbidden": "不认识的字段",
    "missing": "缺少必填项",
    "float_parsing": "应该是数字",
    "float_type": "应该是数字",
    "int_parsing": "应该是整数",
    "int_type": "应该是整数",
    "int_from_float": "应该是整数",
    "bool_parsing": "应该是 true 或 false",
    "bool_type": "应该是 true 或 false",
    "string_type": "应该是文字",
    "list_type": "应该是列表",
    "dict_type": "应该是映射（键: 值）",
    "model_type": "应该是映射（键: 值）",
    "literal_error": "取值不对",
    "greater_than": "要大于",
    "greater_than_equal": "要大于等于",
    "less_than_equal": "要小于等于",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
    "string_too_long": "太长了",
}


def _location(loc: tuple, doc: RulesFile | dict | None) -> str:
    parts: list[str] = []
    rules = doc.get("rules") if isinstance(doc, dict) else None
    i = 0
    while i < len(loc):
        item = loc[i]
        if item == "rules" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            index = loc[i + 1]
            name = ""
            if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
                name = f"「{rules[index].get('name', '')}」" if rules[index].get("name") else ""
            parts.append(f"第 {index + 1} 条规则{name}")
            i += 2
            continue
        if isinstance(item, int):
            parts.append(f"第 {item + 1} 项")
        else:
            parts.append(str(item))
        i += 1
    return " → ".join(parts)


def parse_rules(text: str, source: str = RULES_FILE_NAME) -> RulesFile:
    """Validate a rules document; RulesError says where the problem is."""
    return parse_document(text, RulesFile, "审批规则", source, "people / price_list / rules …")


def parse_document(
    text: str, model: type[BaseModel], what: str, source: str, keys: str, error: type[Exception] | None = None
):
    """A YAML document validated by `model`, or `error` (RulesError unless given) in Chinese saying where and
    why — shared by the approval, lead and KPI alert rules, so every rules editor answers the same way."""
    error = error or RulesError
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise error(f"{what} {source} {where}不是合法的 YAML：{getattr(exc, 'problem', exc)}") from None
    if not isinstance(doc, dict):
        raise error(f"{what} {source} 应该是一个映射（{keys}）")
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            # validator wrappers (function-after…) are not places a person can find in the file
            path = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
            loc = _location(path, doc)
            kind = err.get("type", "")
            if kind == "value_error":
                msg = str(err.get("ctx", {}).get("error", err.get("msg")))
            else:
                msg = _ERROR_TEXT.get(kind, err.get("msg", ""))
                limit = err.get("ctx") or {}
                for key in ("gt", "ge", "le", "lt"):
                    if key in limit:
                        msg += f" {limit[key]}"
                if kind == "literal_error" and "expected" in limit:
                    msg += f"，应为 {limit['expected']}"
            problems.append(f"{loc}：{msg}" if loc else msg)
        raise error(f"{what} {source} 有误：\n" + "\n".join(problems)) from None


class RulesStore:
    """The rules in force: the data dir's file when present (re-read when it changes), else the default."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / RULES_FILE_NAME
        self._cache: tuple[tuple, RulesFile] | None = None

    def load(self) -> RulesFile:
        path = self.path if self.path.exists() else DEFAULT_RULES_PATH
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        rules = parse_rules(path.read_text(encoding="utf-8"), str(path))
        self._cache = (key, rules)
        return rules


# --- planning a chain ------------------------------------------------------------------------------


@dataclass
class Facts:
    """What the rules look at."""

    kind: str
    discount_pct: float | None = None
    amount: float | None = None
    list_amount: float | None = None
    tier: str | None = None
    industry: str | None = None
    region: str | None = None
    customer: str = ""

    def placeholders(self) -> dict[str, str]:
        return {
            "discount": format_discount(self.discount_pct),
            "amount": format_money(self.amount),
            "list_amount": format_money(self.list_amount),
            "tier": TIER_LABELS.get(self.tier or "", self.tier or "-"),
            "industry": self.industry or "-",
            "region": self.region or "-",
            "type": REQUEST_KINDS.get(self.kind, self.kind),
            "customer": self.customer,
        }


@dataclass
class PlannedApprover:
    spec: str  # direct_manager | director | a people role | user:<username>
    why: str


@dataclass
class PlannedStep:
    label: str
    mode: str
    time_limit_hours: float
    approvers: list[PlannedApprover]


@dataclass
class ChainPlan:
    matched: list[str] = field(default_factory=list)
    steps: list[PlannedStep] = field(default_factory=list)
    auto_approved: bool = False
    auto_reason: str = ""
    fast_lane: bool = False
    fast_lane_reason: str = ""
    fast_lane_hours: float | None = None


def approver_label(spec: str) -> str:
    if spec in BUILTIN_APPROVERS:
        return BUILTIN_APPROVERS[spec]
    if spec.startswith("user:"):
        return spec[5:]
    return {"finance": "财务", "legal": "法务", "vp": "VP"}.get(spec, spec)


def _render(template: str | None, facts: Facts, default: str) -> str:
    if not template:
        return default
    return template.format_map(facts.placeholders())


def plan_chain(rules: RulesFile, facts: Facts) -> ChainPlan:
    plan = ChainPlan()
    auto_reasons = []
    for rule in rules.rules:
        if not rule.when.matches(facts):
            continue
        plan.matched.append(rule.name)
        if rule.auto_approve:
            auto_reasons.append(_render(rule.reason, facts, f"命中「{rule.name}」→ 自动通过"))
        if rule.fast_lane is not None and not plan.fast_lane:
            plan.fast_lane = True
            plan.fast_lane_hours = rule.fast_lane.time_limit_hours
            plan.fast_lane_reason = _render(rule.reason, facts, f"命中「{rule.name}」→ 快速通道：各级同时审批")
        for step in rule.steps:
            default_why = f"命中规则「{rule.name}」"
            plan.steps.append(_planned(step, rules, facts, default_why))
        if rule.stop:
            break
    if not plan.steps:
        if auto_reasons:
            plan.auto_approved, plan.auto_reason = True, "；".join(auto_reasons)
            return plan
        plan.steps = [_planned(step, rules, facts, "没有命中任何规则 → 默认审批") for step in rules.fallback]
    return plan


def _planned(step: StepSpec, rules: RulesFile, facts: Facts, default_why: str) -> PlannedStep:
    why = _render(step.reason, facts, default_why)
    return PlannedStep(
        label=step.label or " + ".join(approver_label(s) for s in step.specs),
        mode=step.mode if len(step.specs) > 1 else "any",
        time_limit_hours=step.time_limit_hours or rules.defaults.time_limit_hours,
        approvers=[PlannedApprover(spec, why) for spec in step.specs],
    )
