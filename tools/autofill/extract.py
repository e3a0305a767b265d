"""Transcript → typed facts, each with the sentence it came from. Deterministic rules only (no I/O).

Rules do what rules do best and run with or without an LLM: phone numbers, emails, money and quantities
in Chinese numerals, dates relative to the meeting date, company and people names matched against the
CRM, competitors (with their common ASR slips). The LLM layer (tools/autofill/llm_extract.py) adds what needs
reading comprehension and is merged here with `merge`.

Every fact keeps `pos`, the offset of its sentence in the transcript: when the customer corrects a
number later in the meeting, the later value wins, and the earlier one is kept as a note.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Iterable

from rapidfuzz import fuzz

from bot.zh_parse import find_dates, find_emails, find_money, find_phones, find_quantities
from tools.customers import core_name

# --- shapes ------------------------------------------------------------------------------------------


@dataclass
class Fact:
    value: Any
    evidence: str  # the quoted sentence
    pos: int = -1  # offset of the sentence in the transcript (-1: unknown)
    confidence: float = 0.6
    origin: str = "rule"  # rule | llm | both
    note: str | None = None  # e.g. "先说 50 万，后改为 60 万"


@dataclass
class ContactFact:
    name: str
    evidence: str
    pos: int = -1
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    deal_role: str | None = None  # economic_buyer | champion | user | technical_evaluator | procurement
    confidence: float = 0.6
    origin: str = "rule"


@dataclass
class NextStep:
    action: str
    evidence: str
    pos: int = -1
    owner: str = "rep"  # rep | customer
    due: date | None = None
    confidence: float = 0.6
    origin: str = "rule"


SCALAR_FIELDS = (
    "meeting_date",
    "account",
    "budget",
    "amount",
    "seats",
    "close_date",
    "timeline",
    "stage",
    "sentiment",
    "channel",
    "summary",
)
QUALIFICATION_FIELDS = (
    "metrics",
    "economic_buyer",
    "decision_criteria",
    "decision_process",
    "paper_process",
    "identified_pain",
    "champion",
    "authority",
    "need",
)


@dataclass
class Extraction:
    mode: str = "offline"  # offline | llm | llm_down
    meeting_date: Fact | None = None
    account: Fact | None = None  # value: the customer's name as the CRM knows it (or as said, if unknown)
    account_id: int | None = None  # set when the name matched a known account
    other_companies: list[Fact] = field(default_factory=list)
    contacts: list[ContactFact] = field(default_factory=list)
    budget: Fact | None = None  # CNY
    amount: Fact | None = None  # CNY: the deal's price (quote / total / contract)
    seats: Fact | None = None
    close_date: Fact | None = None  # when the customer decides / signs
    timeline: Fact | None = None
    stage: Fact | None = None  # a key of bot.models.STAGES
    sentiment: Fact | None = None  # positive | neutral | negative
    channel: Fact | None = None  # onsite | phone | video
    summary: Fact | None = None
    competitors: list[Fact] = field(default_factory=list)
    pain_points: list[Fact] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)
    qualification: dict[str, Fact] = field(default_factory=dict)  # BANT / MEDDPICC elements
    warnings: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(
            [
                self.account,
                self.contacts,
                self.budget,
                self.amount,
                self.seats,
                self.close_date,
                self.competitors,
                self.next_steps,
                self.pain_points,
                self.qualification,
            ]
        )

    def to_json(self) -> dict[str, Any]:
        def plain(value):
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return plain(asdict(self))


# --- sentences ---------------------------------------------------------------------------------------


@dataclass
class Sentence:
    text: str
    start: int
    speaker: str = ""  # the speaker label, as written


# "张伟：", "李总（华东机械）:", "【客户-王芳】", "发言人1 00:01:23", "Speaker 2  12:03"
_LABEL = re.compile(r"^\s*(?:【([^】\n]{1,24})】|\[([^\]\n]{1,24})\]|([^：:\n，。,]{1,20}?))\s*[：:]\s*")
_ASR_LABEL = re.compile(r"^\s*((?:发言人|说话人|讲话人|speaker)\s*\d{1,2})\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*$", re.I)
_TIMESTAMP = re.compile(r"^\s*\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*")
_SPLIT = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")
_HEADER_KEYS = ("时间", "日期", "地点", "参会", "与会", "主题", "客户", "会议", "记录人", "纪要")


def split_sentences(text: str) -> list[Sentence]:
    """Utterances with their offsets, each knowing its speaker label (ASR 'speaker N' lines included)."""
    out: list[Sentence] = []
    speaker = ""
    offset = 0
    for line in text.splitlines(keepends=True):
        body_start = offset
        stripped = line.rstrip("\r\n")
        offset += len(line)
        if not stripped.strip():
            continue
        asr = _ASR_LABEL.match(stripped)
        if asr:
            speaker = asr.group(1)
            continue
        ts = _TIMESTAMP.match(stripped)
        if ts:
            body_start += ts.end()
            stripped = stripped[ts.end() :]
        m = _LABEL.match(stripped)
        line_speaker = speaker
        if m:
            label = next(g for g in m.groups() if g is not None).strip()
            if not any(label.startswith(k) for k in _HEADER_KEYS) and not re.search(r"\d", label):
                line_speaker = label
                speaker = label
            # header lines keep their key in the sentence: "客户：华东机械" is its own evidence
            if line_speaker == label:
                body_start += m.end()
                stripped = stripped[m.end() :]
        for piece in _SPLIT.finditer(stripped):
            sentence = piece.group(0).strip()
            if sentence:
                lead = len(piece.group(0)) - len(piece.group(0).lstrip())
                out.append(Sentence(sentence, body_start + piece.start() + lead, line_speaker))
    return out


def quote(sentence: Sentence) -> str:
    return f"{sentence.speaker}：{sentence.text}" if sentence.speaker else sentence.text


# --- lexicons ----------------------------------------------------------------------------------------

# canonical competitor name -> ways people (and speech recognition) write it
COMPETITORS: dict[str, tuple[str, ...]] = {
    "纷享销客": ("纷享销客", "纷享消客", "分享销客", "纷享", "fxiaoke"),
    "销售易": ("销售易", "销售一(?![十百千万个两二三四五六七八九零〇])", "neocrm"),
    "Salesforce": ("salesforce", "sales force", "赛富时"),
    "钉钉 CRM": ("钉钉crm", "钉钉 crm", "钉钉客户管理"),
    "用友": ("用友crm", "用友"),
    "金蝶": ("金蝶crm", "金蝶", "金碟"),
    "八百客": ("八百客",),
    "悟空CRM": ("悟空crm", "悟空 crm"),
    "励销云": ("励销云",),
    "红圈": ("红圈",),
    "探马": ("探马scrm", "探马"),
    "HubSpot": ("hubspot",),
    "Zoho": ("zoho",),
}
# ERP vendors and platforms are usually integration partners; they are competitors only when compared
_NEEDS_COMPETITIVE_CONTEXT = {"用友", "金蝶", "钉钉 CRM"}
_COMPETITIVE = re.compile(
    r"也在(?:看|谈|聊|接触|对比)|对比|比较(?:一下|了|过)|在比较|竞品|报价|便宜|找过|在用|选了|考虑|pk|PK|替换|换成"
)
_ORG_SUFFIX = r"(?:股份有限公司|有限责任公司|有限公司|集团|公司|医院|银行|大学|研究院|科技)"
_ORG = re.compile(rf"([\u4e00-\u9fa5]{{2,10}}?{_ORG_SUFFIX})")
_CUSTOMER_HEADER = re.compile(
    r"(?:客户(?:名称|单位)?|拜访客户|对方单位|客户方)\s*[：:]\s*([^\s，,。；;（(）)、]{2,30})"
)

SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|慕容|[李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝]"
)
_HONORIFIC = re.compile(
    f"(?<![\u4e00-\u9fa5]{{2}})({SURNAMES})(总监|总工|总|经理|主任|老师|处长|科长|部长|局长|院长|校长|董事长|主管|工)"
)
_TITLES = (
    "总经理",
    "副总经理",
    "董事长",
    "技术负责人",
    "负责人",
    "校长",
    "CEO",
    "CTO",
    "CIO",
    "CFO",
    "COO",
    "IT总监",
    "IT经理",
    "技术总监",
    "信息部经理",
    "信息中心主任",
    "信息部主任",
    "采购经理",
    "采购总监",
    "采购主管",
    "采购",
    "财务总监",
    "财务经理",
    "运营总监",
    "运营经理",
    "销售总监",
    "销售经理",
    "市场总监",
    "人事经理",
    "项目经理",
    "产品经理",
    "架构师",
    "工程师",
    "主管",
    "副总",
    "老板",
    "法务",
)
_TITLE_ALT = "|".join(re.escape(t) for t in sorted(_TITLES, key=len, reverse=True))
# "王芳（采购经理）", "王芳，采购经理", "采购经理王芳", "IT总监 陈立"
_NAME_TITLE = re.compile(
    rf"({SURNAMES})([\u4e00-\u9fa5]{{1,2}})\s*[（(，,、\s]\s*(?:[\u4e00-\u9fa5]{{2,8}}的)?({_TITLE_ALT})"
)
_TITLE_NAME = re.compile(rf"({_TITLE_ALT})\s*({SURNAMES})([\u4e00-\u9fa5]{{1,2}})(?=[\s，,。：:（(、；;是说的]|$)")
# "采购部的何静", "销售部 韩梅", "我是绿源的技术负责人郑涛"
_DEPT_NAME = re.compile(
    rf"((?:采购|信息|IT|财务|销售|技术|法务|运营|市场|人事|行政|客服)(?:部|中心|负责人)?|负责人)\s*(?:的)?\s*"
    rf"({SURNAMES})([\u4e00-\u9fa5]{{1,2}})(?=[\s，,。：:（(、；;]|$)"
)
_NOT_GIVEN_NAME = set("总经主老处科部局院工的说是在和跟也都就还们这那那个")

ROLE_BY_TITLE = [
    (("总经理", "董事长", "CEO", "老板", "副总", "总裁", "财务总监", "CFO"), "economic_buyer"),
    (("采购", "法务"), "procurement"),
    (("IT", "CTO", "CIO", "技术", "信息", "架构", "工程师"), "technical_evaluator"),
    (("运营", "销售经理", "销售总监", "主管", "市场", "人事"), "user"),
]


def role_for_title(title: str | None) -> str | None:
    if not title:
        return None
    for keys, role in ROLE_BY_TITLE:
        if any(k.lower() in title.lower() for k in keys):
            return role
    return None


_OUR_SIDE = re.compile(r"销售|我方|客户经理|售前|我们|顾问|乙方")
_THEIR_SIDE = re.compile(r"客户|甲方|对方")
_CORRECTION = re.compile(
    r"不对|说错|更正|纠正|改一下|改成|应该是|准确(?:地)?说|准确的是|重新算|其实是|确认一下是|以这个为准|修正"
)
_BUDGET_WORDS = re.compile(r"预算|能批|批下来|批了|拨款|经费|资金")
_PRICE_WORDS = re.compile(
    r"就签|能签|可以签|报价|总价|合同(?:额|金额|价)?|价格|成交|签单|打包价|一共|总共|总金额|优惠后|折后|含税"
)
_DECISION_WORDS = re.compile(
    r"签(?:合同|约|单|下来)?|拍板|定下来|定了|要定|前定|能定|做决定|决策|下单|采购|立项|上线|启动|落地|招标|定标|敲定"
)
_ACTION_WORDS = re.compile(
    r"发|给|安排|约|提交|准备|提供|确认|演示|做|出|反馈|走|回复|拜访|开会|沟通|对接|试用|部署|整理|申请|汇报|评估|讨论|签|联系|约|交流"
)
_REP_ACTIONS = re.compile(
    r"报价|方案|演示|合同(?:草稿|模板)|POC|试用|资料|案例|技术交流|拜访|部署|培训|开通|账号|清单|白皮书|上门", re.I
)
_CUSTOMER_ACTIONS = re.compile(
    r"走流程|审批|内部(?:讨论|评估|汇报|沟通)|反馈|答复|回复|需求清单|采购流程|我们这边|我这边|汇报给|请示|报给|给你们|给您"
)
_NEXT_STEP_HEAD = re.compile(r"^(?:下一步|后续|待办|行动项|todo|跟进事项)\s*[：:]?\s*(?:\d+[.、)]\s*)?", re.I)
_PAIN = re.compile(
    r"痛点|头疼|(?:很|太|比较|挺|特别)麻烦|问题是|效率(?:低|不高|太低)|太慢|很慢|经常|老是|总是|抱怨|困扰|不方便|对不上|靠Excel|靠表格|手工|人工|丢单|漏跟|看不到|不透明",
    re.I,
)
_STAGE_RULES = [
    ("negotiation", re.compile(r"合同|签约|法务|付款方式|分期|盖章|商务条款|框架协议")),
    ("proposal", re.compile(r"报价|价格|折扣|打折|优惠|方案书|报个价")),
    ("needs_analysis", re.compile(r"演示|POC|试用|测试环境|技术交流|方案沟通", re.I)),
    ("qualification", re.compile(r"预算|需求|痛点|立项")),
]
_STAGE_ORDER = [
    "prospecting",
    "qualification",
    "needs_analysis",
    "proposal",
    "negotiation",
    "closed_won",
    "closed_lost",
]
_POSITIVE = re.compile(r"满意|认可|挺好|不错|很好|期待|很感兴趣|感兴趣|没问题|可以的|靠谱|喜欢")
_NEGATIVE = re.compile(r"太贵|贵了|不满意|担心|犹豫|暂缓|再说吧|先不|没预算|不太行|有顾虑|不放心|失望")
_STRONG_SEAT_UNITS = ("账号", "帐号", "用户", "席位", "坐席", "座席", "license", "licence")
_SEAT_UNITS = (*_STRONG_SEAT_UNITS, "套", "终端", "点位")
_PEOPLE_UNITS = ("人", "名", "位")
_SEAT_CONTEXT = re.compile(r"用|账号|开通|买|采购|上|使用|授权|席位|签")
_DECISION_PROCESS = re.compile(r"审批|流程|招标|比价|评审|上会|董事会|走.{0,4}流程|三家")
_PAPER_PROCESS = re.compile(r"法务|合同审核|盖章|采购部|付款|发票|框架协议|用印")
_METRICS = re.compile(
    r"(?:提升|提高|降低|减少|节省|缩短)[^，。]{0,12}?(?:\d+|[一二三四五六七八九十百]+)\s*(?:%|％|成|倍|天|小时|个百分点)"
)
_AUTHORITY = re.compile(r"拍板|说了算|最终.{0,6}决定|决策人|签字")
_CHAMPION = re.compile(r"支持我们|力推|帮我们推|帮你们推|站在你们|内部推动|推一下")


# --- the deterministic extractor ---------------------------------------------------------------------


@dataclass
class KnownAccount:
    id: int
    name: str
    short_name: str | None = None


def _meeting_date(sentences: list[Sentence], text: str, ref: date) -> Fact | None:
    """The date stated in the header ("会议时间：2026年11月20日"), else None (the message date is used)."""
    for index, s in enumerate(sentences[:8]):
        if s.start > 400:
            break
        if index >= 3 and not re.search(r"时间|日期|会议|通话|拜访|纪要|记录|沟通", s.text):
            continue
        for d in find_dates(s.text, ref):
            if d.kind in ("absolute",) and abs((d.date - ref).days) <= 370:
                return Fact(d.date, quote(s), s.start, 0.95)
    return None


def _terms(account: KnownAccount) -> list[str]:
    names = {account.name, account.short_name or "", core_name(account.name), core_name(account.short_name or "")}
    return sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)


def _account(
    sentences: list[Sentence], text: str, known: list[KnownAccount]
) -> tuple[Fact | None, int | None, list[Fact]]:
    """The customer in the meeting, and other companies mentioned (references, partners, competitors' clients).

    The customer is the company in the header ("客户：…"), in the speakers' labels, or the one talked about
    most; a company mentioned once in passing ("跟华东机电一样的方案") is not the customer.
    """
    lowered = text.lower()
    scores: dict[str, float] = {}
    first: dict[str, Sentence] = {}
    ids: dict[str, int | None] = {}

    def see(name: str, weight: float, sentence: Sentence, account_id: int | None) -> None:
        scores[name] = scores.get(name, 0.0) + weight
        if name not in first or sentence.start < first[name].start:
            first[name] = sentence
        ids.setdefault(name, account_id)

    for account in known:
        terms = _terms(account)
        if not any(t.lower() in lowered for t in terms):
            continue
        for s in sentences:
            hay = f"{s.speaker} {s.text}".lower()
            if any(t.lower() in hay for t in terms):
                weight = 1.0
                if any(t.lower() in s.speaker.lower() for t in terms):
                    weight += 3.0
                if _CUSTOMER_HEADER.search(s.text) or re.search(r"参会|与会|主题|拜访", s.text):
                    weight += 4.0
                see(account.name, weight, s, account.id)
    for s in sentences:
        header = _CUSTOMER_HEADER.search(s.text)
        candidates = []
        if header:
            candidates.append((header.group(1), 5.0))
        for m in _ORG.finditer(s.text):
            candidates.append((m.group(1), 1.0))
        for name, weight in candidates:
            name = re.sub(r"^(?:和|跟|与|是|在|去|到|我们|他们|你们|就是|对|给)", "", name)
            if len(name) < 3 or any(name.lower() in v for vs in COMPETITORS.values() for v in vs):
                continue
            match = next(
                (
                    a
                    for a in known
                    if any(t.lower() in name.lower() or name.lower() in t.lower() for t in _terms(a) if len(t) >= 2)
                ),
                None,
            )
            if match is not None:
                see(match.name, weight, s, match.id)
            else:
                see(name, weight, s, None)
    if not scores:
        return None, None, []
    ranked = sorted(scores, key=lambda n: (-scores[n], first[n].start))
    best = ranked[0]
    confidence = 0.9 if scores[best] >= 5 else 0.7 if scores[best] >= 2 else 0.5
    others = [Fact(n, quote(first[n]), first[n].start, 0.5) for n in ranked[1:4]]
    return Fact(best, quote(first[best]), first[best].start, confidence), ids.get(best), others


def _is_our_side(speaker: str, our_names: Iterable[str]) -> bool | None:
    if not speaker:
        return None
    if any(n and n in speaker for n in our_names) or _OUR_SIDE.search(speaker):
        return True
    if _THEIR_SIDE.search(speaker) or _HONORIFIC.search(speaker):
        return False
    return None


def _contacts(sentences: list[Sentence], our_names: set[str], account_terms: list[str]) -> list[ContactFact]:
    found: dict[str, ContactFact] = {}
    order: list[str] = []

    def add(name: str, s: Sentence, title: str | None = None) -> ContactFact | None:
        if not name or any(name in n or n in name for n in our_names if n):
            return None
        if any(name in t for t in account_terms):
            return None
        if name not in found:
            found[name] = ContactFact(
                name=name,
                evidence=quote(s),
                pos=s.start,
                title=title,
                deal_role=role_for_title(title),
                confidence=0.7 if title else 0.55,
            )
            order.append(name)
        elif title and not found[name].title:
            found[name].title, found[name].deal_role = title, role_for_title(title)
        return found[name]

    for s in sentences:
        hay = s.text
        if s.speaker and _is_our_side(s.speaker, our_names) is not True:
            hay = f"{s.speaker}，{s.text}"
        for m in _NAME_TITLE.finditer(hay):
            given = m.group(2)
            if given[0] in _NOT_GIVEN_NAME or given[-1] in _NOT_GIVEN_NAME:
                continue
            add(m.group(1) + given, s, m.group(3))
        for m in _TITLE_NAME.finditer(hay):
            given = m.group(3)
            if given[0] in _NOT_GIVEN_NAME or given[-1] in _NOT_GIVEN_NAME:
                continue
            add(m.group(2) + given, s, m.group(1))
        for m in _DEPT_NAME.finditer(hay):
            given = m.group(3)
            if given[0] in _NOT_GIVEN_NAME or given[-1] in _NOT_GIVEN_NAME:
                continue
            dept = m.group(1)
            add(m.group(2) + given, s, dept if dept.endswith("负责人") else None)
        for m in _HONORIFIC.finditer(hay):
            honorific = m.group(0)
            title = {"总": "总经理", "总监": "总监", "经理": "经理", "主任": "主任", "总工": "总工程师"}.get(m.group(2))
            # "李总" and "李明（总经理）" are one person when the surname matches a full name already seen
            same = [n for n in order if n.startswith(m.group(1)) and len(n) >= 2 and n != honorific]
            if same:
                continue
            add(honorific, s, title if m.group(2) in ("总", "总监", "总工") else None)
    # phones and emails belong to the person talking about them, or named in the sentence
    people = list(found.values())
    for s in sentences:
        contacts = find_phones(s.text) + find_emails(s.text)
        if not contacts:
            continue
        owner = next((c for c in people if c.name in s.text), None)
        if owner is None and s.speaker:
            owner = next((c for c in people if c.name in s.speaker or s.speaker.endswith(c.name)), None)
        if owner is None and s.speaker and _is_our_side(s.speaker, our_names) is not True:
            m = _HONORIFIC.search(s.speaker) or re.search(f"({SURNAMES})[\u4e00-\u9fa5]{{1,2}}$", s.speaker)
            if m:
                owner = add(m.group(0), s)
                people = list(found.values())
        if owner is None:
            continue
        for c in contacts:
            if c.kind == "email" and not owner.email:
                owner.email = c.value
            elif c.kind in ("mobile", "landline") and not owner.phone:
                owner.phone = c.value
            owner.evidence = quote(s) if owner.evidence == "" else owner.evidence
            owner.confidence = max(owner.confidence, 0.8)
    for s in sentences:
        m = _AUTHORITY.search(s.text)
        if m:
            before = s.text[max(0, m.start() - 10) : m.start()]
            named = [c for c in people if c.name in before]
            if not named and "我" in before and s.speaker:
                named = [c for c in people if c.name in s.speaker or s.speaker in c.name]
            for c in named[-1:]:
                c.deal_role = "economic_buyer"
        if _CHAMPION.search(s.text):
            for c in people:
                if c.name in s.text or (s.speaker and c.name in s.speaker):
                    c.deal_role = "champion"
    return sorted((found[n] for n in order), key=lambda c: (c.pos, c.evidence.find(c.name)))


def _money_facts(sentences: list[Sentence]) -> tuple[Fact | None, Fact | None, list[str]]:
    """Budget and deal amount; a correction ("不对，应该是六十万") overrides the field last talked about."""
    picks: dict[str, list[Fact]] = {"budget": [], "amount": []}
    last_field: str | None = None
    previous_text = ""
    for s in sentences:
        amounts = [m for m in find_money(_numeric(s.text)) if not m.per_unit and m.value >= 1000]
        if not amounts:
            if _BUDGET_WORDS.search(s.text):
                last_field = "budget"
            elif _PRICE_WORDS.search(s.text):
                last_field = "amount"
            previous_text = s.text
            continue
        value = amounts[-1].value  # "五十万，不，六十万": the last amount in the sentence
        if _CORRECTION.search(s.text) and last_field:
            target = last_field
        elif _BUDGET_WORDS.search(s.text):
            target = "budget"
        elif _PRICE_WORDS.search(s.text):
            target = "amount"
        elif _BUDGET_WORDS.search(previous_text) and len(s.text) <= 30:
            target = "budget"  # a question in one utterance, the answer in the next
        elif _PRICE_WORDS.search(previous_text) and len(s.text) <= 30:
            target = "amount"
        else:
            previous_text = s.text
            continue
        fact = Fact(float(value), quote(s), s.start, 0.75 if amounts[-1].approximate else 0.85)
        picks[target].append(fact)
        last_field = target
        previous_text = s.text
    notes = []
    result = {}
    for name, facts in picks.items():
        if not facts:
            result[name] = None
            continue
        final = facts[-1]
        earlier = [f for f in facts[:-1] if f.value != final.value]
        if earlier:
            final.note = f"前面说过 {money_label(earlier[-1].value)}，以后面的 {money_label(final.value)} 为准"
            notes.append(name)
        result[name] = final
    return result["budget"], result["amount"], notes


def _numeric(text: str) -> str:
    """Same-length rewrite for the number finders: zh_parse reads "差不多八十个" as 10 (its "多" lookbehind
    is meant for "五十多"), so "差不多" becomes "大概是" first. Spans stay valid."""
    return text.replace("差不多", "大概是")


def money_label(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 10000:g} 万" if value >= 10000 else f"{value:g} 元"


def _seats(sentences: list[Sentence]) -> Fact | None:
    """Accounts/seats/licenses first; sets and terminals next ("五套大屏" is not the seat count);
    head counts ("一百五十人") only when someone talks about using the system."""
    tiers: dict[int, list[Fact]] = {0: [], 1: [], 2: []}
    previous = ""
    for s in sentences:
        for q in find_quantities(_numeric(s.text)):
            unit = q.unit.lower()
            if q.value < 2:
                continue
            if unit in _STRONG_SEAT_UNITS:
                tiers[0].append(Fact(int(q.value), quote(s), s.start, 0.8))
            elif unit in _SEAT_UNITS:
                tiers[1].append(Fact(int(q.value), quote(s), s.start, 0.6))
            elif unit in _PEOPLE_UNITS and (_SEAT_CONTEXT.search(s.text) or _SEAT_CONTEXT.search(previous)):
                tiers[2].append(Fact(int(q.value), quote(s), s.start, 0.55))
        previous = s.text
    facts = tiers[0] or tiers[1] or tiers[2]
    if not facts:
        return None
    best = facts[-1]
    earlier = [f for f in facts[:-1] if f.value != best.value]
    if earlier:
        best.note = f"前面说过 {earlier[-1].value}，以后面的 {best.value} 为准"
    return best


def _dates(sentences: list[Sentence], meeting: date) -> tuple[Fact | None, list[NextStep], Fact | None]:
    close: Fact | None = None
    timeline: Fact | None = None
    steps: list[NextStep] = []
    for s in sentences:
        dates = [d for d in find_dates(s.text, meeting) if d.kind != "time"]
        future = [d for d in dates if d.date > meeting or (d.deadline and d.date >= meeting)]
        head = _NEXT_STEP_HEAD.match(s.text)
        if not future and not head:
            continue
        decision = _DECISION_WORDS.search(s.text)
        if future and decision and not _REP_ACTIONS.search(s.text[: decision.start()]):
            close = Fact(_decision_date(s.text, future), quote(s), s.start, 0.75)
            timeline = Fact(s.text[:120], quote(s), s.start, 0.6)
            if not head:
                continue
        if not (head or _ACTION_WORDS.search(s.text)):
            continue
        action = _clause_with(s.text, future[0].span if future else None)
        for d in future:
            action = action.replace(d.text, "")
        action = _NEXT_STEP_HEAD.sub("", action)
        action = re.sub(
            r"^(?:好的|好吧|行吧|那好|那|好|嗯|行|对|然后|那就|我们|我这边|我|你们|您|咱们|之前|以前|前|之内|内|再|要|需要|得|会|把|[，,、 ])+",
            "",
            action.strip(),
        ).strip("，,。. ")
        action = re.sub(r"(?:吧|啊|哈|呢|啦|了吧)$", "", action)
        if len(action) < 2:
            continue
        side = _is_our_side(s.speaker, ())
        if _CUSTOMER_ACTIONS.search(s.text) and not _REP_ACTIONS.search(action):
            owner = "customer"
        elif _REP_ACTIONS.search(action):
            owner = "rep" if side is not False or "你们" in s.text or "您" in s.text else "rep"
        else:
            owner = "rep" if side is not False else "customer"
        due = future[0].date if future else None
        steps.append(NextStep(action[:60], quote(s), s.start, owner, due, 0.65 if due else 0.5))
    return close, _dedupe_steps(steps), timeline


_STRONG_DECISION = re.compile(r"签|拍板|定下来|定了|做决定|下单|定标|敲定|立项")


def _decision_date(text: str, dates) -> date:
    """ "下个月十号之前把合同签了，年底前上线": the date closest to the signing, not the go-live."""
    anchors = [m.start() for m in _STRONG_DECISION.finditer(text)] or [
        m.start() for m in _DECISION_WORDS.finditer(text)
    ]

    def distance(d) -> tuple[int, int]:
        clause = _clause_with(text, d.span)
        same_clause = any(_STRONG_DECISION.search(clause) for _ in (0,))
        gap = min(a - d.span[1] if a >= d.span[1] else max(0, d.span[0] - a) for a in anchors)
        return (0 if same_clause else 1, gap)

    return min(dates, key=distance).date


def _clause_with(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return text
    start = max(text.rfind(c, 0, span[0]) for c in "，,；;") + 1
    ends = [i for i in (text.find(c, span[1]) for c in "，,；;") if i != -1]
    return text[start : min(ends) if ends else len(text)]


def _dedupe_steps(steps: list[NextStep]) -> list[NextStep]:
    out: list[NextStep] = []
    for step in steps:
        twin = next(
            (
                o
                for o in out
                if fuzz.partial_ratio(o.action, step.action) >= 75
                and (o.due == step.due or o.due is None or step.due is None)
            ),
            None,
        )
        if twin is None:
            out.append(step)
        elif step.pos > twin.pos:  # said again later: the later wording and date win
            out[out.index(twin)] = step
    return out[:8]


def _competitors(sentences: list[Sentence]) -> list[Fact]:
    seen: dict[str, Fact] = {}
    for s in sentences:
        low = s.text.lower()
        for name, variants in COMPETITORS.items():
            if name not in seen and any(re.search(v, low) for v in variants):
                if name in _NEEDS_COMPETITIVE_CONTEXT and not _COMPETITIVE.search(s.text):
                    continue
                seen[name] = Fact(name, quote(s), s.start, 0.85)
    return list(seen.values())


def _pain_points(sentences: list[Sentence], our_names: set[str]) -> list[Fact]:
    out: list[Fact] = []
    for s in sentences:
        if _is_our_side(s.speaker, our_names) is True:
            continue
        if _PAIN.search(s.text) and len(s.text) >= 6 and not s.text.endswith(("？", "?", "吗")):
            out.append(Fact(s.text[:80], quote(s), s.start, 0.55))
    return out[:5]


def _stage(sentences: list[Sentence]) -> Fact | None:
    best: tuple[int, Fact] | None = None
    for s in sentences:
        for stage, pattern in _STAGE_RULES:
            if pattern.search(s.text):
                rank = _STAGE_ORDER.index(stage)
                if best is None or rank > best[0]:
                    best = (rank, Fact(stage, quote(s), s.start, 0.45))
                break
    return best[1] if best else None


def _sentiment(sentences: list[Sentence], our_names: set[str]) -> Fact | None:
    score, last = 0, None
    for s in sentences:
        if _is_our_side(s.speaker, our_names) is True:
            continue
        pos, neg = len(_POSITIVE.findall(s.text)), len(_NEGATIVE.findall(s.text))
        if pos or neg:
            score += pos - neg
            last = s
    if last is None:
        return None
    value = "positive" if score > 0 else "negative" if score < 0 else "neutral"
    return Fact(value, quote(last), last.start, 0.4)


def _channel(text: str) -> Fact | None:
    head = "\n".join(text[:300].splitlines()[:3])
    if re.search(r"电话|通话|来电|致电", head):
        return Fact("phone", "", -1, 0.6)
    if re.search(r"视频|腾讯会议|钉钉会议|线上会议|zoom|飞书会议|远程", head, re.I):
        return Fact("video", "", -1, 0.6)
    return Fact("onsite", "", -1, 0.4)


def _qualification(sentences: list[Sentence], contacts: list[ContactFact]) -> dict[str, Fact]:
    out: dict[str, Fact] = {}
    for s in sentences:
        for key, pattern in (
            ("decision_process", _DECISION_PROCESS),
            ("paper_process", _PAPER_PROCESS),
            ("metrics", _METRICS),
            ("authority", _AUTHORITY),
        ):
            if key not in out and pattern.search(s.text):
                out[key] = Fact(s.text[:120], quote(s), s.start, 0.5)
    for role, key in (("economic_buyer", "economic_buyer"), ("champion", "champion")):
        person = next((c for c in contacts if c.deal_role == role), None)
        if person is not None:
            out[key] = Fact(person.name, person.evidence, person.pos, 0.55)
    return out


_OUR_LIST = re.compile(r"(?:我方|我司|乙方|厂商方?)\s*(?:参会人?|人员)?\s*[：:]?\s*([^。；;\n]+)")
_ROLE_WORDS = re.compile(r"售前|销售|客户经理|解决方案|工程师|顾问|经理|总监|实施|交付|（[^）]*）|\([^)]*\)")


def our_side_names(sentences: list[Sentence]) -> set[str]:
    """People the header lists on our side ("我方 张伟、售前 刘工"): never customer contacts."""
    names: set[str] = set()
    for s in sentences[:12]:
        for m in _OUR_LIST.finditer(s.text):
            for token in re.split(r"[、，,\s]+", m.group(1)):
                token = token.strip()
                bare = _ROLE_WORDS.sub("", token)
                for candidate in {token, bare}:
                    if 2 <= len(candidate) <= 4 and re.fullmatch(r"[\u4e00-\u9fa5]+", candidate):
                        names.add(candidate)
    return names


def extract_rules(
    text: str, ref: date, known_accounts: Iterable[KnownAccount] = (), our_names: Iterable[str] = ()
) -> Extraction:
    """The deterministic extraction: what rules can read with confidence, each fact with its sentence."""
    sentences = split_sentences(text)
    known = list(known_accounts)
    ours = {n for n in our_names if n} | our_side_names(sentences)
    ex = Extraction(mode="offline")
    ex.meeting_date = _meeting_date(sentences, text, ref)
    meeting = ex.meeting_date.value if ex.meeting_date else ref
    ex.account, ex.account_id, ex.other_companies = _account(sentences, text, known)
    account_terms = []
    if ex.account is not None:
        account_terms = [ex.account.value, core_name(ex.account.value)]
        account_terms += [t for a in known if a.id == ex.account_id for t in _terms(a)]
    account_terms += [o.value for o in ex.other_companies]
    ex.contacts = _contacts(sentences, ours, account_terms)
    ex.budget, ex.amount, _ = _money_facts(sentences)
    ex.seats = _seats(sentences)
    ex.close_date, ex.next_steps, ex.timeline = _dates(sentences, meeting)
    ex.competitors = _competitors(sentences)
    ex.pain_points = _pain_points(sentences, ours)
    ex.stage = _stage(sentences)
    ex.sentiment = _sentiment(sentences, ours)
    ex.channel = _channel(text)
    ex.qualification = _qualification(sentences, ex.contacts)
    if ex.budget is not None:
        ex.qualification.setdefault(
            "budget", Fact(ex.budget.value, ex.budget.evidence, ex.budget.pos, ex.budget.confidence)
        )
    if ex.pain_points:
        p = ex.pain_points[0]
        ex.qualification.setdefault("identified_pain", Fact(p.value, p.evidence, p.pos, p.confidence))
    return ex


# --- evidence check (for LLM facts) ------------------------------------------------------------------


def locate(evidence: str, sentences: list[Sentence]) -> Sentence | None:
    """The transcript sentence a quoted evidence comes from, or None if the quote is not in the transcript.

    Models paraphrase and trim; a quote that matches no sentence well is treated as invented.
    """
    ev = re.sub(r"^[^：:]{1,20}[：:]", "", (evidence or "").strip()).strip("「」“”\"' ")
    if len(ev) < 2:
        return None
    best, best_score = None, 0.0
    for s in sentences:
        if ev in s.text or (len(s.text) >= 4 and s.text in ev):
            return s
        score = fuzz.partial_ratio(ev, s.text) if len(ev) >= 4 else 0
        if score > best_score:
            best, best_score = s, score
    return best if best_score >= 80 else None


def extraction_from_json(data: dict[str, Any]) -> Extraction:
    """The inverse of Extraction.to_json (batches waiting for an account are re-planned from it)."""

    def fact(raw, as_date: bool = False) -> Fact | None:
        if not isinstance(raw, dict):
            return None
        value = raw.get("value")
        if as_date and isinstance(value, str):
            value = date.fromisoformat(value)
        return Fact(
            value,
            raw.get("evidence", ""),
            raw.get("pos", -1),
            raw.get("confidence", 0.5),
            raw.get("origin", "rule"),
            raw.get("note"),
        )

    ex = Extraction(
        mode=data.get("mode", "offline"), account_id=data.get("account_id"), warnings=list(data.get("warnings") or [])
    )
    for name in SCALAR_FIELDS:
        setattr(ex, name, fact(data.get(name), as_date=name in ("meeting_date", "close_date")))
    ex.other_companies = [f for f in map(fact, data.get("other_companies") or []) if f]
    ex.competitors = [f for f in map(fact, data.get("competitors") or []) if f]
    ex.pain_points = [f for f in map(fact, data.get("pain_points") or []) if f]
    ex.qualification = {k: f for k, v in (data.get("qualification") or {}).items() if (f := fact(v))}
    ex.contacts = [ContactFact(**c) for c in data.get("contacts") or []]
    ex.next_steps = [
        NextStep(**{**s, "due": date.fromisoformat(s["due"]) if s.get("due") else None})
        for s in data.get("next_steps") or []
    ]
    return ex
