"""Lead rules: scoring weights, response-time bands (SLA) and routing rules, in one YAML document.

The rules in force are <SALESBOT_DATA_DIR>/lead_rules.yaml when present (the console's editor writes it,
re-read when it changes, so a save needs no restart), else the shipped default_lead_rules.yaml. Parsing and
its Chinese error messages are the approval rules' own (tools/approvals/rules.parse_document), so both
editors answer the same way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from tools.approvals.rules import RulesError, _as_list, _Strict, parse_document

log = logging.getLogger(__name__)

DEFAULT_LEAD_RULES_PATH = Path(__file__).with_name("default_lead_rules.yaml")
LEAD_RULES_FILE_NAME = "lead_rules.yaml"

# what a factor means, for reasons and the console (「+20 问了报价」)
FACTOR_LABELS: dict[str, str] = {
    "asked_price": "问了报价",
    "asked_demo": "要演示/试用",
    "target_industry": "目标行业",
    "size_large": "规模 100 人以上",
    "size_mid": "规模 20～99 人",
    "decision_maker": "联系人是决策层",
    "existing_customer": "已是我们的客户",
    "in_region": "在覆盖的销售大区",
    "gave_company": "留了公司名称",
    "wants_person": "主动要人工联系",
    "engaged": "聊了 5 条以上",
    "very_engaged": "聊了 12 条以上",
    "returning": "回访客户",
    "recent": "一天内还在聊",
    "stale": "7 天以上没动静",
}
FACTORS = tuple(FACTOR_LABELS)
SOURCES: dict[str, str] = {
    "web": "官网在线咨询",
    "wecom_kf": "微信客服",
    "dingtalk": "钉钉客户群",
    "console": "控制台",
    "rep": "销售自录",
    "import": "导入",
}


class Scoring(_Strict):
    mode: Literal["auto", "default", "learned"] = "auto"
    base: int = Field(10, ge=0, le=100)
    sql_threshold: int = Field(60, ge=0, le=100)
    target_industries: list[str] = Field(default_factory=list)
    weights: dict[str, int] = Field(default_factory=dict)

    @field_validator("target_industries", mode="before")
    @classmethod
    def _listify(cls, v):
        return _as_list(v)

    @field_validator("weights")
    @classmethod
    def _known_factors(cls, v):
        for name, points in v.items():
            if name not in FACTOR_LABELS:
                raise ValueError(f"不认识的评分项「{name}」，可用：{'、'.join(FACTORS)}")
            if not -100 <= points <= 100:
                raise ValueError(f"评分项「{name}」的分数要在 -100～100 之间")
        return v

    def weight(self, factor: str) -> int:
        return self.weights.get(factor, 0)


class Band(_Strict):
    name: str = Field(min_length=1, max_length=16)
    label: str = Field("", max_length=8)
    min_score: int = Field(0, ge=0, le=100)
    minutes: int | None = Field(None, gt=0, le=60 * 24 * 10)
    act_after_minutes: int | None = Field(None, gt=0, le=60 * 24 * 10)


class When(_Strict):
    region: list[str] | None = None
    industry: list[str] | None = None
    source: list[str] | None = None
    score_at_least: int | None = Field(None, ge=0, le=100)
    score_below: int | None = Field(None, ge=0, le=101)
    size_at_least: int | None = Field(None, ge=0)

    @field_validator("region", "industry", "source", mode="before")
    @classmethod
    def _listify(cls, v):
        return _as_list(v)

    @field_validator("source")
    @classmethod
    def _known_sources(cls, v):
        for source in v or []:
            if source not in SOURCES:
                raise ValueError(f"不认识的来源「{source}」，可用：{'、'.join(SOURCES)}")
        return v

    def matches(self, facts: "LeadFacts") -> bool:
        if self.region is not None and facts.region not in self.region:
            return False
        if self.industry is not None and not (
            facts.industry and any(w in facts.industry or facts.industry in w for w in self.industry)
        ):
            return False
        if self.source is not None and facts.source not in self.source:
            return False
        if self.score_at_least is not None and facts.score < self.score_at_least:
            return False
        if self.score_below is not None and facts.score >= self.score_below:
            return False
        if self.size_at_least is not None and not (facts.size is not None and facts.size >= self.size_at_least):
            return False
        return True


class Target(_Strict):
    rep: str | None = None
    team: str | None = None

    @model_validator(mode="after")
    def _one(self):
        if bool(self.rep) == bool(self.team):
            raise ValueError("to 里写 rep（用户名）或 team（团队名）其中之一")
        return self


class RoutingRule(_Strict):
    name: str = Field(min_length=1, max_length=64)
    when: When = Field(default_factory=When)
    to: Target


class LeadRules(_Strict):
    version: Literal[1] = 1
    scoring: Scoring = Field(default_factory=Scoring)
    bands: list[Band] = Field(default_factory=lambda: [Band(name="all", label="", min_score=0)])
    capacity: dict[str, float] = Field(default_factory=dict)
    rules: list[RoutingRule] = Field(default_factory=list)

    @field_validator("bands")
    @classmethod
    def _bands(cls, v):
        if not v:
            raise ValueError("bands 至少要有一段")
        scores = [b.min_score for b in v]
        if scores != sorted(scores, reverse=True):
            raise ValueError("bands 要按 min_score 从高到低写")
        if scores[-1] != 0:
            raise ValueError("最后一段的 min_score 要是 0，这样每条线索都有响应时限")
        names = [b.name for b in v]
        if len(set(names)) != len(names):
            raise ValueError("bands 的 name 不能重复")
        return v

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, v):
        for who, weight in v.items():
            if not 0 < weight <= 100:
                raise ValueError(f"「{who}」的容量要在 0～100 之间")
        return v

    def band_for(self, score: int) -> Band:
        return next(b for b in self.bands if score >= b.min_score)

    def band_named(self, name: str) -> Band:
        return next((b for b in self.bands if b.name == name), self.bands[-1])


class LeadFacts:
    """What routing rules look at."""

    def __init__(self, *, region=None, industry=None, source="web", score=0, size=None):
        self.region, self.industry, self.source, self.score, self.size = region, industry, source, score, size


def parse_lead_rules(text: str, source: str = LEAD_RULES_FILE_NAME) -> LeadRules:
    return parse_document(text, LeadRules, "线索规则", source, "scoring / bands / rules …")


class LeadRulesStore:
    """The lead rules in force: the data dir's file when present (re-read when it changes), else the default."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LEAD_RULES_FILE_NAME
        self._cache: tuple[tuple, LeadRules] | None = None

    def text(self) -> str:
        return (self.path if self.path.exists() else DEFAULT_LEAD_RULES_PATH).read_text(encoding="utf-8")

    def load(self) -> LeadRules:
        path = self.path if self.path.exists() else DEFAULT_LEAD_RULES_PATH
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        rules = parse_lead_rules(path.read_text(encoding="utf-8"), str(path))
        self._cache = (key, rules)
        return rules


_STORES: dict[str, LeadRulesStore] = {}


def lead_rules(settings) -> LeadRules:
    """The rules in force for this deployment's data dir. A file that no longer parses (edited by hand: the
    console never saves one) is logged and the shipped defaults apply, so customers are still handed off."""
    key = str(settings.data_dir)
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = LeadRulesStore(Path(settings.data_dir))
    try:
        return store.load()
    except RulesError as exc:
        log.error("lead rules %s unusable, the defaults apply: %s", store.path, exc)
        return parse_lead_rules(DEFAULT_LEAD_RULES_PATH.read_text(encoding="utf-8"), str(DEFAULT_LEAD_RULES_PATH))


__all__ = [
    "FACTOR_LABELS",
    "FACTORS",
    "LeadFacts",
    "LeadRules",
    "LeadRulesStore",
    "RulesError",
    "SOURCES",
    "lead_rules",
    "parse_lead_rules",
]
