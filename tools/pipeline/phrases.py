"""Closing and forecast sentences read without a model: 「华东机械输单了，价格没谈拢，被速工云拿走了」.

Pure functions (no I/O): the caller finds the customer the sentence names and passes the org's competitors
and reason categories. What is read here is always shown to the rep as a proposal before anything is written,
so the rules lean to recognising a closing or a forecast call and leave the details editable.

Rules the tests pin:
- A question or a worry (「怕输给销售易」「怎么回」「吗」) is never a closing.
- A win needs a past-tense outcome (签了 / 拿下了 / 成交 / 中标); 「能签」「争取拿下」 are forecast calls.
- The reason category is the first reason the sentence gives; 竞品 only when a competitor is all it gives.
- Forecast: an explicit category word (承诺 / 可能 / 管道) wins; else 「还早」-like words are pipeline,
  doubt (「可能」「争取」「不确定」) is best case, certainty (「肯定能」「十拿九稳」) is commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_REASONS = ("价格", "产品功能", "竞品", "时机", "关系", "无决策")
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")
FORECAST_LABELS = {"commit": "承诺", "best_case": "可能", "pipeline": "管道"}

# words that give a reason of each default category (the category's own name always counts too)
REASON_WORDS: dict[str, str] = {
    "价格": r"价格|太贵|贵了|嫌贵|报价|价钱|便宜|低价|压价|性价比|费用|成本|砍价|折扣|比我们低",
    "产品功能": r"功能|安全|合规|测评|等保|本地部署|部署|定制|接口|性能|(给|做|提供|实现|满足|支持)不了|产品|满足不了|不满足|满足不|不支持|做不到|达不到|实现不了|缺少|不符合|集成|私有化|稳定性|体验|技术(方案|上)",
    "竞品": r"竞品|竞争对手|对手",
    "时机": r"时机|时间上|等不及|来不及|没钱|钱不够|资金(紧张|不够|不足)|经费|预算(被)?(砍|取消|冻结|没批|没了|削减|收紧)|没(有)?预算|等.{0,4}预算|明年|下半年再|今年不|推迟|延期|延后|暂停|冻结|不做了|不上了|缓一缓|等等再说",
    "关系": r"关系|离职|换人|换了人|不认|不熟|不信任|信任|高层|拍板人|内部支持|对接人|人脉|关系户|老朋友",
    "无决策": r"搁置|凑合|Excel|表格|手工|继续用|老系统|原来的系统|现有系统|定不下来|定不了|不了了之|没(有)?决策|没结论|维持现状|不买了|自己(做|开发)|自研|没下文|一直拖|不想换|不换了|不上系统",
}

_QUESTION = re.compile(
    r"[?？]|怎么|如何|吗$|吗[，。！]|会不会|要不要|能不能|是不是|怕|担心|万一|如果|假如|应对|避免|复盘一下"
    r"|的话|多少|多大|多久|为什么|为啥|什么时候|啥时候|什么原因|哪[些个家天]|几[个月天号时]|有没有"
)
_LOST = re.compile(
    r"输单|输了|丢单|丢了|丢掉了|(?<![a-z])lost(?![a-z])|没拿下|没签成|没签下|没谈成|谈崩|黄了|跟丢|飞了|飞单|没戏|失败|流失|放弃了|没成|"
    r"(被|让).{1,12}?(拿走|抢走|抢了|截胡|签走|拿下|抢去)|输给|选了别家|选了别人|选择了别家|不跟我们|不选我们|"
    r"项目搁置|单子搁置|搁置了|不了了之|没下文了|"
    # the loss said in other words: out of the race, the chance gone, not brought home
    r"出局|落选|输掉|(?<![不没怕])输(?=[，,。；;\s]|$)|没保住|保不住|"
    r"(项目|单子|商机|订单|这单|采购)[^，。；]{0,3}(取消了|撤了|停了|砍了)|"
    r"没选上|没中标|未中标|丢标|凉了|凉凉|没希望了|打水漂|"
    r"失利|落败|泡汤|(没能|未能)(拿下|签|成|谈成|中标)|败了|黄掉|输在|(?<![会要还])不买了|不采购了|"
    r"没(谈|签|拿|做|搞|跟)(下来|成|到手)|没拿到(单|合同|项目)|"
    r"(商机|机会|单子|项目|这单)[^，。；]{0,3}(关了|关掉了|关闭了|没了|结束了|没戏)|"
    r"(被|让).{1,12}?(撬走|撬了|挖走|截走|抢下|拿去)|不选我们|没选我们|pass了我们|把我们pass",
    re.I,
)
_WON = re.compile(
    r"赢单|赢了|签了|签约了|签下|签回来|签完|拿下了|拿下！|拿下$|成交|中标|下单了|打款了|落单|搞定了|选了我们|定了我们|合同签|"
    r"盖章了|盖好章|(?<![a-z])won(?![a-z])|"
    r"签单|签约成功|合同已签|已签约|已经签|签字了|签好了|谈成了|谈下来了|成单了|开单了|搞定(?!不)|(拿|签|谈|搞)下来了|合同[^，。；]{0,4}(回来了|回签了|寄回来了)|已成交|落袋|到手了|正式签约|正式签了|签约完成|签署完成|签完了|(?<![变完形构达促组能会要])成了(?=[！!，,。]|$)|拿到(单子|合同|项目)了|"
    r"(跟|和|与)我们签(了|约了|下)|选定我们|选择了我们|定下来了.{0,4}我们",
    re.I,
)
_FUTURE = re.compile(
    r"能签|能拿下|可以签|会签|要签|准备签|争取|希望|有望|预计|估计|应该能|应该会|可能|肯定能|一定能|十拿九稳|"
    r"有把握|没把握|不确定|还早|下周|明天|后天|周[一二三四五六日末]|下午|本月|这个月|月底|本季|这个季度|季度末|下个月|下月|年底|承诺|管道|放到|放进|标成|标为|归到"
)
_COMPETITOR_AFTER = re.compile(
    r"(?:被|让)\s*([A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff ]{0,15}?)\s*(?:拿走|抢走|抢了|截胡|签走|拿下|抢去|拿去|撬走|挖走|截走)"
    r"|输给了?\s*([A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff]{0,15}?)(?=[，,。；;！!\s]|$|了)"
    r"|(?:选了|选择了|用了|上了|换成了?|决定用|改用|定了)\s*([A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff]{0,15}?)"
    r"(?=[，,。；;！!\s]|$|的)"
)
_NOT_A_COMPETITOR = re.compile(r"^(别家|别人|我们|咱们|他们|对方|竞品|竞争对手|对手|友商|人家|自己)$")

# forecast calls
_EXPLICIT = [
    ("commit", re.compile(r"承诺|commit", re.I)),
    ("best_case", re.compile(r"best\s*case|最佳情况|可能(类|那栏|里|档)|放到可能|标成可能|标为可能|改成可能", re.I)),
    ("pipeline", re.compile(r"管道|pipeline|漏斗", re.I)),
]
_PIPELINE_WORDS = re.compile(
    r"还早|早期|没谱|不好说|说不准|远着|还远|八字没一撇|慢慢跟|先放着|长线|早着|刚接触|刚认识|刚开始|刚起步|初步(沟通|接触|交流|了解)"
    r"|前期|需求(调研|阶段)|没立项|还没立项|先挂着|先别算"
)
_DOUBT_WORDS = re.compile(
    r"可能|争取|希望|有望|不确定|没把握|五五开|一半|看情况|大概率|估计|说不定|有机会|有戏|悬(?!念)|[三四六七]\s*[三四六七]开|看运气|难说"
    r"|还要看|得看|要看"
)
_SURE_WORDS = re.compile(
    r"肯定能|一定能|肯定会|一定会|十拿九稳|稳了|板上钉钉|有把握|[八九]成把握|把握很大|没问题|铁定|确定能|确定会|保证|能签|能拿下|"
    r"可以签|能成交|会签|稳稳|稳的|跑不了|跑不掉|妥了|基本定了|问题不大|十有八九|能落|能成|必签|肯定签|一定签|打包票|包票|保票|拍胸脯|稳拿|八九不离十|没跑|大局已定|差不多定了|基本稳"
    r"|(一定|肯定|必然|铁定|绝对)(能|会|可以)?(签|落地|成|拿|下单|成交)|没.?悬念"
)
_DEAL_WORDS = re.compile(r"这单|单子|项目|合同|签|拿下|成交|商机|承诺|管道|可能|预测|落地")


@dataclass(frozen=True)
class CloseRead:
    outcome: str  # won | lost
    reason: str | None = None  # one of the org's categories
    competitor: str | None = None  # canonical when known, else as said
    known_competitor: bool = False
    note: str = ""  # the sentence's own words, for the free-text line


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def reason_category(text: str, categories: tuple[str, ...] | list[str], competitor: str | None = None) -> str | None:
    """The first reason the text gives, as one of `categories`; 竞品 when only a competitor is named."""
    text = _squeeze(text)
    found: list[tuple[int, str]] = []
    for category in categories:
        pattern = REASON_WORDS.get(category)
        words = f"{re.escape(category)}|{pattern}" if pattern else re.escape(category)
        if category == "竞品":
            continue
        m = re.search(words, text)
        if m:
            found.append((m.start(), category))
    if found:
        return min(found)[1]
    if "竞品" in categories and (competitor or re.search(REASON_WORDS["竞品"], text)):
        return "竞品"
    return None


def match_competitor(text: str, competitors) -> tuple[str | None, bool]:
    """(name, known): a competitor of the org profile named in the text (canonical name), else a name the
    sentence says the deal went to (「被X拿走」「输给X」「选了X」), else (None, False)."""
    squeezed = _squeeze(text).lower()
    best: tuple[int, str] | None = None
    for competitor in competitors:
        for name in competitor.names:
            n = _squeeze(name).lower()
            if n and n in squeezed:
                pos = squeezed.index(n)
                if best is None or pos < best[0]:
                    best = (pos, competitor.name)
    if best is not None:
        return best[1], True
    for m in _COMPETITOR_AFTER.finditer(_squeeze(text)):
        name = next((g for g in m.groups() if g), "").strip()
        name = re.sub(r"(了|的|给)$", "", name)
        name = re.sub(r"^(一家|一个|某家|某个|家)", "", name)
        if len(name) >= 2 and not _NOT_A_COMPETITOR.match(name) and not re.search(r"我们|咱们", name):
            return name, False
    return None, False


def read_close(text: str, categories, competitors) -> CloseRead | None:
    """A sentence telling that a deal was won or lost; None for anything else (questions included)."""
    squeezed = _squeeze(text)
    if _QUESTION.search(squeezed):
        return None
    lost = _LOST.search(squeezed)
    won = _WON.search(squeezed)
    if not lost and not won:
        # 「选了销售易」: the customer chose a competitor the org knows
        competitor, known = match_competitor(squeezed, competitors)
        names = "|".join(re.escape(_squeeze(n)) for c in competitors if c.name == competitor for n in c.names)
        if known and re.search(rf"(选了|选择了|用了|上了|换成了?|签了)({names})", squeezed, re.I):
            lost = True
    if lost and not re.search(r"没(有)?(丢|输)", squeezed):
        competitor, known = match_competitor(squeezed, competitors)
        return CloseRead(
            "lost",
            reason=reason_category(squeezed, categories, competitor),
            competitor=competitor,
            known_competitor=known,
            note=text.strip(),
        )
    if won:
        before = squeezed[: won.start()]
        # 「争取本月签了」「希望能拿下了」: hoped for, not done
        hoped = _FUTURE.search(before[-6:]) or re.search(r"(要|会|将|准备|打算|想|能|可以|明天|下周|下个?月)$", before)
        if hoped and not re.search(r"今天|刚刚|刚|已经|终于|昨天", squeezed):
            return None
        competitor, known = match_competitor(squeezed, competitors)
        return CloseRead("won", competitor=competitor, known_competitor=known, note=text.strip())
    return None


def read_forecast(text: str) -> str | None:
    """The forecast category a sentence gives an open deal (commit / best_case / pipeline), or None."""
    squeezed = _squeeze(text)
    if re.search(r"[?？]|吗$|怎么|如何", squeezed):
        return None
    if not any(p.search(squeezed) for p in (_DEAL_WORDS, _SURE_WORDS, _DOUBT_WORDS, _PIPELINE_WORDS)):
        return None
    if re.search(r"放到|放进|放在|标成|标为|改成|设为|设成|归到|归入|算作|算到|调到|移到|列入|列为", squeezed):
        for category, pattern in _EXPLICIT:
            if pattern.search(squeezed):
                return category
    if _PIPELINE_WORDS.search(squeezed):
        return "pipeline"
    if _DOUBT_WORDS.search(squeezed):
        return "best_case"
    if _SURE_WORDS.search(squeezed):
        return "commit"
    for category, pattern in _EXPLICIT:
        if pattern.search(squeezed):
            return category
    return None


def forecast_category(value: str | None) -> str | None:
    """A category as people or models write it (承诺 / commit / 可能 / best case / 管道 …) → its code."""
    if value is None:
        return None
    v = _squeeze(value).lower().replace("-", "_")
    aliases = {
        "commit": "commit",
        "承诺": "commit",
        "承诺类": "commit",
        "确定": "commit",
        "best_case": "best_case",
        "bestcase": "best_case",
        "可能": "best_case",
        "最佳": "best_case",
        "最佳情况": "best_case",
        "pipeline": "pipeline",
        "管道": "pipeline",
        "漏斗": "pipeline",
    }
    return aliases.get(v)
