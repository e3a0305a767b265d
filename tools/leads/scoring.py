"""Lead scoring, explained: fit (industry, size, region, title, CRM) and behaviour (asked for a price or a demo,
messages, returning, recency) → a 0–100 score with its reasons (「+20 问了报价；+15 制造业，目标行业」).

Every factor is a yes/no fact about the lead, so the same features serve the editable default weights (points
per factor, lead rules `scoring.weights`) and a learned model: with enough leads whose outcome the reps
recorded (converted / lost), a small L2-regularised logistic regression (numpy, Newton's method) gives one
coefficient per factor. Learned coefficients are shown as points next to the defaults: near p = 0.5 the
logistic curve's slope is 1/4, so one unit of log-odds moves the probability by about 25 points; a learned
score is 100 × the predicted probability, and its reasons list each factor's share in those points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from bot.zh_parse import find_quantities
from tools.leads.lead_rules import FACTOR_LABELS, FACTORS, LeadRules

MIN_EACH_CLASS = 20  # converted and not converted leads needed before learned weights are used
POINTS_PER_LOGIT = 25.0  # the logistic slope at p = 0.5 is 1/4: one unit of log-odds ≈ 25 percentage points

_PRICE = re.compile(r"报价|价格|多少钱|怎么收费|收费|费用|价钱|折扣|优惠|预算|报个价|quote|price", re.I)
_DEMO = re.compile(r"演示|demo|试用|POC|体验|看看效果|样板|案例", re.I)
_PERSON = re.compile(r"转人工|人工|找销售|让销售|销售联系|顾问联系|打电话给我|回电")
_TITLE = re.compile(
    r"(?:总|总监|总经理|经理|主任|老板|董事|厂长|院长|校长|CEO|CTO|CIO|VP|负责人|主管)(?:$|[^的])", re.I
)
_SIZE_UNITS = ("人", "员工", "账号", "帐号", "用户", "坐席", "席位")
_CN_SIZE = {"几十": 30, "上百": 100, "几百": 300, "上千": 1000, "几千": 3000, "上万": 10000}
# what a company's name says about its industry, when the customer did not say
_INDUSTRY_HINTS = {
    "制造业": ("机械", "制造", "机电", "精密", "五金", "材料", "电器", "零部件", "工厂", "智造"),
    "医疗": ("医药", "医疗", "药业", "医院", "生物", "器械"),
    "金融": ("银行", "证券", "保险", "基金", "金融", "信托"),
    "物流": ("物流", "快递", "港务", "货运"),
    "教育": ("教育", "学校", "培训"),
    "零售": ("超市", "零售", "商贸", "餐饮"),
}


@dataclass
class LeadSignals:
    """What is known about a lead, from the conversation and the CRM."""

    industry: str | None = None
    company: str | None = None
    name: str | None = None
    texts: list[str] = field(default_factory=list)  # the customer's own messages (and the need)
    region_covered: bool = False
    existing_customer: bool = False
    account_tier: str | None = None
    messages: int = 0
    returning: bool = False
    last_activity: datetime | None = None


@dataclass
class Scored:
    score: int
    band: str
    reasons: list[tuple[int, str]]  # (points, why), biggest first
    features: dict[str, int]
    weights: str  # default | learned
    industry: str | None = None
    size: int | None = None
    sql: bool = False

    def reasons_text(self, limit: int = 6) -> str:
        return "；".join(f"{p:+d} {why}" for p, why in self.reasons[:limit]) or "没有加分项"


def guess_industry(signals: LeadSignals) -> str | None:
    if signals.industry:
        return signals.industry
    name = signals.company or ""
    for industry, hints in _INDUSTRY_HINTS.items():
        if any(h in name for h in hints):
            return industry
    return None


def headcount(texts: list[str]) -> int | None:
    """「20 人团队」「三百多人」「两千名员工」「120 个账号」 → a size (bot.zh_parse.find_quantities); 「几百人」 too.
    The largest number mentioned wins."""
    best = None
    for text in texts:
        for q in find_quantities(text or "", _SIZE_UNITS):
            if isinstance(q.value, (int, float)) and 0 < q.value < 10**7:
                best = int(q.value) if best is None else max(best, int(q.value))
        for word, n in _CN_SIZE.items():
            if word + "人" in (text or "") or word + "号人" in (text or ""):
                best = n if best is None else max(best, n)
    return best


def features(signals: LeadSignals, rules: LeadRules, now: datetime) -> tuple[dict[str, int], str | None, int | None]:
    """(factor -> 0/1, the industry used, the head count) for a lead."""
    text = " ".join(t for t in signals.texts if t)
    industry = guess_industry(signals)
    size = headcount(signals.texts)
    large_account = signals.account_tier in ("vip", "key")
    targets = rules.scoring.target_industries
    f = {name: 0 for name in FACTORS}
    f["asked_price"] = int(bool(_PRICE.search(text)))
    f["asked_demo"] = int(bool(_DEMO.search(text)))
    f["wants_person"] = int(bool(_PERSON.search(text)))
    f["target_industry"] = int(bool(industry and any(t in industry or industry in t for t in targets)))
    f["size_large"] = int((size is not None and size >= 100) or large_account)
    f["size_mid"] = int(not f["size_large"] and size is not None and 20 <= size < 100)
    f["decision_maker"] = int(bool(signals.name and _TITLE.search(signals.name)))
    f["existing_customer"] = int(signals.existing_customer)
    f["in_region"] = int(signals.region_covered)
    f["gave_company"] = int(bool(signals.company))
    f["engaged"] = int(signals.messages >= 5)
    f["very_engaged"] = int(signals.messages >= 12)
    f["returning"] = int(signals.returning)
    if signals.last_activity is not None:
        age = now - signals.last_activity
        f["recent"] = int(age <= timedelta(days=1))
        f["stale"] = int(age > timedelta(days=7))
    return f, industry, size


def _label(factor: str, industry: str | None, size: int | None) -> str:
    if factor == "target_industry" and industry:
        return f"{industry}，目标行业"
    if factor in ("size_large", "size_mid") and size is not None:
        return f"{size} 人规模"
    return FACTOR_LABELS[factor]


def score_with_defaults(f: dict[str, int], rules: LeadRules) -> tuple[int, list[tuple[int, str]]]:
    points = [(rules.scoring.weight(name), name) for name in FACTORS if f.get(name)]
    points = [(p, name) for p, name in points if p]
    total = max(0, min(100, rules.scoring.base + sum(p for p, _ in points)))
    return total, points


@dataclass
class LearnedWeights:
    intercept: float
    coef: dict[str, float]
    converted: int
    lost: int
    cv_auc: float | None = None  # the learned model's AUC on held-out folds of the org's own outcomes
    default_auc: float | None = None  # the default weights' AUC on the same leads

    @property
    def beats_defaults(self) -> bool:
        """Whether cross-validation says the learned weights rank this org's leads better than the defaults."""
        return self.cv_auc is not None and (self.default_auc is None or self.cv_auc > self.default_auc)

    def logit(self, f: dict[str, int]) -> float:
        return self.intercept + sum(self.coef.get(name, 0.0) * f.get(name, 0) for name in FACTORS)

    def points(self) -> dict[str, int]:
        return {name: round(POINTS_PER_LOGIT * c) for name, c in self.coef.items()}

    def to_json(self) -> dict:
        return {
            "intercept": self.intercept,
            "coef": self.coef,
            "converted": self.converted,
            "lost": self.lost,
            "cv_auc": self.cv_auc,
            "default_auc": self.default_auc,
        }

    @classmethod
    def from_json(cls, data: dict) -> "LearnedWeights":
        return cls(
            float(data["intercept"]), {k: float(v) for k, v in data["coef"].items()}, data["converted"], data["lost"]
        )


def score_with_learned(f: dict[str, int], learned: LearnedWeights) -> tuple[int, list[tuple[int, str]]]:
    p = 1.0 / (1.0 + np.exp(-learned.logit(f)))
    points = [(round(POINTS_PER_LOGIT * learned.coef.get(name, 0.0)), name) for name in FACTORS if f.get(name)]
    return int(round(100 * p)), [(pt, name) for pt, name in points if pt]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> tuple[float, np.ndarray]:
    """L2-regularised logistic regression by Newton's method (the intercept is not penalised). With yes/no
    features and a few hundred rows it converges in a handful of steps; the penalty keeps a factor seen only
    among converted leads from running off to infinity."""
    n, k = x.shape
    design = np.hstack([np.ones((n, 1)), x.astype(float)])
    w = np.zeros(k + 1)
    penalty = np.full(k + 1, l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        grad = design.T @ (p - y) + penalty * w
        hess = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(w[0]), w[1:]


def auc(scores: np.ndarray, y: np.ndarray) -> float | None:
    """Mann-Whitney AUC with average ranks for ties; None without both classes."""
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ordered = scores[order]
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def learn(
    rows: list[tuple[dict[str, int], bool]],
    min_each: int = MIN_EACH_CLASS,
    rules: LeadRules | None = None,
    folds: int = 5,
) -> LearnedWeights | None:
    """Weights learned from (features, converted) pairs; None when either class has fewer than min_each rows.

    With `rules`, the learned model is also checked against the default weights by k-fold cross-validation on
    the same leads (cv_auc vs default_auc): with a few dozen outcomes a fitted model is often worse than
    sensible defaults, and `mode: auto` then keeps the defaults."""
    converted = sum(1 for _, y in rows if y)
    lost = len(rows) - converted
    if converted < min_each or lost < min_each:
        return None
    x = np.array([[f.get(name, 0) for name in FACTORS] for f, _ in rows], dtype=float)
    y = np.array([1.0 if c else 0.0 for _, c in rows])
    intercept, coef = fit_logistic(x, y)
    learned = LearnedWeights(intercept, {name: float(c) for name, c in zip(FACTORS, coef)}, converted, lost)
    if rules is not None:
        # folds by a fixed interleave (no randomness: the same outcomes always give the same decision)
        fold = np.arange(len(rows)) % folds
        held_out = np.empty(len(rows))
        for k in range(folds):
            train, test = fold != k, fold == k
            b, c = fit_logistic(x[train], y[train])
            held_out[test] = b + x[test] @ c
        learned.cv_auc = auc(held_out, y)
        learned.default_auc = auc(np.array([score_with_defaults(f, rules)[0] for f, _ in rows], dtype=float), y)
    return learned


def score(signals: LeadSignals, rules: LeadRules, now: datetime, learned: LearnedWeights | None = None) -> Scored:
    f, industry, size = features(signals, rules, now)
    mode = rules.scoring.mode
    # auto: only weights that cross-validation found better than the defaults; learned: whenever there are some
    use_learned = learned is not None and (mode == "learned" or (mode == "auto" and learned.beats_defaults))
    if use_learned:
        total, points = score_with_learned(f, learned)
    else:
        total, points = score_with_defaults(f, rules)
    reasons = sorted(((p, _label(name, industry, size)) for p, name in points), key=lambda r: -abs(r[0]))
    return Scored(
        score=total,
        band=rules.band_for(total).name,
        reasons=reasons,
        features=f,
        weights="learned" if use_learned else "default",
        industry=industry,
        size=size,
        sql=total >= rules.scoring.sql_threshold,
    )
