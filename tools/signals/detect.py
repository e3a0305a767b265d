"""Rule-based signal detection: which sentences of a visit note, transcript or chat carry a sales signal.

Each signal keeps the sentence it came from (the evidence a manager reads). Rules run offline and in
microseconds, so every message can be scanned; their precision and recall are measured on labelled
sentences by benchmarks/signals_quality.py (numbers in benchmarks/README.md).

Competitors come from the org profile (names and aliases), never from this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.org import OrgProfile

KINDS: dict[str, str] = {
    "price_objection": "价格异议",
    "competitor": "竞品提及",
    "dm_change": "决策人变化",
    "budget_cut": "预算削减/冻结",
    "timeline_slip": "时间推迟",
    "contract_request": "要合同",
    "reference_request": "要参考客户/案例",
}

# a deal-level signal strong enough to propose a next step to the rep at once
STRONG = frozenset({"dm_change", "budget_cut", "timeline_slip", "contract_request", "reference_request"})


@dataclass(frozen=True)
class Signal:
    kind: str
    quote: str  # the sentence, as written
    detail: str = ""  # the competitor's canonical name for "competitor"

    @property
    def label(self) -> str:
        return KINDS[self.kind]


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s.strip()]


_PRICE = re.compile(
    r"太贵|偏贵|贵了|有点贵|贵出|贵一截|不值|嫌.{0,8}(贵|高)"
    r"|(价格|报价|价钱|年费|单价|费用|总价).{0,6}(太高|偏高|高了|有点高|超预算|超出|压到|控制在|降到)"
    r"|高了不少|心理价位|压价|砍价|降价|降一点|降点|便宜|最低(价|能|多少)|让利|优惠|价格.{0,4}下不来"
    r"|(打个?|要|想要|给了?|给个)[一二三四五六七八九\d.]{1,3}折|[七八九][五]?折"
    r"|(比|超出).{0,6}预期.{0,2}高|比我们.{0,4}(低|便宜)|拿来压|压我们"
)
_PRICE_FINE = re.compile(r"(价格|报价).{0,6}(可以接受|没(什么)?(问题|意见)|认可|有竞争力|合理|达成一致)")

_DM_ROLE = r"(总|总监|经理|CIO|CEO|CTO|CFO|负责人|决策人|拍板|领导|老板|主任|处长|局长|董事长|采购|对接人|对接的|副总)"
_DM_CHANGE = re.compile(
    rf"{_DM_ROLE}.{{0,10}}(调走|离职|换人|换了|换成|辞职|退休|调岗|被撤|下课|不干了|调去|调到|刚换|要换|走了)"
    rf"|(新来的|新任|新上任|新换的|刚来的|接任|接手|接班|改由).{{0,8}}{_DM_ROLE}|新{_DM_ROLE}"
    rf"|{_DM_ROLE}.{{0,8}}(离开|到岗|上任)"
)
_DM_SAME = re.compile(r"没有?(变化|换)|不变|还是")

_BUDGET = re.compile(
    r"预算.{0,6}(砍|削减|缩减|缩水|冻结|取消|没了|不够|减少|压缩|收紧|批不|只剩|只有)|(没|没有)(了)?预算|预算.{0,2}没了"
    r"|冻结|缩减开支|压缩开支|(钱|费用|款).{0,4}(批不|没批|不批)|批不下来|暂停采购|不让花钱|不花钱"
    r"|(等|要等).{0,6}明年.{0,6}预算|重新.{0,4}(申请|做|报)预算|预算.{0,4}重新(做|申请|报)"
)
_TIMELINE = re.compile(
    r"推迟|延期|延后|延到|往后推|往后挪|推后|向后推|暂缓|搁置|放一放|缓一缓|先放着|拖(到|一拖|了|得|慢)|时间.{0,4}拖"
    r"|(年后|明年|下半年|以后)再(说|启动|议|看|谈|弄)|等到?明年|不着急|比(计划|原计划|预期)晚|晚了?[一两二三四五六七八九\d]+(天|周|个月)"
    r"|(本来|原来|原计划|原定).{0,12}(现在|改成).{0,8}(月|周|季度|年底|年后|号)"
)
_CONTRACT = re.compile(
    r"合同.{0,6}(模板|范本|发|审|看看|起草|草稿|初稿|条款|过一遍)|(要|拿到|发|给|提供|出|起草).{0,6}合同"
    r"|合同.{0,8}(能不能|可不可以|可以|能否).{0,6}签"
)
_CONTRACT_DONE = re.compile(r"合同.{0,6}(签完|已签|签了|签好|到期|执行中|盖章流程)")
_REFERENCE = re.compile(
    r"案例|参考客户|标杆客户|样板客户|成功客户|客户见证|参观.{0,8}(客户|工厂|现场)|(老客户|现有客户|老用户).{0,6}(参观|考察|交流|聊)"
    r"|(客户|用户)(的)?名单|同行(业)?.{0,8}(怎么用|用得|在用)|(去|到).{0,8}客户那(里|边)?看看"
)

# a short alias followed by these is another company sharing the name (a customer's client 海纳电器), not the competitor
_OTHER_COMPANY = re.compile(
    r"^(电器|集团|公司|科技|股份|机械|医药|银行|制造|重工|地产|汽车|电子|化工|食品|物流|酒店|医院|学校|大学)"
)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def competitor_mentions(sentence: str, org: OrgProfile) -> list[str]:
    """Canonical names of the configured competitors a sentence names (spaces and case ignored)."""
    squeezed = _squeeze(sentence)
    found: list[str] = []
    for comp in org.competitors:
        for name in sorted(comp.names, key=len, reverse=True):
            form = _squeeze(name)
            if len(form) < 2:
                continue
            start = squeezed.find(form)
            while start >= 0:
                after = squeezed[start + len(form) :]
                if not (name != comp.name and _OTHER_COMPANY.match(after)):
                    found.append(comp.name)
                    break
                start = squeezed.find(form, start + 1)
            if comp.name in found:
                break
    return found


def detect(text: str, org: OrgProfile) -> list[Signal]:
    """Every signal in a text, one per (kind, sentence, competitor), in order."""
    out: list[Signal] = []
    for sentence in sentences(text):
        if _PRICE.search(sentence) and not _PRICE_FINE.search(sentence):
            out.append(Signal("price_objection", sentence))
        for name in competitor_mentions(sentence, org):
            out.append(Signal("competitor", sentence, name))
        if _DM_CHANGE.search(sentence) and not _DM_SAME.search(sentence):
            out.append(Signal("dm_change", sentence))
        if _BUDGET.search(sentence):
            out.append(Signal("budget_cut", sentence))
        if _TIMELINE.search(sentence) and not re.search(r"提前", sentence):
            out.append(Signal("timeline_slip", sentence))
        if _CONTRACT.search(sentence) and not _CONTRACT_DONE.search(sentence):
            out.append(Signal("contract_request", sentence))
        if _REFERENCE.search(sentence):
            out.append(Signal("reference_request", sentence))
    return out
