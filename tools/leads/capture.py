"""Reading a customer's own words without a model: contact details, a wish for a human, frustration.

Used by the offline customer answer (no LLM, or it is down) and as the customer agent's safety net when a
model does not hand off someone who asked for a person. Customers write details in any order, in one
message or several: 「我是苏州恒远机械的王先生，电话 13912345678，想要个报价」, 「姓赵」, 「13612345678」.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.zh_parse import find_phones

_SEPARATORS = re.compile(r"[，,。；;！!？?、\n]+")
_HAN = r"\u4e00-\u9fff"
_TITLE = r"(?:先生|女士|小姐|总监|总|经理|老师|主任|工)"
# 「王先生」「李总」「刘经理」: one or two characters of surname before a form of address
_SURNAME_TITLE = re.compile(rf"((?:欧阳|司马|诸葛|上官|东方|慕容|令狐|皇甫|尉迟|公孙|夏侯|(?!的)[{_HAN}]){_TITLE})$")
_COMPANY_SUFFIX = (
    "有限责任公司|股份有限公司|有限公司|股份公司|集团|公司|科技|机械|医药|电子|贸易|银行|工厂|研究院|医院|学校|"
    "事务所|物流|制造|实业|网络|信息|软件|传媒|商贸|酒店|餐饮|药业|电器|汽车|能源|建设|建筑|教育|咨询"
)
_COMPANY = re.compile(rf"([{_HAN}A-Za-z0-9（）()]{{2,40}}(?:{_COMPANY_SUFFIX}))(?:的)?$")
_COMPANY_PREFIX = re.compile(
    r"^(?:我是|我们是|这边是|本人是|我来自|来自|我在|我们公司(?:是|叫)?|公司(?:名称?|全称)?(?:是|叫|：|:)?)"
)
_SELF_PREFIX = re.compile(r"^(?:你好|您好|哈喽|hi|hello)?\s*(?:我是|我们是|这边是|本人是|我这边是|本人)?", re.I)
_SURNAME = re.compile(rf"^(?:我|本人)?(?:姓)([{_HAN}])(?:[{_HAN}]{{0,2}})?$")
_FULL_NAME = re.compile(rf"^(?:我|本人)?(?:叫|名字是|名叫)([{_HAN}]{{2,4}})$")
_PHONE_LABEL = re.compile(
    r"(?:我的|我|本人)?(?:联系)?(?:电话|手机|手机号|电话号码|手机号码|联系方式|号码|tel|phone)(?:号码?)?(?:是|为|：|:)?",
    re.I,
)
# what carries no need on its own
_FILLER = re.compile(
    r"^(?:你好|您好|哈喽|在吗|在不在|谢谢|多谢|好的|嗯+|哦+|请问|麻烦了?|hi|hello|ok)+$",
    re.I,
)
_REGION_PREFIX = re.compile(r"^(?:我在|我们在|人在|公司在|坐标|位于|地址在?)")

# asking for a person: 「转人工」「我要找销售」「让销售联系我」「有真人吗」
_WANTS_HUMAN = re.compile(
    r"转人工|人工客服|人工服务|找人工|要人工|真人|活人"
    r"|(?<![不需])(?:找|要|换|叫|请)(?:个|一个|你们的?)?(?:销售|客服|顾问|人工|业务员|负责人)"
    r"|(?:让|请|叫)(?:你们的?)?(?:销售|顾问|客服|业务员|人)(?:来)?(?:联系|打给|给我打|回电|打电话)"
    r"|(?:跟|和|同)(?:你们的?)?(?:销售|顾问|人)(?:聊|谈|沟通)"
    r"|\b(?:a\s+human|real\s+person|talk\s+to\s+(?:sales|someone|a\s+person))\b",
    re.I,
)
# frustration: 「你们到底有没有人」「听不懂吗」「答非所问」
_FRUSTRATED = re.compile(
    r"(?:到底|究竟)?有没有人|有人吗|有人在吗|没人吗|是(?:不是)?机器人|听不懂|看不懂我|答非所问|说了(?:好)?几遍"
    r"|(?:没|不)(?:解决|回答)(?:我的)?问题|什么破|太差劲|垃圾"
)
REPEATS_FOR_FRUSTRATION = 3  # the same question this many times in a row


@dataclass
class Captured:
    name: str | None = None
    company: str | None = None
    phone: str | None = None  # as written; normalised by save_contact_info
    region: str | None = None
    need_parts: list[str] = field(default_factory=list)

    @property
    def need(self) -> str | None:
        return "，".join(self.need_parts)[:200] or None

    def fields(self) -> dict[str, str]:
        values = {"name": self.name, "company": self.company, "phone": self.phone, "region": self.region}
        values["need"] = self.need
        return {k: v for k, v in values.items() if v}


def capture(text: str, places: tuple[str, ...] = ()) -> Captured:
    """Name, company, phone, region and need, in whatever order the customer wrote them."""
    found = Captured()
    rest = text or ""
    phones = find_phones(rest)
    if phones:
        found.phone = phones[0].text
        for p in phones:
            rest = rest.replace(p.text, "，")
    for segment in _SEPARATORS.split(rest):
        segment = _PHONE_LABEL.sub(" ", segment).strip(" ：:-—")
        if not segment:
            continue
        if _segment_identity(segment, found, places):
            continue
        # 「13612345678 李娜 华东机械有限公司 想试用」: pieces between spaces, the unread ones kept together
        words: list[str] = []
        for word in segment.split():
            if _segment_identity(word, found, places):
                _need(found, " ".join(words))
                words = []
            else:
                words.append(word)
        _need(found, " ".join(words))
    return found


def _need(found: Captured, piece: str) -> None:
    piece = piece.strip(" ：:-—")
    if _FILLER.match(re.sub(r"\s+", "", piece)) or len(re.findall(rf"[{_HAN}A-Za-z0-9]", piece)) < 2:
        return
    found.need_parts.append(piece[:100])


def _segment_identity(segment: str, found: Captured, places: tuple[str, ...]) -> bool:
    """Reads a name, a company or a place from one segment; True when the segment was nothing else."""
    compact = re.sub(r"\s+", "", segment)
    region = _REGION_PREFIX.sub("", compact)
    if region in places or (region != compact and any(region.startswith(p) for p in places)):
        found.region = found.region or region[:16]
        return True
    m = _SURNAME.match(compact)
    if m:
        found.name = found.name or f"{m.group(1)}先生/女士"
        return True
    m = _FULL_NAME.match(compact)
    if m:
        found.name = found.name or m.group(1)
        return True
    body = _SELF_PREFIX.sub("", compact)
    m = _SURNAME_TITLE.search(body)
    if m:
        before = body[: -len(m.group(1))]
        company = _COMPANY_PREFIX.sub("", before.removesuffix("的"))
        # 「王先生」, 「苏州恒远机械的王先生」, 「南京金陵医药集团刘经理」; not 「帮我找个王总」
        if not before or (before.endswith("的") and len(company) >= 2) or _COMPANY.fullmatch(company):
            found.name = found.name or m.group(1)
            if len(company) >= 2:
                found.company = found.company or company[:64]
            return True
    m = _COMPANY.search(_COMPANY_PREFIX.sub("", body))
    if m and m.group(0) == _COMPANY_PREFIX.sub("", body):
        found.company = found.company or m.group(1)[:64]
        return True
    return False


def wants_human(text: str) -> bool:
    return bool(_WANTS_HUMAN.search(text or ""))


def frustrated(text: str, earlier: list[str]) -> bool:
    """An outburst, or the same message as the customer's last two (earlier: their previous messages, oldest
    first)."""
    if _FRUSTRATED.search(text or ""):
        return True
    same = _plain(text)
    recent = earlier[-(REPEATS_FOR_FRUSTRATION - 1) :]
    return bool(same) and len(recent) == REPEATS_FOR_FRUSTRATION - 1 and all(_plain(x) == same for x in recent)


def _plain(text: str) -> str:
    return re.sub(r"[\W_]+", "", (text or "").lower())
