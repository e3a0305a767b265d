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
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from rapidfuzz import fuzz

from bot.org import OrgProfile, core_company, sounds_like
from bot.zh_parse import (
    cn_number,
    find_dates,
    find_emails,
    find_money,
    find_phones,
    find_quantities,
    parse_discount,
    plan_dates,
)
from bot.zh_parse.asr import looks_like_asr_run
from bot.zh_parse.numerals import Found
from bot.zh_parse.orgnames import TRADE_WORDS, VISITED_NAME, visited_name
from bot.zh_parse.spoken import clean_spoken, colloquial_wan
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
    other_phones: list[str] = field(default_factory=list)  # "座机 0731-8826 5501，手机也行，139 7312 4468"


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
    "golive_date",
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
    golive_date: Fact | None = None  # when the system goes live (上线 / 开始用), never the close date
    timeline: Fact | None = None
    stage: Fact | None = None  # a key of bot.models.STAGES
    sentiment: Fact | None = None  # positive | neutral | negative
    channel: Fact | None = None  # onsite | phone | video
    summary: Fact | None = None
    competitors: list[Fact] = field(default_factory=list)  # configured competitors, canonical names
    possible_competitors: list[Fact] = field(default_factory=list)  # other products named as alternatives
    our_side: list[str] = field(default_factory=list)  # our staff who speak (or wrote the notes)
    not_contacts: list[str] = field(default_factory=list)  # third companies' people, people who left
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


# "张伟：", "李总（华东机械）:", "销售-王磊:", "客户 周总：", "发言人1 00:01:23", "Speaker 2  12:03"; a bracketed
# label needs no colon ("【客户-李总】你好", "[销售-陈晨] 您好")
# ("（智联软件-小麦）补充一下": a company and a person in round brackets; "（演示约二十分钟，略）" is no label)
_BRACKET_LABEL = re.compile(
    r"^\s*(?:【([^】\n]{1,24})】|\[([^\]\n]{1,24})\]|（([^）\n]{2,10}[-－—·][\u4e00-\u9fa5A-Za-z]{1,6})）)\s*[：:]?\s*"
)
# "陈总 [语音 0:42 转文字]：", "钱总（语音 0:28）：": a chat export marks voice messages after the name;
# "卢志强(00:01:10)：": Tencent smart minutes put the time there
_LABEL = re.compile(
    r"^\s*([^：:\n，。,！？!?\[［]{1,20}?)\s*"
    r"(?:[\[［（(]\s*(?:语音[^\]］）)\n]{0,20}|(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*)?\d{1,2}:\d{2}(?::\d{2})?)\s*[\]］）)]"
    # ("说话人2（覃老板） 00:02:48：…": a minutes export's time between the speaker and the colon)
    r"|(?<=[）)])\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"\s*[：:]\s*"
)
# a label is a name or a role, never a clause of six characters or more with 我/你/是/了 in it
_CLAUSE_BEFORE_COLON = re.compile(r"^(?=[^-－—·（()）\[\]]{6,}$).*(?:[我你您](?![方司])|是|了|吧|吗|就是|主要|一下)")
_VOICE_LABEL = re.compile(
    r"^\s*([\u4e00-\u9fa5]{2,4}|[A-Z][a-z]{1,12})\s*[\[［【（(]\s*语音[^\]］】）)\n]{0,20}[\]］】）)]\s*(?=\S)"
)
# ("发言人A 00:02:35": DingTalk's 闪记 letters its speakers)
_ASR_LABEL = re.compile(
    r"^\s*((?:发言人|说话人|讲话人|speaker)\s*(?:\d{1,2}|[A-H]))\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*$", re.I
)
# a chat export or a transcript that puts the speaker alone on a line, maybe with the time: "张晓 10:21", "周强"
_NAME_LINE = re.compile(
    r"^\s*([\u4e00-\u9fa5]{2,4}|[A-Z][a-z]{1,12}|阿[A-Z][a-z]{1,10})"  # "阿May 10:23:44"
    r"\s*((?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*)?\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
_COMPANY_NAME_LINE = re.compile(r"^\s*([\u4e00-\u9fa5A-Za-z]{2,8})\s+([\u4e00-\u9fa5]{2,3})\s*$")
_PIPE_SENDER = re.compile(r"^\s*[|｜]?\s*([^|｜：:\n]{2,24}?)\s*[|｜]\s*(?=\S)")
_MAIL_HEADER = re.compile(r"^\s*(?:发件人|收件人|抄送|From|To|Cc)\s*[：:]", re.I)
_NAME_ADDRESS = re.compile(r"([\u4e00-\u9fa5]{2,4}|[A-Z][a-z]{1,12})\s*<([^<>@\s]+@[^<>\s]+)>")
_YOUR_NUMBER = re.compile(
    # ("店里电话还是 0757-8233 1962 吧？": the customer's shop, asked by our rep)
    r"(?:[您你]|你们|咱们|店里|厂里|公司)(?:这边|那边)?(?:的|这个|那个)?(?:座机|电话|手机|手机号|号码|联系电话)(?:号码?)?"
    r"(?:还是|是|就是)?[，,：:]?\s*$"  # ("我这边留一下您的电话，+86 139-1677-2085 对吧？")
)
_ASR_DIGIT_CHARS = "零〇洞幺一二两三四五六七八九"  # a number read out: "一三八五八二四九九零一，对吧？"
# ("有事也可以打我手机，幺八六…")
_AT_YOUR_SERVICE = re.compile(
    r"随时(?:找|联系|打)(?:我|给我)|[您你]随时打|有事随时|随时.{0,2}联系我|有事也可以(?:打|找)我"
    r"|随时联系[。！!]?\s*$"  # "好的骆总，我手机 180 6688 1250，随时联系。"
)
_ASKS_NUMBER = re.compile(r"电话|手机|号码|微信|联系方式")
_MAIL_SENDER = re.compile(r"^\s*(?:发件人|From)\s*[：:]\s*([^<>\n]{2,30}?)\s*(?:<[^>\n]*>)?\s*$", re.I)
_COMPANY_GROUP = re.compile(r"^[\u4e00-\u9fa5A-Za-z]{2,30}(?:公司|集团|科技|信息|软件|咨询|网络)[（(][^）)]+[）)]$")
_TIME_NAME_LINE = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+)?\d{1,2}:\d{2}(?::\d{2})?\s+"
    # ("2044-05-12 09:40:03  任国庆@途安北斗": WeCom's archive tags an external contact with the company)
    r"((?:[A-Z][a-z]{1,12})?[\u4e00-\u9fa5]{2,4}(?:[（(][^）)\n]{1,12}[）)]|[-－—·@][\u4e00-\u9fa5A-Za-z]{2,10})?"
    r"|[A-Z][a-z]{1,12}(?:[-－—·][\u4e00-\u9fa5A-Za-z]{2,10})?)\s*$"
)
# "阿珍（茶小满 店务总监）[语音] 20:31", "云帆-房雨 20:33": a chat export's sender line, the time last
_NAME_TIME_LINE = re.compile(
    r"^\s*((?:[\u4e00-\u9fa5A-Za-z]{1,12}[-－—·])?(?:[\u4e00-\u9fa5]{2,4}|[A-Z][A-Za-z]{1,12})"
    r"(?:[（(][^）)\n]{1,20}[）)])?)\s*(?:[\[［【]\s*语音[^\]］】\n]{0,12}[\]］】])?\s*"
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*)?\d{1,2}:\d{2}(?::\d{2})?\s*$"
)
# "赖工-医信通HIS 09:36", "黄一舟-云帆实施 09:41": a group export's sender, the person before the company
_PERSON_COMPANY_TIME_LINE = re.compile(
    r"^\s*([\u4e00-\u9fa5]{2,3})[-－—·]([\u4e00-\u9fa5][\u4e00-\u9fa5A-Za-z]{1,15})\s+"
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*)?\d{1,2}:\d{2}(?::\d{2})?\s*$"
)
# "[10:21]", "[2026-06-03 10:21]", "[10-12 09:30]": a chat export's time before the speaker
_NAME_TIME_TEXT = re.compile(
    # ("玫香园-欧阳梅(总经理) 10:09  对，十二个。": a group export, the company, the member and her job)
    r"^\s*([\u4e00-\u9fa5]{2,4}|[A-Z][a-z]{1,12}"
    r"|[\u4e00-\u9fa5A-Za-z]{2,10}[-－—·][\u4e00-\u9fa5A-Za-z]{2,12}(?:[（(][\u4e00-\u9fa5A-Za-z]{1,10}[）)])?)"
    r"\s+(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+)?\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+|\s*[：:]\s*)(?=\S)"  # ("莫晓光 00:03:40：我们预算是八到十万")
)
_TIMESTAMP = re.compile(
    r"^\s*[\[【]?(?:(?:\d{4}[-/.])?\d{1,2}[-/.]\d{1,2}\s+)?\d{1,2}:\d{2}(?::\d{2})?[\]】]?\s*"  # 【2027/4/20 15:10】
    # "2033-06-28 | 09:15 | 温涛 | 各位早": a chat export with the date, the time and the sender between bars
    r"|^\s*(?:\d{4}[-/.])?\d{1,2}[-/.]\d{1,2}\s*[|｜]\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?=[|｜])"
)
# "00:00:53,200 --> 00:01:01,000": an SRT subtitle cue's times
_SRT_TIME = re.compile(r"\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*")
_CSV_ROW = re.compile(r"^\s*[,，]\s*([^,，\s]{1,16})\s*[,，]\s*(?=\S)")
# "00:00:06<TAB>说话人1<TAB>阮总您好…": the same export as a table pasted with tabs
_TSV_ROW = re.compile(r"^([^,，\s]{1,16})\t+(?=\S)")
_SPLIT = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")
_HEADER_KEYS = (
    "时间",
    "日期",
    "地点",
    "参会",
    "与会",
    "主题",
    "客户",
    "会议",
    "记录",
    "纪要",
    "我方",
    "对方",
    "甲方",
    "乙方",
    "渠道",
    "议题",
    "备注",
    "结论",
    "下一步",
    "待办",
    "行动项",
    "电话",
    "联系人",
    "对接人",
    "邮箱",
    "手机",
    "微信",
    "地址",
    "导出",
    "对象",
    "参与",
    "列席",
    "主持",
    "群聊",
    "群名",
    "群成员",
    "成员",
    "全称",
    "简称",
    "抬头",
    "开票",
    # an e-mail pasted as a transcript: its header lines are not people talking
    "From",
    "To",
    "Cc",
    "Date",
    "Subject",
    "发件人",
    "收件人",
    "抄送",
)
_SPEAKER_ROLE = re.compile(r"^(?:客户方?|销售|售前|我方|甲方|乙方|对方|顾问|客户经理|实施|交付)\s*[-－—·:：\s]?\s*")


def _header_key(label: str) -> bool:
    bare = (
        _SPEAKER_ROLE.sub("", label) if re.match(r"^(?:客户|销售|售前|甲方|乙方|我方|对方)[-－—·\s]", label) else label
    )
    return any(bare.startswith(k) for k in _HEADER_KEYS)


def _header_label(label: str) -> bool:
    if re.fullmatch(
        r"(?:发言人|说话人|讲话人|speaker)\s*(?:\d{1,2}|[A-H])(?:\s*[（(][^）)\d]{1,8}[）)])?", label, re.I
    ):
        return False  # "Speaker 3: …" talks, however few lines it has
    if re.fullmatch(r"(?:客户|甲方|乙方|我方|对方)\s*[（(][^）)\d]{1,8}[）)]", label):
        return False  # "甲方（小叶）：" is a person of that side talking
    # "补一下上周五的拜访：去了…": a note's own heading, nobody talking
    return _header_key(label) or bool(re.search(r"\d|补一下|补充一下|拜访|小结|总结|备忘", label))


def _name_line(line: str, previous_blank: bool) -> str | None:
    """A line that is only a person's name (and maybe a time): the speaker of the lines that follow."""
    timed = _TIME_NAME_LINE.match(line)
    if timed:  # "09:12 王磊（云帆科技）", "2026-08-03 10:05 俞经理": a chat export puts the time first
        name = timed.group(1)
        person = re.sub(r"^[A-Z][a-z]{1,12}(?=[\u4e00-\u9fa5])|[（(].*|[-－—·@].*", "", name)  # "Amy周雨桐-逸居"
        if _sender_name(person):
            # "任国庆@途安北斗" is read as a group export's "途安北斗-任国庆"
            return "-".join(reversed(name.split("@", 1))) if "@" in name else name
    tagged = _PERSON_COMPANY_TIME_LINE.match(line)
    if tagged and _sender_name(tagged.group(1)) and not _sender_name(tagged.group(2)):
        return f"{tagged.group(2)}-{tagged.group(1)}"  # "黄一舟-云帆实施 09:41" is read as "云帆实施-黄一舟"
    sender = _NAME_TIME_LINE.match(line)
    if sender and (re.search(r"[（(\-－—·]|语音", line)):
        name = sender.group(1)
        # ("贾芳（晋通·销售内勤） 09:26:02": a dot inside the brackets is no company-person dash)
        person = re.split(r"[-－—·]", re.sub(r"[（(].*", "", name))[-1]
        if _sender_name(person):
            return name
    m = _NAME_LINE.match(line)
    if m is None:
        return None
    name = m.group(1)
    if any(name.startswith(k) for k in _HEADER_KEYS) or name[-1] in "的了吧啊呢吗嗯哦":
        return None
    if m.group(2) or _sender_name(name):
        return name if (m.group(2) or previous_blank or len(name) <= 3) else None
    if re.fullmatch(r"阿[A-Z][a-z]{1,10}", name):
        return name
    return None


def _sender_name(name: str) -> bool:
    """A speaker's name as a chat or a transcript writes it: a Han name with its surname, a nickname (小王, 阿珍),
    a minority name without a surname (巴特尔), or an English name."""
    return bool(
        re.match(SURNAMES, name) or re.fullmatch(_NICK, name) or name.isascii() or re.fullmatch(_MINORITY_NAME, name)
    )


def _is_sender(name: str) -> bool:
    """The name of a chat's sender between bars: as `_sender_name`, an English name capitalised."""
    # ("| 云帆-贝宁 |", "| 绿源-武立平 |": the company before a dash, then the person)
    dashed = re.fullmatch(
        r"[\u4e00-\u9fa5A-Za-z]{2,10}(?:[-－—·][\u4e00-\u9fa5]{2,4})?[-－—·]([\u4e00-\u9fa5A-Za-z]{2,12})", name
    )
    if dashed and _sender_name(dashed.group(1)):
        return True
    return _sender_name(name) and not (name.isascii() and not re.fullmatch(r"[A-Z][A-Za-z]{1,12}", name))


def split_sentences(text: str) -> list[Sentence]:
    """Utterances with their offsets, each knowing its speaker label (ASR 'speaker N' lines included)."""
    out: list[Sentence] = []
    speaker = ""
    offset = 0
    previous_blank = True
    # a label that starts three lines or more is someone talking ("乙方：…", "Speaker 1: …"), even when it looks
    # like a header key ("乙方：云帆科技 吴昊") or carries a digit ("时间：2027-03-01")
    # ("[00:00:09] 客户：对，我是…": a recorder's time before the label too)
    label_lines = Counter(
        m.group(1).strip()
        for line in text.splitlines()
        if (m := _LABEL.match(line[ts.end() :] if (ts := _TIMESTAMP.match(line)) else line))
    )
    lines_seen = Counter(line.strip() for line in text.splitlines())
    # "[客户] 对，我是…" again and again: a bracketed role that talks, even when it reads like a header key
    bracket_lines = Counter(
        next((g for g in m.groups() if g is not None), "").strip()
        for line in text.splitlines()
        if (m := _BRACKET_LABEL.match(line))
    )
    in_mail = False
    listing = False
    previous_label = ""
    subtitles = bool(_SRT_TIME.search(text))
    for line_no, line in enumerate(text.splitlines(keepends=True)):
        body_start = offset
        stripped = line.rstrip("\r\n")
        offset += len(line)
        if not stripped.strip():
            previous_blank = True
            continue
        if subtitles and (re.fullmatch(r"\s*\d{1,5}\s*", stripped) or _SRT_TIME.fullmatch(stripped)):
            continue  # a subtitle file's cue number and times, between the lines said
        if _BARE_PARTICIPANTS_KEY.match(stripped):
            listing = True
        elif listing and re.match(r"^(?:[ \t\u3000]+|\s*[-•*·]\s+)\S", stripped):
            # "  云帆科技：孟繁宇（大客户经理）、蒋蓉" or "- 云帆科技：钟磊（大客户经理）" under "参会人员：": who came,
            # nobody talking
            lead = len(re.match(r"^(?:[ \t\u3000]+|\s*[-•*·]\s+)", stripped).group(0))
            out.append(Sentence(stripped[lead:].strip(), body_start + lead, ""))
            continue
        else:
            listing = False
        asr = _ASR_LABEL.match(stripped)
        if asr:
            speaker = asr.group(1)
            previous_blank = False
            continue
        alone = _name_line(stripped, previous_blank)
        pair = _COMPANY_NAME_LINE.match(stripped)
        if alone is None and pair and lines_seen[stripped.strip()] >= 2 and re.match(SURNAMES, pair.group(2)):
            # "云帆 邓悦" alone on a line again and again: a transcript's speaker, with the company first
            alone = f"{pair.group(1)}-{pair.group(2)}"
        previous_blank = False
        if alone:
            speaker = alone
            continue
        sender = _NAME_TIME_TEXT.match(stripped)
        if sender and (_sender_name(sender.group(1)) or _is_sender(re.sub(r"[（(].*", "", sender.group(1)))):
            # "田甜 09:12 龙厂长新年好！": a chat export's sender and time, then the message on the same line
            speaker = sender.group(1)
            body_start += sender.end()
            stripped = stripped[sender.end() :]
        quoted = re.match(r"\s*(?:>\s?)+", stripped)
        if quoted:  # "> - 预算：20 万。": a reply quotes the older mail line by line
            body_start += quoted.end()
            stripped = stripped[quoted.end() :]
        ts = _TIMESTAMP.match(stripped)
        if ts:
            body_start += ts.end()
            stripped = stripped[ts.end() :]
        piped = _PIPE_SENDER.match(stripped) if len(re.findall(r"[|｜]", stripped)) <= 2 else None
        piped = piped if piped and _is_sender(re.sub(r"[（(].*", "", piped.group(1)).strip()) else None
        if piped and in_mail and not re.fullmatch(_PERSON, piped.group(1).strip()):
            piped = None  # "鲁中渣运 业务部经理 | 0533-2186 4470 | 150 5331 2098": the mail's signature, no sender
        # "00:00:04,说话人1,庄总您好…": a recording app's CSV export, the time, the speaker and the words
        piped = piped or ((_CSV_ROW.match(stripped) or _TSV_ROW.match(stripped)) if ts else None)
        if piped:
            # "2028-11-28 10:04 | 牛建军(泉韵-总经理) | 好，你说。": a chat export with the sender between bars
            speaker = piped.group(1).strip()
            body_start += piped.end()
            stripped = stripped[piped.end() :]
        line_speaker = speaker
        sender = _MAIL_SENDER.match(stripped)
        if sender:
            # an e-mail thread: what follows, up to the next sender, is this person writing ("云帆科技 汪洋"
            # becomes "云帆科技-汪洋", a company and its person)
            speaker = re.sub(r"\s+", "-", sender.group(1).strip())
            in_mail = True
        elif in_mail and (m := _LABEL.match(stripped)) and not stripped[m.end() :].strip():
            continue  # "汪经理：" greets the reader; the writer is still the sender
        voice = None if _LABEL.match(stripped) else _VOICE_LABEL.match(stripped)
        if voice and not (_sender_name(voice.group(1))):
            voice = None  # "微信（语音转文字）2026年12月4日": the export's title
        if voice:  # "马建军 [语音转文字 0:42] 严经理你好，…": the export's name and voice mark, no colon
            line_speaker = speaker = voice.group(1)
            body_start += voice.end()
            stripped = stripped[voice.end() :]
        m = None if voice else _BRACKET_LABEL.match(stripped)
        title = next((g for g in m.groups() if g is not None), "").strip() if m is not None else ""
        if m is not None and title.startswith("语音"):
            # "[语音转文字] 李姐：我电话…": the export's voice mark, then the speaker's label
            # ('[语音 12"] 转文字：小艾啊…': the mark's second half is no speaker)
            mark = re.match(r"\s*(?:语音)?(?:转文字|转写)\s*[：:]?\s*", stripped[m.end() :])
            cut = m.end() + (mark.end() if mark else 0)
            body_start += cut
            stripped = stripped[cut:]
            m = title = None
        notes_title = False
        if (
            m is not None
            and title
            and (
                _header_key(title)
                and bracket_lines[title] < 2
                or re.search(r"记录|纪要|小记|笔记|日志|转写|录音", title)
            )
        ):
            m = None  # "【通话记录】陈思远 2026/07/08": the title of the notes, nobody talking
            notes_title = True
        if m is not None:
            label = next(g for g in m.groups() if g is not None).strip()
            # "【于海洋 00:00:08】宋老板，…": a recorder puts the time inside the brackets, after the name
            label = re.sub(r"(?<=\S)\s+(?:\d{1,2}:)?\d{1,2}:\d{2}$", "", label)
            named = re.match(r"\s*([\u4e00-\u9fa5]{2,4}|[A-Z][a-z]{1,12})\s*[：:]\s*", stripped[m.end() :])
            extra = 0
            if named and _sender_name(named.group(1)) and not re.search(r"[-－—·]", label):
                # "【恒远建材】张总：…": the company in brackets, then the person and the colon
                label, extra = f"{label}-{named.group(1)}", named.end()
            line_speaker = speaker = label
            body_start += m.end() + extra
            stripped = stripped[m.end() + extra :]
        else:
            # in a mail, "卢总手机：…" or "报价：…" is the writer's text, not somebody else talking
            # ("【拜访记录】云帆科技 销售：姜涛": the notes' title line names the writer, nobody talks)
            # ("| 阿依古丽(前台主管) | 合同抬头：…": the sender's message, its own key inside)
            m = None if in_mail or voice or notes_title or piped else _LABEL.match(stripped)
            if m and _CLAUSE_BEFORE_COLON.search(m.group(1)):
                m = None  # "那我理解主要是两块：会员的分层营销…": a sentence with a colon in it, not a label
            if m:
                # "- 庞凯：12个账号…": a bullet before the label is not part of the name
                label = re.sub(r"^(?:[-•*·#]+|\d{1,2}[.、)])\s+", "", m.group(1).strip())
                # the first lines are the header even then: "甲方：苏州启明教育…；市场部 小叶"
                talking = (
                    label_lines[label] >= 3
                    and (
                        line_no >= 3
                        or not _header_key(label)
                        # ("对方：你好，我是禾粽记的褚秋萍" right under a call recorder's title: a greeting talks)
                        or re.match(r"\s*(?:喂|你好|您好|哎|嗯)", stripped[m.end() :]) is not None
                    )
                )
                # "客户张总：我们预算二十万。": a role and a person, then speech, is someone talking
                talking = talking or bool(
                    re.fullmatch(
                        rf"(?:客户方?|甲方|乙方|对方)\s*[-－—·]?\s*(?:{_PERSON}|{_NICK}|(?:{SURNAMES})总)", label
                    )
                    and re.search(r"我|您|你|咱", stripped[m.end() :])
                )
                if _header_label(label) and not talking and line_no <= 6 and not in_mail:
                    line_speaker = ""  # "客户：哈尔滨北国…" in the header is nobody's words
                if not _header_label(label) or talking:
                    line_speaker = speaker = label
                    # header lines keep their key in the sentence: "客户：华东机械" is its own evidence
                    body_start += m.end()
                    stripped = stripped[m.end() :]
        if line_speaker and line_speaker == previous_label and re.match(r"\s*(?:[-•*·]|\d{1,2}[.、)])\s", line):
            line_speaker = ""  # "- 见了招生办主任罗文": a note's next bullet, not the key of the bullet before
        previous_label = line_speaker
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
    r"也在(?:看|谈|聊|接触|对比)|在看|看过|问过|用过|试过|对比|比较(?:一下|了|过)|在比较|竞品|报价|便宜|太贵|贵了|找过|在用|选了|考虑|pk|PK|替换|换成"
)
SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|慕容|[李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕于洪郁丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝阎芮冀晁郗逯杭鄢"
    # rarer ones, where no common word starts with the character (原 and 计 do: their words are listed below)
    "储伏封荀嵇邴糜钮宓钭厉戎韶郜邰鄂蔺屠胥莘贡逄扈郦濮茹宦庾匡阙訾阚鞠巢蒯竺桓揭冼粟丘綦俸裘原计闻禹仝凤贝赖茅]"
    # (a Dai surname, "刀国华", but not 刀具 / 刀片)
    "|刀(?![具片刃口子法锋枪柄把头面叉剪])"
)
_DEPT_BEFORE = "|".join(
    f"(?<={d})"
    for d in (
        "采购 财务 销售 技术 行政 人事 法务 研发 市场 运营 客服 信息 还有 以及 总监 经理 主任 "
        # "签字找我们老板娘潘总就行": words that end right before a person
        "老板娘 找 问 跟 和 叫 请 让 由"
    ).split()
)
_CORRECTION_BETWEEN = re.compile(r"^[^。！？!?]{0,12}?(?:不对|说错了?|错了|更正|应该是|重新说|我再说一遍)")
_WHOSE_NUMBER = re.compile(
    rf"((?:{SURNAMES})(?:总|工|经理|老师|主任|姐|哥))的?(?:号码|电话|手机|手机号|座机)(?:是|号)?[：:\s]*$"
)
# "…不是我们员工", "…不是我们的人", "…不是我们厂": said of someone, or of a number, that is not the customer's
_NOT_OURS = r"不是(?:我们|咱们)(?:的|这边的?)?(?:员工|人|厂|公司|单位|店)"
_NOT_TO_CALL = re.compile(
    # ("刘经理 0718-829 0012（不用）", "管委会的电话 0571-8897 2301 你别当成我的")
    # ("老何的电话 137-… 你别存错，那是装裱的")
    # ("…采购电话010-6402 8815（经销商的，不用录）": whose it is and not to take down, in brackets)
    r"\s*[（(][^（()）]{0,10}?不用(?:记|打|管|存|录)?\s*[）)]|[^。！!？?]{0,6}?别当成我的|[^。！!？?]{0,6}?别存错|"
    # ("我座机0768-…，找甘锦荣就行，别打我们老板的": another number not to call, not this one)
    r"[^。！!？?]{0,16}?(?:别(?:再)?打了?(?![^，,。！!？?]{0,8}的)|不用(?:再)?打|不用记|别记|不用存|不用理他|不用管他|跟他没关系|和他没关系|已经停机|停机了|作废了?|打不通了"
    # ("她上个月离职了，手机 137 5719 0342 已经停了")
    r"|已经?停(?:用)?了|已经?注销了?|已经不用了"
    # ("（不是本客户的人）", "不是本项目联系人")
    r"|不是(?:本次|这次|本项目|这个项目|我们的?)?(?:的)?(?:客户方?|对接人|对接方|联系人)|不是本?客户的人|"
    # ("甬通货代的小卢（138…）也在场，只是来对出货单的，与本项目无关")
    r"(?:与|跟|和)(?:本|这个)?项目无关|"
    # ("柯工电话 0755-8321 6670，他是医信通的，不是我们员工", "…她不是我们的人", "…，不是我们厂")
    rf"{_NOT_OURS}|(?:跟|和)[^，。]{{0,4}}没(?:什么)?关系"
    # "票务电话是0571-8672 3301，那个是人家剧院的，别记混了": somebody else's line, said as such
    r"|(?:那|这)个?(?:号码?|电话)?是人家|别(?:记|搞|弄)混"
    # ("他电话是138…——这个你们别算在我们这次里，他们自己找你们")
    r"|(?:别|不)算(?:在|到)?我们|他们自己(?:找|联系)你们"
    # ("韩涛（189 5000 3127）不用管", "…，不过那是物流的事，你们不用给他们开账号", "（宋经理 010-…），是他们的渠道")
    r"|不用管|那是[^，。]{0,4}的事|不用给?(?:他们|他|她)?开账号|是(?:他们|我们)的(?:渠道|经销商|代理商|供应商|合作方))"
)
# someone else who is interested too, then his number: "秦师傅那边也想了解一下，他电话一三九…"
_PASSED_ON_LEAD = re.compile(
    r"也(?:想|在|要)?(?:了解|问|打听|找|考虑|想上|需要)[^。！？]{0,14}[，,]\s*(?:他|她)的?(?:电话|手机|号码)(?:是|号)?[：:\s]*$"
    # ("隔壁的渔乐农庄也在找系统，老板姓秦，电话 0731-…，你可以去问问")
    r"|也(?:想|在|要)?(?:了解|问|打听|找|考虑|想上|需要)[^。！？]{0,14}[，,][^。！？我]{0,10}[，,]\s*(?:电话|手机|号码)(?:是|号)?[：:\s]*$"
)
# "这俩你们不用记": every number said in the sentence is somebody else's
_NONE_OF_THESE = re.compile(r"(?:这俩|这两个|这两位|两个都|都)(?:你们|您)?(?:不用记|别记|不用存|不用打|别打|不用管)")
_PREMISES_NUMBER = re.compile(
    # ("我不在的话打房东老廖，139 2266 0815": the landlord himself, named)
    r"(?:物业|房东|园区|工业园|写字楼|商场|冷库|管委会)(?:的|那边的?)?"
    rf"(?:(?:[老小](?:{SURNAMES})|(?:{SURNAMES})(?:师傅|经理|总))[，,]?\s*(?:他|她)?的?(?:电话|座机|号码|手机)?"
    r"|(?:电话|座机|号码|联系电话))(?:是|号码)?[：:\s]*$"
    # ("物业的电话别打错了，华隆物业是0731-8890 1123，那是房东")
    r"|[\u4e00-\u9fa5]{2,6}(?:物业|物业公司|管委会)(?:的电话)?是[：:\s]*$"
)
# ("他是医信通的，不是我们员工", "她不是我们的人"; never "他们不是我们的人", said of a group)
_NOT_ONE_OF_OURS = re.compile(rf"[他她](?!们)[^。，,]{{0,10}}[，,]?\s*{_NOT_OURS}")
_SISTER_PERSON = re.compile(r"(?:兄弟|姐妹|姊妹|关联)(?:公司|单位|厂)")
# ("与 0573-8265 1180 的通话", an outbound call centre's "被叫号码：0579-8523 1146": the other end's number)
# "悟空餐饮的采购花经理一天能打三个电话催货，138…": a company that is not the speaker's, one of its people by job
# and surname (any character: 花 is one), then a number in the same sentence
# "顺洋国际物流的陈经理", "园区物业的周经理", "房东金陵置业的物业经理", "顺捷物流的老蒋": a company, then its person
_OUTSIDE_PERSON = re.compile(
    r"(?P<firm>[\u4e00-\u9fa5A-Za-z]{2,14}?)(?:那边|这边)?的\s*(?:[\u4e00-\u9fa5]{0,3}?)"
    rf"(?P<who>(?:{SURNAMES})(?:经理|总|主任|工|师傅|老板|老师|主管)|[老小](?:{SURNAMES})|(?:{SURNAMES})[\u4e00-\u9fa5]{{1,2}}(?=[，,（(\s]|电话|手机)"
    r"|(?:物业|采购|销售|调度|业务|客户)?经理|老板|师傅|司机|调度)"
)
_OTHER_COMPANYS_PERSON = re.compile(
    r"(?:^|[，,。：:\s])(?!我们|咱们|你们|您|贵|我|公司|厂里|店里|集团)([\u4e00-\u9fa5]{2,8}?)的"
    r"(?:采购|销售|财务|老板|业务|仓库|前台)?"
    r"([\u4e00-\u9fa5](?:经理|总|主任|老板))[^。；;0-9]{0,24}$"
)
# what stands between a person's name and the number right after it: "韩冬（139…", "马骁，电话0991-…"
_NUMBER_RIGHT_AFTER = r"\s*(?:[（(：:]|[，,]?\s*(?:电话|手机|座机|号码)(?:号码?|是)?\s*[：:]?)?\s*$"
_CALL_WITH = re.compile(r"与\s*\+?[\d][\d\s-]{6,16}\d\s*的?(?:通话|电话|来电|去电)|被叫(?:号码)?\s*[：:]\s*(?=\+?\d)")
_THEIR_PERSONS_NUMBER = re.compile(
    # ("送货的是蓉达物流的黄师傅，他电话 133…": the haulier's driver)
    # ("顺路物流的老范电话是138…", "顺驰物流的老马在跑，他电话133…")
    # ("发货是通达物流的车，吕师傅在管，他电话 152…", "找北通物流拉的，调度老韩电话 0314-…")
    # ("发货都找县里的顺通冷链，司机老马电话 137…")
    rf"(?:物流|快递|运输|货运|车队|冷链)(?:[^，。]{{0,6}}?|[^，。]{{0,4}}[，,]\s*(?:调度|司机)?)的?"
    # ("我们钢板都是顺达运输拉的，他们孟队长电话 138…")
    rf"(?:他们|她们)?(?:[\u4e00-\u9fa5]{{1,2}}(?:师傅|司机|队长)|[老小](?:{SURNAMES})|(?:{SURNAMES})(?:队长|调度|经理))"
    r"(?:[^。；;]{0,6}?[，,]?\s*(?:他|她)?的?(?:电话|手机|号码)|\s*[（(]?)"
    r"(?:是|号)?[：:\s]*$"
    # ("提货是外包给顺安运输的，司机老黄的电话136 3289 0021": the haulier's driver, after a comma)
    rf"|(?:外包|承运|运输|物流|货运|冷链)[^。]{{0,16}}?司机\s*(?:[老小](?:{SURNAMES})|(?:{SURNAMES})师傅)的?(?:电话|手机|号码)"
    r"(?:是|号)?[：:\s]*$"
    # ("我们发货一般走方师傅的货车，他电话 136…": the carrier's own driver)
    rf"|(?:发货|送货|拉货|运货)[^。]{{0,8}}?(?:[老小](?:{SURNAMES})|(?:{SURNAMES})师傅)的(?:货车|车|三轮)[，,]\s*(?:他|她)的?(?:电话|手机|号码)"
    r"(?:是|号)?[：:\s]*$"
    # ("车是通达危运的，司机老汤电话 152…": the haulier's driver)
    rf"|车是[\u4e00-\u9fa5]{{2,8}}的[，,]\s*司机\s*(?:[老小](?:{SURNAMES})|(?:{SURNAMES})师傅)的?(?:电话|手机|号码)"
    r"(?:是|号)?[：:\s]*$"
    # ("我们的谷子主要从上海萌域动漫拿货，他们的对接人Kiki电话是 021-…": the supplier's contact)
    rf"|他们的?(?:对接人|联系人)\s*(?:[A-Z][a-z]{{1,12}}|[小老](?:{SURNAMES})|(?:{SURNAMES})[\u4e00-\u9fa5]{{1,2}})?"
    r"的?(?:电话|手机|号码|座机)(?:是|号)?[：:\s]*$"
    # ("原料是道宁有机硅供的，他们业务老黄139 2690 1187": their person, the number right after the name)
    rf"|他们的?[\u4e00-\u9fa5]{{0,4}}?(?:[小老](?:{SURNAMES})|(?:{SURNAMES})(?:师傅|工|总|经理))\s*[：:]?\s*$"
    rf"|他们的?[\u4e00-\u9fa5]{{0,4}}?(?:师傅|[工总]|经理|老师|销售|调度|司机|业务员|老板|[老小](?:{SURNAMES}))[^。；;]{{0,36}}?"
    # ("…他们业务员小邹每个月要我们报订货量，老打我电话问，他的号码是 138…"; but never "我的电话")
    r"(?<![我们])(?<!我的)(?:电话|手机|号码|座机)(?:是|号|号码)?[：:\s]*$"
)
# what follows a surname to address a person ("何教练", "钱总"; 总共 is no 钱总)
_HONORIFIC_WORDS = (
    r"总监|总工|总(?![共计额数价量体部结])|经理|主任|老师|处长|科长|部长|局长|院长|校长|律师|董事长|理事长|会长|社长|馆长|园长"
    r"|站长|场长|厂长|行长|所长|店长|书记|主管|老板|教练(?![组车场员机])|班主|工"
)
_HONORIFIC = re.compile(
    # after a department word "采购欧阳经理" is still a person ("…机械王经理" mid-name is not)
    # ("数字化的钱总共才二十万": 总共, no 钱总)
    # ("谢谢理事长": no 谢理事长)
    f"(?:(?<![\u4e00-\u9fa5]{{2}})|{_DEPT_BEFORE})(?!(?<=谢)谢)({SURNAMES})({_HONORIFIC_WORDS})"
)
_TITLES = (
    "总经理",
    "副总经理",
    "董事长",
    "技术负责人",
    "负责人",
    "校长",
    "护士长",
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
    "管理合伙人",
    "厂长",
    "副厂长",
    "院长",
    "园长",
    "理事长",
    "社长",
    "行长",
    "合伙人",
    "副总裁",
    "销售副总裁",
    "总裁",
    "大区经理",
    "区域经理",
    "销售负责人",
    "行政主管",
    "行政经理",
    "招生部主管",
    "信息部经理",
    "信息部主任",
    "IT部经理",
    "市场经理",
    "客服经理",
    "运营主管",
    "采购部经理",
    "财务主管",
    "人事主管",
    "IT负责人",
    "信息化负责人",
)
_TITLE_ALT = (
    r"(?:IT|信息|技术|采购|财务|销售|市场|运营|人事|行政|法务|客服|研发|生产|质量|物流|仓储)部?(?:经理|主管|总监|主任|负责人)|"
    r"(?:(?![的是我们司和与及])[\u4e00-\u9fa5]){2,4}部(?:经理|主管|总监|主任|负责人)|"  # "外贸部经理林凯"
    + "|".join(re.escape(t) for t in sorted(_TITLES, key=len, reverse=True))
)
# "王芳（采购经理）", "王芳，采购经理", "采购经理王芳", "IT总监 陈立"
_NAME_TITLE = re.compile(
    rf"({SURNAMES})([\u4e00-\u9fa5]{{1,2}})\s*[（(，,\s]\s*(?:[\u4e00-\u9fa5]{{2,8}}的)?({_TITLE_ALT})"
)
# "他侄子郑小川（电商运营负责人）": a job inside brackets may carry its own field before the title word
_NAME_BRACKET_TITLE = re.compile(
    # ("阿依古丽(前台主管)": no 古丽 inside a longer name)
    rf"(?:(?<![\u4e00-\u9fa5])|(?<=[子儿侄弟妹哥姐的和是跟与及叫位]))"
    rf"({SURNAMES})([\u4e00-\u9fa5]{{1,2}})[（(]([\u4e00-\u9fa5]{{0,6}}?(?:经理|主管|总监|主任|负责人|专员|助理))[）)]"
)
_TITLE_NAME = re.compile(
    rf"({_TITLE_ALT})\s*({SURNAMES})([\u4e00-\u9fa5]{{1,2}}?)(?=[\s，,。：:（(、；;是说的也会在负和跟都还来去给让对电手]|$)"
)
# what colleagues call each other: 小叶, 老陈, 阿强, 孔姐
_NICK = rf"[小老](?:{SURNAMES})|阿(?![姨里拉婆公])[\u4e00-\u9fa5]|(?:{SURNAMES})[姐哥]"
# a role said right before a nickname is the person's job: 「财务小潘」, 「门店督导小黄」, 「行政的小周」
_NICK_ROLE = (
    r"(?:采购|客服|市场|销售|财务|行政|人事|运营)专员|IT|财务|行政|内勤|采购|信息科|信息部|技术|运营|客服|人事|助理|会计|"
    r"出纳|前台|文员|(?:门店)?督导|客服组长|计调|仓管|法务"
)
_TITLE_XIAO = re.compile(
    rf"({_TITLE_ALT}|{_NICK_ROLE})(?:的)?\s*({_NICK})(?!序)"  # not 「运营小程序」
)
_TITLE_LATIN = re.compile(rf"({_TITLE_ALT})\s*([A-Z][a-z]{{1,12}})(?![A-Za-z])")
_HONORIFIC_TITLE = re.compile(rf"^[（(]\s*({_TITLE_ALT})\s*[）)]")
# 「市场部的小汤」, 「见了小董」, 「还有小苏」: a 小/老 + surname name standing alone after 的, a verb or a list word
_XIAO_AFTER = re.compile(rf"(?:(?<=部的)|(?<=见了)|(?<=还有)|(?<=以及)|(?<=[和跟、]))({_NICK})(?![\u4e00-\u9fa5])")
# "采购部的何静", "销售部 韩梅", "我是绿源的技术负责人郑涛"
_NAMED_DEPARTMENTS = "采购|信息|IT|财务|销售|技术|法务|运营|市场|人事|行政|客服"
_DEPT_NAME = re.compile(
    rf"((?:{_NAMED_DEPARTMENTS})(?:部|中心|负责人)?|负责人)\s*(?:的)?\s*"
    # ("信息部的王建负责对接": what the person does, right after the name)
    rf"({SURNAMES})([\u4e00-\u9fa5]{{1,2}})(?=[\s，,。：:（(、；;]|$|负责|来对接|对接|在|跟进|也在|把|会|来|去)"
)
_NOT_GIVEN_NAME = set("总经主老处科部局院工的说是在和跟也都就还们这那那个")

_HONORIFIC_AFTER = re.compile(
    # ("喂，您好，请问是鲍经理吗": the one who answers the call)
    rf"(?:(?<=[的跟和找给问约见板导叫了、])|(?<=请问是)|(?<=[，,\s]是))({SURNAMES})({_HONORIFIC_WORDS})"
    r"(?![\u4e00-\u9fa5]{0}[理监])"
)
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
_ONE_UNIT_BEFORE = re.compile(r"(?:一个|每个|单价|一个号|每个号|每人|一个账号|每个账号)(?:按|是|就是)?$")
_CORRECTION = re.compile(
    r"不对|说错|更正|纠正|改一下|改成|应该是|准确(?:地)?说|准确的是|重新算|其实[^，。；]{0,8}?是|确认一下是|以这个为准|修正|"
    r"不是[\s，,]*是"
)
# what the customer can spend, said without the word 预算: "老板砍到十五万了，最多十五万", "四万以内都可以",
# "老板给的是三十万左右", "集团批的是一百二十八万，一期这块是四十五万"
_BUDGET_WORDS = re.compile(
    r"预算|能批|批下来|批不下来|批不了|批了|批的是|批给|拨款|经费|资金|盘子|(?:最多|顶多)(?:只能|能|就)?(?:给|出|批|花)?|以内都|以内(?:可以|能接受)|"
    # ("我心里的数是五六千")
    r"心[里理](?:价位|的数|的价|价|数)(?=[是在大概差不多就也\s]*[零一二两三四五六七八九十\d])|"
    # ("之前说的是两万五以内", "一万来块我能接受": a ceiling, and a rough figure the customer can live with)
    r"不能超过|不超过|上限|封顶|多一分都不|(?<=[万千元块零一二两三四五六七八九\d])以内|(?:可以|能|愿意)投入?|投入|"
    r"(?<=[来多])块?钱?我?(?:都|还|也)?能接受|"
    # ("社里能拿出来的也就一两万")
    r"能拿出来的|拿得出来的|能拿出|能花的|能出的|"
    r"(?:老板|领导|公司|集团|上面)(?:给(?:我|我们)?的是|给了|砍到|定的是)|"
    # "我们今年给这个的钱是一万五", "理事会定的这块是三万到四万", "一万左右都能接受"
    r"(?:给|为)这(?:个|块|事)留了|给这个的钱|给这块的钱|这块的钱|落到我们(?:头上|这边|这里)|分到我们(?:头上|这边|这里)|给这(?:个|块)[\u4e00-\u9fa5]{1,6}的(?:就是|是)|(?:定|批|给)的这块是|(?:左右|以内|以下)?都能接受|都可以接受"
)
_PRICE_WORDS = re.compile(
    r"就签|能签|可以签|报价|报的|报了|(?:我们|我)报(?=[零一二两三四五六七八九十\d])|总价|合计|给(?:您|你)(?!发|送|寄)|按[^，。]{0,6}给|合同(?:额|金额|价)?|价格|成交|签单|打包价|一共|总共|总金额|优惠后|折后|含税|"
    r"(?:一年|每年|年费)(?:是|就是)?(?=[零一二两三四五六七八九十\d])|给到|"  # "三十个账号，一年十二万"
    r"(?<=[零一二两三四五六七八九十\d])(?:个|个号|个账号|套)(?:就|一共|总共)?是(?=[零一二两三四五六七八九十\d])|"  # "七个号是一万四"
    r"凑个整|凑整|抹个零|抹零|谈下来|谈成|谈定|(?:最后|最终)(?:按|定在)|"  # "最后按 6980 谈下来"
    # ("你们十五个账号先报五万四，后来降到四万九千五")
    r"降到|让到|压到|(?:先|又|再)报(?=[零一二两三四五六七八九十\d])|"
    r"(?:就|按)[零一二两三四五六七八九十百千万\d.]+万?(?:吧|行|成交)|"
    r"折(?:的话|下来|后)?那?就是?(?=[零一二两三四五六七八九十\d])|"  # "九折那就四万五"
    r"(?:最终|双方|最后)确认(?=[零一二两三四五六七八九十\d])|"  # "双方最终确认五万五千元/年"
    r"折[，,]\s*即(?=[零一二两三四五六七八九十\d])|同意[一二三四五六七八九]{1,2}折"  # "给到九折，即九万七千二"  # "你凑个整，五万"
)
_DECISION_WORDS = re.compile(
    r"签(?:合同|约|单|下来)?|拍板|定下来|定了|要定|前定|能定|做决定|决策|下单|采购|立项|上线|启动|落地|招标|定标|敲定"
)
_ACTION_WORDS = re.compile(
    r"发|给|安排|约|提交|准备|提供|确认|演示|看到|做|出(?!差)|反馈|走|回复|拜访|开会|沟通|对接|试用|部署|整理|申请|汇报|评估|讨论|签|联系|约|交流|寄|送|过来|过去|上门|见面|打电话"
)
_REP_ACTIONS = re.compile(
    r"报价|方案|演示|合同(?:草稿|模板)|POC|试用|资料|案例|技术交流|拜访|部署|培训|开通|账号|清单|白皮书|上门", re.I
)
_CUSTOMER_ACTIONS = re.compile(
    r"走流程|审批|内部(?:讨论|评估|汇报|沟通)|反馈|答复|回复|需求清单|采购流程|我们这边|我这边|汇报给|请示|报给|给你们|给您"
)
_NEXT_STEP_HEAD = re.compile(
    r"^(?:(?:下一步|接下来(?!.{0,4}(?:看|聊|讲|介绍|说|演示一下))|后续)(?:就是|是|呢|的话)?|回头|待办|行动项|todo|跟进事项|"
    r"(?:[^\s，,。]{1,4}(?:说|就))?(?:让我|叫我|要我)(?=[^\s，,。]{0,6}(?:再|去|跟|联系|发|给|过去|准备)))"
    r"\s*[：:]?\s*(?:\d+[.、)]\s*)?",
    re.I,
)
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
_STRONG_SEAT_UNITS = ("账号", "帐号", "用户", "席位", "坐席", "座席", "许可", "license", "licence")
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


_VISIT_VERB = re.compile(r"去了|去|见了|拜访|聊|开会|通了|打了个?电话|电话|从.{1,12}出来|过去|来了|见")


# a spoken note opens with fillers before saying when the visit was ("那个 昨天下午去了…", "嗯 今天上午拜访了…")
# ("补一下上周五的拜访：去了优品母婴": a note added later says which visit it is about)
_NOTE_FILLER = r"^(?:(?:那个|这个|嗯|呃|额|啊|哦|就是|然后|对|好|补一下|补充一下|补记一下|记一下)[\s，,、:：]*)*(?:我们?|跟.{1,8}一起)?"
_NOTE_WHEN = re.compile(
    _NOTE_FILLER
    + r"(刚刚|刚才|刚|今天|今早|今儿|昨天|昨晚|前天|大前天|上周[一二三四五六日天]|上个?星期[一二三四五六日天]|上礼拜[一二三四五六日天])"
)


def _note_date(sentences: list[Sentence], ref: date) -> Fact | None:
    """A rep's own note: "昨天去了金马物流", "上周四在顺安做的演示", "刚从粤海电子出来" — the visit date counted back
    from the day the note is spoken. A note that names a visit but no day was made today (confidence 0.6)."""
    if not sentences or sentences[0].speaker:
        return None
    first = sentences[0]
    head = first.text
    if len(head) <= 12:
        # a dictated run is cut at its pauses: "刚从鼎盛。钢构出来。见了他们。" opens over several clauses
        head = "".join(x.text.rstrip("。") for x in sentences[:4] if not x.speaker)[:80]
    opening = re.sub(r"\s+", " ", head[:60])
    said = _NOTE_WHEN.match(opening)
    visit = _VISIT_VERB.search(head[:80]) or re.search(r"做的|在.{2,14}(?:做|演示|开|聊|谈)", head[:60])
    if said and visit:
        word = said.group(1)
        if word.startswith(("刚", "今")):
            return Fact(ref, quote(first), first.start, 0.7)
        if word == "大前天":
            return Fact(ref - timedelta(days=3), quote(first), first.start, 0.7)
        past = [d for d in find_dates(word, ref) if d.date <= ref]
        if past:
            return Fact(past[0].date, quote(first), first.start, 0.7)
    if visit and re.match(_NOTE_FILLER + r"(?:去了|去|拜访了?|见了|跟)", opening) and not find_dates(head[:30], ref):
        return Fact(ref, quote(first), first.start, 0.6)
    return None


def _meeting_date(sentences: list[Sentence], text: str, ref: date) -> Fact | None:
    """The date stated in the header ("会议时间：2026年11月20日"), else None (the message date is used)."""
    note = _note_date(sentences, ref)
    if note is not None and note.confidence >= 0.7:
        return note  # "上周五去的海丰 … 下个月十五号之前要方案": the plan's date is not the visit's
    for index, s in enumerate(sentences[:8]):
        if s.start > 400:
            break
        headed = re.search(r"时间|日期|会议|通话|拜访|纪要|记录|沟通", s.text)
        if (index >= 3 or s.speaker or note is not None) and not headed:
            continue  # a date someone says is a plan, not when the meeting was
        for d in find_dates(s.text, ref):
            if d.kind in ("absolute",) and abs((d.date - ref).days) <= 370:
                return Fact(d.date, quote(s), s.start, 0.95)
    # a chat export puts the date on the speaker lines ("郑国栋 2026-06-16 10:02")
    m = re.search(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?", text[:400])
    if m:
        found = find_dates(m.group(0), ref)
        if found and abs((found[0].date - ref).days) <= 370:
            return Fact(found[0].date, m.group(0), m.start(), 0.8)
    # a recording's file name keeps the day ("微信语音通话录音_20450814_1030.srt")
    m = re.search(
        r"(?<![\dA-Za-z])(20\d{2})(\d{2})(\d{2})(?=[_\-.\s]|$)", text[: text.find("\n") if "\n" in text else 200]
    )
    if m:
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            day = None
        if day is not None and abs((day - ref).days) <= 370:
            return Fact(day, m.group(0), m.start(), 0.8)
    return note


def _terms(account: KnownAccount) -> list[str]:
    names = {account.name, account.short_name or "", core_name(account.name), core_name(account.short_name or "")}
    # "无锡新材料科技" has the core 新材料: a trade word alone names no company ("昆山恒包新材料" is another one)
    return sorted(
        {n for n in names if len(n) >= 2 and not re.fullmatch(rf"(?:{TRADE_WORDS})+", n)}, key=len, reverse=True
    )


# --- sides: us, the customer, third parties ---------------------------------------------------------------

# given names of Uyghur, Kazakh, Mongolian, Tibetan and Dai customers, who are named without a Han surname
# ("努尔兰", "巴特尔", "其其格", "央金旺姆", "扎西次仁", "岩温"): the parts such names are commonly made of
# (a Dai man's name starts with 岩, a woman's with 玉)
_NAME_PARTS = (
    "努尔兰|阿依古丽|古丽娜尔|帕提古丽|迪丽娜尔|迪丽拜尔|古丽|热依拉|买买提|麦麦提|艾尔肯|艾力|阿力木|阿里木|阿迪力|"
    "库尔班|热合曼|帕尔哈提|吐尔逊|玉素甫|阿不都|岩(?:温|罕|峰|光|保|应|坎|叫|旺|恩|甩|庄|论|帕|丙|依|嫩)|"
    "玉(?:罕|应|坎|叫|旺|嫩|腊|甩)|"
    "依明|米娜|赛力克|叶尔兰|哈力克|阿斯哈尔|加娜尔|巴特尔|巴图|其其格|乌兰(?!察布|浩特|巴托)|苏和|宝音|朝鲁|斯琴|"
    "哈斯|那顺|敖登|额尔敦|孟和|图雅|萨仁|格日勒|阿拉坦|布和|乌云|娜仁|特木尔|央金|卓玛|扎西|次仁|格桑|达瓦|德吉|"
    "拉姆|旺姆|平措|多吉|顿珠|措姆|白玛|益西|洛桑|丹增|索朗|普布|边巴|次旦|仁增|央宗|曲珍"
)
_MINORITY_NAME = rf"(?:{_NAME_PARTS})(?:{_NAME_PARTS})?"
_PERSON = rf"(?:(?:{SURNAMES})(?:(?![他她它的了吧吗呢啊嘛])[\u4e00-\u9fa5]){{1,2}}|{_MINORITY_NAME})"  # ("孟洁她说": no pronoun in a name)
_PERSON_RE = re.compile(rf"^(?:{_PERSON}|{_NICK})$")
# "我是远通快运的销售运营经理，郑丽", "我是丰禾的销售部长孔德明", "我是信息中心的小蒋，蒋子豪"
_SELF_INTRO_TITLED = re.compile(
    # ("我是杭州禾孕生殖专科门诊部有限公司客服中心主任孟婧": the legal name, then the job without 的)
    rf"我是(?:[^，。！？]{{0,24}}?的|[^，。！？的]{{2,30}}?(?:有限公司|公司|合作社|事务所|门诊部|医院|学校|学院)(?!有限|公司|分))?"
    rf"(?P<title>[\u4e00-\u9fa5]{{0,8}}?(?:经理|部长|总监|主任|主管|负责人|助理|专员|合伙人|[院校店厂场馆园所社会]长|理事长|总裁|"
    rf"主理人|创始人|店主|老板娘|老板))?"
    rf"(?:[，,]?\s*[小老](?:{SURNAMES})[，,])?[，,]?\s*(?P<name>{_PERSON}|[A-Z][a-z]{{1,12}})(?=[。，,！!；;\s]|$)"
)
# "对，我是柴秀英，这边的调度主管": the name first, then the job
_SELF_INTRO_NAME_FIRST = re.compile(
    rf"我是(?P<name>{_PERSON})[，,]\s*(?:这边的|这里的|我们这边的|我们的|咱们的)?"
    rf"(?P<title>[\u4e00-\u9fa5]{{0,6}}?(?:经理|部长|总监|主任|主管|负责人|助理|专员|内勤|[院校店厂场馆园所社]长|老板))"
    r"(?=[。，,！!；;\s]|$)"
)
# the one talking works for the customer's provider: "我们联创是润燥的IT服务商，网络和服务器这块归我们",
# "是我们华智信息做的，我是钮工", "我是信达网络的强工，帮他们管服务器和金蝶K3"
_PROVIDER_SPEAKING = re.compile(
    r"我们[\u4e00-\u9fa5]{0,6}(?:是|作为)[\u4e00-\u9fa5]{1,12}的"
    # (never "我们是海尔的代理商" or "我们是比亚迪的供应商": a customer's own trade)
    r"(?:IT|信息化|网络|技术|系统)?(?:服务商|集成商|实施方|实施商|实施公司|外包方|外包)"
    r"|(?:^|[，,。])\s*(?:对|是的|对的)?[，,]?\s*(?:都)?是我们[\u4e00-\u9fa5]{2,6}(?:信息|科技|软件|网络|系统)做的"
    r"|我是[\u4e00-\u9fa5A-Za-z]{2,10}的[\u4e00-\u9fa5]{1,3}[，,]\s*(?:帮|给|替)他们(?:管|做|维护|弄|搞)"
    # "我是渝联科技的包工，这个项目是我们渠道报备的": a reseller registers the deal with the vendor (报备)
    r"|(?:项目|单子)是我们[\u4e00-\u9fa5]{0,4}报备的|我们[\u4e00-\u9fa5]{0,4}报备(?:过)?的(?:项目|单子)"
)
_PERSON_CALLED = rf"({_NICK}|(?:{SURNAMES})(?:工|总|经理|老板|主任|老师|师傅)|{_PERSON})"
# people the customer names who work for someone else
_NOT_THE_CUSTOMERS_PERSON = (
    # "湘能电池的符经理（189…）是谢总介绍的，不是本项目联系人": named to be left out
    re.compile(
        rf"{_PERSON_CALLED}[^。；;]{{0,24}}?不是(?:本项目|这个项目|本次|这次|我们的?)?(?:的)?"
        r"(?:对接人|联系人|对接方|客户方?的人)"
    ),
    # "我们的电脑和网络是外包给南京数联信息技术的丁工": the outsourced IT man
    re.compile(rf"外包给[\u4e00-\u9fa5A-Za-z]{{2,16}}?的\s*{_PERSON_CALLED}"),
    # "罗湖店房东鹏达物业那边的门禁对接，他们的陈经理 139…": the landlord's man
    re.compile(rf"(?:房东|物业|管委会|园区|业主方)[^。！？]{{0,20}}?[，,]\s*(?:他们|她们)的?\s*{_PERSON_CALLED}"),
    # "北斗模块是星联芯供的，他们的邱工 0791-… 只管硬件": the supplier's man
    re.compile(
        rf"是[\u4e00-\u9fa5A-Za-z]{{2,12}}?(?:供|提供|供货|供应|代工|生产)的[，,]\s*(?:他们|她们)的?\s*"
        rf"[\u4e00-\u9fa5]{{0,2}}?{_PERSON_CALLED}"
    ),
    # "浦江晶艺的贾老板也想上系统，他电话0579-…，你们可以去找他": a lead for us, not a contact here
    re.compile(
        rf"(?:^|[，,。；;：:\s])(?!我|咱|你|您|他|她)[\u4e00-\u9fa5]{{2,8}}(?<![部组科室处])的\s*"
        rf"{_PERSON_CALLED}也(?:想|打算|准备|在考虑)(?:上|用|买|换)"
    ),
)
# our side naming a colleague: "这次我们解决方案的唐伟也在", "这是我们的实施顾问韩雪"
_COLLEAGUE = re.compile(
    rf"(?:我们|我司|咱们|我)(?:[^，。！？]{{0,10}}的|的)?"
    rf"(?:[\u4e00-\u9fa5]{{0,6}}?(?:顾问|经理|工程师|总监|专家|同事|销售|售前|负责人|实施))?\s*"
    rf"({_PERSON})(?=[也都，,。！!]|一起|过来|$)"
)
# "见了秘书长彭辉和教练组的小邹", "跟理事长 龙伯 聊了一下", "见了他们老板 Kevin 还有教练长 阿杰"
_MET = re.compile(
    r"(?:见了|见的是|还有|以及|约了|跟|和)\s*(?:他们|她们|对方)?\s*(?:的)?\s*"
    # ("见了俞厂长（俞长林）和销售内勤蒋丽")
    r"(?P<role>(?:[\u4e00-\u9fa5A-Za-z]{0,6}?(?:经理|[\u4e00-\u9fa5]长|主管|总监|主任|负责人|会计|出纳|内勤|文员|助理|专员|秘书|老板娘|老板)"
    r"|[\u4e00-\u9fa5A-Za-z]{1,6}?(?:部|组|队|科|室|那边|这边)的|(?:负责|管)[\u4e00-\u9fa5]{1,4}的|[\u4e00-\u9fa5]{2}的))?"
    r"(?:(?<=[长板理监管])[\s，,]+|\s*)"  # "见了他们老板，Kevin，还有…": a dictated pause after the role
    rf"(?P<name>(?:{SURNAMES})(?:总|经理|工|姐)(?=[和跟])|{_PERSON}|{_NICK}|(?:{SURNAMES})(?:总|经理|工|姐|伯|叔|婶|姨)"
    r"|(?<=[长板理监管\s，,])[A-Z][a-z]{1,12}(?![A-Za-z]))"
    r"(?=[，,。、\s（(]|$|也|在|聊|说|他们|她们|和|跟|还有|就是|那个|嗯|呃|接待)"
)
# "车总接待的", "冯总那边基本定了", "新来的运营，叫小骆": in a rep's report, the customer's people by how they act
_ACTS_IN_REPORT = re.compile(
    rf"(?<!我们)(?<!我司)(?<!咱们)(?P<name>(?:{SURNAMES})(?:总|经理))(?=接待|亲自|那边|说|觉得|比较|很|挺|对)"
    # "老板娘钱姐说他们…", "他们理事长龙伯觉得…": a role of theirs, then who it is, then what they said
    rf"|(?<!我们)(?<!我的)(?<!咱们)(?:老板娘|老板|[\u4e00-\u9fa5]{{1,3}}长|主任|总监|主管)"
    rf"(?P<role_name>(?:{SURNAMES})(?:总|经理|姐|哥|伯|叔|姨)|{_NICK}|{_PERSON})(?=说|觉得|讲|表示|提到|答应)"
    rf"|(?:新来的|一个)[\u4e00-\u9fa5]{{0,4}}[，,]?叫(?P<called>{_NICK}|{_PERSON})(?=[，,。\s]|$)"
)


def _met_title(role: str) -> str | None:
    """The job said before a person met ("物业经理", "客服主管"); a department alone ("商务部的") is none."""
    return (
        role
        if re.search(r"(?:经理|店长|园长|厂长|主管|总监|主任|负责人|会计|出纳|内勤|文员|助理|专员|秘书)$", role)
        and len(role) <= 8
        else None
    )


# "市场部的小林也在": a department's person present
_ALSO_THERE = re.compile(
    rf"(?P<role>[\u4e00-\u9fa5]{{1,5}}?(?:部|处|办|科|中心))的\s*(?P<name>{_NICK}|{_PERSON})(?=也在|在场|也来了|也参加)"
)
_OUR_COLLEAGUE_SHOWN = re.compile(
    rf"(?:这位是|这是|旁边是|旁边这位是)(?:我们的?)?[\u4e00-\u9fa5]{{0,4}}?(?:顾问|售前|实施|工程师|同事|技术支持)"
    rf"\s*({_PERSON})(?=[。，,！!；;]|$)"
)
_VENDOR_COLLEAGUE_SHOWN = re.compile(
    rf"(?:这位是|这是|旁边是|旁边这位是)我们的?(?:售前|实施顾问|实施工程师|技术支持|客户成功|解决方案)[\u4e00-\u9fa5]{{0,3}}?"
    rf"\s*({_PERSON})(?=[。，,！!；;]|$)"
    # ("今天我跟我们售前卜涛一起过来")
    rf"|我(?:跟|和)我们的?(?:售前|实施顾问|实施工程师|技术支持|客户成功|解决方案)[\u4e00-\u9fa5]{{0,3}}?\s*({_PERSON})"
    r"(?=一起|过来|来了)"
)
_INTRODUCED = re.compile(
    r"(?:这(?:个|位)?是|她是|他是|我是|(?:寄|发|交)给)(?:我们|咱们)?(?:这边)?的?"
    r"(?P<title>[\u4e00-\u9fa5]{0,4}?(?:经理|主管|总监|主任|店长|负责人|专员|助理|会计|出纳|督导|内勤|文员|秘书|工程师|设计师))"
    r"[，,\s]*"
    rf"(?P<name>{_PERSON}|{_NICK}|[A-Z][a-z]{{1,12}})(?=[。，,！!；;\s]|$)"
)
# what a vendor's rep says in a chat ("报价我整理好了", "按一万六出合同", "把6个账号开通好发给你") and what a buyer says
# ("合同抬头写…", "我们明天就签", "还是你们的顺手", "我跟我们馆长…说了")
# a provider of the customer's speaking: "负责他们金蝶云星空的实施", "他们的ERP是我们给做的"
_IMPLEMENTER = re.compile(
    r"负责(?:他们|贵司|贵方)[^，。；]{0,12}?的?(?:实施|运维|集成|二次开发|维护)|他们的[^，。；]{0,8}是我们(?:给|帮他们|替他们)?(?:做|维护|实施|开发|搭|管)的"
    # ("我是医云通的工程师，门诊部的HIS是我们做的")
    r"|的(?:HIS|ERP|OA|MES|WMS|LIS|PACS|系统|网站|软件)是我们(?:给|帮|替)?(?:他们|你们)?做的"
    # ("我是甬信软件的屠文斌，金蝶和MES都是我们公司给远航实施的", "HIS是我们公司做的")
    r"|(?:是|都是)我们公司(?:给|帮|替)?[^，。；]{0,6}?(?:实施|做|开发)的"
    # ("我们本地实施、上门培训一共八千，跟云帆的软件费分开签")
    r"|我们[^，。；]{0,4}实施[^。；]{0,16}(?:跟|和)[^，。]{0,6}的?软件费分开"
)
_VENDOR_TALK = re.compile(
    r"报价(?:我|已经|整理|做好|发)|给(?:您|你|你们)?(?:报个?价|出个?方案)|出合同|合同(?:我|已经)?(?:发|寄)给?(?:您|你)"
    r"|开通|(?:我们|我司)(?:的|家)(?:系统|产品|方案|软件)|演示|试用账号|标准价|(?:可以)?打[一二三四五六七八九]折"
    r"|(?:看|了解|聊)一下咱们|(?:跟|和)我们的?(?:售前|实施顾问|解决方案)"
    r"|(?:到|来)(?:你们|贵)(?:公司|厂|店|司|单位|这边)来?"  # "今天到你们公司来主要是看看…": the visitor
    # ("这个场景我们做过…我共享一下屏幕给两位看看", "标准版一个一年一千八": the presales colleague)
    r"|共享一下屏幕|(?:这个|这种)场景我们做过|(?:标准|专业|旗舰)版一个"
)
_BUYER_TALK = re.compile(
    r"合同抬头|我们(?:明天|下周|这周|月底)?就?(?:签|定)|你们(?:的|家)(?:系统|产品|方案|软件)?(?:更|还是|挺|比较|很)?(?:顺手|好用|好|便宜|贵)"
    # (not "今天我跟我们售前卜涛一起过来": the vendor's rep, with a presales colleague)
    r"|我(?:跟|和)我们(?!的?(?:售前|实施|技术支持|解决方案|顾问|工程师))|(?:我们|咱们)(?:老板|领导|[校馆院园厂店所场行局]长)"
)
# words whose last character is also a surname, so that "设计总监" or "公司总经理" reads like 计总监, 司总
_WORD_ENDS_IN_SURNAME = {
    *"设计 会计 统计 审计 公司 上司 总司 伙计 生计 主管 全程 工程".split(),
    *"跟单 下单 订单 菜单 账单 名单 清单 报单 接单 签单 派单 抢单 理单".split(),  # "跟单主管阮琳": no 单主管
    *"招商 电商 客商 厂商 供应商 经销商 代理商 服务商".split(),  # "每个招商经理一张表": no 商经理
}
# the customer naming a colleague by job and name: "我跟我们校长宁姗商量过了", "我们馆长窦远说了"
_OUR_TITLED = re.compile(
    r"(?:我们|咱们)(?:这边|公司|单位)?的?"
    # ("我们调度卢晓光每天要对好几遍库位")
    r"(?P<title>[\u4e00-\u9fa5]{0,4}?(?:[校馆院园厂店所场行局社]长|经理|主管|总监|主任|负责人|会计|出纳|财务|调度|内勤|文员))\s*"
    rf"(?P<name>{_PERSON})(?=[^\u4e00-\u9fa5]|$|说|讲|也|会|那边|他|她|商量|拍板|定|签|同意|觉得|在|来|负责|对接|看|每天|天天)"
)
# "阿杰是我们店长代表", "小宁是我们市场专员": a name, then what the person is at the customer
_IS_OUR = re.compile(
    rf"(?P<name>{_NICK}|{_PERSON})是(?:我们|咱们)(?:这边)?的?"
    r"(?P<title>[\u4e00-\u9fa5]{0,4}?(?:经理|主管|总监|主任|店长|负责人|专员|助理|会计|出纳|代表|督导|内勤|文员|秘书|工程师|设计师))"
    r"(?=[，,。！!；;\s]|$)"
)
# "旁边是我们大客户组的潘悦": the one talking introduces a colleague by team, without a job title
_INTRODUCED_BY_TEAM = re.compile(
    r"(?:旁边(?:这位)?是|这位是|这边是|今天还有|还有)(?:我们|咱们)[\u4e00-\u9fa5]{1,6}?(?:部|组|室|科|处|中心|团队)的\s*"
    rf"(?P<name>{_PERSON})(?=[。，,！!；;\s]|$)"
)
# "我们 IT 的 Tony 也在线上": a colleague by English name
_THEIR_ENGLISH = re.compile(
    rf"(?:我们|咱们)[^，。！？]{{0,8}}的\s*(?P<name>[A-Z][a-z]{{1,12}}(?=\s*(?:也|在|负责|，|,|。|$))"
    rf"|{_NICK}(?=也|负责|管|会))"  # "我们工程部的老彭也要看看"
)
_LEFT_COMPANY = re.compile(
    r"离职|辞职|辞了职|退休了|(?:已经|上个?月|上周|去年|年初|前段时间|刚|早|[一二三四五六七八九十\d]{1,2}月份?)(?:就|已经)?走了|"
    r"调走|调到(?:集团|总部|别的|其他)|"
    r"不在(?:公司|那边)了|不负责了|已经不在"
)
_SOFTWARE_WORDS = {
    "excel",
    "word",
    "ppt",
    "wps",
    "crm",
    "erp",
    "saas",
    "app",
    "oa",
    "ok",
    "hi",
    "hello",
    "ai",
    "api",
    "bi",
}
_SENT_TO = re.compile(rf"(?:发|寄|交|转)给\s*({_PERSON}|{_NICK})(?=[，,。！!\s]|$|吧|就|她|他|一份)")
_FORMER = re.compile(
    rf"(?:前任|原任)[\u4e00-\u9fa5A-Za-z]{{0,6}}?(?:经理|主管|总监|负责人|主任)?\s*((?:{SURNAMES})[\u4e00-\u9fa5]{{1,2}})"
    # "原来市场部经理蔡敏的手机里": a job held before names someone gone
    rf"|(?:原来的?|以前的?|之前的)[\u4e00-\u9fa5A-Za-z]{{0,6}}?(?:经理|主管|总监|负责人|主任)\s*"
    rf"((?:{SURNAMES})[\u4e00-\u9fa5]{{1,2}}?|[小老](?:{SURNAMES}))(?=(?:还?在)?的|走|[，,。\s]|$)"  # "柏涛在的时候"
    # "原来负责海外的卢经理，Leo，五月份已经离职了"
    # ("之前管客户的邵经理年后走了")
    rf"|(?:原来|以前|之前)(?:负责|管|对接|跟)[\u4e00-\u9fa5]{{1,8}}?的\s*((?:{SURNAMES})(?:经理|主管|总监|总|工))"
    r"(?=[，,。\s]|$|[^，。]{0,4}?(?:走了|离职|辞职|调走))"
    # "上个月走的那个销售经理贝蕾，手里二十多个企业客户全没了"
    rf"|(?:走了的|走的|离职的|辞职的)(?:那个|那位)?[\u4e00-\u9fa5]{{0,6}}?(?:经理|主管|总监|负责人|主任|销售|业务员)\s*"
    rf"((?:{SURNAMES})[\u4e00-\u9fa5]{{1,2}}?)(?=[，,。；;\s]|$)"
    # "原来的孙经理走了以后续费一直没人管": the one before, called by the job
    rf"|(?:原来的?|以前的?|之前的)((?:{SURNAMES})(?:经理|主管|总监|主任|总|工))(?=走了|离职|辞职|调走|不干了)"
)
_THIRD_PARTY = re.compile(
    r"集成商|渠道(?:伙伴|商)?|合作伙伴|伙伴|代理商|本地代理|代理公司|(?<=的)代理(?=是)|经销商|服务商|实施方|实施商|实施公司|ERP实施|IT外包|外包方|咨询公司|第三方|"
    r"母公司|集团总部|集团IT|集团信息中心|集团信息部|集团财务|集团法务|集团采购|系统集成|[\u4e00-\u9fa5]{2,4}集成(?=的|那边|公司)"
)
_REFERENCE = re.compile(
    r"案例|参考客户|样板客户|用(?:的)?(?:是)?我们|用(?:的)?(?:是)?你们|在用我们|(?:我们|你们|他们|人家)?给[^，。]{2,16}做过|做过类似|不在这次(?:的)?范围"
    r"|我们给[^，。]{2,16}(?:也是这么|也这么|就是这么)(?:做|上|弄|实施)的?"  # "我们给安康富硒米业也是这么做的"
)
# "控股集团下面的华东特钢": a named company under it; "我们汇通汽车 下面有七家四S店" is the buyer itself
_PARENT_AFTER = re.compile(
    r"^\s*(?:下面的|下面(?!有|还有|[一二三四五六七八九十几两\d]+家)|旗下的?|下属的?|的子公司|控股的|参股的|投资的|入股的)"
)
# the subsidiary named after its parent group: "我们是中冶华东控股集团有限公司下面的华东特钢"
_SUBSIDIARY = re.compile(
    r"(?:集团|控股)(?:有限公司|股份有限公司)?\s*(?:下面的|旗下的|下属的)\s*([\u4e00-\u9fa5]{2,10}?)(?=[，,。；;！!\s]|$|这次|自己)"
)
_SISTER_BEFORE = re.compile(
    r"(?:兄弟|姐妹|姊妹|关联|子|母)公司\s*[\u4e00-\u9fa5]{0,4}$|集团(?:的|下面的|里的|另一家)?\s*$"
)
_CLIENT_BEFORE = re.compile(
    # ("群公告：项目客户 寿光绿源…有限公司": the project's customer is ours)
    r"(?:(?<!项目)(?<!签约)客户|大客户|客户是|客户叫|服务的|供货给|卖给|下游|最大的|比如|经销商|委托人)\s*(?:叫|是|有)?\s*"
    r"(?:[\u4e00-\u9fa5]{0,3}?[那这一]家)?\s*$"  # "你们最大的客户是迪拜那家海纳百货吧？"
)
_INTRO_BEFORE = re.compile(
    r"(?:我是|我们是|我这边是|我们这边是|这边是|我叫|咱们|我们|咱|本人是|来自|公司叫|公司名叫|单位是|(?:^|[，,。！!\s])我"
    # "我是鲁国华，江苏鼎盛模架租赁有限公司的总经理", "我叫汤慧敏，是洁境保洁这边的运营经理"
    r"|(?:我是|我叫)[\u4e00-\u9fa5]{2,3}[，,]\s*(?:是)?)\s*$"
)
_OURS_THEN_NAME = re.compile(
    rf"^\s*[：:\-－—·|｜]?\s*(?:[\u4e00-\u9fa5]{{1,4}}(?:区|部|中心|组)\s*)?(?:销售|客户经理|售前|顾问)?\s*"
    rf"({_PERSON})(?![\u4e00-\u9fa5])"
)
_VISIT_BEFORE = re.compile(r"(?:去了趟|去了|拜访了?|到了|跟|和|与|是|给|见了|约了)\s*$")
_OUR_ROLE = re.compile(r"^(?:销售|售前|我方|客户经理|顾问|乙方|实施|交付|解决方案|我$)")  # "我：" in a pasted chat
_THEIR_ROLE = re.compile(r"^(?:客户方?|甲方|对方)")
_ROLE_PREFIX = re.compile(
    r"^(?:客户方?|销售|售前|我方|甲方|乙方|对方|顾问|客户经理|实施|交付)\s*[-－—·\s]?\s*|（[^）]*）|\([^)]*\)"
)
_QA_LABEL = re.compile(r"\s*[QqAa问答]\s*[（(]([^）)]{2,20})[）)]\s*")
_PARTICIPANTS = re.compile(
    r"参会|与会|出席|参加(?:人员?)?[:：]|群成员|我方|客户方?[:：]|对方[:：]|甲方[:：]|乙方[:：]|记录人"
)


# a chat nickname's prefix that names a job, not a company: "运输-曲师傅", "物流-小马"
_HAULAGE_LABEL = re.compile(r"运输|物流|货运|车队|司机|快递|拖车|搬运|送货|配送")


def label_company(label: str) -> str | None:
    """The company a speaker label names: "阿珍（茶小满 店务总监）" → 茶小满, "蓝鲸物流-孙敏" → 蓝鲸物流."""
    asked = _QA_LABEL.fullmatch(label)
    label = asked.group(1) if asked else label  # "A（恒远-张总）": the one answering, in brackets
    bracket = re.search(r"[（(]([^）)]{2,24})[）)]", label)
    if (
        bracket
        and re.search(
            r"(?:经理|主管|总监|主任|负责人|[\u4e00-\u9fa5]长|老板娘?|助理|专员|师傅|会计|出纳|中心|[部组科室处])$",
            bracket.group(1),
        )
        and " " not in bracket.group(1)
    ):
        # "麦霸-阿杰(前厅经理)": the brackets hold the job; the company is before the dash
        label = label[: bracket.start()] + label[bracket.end() :]
        bracket = None
    if bracket:
        words = [w for w in re.split(r"[\s·、/|｜]+", bracket.group(1)) if w]
        if not words:
            return None
        head = re.sub(rf"(?:{_TITLE_ALT}|总监|经理|主管|主任|负责人|老板|店长|园长|院长|校长)$", "", words[0])
        if len(head) < 2 or re.fullmatch(
            rf"(?:{_TITLE_ALT})|[\u4e00-\u9fa5]{{1,4}}部|语音.*|\d.*|[A-Za-z]{{1,4}}|[A-Z][a-z]{{1,12}}"
            r"|(?:信息|技术|采购|财务|销售|市场|运营|人事|行政|法务|客服|研发|生产|质量|物流|仓储|客户|甲方|乙方|我方)部?",
            head,
        ):
            return None
        if _looks_like_person(head) or re.fullmatch(_NICK, head) or re.match(r"客户|甲方|乙方|我方|对方", head):
            return None  # "甲方（吴俊）", "甲方（付总）": a person of that side
        return head
    parts = re.split(r"\s*[-－—·]\s*", _ROLE_PREFIX.sub("", label).strip(), maxsplit=1)
    if len(parts) != 2 or _SPEAKER_ROLE.match(label):
        return None
    person = _person_of(label)
    company = parts[1] if person and person in parts[0] else parts[0]
    # "苗素琴-净安-运营经理": the person, the company, then the job
    company = re.split(r"\s*[-－—·]\s*", company, maxsplit=1)[0] if re.search(r"[-－—·]", company) else company
    company = re.sub(rf"(?:{_TITLE_ALT}|总监|经理|主管|主任|负责人|老板|店长)$", "", company)
    company = re.sub(r"(?:财务|采购|行政|人事|技术|信息|IT|运营|市场|客服)部?$", "", company)  # "逸居财务"
    if (
        len(company) < 2
        or company == person
        or re.fullmatch(r"[小老阿].", company)
        or _HONORIFIC.fullmatch(company)
        or _HAULAGE_LABEL.fullmatch(company)
    ):
        return None
    return company


def _person_of(label: str) -> str:
    """ "销售-王磊" → 王磊, "客户 周总" → 周总, "李总（华东机械）" → 李总, "蓝鲸-孙敏" → 孙敏."""
    asked = _QA_LABEL.fullmatch(label)
    if asked:  # "A（恒远-张总）": a Q&A record names who asks and who answers in brackets
        label = asked.group(1)
    numbered = re.fullmatch(r"(?:说话人|发言人|讲话人|[Ss]peaker)\s*\d{1,2}\s*[（(]([^）)]{2,8})[）)]", label)
    if numbered:  # "说话人2（覃老板）": a minutes export numbers the speaker and names him in brackets
        return numbered.group(1)
    person = _ROLE_PREFIX.sub("", label).strip()
    person = re.sub(r"^[A-Z][a-z]{1,12}(?=(?:" + SURNAMES + r")[\u4e00-\u9fa5])", "", person)  # "Amy周雨桐-逸居"
    if not re.search(r"[-－—·]", person):
        return person
    head, tail = re.split(r"\s*[-－—·]\s*", person, maxsplit=1)
    if re.fullmatch(rf"{_NICK}|[A-Z][A-Za-z]{{1,12}}", head) and not re.fullmatch(_NICK, tail):
        return head  # "老孟-毛孩子", "Luna-毛孩子市场总监": a nickname or an English name, then the company
    if _PERSON_RE.match(head) and not _PERSON_RE.match(tail) and not re.fullmatch(_HONORIFIC.pattern, tail):
        return head  # "陈志远-逸居财务", "罗晴-云帆": the person, then the company
    return re.sub(r"^[^-－—·]{1,8}[-－—·]\s*", "", person)


_NOT_A_NAME = set(
    "项目 方案 高层 明天 明年 全部 全员 金额 安排 成本 管理 向前 温度 江湖 周期 周末 周边 时间 时候 程序 程度 章程 包括 单独 "
    "包装 关于 关键 关系 文档 文件 田间 石油 万一 于是 常规 常用 和解 向上 易用 车间 毛利 齐全 顾问 "
    "方式 方面 方法 方向 明白 明确 商量 商务 了解 方便 高兴 司机 应该 任何 程序 林业 金融 金牌 安全 毕竟 成功 成交 成熟 路上 路线 "
    "高峰 高校 麻烦 对接 施工 包括 万元 谢谢 文字 文件 声道 "
    "原来 原因 原价 原先 原本 原有 原则 原始 原厂 原装 原定 原计 原样 原地 原话 原版 原件 原单 原数 原址 原稿 原状 原材 "
    "计划 计算 计费 计入 计件 计时 计价 计量 计提 计数 计较 丘陵 屠宰 巢湖 鞠躬 匡算 揭开 揭晓 茹素 "
    "储值 储备 储存 储蓄 储能 储物 封顶 封装 封闭 封面 封箱 封存 封号 封测 厉害 贡献 钮扣 鄂尔 鄂州 伏天 伏特 糜烂 "
    "时长 时间 车队 车主 车辆 车载 车型 车位 贝壳 贝类 韩国 英国 法国 越南 印度 马来 缅甸 柬埔 全称 简称 商超 商户 商家 商品 商场 商城 商会 商标 商铺 商圈".split()  # ("主要是日本和韩国": countries)
)
# words that read like a surname and a given name: weekdays (周五), figures (万五, 万不行), greetings (黎总好)
_NAME_LOOKALIKE = re.compile(
    r"^周[一二三四五六日天末报期边]|^周会$|^万[零一二两三四五六七八九十百千不多可行以]|[你您]|好$|[州市省县]$|[零一二两三四五六七八九十]个$"
    # "公司座机：0530-…" is no 司座机, and "范围：20:00 — 23:59" (a chat export's time range) no 范围
    r"|(?:座机|电话|手机|号码|邮箱|传真)$|^范围$"
    # ("预算就六万左右", "郝副总管销售的时候": a figure and a job, no 万左右 or 管销售)
    r"|^万(?:左右|上下|出头|块)|^管(?:销售|财务|技术|系统|仓库|采购|生产|客服|运营|市场|人事|行政|账)"
    r"|^[\u4e00-\u9fa5]{2}[店厂区部园馆司]$|[吧吗呢啊嘛]$"  # "吴中店开业推迟": a store, not 吴中店; "五六万吧"
    # ("泥鳅苗和成鳅": stock and produce, characters no given name holds)
    r"|^.[\u4e00-\u9fa5]?[鳅鳝虾蟹猪鸭鹅狗蛙螺蚌鲫鲤鲢鳙蚓菇笋粪渣屑桶罐箱袋]$"
)


def _looks_like_person(name: str) -> bool:
    if name in _NOT_A_NAME or name[:2] in _NOT_A_NAME or name[1:] in _NOT_A_NAME or _NAME_LOOKALIKE.search(name):
        return False
    return bool(_PERSON_RE.match(name) or re.fullmatch(_HONORIFIC.pattern, name))


@dataclass
class Sides:
    """Who is who: our staff, the customer's people, and people of third companies or who left."""

    ours: list[str] = field(default_factory=list)  # our people, in order of appearance
    theirs: set[str] = field(default_factory=set)
    third: set[str] = field(default_factory=set)
    left: set[str] = field(default_factory=set)
    colleagues: set[str] = field(default_factory=set)  # ours, named but not in the meeting ("我的经理韩冬")
    # a participant listed with a company of their own ("苟明（速通科技）"): the contacts keep only the customer's
    firms: dict[str, str] = field(default_factory=dict)
    speaker: dict[str, bool | None] = field(default_factory=dict)  # label -> True (us) / False (customer)
    speaker_name: dict[str, str] = field(default_factory=dict)  # label -> the person's name

    def side(self, label: str) -> bool | None:
        return self.speaker.get(label) if label else None

    def excluded(self, name: str) -> bool:
        def hit(pool) -> bool:
            return any(name == n or (len(n) >= 2 and len(name) >= 2 and (name in n or n in name)) for n in pool if n)

        if hit(self.ours) or hit(self.third) or hit(self.left) or hit(self.colleagues):
            return True
        # "龙总" after the parent group's 龙飞: the same person by surname, if no customer shares it; and
        # "韩涛" speaking after "长春数联的韩工…是帮我们做用友U8的集成商"
        if _PERSON_RE.match(name) and surname_of(name) is None:
            return any(surname_of(n) == name[0] for n in self.third) and not any(
                n.startswith(name[0]) for n in self.theirs if n != name
            )
        surname = surname_of(name)
        # ("之前对接的桑经理…" – "小桑上个月走了": one person by surname, if no customer shares it)
        return bool(
            surname
            and (
                # ("蔡工" after the provider's "小蔡")
                any(n.startswith(surname) or surname_of(n) == surname for n in self.third)
                or any(surname_of(n) == surname or (len(n) >= 2 and n[0] == surname) for n in self.left)
            )
            and not any(n.startswith(surname) for n in self.theirs - self.third if n != name)
        )

    def add_ours(self, name: str) -> None:
        if name and name not in self.ours:
            self.ours.append(name)


def surname_of(name: str) -> str | None:
    """The surname in "老黄", "小戴", "孔经理", "黄姐"; None for a full name or anything else."""
    m = (
        re.fullmatch(rf"[小老]({SURNAMES})", name)
        or re.fullmatch(rf"({SURNAMES})(?:姐|哥|小姐|女士|先生)", name)
        or re.fullmatch(_HONORIFIC.pattern, name)
    )
    return m.group(1) if m else None


def _names_in(segment: str) -> list[str]:
    out = []
    # "上海博川信息技术有限公司（集成商）吴工": the person follows the company's bracketed role
    # "华信集成（马工，实施方）": names inside the brackets too, where a comma may separate name and role
    # "华纶——张永年、邵红": a company, a dash, its people
    # ("云帆科技：段晓（客户经理）": an indented list line keyed by its company)
    tokens = [
        t for t in re.split(r"[、，,\s（）()：:]+|——|—|－|(?<=[\u4e00-\u9fa5])-(?=[\u4e00-\u9fa5])", segment) if t
    ]
    outside = [t for t in re.split(r"[、，,\s]+|——|—|－", re.sub(r"（[^）]*）|\([^)]*\)", " ", segment)) if t]
    company = outside[0] if len(outside) > 1 and re.match(_TITLE_ALT, outside[1]) else None
    for token in tokens:
        if token == company:
            continue  # "安和 采购经理 冯雪": the company's short name, then people
        token = re.sub(r"（[^）]*）|\([^)]*\)", "", token).strip()
        # ("贵司黄国栋总经理、莫雅琴经理；我方朱嘉禾、售前工程师邓可欣；博远软件覃工（渠道伙伴）": whose, the
        # job, or the company glued to the name)
        token = re.sub(r"^(?:贵司|贵公司|我方|我司|客户方|对方|甲方|乙方)", "", token)
        token = re.sub(
            r"^(?:(?:售前|售后|实施|交付)(?:工程师|顾问)?|技术(?:工程师|顾问)|客户经理)(?=[\u4e00-\u9fa5]{2,3}$)",
            "",
            token,
        )
        token = re.sub(
            rf"^[\u4e00-\u9fa5]{{2,6}}(?:软件|科技|信息|网络|系统|集成|数据|咨询|数智)(?=(?:{SURNAMES})[工总]$)",
            "",
            token,
        )
        token = re.sub(rf"^(?:{_TITLE_ALT})", "", token)
        token = re.sub(r"^[\u4e00-\u9fa5]{1,4}部(?=[\u4e00-\u9fa5]{2,3}$)", "", token)  # "技术部俞工"
        if len(token) >= 4:  # "高明主任", "项伟总经理" in a participant list
            token = re.sub(r"(?:副?总经理|主任|经理|总监|主管|老师)$", "", token)
        if _looks_like_person(token) or re.fullmatch(_HONORIFIC.pattern, token):
            out.append(token)
    return out


_LIST_ROLES = r"销售|售前|售后|客户|我方|对方|甲方|乙方|技术|财务|采购|老板|IT|实施|顾问|市场|运营|记录|主持|列席"


def _dash_members(body: str) -> dict[str, str]:
    """A member list's "华拓-祁磊", "云帆-实施-小潘": each person with the company before the dash."""
    return {
        m.group(2): m.group(1)
        for m in re.finditer(
            rf"(?:^|[、，,；;：:\s])([\u4e00-\u9fa5A-Za-z]{{2,8}})(?:[-－—·][\u4e00-\u9fa5]{{2,4}})?[-－—·]"
            rf"({_PERSON}|{_NICK})(?=[、，,；;\s]|$)",
            body,
        )
        # ("华拓-祁磊": the part before the dash is the company even when it reads like a name)
        if not re.match(rf"(?:{_TITLE_ALT}|{_LIST_ROLES})", m.group(1))
    }


def _company_groups(segment: str) -> list[str]:
    """ "译通达（夏总、吕晶）、云帆（龚雪）": each company with its people, apart. A list of people with their
    roles ("王芳（采购）、张伟（IT）") stays one segment."""
    items = re.split(r"\s*[、，,]\s*", segment)
    # "牛一鸣-脆堡运营总监、晏可-云帆科技、蔡立群-浙中数科": each person with the company after the dash
    tails = [
        re.match(rf"^\s*(?:{_PERSON}|{_NICK})[-－—·]\s*([\u4e00-\u9fa5A-Za-z]{{2,16}})\s*$", item) for item in items
    ]
    if sum(1 for t in tails if t) >= 2 and len({t.group(1)[:2] for t in tails if t}) >= 2:
        return items
    # "卢志强、孔丽、云番科技-蔡明、云番科技-谢婷", "贝齿 林雪（院长）、云帆 韩冬、赵一鸣": a company before a
    # person starts that company's people; the names before any company are the hosts' ("销售 罗一鸣" and
    # "大区经理 罗斌" are roles, not companies)
    hosts: list[str] = []
    companies: list[list[str]] = []
    for item in items:
        # ("武汉青墨艺术培训学校有限公司-汤启明（校长）": a legal name before the dash is as long as it is)
        m = re.match(r"^\s*([\u4e00-\u9fa5A-Za-z]{2,12})(?:[-－—·]|\s+)\s*[\u4e00-\u9fa5A-Za-z]", item) or re.match(
            r"^\s*([\u4e00-\u9fa5A-Za-z（）()]{4,30}(?:有限公司|有限责任公司|集团|学校|医院|合作社))[-－—·\s]", item
        )
        if (
            m
            and not re.match(rf"(?:{_TITLE_ALT}|{_LIST_ROLES})", m.group(1))
            and not re.search(r"[部处组]$|经理$|总监$|主管$|专员$|主任$|工程师$|顾问$|总$", m.group(1))
            and not _looks_like_person(m.group(1))
        ):
            companies.append([item])
        elif companies:
            companies[-1].append(item)
        else:
            hosts.append(item)
    if companies and (hosts or len(companies) >= 2):
        return (["、".join(hosts)] if hosts else []) + ["、".join(c) for c in companies]
    parts = re.split(r"(?<=[）)])\s*[、，,]\s*", segment)
    if len(parts) < 2:
        return [segment]
    heads = [re.match(r"^\s*([^（(]{2,20})[（(]", p) for p in parts]
    if all(h and not _looks_like_person(h.group(1).strip()) for h in heads):
        return parts
    return [segment]


def _self_intro_name(text: str, after: int) -> str | None:
    """The name in "我是云帆科技的王磊" / "我是云番科技的小刘，刘洋" after our company's name."""
    rest = text[after : after + 16]
    m = re.match(
        rf"^(?:的|这边的?)?(?:[\u4e00-\u9fa5]{{0,4}}(?:经理|顾问|销售))?({_PERSON}|[小老](?:{SURNAMES}))", rest
    )
    if not m:
        return None
    name = m.group(1)
    full = re.match(
        rf"^[，,]?\s*((?:{SURNAMES})[\u4e00-\u9fa5]{{1,2}}?)(?=[啊呀吧呢嘛]?(?:[。，,！!]|$))", rest[m.end() :]
    )
    if name[0] in "小老" and full:
        return full.group(1)
    return name[:3] if len(name) <= 3 else name[:2]


_OUR_ROLE_SUFFIX = r"(?:售前|销售|实施|交付|客服|技术|顾问|客户经理)$"
_BARE_PARTICIPANTS_KEY = re.compile(r"^\s*(?:参会人员?|与会人员?|参与人|出席人?|参会方|参加人员?)\s*[：:]\s*$")


def _participant_lines(lines: list[str]) -> list[str]:
    """ "参会人：" alone, then one indented or bulleted line per company ("  云帆科技：孟繁宇（大客户经理）、蒋蓉"):
    each of those lines read as a participants line of its own."""
    out = []
    key = ""
    for line in lines:
        if _BARE_PARTICIPANTS_KEY.match(line):
            key = line.strip()
            out.append(line)
        elif key and (item := re.match(r"^(?:[ \t\u3000]+|\s*[-•*·]\s+)(\S.*)", line)):
            out.append(key + item.group(1).strip())  # ("- 云帆科技：钟磊（大客户经理）": a bullet per company too)
        else:
            key = ""
            out.append(line)
    return out


def _with_neighbour(sentences: list[Sentence], s: Sentence, step: int) -> list[Sentence]:
    """The sentence with the one before (step -1) or after (step 1), when the same speaker says both."""
    at = sentences.index(s)
    other = at + step
    if 0 <= other < len(sentences) and sentences[other].speaker == s.speaker:
        return sorted((s, sentences[other]), key=lambda x: x.start)
    return [s]


def _note_member_firms(sides: Sides, tagged: list[tuple[str, str]], heading: str, org: OrgProfile) -> None:
    """Members tagged with a company of their own ("苟明（速通科技）"): kept in `sides.firms` for the contacts to
    tell the customer's people from a third company's once the account is known."""
    for name, tag in tagged:
        firm = label_company(f"{name}（{tag}）")
        # ("孟师傅（车队）": a trade word alone is a job, not a company)
        trade = re.search(rf"(?:{TRADE_WORDS})+$", firm or "")
        if not firm or not trade or trade.start() < 2 or org.find_ours(firm) or org.is_ours(firm):
            continue
        # ("群「云帆 × 易租 CRM 项目群」" over "任海燕（深圳易租科技有限公司 运营总监）、蒲建（易租 销售主管）": the
        # company the heading names, or that another member also carries, is the customer's)
        core = core_name(firm)[:2]
        if core not in heading and not any(core in t for n, t in tagged if n != name):
            sides.firms.setdefault(name, firm)


def find_sides(sentences: list[Sentence], org: OrgProfile, staff: Iterable[str], text: str = "") -> Sides:
    sides = Sides()
    staff = {n for n in staff if n}
    # the header's participant lists: "我方 张伟（销售）；客户 李总、王芳（采购）；渠道伙伴 易达 何伟"
    talking = Counter(m.group(1).strip() for line in text.splitlines() if (m := _LABEL.match(line)))
    for line in _participant_lines(text.splitlines()):
        spoken = _LABEL.match(line)
        if spoken and talking[spoken.group(1).strip()] >= 3 and re.search(r"[。？！?!]|喂|您", line):
            continue  # "乙方：喂，贺总，我云帆的小董…": someone talking, not a list of who came
        third_key = re.match(rf"^\s*[^：:，,。]{{0,6}}(?:{_THIRD_PARTY.pattern})[^：:，,。]{{0,4}}[：:]", line)
        if third_key:  # "实施伙伴：温州联创信息技术有限公司（方工）": a header line for a third company
            sides.third.update(_names_in(line[third_key.end() :]))
            continue
        if not _PARTICIPANTS.search(line) or re.match(r"^\s*(?:销售|售前|客户)[-－—·\s]", line):
            continue
        writer = re.search(rf"记录人?\s*[：:]\s*({_PERSON})", line)
        if writer:
            sides.add_ours(writer.group(1)[:3])
            continue
        # "飞书会议转写 2026-11-06 10:00 参会：译通达（夏总、吕晶）、云帆（龚雪）": the list after its key
        listed = re.search(r"(?:参会人?|与会|出席|参加|群成员)[^：:\s]{0,4}[：:]", line)
        key = re.match(rf"^.{{0,{listed.end()}}}", line) if listed else re.match(r"^[^：:]{0,8}[：:]", line)
        body = line[key.end() :] if key else line
        # "群成员(5)：云帆-罗琦、云帆-谢楠、金穗-葛长顺(理事长)、金穗-小房(会计)、安达冷链-吴师傅": each member behind
        # their company; ours, the customer's (the company most of the others belong to) and a third's
        # ("康邻-采购经理-侯敏", "福运-店长小侯": the job between the company and the name)
        dashed = re.findall(
            rf"(?<![\u4e00-\u9fa5A-Za-z\-－—·])([\u4e00-\u9fa5A-Za-z]{{2,10}})(?:[-－—·][\u4e00-\u9fa5]{{2,6}})?[-－—·]"
            rf"(?:{_TITLE_ALT}|店长|店员|会计|出纳)?({_PERSON}|{_NICK}|[\u4e00-\u9fa5]{{1,2}}(?:师傅|工|总|经理|姐|哥))(?:[（(][^）)]{{1,10}}[）)])?(?=[、，,；;\s]|$)",
            body,
        )
        dashed_ours = [n for c, n in dashed if org.find_ours(c) or org.is_ours(c)]
        hosts = Counter(c for c, n in dashed if n not in dashed_ours).most_common()
        if (
            len(dashed) >= 3
            and dashed_ours
            and hosts
            and (len(hosts) == 1 or hosts[0][1] > hosts[1][1])  # one company most of the others belong to
            and len(dashed) == len([x for x in re.split(r"[、，,；;]", body.strip()) if x.strip()])  # all tagged so
        ):
            host = hosts[0][0]
            for company, name in dashed:
                if name in dashed_ours:
                    sides.add_ours(name)
                elif company == host:
                    sides.theirs.add(name)
                else:
                    sides.third.add(name)
            continue
        # "李文博（云帆科技）、梁蕾（小橡树教育 招生总监）、郝工（启明教育集团）": each person with their own company
        tagged = re.findall(rf"({_PERSON}|{_NICK}|[A-Z][a-z]{{1,12}})\s*[（(]([^）)]{{2,24}})[）)]", body)
        _note_member_firms(sides, tagged, text[: text.find(line)], org)
        ours_tagged = [
            name
            for name, company in tagged
            if org.find_ours(company) or org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", company.split()[0]))
        ]
        if (
            len(tagged) >= 2
            and ours_tagged
            and len(ours_tagged) < len(tagged)
            and not re.search(r"我方|我司|乙方|厂商|客户方?[:：]|甲方", body)
            and not all(label_company(f"{name}（{company}）") for name, company in tagged)
        ):
            # "韩冰（云帆科技）、马永福（理事长）、米小燕（会计）、马骏": our people carry our company; the others
            # carry their jobs and are the hosts, and so is a name with nothing beside it. Where the hosts carry
            # their company ("朱宁（影海·运营总监）、祁悦（影海·会员中心经理）、单志刚（辰星票务）"), one of another
            # company is a third party's
            companies = Counter(
                re.split(r"[·\-－—\s]", c)[0] for n, c in tagged if n not in ours_tagged and re.search(r"[·\-－—\s]", c)
            )
            host = companies.most_common(1)[0][0] if companies and companies.most_common(1)[0][1] >= 2 else None
            for name in _names_in(body):
                if name in ours_tagged:
                    sides.add_ours(name)
                elif host and any(
                    name == n and not c.startswith(host) and label_company(f"{n}（{c}）") for n, c in tagged
                ):
                    sides.third.add(name)
                elif not any(
                    name == n and (_THIRD_PARTY.search(c) or re.search(r"集成|实施|代理|外包|集团|控股", c))
                    for n, c in tagged
                ):
                    sides.theirs.add(name)
                else:
                    sides.third.add(name)
            continue
        if len(tagged) >= 2 and all(
            not re.search(r"[、，,]", company) and label_company(f"{name}（{company}）") for name, company in tagged
        ):  # (not "张伟（销售）、刘工（售前）": roles in the brackets, read below by the list's key)
            for name, company in tagged:
                if org.find_ours(company) or org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", company.split()[0])):
                    sides.add_ours(name)
                elif _THIRD_PARTY.search(company) or re.search(r"集成|实施|代理|外包|集团|控股", company):
                    sides.third.add(name)
                else:
                    sides.theirs.add(name)
            continue
        segments = re.split(r"[；;。]|(?=我方)|(?=客户方)|(?=[甲乙]方[:：])", body)
        slashed = [item.strip() for item in re.split(r"\s+[/／|｜]\s+", body)]  # (also "云帆-夏楠 | 清泉源-罗静")
        listed = [item.strip() for item in re.split(r"[、，,]", body)]
        if (
            len(slashed) < 3
            and len(listed) >= 3
            and sum(bool(re.match(r"[\u4e00-\u9fa5A-Za-z]{2,8}[-－—·]", item)) for item in listed) >= 2
            and all(re.search(r"[（(\-－—·]", item) for item in listed)
            and any(re.fullmatch(rf"{_PERSON}\s*[（(][^）)]{{1,8}}[）)]", item) for item in listed)
        ):
            # "云帆-邱宁、云帆-严松、罗德明（理事长）、合作社-小马、川信科技-苟勇": each member with a company or a job
            slashed = listed
        if len(slashed) >= 3 and sum(bool(re.search(r"[（(\-－—·]", item)) for item in slashed) >= len(slashed) - 1:
            # "戴明远(云帆科技) / 钟毅-粤联软件 / 苗素琴-净安-运营经理 / 施玲-净安-财务主管": each member with a company
            # of their own; the company two of them share is the customer's, any other that is not ours a third's
            members = [(_person_of(item), label_company(item) or "") for item in slashed]
            shared = Counter(c for _n, c in members if c and not org.find_ours(c) and not org.is_ours(c))
            host = next((c for c, k in shared.most_common(1) if k >= 2), None)
            title_line = text.lstrip().split("\n", 1)[0]
            named_in_title = [c for c in shared if c in title_line]
            host = host or (named_in_title[0] if len(named_in_title) == 1 else None)
            for name, company in members:
                if not name or not _looks_like_person(name) and not re.fullmatch(_NICK, name):
                    continue
                if company and (org.find_ours(company) or org.is_ours(company)):
                    sides.add_ours(name)
                elif host and company and company != host:
                    sides.third.add(name)
                else:
                    sides.theirs.add(name)
            continue
        customer_listed = False
        for index, segment in enumerate(part for segment in segments for part in _company_groups(segment)):
            names = _names_in(segment)
            if not names:
                continue
            if index == 0 and key and re.search(r"我方|我司|乙方|厂商", key.group(0)):
                segment = key.group(0) + segment  # "我方：杜明（客户经理）、钱峰": the line's key says whose
            # "云帆参会：销售 罗一鸣、…": a key that starts with one of our names (a short alias included)
            ours_key = index == 0 and key and any(key.group(0).strip().startswith(n) for n in org.names if n)
            # "鲍建华、白雪、汤一鸣（云帆）、陶宇（通达软件）": each tagged one by the tag, the untagged the hosts'
            tags = dict(re.findall(rf"({_PERSON}|{_NICK})\s*[（(]([^）)]{{1,16}})[）)]", segment))
            if (
                not ours_key
                and len(names) >= 3
                and any(org.find_ours(t) or org.is_ours(t) for t in tags.values())
                and any(n not in tags for n in names)
                and not re.search(r"我方|我司|乙方|厂商", segment)
            ):
                for n in names:
                    tag = tags.get(n)
                    if tag and (org.find_ours(tag) or org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", tag))):
                        sides.add_ours(n)
                    elif tag and label_company(f"{n}（{tag}）") and not _HAULAGE_LABEL.search(tag):
                        sides.third.add(n)
                    else:
                        sides.theirs.add(n)
                continue
            if (
                ours_key
                or re.search(r"我方|我司|乙方|厂商", segment)
                or org.find_ours(segment)
                or any(segment.strip().startswith(n) for n in org.names if len(n) >= 2)  # "云帆 周航"
                or any(n in staff for n in names)
            ):
                for n in names:
                    sides.add_ours(n)
            elif re.match(r"\s*(?:贵司|贵公司)", segment):
                sides.theirs.update(names)  # "贵司施国栋（采购总监）、项敏（渠道销售经理）": 渠道 is her job here
            elif bracketed := [
                m.group(1)
                for m in re.finditer(
                    rf"({_PERSON})\s*[（(][^）)]{{0,10}}?集团[^）)]{{0,10}}?(?:信息中心|信息部|IT部?)", segment
                )
            ]:
                # "骆志明（营销中心总经理）、廖珊（销售运营）、石文斌（集团信息中心主任）": only the group's man
                sides.third.update(bracketed)
                sides.theirs.update(n for n in names if n not in bracketed)
            elif (
                _THIRD_PARTY.search(segment)
                or re.search(r"集团[^，、]{0,10}(?:信息中心|信息部|IT部|总部|这边)", segment)
                # "参会：宁扬树脂（施海涛）；数智云链信息技术有限公司（郁工）；云帆科技（陈思远）": a second
                # company that is not us is a partner
                or (
                    customer_listed
                    and (
                        _COMPANY_GROUP.match(segment.strip())
                        or re.match(
                            r"^\s*[\u4e00-\u9fa5A-Za-z]{2,10}(?:信息|科技|软件|网络|集成|咨询|系统|公司|数据|智能|技术|实业|物流)"
                            rf"\s+(?:{_PERSON}|(?:{SURNAMES})[工总])",
                            segment,
                        )
                    )
                )
            ):
                sides.third.update(names)
            else:
                sides.theirs.update(names)
                # ("廊坊恒暖新型保温材料有限公司 邢建华（销售副总）、常丽…；博远信息 骆工": a company, then its people)
                customer_listed = customer_listed or bool(
                    _COMPANY_GROUP.match(segment.strip())
                    or re.match(r"^\s*[\u4e00-\u9fa5A-Za-z（）()]{4,30}\s+\S", segment)
                )
    hosted: set[str] = set()  # the customer's people by a member list's company, whatever their jobs say
    for line in _participant_lines(text.splitlines()):
        # a list whose hosts carry their company: "单立新(恒固-销售副总)、龚佳(恒固-内勤主管)、华拓-祁磊、云帆-柯宇",
        # "白露（西安拾光文化创意有限公司 渠道经理）、贾成（西安拾光文化创意有限公司 总经理）、祁远（墨点设计工作室
        # 设计总监）": the company two of them share is the customer, whatever their jobs say; a member of any other
        # company that is not ours is a third party's
        # "牛一鸣-脆堡运营总监、计佳-脆堡督导主管、晏可-云帆科技、蔡立群-浙中数科": the person, then the company
        person_first = [
            (n, c)
            for n, c in re.findall(
                rf"(?:^|[、，,；;：:\s])({_PERSON}|{_NICK})[-－—·]([\u4e00-\u9fa5A-Za-z]{{2,16}})(?=[、，,；;\s(（]|$)",
                line,
            )
            if not (_looks_like_person(c) or re.fullmatch(_NICK, c))  # ("麦香园-孙海燕": the company first)
        ]

        def ours_tag(tag: str) -> bool:  # "云帆科技", "云帆实施"
            return bool(org.is_ours(tag) or org.find_ours(tag) or org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", tag)))

        foreign = [
            (n, c)
            for n, c in person_first
            # ("邬晓芸-采购主管", "许婧-教务主管": a job, not a company; "牛一鸣-脆堡运营总监" is both)
            if not (
                ours_tag(c)
                or re.match(rf"(?:{_TITLE_ALT}|{_LIST_ROLES}|{_FUNCTION_WORDS})", c)
                or (
                    re.fullmatch(
                        r"[\u4e00-\u9fa5]{0,3}(?:主管|经理|总监|主任|负责人|专员|助理|老师|[校院店厂]长|老板|总)", c
                    )
                    # ("温少杰-印捷总经理" beside "陈琳-印捷客服主管": a company, then the job)
                    and not re.fullmatch(r"[\u4e00-\u9fa5]{2}(?:总经理|副总|总监)", c)
                )
            )
        ]
        brands = Counter(c[:2] for _n, c in foreign)
        brand = next((c for c, k in brands.most_common(1) if k >= 2), None)
        members = re.split(r"[、，,；;]", line)
        if brand is None and len(foreign) == 1 and len(members) >= 4:
            # "朱琳-云帆科技、金海波、邬晓芸-采购主管、小陆(跟单)、任磊-速达软件": the one member of another company
            # among the customer's untagged people is a third party's
            sides.third.add(foreign[0][0])
            sides.theirs.discard(foreign[0][0])
        for name, company in person_first if brand else ():
            if ours_tag(company):
                sides.add_ours(name)
            elif company.startswith(brand):
                sides.theirs.add(name)
                hosted.add(name)
            else:
                sides.third.add(name)
                sides.theirs.discard(name)
        tagged = re.findall(rf"({_PERSON}|{_NICK}|[A-Z][a-z]{{1,12}})\s*[（(]([^）)]{{2,24}})[）)]", line)
        firsts = Counter(
            first
            for _n, c in tagged
            if (first := re.split(r"[·\-－—\s]", c.strip())[0])
            and not (org.is_ours(first) or org.find_ours(first))
            and not re.match(rf"(?:{_TITLE_ALT}|{_LIST_ROLES})", first)
        )
        # ("冯校长（越韵）、俞红（越韵·教务主管）": the company alone counts once another tag shows it with a job)
        shown = {re.split(r"[·\-－—\s]", c.strip())[0] for _n, c in tagged if re.search(r"[·\-－—\s]", c.strip())}
        host = next((c for c, k in firsts.most_common() if k >= 2 and c in shown), None)
        if host is None:
            continue
        for name, company in tagged:
            if re.split(r"[·\-－—\s]", company.strip())[0] == host:
                sides.theirs.add(name)
                sides.third.discard(name)
                hosted.add(name)
            elif not (org.is_ours(company.split()[0]) or org.find_ours(company)) and label_company(
                f"{name}（{company}）"
            ):
                sides.third.add(name)
        for name, company in _dash_members(line).items():
            if org.is_ours(company) or org.find_ours(company):
                sides.add_ours(name)
            elif not (company.startswith(host) or host.startswith(company)):
                sides.third.add(name)
                sides.theirs.discard(name)
                sides.theirs.discard(company)  # ("华拓" reads like a name, but it is the company)
    for line in text.splitlines()[:16]:
        # "参会人：陈海涛、钱伟、Kevin（博科信息）、郑凯": the one name with a company beside it is from another one
        if not re.search(r"参会|与会|出席", line):
            continue
        # ("…、鲁振华（院长）、汤琪（运营经理）、宋工（杭州医联信息）": the only company tag that is not ours)
        all_tags = re.findall(r"[（(]([^）)]{2,24})[）)]", line)
        tagged = [
            (m.group(1), tag)
            for m in re.finditer(
                rf"({_PERSON}|(?:{SURNAMES})[工总]|[A-Z][a-z]{{1,12}})\s*[（(]([^）)]{{2,12}})[）)]", line
            )
            if (tag := m.group(2))
            and not (org.find_ours(tag) or org.is_ours(tag) or org.find_ours(re.split(r"[\s·]", tag)[0]))
            and not org.is_ours(re.split(r"[\s·]", tag)[0])
            and not re.search(
                rf"{_TITLE_ALT}|销售|售前|实施|顾问|记录|主持|采购|财务|技术|IT|客户|甲方|乙方|我方|经理|总|主管|部|长$"
                r"|专员|内勤|会计|出纳|助理|文员|[员师]$",
                tag,
            )
            # ("刘院长、彭丹、温小满（禾苗儿科）": the brackets name a whole group's company)
            and not (
                re.search(r"[；;]", line)
                and re.search(r"[、，,]", re.split(r"[；;：:）)]", line[: m.start()])[-1].lstrip("、，, "))
            )
            # ("章敏（绿垣温室 商务专员）" beside "陶振宇（寿光绿垣温室工程有限公司 销售总监）": one company)
            and not any(t != tag and tag[:2] in t for t in all_tags)
        ]
        listed = re.split(r"[、，,；;]", line)
        if len(tagged) == 1 and len(listed) >= 4:
            sides.third.add(tagged[0][0])
    for index, line in enumerate(text.splitlines()):
        # "星图数科-黄工（实施伙伴）", "星河视听工程 严工（甲方的系统集成商）": a person with a partner's role; further
        # down only an engineer's or manager's name beside a parent group's office ("发给吕工（集团信息中心）")
        pattern = (
            rf"({_PERSON}|{_NICK}|[A-Z][a-z]{{1,12}})\s*[（(]([^）)]{{2,16}})[）)]"
            if index < 16
            else rf"((?:{SURNAMES})(?:工|总|经理|主任))\s*[（(]((?:集团|总部|控股)[^）)]{{0,10}})[）)]"
        )
        for m in re.finditer(pattern, line):
            if m.group(1) in hosted:
                continue
            ours = org.find_ours(m.group(2)) or org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", m.group(2)))
            if not ours and (_THIRD_PARTY.search(m.group(2)) or re.search(r"集成|实施|代理|外包", m.group(2))):
                sides.third.add(m.group(1))
    for s in sentences:
        # "长春数联的韩工也来了，他们是帮我们做用友U8的集成商": the person before 他们是…集成商
        for m in re.finditer(
            # ("旁边这位是山东瑞丰农资的孔经理，我们最大的经销商": the customer's dealer)
            rf"((?:{SURNAMES})(?:总监|总|工|经理|主任|老师)|{_PERSON})[^，。]{{0,6}}[，,]\s*"
            r"(?:(?:他们|他|她)(?:也)?是[^，。]{0,16}|我们(?:最大|最好|最老)?的)"
            r"(?:集成商|代理商|实施方|实施商|服务商|合作伙伴|外包|经销商|供应商)",
            s.text,
        ):
            name = m.group(1) if _looks_like_person(m.group(1)) else None
            # ("山东瑞丰农资的孔经理": 农资 reads like a name, the one after it is the person)
            later = re.search(rf"(?:{SURNAMES})(?:总监|总|工|经理|主任|老师)", m.group(0)[len(m.group(1)) :])
            if later:
                name = later.group(0)
            if name and re.match(
                r"[\u4e00-\u9fa5]{0,2}(?:信息|科技|软件|网络|系统|技术|数据|公司|集团)", s.text[m.end(1) :]
            ):
                name = None  # "由江苏博恒信息来做，他们是我们的IT服务商": a company's name, no 江苏博
            if name and not org.find_ours(s.text[max(0, m.start() - 8) : m.start()]):
                sides.third.add(name)
        # "我是东禾信息的赵工，帮丰穗做用友U8的实施", "我是鼎新信息的范工，我们是海丰源ERP的实施商"
        m = re.search(
            rf"我是([\u4e00-\u9fa5A-Za-z]{{2,10}})的\s*({_PERSON}|{_NICK})[，,。]\s*"
            r"(?:帮[\u4e00-\u9fa5]{1,6}做|(?:我们|我)?是?[^，。做]{0,12}的?(?:实施|集成|代理|外包|服务商|合作伙伴|渠道商|经销商))",
            s.text,
        )
        if m and not org.find_ours(m.group(1)):
            sides.third.add(m.group(2))
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    writer = re.match(
        rf"^\s*({_PERSON})\s*(?:的)?\s*(?:电话|拜访|会议|客户)?(?:小记|记录|纪要|笔记|日志)", first_line
    ) or re.search(
        # ("电话沟通记录（俞舟，云帆科技）": the writer, then our company)
        rf"(?:小记|记录|纪要|笔记|日志)\s*(?:[（(]\s*(?:记录人?[：:])?\s*({_PERSON})\s*(?:[，,、\s][^）)]{{2,12}})?[）)]"
        rf"|[】\]]\s*({_PERSON})(?![\u4e00-\u9fa5]))",
        first_line,
    )
    with_us = re.search(r"[（(][^）)]*?\s(?:与|和|跟)\s*([^）)]+)[）)]", first_line)
    if writer and with_us and org.find_ours(with_us.group(1)):
        writer = (
            None  # "微信聊天记录（葛雨桐 与 杜若-云番科技）": the chat is with our rep, so the first is the customer
        )
    if writer:
        name = next(g for g in writer.groups() if g)
        sides.add_ours(name[:3] if len(name) > 2 else name)
    # "云帆：闵浩", "云帆-顾磊 与 何校长", "云帆科技 山西区 销售 武晓琳", "冉静（云帆科技）": our company right
    # next to a person in the header names one of ours
    for line in text.splitlines()[:6]:
        for hit in org.find_ours(line):
            after = _OURS_THEN_NAME.match(line[hit.end :])
            if after and _looks_like_person(after.group(1)) and not re.search(r"[区部组司]$", after.group(1)):
                sides.add_ours(after.group(1))
        # ("会议纪要（松源林化 × 云帆CRM）": the end of a word, no person)
        for m in re.finditer(rf"(?<![\u4e00-\u9fa5])({_PERSON})\s*[（(]\s*([^）)]{{2,12}})[）)]", line):
            if org.find_ours(m.group(2)) and _looks_like_person(m.group(1)):
                sides.add_ours(m.group(1))
    for line in text.splitlines():
        # a mail signature: "高翔 | 云帆科技 大客户经理 | 138 0571 2266"
        line = re.sub(r"^\s*(?:>\s?)+", "", line)  # a signature in a quoted older mail
        m = re.match(rf"^\s*({_PERSON})(?:\s*[|｜/／]\s*|\s+)(\S{{2,12}})(?=\s|[|｜]|$)", line)
        if m and len(line) <= 60 and not re.search(r"[，。？！?!]", line) and org.find_ours(m.group(2)):
            if _looks_like_person(m.group(1)):
                sides.add_ours(m.group(1))
    # speakers: their label, our staff list, or how they introduce themselves
    labels = list(dict.fromkeys(s.speaker for s in sentences if s.speaker))
    for label in labels:
        person = _person_of(label)
        if _looks_like_person(person) or re.fullmatch(r"[A-Z][a-z]{1,12}", person):
            sides.speaker_name[label] = person
        side: bool | None = None
        company = re.match(r"^([^-－—·]{1,8})[-－—·]", label)
        if company and person == company.group(1).strip():  # "罗晴-云帆": the company comes after the person
            company = re.search(r"[-－—·]\s*([^-－—·]{1,8})$", label)
        bracket = re.search(r"[（(]([^）)]{1,12})[）)]", label)
        if _THIRD_PARTY.match(label):
            side = None  # "实施伙伴：", "集成商-方工": a third company, whatever role word follows
            if _looks_like_person(person):
                sides.third.add(person)
        elif _OUR_ROLE.match(label) or person in staff or person in sides.ours:
            side = True
        elif glued := next(
            (
                rest
                for n in org.names
                if len(n) >= 2
                and label.startswith(n)
                and ((rest := label[len(n) :]) and (_looks_like_person(rest) or re.fullmatch(_NICK, rest)))
            ),
            None,
        ):  # "云帆孟瑶 11:07": our name, then hers
            side = True
            sides.speaker_name[label] = glued
            sides.add_ours(glued)
        elif (
            company
            # ("黄一舟-云帆实施": our implementation, not a partner's)
            and not org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", company.group(1).strip()))
            and (
                re.search(r"集成|实施|外包|代理|渠道|咨询|代运营|服务商", company.group(1))
                # "运输-曲师傅": a group member named by his job of hauling the goods, the haulier's driver
                or _HAULAGE_LABEL.fullmatch(company.group(1).strip())
                # ("鼎诚软件-陶斌：我的电话 …，实施我这边配合": the software house that implements for them)
                or any(
                    re.search(
                        r"(?:实施|接口|对接|集成)[^，。]{0,4}(?:我这边|我们这边|我们|我)(?:来)?(?:配合|负责|来做|做)",
                        x.text,
                    )
                    for x in sentences
                    if x.speaker == label
                )
                # ("韩师傅-聚鲜冷链": the cold-chain haulier's driver)
                or (re.search(r"冷链|物流|运输|货运|快递|车队", label) and re.search(r"师傅|司机", label))
                # "鼓韵琴行-陈国强：…我们琴行用的就是他们家，也是我介绍的": a customer of ours who referred them
                or any(
                    re.search(r"用的(?:就|也)?是(?:他们|你们)家?|(?:也)?是我介绍的|我介绍(?:过来)?的", x.text)
                    for x in sentences
                    if x.speaker == label
                )
                or re.search(
                    r"(?:代理商|渠道商?|集成商|合作伙伴|服务商|实施方|经销商)[：:\s]*"
                    + re.escape(company.group(1).strip()),
                    text,
                )
                # "农信-薛工" after "旁边是农信科技的薛工，我们的IT外包": the customer names the partner
                or re.search(
                    re.escape(company.group(1).strip())
                    + r"[\u4e00-\u9fa5]{0,4}的"
                    + re.escape(person)
                    + r"[，,]\s*(?:是)?(?:我们|咱们)?的?[\u4e00-\u9fa5A-Za-z]{0,4}(?:系统集成|集成商|实施方|外包|代运营|服务商)",
                    text,
                )
                # "栖云控股-龙飞" beside "栖云-麦家豪": the parent group's person
                or (
                    re.search(r"控股|集团", company.group(1))
                    and any(
                        other != label
                        and (c := re.match(r"^([^-－—·]{1,8})[-－—·]", other))
                        and not re.search(r"控股|集团", c.group(1))
                        and c.group(1)[:2] == company.group(1)[:2]
                        for other in labels
                    )
                )
            )
        ):
            side = None  # "启明集成-钱工": the integrator's engineer, or "湘云信息-曹工" after "代理商湘云信息曹工"
            if _looks_like_person(person) or re.fullmatch(r"[A-Z][A-Za-z]{1,12}", person):
                sides.third.add(person)
        elif company and org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", company.group(1))):
            side = True  # "罗晴-云帆", "阿哲-云帆售前"
        elif bracket and (
            org.find_ours(bracket.group(1))
            or org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", bracket.group(1)))  # "钟毅（云帆售前）"
            or _OUR_ROLE.match(bracket.group(1))
        ):
            side = True
        elif bracket and (
            _THIRD_PARTY.search(bracket.group(1))
            # "孟凡（信达）" after "信达系统集成的孟工": the integrator named in the brackets
            or re.search(re.escape(bracket.group(1)) + r"[\u4e00-\u9fa5]{0,6}(?:系统集成|集成|实施|外包|咨询)", text)
        ):
            sides.third.add(person)
        elif bracket and re.match(r"客户|甲方", bracket.group(1)):
            side = False
        elif _THEIR_ROLE.match(label) or person in sides.theirs:
            side = False
        elif person in sides.third:
            side = None
        elif company and person != company.group(1).strip() and label_company(label) and not _SPEAKER_ROLE.match(label):
            side = False  # "麦霸-阿杰(前厅经理)": a company that is neither us nor a partner is the customer
        for s in (x for x in sentences if x.speaker == label):
            signed = org.find_ours(s.text)
            if signed and signed[0].start == 0 and re.fullmatch(r"[\s\u4e00-\u9fa5]{0,10}", s.text[signed[0].end :]):
                side = True  # a mail signed "谢晓雨 / 云帆科技 大客户部"
            for hit in org.find_ours(s.text):
                if _INTRO_BEFORE.search(s.text[max(0, hit.start - 6) : hit.start]):
                    side = True
                    name = _self_intro_name(s.text, hit.end)
                    if name and label not in sides.speaker_name:
                        sides.speaker_name[label] = name
            if side is None:
                m = (
                    re.search(
                        rf"我(?:是|叫|姓.[，,]\s*|的?名字(?:是|叫)?[，,：:]?\s*)({_PERSON})(?=[。，,！!]|$)", s.text
                    )
                    or re.search(rf"我是[^，。]{{2,24}}的(?:{_TITLE_ALT})?\s*({_PERSON})(?=[。，,！!]|$)", s.text)
                    or re.search(rf"我是(?:{_TITLE_ALT})\s*({_PERSON})(?=[。，,！!]|$)", s.text)  # "我是销售总监谢欣怡"
                    # "我是恒昌典当业务部经理俞晓"
                    or re.search(rf"我是[^，。的]{{2,16}}?(?:{_TITLE_ALT})\s*({_PERSON})(?=[。，,！!]|$)", s.text)
                    # "我是车队经理符建军", "我是调度主管蔺晓婷": any job, then the name
                    or re.search(
                        rf"我是[^，。的]{{0,8}}?(?:经理|主管|总监|主任|负责人|[队店厂校院站园馆所社行]长|会计|出纳)"
                        rf"\s*({_PERSON})(?=[。，,！!]|$)",
                        s.text,
                    )
                    # "Speaker 3: 你好，熊俊。": a greeting and one's own name
                    or re.fullmatch(rf"\s*(?:你好|您好|大家好|各位好)[，,！!\s]*({_PERSON})[。！!]?\s*", s.text)
                    # on the phone: "我天津恒彩，冯伟。", "柴经理好，我贺小兵。"
                    or re.search(
                        rf"(?:^|[，,。！!])\s*我(?:[\u4e00-\u9fa5]{{2,10}}[，,]\s*)?({_PERSON})(?=[。！!]|$)", s.text
                    )
                )
                said = m.group(1) if m else None
                # "你们好，信达网络邹振宇，我主要关心接口。": a greeting, one's company (named by others too), one's name
                greeted = re.match(
                    rf"\s*(?:你们好|你好|您好|大家好|各位好)[，,！!\s]*([\u4e00-\u9fa5]{{2,8}}?)({_PERSON})[，,。]",
                    s.text,
                )
                if not said and greeted and text.count(greeted.group(1)) >= 2 and not org.find_ours(greeted.group(1)):
                    said = greeted.group(2)
                if said and not _looks_like_person(said):
                    said = None
                if said and any(n == said for k, n in sides.speaker_name.items() if k != label):
                    said = None  # "你好卓雅。" answering our 卓雅: the one greeted, not oneself
                if said and label not in sides.speaker_name:
                    sides.speaker_name[label] = said
                # "我是丰禾的马建军": a person of a company that is neither us nor a partner speaks for the customer
                intro = re.search(rf"我是([\u4e00-\u9fa5]{{2,10}}?)的\s*(?:{_TITLE_ALT})?\s*({_PERSON})", s.text)
                if (
                    intro
                    and not org.find_ours(intro.group(1))
                    and not org.is_ours(intro.group(1))
                    and not _THIRD_PARTY.search(intro.group(1))
                    and not re.search(r"[部组室处科]$|中心|这边|那边|负责|同事|销售|顾问|售前|实施", intro.group(1))
                    and _looks_like_person(intro.group(2))
                ):
                    side = False
            if side is False and label not in sides.speaker_name:
                # "甲方：我是晏长青。": a role label, the person says who they are
                # ("合同联系人写我名字邓朵朵": a nickname label, the name given for the contract)
                m = re.search(rf"(?:我(?:是|叫)|我的?名字(?:是|叫)?[，,：:]?\s*)({_PERSON})(?=[。，,！!]|$)", s.text)
                if m and _looks_like_person(m.group(1)):
                    sides.speaker_name[label] = m.group(1)
            if side is not None and (side is True or label in sides.speaker_name):
                break
        if side is None and re.fullmatch(_HONORIFIC.pattern, person):
            side = False
        if side is not True and any(_IMPLEMENTER.search(x.text) for x in sentences if x.speaker == label):
            # "我是佛山智联信息技术有限公司的郭俊，负责他们金蝶云星空的实施": the customer's implementer
            side = None
            name = sides.speaker_name.get(label) or person
            if _looks_like_person(name):
                sides.third.add(name)
        sides.speaker[label] = side
    # "旁边是我们销售温静": whom our speakers introduce as colleagues are ours, before anyone unplaced is
    # taken for the customer
    for s in sentences:
        if sides.side(s.speaker) is True:
            for m in _COLLEAGUE.finditer(s.text):
                # ("我们这边的钱总" is someone we talk about; "那我们周四见" is no name)
                if not re.fullmatch(_HONORIFIC.pattern, m.group(1)) and _looks_like_person(m.group(1)):
                    sides.add_ours(m.group(1))
        elif not s.speaker and sides.ours:
            # a rep's notes: "我的经理韩冬（139 0871 5566）下周四跟罗总通电话"
            for m in re.finditer(
                rf"我的(?:经理|领导|同事|主管|上级|总监|老大)\s*({_PERSON})(?![\u4e00-\u9fa5])", s.text
            ):
                sides.colleagues.add(m.group(1))
    for label in labels:
        if sides.speaker[label] is None and sides.speaker_name.get(label) in sides.ours:
            sides.speaker[label] = True
    # "微信聊天记录 与“刘姐”": our rep's export names whom the chat is with, the customer
    chat_with = re.search(
        r"与\s*[“\"「『]?([^”\"」』\s（()）]{2,10})[”\"」』]?\s*(?:的(?:聊天|对话|会话)|$)", text[:80], re.M
    )
    if chat_with and not org.find_ours(chat_with.group(1)):
        for label in labels:
            if sides.speaker[label] is None and (label == chat_with.group(1) or label.endswith(chat_with.group(1))):
                sides.speaker[label] = False
    if not any(sides.speaker[label] is True for label in labels):
        # "覃总好，蔺经理好，这位是我们售前顾晨。": who brings a presales colleague along is the vendor's rep
        presenters = [
            label
            for label in labels
            if sides.speaker[label] is None
            and any(_VENDOR_COLLEAGUE_SHOWN.search(x.text) for x in sentences if x.speaker == label)
        ]
        if len(presenters) == 1:
            sides.speaker[presenters[0]] = True
            for x in sentences:
                if x.speaker == presenters[0]:
                    for m in _VENDOR_COLLEAGUE_SHOWN.finditer(x.text):
                        sides.add_ours(m.group(1) or m.group(2))
            for label in labels:  # the colleague shown speaks for us too
                person = sides.speaker_name.get(label) or _person_of(label)
                if sides.speaker[label] is None and person in sides.ours:
                    sides.speaker[label] = True
    if not any(sides.speaker[label] is True for label in labels):
        # nobody named our company: the one the others greet as "柯经理" ("你好柯经理") is our rep, as customers
        # address a vendor's rep; when both sides greet each other so, it tells nothing
        greeted_reps = []
        for label in labels:
            name = sides.speaker_name.get(label, "")
            if sides.speaker[label] is not None or not _looks_like_person(name) or len(name) < 2:
                continue
            greeted = rf"(?:你好|您好)[，,\s]*{name[0]}经理|{name[0]}经理[，,\s]*(?:你好|您好|好)"
            if any(re.search(greeted, x.text) for x in sentences if x.speaker and x.speaker != label):
                greeted_reps.append(label)
        if len(greeted_reps) == 1:
            sides.speaker[greeted_reps[0]] = True
    unknown = [
        label for label in labels if sides.speaker[label] is None and sides.speaker_name.get(label) not in sides.third
    ]
    known = {sides.speaker[label] for label in labels if sides.speaker[label] is not None}
    if len(unknown) >= 2 and not known:
        # a chat nobody introduced: "何晨：好的刘总！" – the one called 刘总 is the customer, the one calling
        # is our rep (anyone else in the chat is placed below, with both sides known)
        for label, other in ((a, b) for a in unknown for b in unknown if a != b):
            name = sides.speaker_name.get(label, "")
            called = name and any(
                re.search(rf"{name[0]}(?:总|总监|老板|董|[校院厂店园馆所部局行场社处科]长|主任)", s.text)
                for s in sentences
                if s.speaker == other
            )
            if called and not name.startswith(sides.speaker_name.get(other, "")[:1]):
                sides.speaker[label], sides.speaker[other] = False, True
                unknown, known = [x for x in unknown if x not in (label, other)], {True, False}
                break
    if len(unknown) >= 2 and known in (set(), {False}):
        # still nobody placed: the one who quotes, drafts the contract and opens accounts is our rep; the one who
        # names the contract's header, brings in the boss and weighs "你们的" product is the customer
        score = {
            label: sum(
                len(_VENDOR_TALK.findall(x.text)) - len(_BUYER_TALK.findall(x.text))
                for x in sentences
                if x.speaker == label
            )
            for label in unknown
        }
        # (a note's keys, "预算：", "下一步：", are no people)
        sellers = [
            label
            for label in unknown
            if score[label] > 0 and not (_NOTE_FIELD.search(label) or _header_key(label) or _header_label(label))
        ]
        if len(sellers) == 1:
            sides.speaker[sellers[0]] = True
            unknown, known = [x for x in unknown if x != sellers[0]], known | {True}
    if len(unknown) >= 2 and known == {False}:
        # "梁厂长：" is the customer's; of the others, the one who calls the customer's people 梁厂长 / 邹主任 is
        # our rep (the rest are placed below, with both sides known)
        customers = [
            sides.speaker_name.get(label) or _person_of(label) for label in labels if sides.speaker[label] is False
        ]
        surnames = {n[0] for n in customers if n}
        callers = [
            label
            for label in unknown
            if (name := sides.speaker_name.get(label) or _person_of(label))
            and name[0] not in surnames
            and any(
                re.search(rf"(?:{'|'.join(surnames)})(?:总|总监|老板|董|[校院厂店园馆所部局行场社处科]长|主任)", x.text)
                for x in sentences
                if x.speaker == label
            )
        ]
        if len(callers) == 1 and surnames:
            sides.speaker[callers[0]] = True
            unknown, known = [x for x in unknown if x != callers[0]], {True, False}
    if unknown and True in known:
        # "今天我们方案顾问沈聿也在线上", then an unnamed 发言人4 who demos and opens accounts: the one colleague
        # of ours named but not yet heard is the one who talks like a vendor
        unheard = [n for n in sides.ours if n not in sides.speaker_name.values() and _looks_like_person(n)]
        vendors = [
            label
            for label in unknown
            if label not in sides.speaker_name
            and sum(
                len(_VENDOR_TALK.findall(x.text)) - 2 * len(_BUYER_TALK.findall(x.text))
                for x in sentences
                if x.speaker == label
            )
            > 0
        ]
        if len(unheard) == 1 and not vendors:
            # "一凡你给大家演示一下项目阶段看板。" from our rep, then an unnamed 发言人4: "好的。大家看屏幕…"
            given = unheard[0][1:] if len(unheard[0]) == 3 else unheard[0]
            handed = rf"(?:{re.escape(unheard[0])}|{re.escape(given)})[，,\s]*(?:你|您)?(?:给大家|来|帮忙)?(?:演示|讲|介绍|说|展示)"
            for before, turn in zip(sentences, sentences[1:]):
                if (
                    turn.speaker in unknown
                    and turn.speaker not in sides.speaker_name
                    and sides.side(before.speaker) is True
                    and re.search(handed, before.text)
                ):
                    vendors = [turn.speaker]
                    break
        if len(unheard) == 1 and len(vendors) == 1:
            sides.speaker[vendors[0]] = True
            sides.speaker_name[vendors[0]] = unheard[0]
            unknown = [x for x in unknown if x != vendors[0]]
    if unknown and known == {True}:
        for label in unknown:  # everyone we could not place talks with us: the customer's side
            sides.speaker[label] = False
    elif unknown and known == {True, False}:
        # both sides placed, and a named speaker nobody introduced as ours ("张总:", "王磊:", then "小郑:"
        # answering her boss): our people introduce themselves with our company, so this one is theirs
        for label in unknown:
            if label in sides.speaker_name or _looks_like_person(_person_of(label)):
                sides.speaker[label] = False
    elif len(unknown) == 1 and known == {False}:
        sides.speaker[unknown[0]] = True
    if not any(sides.speaker[label] is True for label in labels):
        # "云帆 卜磊：", "鼎盛 邢总：": our company's short name before the person heads our rep's lines, and the
        # other company's people are the customer's
        spaced = {label: re.match(r"^\s*([\u4e00-\u9fa5A-Za-z]{2,8})\s+(\S{2,4})\s*$", label) for label in labels}
        ours_spaced = [
            label for label, m in spaced.items() if m and (org.is_ours(m.group(1)) or org.find_ours(m.group(1)))
        ]
        if ours_spaced and all(spaced.values()):
            for label, m in spaced.items():
                sides.speaker[label] = label in ours_spaced
                if label in ours_spaced:
                    sides.add_ours(m.group(2))
                elif _looks_like_person(m.group(2)):
                    sides.theirs.add(m.group(2))
    for index, s in enumerate(sentences):
        # "发言人1：喂，邬总您好，我是云番科技的蒋浩" and then 发言人2 answers: our rep greets the one on the
        # line, and an unnamed label of the customer's that answers first is that person
        # ("鲁校长晚上好，我是云番科技的桑榆": a greeting of the time of day greets as well)
        greeting = (
            re.search(r"您好|你好|[早晚]上好|[上下中]午好", s.text)
            if s.speaker and sides.speaker.get(s.speaker) is True
            else None
        )
        called = _HONORIFIC.search(s.text) if greeting else None
        answer = (
            next((x for x in sentences[index + 1 :] if x.speaker and x.speaker != s.speaker), None) if called else None
        )
        if (
            answer is not None
            and sides.speaker.get(answer.speaker) is False
            and answer.speaker not in sides.speaker_name
            and not any(n.startswith(called.group(1)) for n in sides.speaker_name.values())
        ):
            sides.speaker_name[answer.speaker] = called.group(0)
    for label in labels:
        name = sides.speaker_name.get(label)
        if name and sides.speaker[label] is False and re.fullmatch(_HONORIFIC.pattern, name):
            if any(n[0] == name[0] for n in sides.ours):
                del sides.speaker_name[label]  # "汪经理：" heading the customer's mail to our 汪洋
                continue
        if not name:
            continue
        if sides.speaker[label] is True:
            sides.add_ours(name)
        elif sides.speaker[label] is False:
            sides.theirs.add(name)
    # notes without labels: "我是云帆科技的王磊" / our company's name right before a person
    for s in sentences:
        if s.speaker:
            continue
        for hit in org.find_ours(s.text):
            name = _self_intro_name(s.text, hit.end)
            if name and _INTRO_BEFORE.search(s.text[max(0, hit.start - 6) : hit.start]):
                sides.add_ours(name)
    # third companies' people and people who left
    for s in sentences:
        for m in re.finditer(
            rf"({_THIRD_PARTY.pattern})[^，。；;]{{0,24}}?的\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理|[\u4e00-\u9fa5]{{1,2}}))",
            s.text,
        ):
            if re.search(r"(?:这块|那块|这一块|板块|业务|[部组口])的\s*\S+$", m.group(0)):
                continue  # "我是渠道这块的小贺": who looks after the dealers, one of theirs
            sides.third.add(m.group(2))
        for m in re.finditer(
            # ("助听器供应商声达听力的业务员老常（电话 135…）")
            rf"(?:供货|供应商|供货商|进货)的?[\u4e00-\u9fa5]{{2,12}}?((?:{SURNAMES})(?:经理|总|工|师傅|老板)|{_NICK})(?=[（(，,\s]|也|说)",
            s.text,
        ):
            sides.third.add(m.group(1))  # "供货的华糖酒业毛经理（138 7345 0021）刚好也在店里": the supplier's man
        # "是智游系统集成给我们做的，他们的郑工今天也来了", "现在临时是联创信息的欧工在帮我们弄": a provider's people
        for m in re.finditer(
            # ("我们的OA和项目管理是博衡系统集成做的，他们祁工今天也在")
            # ("报名是聚跑科技给我们做的小程序，他们的温工在维护")
            rf"是[\u4e00-\u9fa5]{{2,10}}?(?:给我们|帮我们|替我们)?(?:做|开发|实施|上)的[\u4e00-\u9fa5A-Za-z]{{0,6}}[，,]\s*"
            r"(?:今天|这次|现在|今儿)?(?:他们|它们)的?\s*"
            rf"((?:{SURNAMES})(?:工|总|经理)|{_NICK}|{_PERSON})"
            rf"|(?:是|^)([\u4e00-\u9fa5]{{2,10}}?)(?<![部组室科处])的\s*((?:{SURNAMES})(?:工|总|经理)|{_NICK}|{_PERSON})"
            # ("我们的信息化一直是信达软件的卓工在弄", "博创信息的雷工帮我们做用友U8和钉钉的集成")
            # ("华东是东晟工业的俞经理在代理": the customer's agent)
            # ("接口是智联云图的钱工他们做")
            r"(?:在?(?:帮|替|给)我们|在(?:弄|搞|做|管|维护|负责|对接|代理|做代理)|他们(?:在|来)?(?:做|弄|负责|对接))"
            # ("还有青科信息的小蔡，我们的电脑和网络都是他们管的")
            rf"|([\u4e00-\u9fa5]{{2,10}}?)(?<![部组室科处])的\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理)|{_PERSON})[，,]\s*"
            r"(?:我们|咱们|集团)?的?[^，。]{0,10}?(?:都|也|一直)?是他们(?:在|来)?(?:管|做|弄|维护|负责|集成|开发|实施|搭)"
            # ("启航软件的贾工是我们在宁波的合作伙伴": a partner named, then what he is)
            rf"|({_PERSON}|(?:{SURNAMES})(?:工|总|经理)|{_NICK})是(?:我们|咱们)?[^，。]{{0,8}}?的?(?:{_THIRD_PARTY.pattern})"
            # ("我是易房通的实施工程师邬工": the engineer of the system's vendor)
            rf"|我是[\u4e00-\u9fa5A-Za-z]{{2,10}}的(?:实施|技术支持|售后|驻场)(?:工程师|顾问)?\s*"
            rf"({_PERSON}|(?:{SURNAMES})(?:工|总|经理)|{_NICK})(?=[，,。！!]|$)",
            s.text,
        ):
            person = m.group(1) or m.group(3) or m.group(5) or m.group(6) or m.group(7)
            # ("这个项目是我们渠道报备的": 项 is a surname, 项目 no one)
            if not org.find_ours(m.group(0)) and (_looks_like_person(person) or re.fullmatch(_NICK, person)):
                sides.third.add(person)
        for m in re.finditer(
            r"(?:收银|会员|进销存|财务|系统|软件|ERP|HIS|OA)(?:系统)?(?:用的)?是[\u4e00-\u9fa5A-Za-z]{2,10}?的[，,]\s*"
            rf"({_NICK}|{_PERSON}|阿?[A-Z][a-z]{{1,12}}|(?:{SURNAMES})(?:工|总|经理))在(?:负责|管|维护|弄)",
            s.text,
        ):  # "收银是餐云科技的，阿Ken在负责": the vendor's man who looks after their system
            if not org.find_ours(m.group(0)):
                sides.third.add(m.group(1))
        # "调度系统是恒通信息给我们做的，杨工在维护", "煎药系统是杏林软件做的，孙工说…": the one right after the vendor
        # of their system is its engineer
        for m in re.finditer(
            rf"系统是[\u4e00-\u9fa5]{{2,10}}?(?:给我们|帮我们|替我们)?(?:做|开发|实施|维护)的[，,]\s*"
            rf"((?:{SURNAMES})(?:工|总|经理)|{_NICK}|{_PERSON})(?=在|负责|维护|管|那边|他|说)",
            s.text,
        ):
            sides.third.add(m.group(1))
        vendors = re.findall(
            # ("HIS那边是创医信息在做")
            # ("另外还有TMS，是合肥数联做的")
            # ("用友NC和WMS都是汇智达信息技术给我们实施的")
            r"(?:系统|HIS|ERP|OA|软件|平台|[A-Z]{2,5})[，,]?\s*(?:那边|这块)?(?:都|也)?是([\u4e00-\u9fa5]{2,6}?)"
            r"(?:医疗|软件|科技|信息|技术|网络|系统|数据)*(?:公司)?"
            r"(?:给我们|帮我们|帮忙)?(?:做|开发|实施|在做|在维护)(?:的)?",
            s.text,
        )
        # ("…是合肥数联做的。今天数联的卢工也来了": the brand without the city)
        vendors = [v for vendor in vendors for v in (vendor, *([vendor[-2:]] if len(vendor) == 4 else []))]
        for m in re.finditer(
            r"([\u4e00-\u9fa5]{2,8}?)(?:信息|科技|软件|网络|系统|技术|数据)*[，,]\s*(?:是|就是)?"
            r"(?:帮|给|替)我们(?:上|做|搭|实施|开发|弄|装|部署)的"
            # ("订单在金蝶云星空里，是蜀信网络帮我们做的实施")
            r"|是([\u4e00-\u9fa5]{2,8}?)(?:信息|科技|软件|网络|系统|技术|数据)*(?:帮|给|替)我们(?:做|上)的(?:实施|集成|开发)"
            # ("要对接，由江苏博恒信息来做，他们是我们的IT服务商")
            r"|由([\u4e00-\u9fa5]{2,8}?)(?:信息|科技|软件|网络|系统|技术|数据)*来?(?:做|对接|实施)[，,]\s*他们是我们的"
            # ("诊所管家，数桥给我们部署的")
            r"|(?:^|(?<=[，,。]))\s*([\u4e00-\u9fa5]{2,8}?)(?:信息|科技|软件|网络|系统|技术|数据)*(?:帮|给|替)我们"
            r"(?:上|做|搭|实施|开发|部署|装)的",
            s.text,
        ):
            # "贵阳联创信息，帮我们上的用友U8" – "我是联创的包启明": the vendor, by its brand without the city
            brand = m.group(1) or m.group(2) or m.group(3) or m.group(4)
            vendors += [brand, *([brand[-2:]] if len(brand) == 4 else [])]
        for vendor in vendors:
            # "我们的HIS是信达医疗信息做的，接口要找他们的宗工": the vendor's engineer, in the same breath
            for m in re.finditer(
                rf"(?:他们|它们|{re.escape(vendor)})[\u4e00-\u9fa5]{{0,4}}的\s*((?:{SURNAMES})(?:工|总|经理)|{_NICK}|{_PERSON})",
                s.text[s.text.find(vendor) :],
            ):
                sides.third.add(m.group(1))
        for vendor in vendors:
            # "核心业务系统是华数软件做的，今天华数的小秦也在线上": the vendor of their system is a third company
            for later in sentences:
                for m in re.finditer(
                    rf"{vendor}[\u4e00-\u9fa5]{{0,4}}的\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理)|{_PERSON})"
                    # ("接口需要蜀信那边配合一下，他们的邬工我们之前也对接过")
                    rf"|{vendor}(?:那边|这边)[^。！？；]{{0,10}}?[，,]\s*他们的?\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理))"
                    # ("维科那边的对接人是裘工，电话 0571-8690 1123")
                    rf"|{vendor}[\u4e00-\u9fa5]{{0,4}}的(?:对接人|联系人|负责人)(?:是|叫)\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理)|{_PERSON})"
                    # ("参会人：…、聂工（创医信息）": the vendor's man in the participant list)
                    rf"|({_NICK}|(?:{SURNAMES})(?:工|总|经理)|{_PERSON})\s*[（(]{vendor}[\u4e00-\u9fa5]{{0,4}}[）)]",
                    later.text,
                ):
                    sides.third.add(next(g for g in m.groups() if g))
        # "华创网络-陶工 | 我们华创这边做网吧计费系统的接口": a labelled member of another company who builds an interface
        if s.speaker and (company := label_company(s.speaker)) and not (org.is_ours(company) or org.find_ours(company)):
            if re.search(
                r"(?<!给)我们[\u4e00-\u9fa5]{0,4}这边(?:做|负责)[^，。]{0,10}(?:系统|接口|集成|实施)"
                r"|(?<!给)我们(?:负责|来做)[^，。]{0,6}(?:接口|集成|实施)",
                s.text,
            ):
                sides.third.add(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
            # "群公告：…经销伙伴：昆明数联科技" – "数联科技-陶工 10:12 …": a member of the partner named as such
            partner = rf"(?:{_THIRD_PARTY.pattern})\s*[：:是为]?\s*[\u4e00-\u9fa5]{{0,4}}{re.escape(company)}"
            if (
                len(company) >= 2
                and not sides.speaker.get(s.speaker)
                and any(re.search(partner, x.text) for x in sentences)
            ):
                sides.third.add(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
        if (
            s.speaker
            and not sides.speaker.get(s.speaker)
            and _PROVIDER_SPEAKING.search(s.text)
            and not org.find_ours(s.text)
        ):
            sides.third.add(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
        # "云帆这边的正式报价我转给您了…我是他们在通辽的代理": our reseller, speaking of us as 他们 or by our name
        partner = re.search(
            # ("我们通衢软件是云帆在苏州的代理")
            # ("我是九联科技的汪涛，九联是云帆在东莞的渠道": his company by name, after he said whose he is)
            r"(?:我(?:们)?(?:公司)?(?:[\u4e00-\u9fa5]{2,8}?)?|我是[^，,。]{2,14}[，,]\s*[\u4e00-\u9fa5]{2,6}?)"
            r"是(?P<whose>他们|[\u4e00-\u9fa5]{2,6}?)(?:在[\u4e00-\u9fa5]{1,6})?的"
            r"(?:本地|区域|授权)?(?:代理商?|渠道商?|经销商|合作伙伴|服务商)",
            s.text,
        )
        if (
            s.speaker
            and not sides.speaker.get(s.speaker)
            and re.search(r"是我们[\u4e00-\u9fa5]{0,6}代理的|(?:还是|都)?走我们(?:的)?渠道", s.text)
        ):  # "第一期是我们瓯信代理的，这次增购还是走我们渠道": our channel partner speaking
            sides.third.add(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
        if (
            partner
            and s.speaker
            and (
                org.is_ours(partner.group("whose"))
                or org.find_ours(partner.group("whose"))
                or (
                    partner.group("whose") == "他们"
                    and org.find_ours(
                        " ".join(x.text for x in sentences if x.speaker == s.speaker and 0 <= s.start - x.start < 200)
                        + s.text[: partner.start()]
                    )
                )
            )
        ):
            sides.third.add(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
        # "我是农信通的祁工。县里这个项目是我们做的集成": someone who built the customer's systems introduces himself
        intro = re.search(
            # ("我是合肥数联信息技术有限公司的卢工，安运的TMS是我们做的")
            rf"我是([\u4e00-\u9fa5]{{2,16}}?)的\s*((?:{SURNAMES})(?:工|总|经理)|{_NICK}|{_PERSON})(?=[。，,！!\s]|$)",
            s.text,
        )
        if intro and s.speaker and not org.find_ours(intro.group(0)):
            turn = " ".join(x.text for x in sentences if x.speaker == s.speaker and abs(x.start - s.start) < 200)
            if re.search(
                r"我们(?:公司|这边)?(?:做|负责)的?(?:集成|实施)|(?:集成|实施)(?:都|也)?是我们"
                # ("合作社的电脑网络都是我们在弄")
                r"|(?:系统|网络|平台|电脑|信息化|IT|机房|ERP|OA|MES|HIS|WMS|门禁|监控|弱电|网站|小程序|APP|软件|服务器)[^，。]{0,6}"
                # ("安家好房的网络和系统是我们外包在维护")
                r"(?:都|也|一直)?是我们(?:在|外包在?|帮忙|帮着|来)?(?:弄|做|管|维护|负责|搞|上|开发|实施|搭)"
                # ("他们车上的GPS和TMS是我们做的")
                r"|[A-Z]{2,4}(?:和[A-Z]{2,4})?(?:都|也)?是我们(?:做|开发|实施|装|上|搭)的"
                # ("我是智联的饶工，金蝶这边的接口我们配合": the one who built their system keeps its interface)
                r"|接口[^，。]{0,4}我们(?:这边)?(?:配合|来做|来配合|负责|提供|可以开|可以提供)"
                r"|(?:平台|系统)[^，。]{0,6}(?:都|也)?是我们(?:做|上|开发|实施|搭)的",
                turn,
            ):
                sides.third.add(intro.group(2))
                sides.third.add(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
            # "我是迅捷自动化的潘经理，冠力设备的电控是我们配套的" where another speaker says "我们冠力": the
            # customer's supplier sits in (a customer may supply others too, so the buyer must be the one talking)
            supplied = re.search(
                r"([\u4e00-\u9fa5]{2,8}?)(?:[\u4e00-\u9fa5]{0,4})的[^，。]{1,8}?(?:都|也|一直)?是我们"
                r"(?:配套|供应|供货|提供|代工|加工)的",
                turn,
            )
            if supplied and any(
                x.speaker and x.speaker != s.speaker and re.search("(?:我们|咱们)" + supplied.group(1)[:2], x.text)
                for x in sentences
            ):
                sides.third.add(intro.group(2))
                sides.third.add(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
        for m in re.finditer(
            rf"(?:{_THIRD_PARTY.pattern})[，,]\s*[\u4e00-\u9fa5A-Za-z]{{2,10}}的\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理))",
            s.text,
        ):  # "还有集团派来的系统集成商，鼎诚信息的朱工"
            sides.third.add(m.group(1))
        for m in re.finditer(
            rf"(?:{_THIRD_PARTY.pattern})是[\u4e00-\u9fa5A-Za-z]{{2,12}}[，,]\s*(?:他们|她们)的?\s*"
            rf"({_NICK}|(?:{SURNAMES})(?:工|总|经理)|{_PERSON})",
            s.text,
        ):  # "集团指定的集成商是启明信息，他们的蔡工负责跟我们的财务系统对接"
            sides.third.add(m.group(1))
        for pattern in _NOT_THE_CUSTOMERS_PERSON:
            for m in pattern.finditer(s.text):
                sides.third.add(m.group(1))
        for m in re.finditer(
            r"[\u4e00-\u9fa5A-Za-z]{2,12}[（(][^）)]{0,12}(?:渠道|代理|合作伙伴|集成商|服务商)[^）)]{0,6}[）)][：:]\s*"
            r"([^；;。\n]{2,30})",
            s.text,
        ):  # "驰净科技（云帆广州渠道）：陆经理": a group notice lists a partner's people under it
            for name in _names_in(m.group(1)):
                sides.third.add(name)
        for m in re.finditer(
            rf"(?:^|[，,。；;：:\s])([\u4e00-\u9fa5]{{2,4}}?)(?:船务|货代|航运|海运|船代|报关行?)(?:公司)?的"
            rf"(?:[\u4e00-\u9fa5]{{1,3}}员)?\s*{_PERSON_CALLED}",
            s.text,
        ):  # "海联船务的订舱员小陆经常要查我们的客户信息": the forwarder's man (when the forwarder is not the customer)
            brand = m.group(1)
            if not re.search(rf"(?:我们|咱们|我是|是){re.escape(brand)}", text) and not org.find_ours(brand):
                sides.third.add(m.group(2))
        for m in re.finditer(
            rf"([\u4e00-\u9fa5]{{2,4}}?)的(?:调度|司机|车队长?)?\s*([老小][\u4e00-\u9fa5]|(?:{SURNAMES})师傅|{_PERSON})",
            s.text,
        ):  # "干线外包给顺畅物流。顺畅的调度老满电话 0731-…": the haulier's dispatcher, by its brand
            # ("长途包给粤西通达车队跑" … "粤西通达的老蒙一直问我们要看订单")
            if re.search(re.escape(m.group(1)) + r"[\u4e00-\u9fa5]{0,2}(?:物流|运输|货运|快递|冷链|车队|速运)", text):
                sides.third.add(m.group(2))
        for m in re.finditer(
            # "我们的系统集成商信诺系统集成，冯工在负责"
            rf"(?:{_THIRD_PARTY.pattern})[^。！？]{{0,16}}?[，,]\s*((?:{SURNAMES})(?:工|总|经理)|{_NICK}|{_PERSON})"
            r"(?=在负责|负责|在管|在对接)",
            s.text,
        ):
            sides.third.add(m.group(1))
        for m in re.finditer(
            rf"外包给[^。！？]{{2,20}}?[，,]\s*(?:他们|她们)?的?\s*"
            rf"(?:(?:对接人|联系人|负责人)(?:是|叫)?\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理)|{_PERSON})(?=[，,。（(\s]|$)"
            # ("外包给蓉信网络的，对接Jira的事你们可以找他们郑工，139…")
            rf"|[^。！？]{{0,14}}?(?:找|问|联系)(?:他们|她们)的?\s*({_NICK}|(?:{SURNAMES})(?:工|总|经理))"
            rf"|({_NICK}|(?:{SURNAMES})(?:工|总|经理|[\u4e00-\u9fa5]{{1,2}}))(?=会|负责|在管|管|对接))",
            s.text,
        ):  # "我们的IT是外包给长沙数联科技的，他们的小吴会负责对接", "外包给蓉信网络的，小贺负责"
            # ("IT这块集团是外包给合肥启明信息技术的，对接人樊工，0551-…": the contractor's man, named by role)
            sides.third.add(next(g for g in m.groups() if g)[:3])
        for m in re.finditer(
            rf"(?:集团|总部|控股)(?:那边)?[A-Za-z\u4e00-\u9fa5]{{0,4}}?的\s*((?:{SURNAMES})(?:总|经理|工|[\u4e00-\u9fa5]{{1,2}}))",
            s.text,
        ):  # "集团的钱总那边审", "南庄控股那边IT的郭总", "集团风控的孔总"
            if re.search(r"下面|旗下", m.group(0)) or re.match(r"[业厂店司社]", s.text[m.end(1) :]):
                continue  # "我们集团下面的晏公醋业": a sister company, not a person
            sides.third.add(m.group(1)[:3])  # "集团的钱总那边审": the parent group's person
        for m in re.finditer(
            rf"(?:集团|总部|控股)(?:信息中心|信息部|IT部?|财务部?|法务部?|采购部?)\s*((?:{SURNAMES})(?:总|经理|工|主任)|{_PERSON})"
            # ("集团信息中心裴建军主任（电话0519-…）参与SAP接口评审": the name, then the job)
            r"(?=(?:主任|经理|总监|主管|部长)?(?:[（(，,。；;、\s]|$|参与|负责|会|也|建议|说|提|要|觉得|希望))",
            s.text,
        ):  # "集团信息中心吕文涛（+86 139 9510 2234）参与后续接口评审"
            sides.third.add(m.group(1))
        for m in re.finditer(
            rf"(?:请了|找了|请的是)[^，。]{{0,12}}?的?[\u4e00-\u9fa5]{{2,8}}[，,]\s*((?:{SURNAMES})(?:工|总|经理)|{_PERSON})也在",
            s.text,
        ):  # "另外我们请了做档案系统的金穗信息，卢工也在": the vendor they hired
            sides.third.add(m.group(1))
        if _NONE_OF_THESE.search(s.text):
            # "冷库的事找丰源的王经理，0537-…；拉货的是鲁西冷链的老马，133…，这俩你们不用记"
            said = " ".join(x.text for x in _with_neighbour(sentences, s, -1))
            for m in re.finditer(rf"(?:{SURNAMES})(?:总|经理|工|师傅|老板|主任)|{_NICK}", said):
                if m.group(0) != (sides.speaker_name.get(s.speaker) or _person_of(s.speaker)):
                    sides.third.add(m.group(0))
        if not_ours := _NOT_ONE_OF_OURS.search(s.text):
            # "柯工电话 0755-…，他是医信通的，不是我们员工": the one named before is someone else's
            named = list(
                re.finditer(rf"(?:{SURNAMES})(?:总|经理|工|师傅|老板|主任)|{_NICK}", s.text[: not_ours.start()])
            )
            if named and named[-1].group(0) != (sides.speaker_name.get(s.speaker) or _person_of(s.speaker)):
                sides.third.add(named[-1].group(0))
        if _SISTER_PERSON.search(s.text):
            # "株洲那边是兄弟公司株洲随充，…。负责人是贺总，电话138…，你们问问他": the sister company's man
            said = " ".join(x.text for x in _with_neighbour(sentences, s, 1))
            after = said[_SISTER_PERSON.search(said).end() :]
            for m in re.finditer(
                rf"(?:(?:负责人|对接人|联系人)(?:是|叫)|(?:他们|那边)的?[\u4e00-\u9fa5]{{0,4}}?)\s*"
                rf"((?:{SURNAMES})(?:总|经理|工|师傅|老板|主任)|{_PERSON})(?=[，,。\s]|电话|手机)",
                after,
            ):
                sides.third.add(m.group(1))
        # "群成员：…、华信渠道-包立新": a member tagged as the channel partner's
        for m in re.finditer(
            rf"(?:渠道|代理|经销商|集成|伙伴)[-－—·]({_PERSON}|{_NICK}|(?:{SURNAMES})(?:总|工|经理))", s.text
        ):
            sides.third.add(m.group(1))
        # "叶晨（赣康医疗集团 信息部）": the parent group's IT, listed with the meeting
        for m in re.finditer(
            rf"({_PERSON})\s*[（(][^）)]{{0,12}}?集团\s*(?:信息部|信息中心|IT部?|法务部?|财务部?|采购部?)(?:[，,][^）)]{{0,24}})?[）)]",
            s.text,
        ):
            sides.third.add(m.group(1))
        for m in _FORMER.finditer(s.text):  # "纷享是前任IT经理魏东选的": the one before is gone
            sides.left.add(next(g for g in m.groups() if g)[:3])
        left = _LEFT_COMPANY.search(s.text)
        if left:
            clause = s.text[: left.start()]
            cut = max(clause.rfind(c) for c in "，,；;。")
            clause = clause[cut + 1 :] if cut >= 0 else clause
            if re.fullmatch(r"\s*(?:[他她][\u4e00-\u9fa5]{0,4})?", clause) and cut >= 0:
                clause = s.text[:cut]  # "…IT经理魏东选的，他去年已经走了": 他 is the one named before
            said = [m for m in re.finditer(r"说|讲|提到|告诉我|表示", clause)]
            if said:  # "钱敏说原来对接我们的周经理已经离职": the one who tells it has not left
                clause = clause[said[-1].end() :]
            for m in (
                *_HONORIFIC.finditer(clause),
                *_HONORIFIC_AFTER.finditer(clause),
                # ("原来CRM选型是卓经理牵头的，她上个月离职了")
                *re.finditer(rf"(?<=是)(?:{SURNAMES})(?:经理|总|主任|主管|工)(?=牵头|负责|对接|在管|管|跟)", clause),
            ):
                sides.left.add(m.group(0))
            for m in re.finditer(rf"(?<![\u4e00-\u9fa5])[小老](?:{SURNAMES})(?![\u4e00-\u9fa5]{{2}})", clause):
                sides.left.add(m.group(0))  # "对，小桑上个月走了"
            m = re.fullmatch(rf"\s*({_PERSON})[啊呀呢吗嘛]?[，,\s]*", clause)
            if m and _looks_like_person(m.group(1)):
                sides.left.add(m.group(1))  # "葛亮啊，他上个月离职了"
            for m in re.finditer(_NICK, clause):
                sides.left.add(m.group(0))  # "老黄上个月调到集团去了"
            for m in re.finditer(_PERSON, clause):
                # ("原来的外贸主管Linda去年底离职了": 原来 is no one)
                if m.group(0)[1:] not in ("经理", "总监") and _looks_like_person(m.group(0)[:3]):
                    sides.left.add(m.group(0)[:3])
            for m in re.finditer(r"(?<![A-Za-z])[A-Z][a-z]{1,12}(?![A-Za-z])", clause):
                sides.left.add(m.group(0))  # "原来的外贸主管Linda去年底离职了"
    # "柏总，这是云帆科技的邵经理和甘工": whom someone shows as our company's people are ours, when each one's
    # surname picks out one speaker
    called = rf"(?:{SURNAMES})(?:经理|总|工|老师|主管|顾问)|{_PERSON}"
    for s in sentences:
        for hit in org.find_ours(s.text):
            if not re.search(r"(?:这是|这位是|这两位是|这几位是)\s*$", s.text[max(0, hit.start - 6) : hit.start]):
                continue
            shown = re.match(
                rf"[\u4e00-\u9fa5]{{0,2}}?的\s*((?:{called})(?:\s*[和、与及]\s*(?:{called}))*)", s.text[hit.end :]
            )
            for name in re.findall(called, shown.group(1)) if shown else ():
                labels = [
                    label
                    for label in sides.speaker
                    if (sides.speaker_name.get(label) or _person_of(label)).startswith(name[0])
                ]
                person = sides.speaker_name.get(labels[0]) or _person_of(labels[0]) if len(labels) == 1 else ""
                if person and not sides.excluded(person) and sides.speaker[labels[0]] is not True:
                    sides.speaker[labels[0]] = True
                    sides.theirs.discard(person)
                    sides.add_ours(person)
    for s in sentences:
        if sides.side(s.speaker) is not True:
            continue
        for m in _COLLEAGUE.finditer(s.text):
            if not re.fullmatch(_HONORIFIC.pattern, m.group(1)) and _looks_like_person(m.group(1)):
                sides.add_ours(m.group(1))  # ("我们这边的钱总" is someone we talk about)
        for m in _OUR_COLLEAGUE_SHOWN.finditer(s.text):  # our rep: "这位是实施顾问林可"
            sides.add_ours(m.group(1))
    # speakers labelled with their company: "苟明（速通科技）：段总，服务器那边我们速通来配"
    labelled = [
        (m.group(1), m.group(2))
        for label in sides.speaker
        if (m := re.fullmatch(rf"\s*({_PERSON}|{_NICK})\s*[（(]([^）)]{{2,24}})[）)]\s*", label))
    ]
    _note_member_firms(sides, labelled, text.lstrip().split("\n", 1)[0], org)
    sides.ours = [n for n in sides.ours if n not in sides.third]
    return sides


# --- the account ------------------------------------------------------------------------------------------

_ORG_TAIL = re.compile(rf"(?:{TRADE_WORDS})+(?:（(?:特殊)?(?:普通|有限)合伙）|\((?:特殊)?(?:普通|有限)合伙\))?")
_LEGAL_FORM = re.compile(
    r"(?:有限公司|有限责任公司|股份有限公司|(?:事务所|合伙企业)(?:（[^）]*）|\([^)]*\))?|医院|大学|学院|研究院|研究所|银行|合作社|家庭农场|商行|工作室|门市部|经营部|服务部"
    # a private non-enterprise unit's registered forms ("杭州市安心应急救护培训中心")
    r"|培训中心|培训学校|职业技能培训学校|门诊部|诊所)$"
)
_STOP_BEFORE = tuple(
    sorted(
        (
            "的 是 给 和 跟 与 了 趟 到 去 在 叫 对 向 把 找 为 从 被 让 替 帮 请 由 自 "
            "咱们 我们 你们 他们 她们 这个 那个 这边 那边 这家 那家 贵司 贵 其 就是 还是 也是 都是 上次 这次 下次 "
            "集成商 伙伴 渠道 代理商 客户 供应商 厂商 拜访 见了 约了 感谢 谢谢 今天 昨天 上周 刚才 刚刚 已经 一起 说 问 看过 "
            "用 下面 旗下 叫做 名叫 新的 老的 全 整个 咱 我 你 您 他 她 它 申请 服务商 属于 隶属 之前 之后 以前 一次 一下 做 约 要 想 能 会 说 看 "
            "问下 问问 问一下 看下 了解下 发 问 聊 谈 选 买 签 报 写 主体 全称 抬头 开票 票开 发票 像 比如 例如 譬如 包括 包含 像是 "
            "这些 那些 这几家 那几家 以 用于 对于 关于 位于 由于 仅供 附件"  # ("预算以集团批复为准": no 预算以集团)
        ).split(),
        key=len,
        reverse=True,
    )
)
# the words before a legal name that end the name whatever the characters inside it
_STOP_BEFORE_LEGAL = tuple(
    w
    for w in _STOP_BEFORE
    if len(w) > 1 or w in set("的是给跟叫把找被让请我你他她咱它了在到去向对为从写")  # ("抬头还是写东莞市…有限公司")
    if w not in ("说", "用")
)
# "合同主体是杭州瑞康口腔连锁管理有限公司", "开票就写湖南凯达连锁商业有限公司", "企业名称写…合伙企业（普通合伙）":
# the customer spelling out its legal name for the contract or the invoice is the strongest evidence there is
_CONTRACT_NAME = re.compile(
    # ("合同开票抬头写杭州…有限公司": no 票抬头写… read after 合同)
    r"(?:(?:合同主体|合同开票抬头|合同抬头|发票抬头|开票抬头|抬头|全称|全名(?:叫|是)?|注册名称?|企业名称|公司名称|单位名称|开票(?:信息|资料)?|合同(?:上|就)?"
    # ("营业执照上的全称是慈溪市澜沸电器有限公司")
    r"|(?:营业)?执照上(?:的?(?:全称|全名|名字|名称))?)"
    # ("合同上写我们执照的名字，玉林市…有限公司")
    r"(?:[^，,。？?]{0,10}[，,])?(?:还是|就|都|要)?(?:是|写|叫|为|用|开|签)?(?:成(?!都)|的是)?|(?:^|(?<=[，,。])|(?<=那就)|(?<=改成))写)"  # "…注意一下，写…"
    r"[：:，,\s\u201c\"\u300c]*"  # (the name in opening quotes after 营业执照上的名字是)
    # ("合同发给我们采购温晴，开票抬头写重庆…有限公司": the name, not 票抬头写…)
    r"(?!开?票|抬头)([^\s，,。；;！!？?“”\"'「」：:]{4,40}?(?:股份有限公司|有限责任公司|有限公司|合伙企业(?:（[^）]{1,8}）|\([^)]{1,8}\))?"
    r"|学校|医院|研究所|研究院|事务所(?:（[^）]{1,8}）|\([^)]{1,8}\))?|学院|大学|分公司|中心"
    # ("发票开营业执照上那个名字，南昌市东湖区鑫诚电脑门市部": a sole trader's forms)
    r"|门市部|经营部|服务部|批发部|商行|门诊部(?!有限)|诊所(?!有限)"
    # ("合同上写临沧市果岭澳洲坚果种植专业合作社")
    r"|专业合作社|合作社|联合社))"
)
_CONTRACT_NAME_ANY = re.compile(
    # ("写全称，瑞安市驰岭汽车制动片厂": the name after a comma)
    # ("签厂的名字，营业执照上是潮州市潮安区甘香凉果食品厂")
    r"(?:合同抬头|发票抬头|抬头|全称|企业名称|公司名称|单位名称|发票|开票|营业执照上|执照上)(?:就|都|还是)?(?:是|写|叫|为|用|开)?(?:成(?!都))?[：:，,\s]*"
    r"([\u4e00-\u9fa5（）()]{4,30}?)(?=[，,。；;！!？?\s]|$|就行|就好|吧|啊|哈)"
)
# "远通控股集团有限公司下面的快运板块": a business unit, not a company name
_BUSINESS_UNIT = re.compile(r"(?:板块|业务|事业部|部门|这块|那块|业务线)$")
_GENERIC_PREFIX = re.compile(
    r"^(?:另外|而且|但是|所以|其他|其它|这些|那些|很多|一些|各|同行|同类|别的|本地|国内|大型|中小|传统|一家|某)"
    r"|^[零一二两三四五六七八九十百千几\d]+多?[个家所间座]"  # "两百多家书店": a count of them
)
_SOFT_STOPS = set("和与跟趟由自替帮请贵其全")
# "我们这边是南昌赣江制药，…", "跟昆明滇池花卉的杨总": a company named without a trade word we know
_NAMED_COMPANY = re.compile(
    r"(?:(?P<intro>我们这边是|我们公司是|我们公司叫|公司叫|公司名叫|我们这里是|我们是)"
    r"|(?:跟|和|见了|拜访了?|去了趟?|约了|是)"  # "您好，是椰风租车的邓经理吗"
    r")(?P<name>[^\W\d_的您你我他她们个]{4,12}?)"
    rf"(?(intro)(?=[，,。；;！!]|$)|(?=的(?:(?:{SURNAMES})(?:总|经理|主任|工|老师|厂长)|采购|老板"
    # "今天下午和瑞彩标签印刷的裘国强（裘总）通了电话"
    rf"|{_PERSON}(?:[（(][^）)]{{1,8}}[）)])?(?:通了?电话|通话|聊了|见了面|开了会))))"
)
_NOT_A_COMPANY_WORDS = (
    # "我们是百年老字号了", "我们是SaaS": what they are, not what they are called
    # (but "江门市新会区百年柑陈皮商行" is a name with 百年 in it)
    r"[了的啊呢吧嘛]$|老字号|^百年|百年(?:老店|企业|品牌)|小企业|大企业|家族企业|^(?:SaaS|saas|CRM|crm|ERP|erp|APP|App|app|IT|OA)$|"
    r"^(?:有个|有一家|有家|求|要求|今年|明年|去年|[零一二两三四五六七八九十百\d]+个|"
    r"想|要|打算|准备|希望|需要|觉得|认为|正在|已经|刚|先|再|还|也|都|就|不|没)"  # "我们是想签两年"
)
_NOT_A_COMPANY = r"^(?:什么|做|搞|从事|卖|开|专门|一家|一个|这|那|我|你|他|她|咱|客户|他们|我们|你们|大家|老板|领导)"
_PRONOUN_CORE = re.compile(r"^(?:咱们|我们|你们|他们|贵|本|这个|那个|这家|那家|该|其|我|你|他)?$")
# "客户：东莞市墨方包装印刷有限公司（做彩盒、礼品盒…）": the name, not the note in brackets after it
# (not "[客户] 我手机 177…" or "[客户] 对，…": a call's customer label before what is said)
_BULLET_VALUE = re.compile(r"\s*(?![我你您他她咱嗯哦噢喂]|对[，,]|好的|是的)([^\s，,。；;、（(]{2,40})")
# "我是通力达维保的总经理乔建平", "我是声悦听力的门店运营 姜蕾": the customer's people say their company's name
_INTRO_COMPANY = re.compile(
    # ("我是何静怡，轻盈体重管理中心的运营负责人", "我是郁建平，盛通运输的副总经理")
    # ("我叫鲍丽萍，是康舟高压氧治疗中心的运营主任")
    rf"(?:我[是叫]{_PERSON}[，,]\s*(?:是)?|我是)"
    rf"([\u4e00-\u9fa5A-Za-z]{{2,20}}?)的\s*(?=[\u4e00-\u9fa5]{{0,6}}?(?:经理|总监|主管|运营|负责人|老板|[场店馆所站社校园院厂行]长|专员|助理|主任|总裁|"
    r"董事长|总经理|会计|财务|采购|老师|合伙人)"
    rf"|{_PERSON}(?:[，,。！!\s]|$)|{_NICK}(?:[，,。！!\s]|$))"
)
# "我们日照暖阳太阳能就是做太阳能热水器的": the customer saying what its company does
_OUR_COMPANY_DOES = re.compile(r"我们([\u4e00-\u9fa5A-Za-z]{3,12}?)(?:就是|主要是?|是)做")
_CUSTOMER_HEADER = re.compile(
    # ("1. 对象：青峦高尔夫练习场，对接人柯俊": whom the note is about; a person there is skipped by the reader)
    # ("群公告：客户 宁波海澜国际船舶代理有限公司；渠道 甬通信息": a notice keys with a space)
    r"(?:(?:客户(?:名称|单位)?|拜访客户|(?<![\u4e00-\u9fa5])拜访(?:单位|对象)?|对方(?:单位)?|客户方|单位|甲方|(?<![通话沟拜访])对象)\s*[：:]|^客户\s+(?=\S{4,40}有限公司))\s*"
    r"([^\s，,。；;、（(]{2,40}(?:[（(](?:特殊)?(?:普通|有限)合伙[）)])?)"
)


def org_mentions(text: str) -> list[tuple[str, int, int]]:
    """Company names in a text: a run of Chinese before a trade word / legal form, cut where the sentence's
    own words begin ("给昆山德瑞欣电子科技" → 昆山德瑞欣电子科技, "咱们温州瓯江阀门制造有限公司" → 温州瓯江…)."""
    out = []
    for m in _ORG_TAIL.finditer(text):
        i = m.start()
        # speech recognition splits a name with a space ("粤海 电子"): step over one right before the trade word
        spaced = i >= 3 and text[i - 1] == " " and "\u4e00" <= text[i - 2] <= "\u9fa5"
        if spaced:
            i -= 1
        while i > 0 and m.start() - i < 12 and "\u4e00" <= text[i - 1] <= "\u9fa5":
            stop = next((w for w in _STOP_BEFORE if text[:i].endswith(w)), None)
            # a soft one-character stop ("和", "与") inside a name ("合肥安和新能源") does not cut it short
            if stop and (len(stop) > 1 or stop not in _SOFT_STOPS or m.start() - i >= 2):
                break
            i -= 1
        # (also "佛山旺火商用厨具有限公司": a trade word, then the legal form, after a word that cuts a short name)
        if (re.match(r"(?:股份|有限)", m.group(0)) and m.start() - i < 6) or (
            re.search(r"(?:股份|有限)(?:责任)?公司", m.group(0)) and m.start() - i < 2
        ):
            # "张家口雪途冰雪旅游开发有限公司": a legal form comes after a long name whose words (开发, 会计,
            # 和谐, 信用) hold characters that cut a short one, so it is read back to a word no name holds
            j = m.start()
            while j > 0 and m.start() - j < 24 and "\u4e00" <= text[j - 1] <= "\u9fa5":
                if any(text[:j].endswith(w) for w in _STOP_BEFORE_LEGAL):
                    break
                j -= 1
            if m.start() - j > m.start() - i:
                i = j
        prefix = text[i : m.start()].replace(" ", "")
        # "分管销售和物流", "郁佳跟集团确认过了": a phrase or a person before 和/跟, not a name; "开福区工作室": a
        # district and a venue
        if re.search(rf"(?:{_FUNCTION_WORDS}|[楼店厂区场馆院所司部村镇商户])[和与及跟]$|[打做投搞]$|钱", prefix) or (
            len(prefix) >= 3 and prefix[-1] in "和与及跟" and _looks_like_person(prefix[-3:-1])
        ):
            continue
        if re.fullmatch(r"[\u4e00-\u9fa5]{1,4}[区县镇]", prefix):
            continue
        if len(prefix) < 2 or _PRONOUN_CORE.match(prefix) or _GENERIC_PREFIX.match(prefix):
            continue
        if re.match(r"业|行业|领域|类|方面|板块", text[m.end() :]):
            continue  # "制造业客户": an industry, not a company
        if m.group(0) == "车队" and re.match(r"客户|用户", text[m.end() :]):
            continue  # "加油站车队客户那块": the fleets a fuel station serves
        if m.group(0).endswith("厂") and re.match(r"[家商]", text[m.end() :]):
            continue  # "我们进货的豪骏摩托厂家": a maker, described, not a company's name
        if m.group(0).endswith("工") and re.match(r"作|程|具|艺|人|资", text[m.end() :]):
            continue  # "会员运营数字化工作坊": 化工 is the start of 工作, not a chemical company
        out.append((text[i : m.end()].replace(" ", ""), i, m.end()))
    return out


def _short_form(short: str, full: str) -> bool:
    """ "甬港物流" for "宁波甬港国际物流": the short name's characters in order in the full one, the first two
    together (a brand is not split)."""
    if len(short) > len(full):
        short, full = full, short
    if len(short) < 4 or short[:2] not in full:
        return False
    rest = iter(full[full.find(short[:2]) + 2 :])
    return all(ch in rest for ch in short[2:])


def _core(name: str) -> str:
    return core_company(core_name(name) or name)


# a department that is called a centre (信息中心, 客服中心) is no company; 西安蜡影文化艺术中心 is one
_DEPARTMENT_CENTRE = r"(?:信息|客服|运营|财务|技术|数据|研发|培训|物流|仓储|服务|呼叫|结算|共享|管理)中心"
_FUNCTION_WORDS = "销售|采购|生产|财务|仓储|运输|配送|物流|人事|行政|技术|研发|市场|客服|运营|管理|售后|设计"
# "我们琉光琉璃瓦这边", "我们飘扬旗帜这几年": the customer's own brand and trade, then what it says of itself
# (not "我们华英学校那边的朋友用的是海纳CRM": where a friend works)
_SAYS_OF_ITSELF = r"这边|那边(?!的?(?:朋友|同行|同学|熟人|老乡))|这几年|现在|目前|主要|一直|今年|去年|每年"
_OWN_BRAND = re.compile(
    # ("[语音转文字]我们康泰堂营养品三个店": after a chat export's voice mark too)
    rf"(?:^|[，,。！!？?\s\]】])(?:我们|咱们)([\u4e00-\u9fa5]{{4,12}}?)"
    # ("我们安佑劳保做手套、安全帽", "我们彩印通打印耗材是小本生意")
    # ("我们路顺加油站在县里有六个站", "我们渔港海味在赤坎有个门市")
    # ("我们康源堂营养品三个店")
    # ("我们优采通采购代理就是帮中东客户在义乌拿货的")
    # ("我们檀语木梳做了十二年了", "我们听风吉他教室开了五年了", "我们鑫港集卡车队最后选了销售易")
    rf"(?:{_SAYS_OF_ITSELF}|(?:就|主要)?是?(?:专门)?(?:帮|替)(?=[\u4e00-\u9fa5]{{2}})|(?:做|开)了(?=[一二三四五六七八九十几两\d]+年)|最后选了|最终选了|在[\u4e00-\u9fa5]{{0,4}}?有(?=[一二三四五六七八九十几两\d]|个)|(?=[一二三四五六七八九十两\d]{{1,3}}[个家](?:店|门店|分店|校区|工厂|厂))|是做|做的是|做(?=[\u4e00-\u9fa5]{{2}}[、，,])|是小本|是一家|没办法|没法|也想|也要|这次|需要|打算|准备|已经|最近|一年|全年|一共"
    r"|的(?:产能|产品|客户|业务|订单|销售|门店|工厂|情况))"
)
_OWN_BRAND_SHORT = re.compile(rf"(?:^|[，,。！!？?\s])(?:我们|咱们)([\u4e00-\u9fa5]{{2,3}}?)(?:{_SAYS_OF_ITSELF})")
# the key of a note's line ("- 预算：两万左右", "7. 联系方式：…", "开票抬头："): a field, not a person talking
_NOTE_FIELD = re.compile(
    r"(?:预算|报价|价格|金额|账号|数量|席位|联系方式|方式|电话|手机|竞品|需求|痛点|现状|决策|时间|下一步|备注|抬头|人员|背景|"
    r"进展|结论|风险|计划|情况|客户|地点|主题|参会人?|对接人|联系人)\s*$"
)
# words a brand does not contain: what else follows 我们 ("我们销售团队这边", "我们门店店员现在")
_GENERIC_IN_BRAND = re.compile(
    rf"{_FUNCTION_WORDS}|业务|团队|部门|客户|老板|领导|员工|同事|师傅|门店|店员|工厂|厂里|公司|集团|总部|分店|"
    r"这块|那块|这个|那个|这些|那些|整个|所有|全部|大家|自己|内部|之前|以前|平时|基本|一般|其实|已经|"
    r"小区|大区|片区|区域|项目|渠道|体系|审批|流程|预算|合同|产品|经销|代理|加盟|旗舰|车间|仓库|库存|质量|电商|线上|线下|"
    r"整体|会员|行业|系统|数据|信息|这边|那边|这里|那里|这儿|[东南西北]方|华[东南西北中]|[东西南北]区|"
    # ("我们糖果屋派对气球现在三个店": 派对 is a trade word, not 对)
    # ("我们听风吉他教室开了五年了": a 教室 or 工作室 is a business, 听 may start a brand)
    r"[的了在是也都就还要想能会有没不把被让从到去来说聊看问试用跟和给个些点次年月号]|(?<!派)对|[部组处科局区]$|(?<![教作])室$|"
    r"^听(?:说|了|到|过|一下)|"
    # ("咱们中国区大概需要多少个license": a region and a guess)
    r"大概|大约|差不多|估计"
)
_PROVIDER_AFTER = re.compile(
    r"^[^。！？]{0,6}?(?:在做)?[，,]\s*(?:他们|它们)是[\u4e00-\u9fa5A-Za-z]{0,8}?的?(?:代理|代理商|集成商|实施方|服务商|外包|供应商)"
    # ("山东瑞丰农资的孔经理，我们最大的经销商": the customer's dealer and its man)
    r"|^的[^，。！？]{1,5}[，,]\s*我们(?:最大|最好|最老)?的(?:经销商|代理商|供应商|集成商|服务商)"
)
_LEGAL_NAME = re.compile(r"[\u4e00-\u9fa5（）()]{2,30}?(?:股份有限公司|有限责任公司|有限公司)")


def _known_match(
    name: str, known: list[KnownAccount], context: str = "", span: tuple[int, int] | None = None
) -> KnownAccount | None:
    """The CRM account a company name said in the text refers to, if any."""
    for a in known:
        if any(
            # "保险经纪" is in 瑞丰保险经纪 but names nobody in particular: the brand must be said
            (t.lower() in name.lower() or (name.lower() in t.lower() and core_name(a.name)[:2] in name))
            and not (_LEGAL_FORM.search(name) and core_name(name) != core_name(a.name))
            and not (span is not None and _inside_other_legal_name(context, span[0], span[1], a))
            for t in _terms(a)
            if len(t) >= 2
        ):
            return a
    return None


def _inside_other_legal_name(text: str, start: int, end: int, account: KnownAccount) -> bool:
    for m in _LEGAL_NAME.finditer(text):
        if m.start() <= start and end <= m.end():
            return core_name(m.group(0)) != core_name(account.name)
    return False


_SELF_INTRO_COMPANY = re.compile(
    r"我是\s*(?P<name>[^\W\d_的您你我他她们个]{4,24}?)的\s*"
    rf"(?:创始人|负责人|老板|合伙人|[\u4e00-\u9fa5]{{0,4}}(?:经理|主管|总监|主任|[校院厂店园馆所社]长|理事长|董事长|会长|总))?\s*"
    rf"(?P<person>{_PERSON}|[小老](?:{SURNAMES}))(?=[，,。！!]|$)"
)
_SELF_INTRO_DEPARTMENT = re.compile(
    r"我是\s*(?P<name>[\u4e00-\u9fa5A-Za-z]{3,10}?)"
    r"(?:服务|销售|采购|技术|市场|运营|财务|行政|信息|人事|客服|工程|生产|质量|质检|物流|仓储|售后|维保|业务|外贸|研发|商务|计划|企划|法务|设备|安全|人力资源|人力|招商|加盟|品牌|电商|客户)部"
    r"(?:的)?(?:经理|主管|总监|主任|负责人|部长|副经理)\s*"
    rf"(?P<person>{_PERSON})(?=[，,。！!]|$)"
)
_CUSTOMER_CALLS_ITSELF = (
    # "贵司属于浙江宏达管业集团股份有限公司，本次由宏达塑管单独采购": who buys this time
    re.compile(
        r"(?:本次|这次|此次)由\s*([\u4e00-\u9fa5A-Za-z0-9]{2,12}?)\s*(?:单独|自己|自行|独立)?(?:采购|购买|签约|签合同|出钱)"
    ),
    # "这次CRM是我们安济肛肠门诊自己采购，集团不统一买"
    re.compile(
        r"(?:本次|这次|此次)[A-Za-z\u4e00-\u9fa5]{0,6}?是(?:我们|咱们)\s*([\u4e00-\u9fa5A-Za-z0-9]{3,12}?)\s*"
        r"(?:单独|自己|自行|独立)(?:采购|购买|签约|签合同|出钱|买)"
    ),
    # "我们是鲁冷供应链集团下面做运输的这块，对外就叫鲁冷速运": the name the customer goes by
    re.compile(
        r"(?:对外|外面|平时|一般|大家)(?:都|就|一般)?(?:叫|称)(?:做|作)?(?:我们)?\s*"
        r"([\u4e00-\u9fa5A-Za-z0-9]{3,12}?)(?=[，,。；;！!]|$)"
    ),
    # "我们讯达对讲就是个小公司，卖对讲机的": the customer calls its company by name
    re.compile(
        r"我们\s*([\u4e00-\u9fa5A-Za-z0-9]{3,10}?)(?:就|也|只|其实|本身)?是(?:一)?[个家](?:小|小小的|很小的|不大的)?"
        r"(?:公司|企业|厂|工厂|店|门店|作坊|工作室|商行|门市部|养殖场|农场|合作社)"
    ),
)
_ASKS_FULL_NAME = re.compile(
    # ("执照上的名字是？": the licence carries the legal name)
    r"(?:全称|抬头|公司名称?|单位名称?|执照上?的?(?:名字|名称)|注册的?(?:名字|名称))[^，。]{0,4}"
    r"(?:是|写|叫)?(?:什么|哪个|啥)?\s*[？?]\s*$"
    # ("抬头还是跟原合同一样吗？" – "一样，长沙…有限公司。")
    r"|抬头[^，。？?]{0,10}(?:一样|不变|没变)吗?\s*[？?]\s*$"
)
_NOTES_TITLE = re.compile(r"记录|纪要|沟通|拜访|电话|会议|录音|转写|妙记|闪记|小记|小结|笔记|总结|摘要|导出|整理")
_CALLED_PERSON = re.compile(
    r"(?:^|[，,。！!？?\s]|您好|你好|喂)(?:请问)?(?:您|你)?是\s*([\u4e00-\u9fa5][\u4e00-\u9fa5A-Za-z0-9]{2,13}?)的\s*"
    rf"(?:{_PERSON}|(?:{SURNAMES})(?:总|经理|师傅|工|老师|姐|哥|老板|厂长|店长|主任|园长|校长|院长)|[小老](?:{SURNAMES}))"
    r"\s*(?:吗|嘛|吧|是吧|对吧|[？?])"
)


def _described_under_parent(text: str, start: int) -> bool:
    """ "织源袜业是浙江织源控股集团有限公司旗下的袜子工厂": what follows 旗下的 describes the company named first."""
    if not re.search(r"(?:旗下|下面|下属)的?\s*$", text[:start]):
        return False
    subject = re.match(
        r"\s*(?:\d{1,2}[.、]\s*)?(?:[\u4e00-\u9fa5]{1,6}[：:]\s*)?([\u4e00-\u9fa5A-Za-z]{2,12}?)(?:是|为)", text[:start]
    )
    return bool(subject) and not re.match(r"我|咱|这|那|他|她|它|贵|你|您", subject.group(1))


def _account(
    sentences: list[Sentence],
    text: str,
    known: list[KnownAccount],
    org: OrgProfile | None = None,
    sides: Sides | None = None,
) -> tuple[Fact | None, int | None, list[Fact], list[str]]:
    """The customer in the meeting, other companies mentioned (references, partners, competitors' clients),
    and every way the text writes the customer ("净白工厂", "净白" beside 佛山净白布草洗涤服务有限公司).

    The customer is the company in the header ("客户：…"), the one its people introduce themselves with, or the
    one talked about most. Never our own company or product, a competitor, an integrator or partner, a
    parent group, a reference customer or the customer's own client.
    """
    org = org or OrgProfile()
    sides = sides or Sides()
    lowered = text.lower()
    scores: dict[str, float] = {}
    first: dict[str, Sentence] = {}
    ids: dict[str, int | None] = {}
    written: dict[str, list[str]] = {}
    excluded: set[str] = set()
    examples: set[str] = set()
    sisters: set[str] = set()
    parents: set[str] = set()

    def see(name: str, weight: float, sentence: Sentence, account_id: int | None, form: str | None = None) -> None:
        scores[name] = scores.get(name, 0.0) + weight
        if name not in first or sentence.start < first[name].start:
            first[name] = sentence
        ids.setdefault(name, account_id)
        written.setdefault(name, []).append(form or name)

    def see_named(name: str, weight: float, sentence: Sentence) -> None:
        """A company named outright (a label, a title, a self-introduction): the CRM's account when it is one."""
        sister = re.match(r"(?:兄弟|姐妹|姊妹|关联)(?:公司|单位|厂)", name)
        if sister:  # "我们兄弟单位星柠酒吧那边": a sister company, never the buyer
            sisters.add(name[sister.end() :])
            return
        match = _known_match(name, known)
        if match is not None and not org.is_ours(match.name):
            see(match.name, weight, sentence, match.id, name)
        else:
            see(name, weight, sentence, None)

    def see_brand(name: str, sentence: Sentence) -> None:
        """A brand and trade said in passing ("我们琉光琉璃瓦这边"): a name unless it is generic, a person, ours or a
        competitor's."""
        if not (
            _GENERIC_IN_BRAND.search(name)
            or _looks_like_person(name)
            or org.find_ours(name)
            or org.is_ours(name)
            or org.find_competitors(name)
        ):
            see_named(name, 3.0, sentence)

    for account in known:
        terms = _terms(account)
        if org.is_ours(account.name) or not any(t.lower() in lowered for t in terms):
            continue
        sister = any(
            _SISTER_BEFORE.search(text[max(0, m.start() - 8) : m.start()])
            for t in terms
            if len(t) >= 2
            for m in re.finditer(re.escape(t), text)
        )
        if sister:
            continue  # "我们兄弟公司楚天新材料": a sister company that shares a word with a CRM account
        # "河南启明教育图书有限公司" is not the CRM's 江苏启明教育科技有限公司: a term seen only inside another
        # company's full name names that company
        if all(
            _inside_other_legal_name(text, m.start(), m.end(), account)
            for t in terms
            for m in re.finditer(re.escape(t), text)
        ):
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
    competitor_spans = []
    # a note's bullet keys ("- 预算：", "4. 报价：") are labels, but nobody talks: the note is still the rep's own
    labelled = any(s.speaker and not _NOTE_FIELD.search(s.speaker) for s in sentences)
    labels_seen: set[str] = set()
    labels_seen_legal: set[str] = set()
    # the turn before each sentence, when someone else said it: a question and its answer
    previous_turn = {
        id(b): a for a, b in zip(sentences, sentences[1:]) if a.speaker and b.speaker and a.speaker != b.speaker
    }
    for s in sentences:
        competitor_spans = [(h.start, h.end) for h in org.find_competitors(s.text)]
        candidates: list[tuple[str, float, int, int]] = []
        products: list[tuple[int, int]] = []  # brackets after a header's company name
        header = _CUSTOMER_HEADER.search(s.text)
        if header is None and re.fullmatch(r"[-•*·\d.、\s]*(?:客户(?:名称|单位)?|拜访客户|对方单位|对象)", s.speaker):
            # "- 客户：跳跳星球蹦床公园（万象城四楼店）": a note's bullet key names the customer
            header = _CUSTOMER_HEADER.search(f"客户：{s.text}")
            if header is not None:
                header = re.search(re.escape(header.group(1)), s.text) and _BULLET_VALUE.match(s.text)
        if header and (not s.speaker or header.re is _BULLET_VALUE or s.speaker in ("群公告", "公告")):
            value = header.group(1)
            value = re.sub(r"[（(][^）)]*(?:[、，,]|总|经理)[^）)]*[）)]$", "", value)
            if not (_looks_like_person(value) or "、" in value or re.search(r"总|经理|主任", value)):
                candidates.append((value, 5.0, header.start(1), header.start(1) + len(value)))
        side_here = sides.side(s.speaker)
        # ("我是苏纶软件的马工": the integrator's engineer names his own company; "Speaker 3" being 刘工 of it)
        third_speaker = bool(s.speaker) and sides.excluded(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
        visited_spans: set[tuple[int, int]] = set()
        if not s.speaker and s.start == 0 and re.search(r"[|｜]", s.text) and _NOTES_TITLE.search(s.text):
            # "6月9日（周五）电话沟通记录｜芯造3D打印｜记录人：郑雪": the notes' title names whom they are about
            at = 0
            for part in re.split(r"([|｜])", s.text):
                # ("佛山顺德 眠云床垫": the place, then who; "昆山恒包新材料有限公司 采购部" is read below)
                name = part.strip().split()[-1] if part.strip() and not org_mentions(part) else ""
                if (
                    re.fullmatch(r"[\u4e00-\u9fa5][\u4e00-\u9fa5A-Za-z0-9]{2,13}", name)
                    and not _NOTES_TITLE.search(name)
                    and not re.search(
                        r"[\d零一二三四五六七八九十]\s*[月日号年]|周[一二三四五六日天]|时长|分钟|纪要|智能|转文字", name
                    )
                    and not org.is_ours(name)
                    and not org.find_ours(name)
                    and not _looks_like_person(name)
                    and not org_mentions(name)  # a name with a trade word the finder knows is read below
                ):
                    start = at + part.find(name)
                    candidates.append((name, 3.0, start, start + len(name)))
                at += len(part)
        if side_here is not True:
            # "我是心语心理咨询的创始人鲁文博": the customer's people introduce themselves with its name; and
            # "我是精擎机器人服务部经理马骁": the company, then the department and the job, no 的 between
            for m in (
                ()
                if third_speaker
                else (*_SELF_INTRO_COMPANY.finditer(s.text), *_SELF_INTRO_DEPARTMENT.finditer(s.text))
            ):
                name = m.group("name")
                if not (
                    org.is_ours(name)
                    or org.find_ours(name)
                    or _THIRD_PARTY.search(name)
                    or re.match(_NOT_A_COMPANY, name)
                    # ("我是信息中心的贾工", "我是长沙片区的区域经理黎国华": a department or an area, not the company)
                    or re.search(
                        # ("我是声浪架子鼓教室的校长韩啸": a 教室 or 工作室 is a business, a 科室 is not)
                        r"(?:[部处科组区市省县镇]|(?:科|会议|教研|实验|档案)室|片区|区域|大区|分公司|总部|门店|事业部"
                        r"|办公室|车间|项目组)$",
                        name,
                    )
                    # ("我是信息中心的贾工", "客户服务中心的…"; but "是康舟高压氧治疗中心的运营主任": a business)
                    or re.fullmatch(rf"[\u4e00-\u9fa5]{{0,2}}(?:{_DEPARTMENT_CENTRE}|中心)", name)
                    or (m.group("person") or "") in sides.third
                ):
                    candidates.append((name, 6.0, m.start("name"), m.end("name")))
        if side_here is not True and not third_speaker:
            for pattern in _CUSTOMER_CALLS_ITSELF:
                for m in pattern.finditer(s.text):
                    name = m.group(1)
                    if not (org.is_ours(name) or org.find_ours(name) or re.match(_NOT_A_COMPANY, name)):
                        candidates.append((name, 6.0, m.start(1), m.end(1)))
        if side_here is not False and s.start < 400:
            # "想问下泥语硅藻泥门店系统的事考虑得怎么样了": our rep asks about the customer's project by its name
            for m in re.finditer(
                r"(?:想问下|想问问|想问一下|问下|问一下|跟进一下)\s*([\u4e00-\u9fa5A-Za-z0-9]{3,10}?)"
                r"(?:那边|这边|门店|店里|厂里|公司)?的?(?:系统|CRM|crm|项目|事|选型)",
                s.text,
            ):
                name = m.group(1)
                if not (
                    org.is_ours(name)
                    or org.find_ours(name)
                    or re.match(r"[您你咱我他她]|一下|下|上次|上回|之前|那个|这个", name)
                    or re.search(r"那个|这个|报价|合同", name)
                ):
                    candidates.append((name, 4.0, m.start(1), m.end(1)))
        # "地点：启明会计培训 五一路校区": where the meeting was, the customer's own site
        place = re.match(
            r"\s*(?:日期|时间)?[^地]{0,30}地点[：:]\s*([\u4e00-\u9fa5A-Za-z0-9]{3,12})\s+\S{0,8}(?:校区|门店|分店|总部|厂区|园区|基地)",
            s.text,
        )
        if place and not (org.is_ours(place.group(1)) or org.find_ours(place.group(1))):
            candidates.append((place.group(1), 4.0, place.start(1), place.end(1)))
        if side_here is not True:
            # "是我，快修侠手机维修这边", "我们宏运输送带这边已经定了": the customer speaking for its company
            for m in re.finditer(
                r"(?P<lead>(?:[，,。]\s*)?(?:我们|咱们)|是我[，,]\s*|[，,。]\s*|^)\s*(?P<name>[\u4e00-\u9fa5A-Za-z0-9]{3,10}?)"
                r"(?:这边(?=的事|的情况|已经|现在|我|是|也|都|[，,。])|(?<=..)(?=这次决定|这次选|最后决定|已经决定))",
                s.text,
            ):
                name = m.group("name")
                if (
                    org.is_ours(name)
                    or org.find_ours(name)
                    or org.find_competitors(name)
                    or _looks_like_person(name)
                    or re.match(
                        r"[我你您他她咱这那]|公司|集团|总部|财务|销售|技术|门店|厂里|店里|部门|客户|老板|领导", name
                    )
                    # ("我们旗舰店这边也要用", "我们电商渠道": a part of theirs, not the company)
                    or re.search(
                        r"[部区市省县组室店]$|公司|集团|部门|渠道|团队|板块|事业|车间|仓库|工厂|基地|线上|线下|电商",
                        name,
                    )
                ):
                    continue
                strong = bool(re.search(r"我们|咱们|是我", m.group("lead")))
                candidates.append((name, 6.0 if strong else 3.0, m.start("name"), m.end("name")))
        # "上周去你们墨境晒图店里那个小简": the rep's visit, said to the customer
        for m in re.finditer(
            r"(?:去|到)了?你们\s*([\u4e00-\u9fa5A-Za-z0-9]{3,12}?)\s*(?:店里|厂里|公司里?|办公室|总部)", s.text
        ):
            if not (org.is_ours(m.group(1)) or org.find_ours(m.group(1))):
                candidates.append((m.group(1), 5.0, m.start(1), m.end(1)))
        if side_here is not False:
            # "喂您好，是快通管道疏通的刘师傅吗？": our rep checks whom the call reached
            for m in _CALLED_PERSON.finditer(s.text):
                name = m.group(1)
                if not (org.is_ours(name) or org.find_ours(name) or _looks_like_person(name)):
                    candidates.append((name, 6.0, m.start(1), m.end(1)))
        if not s.speaker and s.start < 160:
            # "微信聊天记录（与 蓝桥校服-马姐）", "微信 | 与 时光匠-葛店长 的对话", "与“麦香坊 贺姐”": whom a chat
            # export is with
            for m in re.finditer(
                r"与\s*[“\"「]?\s*([\u4e00-\u9fa5A-Za-z0-9]{2,14})(?:\s*[-－—·]\s*|\s+)([\u4e00-\u9fa5]{1,4}|[A-Z][a-z]{1,12})"
                r"(?=\s|[）)”\"」]|的|$)",
                s.text,
            ):
                company, person = m.group(1), m.group(2)
                if (
                    (
                        _looks_like_person(person)
                        or re.fullmatch(rf"{_NICK}|(?:{SURNAMES})[\u4e00-\u9fa5]{{1,2}}", person)
                    )
                    and not org.is_ours(company)
                    and not org.find_ours(company)
                    and not org.find_competitors(company)
                ):
                    see_named(company, 4.0, s)
        if not s.speaker and s.start < 200:
            # a group's name pairs the customer with us: "微信群「麦霸KTV×云帆 会员系统」", "鲜达冷链 × 云帆"
            pairs = re.finditer(
                r"([\u4e00-\u9fa5A-Za-z0-9]{2,14})\s*[×xX＆&]\s*([\u4e00-\u9fa5A-Za-z0-9]{2,14})", s.text
            )
            pairs = list(pairs) if len(re.findall(r"[×＆&]", s.text)) == 1 else []
            # "微信群「云朵羊驼牧场-云帆」": a dash between the two, in a group's name
            group = re.search(
                r"群[「『\[【“\"]?\s*([\u4e00-\u9fa5A-Za-z0-9]{2,14})\s*[-－—]\s*([\u4e00-\u9fa5A-Za-z0-9]{2,14})",
                s.text,
            )
            # ("云帆×拓维×云图": three parties, a partner among them; the title does not say which is the customer)
            for m in pairs or ([group] if group else []):
                left, right = m.group(1), m.group(2)
                if org.find_ours(right) or org.is_ours(right):
                    pair = left
                elif org.find_ours(left) or org.is_ours(left):
                    pair = right
                else:
                    continue
                pair = re.sub(r"^(?:微信群|群聊|钉钉群|企业微信群|企微群|项目群)", "", pair)
                if len(pair) >= 2 and not org.find_competitors(pair) and not org.is_ours(pair):
                    see_named(pair, 3.0, s)
        if not s.speaker and s.start < 120:
            # a chat export's title names who the chat is with: "微信 · 李姐（彩云花语）"
            for m in re.finditer(r"(?:^|[\s·|｜:：])([^\s·|｜:：（()]{2,4}[（(][^）)]{2,20}[）)])(?=\s|$)", s.text):
                company = label_company(m.group(1))
                person = _person_of(re.sub(r"[（(].*", "", m.group(1)))
                if (
                    company
                    and (_looks_like_person(person) or re.fullmatch(_HONORIFIC.pattern, person))
                    and not org.is_ours(company)
                    and not org.find_ours(company)
                    and not _THIRD_PARTY.search(company)
                    and person not in sides.ours
                ):
                    see_named(company, 3.0, s)
        intro = None if third_speaker else (_INTRO_COMPANY.search(s.text) or _OUR_COMPANY_DOES.search(s.text))
        if s is sentences[0] and not s.speaker and not intro:
            intro = re.search(r"(?:拜访|走访|回访|沟通)\s+([\u4e00-\u9fa5A-Za-z]{3,14})(?=\s|$)", s.text)
        if intro and side_here is not True:
            name = intro.group(1)
            if not (
                org.find_ours(name)
                or org.is_ours(name)
                or org.find_competitors(name)
                or _THIRD_PARTY.search(name)
                or re.search(
                    # ("轻盈体重管理中心" is a business; "集团信息中心" an office)
                    rf"[部处室组科办店区线]$|^[\u4e00-\u9fa5]{{0,2}}{_DEPARTMENT_CENTRE}$|"
                    r"^[\u4e00-\u9fa5]{0,2}中心$|集团|这边|那边|负责|同事|我们|公司的|^(?:来|去|想|要|在|做|专门|第一次)"
                    # ("我是这里的校长方晓琳", "我是这个厂的厂长黄振雄": where, not which)
                    r"|^(?:这|那)(?:里|儿|个|家)"
                    # "我们老板同意了先买八个账号就是做…": a clause, not a name
                    r"|了|[零一二两三四五六七八九十百千\d]个|同意|觉得|知道|已经|老板|领导",
                    name,
                )
                or _looks_like_person(name)
            ):
                see_named(name, 4.0, s)
        if not third_speaker:
            # "今天主要想把咱们轻衡体重管理中心的需求再对一下" (our rep), "我们茗心茶艺学校的老师…": the customer's
            # own name, with what kind of place it is
            own = re.search(
                rf"{'咱们' if side_here is True else '(?:我们|咱们)'}"
                r"((?!这|那|本)[\u4e00-\u9fa5]{2,10}?(?:管理中心|中心|学校|医院|诊所|门诊部|工作室|商行|门市部|合作社))"
                r"(?=的|这边|[，,。]|现在|目前)",
                s.text,
            )
            if own and not re.search(
                rf"^[\u4e00-\u9fa5]{{0,2}}{_DEPARTMENT_CENTRE}$|^(?:客服|信息|数据|运营|培训|物流|仓储|研发)",
                own.group(1),
            ):
                # ("我们陶然居紫砂就是个工作室": what it is, not its name)
                if not (
                    org.find_ours(own.group(1))
                    or _looks_like_person(own.group(1))
                    or re.search(r"[是就个的了在有都也还这那]", own.group(1))
                ):
                    see_named(own.group(1), 4.0, s)
        if side_here is not True and not third_speaker:
            # "我们西安蜡影文化艺术中心这边，主要是两块业务": the customer's own name before 这边 (but "我们华英学校
            # 那边的朋友用的是海纳CRM": where a friend works)
            for m in re.finditer(
                r"(?:我们|咱们)([\u4e00-\u9fa5]{4,16}?)(?:这边|那边|这儿|这里)(?!的?(?:朋友|同行|同学|熟人|老乡))",
                s.text,
            ):
                name = m.group(1)
                if (
                    re.search(r"(?:中心|馆|院|社|场|厂|店|行|坊|庄|园|所|会|公司)$", name)
                    and not re.search(rf"{_DEPARTMENT_CENTRE}$|门店|分店|总店|部", name)
                    and not org.find_ours(name)
                    and not org.find_competitors(name)
                ):
                    see_named(name, 4.0, s)
        unlabelled_customer = not labelled and not any(n and n in s.text for n in sides.ours)
        customer_talking = not third_speaker and (side_here is False or (side_here is None and unlabelled_customer))
        if side_here is True or customer_talking:
            # "我们琉光琉璃瓦这边", "我们老俞记酱鸭现在直营店十四家": the customer's people call their company by
            # brand and trade, and the trade can be any word ("琉璃瓦", "酱鸭"); so does our rep with 咱们, which
            # includes the customer ("咱们大成篷布现在做货车篷布…"), while our rep's 我们 is our company
            for m in _OWN_BRAND.finditer(s.text):
                if side_here is not True or m.group(0).lstrip("，,。！!？? ]】").startswith("咱们"):
                    see_brand(m.group(1), s)
        if side_here is True:
            # our rep on site: "今天来潮记砂锅粥总部，主要想聊聊…": the place the rep came to is the customer's
            for m in re.finditer(
                r"(?:今天|这次|上午|下午|专门)(?:来|到)(?:咱们|贵司)?([\u4e00-\u9fa5A-Za-z]{3,12}?)(?:总部|厂里|店里|公司|办公室)",
                s.text,
            ):
                see_brand(m.group(1), s)
        if customer_talking:
            for m in _OWN_BRAND_SHORT.finditer(s.text):
                # "我们蓝礁现在门店五家" beside "蓝礁水族这边的方案": the brand alone, written in full elsewhere
                brand = m.group(1)
                if _GENERIC_IN_BRAND.search(brand) or core_name(brand + "某某") != brand + "某某":
                    continue  # ("我们上海这边": a city)
                longer = {
                    x.group(0)
                    for x in re.finditer(rf"{brand}[\u4e00-\u9fa5]{{1,4}}?(?=这边|那边|的|[，,。！!？?\s])", text)
                    if not _GENERIC_IN_BRAND.search(x.group(0)[len(brand) :])
                }
                if len(longer) > 1:
                    continue  # two longer forms: which one is the customer's is not said
                # ("我们恒远这边主要做建材批发": the brand alone when the text has no longer form of it)
                name, weight = (longer.pop(), 3.0) if longer else (brand, 1.5)
                if not (org.find_ours(name) or org.find_competitors(name) or _looks_like_person(name)):
                    see_named(name, weight, s)
        # (the line's key, also for a part of the line cut at "；": "参会：罗涵（云帆科技）；泉谷温泉山庄 田甜 等")
        line_start = text.rfind("\n", 0, s.start) + 1
        listed = re.match(r"[\s\-•*>]*(?:参与人|参会人?|与会|出席|主题|会议主题)\s*[：:]", s.text) or (
            re.match(r"[\s\-•*>]*(?:参与人|参会人?|与会|出席)\s*[：:]", text[line_start : s.start])
        )
        if (not s.speaker and s.start < 300) or (
            listed and not re.search(r"主题", listed.group(0)) and not re.search(r"[？?！!]", s.text)
        ):
            # "参与人：韦涛（云帆科技），千岛湖碧波游船 - 龚总", "参会人：…；禾丰种业 余伟（销售副总）", "主题：禾丰种业 渠道…"
            # (also in a mail's recap further down: "- 参会：蓝晶钛白 蒋卫国（销售副总）、邱雪梅")
            for m in (
                re.finditer(
                    rf"(?:^|[：:，,；;、]|[（(](?=[\u4e00-\u9fa5]{{2,12}}\s*(?:CRM|项目|需求|方案|系统)))"
                    rf"\s*([\u4e00-\u9fa5A-Za-z]{{2,12}})(?<!公)\s*(?:[-－—·]\s*)?(?=(?:{_PERSON}(?:副?总经理|副总|经理|主任|总监)?|{_NICK}|(?:{SURNAMES})[总工]|渠道|CRM|客户|销售|项目|需求|方案|系统)(?![\u4e00-\u9fa5]{{3}}))",
                    s.text,
                )
                if listed
                else ()
            ):
                name = m.group(1)
                if (
                    len(name) >= 2
                    and not (org.find_ours(name) or org.is_ours(name) or org.find_competitors(name))
                    and not _looks_like_person(name)
                    # ("主题：今天钉钉视频会议纪要（海晟锚链 CRM）": 纪 is a surname, the meeting is no company)
                    and not re.search(
                        r"参与人|参会|与会|出席|主题|项目|方案|系统|沟通|会议|视频|电话|回复|今天|昨天", name
                    )
                    and not re.fullmatch(r"客户方?|甲方|乙方|我方|对方|销售|售前|实施|顾问|记录人?|主持人?", name)
                ):
                    see_named(name, 2.0, s)
        company = label_company(s.speaker) if s.speaker not in labels_seen else None
        labels_seen.add(s.speaker)
        if (
            company
            and side_here is False
            and not sides.excluded(_person_of(s.speaker))
            and not org.is_ours(company)
            and not org.find_competitors(company)
            and not _THIRD_PARTY.search(company)
        ):
            see_named(company, 2.0, s)  # "阿珍（茶小满 店务总监）": the customer's people carry its name
        elif company is None and s.speaker and side_here is not True and s.speaker not in labels_seen_legal:
            # "厦门海晟冷链物流有限公司 蒋总 回电：…": a note's line led by a customer's legal name and person
            labels_seen_legal.add(s.speaker)
            for name, _a, _b in org_mentions(s.speaker):
                if _LEGAL_FORM.search(name) and not org.is_ours(name) and not _THIRD_PARTY.search(s.speaker):
                    see_named(name, 2.0, s)
        for m in _SUBSIDIARY.finditer(s.text):
            if _described_under_parent(s.text, m.start(1)):
                continue
            if not _BUSINESS_UNIT.search(m.group(1)):
                candidates.append((m.group(1), 6.0 if side_here is not True else 2.0, m.start(1), m.end(1)))
        # ("集团全称是云岭机场集团有限公司，那个不对": a name said to be the wrong one)
        contract_names = [
            m
            for m in _CONTRACT_NAME.finditer(s.text)
            if not re.match(r"\s*[，,]?\s*(?:那个|这个)(?:不对|是错的)|\s*[，,]?\s*不是这个", s.text[m.end(1) :])
        ]
        for m in contract_names:
            candidates.append((m.group(1), 8.0, m.start(1), m.end(1)))
        if not s.speaker and s.start < 300:
            # "主题：回复：7月20日钉钉视频会议纪要 - 华康骨科CRM项目": the mail's subject names whose project it is
            for m in re.finditer(
                r"(?:主题|标题|Subject)\s*[：:][^\n]*?[-－—–|｜]\s*([\u4e00-\u9fa5A-Za-z0-9]{2,12}?)\s*"
                r"(?:CRM|crm|SCRM|系统|软件|项目|采购|选型)",
                s.text,
            ):
                if not (
                    org.is_ours(m.group(1))
                    or org.find_ours(m.group(1))
                    # ("… – 船员管理CRM", "会员管理系统": what the system manages, no company)
                    or re.fullmatch(r"[\u4e00-\u9fa5]{2}管理", m.group(1))
                ):
                    candidates.append((m.group(1), 4.0, m.start(1), m.end(1)))
        if (
            s.speaker
            and re.fullmatch(r"(?:合同|发票|开票)?抬头|合同主体|公司全称|全称|开票信息|客户全称", s.speaker)
            and re.search(re.escape(s.speaker) + r"\s*[：:]\s*$", text[max(0, s.start - 16) : s.start])
        ):
            # "2. 合同抬头：广州途捷商旅服务有限公司（卓总确认）": a note's key, the name its value
            value = _BULLET_VALUE.match(s.text)
            if value and not (org.is_ours(value.group(1)) or org.find_ours(value.group(1))):
                candidates.append((value.group(1), 8.0, value.start(1), value.end(1)))
        asked = previous_turn.get(id(s))
        if side_here is not True and asked is not None and _ASKS_FULL_NAME.search(asked.text):
            # "咱们门市部的全称是？" – "宜宾市翠屏区驰风摩托车门市部。": the answer to our rep's question is the name
            reply = re.match(
                r"\s*(?:(?:一样|没变|不变|对|是的|还是)[，,]\s*)?"
                r"(?:就是|是|写|叫|全称|开)?[：:\s]*([\u4e00-\u9fa5（）()]{6,30}?)(?=[，,。；;！!]|$)",
                s.text,
            )
            if reply and not (
                org.is_ours(reply.group(1))
                or org.find_ours(reply.group(1))
                or re.match(rf"{_NOT_A_COMPANY}|[好对嗯哦行稍等]|就|是", reply.group(1))
            ):
                candidates.append((reply.group(1), 8.0, reply.start(1), reply.end(1)))
        for m in [] if contract_names else _CONTRACT_NAME_ANY.finditer(s.text):
            # "合同抬头写渭南市华州区老腔皮影剧社": whatever follows the contract's title is the name, any trade
            name = m.group(1)
            if not (
                org.is_ours(name)
                or org.find_ours(name)
                or _looks_like_person(name)
                or find_money(name)
                or re.search(r"全称|抬头|名称|名字|^写|^[的和跟与]|是$|什么|哪个|一下", name)  # "发票的事找我"
                # ("她只管开票，那就九个": the next clause, no name)
                or re.match(r"那|这|就|然后|所以|但|也|再", name)
                # ("合同和发票寄给小鲍": where the papers go, to a person)
                # ("合同抬头按您给的开票信息填写": how to fill it in, not the name)
                or re.match(r"[寄发送交找问给由让我你您他她咱按照跟用以请]", name)
                # ("发票请寄给我们财务程晓", "合同和发票可以走我们华信")
                # ("临沂市兰山区通衢货运信息服务部" holds 信息 inside it)
                or re.search(r"[您你]|^信息|信息$|填写|(?:寄|发|交|转)给|我们|咱们|可以|走", name)
                or re.search(rf"(?:{_NICK})$", name)
                or s.text[m.end(1) : m.end(1) + 1] in ("？", "?")  # "合同抬头写全称是？": asked, not said
            ):
                candidates.append((name, 6.0, m.start(1), m.end(1)))
        if not labelled:  # a rep's own report: "今天去了麦香坊烘焙，见了庞总", "刚从力健健身出来"
            for m in VISITED_NAME.finditer(s.text):
                name = visited_name(m)
                # "去的祥和服饰车总接待的": the company ends where the person who received the rep begins
                name = re.sub(
                    rf"(?<=[\u4e00-\u9fa5]{{2}})(?:{SURNAMES})(?:总|经理|老板)(?:接待|亲自|在|说).*$", "", name
                )
                at = s.text.find(name, m.start())
                after = s.text[at + len(name) :]
                behind = re.match(r"(?:那边|这边|家)的([\u4e00-\u9fff]{2,8}?)(?=见|出来|[，,。]|$)", after)
                if behind is None and re.fullmatch(r"城[东南西北]|市区|郊区|[新老]区|开发区|县城|镇上|园区", name):
                    # "去了城南的冰悦真冰滑冰场": where in town, then the customer
                    behind = re.match(r"的([\u4e00-\u9fff]{2,12}?)(?=，|,|。|见|$)", after)
                if behind:  # "去了趟老刘那边的路通，见了刘总": the company is the one behind 的
                    name, at = behind.group(1), at + len(name) + behind.start(1)
                    after = s.text[at + len(name) :]
                # nobody "去了金诺": after a verb of going, a two-character name is a brand, even with a surname;
                # so is the X of "见了华邦的王总"
                went = (
                    behind
                    or not m.group("name")
                    or re.search(r"(?:去了趟|去了|去的|去拜访了?|拜访的|到了)\s*(?:那个|一趟)?\s*$", s.text[:at])
                )
                if (
                    (
                        _looks_like_person(name)
                        and not (
                            (went or re.match(rf"的(?:{SURNAMES})(?:总|经理|工|主任|老板)", after))
                            and not _HONORIFIC.fullmatch(name)
                        )
                    )
                    or re.match(_NOT_A_COMPANY, name)
                    or re.match(
                        r"^(?:一|趟|下|过|年|他|她|我|客户|现场|公司|门店|总部|办公室|记录|纪要|小记|日志|笔记|录音|报告|"
                        r"拜访|回访|走访|上门|沟通)",
                        name,
                    )
                    or re.match(r"^[打发给说问看做找带跟把再就也还都]", name)  # "到了打这个"
                    or re.search(r"(?:总|经理|主任|老师|工|姐|哥)$", name)
                    or re.search(
                        r"今天|明天|昨天|电话|沟通|方案|会议|时间|提醒|安排|或者|然后", name
                    )  # "约了今天电话沟通方案"
                    # "见了团建销售 小贾", "上门演示": a role, or what the rep went to do
                    or re.search(r"(?:销售|采购|财务|客服|顾问|专员|助理|主管|负责人|对接人)$", name)
                    or re.fullmatch(r"演示|培训|调研|安装|实施|签约|交流|测试|部署|对接|讲解|汇报|调试|服务|维修", name)
                    # "租期快到了会提醒业务员去续租": a long run without a trade word is a clause, not a name
                    or (len(name) > 8 and not _ORG_TAIL.search(name))
                    # "见了行政总监吴静", "见了主理人宁可"
                    or re.search(rf"{_TITLE_ALT}|总监|经理|律师|老师|院长|校长|老板|主理人|店主|创始人|馆长|园长", name)
                    or _HONORIFIC.search(name)
                    or re.match(r"(?:那边|这边|里|旁边)的", after)  # "软件园那边的蓉智教育"
                ):
                    continue
                # where the rep went is the customer, whatever else the report mentions
                candidates.append((name, 6.0, at, at + len(name)))
                visited_spans.add((at, at + len(name)))
        place = re.search(r"(?:会议)?地点\s*[：:]\s*", s.text) if not s.speaker and s.start < 300 else None
        if place or (
            # ("拜访纪要（记录人：…）" then "日期：2031-04-09 现场拜访 新禾节水灌溉": the dated line under a title)
            s in sentences[:2]
            and not s.speaker
            and s.start < 120
            and re.search(r"\d{4}[-/.年]\d{1,2}|\d{1,2}月\d{1,2}", s.text)
        ):
            # a rep's note header: "2027-01-19 周二 电话 海晟水产 孙总" — the company sits before the person
            # "电话录音 2027-09-28 周二 北冥冰球", "拜访录音转写 2027-06-21 甜蜂养蜂器材 门店现场": a header's
            # one name that is not about the meeting itself is the customer, whatever its trade; so is the
            # place the meeting was held at: "地点：松岭矿泉 三楼会议室", "地点：长沙 湘韵绣庄 开福区工作室"
            tokens = re.split(r"\s+|[|｜]" + (r"|[，,、]" if place else ""), s.text[place.end() :] if place else s.text)
            for m in re.finditer(
                # ("电话沟通要点（2042-12-29 周一下午，和暖居壁炉 骆总、小于）": whom the call was with, in brackets)
                rf"[，,（(]\s*[和与跟同]([\u4e00-\u9fa5]{{3,10}})\s+(?:{SURNAMES})(?:总|经理|工|老板|主任|姐|哥)",
                s.text,
            ):
                if not (org.find_ours(m.group(1)) or _looks_like_person(m.group(1))):
                    candidates.append((m.group(1), 3.0, m.start(1), m.end(1)))
            if place:
                # "地点：深圳福田，知衡背景调查办公室": the customer's own office
                tokens = [re.sub(r"(?<=[\u4e00-\u9fa5]{4})(?:办公室|门店)$", "", t) for t in tokens]
            # "通话记录 2027-09-14 与恒远建材张总": whom the call was with, the person after the company
            tokens = [
                re.sub(
                    rf"^[与和跟同](?=[\u4e00-\u9fa5]{{4}})|(?<=[\u4e00-\u9fa5]{{2}})(?:{SURNAMES})(?:总|经理|工|老板)$",
                    "",
                    t,
                )
                for t in tokens
            ]
            # ("现场拜访 新禾节水灌溉（滴灌带、喷灌设备）": what it makes, in brackets after the name)
            bracketed = {re.sub(r"[（(][^）)]*[）)]$", "", t): t for t in tokens if re.search(r"[（(][^）)]*[）)]$", t)}
            tokens = [re.sub(r"[（(][^）)]*[）)]$", "", t) for t in tokens]
            for i, token in enumerate(tokens):
                if (
                    re.fullmatch(r"[\u4e00-\u9fa5]{3,10}", token)
                    and not re.search(
                        r"周|星期|电话|拜访|现场|会议|视频|微信|记录|纪要|小记|录音|转写|文字|沟通|通话|语音|笔记|日志|需求|"
                        r"方案|演示|会谈|工作坊|培训|复盘|回访|跟进|客户|上午|下午|晚上|线上|线下|门店|办公室|会议室|邮件|往来|导出|"
                        r"总部|分公司|酒店|咖啡|茶室|餐厅|汇报|讨论|评审|启动|调研|交流|洽谈|商务|签约|报价|导出|"
                        r"[区路街镇村县市省楼]$",  # "西安高新区 客户办公室": where, not who
                        token,
                    )
                    and not _looks_like_person(token)
                    and not org.find_ours(token)
                    and not org.find_competitors(token)
                    and not re.search(
                        r"会议室|[一二三四五六七八九十\d]楼|大厦|中心$|园区|广场|办公区|展厅|[区县]", token
                    )
                ):
                    at = s.text.find(token)
                    person_after = i + 1 < len(tokens) and _looks_like_person(re.sub(r"[（(].*", "", tokens[i + 1]))
                    visited = i > 0 and re.search(r"拜访|走访|上门|回访$", tokens[i - 1])  # "现场拜访 新禾节水灌溉"
                    candidates.append((token, 5.0 if visited else 3.0 if person_after else 2.0, at, at + len(token)))
                    if token in bracketed:
                        products.append((at + len(token), at + len(bracketed[token])))
        notice = re.search(
            # "群公告：本群用于千岛湖鲟源鲟鱼养殖场CRM项目对接": whom the group is for
            # ("群公告：杭州市西湖区茗心茶艺职业技能培训学校 CRM试用对接群")
            r"(?:本群(?:用于|是)\s*|^(?=[\u4e00-\u9fa5]{4,20}?\s*(?:CRM|系统|软件)?(?:试用|项目)*的?对接群))"
            r"([\u4e00-\u9fa5]{4,20}?)\s*(?:CRM|系统|软件)?(?:试用|项目)*的?(?:对接|沟通|交流|推进)",
            s.text if s.speaker in ("群公告", "公告") or "本群" in s.text else "",
        )
        if notice and not org.find_ours(notice.group(1)) and not _looks_like_person(notice.group(1)):
            candidates.append((notice.group(1), 7.0, notice.start(1), notice.end(1)))
        spans = [(a, b) for _n, a, b in org_mentions(s.text)]
        for m in _NAMED_COMPANY.finditer(s.text):
            name = m.group("name")
            if any(a <= m.start("name") < b for a, b in spans) or re.match(_NOT_A_COMPANY, name):
                continue
            intro = m.group("intro") is not None
            if intro and side_here is True:
                continue
            # ("和瑞彩标签印刷的裘国强通了电话": whom the rep talked with, by name)
            talked = re.match(
                rf"的{_PERSON}(?:[（(][^）)]{{1,8}}[）)])?(?:通了?电话|通话|聊了|见了面|开了会)",
                s.text[m.end("name") :],
            )
            candidates.append((name, 6.0 if intro else 4.0 if talked else 2.0, m.start("name"), m.end("name")))
        for name, start, end in org_mentions(s.text):
            if header and header.start(1) <= start < header.end(1):
                continue
            weight = 1.0
            before = s.text[max(0, start - 8) : start]
            side = sides.side(s.speaker)
            if third_speaker and side_here is not True and _INTRO_BEFORE.search(before):
                excluded.add(_core(name))  # "我是浙北软件的柯立，云帆在湖州的代理商": the partner's own company
                continue
            if re.search(r"(?:外包|委托|承包)给\s*$", before):
                excluded.add(_core(name))  # "IT这块集团是外包给合肥启明信息技术的": the contractor, not the buyer
                continue
            if re.match(r"^\s*(?:地点|会议地点)", s.text) or (not s.speaker and s.start < 80):
                weight += 2.0
            if _INTRO_BEFORE.search(before) and side is not True:
                weight += 6.0 if side is False or not s.speaker else 3.0
            elif _VISIT_BEFORE.search(before):
                weight += 2.0
            if re.search(r"参会|与会", s.text) and not _THIRD_PARTY.search(before):
                weight += 2.0
            candidates.append((name, weight, start, end))
        for name, weight, start, end in candidates:
            if any(a < start < b for a, b in products):
                continue  # "新禾节水灌溉（滴灌带、喷灌设备）": what the company makes, not another company
            short_ok = (start, end) in visited_spans  # "去了金诺": a brand of two characters
            name = name.strip()
            before = s.text[max(0, start - 12) : start]
            clause = _clause_with(s.text, (start, end))
            bare = _core(name)
            if not _LEGAL_FORM.search(name) and re.match(r"(?:园|大厦|大楼|广场|开发区)(?!区)", s.text[end:]):
                continue  # "成都天府软件园那边的蓉智教育": the park the customer sits in (not excluded: it shares words)
            if (
                _PARENT_AFTER.match(s.text[end:])
                or _described_under_parent(s.text, start)
                # "贵司属于浙江宏达管业集团股份有限公司，本次由宏达塑管单独采购": the group it belongs to
                or re.search(r"(?:属于|隶属于?|归属于?)\s*$", before)
                # "葛工是集团（安徽皖江港航集团有限公司）信息中心的": the parent group, named in brackets
                or (re.search(r"集团\s*[（(]\s*$", before) and re.search(r"集团|控股", name))
            ):
                # the parent group: never the buyer, but its unit shares its brand ("江苏港盛集团股份有限公司下面的
                # 装卸板块" and "我是港盛装卸商务部经理"), so only the group's own names are dropped later
                parents.add(name)
                continue
            if _SISTER_BEFORE.search(before) or re.search(
                r"(?:兄弟|姐妹|姊妹|关联)(?:公司|厂|单位)|^(?:子|母)公司", name
            ):
                # a sister company shares the buyer's brand ("兄弟公司蓝鲸物流", "隔壁兄弟厂硅盛模具厂"): skipped,
                # but the brand is not
                sisters.add(re.sub(r"^.*?(?:兄弟|姐妹|姊妹|关联|子|母)(?:公司|厂|单位)", "", name))
                continue
            if re.search(r"做\s*$", before) and s.text[end : end + 1] == "的" and not _LEGAL_FORM.search(name):
                continue  # "我们最大的客户叫悟空重工，做工程机械的": a trade, no name
            if re.match(r"\s*[（(](?:贵司|你们|我们)?的?(?:经销商|代理商|分销商|客户|供应商)", s.text[end:]):
                continue  # "湛江鲜达商贸（贵司经销商）的订单同步另议": the customer's distributor
            if re.match(r"隔壁|对面|旁边", name):
                continue  # "隔壁药房用的客如云": the shop next door (not excluded: it may share the brand)
            if find_money(name) or _BUSINESS_UNIT.search(name):
                continue  # "预算我们是二十万到二十五万": an amount after 我们是, not a company
            if re.match(r"抄送|收件|发件|供(?!销)|负责|还有|以及|集团[^有]", name) or re.search(
                r"(?:企业|学校|公司|门店|工厂|医院|集团)(?:和|与|及|还有)|还有", name
            ):
                continue  # "抄送：集团信息中心", "负责学校和公司", "集团还有安装公司和配件公司": a clause, not a name
            if re.search(_NOT_A_COMPANY_WORDS, name) or re.search(r"(?:各|兄弟|姐妹|姊妹|关联|子|母|分)公司$", name):
                continue  # "要求各子公司", "有个兄弟公司", "三十个业务员跑修理厂", "今年软件"
            if (
                (len(name) < 3 and not (short_ok and len(name) == 2))
                or _PRONOUN_CORE.match(bare)
                or re.match(r"(?:[一这那哪]?[个家])(?:小|大)?(?:公司|企业|厂|店)", name)  # "就是个小公司"
                # "做酒店床垫和家具城经销商的贴牌": two things a company makes, not its name
                or (re.search(rf"(?<=..)[和及与](?:{TRADE_WORDS})", name) and not _LEGAL_FORM.search(name))
                or re.match(r"[几两三四五六七八九十]家|一些|这些|那些|好几", name)  # "乐从几家家具城的经销商"
                or re.search(r"几[个家]", name)  # "昆明几个批发商"
                # "客户：提供现有客户清单": a to-do, not a name
                or re.match(r"提供|准备|整理|确认|安排", name)
                # "运香蕉是桂运冷链的莫师傅在跑": the haulier, by its driver
                or (
                    re.search(r"(?:物流|冷链|运输|货运|快递|速运|车队)$", name)
                    and re.match(r"的?[\u4e00-\u9fa5]{0,2}(?:师傅|司机|调度)", s.text[end:])
                )
                # "上午去了车队停车场": a place of theirs the rep went to, not a name
                or (re.match(r"车队|仓库|工地|厂区|车间|门口", name) and not _LEGAL_FORM.search(name))
                # ("周至县金秦猕猴桃专业合作社": a county that starts like a week)
                or (
                    re.match(r"^(?:下下|下|上|这|本)?(?:周|星期|个?月|礼拜)|^(?:来|去|回|到)", name)
                    and not _LEGAL_FORM.search(name)
                )
                or org.is_ours(name)
                or any(a < end and start < b for a, b in competitor_spans)
                or (org.competitors and org.canonical_competitor(name))
                or _THIRD_PARTY.search(re.split(r"[，,。；;：:！!？?]", before)[-1][-8:])
                # (but "我们安徽测峰传感科技有限公司国内这块用你们的CRM一年多了": the customer, buying more)
                or (_REFERENCE.search(clause) and not re.search(r"(?:我们|咱们)\s*$", before))
                # "对接的事是昆明滇信科技在做，他们是海典的代理", "配送那块，是海纳物流做的": a provider of theirs
                or _PROVIDER_AFTER.match(s.text[end:])
                # ("是智游系统集成给我们做的": the one who built their system)
                or (
                    re.search(r"是\s*$", s.text[max(0, start - 3) : start])
                    # ("网站是众联网络的小周帮我们弄的")
                    and re.match(
                        rf"(?:的\s*(?:[小老](?:{SURNAMES})|(?:{SURNAMES})(?:工|总|经理)))?(?:在|给我们|帮我们|替我们)?"
                        r"(?:做|开发|实施|上|弄|搞|维护)的",
                        s.text[end:],
                    )
                )
                # "北京茶博汇商行每年从我们这拿货": a client of theirs
                or re.match(r"[^，。]{0,6}从我们(?:这|这里|这边|家)?(?:拿货|进货|订货|采购|买|订)", s.text[end:])
                # "程主管发产品目录和医院客户清单": what is sent, not a company
                or (re.search(r"(?:目录|清单|资料|表格|名单)[和与及]", name) and not _LEGAL_FORM.search(name[:-2]))
                # "地接社（松花江假日旅行社）是独立的，不在这次范围"
                or (
                    re.match(r"[）)]?\s*是独立的", s.text[end:]) and re.search(r"不在(?:这次|本次)?(?:的)?范围", s.text)
                )
                # ("群公告：客户 宁波海澜…有限公司": the notice's key, not a client named before)
                or (
                    _CLIENT_BEFORE.search(s.text[max(0, start - 8) : start])
                    and not (header and start == header.start(1))
                )
                # "我们给华瑞汽车、德科焊装这些客户做焊接机器人的维保", "我们主要给电厂和焦化厂供煤": whom they serve
                or (
                    re.search(r"给\s*(?:[^，。、]{2,12}[、和与及])*$", s.text[max(0, start - 30) : start])
                    and re.match(
                        r"(?:[、和与及][^，。、]{2,12}){0,4}?\s*(?:这些|那些|等)?(?:客户|厂家|企业)?"
                        r"(?:做|供|送|卖|提供|加工|代工|配套)",
                        s.text[end:],
                    )
                )
                # "客户包括乐从几家家具城的经销商、本地两家连锁酒店（悦庭酒店、榕居酒店）": their clients, listed
                or re.search(r"(?:客户|客源)(?:包括|有|主要有|主要是|多是|大多是)[^。；;！!？?]*$", s.text[:start])
            ):
                excluded.add(bare)
                continue
            if not org.competitors and any(name.lower() in v for vs in COMPETITORS.values() for v in vs):
                continue
            if re.search(r"集团|控股", name) and re.match(
                r"信息中心|信息部|IT部|财务部|法务部|采购部|总部", s.text[end:]
            ):
                continue  # "华文教育集团有限公司信息中心 邓伟": the group's office, not the buyer (nor excluded: it shares the brand)
            if re.search(r"这种|这类", name) or re.match(r"朋友", name):
                continue  # "宜眠酒店这种连锁酒店": a clause around an example; "我朋友公司用海纳"
            if re.search(rf"(?:{TRADE_WORDS})(?:和|与|及|、)", name):
                continue  # "做食品和日化的标签": two trades, no name
            if re.match(r"\s*(?:这种|这类|这样的|之类|等等|这些|那些|等(?![到着待]))", s.text[end:]) or re.search(
                # ("，像宝鸡的关记餐饮管理有限公司一家就开了五个店")
                r"(?:[，,、]像|例如|譬如)(?:[\u4e00-\u9fa5]{1,4}的)?\s*$|(?:[，,、（(]\s*(?:像|如)|例如|譬如|比如)[^，,。；;）)]*、\s*$",
                before,
            ):  # ("还有几家物流公司，像悟空物流，他们的单据…", "（如翼展航空、康途医疗）": examples too)
                examples.add(name)  # "天湖茶业这种茶企": an example of the customer's clients, never the customer
            # ("新材料那边": still the sister company named before; but "合同抬头写杭州橙意网络科技有限公司" after
            # "兄弟公司橙意供应链" is the buyer's own legal name, spelled out for the contract)
            if weight < 8 and any(len(bare) >= 2 and bare in x for x in sisters):
                continue
            match = _known_match(name, known, s.text, (start, end))
            if match is not None and not org.is_ours(match.name):
                see(match.name, weight, s, match.id, name)
            else:
                see(name, weight, s, None, name)
    for name in [n for n in scores if ids.get(n) is None]:
        core = _core(name)
        if any(len(x) >= 2 and (x in core or core in x) for x in excluded) or any(
            # ("嘉禾集团下面" and later "集团全称是广东嘉禾置业集团有限公司": the group again, by its legal name)
            core == _core(p) or name in p or p in name or (re.search(r"集团|控股", name) and _core(p) in core)
            for p in parents
        ):
            del scores[name]  # "白云电器那个我听说过": still the reference customer named before
    # "长沙星辰体育文化有限公司（星辰保龄）": the short name the text gives a legal name in brackets
    short_names = {
        m.group(2): m.group(1)
        for m in re.finditer(
            r"([\u4e00-\u9fa5（）()]{2,30}?(?:股份有限公司|有限责任公司|有限公司))\s*[（(](?:以下)?(?:简称)?[“\"「]?"
            r"([\u4e00-\u9fa5A-Za-z]{2,8})[”\"」]?[）)]",
            text,
        )
        if not re.search(r"合伙|简称$", m.group(2)) and not _looks_like_person(m.group(2))
    }

    def group_core(name: str) -> str:
        for short, legal in short_names.items():
            if legal in scores and (name.startswith(short) or short.startswith(name)):
                return _core(legal)
        return _core(name)

    def same_brand(name: str, group: list[str]) -> bool:
        """ "谜境密室" and "南京谜境文化创意有限公司": a name by brand and trade, and the one legal name that
        starts with the same brand (two legal names are two companies, sisters as often as not)."""
        legal = [n for n in group if _LEGAL_FORM.search(n)]
        if _LEGAL_FORM.search(name) or len(legal) != 1 or re.search(r"集团|控股", legal[0]):
            return False  # ("鲁香控股集团有限公司": the parent group shares every unit's brand)
        short, full = group_core(name), group_core(legal[0])
        brand = short[:2]
        # ("南宁螺满堂餐饮管理有限公司" and "螺满堂米粉": a city the legal name starts with)
        return (
            len(short) >= 3
            # ("金城通达机动车驾驶员培训有限公司" and "通达驾校": a place name of two before the brand)
            and (
                full.startswith(brand)
                or full.find(short[:3]) in (2, 3)
                or full.find(brand) in (2, 3)
                # ("临沂市兰山区通衢货运信息服务部" and "通衢配货站": the brand right after the city and district)
                or re.match(
                    rf"^[\u4e00-\u9fa5]{{1,4}}[省市]?(?:[\u4e00-\u9fa5]{{1,4}}[市县区])?{re.escape(brand)}", full
                )
                is not None
            )
            and re.fullmatch(r"[\u4e00-\u9fa5]{2}", brand) is not None
            and not re.search(r"[省市县区]$", brand)
            and core_name(brand + "某某") == (brand + "某某")  # not a region the CRM's matcher knows
        )

    # one company written several ways ("蜀信医疗", "成都蜀信医疗器械股份有限公司") counts as one
    groups: list[list[str]] = []
    for name in sorted(scores, key=lambda n: -len(n)):
        core = group_core(name)
        home = next(
            (
                g
                for g in groups
                if ids.get(g[0]) is None
                and ids.get(name) is None
                and (
                    core in group_core(g[0])
                    or group_core(g[0]) in core
                    or _short_form(core, group_core(g[0]))
                    or same_brand(name, g)
                    # ("厦门鲸跃体育文化有限公司" after "鲸跃铁三俱乐部", "鲸跃铁三": the legal name of the brand's group)
                    or (
                        _LEGAL_FORM.search(name) is not None
                        and not any(_LEGAL_FORM.search(n) for n in g)
                        and any(same_brand(n, [name]) for n in g)
                    )
                )
                and len(core) >= 2
            ),
            None,
        )
        if home is None:
            groups.append([name])
        else:
            home.append(name)
    if not groups:
        return None, None, [], []

    def group_score(g: list[str]) -> float:
        return sum(scores[n] for n in g)

    ranked = sorted(groups, key=lambda g: (-group_score(g), min(first[n].start for n in g)))

    ranked = [g for g in ranked if not set(g) <= examples] + [g for g in ranked if set(g) <= examples]
    if set(ranked[0]) <= examples:
        return None, None, [Fact(g[0], quote(first[g[0]]), first[g[0]].start, 0.5) for g in ranked[:3]], []
    best_group = ranked[0]
    known_name = next((n for n in best_group if ids.get(n) is not None), None)
    legal = [n for n in best_group if _LEGAL_FORM.search(n)]
    if known_name and _LEGAL_FORM.search(known_name) and known_name not in text:
        # the CRM's "江苏启明教育科技有限公司" matched by its brand, while the customer spells out another legal name
        # of that brand for the contract ("苏州启明教育装备有限公司"): a different company, the one in the text
        said = [
            n
            for g in ranked[1:]
            for n in g
            if _LEGAL_FORM.search(n) and n in text and ids.get(n) is None and _core(n)[:2] == _core(known_name)[:2]
        ]
        if said:
            known_name = None
            best_group = next(g for g in ranked if said[0] in g)
            legal = [n for n in best_group if _LEGAL_FORM.search(n)]
    if known_name:
        best = known_name
    elif legal:
        best = max(legal, key=len)
    else:
        best = min(best_group, key=lambda n: first[n].start)
        # "群名称：鲟源养殖×云帆CRM对接群" then "本群用于千岛湖鲟源鲟鱼养殖场CRM项目对接": the full name, said outright
        fuller = max(best_group, key=lambda n: (scores[n], len(n)))
        if (
            scores[fuller] >= 6
            and len(fuller) > len(best)
            and re.search(r"[厂场店行社馆院校所站]$|中心$|工作室$", fuller)
        ):
            best = fuller
    total = group_score(best_group)
    confidence = 0.9 if total >= 5 else 0.7 if total >= 2 else 0.5
    evidence = min((first[n] for n in best_group), key=lambda s: s.start)
    others = [Fact(g[0], quote(first[g[0]]), first[g[0]].start, 0.5) for g in ranked[1:4]]
    return Fact(best, quote(evidence), evidence.start, confidence), ids.get(best), others, best_group


def _is_our_side(speaker: str, our_names: Iterable[str]) -> bool | None:
    if not speaker:
        return None
    if any(n and n in speaker for n in our_names) or _OUR_SIDE.search(speaker):
        return True
    if _THEIR_SIDE.search(speaker) or _HONORIFIC.search(speaker):
        return False
    return None


# A group member's label as "company-person" or "person-company" ("鼎盛园艺-冉国强", "黎明-华标灯箱(10:25)"):
# the two parts, which of them is the company being decided by the caller.
_GROUP_MEMBER_LABEL = re.compile(r"^\s*([^-－—·(（\s]{2,10})\s*[-－—·]\s*([^-－—·(（\s]{1,10})")


# the one talking gives their own number: "我的手机是…", "我也留一个", "我的是幺三八…"
_OWN_NUMBER = re.compile(
    r"我也?留|我的(?:手机|电话|号码|座机|号)|我(?:手机|电话|座机)(?:是|号)|我的是(?=\s*[\d一二三四五六七八九幺])"
)
# someone the customer's side points at by another company: "外包给顺路物流了，他们的老彭", "订房系统是重庆云智系统集成
# 帮我们做的，接口要找他们付工"
_THEIR_PERSON = re.compile(
    rf"(?:他们|人家)的?\s*((?:{SURNAMES})(?:{_HONORIFIC_WORDS}|师傅)|{_NICK})(?![\u4e00-\u9fa5]{{0,1}}[们])"
)
# what a person is said to be, after the name: "王老板电话139…，他是加盟商，不用拉群"
_IS_AN_OUTSIDER = re.compile(
    rf"((?:{SURNAMES})(?:{_HONORIFIC_WORDS}|师傅)|{_NICK}|{_PERSON})[^。！？!?]{{0,30}}[，,]\s*(?:他|她)(?:是|属于)"
    r"(?:我们的?|咱们的?)?[\u4e00-\u9fa5]{0,4}?(?:加盟商|经销商|代理商?|供应商|供货商|服务商|房东|物业|合作方|外包)"
)


# an IT provider named by brand and trade ("苏州云桥信息", "明讯信息", "途安GPS"); not 信息化, 信息部, 技术员
_PROVIDER_NAME = re.compile(
    r"(?<![我咱你您贵])[\u4e00-\u9fa5A-Za-z]{2,8}?(?:信息|软件|网络|系统|数据|技术|GPS)(?!化|部|中心|科|员|处|室)"
)


# a speaker label that is a role or a number, not a name ("客户", "发言人", "主持人", "甲方代表")
_NOT_A_NAME_LABEL = re.compile(r"客户|销售|坐席|主持|发言|说话|讲话|甲方|乙方|我方|对方|顾问|实施|老板|群主|记录")
# what does not start a company's name: ours, yours, his, or a place in the customer's own house
_NOT_A_FIRM = r"[我咱你您他她贵]|公司|集团|总部|厂|店|门店"
# what comes before a company's name in a sentence: "我是智诚信息", "还有秦码软件", "这位是启航"
_BEFORE_A_NAME = r"我是|还有|这位是|是|和|跟|找|给|用|的|了|在|我们|他们|咱们|负责|管|做"
# the words a department or a customer's own system is called by, not a company's brand
_DEPARTMENT_WORDS = r"(?:信息|系统|数据|软件|网络|技术|会员|客户|销售|财务|招生|运营|就业|工业|集团|业务|市场|采购)"
# a partner named by its role: "飞防合作方天翼飞防的派单小程序", "实施商维新软件", "接口开发我们找的是郑州数联"
_PARTNER_NAMED = re.compile(
    r"(?:合作方|合作伙伴|集成商|服务商|供应商|实施商|代理商|承包商|外包给|找的是)(?:是|叫)?"
    r"([\u4e00-\u9fa5A-Za-z]{2,8}?)(?=的|那边|[，,。；;（(\s]|来|做|负责)"
)
# a company with a foreign legal form: "Bauer Wurstwaren GmbH" (its first word is what people call it)
_FOREIGN_FIRM = re.compile(
    r"(?<![A-Za-z])([A-Z][A-Za-z]{2,20})(?:\s+[A-Z][A-Za-z&]+){0,3}\s+"
    r"(?:GmbH|AG|Ltd\.?|Inc\.?|LLC|Co\.,? Ltd\.?|S\.A\.|B\.V\.|Pte\.? Ltd\.?)"
)
# what may stand between a company and its person: "华坤的区域经理秦川", "香满楼的采购老周"
_PERSON_ROLE = (
    r"[\u4e00-\u9fa5]{0,4}?(?:经理|总监|主管|主任|工程师|负责人|对接人|采购|调度|司机|师傅|老板|销售|业务员|专员)"
)
# the parent group's man: "集团信息中心的吕工", "集团IT的戴工", "集团财务的许总", "集团的钱总那边审",
# "集团（新疆驰远投资控股集团有限公司）IT的阿力木"
_GROUP_PERSON = re.compile(
    rf"(?<![我咱你您贵])集团(?:[（(][^（()）]{{2,30}}[）)])?(?:总部)?(?:那边)?的?(?:信息中心|信息部|IT部?|财务部?|采购部?|法务部?)?(?:那边)?的?\s*"
    rf"(?:[\u4e00-\u9fa5]{{0,4}}?(?:经理|主任|总监)\s*)?((?:{SURNAMES})(?:{_HONORIFIC_WORDS}|师傅)|{_PERSON})"
)


def _brand_forms(core: str) -> set[str]:
    """What a company may be called by: its name's start ("智联信息" → 智联, 智联信), and after a city the core name
    does not know ("赣州云桥信息技术" → 云桥)."""
    forms = {core, *(core[:size] for size in range(2, len(core)))}
    if len(core) >= 6:
        forms |= {core[2:size] for size in range(4, len(core) + 1)}
    return forms


def _people_of_other_companies(
    sentences: list[Sentence],
    sides: Sides,
    is_buyer: Callable[[str], bool],
    org: OrgProfile | None,
    others: Iterable[str] = (),
    group_is_other: bool = False,
) -> set[str]:
    """People the customer's side names as another company's: "他们的X" after a company that is neither the
    customer nor us (in the same breath or the turn before), "天翼飞防的老鲍", the parent group's "集团信息中心的
    吕工", and "X…，他是加盟商". An unnamed label whose speaker introduces himself as such is given his name in
    `sides.speaker_name`. `others`: the other companies the account finder saw; `group_is_other`: the customer is not a group itself, so
    "集团" is its parent."""
    found: set[str] = set()

    def other_company(name: str) -> bool:
        return not is_buyer(name) and not (org is not None and (org.find_ours(name) or org.is_ours(name)))

    person = rf"(?:{SURNAMES})(?:{_HONORIFIC_WORDS}|师傅)|{_NICK}|{_PERSON}"
    whole = " ".join(x.text for x in sentences)
    # the other companies named in the text ("华坤机械", "苏州云桥信息", "顺达车队", a partner said by its role
    # "飞防合作方天翼飞防"), and a name said by its brand alone ("华坤那边") is one of them
    named_firms = [
        name for x in sentences for name, _a, _b in org_mentions(x.text) if other_company(name) and len(name) >= 4
    ] + _PROVIDER_NAME.findall(whole)
    named_firms += [m.group(1) for m in _PARTNER_NAMED.finditer(whole) if other_company(m.group(1))]
    # the same, read strictly, for a person said to be "X的": a name's brand ("启航", "智诚信息"), never a word a
    # department or a system is called by ("信息中心", "财务这边", "分拣系统")
    brands = {
        core
        for name in [
            *(re.split(_BEFORE_A_NAME, p.group(0))[-1] for p in _PROVIDER_NAME.finditer(whole)),
            *(name for x in sentences for name, _a, _b in org_mentions(x.text)),
            *(m.group(1) for m in _PARTNER_NAMED.finditer(whole)),
            *others,
            # ("Bauer Wurstwaren GmbH" → Bauer: a foreign client or partner by its first word)
            *(m.group(1) for m in _FOREIGN_FIRM.finditer(whole)),
        ]
        if (len(name) >= 4 or re.fullmatch(r"[A-Z][a-z]{2,}", name))  # ("Bauer", never "IT" or "OA")
        and not re.search(
            r"(?:中心|[部科室处组办店]|这边|那边|的)$|的|分公司|子公司|分厂|分店|门店|总部|办事处|分部", name
        )
        and other_company(name)
        for core in [core_name(name) or name]
        if len(core) >= 2 and not re.match(rf"{_DEPARTMENT_WORDS}|{_NOT_A_FIRM}", core)
    }

    def said_of_firm(before: str) -> bool:
        """The words before "的" end with another company's name or its brand ("天翼飞防", "南宁智联" → 智联)."""
        return any(
            (before.endswith(form) or (form.isascii() and before.lower().endswith(form)))
            and not re.search(r"(?:我们|咱们|我|咱|贵)$", before[: -len(form)])
            for core in brands
            # (a Latin name only whole: "Bauer", never "IT" read as the start of "Itron")
            for form in ({core} if core.isascii() else _brand_forms(core))
            if not re.fullmatch(_DEPARTMENT_WORDS, form) and other_company(form)
        )

    def firm_named(text: str) -> bool:
        text = text.strip()
        return (
            len(text) >= 2
            and not re.match(rf"{_NOT_A_FIRM}|财务|采购|销售|老板|领导", text)
            and not re.search(r"分公司|子公司|分厂|分店|门店|总部|办事处|分部", text)
            and other_company(text)
            and any(core_name(f).startswith(core_name(text)[:2]) or text in f for f in named_firms)
        )

    for s in sentences:
        # "天翼飞防的老鲍电话159…", "旁边这位是南宁智联的韦工": a person of a company named as another one
        # ("Bauer的采购Klaus": an English name too)
        for m in re.finditer(rf"(?:那边)?的\s*(?:{_PERSON_ROLE})?\s*({person}|[A-Z][a-z]{{2,12}}(?![A-Za-z]))", s.text):
            if said_of_firm(re.sub(r"那边$", "", s.text[: m.start()])):
                found.add(m.group(1))
        # "大客户香满楼糕点厂，采购老周 137…": the company, then its person by job
        for m in re.finditer(rf"[，,]\s*(?:{_PERSON_ROLE})\s*({person})", s.text):
            if said_of_firm(s.text[: m.start()]):
                found.add(m.group(1))
        # "接口开发我们找的是郑州数联，卓工在做，他电话…": the one doing the work right after the company is named
        for m in re.finditer(
            rf"[，,]\s*(?:他们的?)?(?:{_PERSON_ROLE})?\s*({person})(?=在做|在弄|在负责|负责|来做|对接|跟进)", s.text
        ):
            if said_of_firm(s.text[: m.start()]):
                found.add(m.group(1))
        if group_is_other:  # (the parent group's people: "集团信息中心的吕工", "我是集团信息部的彭工")
            for m in _GROUP_PERSON.finditer(s.text):
                found.add(m.group(1))
        # "秦经理是华坤的区域经理": what a person is said to be
        for m in re.finditer(
            rf"({person})是([\u4e00-\u9fa5A-Za-z]{{2,10}}?)的[\u4e00-\u9fa5]{{0,6}}?(?:经理|总监|主管|工程师|负责人|老板|师傅|司机|销售|业务员)",
            s.text,
        ):
            if firm_named(m.group(2)):
                found.add(m.group(1))
        # "华坤那边秦经理的电话是139…吧？": someone over at another company
        for m in re.finditer(
            rf"([\u4e00-\u9fa5A-Za-z]{{2,8}}?)那边的?\s*((?:{SURNAMES})(?:{_HONORIFIC_WORDS}|师傅)|{_NICK})", s.text
        ):
            if firm_named(m.group(1)):
                found.add(m.group(2))
        # "拉货的是老孟的顺达车队，他电话…": the man whose company it is
        for m in re.finditer(
            rf"((?:{SURNAMES})(?:{_HONORIFIC_WORDS}|师傅)|{_NICK})的([\u4e00-\u9fa5]{{2,8}}?(?:{TRADE_WORDS}))", s.text
        ):
            trade = re.search(rf"(?:{TRADE_WORDS})+$", m.group(2))
            if (
                trade
                and trade.start() >= 2
                and not re.match(r"客户|朋友|老乡|亲戚|同学|[我咱你您他她]", m.group(2))
                and other_company(m.group(2))
            ):
                found.add(m.group(1))
        # "接口这块集团指定了苏州云桥信息来做，负责人是蔡工，蔡立群", "途安GPS的对接人是他们的技术经理冯立": the contact
        # person a provider has named
        for m in re.finditer(
            rf"(?:对接人|联系人|负责人)(?:是|叫)?\s*(?:他们的?)?\s*[\u4e00-\u9fa5]{{0,4}}?({person})(?:[，,]\s*({_PERSON}))?",
            s.text,
        ):
            before = s.text[max(0, m.start() - 30) : m.start()]
            said = re.search(r"([\u4e00-\u9fa5A-Za-z]{2,10}?)(?:那边)?的$", before)
            firms = [f for f in named_firms if f in before] + ([said.group(1)] if said else [])
            if firms and firm_named(firms[-1]):
                found.update(n for n in m.groups() if n)
    for index, s in enumerate(sentences):
        if s.speaker and sides.side(s.speaker) is True:
            continue  # our rep's "他们" is as often the customer
        talking = (sides.speaker_name.get(s.speaker) or _person_of(s.speaker)) if s.speaker else ""
        # "我插一句，我是华图信息的籍晓东，集团的ERP是我们在做": one of another company introduces himself
        for m in re.finditer(
            rf"我是([\u4e00-\u9fa5A-Za-z]{{2,12}}?)(?:那边)?的\s*(?:[\u4e00-\u9fa5]{{0,4}}?({person})(?=[，,。！!\s]|$))?",
            s.text,
        ):
            firm = m.group(1)
            if (org_mentions(firm) or _PROVIDER_NAME.fullmatch(firm) or said_of_firm(firm)) and other_company(firm):
                # (the name said wins over the label: a turn run on under the last speaker's label is no proof)
                opens_turn = index == 0 or sentences[index - 1].speaker != s.speaker
                named = m.group(2) or (talking if opens_turn else "")
                # (a name without a surname the rules know, "阿力木", is his when it is the label he speaks under)
                labelled_so = named == talking and bool(re.fullmatch(r"[\u4e00-\u9fa5]{2,4}", named))
                if named and (
                    _looks_like_person(named)
                    or re.fullmatch(_NICK, named)
                    or (labelled_so and not _NOT_A_NAME_LABEL.search(named))
                ):
                    found.add(named)
                    if opens_turn and s.speaker and not sides.speaker_name.get(s.speaker):
                        # ("发言人3：我是华图信息的籍东…" then "接口这边找我，电话…": the label is his from now on)
                        sides.speaker_name[s.speaker] = named
        # "对接的细节你们直接找路必达的钱工": the customer sends us to someone of another company
        for m in re.finditer(
            rf"找([\u4e00-\u9fa5A-Za-z]{{2,8}}?)(?:那边)?的\s*((?:{SURNAMES})(?:{_HONORIFIC_WORDS}|师傅)|{_NICK})",
            s.text,
        ):
            firm = m.group(1)
            if not re.search(rf"^(?:{_NOT_A_FIRM})|[部科室处组办]$|中心$|这边$", firm) and other_company(firm):
                found.add(m.group(2))
        before = sentences[index - 1] if index else None
        lead = before.text if before is not None and before.speaker == s.speaker else ""
        for m in _THEIR_PERSON.finditer(s.text):
            said = lead + s.text[: m.start()]
            # ("是明讯信息做的，他们的钟工一直驻场维护": a provider known by its brand and trade alone)
            companies = [(name, at) for name, at, _end in org_mentions(said)]
            companies += [(p.group(0), p.start()) for p in _PROVIDER_NAME.finditer(said)]
            if not companies:
                continue
            company = max(companies, key=lambda pair: pair[1])[0]
            if is_buyer(company) or (org is not None and (org.find_ours(company) or org.is_ours(company))):
                continue
            found.add(m.group(1))
        for m in _IS_AN_OUTSIDER.finditer(s.text):
            if _looks_like_person(m.group(1)) or re.fullmatch(_NICK, m.group(1)):
                found.add(m.group(1))
    # "天衡信息的阿力木" read as 阿力: the speaker label he talks under is the whole name
    labels = {_person_of(x.speaker) for x in sentences if x.speaker}
    found |= {label for label in labels if any(label[:-1] == name for name in found if len(name) >= 2)}
    return found


def _contacts(
    sentences: list[Sentence],
    our_names: set[str],
    account_terms: list[str],
    sides: Sides | None = None,
    org: OrgProfile | None = None,
    spoken: str = "",
    buyer: Iterable[str] = (),
) -> list[ContactFact]:
    """The customer's people: never our staff, a third company's people or someone who left.
    `spoken`: the whole text of a dictated report, when the sentences are its clauses; `buyer`: the names the
    customer goes by (`account_terms` also holds the other companies named)."""
    buyer = [t for t in buyer if t]
    sides = sides or Sides()

    def label_firm(label: str) -> str | None:
        """The company in a group member's label ("鼎盛园艺-冉国强", "黎明-华标灯箱(10:25)"), unless it is ours."""
        parts = _GROUP_MEMBER_LABEL.match(label or "")
        if not parts:
            return None
        first, second = parts.group(1), parts.group(2)

        def personal(x: str) -> bool:
            return bool(
                _looks_like_person(x)
                or re.fullmatch(_HONORIFIC.pattern, x)
                or re.fullmatch(rf"[A-Za-z]{{2,12}}(?:{_PERSON})?", x)
            )

        # ("老孟-毛孩子", "小柒-毛孩子": the part several members share is the company)
        if label_parts.get(first, 0) != label_parts.get(second, 0):
            firm = first if label_parts.get(first, 0) > label_parts.get(second, 0) else second
        # ("兰亭-钟海燕": 兰亭 reads like a name too, so a full name after the dash decides)
        elif personal(second) and (not personal(first) or len(second) == 3 or re.fullmatch(_HONORIFIC.pattern, second)):
            firm = first
        elif personal(first) and not personal(second):
            firm = second
        else:
            return None  # ("Amy周雨桐-逸居", "Luna-毛孩子市场总监": not told apart with confidence)
        firm = re.sub(r"(?:市场|销售|采购|运营|技术|财务)?(?:总监|经理|主管|助理|总)$", "", firm)
        if len(firm) < 2:
            return None
        if org is not None and (org.find_ours(firm) or org.is_ours(re.sub(_OUR_ROLE_SUFFIX, "", firm))):
            return None
        if re.fullmatch(
            r"客户|甲方|乙方|销售|售前|实施|老板|财务|采购|店长|厂长|[\u4e00-\u9fa5]{0,2}(?:经理|主管|总监)", firm
        ):
            return None  # "客户-周总": a role, no company
        return firm

    def is_buyer(firm: str) -> bool:
        # (by the names without their city: "重庆云智系统集成" is not "重庆声浪娱乐管理有限公司")
        firm = core_name(firm) or firm
        return any(
            firm[:2] in core or core[:2] in firm
            for term in buyer
            if len(term) >= 2
            for core in [core_name(term) or term]
        )

    # "苟明（速通科技）" in the member list of the 百花坊 group: another company's man, and so is his number
    foreign = {name for name, firm in sides.firms.items() if buyer and not is_buyer(firm)}
    if buyer:
        sides = replace(sides, speaker_name=dict(sides.speaker_name))  # (its labels may learn a name)
        others = [term for term in account_terms if term and term not in buyer]
        group_is_other = not any("集团" in term for term in buyer)
        foreign |= _people_of_other_companies(sentences, sides, is_buyer, org, others, group_is_other)
    if foreign:
        sides = replace(sides, third=sides.third | foreign)

    label_parts: dict[str, int] = {}
    for label in {x.speaker for x in sentences if x.speaker}:
        if parts := _GROUP_MEMBER_LABEL.match(label):
            for part in parts.groups():
                label_parts[part] = label_parts.get(part, 0) + 1
    group_firms = {firm for x in sentences if (firm := label_firm(x.speaker))}

    def outsider_before(text: str, at: int) -> bool:
        """A person named as someone of another company ("顺捷物流的老蒋", "园区物业的周经理") shortly before the
        number at `at`, with no one of the customer's own ("我", "我们") speaking up in between."""
        before = text[max(0, at - 48) : at]
        # "渠道对接：凯诚科技 柏松 150-5921-6630": a partner's person under a partner's key
        if re.search(
            r"(?:渠道|代理商|集成商|实施方|服务商|合作伙伴)(?:对接人?|联系人)?\s*[：:][^；;。：:]{0,24}$", before
        ):
            return True
        # "河南那边的代理商中牧通，老赵，他电话 0371-…", "我们瑞金的经销商老钟想先试用，他电话 135…": a dealer's man
        if re.search(
            r"(?:代理商|经销商|加盟商|集成商|供应商|服务商|合作伙伴|外包给)[\u4e00-\u9fa5]{0,8}(?:的)?[，,]?\s*"
            rf"(?:[老小](?:{SURNAMES})|(?:{SURNAMES})(?:总|经理|工|师傅|老板))(?:[^。；;，,]{{0,12}}[，,])?\s*"
            r"(?:(?:他|她)的?)?(?:电话|手机|号码)?(?:是)?[：:\s]*$",
            before,
        ):
            return True
        # "金蝶那边的实施是赣南易联科技做的，对接人黄工，电话 133-…", "调度系统是陆港信息做的，…，对接人叫薛磊，电话…":
        # the provider's contact person
        if re.search(
            # ("与用友U8对接（U8由甬信科技实施，联系人贺工，0574-…）")
            r"(?:是|由)[\u4e00-\u9fa5A-Za-z0-9]{2,12}(?:做|负责|实施|开发)的?[，,][^。；;]{0,16}?(?:对接人|联系人)(?:叫|是)?[^，,。]{1,4}[，,]?\s*"
            r"(?:电话|手机|号码)?(?:是)?[：:\s]*$",
            before,
        ):
            return True
        # "亚克力板是华塑材料的段经理供的，他电话 139…": the supplier's man
        if re.search(
            rf"的(?:(?:{SURNAMES})(?:经理|总|师傅|老板)|[老小](?:{SURNAMES}))(?:供|送|拉|提供)的[，,]\s*(?:他|她)的?(?:电话|手机|号码)(?:是)?[：:\s]*$",
            before,
        ):
            return True
        for m in _OUTSIDE_PERSON.finditer(before):
            between = before[m.end() :]
            if re.search(r"[。！？!?]|我|咱们|您的|你的", between) or len(between) > 32:
                continue
            firm = m.group("firm")
            if re.search(r"我|咱们|这块|那块|部门|[部组科室]$", firm):
                continue  # "我是渠道这块的小贺": the speaker's own, a department
            named = [name for name, _start, _end in org_mentions(firm)] or (
                # ("瀚宇那边的沈经理电话021-…": a firm known by name alone, "over there")
                [firm]
                if re.search(r"物业|园区|工业园|货代|集成|外包|渠道", firm)
                or (
                    "那边的" in m.group(0)
                    and len(firm) >= 2
                    and not re.match(r"[我咱你您他她它这那]|集团|总部|公司|厂里|店里|门店|财务|老板|领导", firm)
                    and not _GENERIC_IN_BRAND.search(firm)
                )
                else []
            )
            if not named or any(org.find_ours(n) or org.is_ours(n) for n in named if org is not None):
                continue
            if any(core_name(n)[:2] and core_name(n)[:2] in term for n in named for term in buyer if term):
                continue  # "华盖瓶盖的徐经理": the customer's own
            return True
        return False

    def signed_by_us(text: str) -> bool:
        """A short line with our company and no customer in it: a signature or our own contact line."""
        return bool(org and len(text) <= 60 and org.find_ours(text) and not any(c.name in text for c in people))

    found: dict[str, ContactFact] = {}
    order: list[str] = []

    def ours(label: str) -> bool:
        side = sides.side(label)
        return side is True or (side is None and _is_our_side(label, our_names) is True)

    said_own_name: dict[str, str] = {}  # "何总" → "何立群": a speaker saying their own full name
    relatives: set[str] = set()  # "我儿子卫东阳": family of the one talking, never the same person

    def add(name: str, s: Sentence, title: str | None = None) -> ContactFact | None:
        if name == "小程" and s.text.count("小程") == s.text.count("小程序"):
            return None  # "给我们做的小程序": an app, no 小程
        at = s.text.find(name)
        if at > 0 and s.text[at - 1] + name[0] in _WORD_ENDS_IN_SURNAME:
            if not re.fullmatch(_NICK, name[1:]):
                return None  # "每个招商经理一张表": no 商经理
            name = name[1:]  # "跟单小温也会参与": 小温, the one who does the order follow-up
        if len(name) == 3 and name[2] in "发给说来去也会在要把跟和就都还是" and name[:2] in (*found, *sides.theirs):
            name = name[:2]  # "由我们调度主管苗苗发给你们", 苗苗 being on the participant list
        staff = any(name in n or n in name for n in our_names if n) and name not in sides.theirs
        if not name or staff or sides.excluded(name) or {name, name[:2], name[1:]} & _NOT_A_NAME:
            return None  # "跟老板商量": a verb after a role word is no name
        if re.fullmatch(_HONORIFIC.pattern, name) and name not in sides.theirs:
            # "汪经理：" heading the customer's mail to our 汪洋: the customer names our rep, not a colleague
            if any(n[0] == name[0] for n in sides.ours) and not any(n[0] == name[0] for n in sides.theirs):
                return None
        if _NAME_LOOKALIKE.search(name) or name.lower() in _SOFTWARE_WORDS or name == "老师":
            return None  # "跟老板商量": a verb after a role word is no name; "全是Excel": a tool
        if any(name in t for t in account_terms):
            return None
        if name[0] == "易" and any(f"销售{name}" in x.text for x in sentences):
            return None  # "您说的是销售易吧": the competitor, not a 易 person
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

    # "巴特尔 15:02：", "央金旺姆:", "其其格(场长):": a name without a Han surname heads the customer's lines;
    # a label that talks in the first person more than once is a person, not a note's field ("预算：")
    talks = Counter(x.speaker for x in sentences if x.speaker)
    first_person = {x.speaker for x in sentences if x.speaker and "我" in x.text}

    def named_label(label: str, person: str) -> bool:
        return (
            talks[label] >= 2
            and label in first_person
            and re.fullmatch(r"[\u4e00-\u9fa5]{3,4}", person) is not None
            and not (_NOTE_FIELD.search(person) or _header_key(person) or _header_label(person))
            and not (org and (org.find_ours(person) or org.is_ours(person)))
            and not re.search(
                r"客户|销售|甲方|乙方|对方|我方|主持|记录|顾问|经理|老板|师傅|前台|财务|参会|说明|方式|标题|人员",
                person,
            )
        )

    listing_end: int | None = None
    for s in sentences:
        hay = s.text
        if s.speaker and not ours(s.speaker):
            person = sides.speaker_name.get(s.speaker) or _person_of(s.speaker)
            person = re.sub(r"[（(][^）)]*[）)]$", "", person).strip()  # "其其格(场长)"
            if sides.side(s.speaker) is False and (
                _looks_like_person(person)
                or re.fullmatch(rf"[A-Z][a-z]{{1,12}}(?:{SURNAMES})?", person)
                or named_label(s.speaker, person)
            ):  # "Kevin李": an English name with the surname is how the chat names him
                add(person, s)
            hay = f"{s.speaker}，{s.text}"
        for m in _NAME_TITLE.finditer(hay):
            given = m.group(2)
            if given[0] in _NOT_GIVEN_NAME or given[-1] in _NOT_GIVEN_NAME:
                continue
            if hay[max(0, m.start() - 1) : m.start()] + m.group(1) in _WORD_ENDS_IN_SURNAME:
                continue  # "招生主管曹敏，财务主管…": no 管曹敏
            add(m.group(1) + given, s, m.group(3))
        for m in _NAME_BRACKET_TITLE.finditer(hay):
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
        for m in re.finditer(rf"(?:{_NAMED_DEPARTMENTS})(?:部|中心)?\s*的?\s*({_MINORITY_NAME})", hay):
            add(m.group(1), s)  # "我们信息部的努尔兰负责对接"
        if not s.speaker and s.start < 200 and org is not None:
            # a call without labels: "喂，鲁师傅您好，我是云帆科技的小武": whom our rep greets is the customer
            m = re.match(
                # ("喂，您好，是姜姐吗？我是云帆科技的小殷")
                rf"\s*(?:喂|哎|诶)?[，,\s]*(?:(?:您好|你好)[，,\s]*)?是?"
                rf"((?:{SURNAMES})(?:总|经理|师傅|老师|主任|工|姐|哥|老板|校长|院长|园长|厂长|店长))"
                r"(?:吗|您好|你好|好)[，,！!？?\s]*我是([^，。]{2,16})",
                "".join(x.text for x in _with_neighbour(sentences, s, 1)),  # the question mark ends a sentence
            )
            if m and org.find_ours(m.group(2)):
                add(m.group(1), s)
        if s.speaker and not ours(s.speaker):
            # ("郑工：我是闽信科技的郑志远" after "闽信科技给我们实施的，今天他们的郑工也来了": a third company's man)
            third_speaker = sides.excluded(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
            m = re.search(rf"我(?:是|叫|姓.[，,]\s*)({_PERSON})(?=[。，,！!]|$)", s.text)
            if m and not third_speaker:
                add(m.group(1), s)
            # "我是远通快运的销售运营经理，郑丽", "我是丰禾的销售部长孔德明", "我是信息中心的小蒋，蒋子豪"
            m = None if third_speaker else _SELF_INTRO_TITLED.search(s.text)
            if m:
                title = m.group("title") or ""
                company = label_company(s.speaker)
                if company and title.startswith(company) and len(title) > len(company) + 1:
                    title = title[len(company) :]  # "我是海拓运营总监Kelly" from 海拓-Kelly: the title is 运营总监
                add(m.group("name"), s, title or None)
            # "这个是我们渠道经理吴刚", "她是我们行政主管，蔡雅婷": the customer introducing a colleague
            for m in _INTRODUCED.finditer(s.text):
                add(m.group("name"), s, m.group("title"))
            # "我们技术负责人是黄志强", "姓刘，叫刘敏", "我们郑总最后拍板": the customer naming its own people
            for m in re.finditer(
                rf"(?:负责人|对接人|联系人)(?:是|叫)\s*({_PERSON})(?=[，,。！!；;\s]|$|他|她)"
                rf"|姓.[，,]\s*叫({_PERSON})(?=[，,。！!；;\s]|$)"
                rf"|(?:我们|咱们)((?:{SURNAMES})(?:总|经理|工|主任|老师|姐|哥))(?=[^\u4e00-\u9fa5]|$|[最说会要来也都那这拍定签点同觉])",
                s.text,
            ):
                name = next(g for g in m.groups() if g)
                if m.group(3) and any(
                    n.startswith(name[0]) for n in (*found, *sides.theirs, *sides.speaker_name.values())
                ):
                    continue  # ("我们乔总也在群里" with 乔建国 in the chat: him, already known)
                if _looks_like_person(name) or re.fullmatch(rf"(?:{SURNAMES})[姐哥]", name):
                    add(name, s)
            for m in _IS_OUR.finditer(s.text):
                add(m.group("name"), s, m.group("title"))
            for m in _INTRODUCED_BY_TEAM.finditer(s.text):
                if _looks_like_person(m.group("name")):
                    add(m.group("name"), s)
            for m in _OUR_TITLED.finditer(s.text):  # "我跟我们校长宁姗商量过了"
                name = m.group("name")
                if len(name) == 3 and name[-1] in "也管会在来说讲都还就跟和是要能":
                    name = name[:2]  # "我们出纳阎丽也会看": 也 is no part of her name
                add(name, s, m.group("title"))
            for m in _THEIR_ENGLISH.finditer(s.text):
                add(m.group("name"), s)
        elif not s.speaker and not any(n in s.text for n in our_names if n):
            # a transcript without labels: an introduction with a customer's job is the customer's
            # ("这个是我们渠道经理吴刚", "我是这边的店长陈敏"); our pre-sales or implementation people are not
            for m in (
                *_INTRODUCED.finditer(s.text),
                *_SELF_INTRO_TITLED.finditer(s.text),
                *_SELF_INTRO_NAME_FIRST.finditer(s.text),
            ):
                title = m.group("title") or ""
                if title and not re.search(r"售前|实施|顾问|方案|客户经理|交付|技术支持", title):
                    add(m.group("name"), s, title)
            # a rep's report: "见了他们的物业经理黄海涛，还有客服主管小钱", "见了简总和他们商务部的小温"
            # ASR leaves spaces between words ("见 了 他们 销售 经理 老韩 就是说"): read the words joined
            joined = re.sub(r"(?<=[\u4e00-\u9fa5])\s+(?=[\u4e00-\u9fa5])", "", s.text)
            for m in _ACTS_IN_REPORT.finditer(joined):
                add(m.group("name") or m.group("called") or m.group("role_name"), s)
            for m in (*_MET.finditer(joined), *_ALSO_THERE.finditer(joined)):
                role = m.group("role") or ""
                if re.search(r"我们|我司|咱们|同事|我的|我", role):
                    continue
                add(m.group("name"), s, _met_title(role))
        # "联系人：邓丽萍，教务主任，手机 139…": the notes' own key says who the contact is
        m = re.search(rf"(?:联系人|对接人|对象)[：:]\s*({_PERSON})(?=[，,（(\s]|$)", s.text)
        if m:
            job = re.match(
                r"[，,（(\s]+([\u4e00-\u9fa5]{1,6}?(?:经理|主管|总监|主任|负责人|店长|院长|总|专员))",
                s.text[m.end() :],
            )
            add(m.group(1), s, job.group(1) if job else None)
        # "9. 电话：常班主 133 0221 8465；鞠晓彤 022-2835 6617。": a numbered key kept in the line, and the
        # list going on after "；"
        key_in_text = re.match(
            r"\s*(?:\d{1,2}[.、]\s*|[-•*·]\s*)?(?:联系方式|联系电话|电话|手机|联系人电话)\s*[：:]\s*", s.text
        )
        listed_on = listing_end is not None and 0 <= s.start - listing_end <= 2
        listing_end = None
        if (
            re.fullmatch(
                r"联系方式|联系电话|电话|手机|联系人电话|联系", re.sub(r"^\d{1,2}[.、]\s*", "", s.speaker or "")
            )
            or key_in_text
            or listed_on
        ):
            body = s.text[key_in_text.end() :] if key_in_text else s.text
            if re.search(r"[；;]$", s.text):
                listing_end = s.start + len(s.text)
            # "联系方式：石永红 139 5641 0823；小蒙 0564-3320517 转 6。": the notes list each person with a number
            for m in re.finditer(rf"({_NICK}|(?:{SURNAMES})(?:总|经理|工|主任|老师))\s+({_PERSON})", body):
                if surname_of(m.group(1)) == m.group(2)[0] and _looks_like_person(m.group(2)):
                    add(
                        m.group(2), s
                    )  # "骆总 骆志成 138…；客服主管小于 于晴 010-…": how they are called, then the name
            for m in re.finditer(
                rf"(?:^|[；;，,、]\s*)({_PERSON}|{_NICK})\s*(?=(?:[（(][^）)]{{1,8}}[）)])?\s*[:：]?\s*"
                r"(?:\+?86[-\s]?)?(?:1[3-9]\d|0\d{2,3}[-\s]))",
                body,
            ):
                if _looks_like_person(m.group(1)) or re.fullmatch(_NICK, m.group(1)):
                    add(m.group(1), s)
        if s.speaker and not ours(s.speaker):
            # "客户-老黄：合同发我就行，黄志诚，电话…": the speaker's full name said on its own
            surname = surname_of(sides.speaker_name.get(s.speaker) or _person_of(s.speaker))
            if surname:
                for m in re.finditer(
                    # ("发票抬头写我名字聂红梅就行": 聂姐 saying her own name)
                    # ("我座机0768-…，找甘锦荣就行": 甘经理 giving the name to ask for)
                    rf"(?:^|[，,。：:]|我的?名字(?:是|叫)?|[，,]找)\s*(?:我叫|我是)?({surname}[\u4e00-\u9fa5]{{1,2}}?)(?=[，,。！!]|$|就行|就好)",
                    s.text,
                ):
                    if _looks_like_person(m.group(1)) and not re.fullmatch(_HONORIFIC.pattern, m.group(1)):
                        add(m.group(1), s)
                        said_own_name[sides.speaker_name.get(s.speaker) or _person_of(s.speaker)] = m.group(1)
        elif not s.speaker:
            # "…，我叫孔祥瑞，你存一下。", on the phone "对对，我陈建平，你说。", "对，我是童国庆，漳河泥鳅养殖场的。"
            m = re.search(
                rf"我(?:叫|是)({_PERSON})(?=[，,。！!]|$)|(?:^|[，,。！!])\s*我(?![方司们])({_PERSON})(?=[，,。！!])"
                # ("对对，我姓项，项目的项，项伟。": the surname spelled out, then the name)
                rf"|我姓(?P<surname>[\u4e00-\u9fa5])[，,]\s*(?:[\u4e00-\u9fa5]{{1,4}}的(?P=surname)[，,]\s*)?"
                rf"(?P<full>(?P=surname)[\u4e00-\u9fa5]{{1,2}})(?=[，,。！!]|$)",
                s.text,
            )
            said = (m.group(1) or m.group(2) or m.group("full")) if m else None
            if (
                said
                and _looks_like_person(said)
                and not any(n in s.text for n in our_names if n)
                and not (org and org.find_ours(s.text))
                and not sides.excluded(said)
            ):
                add(said, s)
        if s.speaker and sides.side(s.speaker) is False:
            # "后面有事你也可以找庄婷，这个事一直是她在跟": whom the customer tells us to turn to is theirs
            for m in re.finditer(rf"(?:可以|直接|就)找({_PERSON})(?=[，,。！!；;\s]|$|她|他)", s.text):
                if _looks_like_person(m.group(1)):
                    add(m.group(1), s)
        for m in _SENT_TO.finditer(hay):
            # "合同你明天发给何芳", "我把合同发给阎晓梅": whom we send the contract to is the customer's; whom
            # the customer sends to ("我这周五前把数据发给卢宁") is ours
            before = re.split(r"[，,。；;！!？?]", hay[: m.start()])[-1]
            side = sides.side(s.speaker) if s.speaker else None
            # ("6. 裘总说下周三签合同，…，合同寄给柳芳": in our rep's own notes, we send)
            notes = not s.speaker and bool(sides.ours) and not any(x.speaker for x in sentences)
            we_send = ((side is True or notes) and not re.search(r"你们?|您", before)) or (
                side is False and re.search(r"你们?|您", before)
            )
            name = m.group(1)
            # (a title after a surname, "杨助理", "唐总审", is how the person is addressed, read elsewhere)
            if we_send and _looks_like_person(name) and not re.search(r"助理|总审|秘书|会计|出纳|主管|老师", name):
                add(name, s)
        for m in (*_TITLE_LATIN.finditer(hay), *_TITLE_XIAO.finditer(hay)):
            # "信息部的小谭": a department alone is no job title
            add(m.group(2), s, None if m.group(1).endswith(("部", "科")) else m.group(1))
        # "这位是我们客服主管小吴，吴倩", "采购专员 小白（白雪梅）", "我们小马也会参加测试，马国栋": the full
        # name right after the 小/老 form
        # "我们会计小韩，她叫韩冰", "见了陆厂长（陆振邦，生产厂长）": the honorific's full name beside it
        for m in re.finditer(
            rf"(?:[小老]({SURNAMES})|({SURNAMES})(?:总监|总|经理|主任|[厂院校店馆所园]长|老板|老师|工))"
            rf"(?:[^。！？!?，,]{{0,8}}[，,]\s*(?:[她他](?:叫|是)|全名|大名)?|[（(]\s*)"
            rf"((?:\1|\2)[\u4e00-\u9fa5]{{1,2}}?)(?=[。，,！!；;）)]|$)",
            hay,
        ):
            if _looks_like_person(m.group(3)) and not re.fullmatch(_HONORIFIC.pattern, m.group(3)):
                add(m.group(3), s)
                called = m.group(0)[: m.group(0).find(m.group(3))]
                said_own_name[re.split(r"[^\u4e00-\u9fa5]", called)[0][:4]] = m.group(3)
        for m in _XIAO_AFTER.finditer(hay):
            add(m.group(1), s)
        # "客户：津门笑坊相声茶社（河西区，常海生开的，大家叫他常班主）": the owner, named in the notes
        for m in re.finditer(rf"(?<=[，,（(：:])\s*({_PERSON})(?:开的|是老板|是老板娘)(?=[，,。）)]|$)", hay):
            if _looks_like_person(m.group(1)) and not sides.excluded(m.group(1)):
                add(m.group(1), s)
        if not s.speaker or not ours(s.speaker):
            # "见了谷老板（谷长青）和他儿子谷磊", "我儿子卫东阳，还有两个跑市场的": family in the business
            for m in re.finditer(
                rf"(?:他|她|我)(?:的)?(?:儿子|女儿|侄子|侄女|外甥|老婆|爱人|老公|弟弟|妹妹|哥哥|姐姐)\s*({_PERSON})(?=[，,。；;\s]|$|也|是|在|负责|管|发|给|来|跟|说)",
                s.text,
            ):
                if _looks_like_person(m.group(1)):
                    add(m.group(1), s)
                    relatives.add(m.group(1))
        # "和瑞彩标签印刷的裘国强（裘总）通了电话": the full name, then how he is called
        for m in re.finditer(
            rf"(?<![\u4e00-\u9fa5])({SURNAMES})([\u4e00-\u9fa5]{{1,2}})[（(]\s*\1(?:总监|总|经理|主任|工|老板|老师|[厂院校店馆所园]长)[）)]"
            rf"|(?<=[的和跟与是见])({SURNAMES})([\u4e00-\u9fa5]{{1,2}})[（(]\s*\3(?:总监|总|经理|主任|工|老板|老师|[厂院校店馆所园]长)[）)]",
            hay,
        ):
            name = (m.group(1) or m.group(3)) + (m.group(2) or m.group(4))
            if _looks_like_person(name):
                add(name, s)
        for m in (*_HONORIFIC.finditer(hay), *_HONORIFIC_AFTER.finditer(hay)):
            honorific = m.group(0)
            if honorific in found or (
                m.group(1) == "周" and hay[max(0, m.start() - 1) : m.start()] in tuple("上下本这每")
            ):
                continue  # ("上周总经理办公会已经定了": last week's meeting)
            before = hay[max(0, m.start() - 1) : m.start()]
            if before + m.group(1) in _WORD_ENDS_IN_SURNAME:
                continue  # "设计总监", "公司总经理": a word ends where the title starts
            if (
                m.group(2) == "工"
                and re.fullmatch(r"[\u4e00-\u9fa5]", before)
                and before not in "的跟和找给问叫让请是对由"
            ):
                continue  # "洗车工不用": a job, not 车工
            # "周总" alone states no title; "何总（销售副总裁）" does
            stated = _HONORIFIC_TITLE.match(hay[m.end() :])
            title = stated.group(1) if stated else None
            # "李总" and "李明（总经理）" are one person when the surname matches a full name already seen
            same = [n for n in order if n.startswith(m.group(1)) and len(n) >= 2 and n != honorific]
            if same:
                continue
            if s.speaker and ours(s.speaker) and honorific in sides.ours:
                continue
            if any(n.startswith(m.group(1)) for n in sides.ours) and not any(
                n.startswith(m.group(1)) for n in sides.theirs
            ):
                continue  # "王经理" said to our 王磊
            add(honorific, s, title)
    if spoken and sentences:
        # a dictated report is read clause by clause, which cuts "见了他们的老板娘 陈姐 还有店长 阿杰" apart: the
        # people the rep met are read from the whole run, its words joined
        joined = re.sub(r"(?<=[\u4e00-\u9fa5])[\s，,。]+(?=[\u4e00-\u9fa5])", "", spoken)
        for m in _ACTS_IN_REPORT.finditer(joined):
            name = m.group("name") or m.group("called") or m.group("role_name")
            add(name, next((x for x in sentences if name in x.text), sentences[0]))
        for m in _MET.finditer(joined):
            role = m.group("role") or ""
            if re.search(r"我们|我司|咱们|同事|我的|我", role):
                continue
            name = m.group("name")
            where = next((x for x in sentences if name in x.text), None) or next(
                (x for x in sentences if name[0] in x.text), sentences[0]
            )
            add(name, where, _met_title(role))
    # a mail header names people with their addresses ("抄送：陈静 <chenjing@huicai-hr.com>"): those at the
    # customer's domain, the one most addresses not of our people share, are the customer's people
    addressed = [
        (m.group(1), m.group(2).lower(), s)
        for s in sentences
        if _MAIL_HEADER.match(s.text)
        for m in _NAME_ADDRESS.finditer(s.text)
    ]
    ours_at = {address.split("@")[1] for name, address, _s in addressed if name in sides.ours or name in our_names}
    theirs_at = Counter(a.split("@")[1] for _n, a, _s in addressed if a.split("@")[1] not in ours_at)
    if theirs_at:
        home = theirs_at.most_common(1)[0][0]
        for name, address, s in addressed:
            if address.endswith("@" + home) and _looks_like_person(name) and (contact := add(name, s)) is not None:
                contact.email = contact.email or address
    for name in sorted(sides.theirs):
        if name not in found and _looks_like_person(name):
            where = next((s for s in sentences if name in s.text or name in s.speaker), None)
            if where is not None:
                add(name, where)

    # "Grace Liu 刘宛清", "总经理Peter Wong（黄志豪）", "刘宛清（Grace）": an English name beside the Chinese
    # one is the same person, listed by the Chinese name
    for name in [n for n in order if re.fullmatch(r"[A-Z][a-z]{1,12}", n)]:
        said = "\n".join(f"{x.speaker}\n{x.text}" for x in sentences)
        beside = re.finditer(
            rf"(?<![A-Za-z]){name}(?:[ \t\-·]+[A-Z][a-z]{{1,12}})?[ \t\-·]*[（(]?[ \t]*({_PERSON})(?![\u4e00-\u9fa5])"
            rf"|({_PERSON})[ \t]*[（(][ \t]*{name}(?![A-Za-z])"
            rf"|(?<![A-Za-z]){name}[，, \t]*中文名(?:叫|是)?[ \t]*({_PERSON})(?![\u4e00-\u9fa5])",
            said,
        )
        chinese = next(
            (
                c
                for m in beside
                if (c := next(g for g in m.groups() if g))
                and _looks_like_person(c)
                and surname_of(c) is None  # "Hi 林经理": whom the English name greets
                and not re.fullmatch(_HONORIFIC.pattern, c)
                and not sides.excluded(c)
            ),
            None,
        )
        if chinese is None:
            continue
        contact = found.pop(name)
        if chinese in found:  # already a contact: keep what the English name brought
            order.remove(name)
            twin = found[chinese]
            twin.title = twin.title or contact.title
            twin.phone = twin.phone or contact.phone
            twin.email = twin.email or contact.email
        else:
            order[order.index(name)] = chinese
            contact.name = chinese
            found[chinese] = contact
    # "陈经理" and "陈静" (the only 陈 among them), "小吴" and "吴倩": one person, named in full
    full = [n for n in order if surname_of(n) is None]
    merged: dict[str, ContactFact] = {}  # "老谭" → 谭志刚: the label "老谭：" still names him
    for name in list(order):
        surname = surname_of(name)
        if not surname:
            continue
        twins = [n for n in full if n.startswith(surname) and n != name and n not in relatives]
        if said_own_name.get(name) in twins:  # "何总：我叫何立群": that 何总 is 何立群, whoever else is a 何
            twins = [said_own_name[name]]
        if len(twins) > 1 and name.endswith("总"):
            # "郑金山（总经理），他侄子郑小川（电商运营负责人）" then "郑总 0916-…": the one whose job is a 总
            bosses = [n for n in twins if re.search(r"总(?!监)|董事长|老板", found[n].title or "")]
            twins = bosses if len(bosses) == 1 else twins
        if len(twins) == 1:
            twin = found[twins[0]]
            merged[name] = twin
            gone = found.pop(name)
            order.remove(name)
            twin.title = twin.title or (gone.title if gone.title not in ("经理", "主任", "总经理") else None)
            twin.pos, twin.evidence = min(twin.pos, gone.pos), gone.evidence if gone.pos < twin.pos else twin.evidence
    # phones and emails belong to the person talking about them, or named in the sentence
    people = list(found.values())
    recent: list[ContactFact] = []
    # a number goes to one person: a surer reading (named, or the speaker) takes it from a guess
    held: dict[str, tuple[ContactFact, int]] = {}
    for index, s in enumerate(sentences):
        named_here = [c for c in people if c.name in s.text or (s.speaker and c.name in s.speaker)] + [
            twin for alias, twin in merged.items() if alias in s.text
        ]
        contacts = find_phones(s.text) + find_emails(s.text)
        speaker_is_ours = bool(s.speaker) and ours(s.speaker)
        talking = sides.speaker_name.get(s.speaker) or (_person_of(s.speaker) if s.speaker else "")
        third_talking = (
            # "发言人6：我的手机是…", 发言人6 being the integrator's 卢工; "韩涛：…我手机…", the 韩工 of the integrator
            talking in sides.third
            or any(talking[:1] == n[0] and re.fullmatch(_HONORIFIC.pattern, n) for n in sides.third if talking)
            # "韩工：我手机 177…", 韩工 having said "我是济宁智联信息工程的韩磊" (the integrator's)
            or (
                bool(talking)
                and re.fullmatch(_HONORIFIC.pattern, talking) is not None
                and any(n[0] == talking[0] and _looks_like_person(n) for n in sides.third)
                and not any(c.name[0] == talking[0] and c.name != talking for c in people)
            )
        )
        third_here = (
            third_talking
            or any(n in s.text or (s.speaker and n in s.speaker) for n in sides.third | sides.left)
            # "葛工是集团…信息中心的，…电话0553-588 0020", 葛工 being the group's 葛立新
            or any(
                sides.excluded(m.group(0))
                for m in re.finditer(rf"(?:{SURNAMES})(?:工|总|经理|主任|老师|师傅)", s.text)
                if m.group(0) not in (talking, *(c.name for c in people))
            )
        )
        if not contacts:
            recent = (named_here or recent)[-3:]
            continue
        # "有事您打我电话 177 0551 6243，我是曾蕾。": a call without labels, our rep signing off
        if not s.speaker and any(re.search(rf"我是{re.escape(n)}(?![\u4e00-\u9fa5])", s.text) for n in sides.ours if n):
            continue
        if (
            third_here
            and not any(c.name in s.text for c in people)
            # (but "马德福：…他们老杨的电话133…你别存错了，我的是幺三八…": the speaker's own is read below)
            and not (s.speaker and not third_talking and _OWN_NUMBER.search(s.text))
        ):
            continue
        said_before = sentences[index - 1] if index else None
        pointer = re.search(r"[他她]的?(?:电话|手机|号码|座机)", s.text)
        if pointer:
            # "集团IT的何工之后可能会来问安全合规的问题。他电话是010-…", "是明讯信息做的，他们的钟工一直驻场维护。接口的
            # 事可能要跟他一起，他电话177…": 他 is whoever was named last, in this breath or the one before; a third
            # party's man keeps the numbers after it (and "…他手机137…别打了，现在都找我，我手机 139…": the
            # speaker's own after it is still read)
            lead = said_before.text if said_before is not None and said_before.speaker == s.speaker else ""
            context = lead + s.text[: pointer.start()]

            def last_at(names: Iterable[str]) -> int:
                return max((context.rfind(n) for n in names if len(n) >= 2), default=-1)

            third_at = last_at(sides.third | sides.left)
            if third_at >= 0 and third_at > last_at([c.name for c in people] + list(merged)):
                own_after = re.search(r"我的?(?:手机|电话|座机|号码)", s.text[pointer.end() :]) if s.speaker else None
                cut = pointer.end() + own_after.start() if own_after else len(s.text)
                contacts = [c for c in contacts if not (pointer.start() < c.span[0] < cut)]
                if not contacts:
                    continue
        if talking in sides.third and re.search(r"我的?(?:电话|手机|座机|号码)|(?:有事|随时)?(?:打|找)我", s.text):
            continue  # "有新品图片发白露就行，我电话 135…": the third party's own number, beside a contact's name
        if re.search(r"不是(?:我们|咱们)?的?(?:对接人|联系人)", s.text):
            continue  # "北京演艺集团 王主任（010-…），是他们最大客户，不是我们的对接人"
        sure = 2
        owner = next((c for c in people if c.name in s.text), None) or next(
            (twin for alias, twin in merged.items() if alias in s.text), None
        )
        if owner is None:
            # "贵司联系电话（邱总监）：023-…" with 邱雯 the only 邱 among them
            for m in _HONORIFIC.finditer(s.text):
                same = [c for c in people if c.name.startswith(m.group(1))]
                if len(same) == 1:
                    owner = same[0]
                    break
        if owner is None and s.speaker:
            owner = next((c for c in people if c.name in s.speaker or s.speaker.endswith(c.name)), None)
            if owner is None and sides.speaker_name.get(s.speaker):
                name = sides.speaker_name[s.speaker]
                owner = found.get(name) or merged.get(name)
            if owner is None:
                owner = merged.get(_person_of(s.speaker))
        if owner is None and s.speaker and not speaker_is_ours:
            m = _HONORIFIC.search(s.speaker) or re.search(f"({SURNAMES})[\u4e00-\u9fa5]{{1,2}}$", s.speaker)
            if m:
                # "薛总: 总部座机 …" after "运营副总裁 薛志刚" in the header: the only 薛 is the one named in full
                twins = [
                    c
                    for c in people
                    if c.name.startswith(m.group(1))
                    and c.name != m.group(0)
                    and not re.fullmatch(_HONORIFIC.pattern, c.name)
                ]
                owner = twins[0] if len(twins) == 1 else add(m.group(0), s)
                people = list(found.values())
        previous = sentences[index - 1] if index else None
        if owner is None and not speaker_is_ours and previous is not None and ours(previous.speaker):
            # "乙方：吴总留个电话？" / "甲方：+86 186 2011 4478。": the person we asked answers
            asked = [c for c in people if c.name in previous.text]
            for m in [] if asked else _HONORIFIC.finditer(previous.text):
                # ("林主任电话是多少？" asked of 林秀英, the only 林)
                same = [c for c in people if c.name.startswith(m.group(1))]
                asked = same if len(same) == 1 else asked
            if asked and _ASKS_NUMBER.search(previous.text):
                owner = asked[-1]
        if (
            owner is None
            and (not s.speaker or sides.side(s.speaker) is None)  # ("通话ID：… 被叫号码：…": the header's key)
            and s.start < 160
            and people
            and _CALL_WITH.search(s.text)
        ):
            # "通话录音转文字 | 与 0573-8265 1180 的通话": a call recorder names the other end's number, the customer's
            owner = min(people, key=lambda c: c.pos)
        if owner is None and not s.speaker:
            # no labels: "温经理，您电话多少？" then "138 0571 2233。": the one asked answers ("温经理" being
            # 温若, the only 温; "您的手机我确认一下？" asked of the only contact)
            for question in sentences[max(0, index - 2) : index][::-1]:
                asked = [c for c in people if c.name in question.text]
                for m in [] if asked else _HONORIFIC.finditer(question.text):
                    same = [c for c in people if c.name.startswith(m.group(1))]
                    asked = same if len(same) == 1 else asked
                if not asked and re.search(r"[您你]", question.text) and len(people) == 1:
                    asked = people
                elif not asked and re.search(r"[您你]", question.text):
                    # ("您手机是多少？" on a call with 任晓光, who introduced himself, and his boss 鲁总 talked
                    # about): the one on the phone is the one who said who he is
                    asked = [
                        c
                        for c in people
                        if any(re.search(rf"我(?:是|叫)[^，。]{{0,16}}{re.escape(c.name)}", x.text) for x in sentences)
                    ]
                if (
                    not question.speaker
                    and len(asked) == 1
                    and _ASKS_NUMBER.search(question.text)
                    and re.search(r"多少|留|说一下|报一下|给我|确认|记一下|是[？?]|号吗", question.text)
                ):
                    owner = asked[0]
                    break
        # ("你加我另一个号吧 一三七 …": the number to add is the one of the person being talked to)
        # ("联系方式：叶春燕 137-…；厂办 0578-…": the office's line, kept with the contact who gave it)
        if (
            owner is None
            and not speaker_is_ours
            and recent
            # ("公司座机：0530-4561 7188" under a contact's line: the key names what the number is)
            and re.search(r"她|他|电话|手机|座机|号|邮箱|厂办|办公室|前台|总机|门店|店里", f"{s.speaker or ''}{s.text}")
        ):
            owner, sure = recent[-1], 1  # "她电话 0512-…": the person just talked about
        if (
            owner is None
            and speaker_is_ours
            and previous is not None
            and previous.speaker
            and not ours(previous.speaker)
        ):
            # "139，0755，后面是2618。" / "139 0755 2618，好的。": our rep reads the customer's number back
            said = re.sub(rf"[\d\s+\-，,。.!！？?{_ASR_DIGIT_CHARS}]", "", s.text)
            if len(said) <= 8 and "我" not in said:
                said_by = sides.speaker_name.get(previous.speaker, "")
                owner = (
                    found.get(said_by)
                    or merged.get(said_by)
                    or next((c for c in people if c.name in previous.speaker), None)
                )
        if owner is None and speaker_is_ours and _YOUR_NUMBER.search(s.text[: contacts[0].span[0]]):
            # "您座机是 0579-8531 6620 对吧？", "您电话还是 0371-6792 5508 吗？": our rep checks the number of
            # the one on the other end, who answers next (or spoke last)
            for other in (*sentences[index + 1 : index + 3], *sentences[max(0, index - 2) : index][::-1]):
                if other.speaker and not ours(other.speaker):
                    said_by = sides.speaker_name.get(other.speaker) or _person_of(other.speaker)
                    owner = (
                        found.get(said_by)
                        or merged.get(said_by)
                        or next((c for c in people if c.name in other.speaker), None)
                    )
                    break
        own = _OWN_NUMBER.search(s.text)
        # a group whose members carry their companies ("兰亭-钟海燕", "鼎盛园艺-冉国强", "汤工-智达网络"): a member of
        # a company that is neither the customer nor us speaks for that company, and so does the number
        firm = label_firm(s.speaker)
        if firm and len(group_firms) >= 2 and not is_buyer(firm):
            continue
        # "北辰这边实施上有问题找我 我电话一三六…": one of another company's people ("我们代理商北辰信息的孔磊")
        speaks_for = re.search(r"([\u4e00-\u9fa5]{2,6}?)(?:这边|那边)", s.text)
        if (
            (own or re.search(r"找我|打我", s.text))
            and speaks_for
            and any(
                other.startswith(speaks_for.group(1)) and not any(other in b or b in other for b in buyer)
                for other in account_terms
                if other not in buyer and len(other) > len(speaks_for.group(1))
            )
        ):
            continue
        # without labels: "好，那我明天把合同发您。您记一下我的号，一三三…": whoever sends the contract is our rep
        if (
            own
            and not s.speaker
            and previous is not None
            and not previous.speaker
            and s.start == previous.start + len(previous.text)  # (the same line: a newline is a gap)
            # ("好的。您电话是多少？我的是 177…": who asks for the other's number and gives their own is our rep)
            and (_VENDOR_TALK.search(previous.text + s.text) or re.search(r"您的?(?:电话|手机|号码)", previous.text))
        ):
            continue
        # without labels: "好的孔经理，我的手机是180…" addresses the customer's contact, so the one talking is us
        greets_contact = (
            not s.speaker
            and (
                greet := re.match(
                    rf"\s*(?:好的|好嘞|行|嗯)?[，,\s]*((?:{SURNAMES})(?:总|经理|工|老师|姐|哥|主管|主任|[厂院校店场]长))",
                    s.text,
                )
            )
            and any(c.name.startswith(greet.group(1)[0]) for c in people)
        ) or (
            # "我的手机是 138 5751 2200，顾总有事也可以直接打我": the contact is the one spoken to
            not s.speaker
            and any(
                re.search(rf"{re.escape(c.name)}[，,\s]*(?:有事|您|你|可以|随时|直接)", s.text[c_end:])
                for c in people
                for c_end in [s.text.find(c.name)]
                if c_end > 0
            )
        )
        # "我的手机是一五九…，有问题随时找我", "有事您随时打": the service offer of a vendor's (or a partner's)
        # people, never how a customer leaves a number
        # (but a customer's own speaker, placed as such, may offer it too: "我座机是…，有事随时找我")
        # ("以后有需要随时联系我，您座机还是 0731-8452 6603 吧？": the customer's number, checked)
        if (
            _AT_YOUR_SERVICE.search(s.text)
            and not (s.speaker and sides.side(s.speaker) is False and owner is not None and owner.name == talking)
            and not (owner is not None and speaker_is_ours and _YOUR_NUMBER.search(s.text[: contacts[0].span[0]]))
        ):
            continue
        if owner is None or (own and (speaker_is_ours or greets_contact)):
            continue  # "好的周总，我也留一下我的，186 2233 4455": our rep's own number
        if signed_by_us(s.text):
            continue  # "高翔 | 云帆科技 大客户经理 | 138 0571 2266": our signature
        # "我的经理韩冬（139 0871 5566）", "天山数智（我司渠道伙伴）马骁，电话0991-…": a number right after one of
        # our people is theirs
        contacts = [
            c
            for c in contacts
            if not any(
                re.search(re.escape(n) + _NUMBER_RIGHT_AFTER, s.text[: c.span[0]])
                for n in (*sides.ours, *sides.colleagues)
                if len(n) >= 2
            )
        ]
        if not s.speaker or speaker_is_ours:
            # "实施对接：我们这边老韩（韩师傅 136 0000 1111）": in our own words, a number next to 我们这边 is ours
            contacts = [c for c in contacts if not re.search(r"我们这边|我方|我司", _clause_with(s.text, c.span))]
        # "我电话一五零 二八六七 零九八七，嗯不对，是一五零 二八六七 零九八六": the corrected number replaces the first
        contacts = [
            c
            for i, c in enumerate(contacts)
            if not any(
                later.kind == c.kind
                and c.kind in ("mobile", "landline")
                and _CORRECTION_BETWEEN.search(s.text[c.span[1] : later.span[0]])
                for later in contacts[i + 1 :]
            )
        ]
        # "温总的号码 138 5311 8890 大家都有", 温总 being the partner's 温涛: a number of a third party's person
        contacts = [
            c
            for c in contacts
            if not (
                (whose := _WHOSE_NUMBER.search(s.text[max(0, c.span[0] - 12) : c.span[0]]))
                and any(n.startswith(whose.group(1)[0]) for n in sides.third | sides.left)
                and not any(p.name.startswith(whose.group(1)[0]) for p in people)
            )
        ]
        if speaker_is_ours and re.search(r"有个客户|有家客户|我们的?(?:老)?客户|案例|用得不错|您可以问问", s.text):
            continue  # "我们在慈溪有个客户恒通轴承，王经理说用得不错，他电话 139…": a reference, not the customer
        # "他手机13705742218你们要是存过就别打了", "吕经理电话027-8555 6201…这事跟他没关系了", "…不用理他": a number
        # of someone who left or does not count
        contacts = [c for c in contacts if not _NOT_TO_CALL.match(s.text[c.span[1] : c.span[1] + 24])]
        # "万汇广场的招商经理老邱也问有没有类似的系统，他电话 139…，你可以找他聊聊": a lead passed on, not this deal's
        contacts = [c for c in contacts if not _PASSED_ON_LEAD.search(s.text[: c.span[0]])]
        # "我们这厂房是租鑫达工业园的，物业电话0754-8889 1234": the landlord's line
        contacts = [c for c in contacts if not _PREMISES_NUMBER.search(s.text[max(0, c.span[0] - 12) : c.span[0]])]
        # "他们的货代顺洋国际物流的陈经理也在场，留了电话 137-…", "房东金陵置业的物业经理（电话 025-…）": the number of
        # a person of a company that is not the customer, said in the same breath
        contacts = [c for c in contacts if not outsider_before(s.text, c.span[0])]
        # "邝立新（集团信息中心，电话020-3892 1147）": a number in the brackets after a third party's name
        outsiders = [n for n in sides.third | sides.left if len(n) >= 2]
        contacts = [
            c
            for c in contacts
            if not any(re.search(re.escape(n) + r"\s*[（(][^（()）]*$", s.text[: c.span[0]]) for n in outsiders)
        ]
        if (none := _NONE_OF_THESE.search(s.text)) is not None:
            contacts = [c for c in contacts if c.span[0] > none.start()]
        elif index + 1 < len(sentences) and _NONE_OF_THESE.match(sentences[index + 1].text):
            contacts = []  # "…老马，133 6537 8812；这俩你们不用记": the clause after disowns these numbers
        if not s.speaker:
            # a call without labels: "货是汉川顺达冷链帮我们拉，他们司机电话 133…" (but a rep's note "他们财务经理周敏…，
            # 周敏电话…" means the customer): only after a company that is not the customer
            contacts = [
                c
                for c in contacts
                if not (
                    _THEIR_PERSONS_NUMBER.search(s.text[: c.span[0]])
                    and any(not is_buyer(name) for name, _a, _b in org_mentions(s.text[: c.span[0]]))
                )
            ]
        elif sides.side(s.speaker) is not True:
            # the customer: "物流是黔运物流在拉…他们调度王师傅电话 151 8503 2217", "他们的销售老窦也想跟你们聊聊，
            # 电话 020-…": 他们 is another company, and so is the number of its person
            contacts = [c for c in contacts if not _THEIR_PERSONS_NUMBER.search(s.text[: c.span[0]])]
            # "悟空餐饮的采购花经理一天能打三个电话催货，13842279013": the customer names another company's
            # person (its own people it calls 我们的…), and the number after is that person's
            contacts = [
                c
                for c in contacts
                if not (
                    (other := _OTHER_COMPANYS_PERSON.search(s.text[: c.span[0]]))
                    and not any(p.name.startswith(other.group(2)[0]) for p in people)
                )
            ]
            before = sentences[index - 1] if index > 0 else None
            if before is not None and before.speaker == s.speaker and re.match(r"\s*[他她]", s.text):
                # "…他们调度老葛经常要查客户地址，能不能给他开个只读的？他电话是 139…": 他 points back
                contacts = [c for c in contacts if not _THEIR_PERSONS_NUMBER.search(before.text + s.text[: c.span[0]])]
        named = sorted(((s.text.rfind(p.name), p) for p in people if p.name in s.text), key=lambda pair: pair[0])
        sentence_owner = owner
        for c in contacts:
            # "钱敏 021-5892 3366，…；小罗 186 1601 2299": each number to the person named right before it
            before = [p for at, p in named if 0 <= at < c.span[0]] if len(named) > 1 else []
            if before:
                at_owner = max(((s.text.rfind(p.name, 0, c.span[0]), p) for p in before), key=lambda pair: pair[0])[1]
                owner = at_owner
            else:
                owner = sentence_owner
            if c.kind in ("mobile", "landline"):
                holder, how_sure = held.get(c.value, (None, 0))
                if holder is not None and holder is not owner:
                    if how_sure >= sure:
                        continue
                    holder.other_phones = [p for p in holder.other_phones if p != c.value]
                    if holder.phone == c.value:
                        holder.phone = holder.other_phones.pop(0) if holder.other_phones else None
                held[c.value] = (owner, sure)
            if c.kind == "email" and not owner.email:
                owner.email = c.value
            elif c.kind in ("mobile", "landline") and not owner.phone:
                owner.phone = c.value
            elif c.kind in ("mobile", "landline") and c.value not in (owner.phone, *owner.other_phones):
                owner.other_phones.append(c.value)
            owner.evidence = quote(s) if owner.evidence == "" else owner.evidence
            owner.confidence = max(owner.confidence, 0.8)
        recent = (named_here or recent)[-3:]
    for s in sentences:
        m = _AUTHORITY.search(s.text)
        if m:
            before = s.text[max(0, m.start() - 10) : m.start()]
            named = [c for c in people if c.name in before]
            if not named and "我" in s.text and s.speaker:
                named = [c for c in people if c.name in s.speaker or s.speaker in c.name]
                named = named or [c for c in people if c.name == sides.speaker_name.get(s.speaker)]
            for c in named[-1:]:
                c.deal_role = "economic_buyer"
        if _CHAMPION.search(s.text):
            for c in people:
                if c.name in s.text or (s.speaker and c.name in s.speaker):
                    c.deal_role = "champion"
    return sorted((found[n] for n in order), key=lambda c: (c.pos, c.evidence.find(c.name)))


# a competitor's price is never our amount: "他们一百个账号报了二十万", "人家报的是十五万"
_RIVAL_PRICE = re.compile(
    # ("他们想把工程客户的报价和回款管起来": the customer wanting to manage its own quotes)
    r"(?<![给帮替跟和])他们(?!想|要|希望|打算|需要|主要|现在)[^，。；\s]{0,10}?(?:报了?|给了?|开了?|的报价|的价格)"
    r"|人家[^，。；\s]{0,8}?报|对方[^，。；\s]{0,6}报价"
    # ("你们…降到四万九千五，他们十五个账号三万八，还送实施": their seats, then their price)
    r"|(?<![给帮替跟和])他们[^，。；\s]{0,6}?(?:个账号|个号|套)(?=[零一二两三四五六七八九十\d])"
)
_NOT_OUR_PRICE = re.compile(r"\s*[（(]?\s*(?:这|这个)?不是(?:我们|咱们|我方)的?(?:价|报价|价格)")
# a figure rounded off at the end of a quote: "我给您凑个整，十七万", "凑个整按 109,000 元/年"
_ROUNDED_OFF = re.compile(r"凑个?整|抹个?零|优惠到")
# another vendor's price in the customer's words: "他们五万五", "他们家报的四万八"
_THEIR_PRICE = re.compile(r"他们(?:家|那边)?(?:才|只要|报价?|报了|给的?|开价|卖)?(?:的|是)?\s*$")
# ("第一年一共五万八千二", "第一年五万六" are a first year's price, not a payment)
_INSTALMENT = re.compile(
    r"(?:第[一二两三四五\d]+(?:年|期|笔)(?:付|交|支付|打款)|第[一二两三四五\d]+(?:期|笔)|首期|首付|尾款|每期)(?:的是|是)?\s*$"
)
_DIFFERENCE_BEFORE = re.compile(
    r"(?:便宜|贵|(?<![最至顶])(?<!差不)多|(?<![最至])少|差(?!不多)|省|降|涨|(?<![最至顶提])低|(?<![最至顶提])高)了?"
    r"(?:个|将近|近|大概|差不多|快)?$"  # "价格比你们低了将近两万": the gap, not a price
)
_ASPIRATION = re.compile(r"争取|申请一下|尽量|控制在|以内")
_WITHIN_BUDGET = re.compile(
    r"在[^，。；\s零一二两三四五六七八九十百千万\d]{0,8}预算(?:里面?|内|以内|范围内|之内)|(?:没|不)超(?:过|出)?(?:了)?预算"
    r"|考虑到(?:贵司|您|你们|咱们)?的?预算"  # "考虑到贵司预算，我们给到九折": a reason for a price
    # "八个是一万二千八，比您预算还低一些": our price held against the budget
    r"|比(?:贵司|您|你们|咱们)?的?预算(?:还|要)?(?:低|少|便宜|省)"
)
_HELD_WITHIN = re.compile(
    r"^\s*(?:的话|这个数|这个价)?\s*(?:是)?[还都也]?在(?:这个|我们的?|咱们的?)?(?:预算)?(?:里面?|范围[里内]|以内|之内)|^\s*没超"
)
_EARLIER_FIGURE = re.compile(
    r"(?:刚才|之前|前面|上次|原来|第一次|第一版|最早|一开始|起初|最开始)(?:那个|说的|说|报的|的|是)?$"
    r"|原(?:价|报价|来报价|方案)\s*(?:应为|应该是|是|为)?\s*$"  # "一年 52,000 元（按原价应为 54,400 元）", "（原报价15.2万元）"
    r"|去年[\u4e00-\u9fa5]{0,3}(?:是|了)$"  # "去年批的是十二万元没花掉，今年…可以加到十五万"
)
# "三年总共三十万，相当于一年十万": an equivalent figure restates the price
_EQUIVALENT_BEFORE = re.compile(r"(?:相当于|折合|平均(?:下来)?|摊下来)(?:每年|一年|一个月|每月)?$")
_ACCEPTED = re.compile(r"可以|行|接受|没问题|同意|成交|就这么定|就按")
_DECLINED = re.compile(r"不行|不能|不可以|做不了|没法|太少|不够|再低|还是贵|考虑一下")
_TOTAL_BEFORE = re.compile(r"(?:总共|一共|合计|总价|加起来|算下来)(?:是|就是|一共)?$")
_ENVELOPE = re.compile(r"总预算|整个|整体|全年|总共|数字化|信息化|[二两三四五]期|分[两二三四]期")
# the part of an envelope this purchase gets: "所里批的是五十万，分两期，今年一期是二十五万"
_PART = re.compile(r"一期|其中|这块|这一块|这一项|这次|本次|CRM|软件|部分|这个项目")
_SHARE = re.compile(
    r"(?:分到|分给|划给|落到|留给|切给)[^，。；]{0,12}?(?:这块|这一块|这部分|这边|CRM|系统|项目)"
    r"|(?:能|可以)(?:拿来|用来|用于|用在)(?:买|做|上)?(?:这个|这块|CRM|系统|软件)的?"  # "能拿来买这个的大概两万五"
    r"|^\s*(?:CRM|系统|软件|这个项目)(?:这块|这一块|这部分)[，,]?(?=[^。；]{0,10}(?:给了?|批了?|是|有))"  # "CRM这块，三年一共给了十二万"
)
_MONEY_KEY = re.compile(r"预算|报价|金额|价格|总价|合同额|我报的|报的")


def _money_facts(
    sentences: list[Sentence], sides: Sides | None = None, org: OrgProfile | None = None
) -> tuple[Fact | None, Fact | None, list[str]]:
    """Budget and deal amount; a correction ("不对，应该是六十万") overrides the field last talked about.
    Our side naming a price quotes it (amount); a range counts by its upper bound."""
    sides = sides or Sides()
    picks: dict[str, list[Fact]] = {"budget": [], "amount": []}
    last_field: str | None = None
    last_by_speaker: dict[str, str] = {}
    previous_text = ""
    for index, s in enumerate(sentences):
        # a dictated run is cut at its pauses: "预算。的话伍园长说。五六万吧不多。" asks two clauses back
        before_previous = sentences[index - 2].text if index >= 2 and len(previous_text) <= 12 else ""
        # the question this turn answers: "预算方面您怎么考虑？" – "之前朋友推荐过悟空，说便宜。我们这种小店，一年
        # 五六千吧": the answer may come a sentence or two into the turn
        turn_start = index
        while turn_start > max(0, index - 2) and s.speaker and sentences[turn_start - 1].speaker == s.speaker:
            turn_start -= 1
        asked = sentences[turn_start - 1] if turn_start > 0 else None
        asked_text = (
            asked.text
            if s.speaker
            and asked is not None
            and asked.speaker
            and asked.speaker != s.speaker
            # ("三四万吧。我弟弟的…说一年三万多": the turn's first figure is the answer)
            and not any(find_money(x.text) for x in sentences[turn_start:index])
            else previous_text
        )
        if (
            s.speaker
            and sides.excluded(_person_of(s.speaker))
            and sides.side(s.speaker) is not True
            # ("龙娇报价：…": minutes keyed by our rep's name)
            and not any(len(n) >= 2 and s.speaker.startswith(n) for n in sides.ours)
            # (but "云帆这边的正式报价我转给您了：10个号一年一万九千八", "报价一年一万四千四，我这边做渠道的申请了
            # 一下": our reseller passing on our price)
            and not (
                org is not None
                and any(
                    re.match(r"(?:科技)?(?:这边|那边)?的(?:正式|最终)?(?:报价|价格)(?!里)", s.text[hit.end :])
                    for hit in org.find_ours(s.text)
                )
            )
            and not (_PRICE_WORDS.search(s.text) and re.search(r"我(?:这边|们)做渠道|走我们(?:的)?渠道", s.text))
        ):
            previous_text = s.text
            continue  # the integrator's own fee ("接口我们大概报八万") is neither our price nor the budget

        def stated(text: str) -> list:
            found = find_money(_numeric(text))
            # "两年43200可以", "总价 86400": a bare figure after the term or a price word is in yuan
            for bare in _BARE_YUAN.finditer(_numeric(text)):
                if not any(f.span[0] < bare.end(2) and bare.start(2) < f.span[1] for f in found):
                    found.append(Found(int(bare.group(2).replace(",", "")), bare.span(2), bare.group(2), "CNY"))
            found.sort(key=lambda f: f.span)
            return [
                m
                for m in found
                if (not m.per_unit or _yearly_total(text, m.span))
                and m.value >= 1000
                and not _DIFFERENCE_BEFORE.search(text[max(0, m.span[0] - 4) : m.span[0]])
                and not _EQUIVALENT_BEFORE.search(text[max(0, m.span[0] - 7) : m.span[0]])
                and not re.match(r"\s*(?:以上|以下)", text[m.span[1] :])  # "五十万以上的单子要我批": a threshold
                # "三年的合同超过五十万要上董事会": a threshold too
                and not (
                    re.search(r"(?<!不)(?:超过|超出|高于|大于)$", text[max(0, m.span[0] - 3) : m.span[0]])
                    and re.match(r"(?:的话)?\s*(?:就)?(?:要|得|需要|必须)", text[m.span[1] :])
                )
            ]

        amounts = stated(s.text)
        disowned = [
            m
            for m in amounts
            # "悟空报价一年两万八（不是我们的价）": disowned as our price
            if _NOT_OUR_PRICE.match(s.text[m.span[1] : m.span[1] + 14])
            # "签两年，十万零四千" then "第一年付五万二，第二年付五万二": instalments of the price, not the price
            or _INSTALMENT.search(s.text[max(0, m.span[0] - 8) : m.span[0]])
            # the customer on the one it chose: "主要是价格，他们五万五，十个账号" (we are 你们 to the customer)
            or (
                s.speaker
                and sides.side(s.speaker) is False
                and _THEIR_PRICE.search(s.text[max(0, m.span[0] - 8) : m.span[0]])
            )
        ]
        if disowned:
            amounts = [m for m in amounts if m not in disowned]
            if not amounts:
                previous_text = s.text
                continue
        # "预算上限是 18 万，不是 20 万": the figure denied after 不是 is the old one
        if len(amounts) > 1:
            amounts = [
                m
                for i, m in enumerate(amounts)
                if not (i > 0 and re.search(r"[，,]\s*(?:而)?不是\s*$", s.text[max(0, m.span[0] - 5) : m.span[0]]))
            ]
        aside = re.search(r"(?:那个|这个)?(?:跟我们|跟这个)没关系|别拿那个说事|不相干", s.text)
        if aside:
            # "…的预算是五万，集团整体的信息化预算两百万，那个跟我们没关系": the figure just before is set aside
            own = max(-1, *(s.text.rfind(c, 0, aside.start()) for c in "，,；;"))
            cut = max(0, *(s.text.rfind(c, 0, max(0, own)) for c in "，,；;")) if own > 0 else 0
            amounts = [m for m in amounts if not (cut <= m.span[0] < aside.start())]
            if not amounts:
                previous_text = s.text
                continue
        # "三万二千四在里面，行", "二十万零四千在范围里": our price held against the budget restates neither
        # (but "16.8万在范围内，我们维持这个报价": our rep keeping the price states it again)
        keeps_price = sides.side(s.speaker) is True and bool(_PRICE_WORDS.search(s.text))
        amounts = [m for m in amounts if keeps_price or not _HELD_WITHIN.match(s.text[m.span[1] : m.span[1] + 14])]

        rival = [m for m in amounts if _RIVAL_PRICE.search(_clause_with(s.text, m.span))]
        mixed = bool(rival) and len(rival) < len(amounts)
        if mixed:  # "他们报了六十五万，你们是七十八万。我们预算就八十万": only the rival's clause is theirs
            amounts = [m for m in amounts if m not in rival]
        # a bullet or header key names the field: "- 预算：15万"
        words = (
            f"{s.speaker}：{s.text}"
            if s.speaker
            and len(s.speaker) <= 8
            and _MONEY_KEY.search(s.speaker)
            # ("- 预算：程院长说一万五以内。报价一万三千五…": a sentence with its own key under the line's key)
            and not re.match(r"\s*(?:报价|报了|报的|我报|我们报|我方报)", s.text)
            else s.text
        )
        # "三十八万，这个数在CRM预算里面": a price held against the budget does not state the budget
        words = _WITHIN_BUDGET.sub("", words)
        rivals = [] if org is None else [h.start for h in org.find_competitors(s.text)]
        rivals += [] if org is None else [start for _n, _w, start, _e in _short_alias_slips(s.text, org, [])]
        # ("纷享销客之前给过方案，一年五万二")
        # ("之前那个销售e的业务员来过，说一年七千")
        if (
            amounts
            and rivals
            # ("纷享给我们一年八千")
            and re.search(
                r"报了?价?|报的|报过|便宜|贵|给到|给了|给的|给过|给(?:我们|我|咱们)|开价|出价|只要|来过|找过|推过",
                s.text,
            )
        ):
            # "那个海纳上礼拜报了六万八，你们贵不少": the competitor's figure, whatever the next clause says
            theirs = [
                m
                for m in amounts
                if any(start < m.span[0] for start in rivals)
                # ("销售e给我们报的是二十二万": quoted to us is still their figure)
                and not re.search(r"(?<![给跟向和])(?:我们|你们|咱们)", _clause_with(s.text, m.span))
                # ("海纳给的六千，…，他们预算本来就只有七千": the budget in its own clause is the customer's)
                and not re.search(r"预算|经费", _clause_with(s.text, m.span))
            ]
            if theirs and len(theirs) < len(amounts) and sides.side(s.speaker) is not True:
                amounts = [m for m in amounts if m not in theirs]
            elif (theirs and len(theirs) == len(amounts)) or (
                sides.side(s.speaker) is not True and not re.search(r"我们|你们|咱们", s.text)
            ):
                # "海纳那边也报了价"; and our rep's "您提到的纷享报价 13.5 万": a competitor's price
                previous_text = s.text
                continue
        if not amounts:  # "预算的话葛总说今年大概四十个": sales slang for 万 (a count names what it counts)
            slang = colloquial_wan(s.text)
            amounts = [
                m
                for m in stated(slang)
                if 10000 <= m.value < 10_000_000
                and (keeps_price or not _HELD_WITHIN.match(slang[m.span[1] : m.span[1] + 14]))
            ]
        rival_before = (
            _RIVAL_PRICE.search(previous_text)
            and len(s.text) <= 30
            and sides.side(s.speaker) is not True
            and not _BUDGET_WORDS.search(s.text)  # "…你们是四十六万。我们预算就五十万。"
        )
        # the rival's words near the figure: a dictated run is one long sentence ("他们每个月搞活动要给老客户发券…
        # 预算王总说十五万左右" is not a rival's price)
        near = [_clause_with(s.text, m.span)[-40:] for m in amounts]
        if amounts and not mixed and (any(_RIVAL_PRICE.search(x) for x in near) or rival_before):
            previous_text = s.text
            continue
        if not amounts:
            # "给您打个九折。" / "九折可以。": the customer accepting a discount on our last price sets the price
            discount = parse_discount(s.text)
            if (
                isinstance(discount, float)
                and 0.5 <= discount < 1
                and picks["amount"]
                # "九折，二十三万四。" then "九折可以接受": the discounted figure was already said
                and not (parse_discount(previous_text) == discount and stated(previous_text))
                and sides.side(s.speaker) is not True
                and _ACCEPTED.search(s.text)
                and not _DECLINED.search(s.text)
                and not s.text.endswith(("？", "?", "吗"))
                and not (org is not None and org.find_competitors(s.text))  # "纷享说可以给我们打八折"
            ):
                base = picks["amount"][-1].value
                picks["amount"].append(Fact(float(round(base * discount)), quote(s), s.start, 0.75))
                last_field = "amount"
                previous_text = s.text
                continue
            if _BUDGET_WORDS.search(_WITHIN_BUDGET.sub("", s.text)):
                last_field = "budget"
            elif _PRICE_WORDS.search(s.text):
                last_field = "amount"
            previous_text = s.text
            continue
        # "超过五万的合同都要走集团采购评审": a threshold of a rule, no price and no budget
        amounts = [
            m
            for m in amounts
            if not (
                re.search(r"(?:超过|高于|低于|不到|以上|以下)\s*$", s.text[max(0, m.span[0] - 3) : m.span[0]])
                and re.match(r"(?:元|块)?(?:以上|以下)?的(?:合同|项目|采购|订单|支出)", s.text[m.span[1] :])
            )
        ]
        if not amounts:
            previous_text = s.text
            continue
        # "你们最后报的是十六万五，之前是十八万": a figure said as the earlier one is not the latest
        current = [m for m in amounts if not _EARLIER_FIGURE.search(s.text[max(0, m.span[0] - 6) : m.span[0]])]
        value = (current or amounts)[-1].value  # "五十万，不，六十万", "20到30万": the last amount in the sentence
        fix = _CORRECTION.search(s.text)
        if fix:  # "更正一下，是五十五万，另外五万给了硬件": the amount the correction names
            corrected = {m.value for m in amounts if m.span[1] <= fix.start()}
            # "报的是十五万——不对，我看错了，十五万是三十个账号的，二十二个是十三万五": not the figure corrected
            value = next((m.value for m in amounts if m.span[0] >= fix.end() and m.value not in corrected), value)
            if "算" in fix.group(0):  # a recomputation ends on its total
                totals = [
                    m
                    for m in amounts
                    if m.span[0] >= fix.end() and not _ONE_UNIT_BEFORE.search(s.text[max(0, m.span[0] - 5) : m.span[0]])
                ]
                value = totals[-1].value if totals else value
            # "我重新算一下，单价三千六，一年是十八万，我给您凑个整，十七万": the rounded figure is the offer
            rounded = [
                m
                for m in amounts
                if m.span[0] >= fix.end() and _ROUNDED_OFF.search(s.text[fix.end() : m.span[0]][-10:])
            ]
            if rounded:
                value = rounded[-1].value
        ours = sides.side(s.speaker) is True
        last_clause = _clause_with(s.text, amounts[-1].span)
        # "集团今年给数字化一共两百万，…。分到CRM这块的，一年十五万左右": the share of the envelope just named
        share = _SHARE.search(s.text)
        if (
            share
            and not fix
            and not ours
            and (_ENVELOPE.search(previous_text) or _ENVELOPE.search(s.text[: share.start()]))
            and (after := [m for m in amounts if m.span[0] >= share.end()])
        ):
            # ("分到我们这个CRM项目的，大概十五到二十万": a range counts by its upper bound)
            first_clause = _clause_with(s.text, after[0].span)
            ranged = [m for m in after if _clause_with(s.text, m.span) == first_clause]
            picks["budget"].append(Fact(float(max(m.value for m in ranged)), quote(s), s.start, 0.75))
            last_field = "budget"
            previous_text = s.text
            continue
        ceiling = [
            m
            for m in amounts
            if s.text[max(0, m.span[0] - 1) : m.span[0]] == "在"
            and re.match(r"(?:的)?(?:里面?|以内|之内|范围[内里])", s.text[m.span[1] :])
        ]
        if not fix and len(ceiling) == 1 and amounts[0] is not ceiling[0] and not _ENVELOPE.search(s.text):
            # "十四万八行吧，在十五万里面", "六万五在八万以内": a price and the ceiling it sits within
            picks["budget"].append(Fact(float(ceiling[0].value), quote(s), s.start, 0.8))
            picks["amount"].append(Fact(float(amounts[0].value), quote(s), s.start, 0.8))
            last_field = "amount"
            previous_text = s.text
            continue
        if not fix and len(amounts) == 1 and ceiling:  # "在十五万里面": the ceiling said again
            picks["budget"].append(Fact(float(ceiling[0].value), quote(s), s.start, 0.75))
            previous_text = s.text
            continue
        if not fix:
            # "你们上次报的是一百二十万，…，我们预算是一百万", "预算五万左右，我报了四万八": each by its own clause
            by_clause = []
            # ("今年信息化总共一百二十万，…，给到销售这块的大概十五到二十万": the envelope names the budget talk)
            # ("今年信息化总共给了五十万，大头是ERP升级。" then "CRM这块大概十五万左右。": the part, a sentence later)
            budget_talk = bool(
                _BUDGET_WORDS.search(s.text)
                or (_ENVELOPE.search(s.text + (previous_text if not ours else "")) and _PART.search(s.text))
            )
            for m in amounts:
                clause = _clause_with(s.text, m.span)
                if budget_talk and _ENVELOPE.search(clause) and len(amounts) > 1:
                    continue  # "今年信息化总共一百万左右，这个项目控制在三十万以内": the envelope is neither
                if budget_talk and _PART.search(clause) and not _PRICE_WORDS.search(clause.replace("给到", "")):
                    by_clause.append(("budget", m))  # "…销售系统这块给到四十万左右"
                    continue
                start = max(s.text.rfind(c, 0, m.span[0]) for c in "，,；;")
                lead = _clause_with(s.text, (start - 1, start - 1)) if start > 0 else ""
                if lead and not stated(lead) and _PRICE_WORDS.search(lead) and not _BUDGET_WORDS.search(clause):
                    clause = lead + "，" + clause  # "控制在四十五万以内，凑个整，四十五万"
                price = _PRICE_WORDS.search(clause)
                if len(amounts) > 1 and re.match(r"\s*[（(]?\s*(?:原来?|之前|以前|去年|上次)", clause):
                    continue  # "重新报价为一年四万六（原12个账号是三万六）": the earlier figure, set beside the new one
                if re.search(r"做不了|做不到|不能做|不行", clause) and sides.side(s.speaker) is True:
                    continue  # "三万实在做不了": the figure our rep turns down
                if (
                    _BUDGET_WORDS.search(clause)
                    # ("我跟领导申请最多到三万三": our rep's 最多 is our best price)
                    and not (
                        sides.side(s.speaker) is True
                        and not re.search(r"预算|经费|上限|您|你们|贵司|贵方|咱们", clause)
                    )
                ) or (
                    # "确认一下预算" → "今年就三四万吧，最多不超过三万五": 就…吧 answers the budget question
                    # ("预算方面您大概多少？" → "一年五千左右吧": by the year, answering the question)
                    price
                    and (
                        re.match(r"[就按]", price.group(0))
                        or (re.match(r"一年|每年", price.group(0)) and re.search(r"[？?]\s*$", asked_text))
                    )
                    and _BUDGET_WORDS.search(asked_text)
                    and sides.side(s.speaker) is not True
                    and not _PRICE_WORDS.search(clause.replace(price.group(0), ""))
                ):
                    by_clause.append(("budget", m))
                elif price or re.search(r"我报|报了|你们(?:是|报|的价)|方案|打完|折后|折下来", clause):
                    by_clause.append(("amount", m))
                elif picks["amount"] and m.value == picks["amount"][-1].value:
                    by_clause.append(("amount", m))  # "领导批的是六万，五万五可以": our price, said again
            if by_clause and {t for t, _ in by_clause} == {"budget"} and not _BUDGET_WORDS.search(s.text):
                # "今年信息化总共一百二十万，…，给到销售这块的大概十五到二十万": the part of the envelope
                picks["budget"].append(Fact(float(by_clause[-1][1].value), quote(s), s.start, 0.75))
                last_field = "budget"
                previous_text = s.text
                continue
            if by_clause and {t for t, _ in by_clause} == {"budget", "amount"}:
                for target, m in by_clause:
                    picks[target].append(Fact(float(m.value), quote(s), s.start, 0.8))
                last_field = by_clause[-1][0]
                previous_text = s.text
                continue
        if _CORRECTION.search(s.text) and last_field:
            # "不对不对，我算错了，50个账号是三十一万八千": a speaker corrects what they said last, even when the
            # other side spoke of the budget in between
            target = last_by_speaker.get(s.speaker, last_field) if s.speaker else last_field
            # "更正：我们这期的预算上限是 18 万，不是 20 万": the correction's own words name the field
            # ("更正一下，今年按三年一起算，给到二十五万": the customer's 给到 after its budget is what it gives)
            priced = s.text.replace("给到", "") if sides.side(s.speaker) is False and target == "budget" else s.text
            if _BUDGET_WORDS.search(s.text) and not _PRICE_WORDS.search(s.text):
                target = "budget"
            elif (
                _PRICE_WORDS.search(priced)
                # ("好，那我重新算一下，九个账号，一万零八百。": the price for the seats counted again)
                or re.search(r"重新算|再算一下", s.text)
                and re.search(r"[个套]账?号|[个套]账号|[个套]席位", s.text)
            ) and not _BUDGET_WORDS.search(s.text):
                target = "amount"
            if fix and sides.side(s.speaker) is not True and re.match(r"[^，。]{0,4}预算", s.text):
                # "预算我们报的是两万四千八上下……不对，…最多三万": the sentence opens on the budget it corrects
                target = "budget"
            # "更正一下，刚才那个四十二万八没算接口，总共是四十五万八": the figure being corrected names the field,
            # and the corrected one is the total, not the first figure after the correction
            stale = {
                field
                for field, facts in picks.items()
                for f in facts
                for m in amounts
                if m.value == f.value and _EARLIER_FIGURE.search(s.text[max(0, m.span[0] - 6) : m.span[0]])
            }
            if len(stale) == 1:
                target = stale.pop()
            if fix:
                after = [m for m in amounts if m.span[0] >= fix.end()]
                # "不对，我说错了，三万六是去年的价格，今年是三万九": the figure named as the old one is not the fix
                after = [
                    m for m in after if not re.search(r"去年|之前|原来|以前|旧|说错|看错", _clause_with(s.text, m.span))
                ] or after
                totals = [m for m in after if _TOTAL_BEFORE.search(s.text[max(0, m.span[0] - 6) : m.span[0]])]
                fresh = [m for m in after if all(m.value != f.value for f in picks[target])]
                value = (totals or fresh or after or amounts)[-1 if totals else 0].value
                # "更正一下，六万里有一万是给车队装GPS的，CRM这块是五万": the part for this purchase is the budget
                part = [m for m in fresh if _PART.search(_clause_with(s.text, m.span))] if target == "budget" else []
                if part and not totals and len(fresh) > 1:
                    value = part[-1].value
                if "算" in fix.group(0):
                    # "我重新算一下，…，一个按一千八，九个一万六千二": a recomputation ends on its total, not on the
                    # price of one
                    totals = [
                        m for m in after if not _ONE_UNIT_BEFORE.search(s.text[max(0, m.span[0] - 5) : m.span[0]])
                    ]
                    value = (totals or after or amounts)[-1].value
                # ("按您上午的更正，24 个账号重新报价：…115,200 元/年，九五折 109,440 元，凑个整按 109,000 元/年")
                rounded = [m for m in after if _ROUNDED_OFF.search(s.text[fix.end() : m.span[0]][-10:])]
                value = rounded[-1].value if rounded else value
        elif _BUDGET_WORDS.search(words) and not (ours and not re.search(r"预算|经费|您|你们|贵司|咱们", s.text)):
            # ("最多九五折，五万四千七百二" is our rep's best price, not a budget)
            target = "budget"
            stated = [
                m
                for m in amounts
                if _BUDGET_WORDS.search(clause := _clause_with(s.text, m.span)) and not _ENVELOPE.search(clause)
            ]
            if not (stated or fix) and all(
                _ENVELOPE.search(clause := _clause_with(s.text, m.span))
                # ("信息化预算里给这块留了五十万": the part of the envelope this purchase gets)
                and not re.search(r"这块|这一块|这部分|一期|这次|本次|这个项目|留了|分到|划给", clause)
                for m in amounts
            ):
                previous_text = s.text
                continue  # "十二万是整个集团今年 CRM 的盘子": the group's envelope, not this purchase's budget
            topic = re.match(r"\s*预算(?:的话|方面|这块|嘛|呢)?[，,]", s.text)
            if not stated and topic and not fix:
                # "预算的话，我们一年五六万吧，两年签可以，就按两年八万": the budget is the figure that follows the
                # topic, the rest of the turn bargains about the price
                following = [m for m in amounts if m.span[0] >= topic.end()]
                first = _clause_with(s.text, following[0].span) if following else ""
                stated = [m for m in following if _clause_with(s.text, m.span) == first]
            if stated and not fix:  # "我们预算三十五万，三十二万八千可以接受": the figure next to 预算
                value = stated[-1].value
                # (not "能凑个整吗，两万三？": a price asked for)
                raised = [
                    m
                    for m in current
                    if m.span[0] > stated[-1].span[0]
                    and m not in stated
                    and not re.match(r"[^，。；]{0,4}[？?]", s.text[m.span[1] :])
                ]
                if len(current) < len(amounts) and stated[-1] not in current and raised:
                    # "预算上限原来是十万，不过老板上周说可以放到十三万": the earlier ceiling was raised
                    value = raised[-1].value
            parts = [m for m in amounts if _PART.search(_clause_with(s.text, m.span))]
            if not fix and parts and len(amounts) > 1 and (_ENVELOPE.search(s.text) or re.search(r"预算一?共", s.text)):
                value = parts[-1].value
        elif (
            ours
            and picks["budget"]
            and value == picks["budget"][-1].value
            and not _PRICE_WORDS.search(s.text)
            and not _ACCEPTED.search(s.text)  # "请示了一下，8万可以": agreeing to a price, not repeating the budget
            and len(s.text) <= 20
            # ("那这样，三万整，不能再低了", "那就四万，我们再送一次培训": an offer that meets the budget)
            and not re.search(r"不能再低|最低|那这样|这样吧|那就|整[，,。！!]|送", s.text)
        ):
            previous_text = s.text
            continue  # "好的，六十万。": our rep repeating the customer's budget
        elif (
            # "十二个账号一年三万六。" → "我们一年三万左右。": the customer's own yearly figure is what it can spend
            sides.side(s.speaker) is False
            and re.search(r"我们[^，。；]{0,6}(?:一年|每年)", last_clause)
            and not _PRICE_WORDS.search(re.sub(r"(?:一年|每年)(?:是|就是)?", "", words))
            and not _ACCEPTED.search(s.text)
        ):
            target = "budget"
        elif (
            _PRICE_WORDS.search(words)
            and _BUDGET_WORDS.search(s.speaker or "")
            # ("- 预算：程院长说一万五以内。报价一万三千五…": the next sentence under the key is our quote)
            and not re.match(r"\s*(?:报价|报了|报的|我报|我们报|我方报)", s.text)
        ):
            target = "budget"
        elif _PRICE_WORDS.search(words) or (ours and not _ASPIRATION.search(last_clause)):
            target = "amount"
        elif (
            not ours
            and _ACCEPTED.search(s.text)
            and not _DECLINED.search(s.text)
            and (
                agreed := [
                    m
                    for m in amounts
                    if any(m.value == f.value for f in picks["amount"])
                    # ("那我申请一下九千，您看行吗？" → "九千可以。": our rep's offer, accepted)
                    or (
                        index > 0
                        and sides.side(sentences[index - 1].speaker) is True
                        and any(x.value == m.value for x in stated(sentences[index - 1].text))
                    )
                ]
            )
        ):
            target, value = "amount", agreed[-1].value  # "三年三十万……可以，三年签，三十万": our figure, agreed
        elif (
            (_BUDGET_WORDS.search(previous_text) or (_BUDGET_WORDS.search(before_previous) and len(s.text) <= 12))
            and len(s.text) <= 30
            # "三十三万能不能打个九五折？": our price asked about again, not the answer to a budget question
            and not (picks["amount"] and value == picks["amount"][-1].value)
            and (
                not stated(previous_text) or _ENVELOPE.search(previous_text)
            )  # "…整体批了一百二十万。CRM一期是六十万。"
        ):
            target = "budget"  # a question in one utterance, the answer in the next
        elif (
            _PRICE_WORDS.search(previous_text)
            and len(s.text) <= 30
            and not s.text.endswith(("？", "?", "吗"))
            and not (ours and _ASPIRATION.search(s.text))  # "我回去申请一下，争取控制在一百万以内"
        ):
            target = "amount"  # ("三十万能做吗？" is the customer asking, not a price agreed)
        else:
            previous_text = s.text
            continue
        fact = Fact(float(value), quote(s), s.start, 0.75 if amounts[-1].approximate else 0.85)
        picks[target].append(fact)
        last_field = target
        if s.speaker:
            last_by_speaker[s.speaker] = target
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


_SPACED_NUMERAL = re.compile(
    r"(?<![零一二两三四五六七八九十百千万])[零一二两三四五六七八九十百千万](?: [零一二两三四五六七八九十百千万])+(?![零一二两三四五六七八九十百千万])"
)


def _yearly_total(text: str, span: tuple[int, int]) -> bool:
    """ "总价是七万五 一年的", "最终报价 12.6 万/年": a total per year is the subscription price, not a unit price
    ("4000 元/账号/年" is one)."""
    after = text[span[1] :]
    return (
        bool(
            re.match(r"[\s，,]*(?:/|每|一|1)\s*年", after)
            # ("28 × 5,200 = 145,600 元/年，给贵司九五折，最终 138,320 元/年": a product and a final figure;
            # "…九五折 109,440 元，凑个整按 109,000 元/年")
            and re.search(
                r"总价|总共|一共|合计|打包|整体|报价|原价|折后|优惠后|最终|凑个?整按?|抹零按?|=\s*$|折[，,]?\s*$",
                text[max(0, span[0] - 8) : span[0]],
            )
        )
        or bool(re.match(r"\s*/\s*年", after) and re.search(r"万", text[span[0] : span[1]]))
        # ("预算：席总说每年五万以内": the budget by the year, the key before the sentence or in it)
        or bool(
            re.search(
                r"(?:^|预算|经费)(?:(?!账号|帐号|用户|每人|每个|单价)[^，。；;]){0,8}每一?年\s*$",
                text[max(0, span[0] - 16) : span[0]],
            )
            and not re.match(r"\s*(?:/|每|一)\s*(?:个|位)?\s*(?:账号|帐号|用户|人)", after)
        )
    )


def _numeric(text: str) -> str:
    """Same-length rewrite for the number finders: zh_parse reads "差不多八十个" as 10 (its "多" lookbehind
    is meant for "五十多"), so "差不多" becomes "大概是" first. Spans stay valid."""
    text = text.replace("差不多", "大概是")
    # "说定 10 个号": a count written with a space before its measure word, the space moved in front
    text = re.sub(r"(\d+) (?=[个位套名])", r" \1", text)
    # ASR spells numbers out one character at a time ("三 十 万"): close them up, the spaces moved behind
    return _SPACED_NUMERAL.sub(lambda m: m.group(0).replace(" ", "") + " " * m.group(0).count(" "), text)


def money_label(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 10000:g} 万" if value >= 10000 else f"{value:g} 元"


_BARE_COUNT = re.compile(r"([0-9]+|[零一二两三四五六七八九十百千]+)\s*个(?![人月星工小钟点字])")
# a count at the end of a sentence after who is counted: "只给客户经理和售前，十四个。", "加您正好十一个。"
_RECOUNT = re.compile(
    r"[，,][^，,。]{0,4}?(?:一共|总共|正好|刚好|共)?\s*(?:[0-9]+|[一二两三四五六七八九十百]+)\s*个"
    r"(?:没错|吧|了|就行|就够了?|够了)?[。！!]?\s*$"  # ("加起来10个没错")
)
# a count priced or settled is the seat count: "六十个就是十万零八千", "四十五个多少钱", "先上三十个"
_PRICED_COUNT = re.compile(
    r"(?P<n>[0-9]+|[一二两三四五六七八九十百]+)\s*个"
    # ("八个就够了": the count settled on)
    r"(?=\s*(?:的话)?\s*[，,]?\s*(?:就是|的话|是|一年|一共|总共|多少钱|怎么卖|就够|够用)"
    r"|\s*[，,]?\s*[一二两三四五六七八九十\d][^个人，,。]{0,6}[万千])"
    r"|(?:先上|先开|改成|就上|先要|(?<![打计])算)(?P<settled>[0-9]+|[一二两三四五六七八九十百]+)\s*个(?=吧|[，,。]|$)"
)
_ROLE_ACCOUNTS = re.compile(
    r"(?P<n>[0-9]+|[一二两三四五六七八九十百]+)\s*个(?![月年天人])[\u4e00-\u9fa5]{1,5}?的?(?:账号|帐号|席位|许可)"
)
_ONE_EACH = re.compile(
    r"(?P<n>[0-9]+|[一二两三四五六七八九十百]+)\s*(?:家|个)?(?:店|门店|分店|校区|网点|分公司|人|位|名)"
    r"[^，。,0-9]{0,4}每(?:个|家)?(?:店|门店|家|校区|网点|人|位)?(?:就)?(?:一|1)个(?:账号|帐号|号|席位|许可)"
)
_SEAT_CHANGE = re.compile(r"减到|降到|改成|调到|调整到|加到|增加到|变成|只要|先要|就要")
_FUTURE_MAYBE = re.compile(r"以后|将来|可能|后面再|再扩|扩到")
_ADDED = re.compile(r"还有|加上|再加|另外|外加")
_EXISTING_SEATS = re.compile(
    r"(?:原来|原有|现有|已有|之前的|老的)(?:的|那)?\s*[\d零一二两三四五六七八九十百]+\s*个(?:账号|号)?"
    r"|[\d零一二两三四五六七八九十百]+\s*个(?:账号|号)(?=已经?用了|用了|在用)"
    # ("国内销售那三十个账号现在用得怎么样", "国内那三十个账号的合同明年三月到期": the base they have)
    r"|那\s*[\d零一二两三四五六七八九十百]+\s*个(?:账号|号)?(?=\s*(?:现在|用得|用着|的合同|的续费|到期|续费))"
    # ("纷享给的一万二，还多送三个账号": a bonus is no count of what is bought)
    r"|(?:多送|还送|赠送|白送|再送|送)\s*[\d零一二两三四五六七八九十]+\s*个(?:账号|号)?"
)
_ADDED_TOTAL = re.compile(
    # ("另外两个安装主管也要看工单，那就14个。")
    r"[，,]\s*(?:那就|那么就|那|就是|一共|总共)?\s*([0-9]+|[零一二两三四五六七八九十百千]+)\s*个(?:账号|号)?\s*(?:吧)?"
    r"(?=[。！!]|\s*$|[，,]\s*(?:一年|一共|总共|就是|是)?\s*[零一二两三四五六七八九十\d])"  # "…，六个，一年一万六千八"
)
_SEAT_QUESTION = re.compile(
    r"(?:账号|帐号|用户|席位|license|授权)[^，。]{0,10}(?:多少|几个|按.{1,6}吗|[？?])|(?:开|买|要|需要|采购|加)(?:多少|几)个",
    re.I,
)


def _seats(sentences: list[Sentence]) -> Fact | None:
    """Accounts/seats/licenses first; sets and terminals next ("五套大屏" is not the seat count);
    head counts ("一百五十人") only when someone talks about using the system. A correction or a change
    ("不对，是120个", "从六十个减到五十个") replaces the number; "以后可能扩到五十个" does not."""
    tiers: dict[int, list[Fact]] = {0: [], 1: [], 2: []}
    previous = ""
    last_seat_pos = -10
    for index, s in enumerate(sentences):
        # "先开二十个号": 号 after a count is an account ("这个号老占线", "二十号", "几个号码" are not)
        text = re.sub(r"(?<=[\d零一二两三四五六七八九十百千])个号(?![码段])", "个账号", _numeric(s.text))
        # "先开两个试用账号": accounts for a trial are not the seats bought
        text = re.sub(r"[^，。,；;！!？?]*(?:试用|测试|演示|体验)[^，。,；;！!？?]*", "", text)
        # "账号数是 45 个，不是 50 个": the count denied is the old one
        text = re.sub(r"[，,]\s*(?:而)?不是\s*[\d零一二两三四五六七八九十百]+\s*个", "", text)
        # "原来二十个账号的合同六月到期", "现在二十个账号用了快一年了": the seats they already have, in an add-on
        text = _EXISTING_SEATS.sub("", text)
        # "15个账号（原12个 + 外贸部3个）": the brackets break the count down, the count is before them
        # ("维修班组长只开4个（业务员12个不变）": the part that stays is no new total either)
        text = re.sub(r"[（(][^）)]*(?:[+＋]|原|加上?|不变|其中|包括|含)[^）)]*[）)]", "", text)
        # "账号就6个，…，仓库那两个不用": the people left out are no seat count
        # ("教练12个不用开号")
        text = re.sub(r"[^，。,；;！!？?]*(?:不用开?|不开|不需要|用不着)(?:账?号)?(?=[，。,；;！!？?]|$)", "", text)
        # "他们要求最少五十个账号起卖": another vendor's minimum order is no seat count of this deal
        text = re.sub(r"[^，。,；;！!？?]*(?:起卖|起订|起购|起步|起售)[^，。,；;！!？?]*", "", text)
        if not text.strip("，。,；;！!？? "):
            previous = s.text
            continue
        for q in find_quantities(text):
            unit = q.unit.lower()
            if q.value < 2 or _FUTURE_MAYBE.search(_clause_with(text, q.span)):
                continue
            if unit in _STRONG_SEAT_UNITS:
                tiers[0].append(Fact(int(q.value), quote(s), s.start, 0.8))
                last_seat_pos = index
            elif unit in _SEAT_UNITS:
                tiers[1].append(Fact(int(q.value), quote(s), s.start, 0.6))
            elif unit in _PEOPLE_UNITS and (_SEAT_CONTEXT.search(s.text) or _SEAT_CONTEXT.search(previous)):
                tiers[2].append(Fact(int(q.value), quote(s), s.start, 0.55))
        # "N个" with the seat word elsewhere in the sentence (or as its label: "账号：业务员十八个+内勤四个=22个"),
        # right after a seat count as its correction or total ("那就一百零五个"), or answering a seat question
        # ("十二个业务员，…，每个人都要开，12个": everyone gets an account, so the count is the seat count)
        talks_seats = any(u in text or u in s.speaker.lower() for u in _STRONG_SEAT_UNITS) or bool(
            re.search(r"(?:每个人|每人|人人|都|全部|全都)(?:都)?要?(?:开|开通)(?=[，,。；;！!]|$)", text)
        )
        bare = re.sub(
            r"[\s，,。.！!？?、]|好的|那就|那|就|按|一共|总共|合计|对|是|吧|嗯|啊|个", "", _BARE_COUNT.sub("", text)
        )
        near = index - last_seat_pos <= 2
        # "只给客户经理和售前，十四个。", "就客服、销售和我，十一个。": who gets one, then how many, right after a
        # seat count is the count worked out again
        recounted = bool(_RECOUNT.search(text))
        corrects = (_CORRECTION.search(text) or _SEAT_CHANGE.search(text) or not bare or recounted) and near
        answers = index > 0 and _SEAT_QUESTION.search(sentences[index - 1].text) and len(text) <= 40
        if answers and not talks_seats and not corrects:
            counts = [m for m in _BARE_COUNT.finditer(text) if (v := cn_number(m.group(1))) and v >= 2]
            if counts:  # "销售三十五个，加上管理层五个，四十个。": the last count is the answer
                tiers[0].append(Fact(int(cn_number(counts[-1].group(1))), quote(s), s.start, 0.7))
                last_seat_pos = index
        elif not talks_seats and not corrects and _PRICED_COUNT.search(text):
            # "六十个就是十万零八千", "二十五个的话一年三万", "四十五个多少钱？", "先上三十个": a count being
            # priced or settled is the seat count, however far from the last 账号
            for m in _PRICED_COUNT.finditer(text):
                value = cn_number(m.group("n") or m.group("settled"))
                if value and value >= 2 and not _FUTURE_MAYBE.search(_clause_with(text, m.span())):
                    tiers[0].append(Fact(int(value), quote(s), s.start, 0.7))
                    last_seat_pos = index
        elif talks_seats or corrects:
            counted = {f.pos for f in tiers[0]}
            for m in _BARE_COUNT.finditer(text):
                if _FUTURE_MAYBE.search(_clause_with(text, m.span())):
                    continue
                value = cn_number(m.group(1))
                if value is None or value < 2 or (s.start in counted and not corrects):
                    continue
                tiers[0].append(Fact(int(value), quote(s), s.start, 0.75))
                last_seat_pos = index
        final = re.search(
            r"(?:账号|帐号)(?:数)?(?:最终|最后)(?:按|定|是|为)?\s*([0-9]+|[一二两三四五六七八九十百]+)\s*个", text
        )
        if final and (value := cn_number(final.group(1))) and value >= 2:
            # "账号最终按16个来，维修班组长只开4个（…）": the final count said first, then how it splits
            tiers[0].append(Fact(int(value), quote(s), s.start, 0.8))
            last_seat_pos = index
        total = _ADDED_TOTAL.search(text)
        if total and _ADDED.search(text[: total.start()]) and (talks_seats or near):
            # "那就五个账号，再加一个管理员账号，六个", "还有两个客服，二十二个。": the count that ends the
            # sentence after an addition is the new total
            value = cn_number(total.group(1))
            if value and value >= 2:
                tiers[0].append(Fact(int(value), quote(s), s.start, 0.75))
                last_seat_pos = index
        if not any(f.pos == s.start for f in tiers[0]):
            for m in _ROLE_ACCOUNTS.finditer(text):  # "按60个工程师账号": the count before whose accounts
                value = cn_number(m.group("n"))
                if value and value >= 2 and not _FUTURE_MAYBE.search(_clause_with(text, m.span())):
                    tiers[0].append(Fact(int(value), quote(s), s.start, 0.75))
                    last_seat_pos = index
            for m in _ONE_EACH.finditer(text):  # "32家店每店一个账号": one account per store is the store count
                value = cn_number(m.group("n"))
                if value and value >= 2:
                    tiers[0].append(Fact(int(value), quote(s), s.start, 0.75))
                    last_seat_pos = index
        previous = s.text
    facts = tiers[0] or tiers[1] or tiers[2]
    if not facts:
        return None
    best = facts[-1]
    earlier = [f for f in facts[:-1] if f.value != best.value]
    if earlier:
        best.note = f"前面说过 {earlier[-1].value}，以后面的 {best.value} 为准"
    return best


_GOLIVE = re.compile(r"上线|开始用|用起来|投入使用|正式使用|切换|启用|跑起来")
_DELIVERY = re.compile(r"培训|迁移|到期|审计|验收|交付|部署完|实施完|试点|续约|续签|续费|初验|终验")
_CLOSE = re.compile(
    r"[Dd]ecision|[Ss]ign(?:ing|ed)?\b|签(?:合同|约|单|下来|掉|了|字)?|决策|拍板|前定|底定|(?<=周[一二三四五六日天])定(?![金制位期义价])|(?<=周[一二三四五六日天][就再来])定(?![金制位期义价])|(?<=[前们边就])定(?=[，,。！!；;]|$)|(?<=[长总])定(?=[，,。！!；;]|$)|(?<=[号日])定(?=[，,。！!；;]|$)|(?<=[号日一二三四五六天底])开会定(?=[，,。！!；;]|$)|盖章(?:寄回|回传|发回|返回)|签字盖章|结果(?=[^，。]{0,10}(?:才|就|会)出)|(?<=[我就再来号日一二三四五六天])盖章(?=[，,。！!；;]|$)|定吧|定下来|定了|要定|能定|定供应商|选定|出结果|评标|定标|敲定|做决定|决定|下单|立项|招标|会上定|给你?(?:个)?结果|有结果|(?:能|可以)确定|确定下来"
)
# a rep's notes keyed by the decision: "- 签约：月底。", "预计成交时间：9月底"
_CLOSE_FIELD = r"(?:预计)?(?:签约|签单|成交|决策|拍板|签合同)(?:时间|日期)?"
# "用了三年" is the system being replaced, not a loss; "最后还是用了销售易" is
# ("我跟他说已经定了你们了": chose us)
_LOST = re.compile(
    r"(?:最后|已经|最终)?(?:选了|选择了|定了|签了)(?!你们|您|贵司|咱们|云帆)|(?:最后|最终|决定)(?:还是)?(?:用了|用)(?!你们|您|贵司|咱们)"
)
_DAY_ALONE = re.compile(r"[\d零〇一二两三四五六七八九十廿卅]{1,3}\s*[号日](?:前|之前|以前)?")
_BARE_YUAN = re.compile(
    # ("8 × 980 = 7840，…最后按 6980 谈下来")
    # ("滕越要九折，当场同意，16200")
    # ("电话里答应九五折，41800/年": the discounted figure after the discount)
    r"((?:[一两三四五\d]年|年费|总价|合计|报价|价格|(?:最后|最终)按|[=＝→]|降到|砍到|谈到|我(?:答应|同意)了?|当场(?:答应|同意)了?[，,]"
    r"|(?:答应|同意|给|申请|批)了?(?:到)?[一二三四五六七八九]{1,2}折[，,]"  # ("申请了九五折，19950")
    r"|按(?=\s*(?:\d{1,3}(?:,\d{3})+|\d{4,7})\s*(?:元|块)?\s*(?:谈定|谈下来|谈成|成交|签|定))"
    # ("钟总要凑个整，5,000 成交", "成总要求抹零，15,000 成交")
    r"|(?:凑个?整|抹零|抹个零头?|去掉零头)[，,]\s*(?=(?:\d{1,3}(?:,\d{3})+|\d{4,7})\s*(?:元|块)?\s*(?:成交|谈定|签|定|可以|行)))"
    r"(?:是|为)?\s*)"
    r"(\d{1,3}(?:,\d{3})+|\d{4,7})(?![\d.,万千元块%个:：年月日号-])(?!/(?!年))"
)
# "下下周一再开工作坊，把报价审批流程定下来": a working detail decided, not the deal
_WORKING_DETAIL = re.compile(r"把[^，。]{0,10}(?:流程|需求|细节|格式|模板|字段|接口|清单|计划|排期)定")
_PUSHED = re.compile(r"推到|推迟到|延到|延期到|延后到|改到|挪到|往后推")


def _dates(
    sentences: list[Sentence], meeting: date, sides: Sides | None = None, lost: bool = False
) -> tuple[Fact | None, list[NextStep], Fact | None]:
    """Close date (a decision or signing), go-live date and dated next steps, each read from the clause its
    date is in; the latest statement of a close date wins ("下周三签，不对，改成下周五签")."""
    sides = sides or Sides()
    close: Fact | None = None
    golive: Fact | None = None
    steps: list[NextStep] = []
    previous: Sentence | None = None
    month_said: tuple[int, date, str] | None = None  # (clause index, date, speaker) of the last date with its month
    for index, s in enumerate(_spoken_clauses(sentences)):
        dates = [d for d in plan_dates(s.text, meeting) if d.kind != "time"]
        for i, d in enumerate(dates):
            if re.search(r"月", d.text):
                month_said = (index, d.date, s.speaker)
            elif (
                month_said
                and index - month_said[0] <= 3
                and _DAY_ALONE.fullmatch(d.text.strip())
                # ("九月一号没问题，前提是八月中旬前…" from our rep, then the customer's "十九号定下来": their own
                # month, not the one the other side just named)
                and (
                    not s.speaker
                    or s.speaker == month_said[2]
                    or sides.side(s.speaker) is None
                    or sides.side(s.speaker) == sides.side(month_said[2])
                )
            ):
                # "九月十五号前拍板。…那就二十二号定": a day alone is of the month just talked about
                try:
                    same_month = month_said[1].replace(day=d.date.day)
                except ValueError:
                    continue
                if same_month >= meeting:
                    dates[i] = replace(d, date=same_month)
        future = [d for d in dates if d.date > meeting or (d.deadline and d.date >= meeting)]
        head = _NEXT_STEP_HEAD.match(s.text)
        if not future and not head:
            previous = s
            continue
        step_dates = []
        for d in future:
            clause = _clause_with(s.text, d.span)
            after = clause[clause.find(d.text) + len(d.text) :] if d.text in clause else clause
            for other in future:  # "中秋前把合同签了九月一号开始用": the go-live belongs to the later date
                if other is not d and other.span[0] > d.span[0] and other.text in after:
                    after = after[: after.find(other.text)]
            # ("七月七号暑期班开营，最好那天就开始用": that day, said in the next clause)
            later_text = s.text[d.span[1] :]
            that_day = re.match(
                # ("8月16号开业，开业当天就要用起来")
                r"[^。！？!?]{0,16}?[，,]\s*(?:最好|就|也)?[\u4e00-\u9fa5]{0,3}?(?:那天|当天)[^，。]{0,4}?(?:上线|开始用|用起来)",
                later_text,
            )
            if not any(o.span[0] > d.span[0] for o in future if o is not d) and that_day:
                after = that_day.group(0)
            if _GOLIVE.search(after) or (_GOLIVE.search(clause) and not _CLOSE.search(clause)):
                if not d.approximate and d.kind != "month" and (golive is None or d.date != golive.value):
                    golive = Fact(d.date, quote(s), s.start, 0.7)
                continue
            # ("十月份是我们的签约高峰": their busy season, no decision)
            if _DELIVERY.search(clause) or re.search(r"出差|休假|请假|不在|高峰|旺季|淡季", clause):
                continue
            if re.search(
                r"(?:定|签|拍板)(?:了|完|下来)?(?:以后|之后)", clause[: clause.find(d.text)] if d.text in clause else ""
            ):
                continue  # "定了以后年底事情多": what comes after the decision
            decision = _CLOSE.search(clause)
            if decision is None and re.fullmatch(_CLOSE_FIELD, s.speaker or ""):
                decision = re.match(r".", clause or " ")  # "- 签约：月底。": the notes' field says what the date is
            if decision is None and not any(o.span[0] > d.span[0] for o in future if o is not d):
                # "老板下下周一回来，回来那天他就拍板": the decision on that day, said in the next clause
                decision = re.match(
                    r"[^。！？!?]{0,16}?[，,]\s*[^，,。]{0,6}(?:那天|当天)[^，,。]{0,6}?(?:拍板|定下来|签(?:合同|约)?|出结果|有结果)",
                    later_text,
                )
                clause = "" if decision else clause
            later = [x.span[0] for x in future if x.span[0] > d.span[1]]
            rest = s.text[d.span[1] : min(later) if later else len(s.text)]
            asked = (
                previous is not None
                and not _WORKING_DETAIL.search(previous.text)
                # an ASR transcript drops the question mark: "那司马总这边什么时候能定下来"
                and (previous.text.endswith(("？", "?")) or re.search(r"什么时候|哪天|几号", previous.text))
                and _CLOSE.search(previous.text)
            )
            # "下周五之前给你答复" answering when they decide is the decision date
            answer = re.sub(r"给(?:你|您)?(?:个)?(?:答复|回复|结果)|答复(?:你|您)?", "", clause.replace(d.text, ""))
            bare_answer = len(re.sub(r"[吧啊呢前之以内左右的，。！\s]|大概|差不多|应该", "", answer)) <= 1
            before = re.split(r"[，,]", s.text[: d.span[0]].rstrip("，, "))[-1]
            if (
                decision is None
                and close is not None
                and close.pos == s.start
                and re.search(r"以\s*$", s.text[: d.span[0]])
                and re.match(r"\s*为准", s.text[d.span[1] :])
            ):
                # "8月15日集团开会，但结果要到8月20日才出，以8月20日为准": the day that counts, said last
                decision = re.match(r"\s*为准", s.text[d.span[1] :])
                clause = ""
            elif decision is None and bare_answer and asked:
                decision = asked  # "下个月底吧。" answering "什么时候能定？"
            elif decision is None and bare_answer and _CLOSE.search(before):
                decision = _CLOSE.search(before)  # "那就董事会那天拍板，6月10号。"
                clause = ""
            elif (
                decision is None
                and re.search(
                    r"审批|流程|评估|讨论|上会|开.{0,4}会|碰一下|商量|内部|(?:办公|董事|碰头|经营|党委|总经理)会|例会",
                    clause,
                )
                and _CLOSE.search(rest)
            ):  # "我们下周五内部开个会，把供应商定下来"
                decision = _CLOSE.search(rest)  # "7月底前走完审批，出结果"
                clause = ""
            elif (
                decision is None
                and re.search(r"答复|回复|结果|回话", clause)
                and (
                    settled := re.search(
                        r"(?:答复|回复|结果|回话)[，,\s]*(?:就|然后|我们)?(?:定下来|定了|拍板|签合同|签约)", rest
                    )
                )
            ):
                decision = settled  # "下周五前给你答复，定下来"
                clause = ""
            elif decision is None and (signed := re.search(r"把合同签(?:了|掉|下来)|把约签了|合同签了", rest)):
                decision = signed  # "下周三我去趟城里，顺便到你们办事处把合同签了"
                clause = ""
            elif decision is None and _PUSHED.search(clause) and _CLOSE.search(s.text[: d.span[0]]):
                decision = _CLOSE.search(s.text[: d.span[0]])  # "原来说十月底定，现在推到11月20号了"
                clause = ""
            elif decision is None and _PUSHED.search(clause) and close is not None and _CLOSE.search(rest):
                decision = _CLOSE.search(rest)  # "推到下下周三吧，回来就定": the decision day, pushed
                clause = ""
            elif decision is None and _PUSHED.search(clause) and previous is not None and close is not None:
                # spoken, the pause cut it apart: "原来说这个月底定 现在要推到五月十四号"
                if _CLOSE.search(previous.text) and previous.start == close.pos:
                    decision = _CLOSE.search(previous.text)
                    clause = ""
            # ("加账号这个事这周四前我拍板": the decision right after its date, whatever the clause is about)
            right_after = (
                bool(clause)
                and decision is not None
                and d.text in clause
                and re.fullmatch(
                    r"[前之以内我们这边就来会再\s]*", clause[clause.find(d.text) + len(d.text) : decision.start()]
                )
                is not None
            )
            if (
                decision is None
                and re.fullmatch(
                    r"[那就改成到为吧啊呢哦嗯前之以内，,。！!\s]*",
                    re.sub(r"其实是|应该是|不对", "", clause.replace(d.text, "")),
                )
                and close is not None
                # ("下下周三之前出结果吧。哦，其实是下下周五，周三集团要开院长会。": corrected in the next breath)
                and (
                    close.pos == s.start
                    or (
                        previous is not None
                        and close.pos == previous.start
                        and not any(o.span[0] < d.span[0] for o in future)  # what the correction is about
                    )
                )
                and re.search(r"不对|改成|改到|改为|改一下|其实是|应该是", s.text[: d.span[0]])
            ):
                # "我们下周五开会定下来……哦不对，下周五我出差，那就下周四吧": the decision day, corrected
                decision = _CLOSE.search(s.text) or (_CLOSE.search(previous.text) if previous is not None else None)
                clause = ""
            if decision and _WORKING_DETAIL.search(s.text):
                decision = None
            if decision and (right_after or not _REP_ACTIONS.search(clause[: decision.start()] if clause else "")):
                if not lost and not d.approximate:
                    close = Fact(d.date, quote(s), s.start, 0.75)
                continue
            step_dates.append(d)
        if not step_dates and not head:
            previous = s
            continue
        d0 = step_dates[0] if step_dates else None
        action = _clause_with(s.text, d0.span) if d0 else s.text
        if d0 is not None and not (_ACTION_WORDS.search(action) or head):
            # "下周四下午吧" answering "什么时候方便做个演示？"
            if previous is not None and previous.text.endswith(("？", "?")) and _REP_ACTIONS.search(previous.text):
                action = _REP_ACTIONS.search(previous.text).group(0)
            elif not _ACTION_WORDS.search(s.text[d0.span[1] :]):
                previous = s
                continue
            else:
                action = s.text[d0.span[0] :]
        for d in step_dates:
            action = action.replace(d.text, "")
        action = _NEXT_STEP_HEAD.sub("", action)
        reported = _REPORTED.match(action)  # "高部长说下周二之前把需求清单发给我": the customer's step
        if reported:
            action = action[reported.end() :]
        action = _short_action(action)
        previous = s
        if len(action) < 2:
            continue
        side = sides.side(s.speaker)
        if side is None:
            side = _is_our_side(s.speaker, ())
        to_us = re.search(r"(?:发|给|交|寄|传|回)(?:给)?(?:我|我们|咱们)(?!们?(?:发|出|做))", s.text)
        if (
            # "钱部长说…把门店清单发给我": in a rep's report, 我 is the rep
            to_us
            and (
                reported or (_CUSTOMER_ACTIONS.search(s.text) and not _REP_ACTIONS.search(s.text[: to_us.start()][-2:]))
            )
        ):
            owner = "customer"
        elif _CUSTOMER_ACTIONS.search(s.text) and not _REP_ACTIONS.search(action):
            owner = "customer"
        elif _REP_ACTIONS.search(action):
            owner = "rep"
        else:
            owner = "rep" if side is not False else "customer"
        if owner == "customer" and reported and not action.startswith("客户"):
            action = "客户" + action
        due = d0.date if d0 and not d0.approximate else None
        steps.append(NextStep(action[:60], quote(s), s.start, owner, due, 0.65 if due else 0.5))
    return close, _dedupe_steps(steps), golive


_CJK = "\u4e00-\u9fa5"
# a spoken report has no punctuation: ASR leaves a space where the speaker paused ("… 合同这周五签 我明天把…")
_PAUSE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def _spoken_clauses(sentences: list[Sentence]) -> list[Sentence]:
    """Sentences, with an unpunctuated ASR run cut at its pauses so that each clause keeps its own date and action."""
    out: list[Sentence] = []
    for s in sentences:
        if len(s.text) < 16 or re.search(r"[，,。！？!?；;]", s.text) or len(_PAUSE.findall(s.text)) < 2:
            out.append(s)
            continue
        pieces: list[Sentence] = []
        last = 0
        for m in [*_PAUSE.finditer(s.text), None]:
            end = m.start() if m else len(s.text)
            piece = s.text[last:end].strip()
            if piece:
                if pieces and len(piece) <= 2:  # "三 十 万": spelled-out digits stay together
                    prev = pieces[-1]
                    pieces[-1] = Sentence(s.text[prev.start - s.start : end].strip(), prev.start, s.speaker)
                else:
                    pieces.append(Sentence(piece, s.start + last, s.speaker))
            last = m.end() if m else end
        out.extend(pieces)
    return out


_REPORTED = re.compile(r"^[^\s，,。]{1,5}?(?:说|讲|表示|要求)(?:了)?")
_LEADING = re.compile(
    r"^(?:好的|好吧|行吧|那好|那|好|嗯|行|对|然后|那就|是|我们|我这边|我|你们|您|咱们|答应|承诺|负责|在|之前|以前|前|之内|内|"
    r"再|要|需要|得|会|尽快|先|[，,、 ])+"
)
_MEASURE = r"(?:一版|一个|一份|一套|一下|个|份|版)?"
_DELIVERABLE = re.compile(r"文档|报价|方案|资料|清单|合同|白皮书|案例|材料|说明|对比表|计划|手册")


def _short_action(action: str) -> str:
    """The verb phrase of a step, as a rep would write it in the CRM: "我答应给他发一版报价" → 发报价,
    "把修改后的合同发给张小姐" → 发修改后的合同给张小姐, "要看到方案" → 提交方案."""
    action = _LEADING.sub("", action.strip()).strip("，,。. ")
    action = re.sub(r"(?:吧|啊|哈|呢|啦|了吧)$", "", action)
    m = re.match(r"^把(.{2,20}?)(发|寄|快递|交|提交|送|传)(?:给(.{1,6})|过去|过来|到.{1,8})?$", action)
    if m:
        obj, verb, whom = m.group(1), m.group(2), m.group(3)
        keep = whom and not re.fullmatch(r"[我你他她]们?|咱们|对方|客户", whom)
        return f"{verb}{obj}" + (f"给{whom}" if keep else "")
    m = re.match(rf"^给(?:[我你他她]们?|您|客户|对方)?(发|出|做|提交|提供|准备|寄){_MEASURE}(.{{2,20}})$", action)
    if m:
        return m.group(1) + m.group(2)
    m = re.match(rf"^(?:给|交|出){_MEASURE}(.{{2,20}})$", action)
    if m and _DELIVERABLE.search(m.group(1)):
        return "提供" + m.group(1)
    m = re.match(rf"^(?:要|想|得)?看到{_MEASURE}(.{{2,20}})$", action)
    if m:
        return "提交" + m.group(1)
    m = re.match(rf"^(发|出|做|提交|提供|准备|寄){_MEASURE}(.{{2,20}})$", action)
    if m:
        return m.group(1) + m.group(2)
    return action


def _timeline(close: Fact | None, golive: Fact | None) -> Fact | None:
    """The deal's plan in words the rep reads ("2026-05-31 前定供应商；2026-07-01 上线"), never a raw utterance."""
    bits, anchor = [], None
    if close is not None:
        bits.append(f"{close.value.isoformat()} 前定下来/签约")
        anchor = close
    if golive is not None:
        bits.append(f"{golive.value.isoformat()} 上线")
        anchor = anchor or golive
    if anchor is None:
        return None
    return Fact("；".join(bits), anchor.evidence, anchor.pos, 0.6)


_NUMERAL_CHARS = "零一二两三四五六七八九十百千万"
# a space between Chinese words, but not inside a number an ASR spelled out with spaces ("九 万 六")
_CLAUSE_BREAK = re.compile(
    rf"[，,；;]|(?<=[\u4e00-\u9fa5])(?<![{_NUMERAL_CHARS}])\s+(?=[\u4e00-\u9fa5])"
    rf"|(?<=[\u4e00-\u9fa5])\s+(?![{_NUMERAL_CHARS}])(?=[\u4e00-\u9fa5])"
)


def _clause_with(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return text
    # a voice message's text has spaces where a writer puts commas: "预算最多十万 你们那个九万六的方案可以"
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
    # an aside in brackets with a figure of its own is a clause of its own ("预算15–18万（集团年度IT总预算300万，
    # 不在此列）"); a gloss is not ("1月11号（腊八）开始用", "元旦前把老数据迁过来（迁移，不算上线）"), nor is a
    # correction ("（更正：…改为8月12日前）")
    for aside in re.finditer(r"[（(](?!\s*(?:更正|改为|改成|不对|纠正))([^（()）]{6,})[）)]", text):
        if not re.search(r"\d|[零一二两三四五六七八九十百千][万千]", aside.group(1)):
            continue
        breaks += [aside.start(), aside.end() - 1]
    breaks.sort()
    start = max([b for b in breaks if b < span[0]], default=-1) + 1
    end = min([b for b in breaks if b >= span[1]], default=len(text))
    return text[start:end]


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
    # dated steps first: a long meeting's undated asides must not push a dated promise out of the list
    dated = [o for o in out if o.due is not None]
    return (dated + [o for o in out if o.due is None])[:8]


# products people compare with, whoever the deployment's competitors are: named as an alternative (and not
# configured as a competitor) they are proposed as 可能的竞品 for the rep to confirm
KNOWN_PRODUCTS = COMPETITORS
_ALTERNATIVE_BEFORE = re.compile(
    r"(?:也在看|也看了|在看|看过|也问过|问过|用过|试过|之前用的?是?|现在用的?是?|对比(?:一下)?|比较(?:一下)?|还有|"
    r"考虑|选了|换成|换掉|替换|比)\s*$"
)
_ALTERNATIVE_AFTER = re.compile(r"^\s*(?:也在|也来|那边|报价|报了|太贵|便宜|贵|演示|的价格|的方案|也不错|相比)")
_INTEGRATION = re.compile(r"对接|接口|集成|打通|回传|ERP|erp|财务系统|OA")
_PRODUCT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9.\-]{2,20}|[\u4e00-\u9fa5]{1,3}(?:云|CRM|crm|SCRM|scrm)")
_LEADING_FUNCTION = re.compile(r"^[比跟和用看过是了下一个家的在]+")


# where a two-character competitor alias misheard by ASR ("用的是分享" for 纷享) can only be a product name:
# after a word that names an alternative, or before "比"; "分享一下" stays a verb
_SLIP_BEFORE = re.compile(r"(?:用的是|用的|在用|问过|看过|在看|也看|对比|比较|还有|以及|和|跟)\s*$")
_SLIP_AFTER = re.compile(r"^\s*(?:比|那边|那家|的报价|报价|报了|也|还有|都|[\s，,。])")
# "芬享那边报的是三万九": at the start of a clause, what follows alone says it is another vendor
_SLIP_AFTER_ALONE = re.compile(r"^\s*(?:那边|那家)[^，,。]{0,2}?(?:报|给|开)|^\s*(?:的报价|报价|报了|报的)")


def _short_alias_slips(text: str, org: OrgProfile, taken: list[tuple[int, int]]) -> list[tuple[str, str, int, int]]:
    """Homophones of two-character competitor aliases, only where the context names an alternative."""
    out = []
    for competitor in org.competitors:
        for alias in competitor.names:
            if len(alias) != 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in alias):
                continue
            for start in range(len(text) - 1):
                window = text[start : start + 2]
                if window == alias or any(a < start + 2 and start < b for a, b in taken):
                    continue
                if not sounds_like(window, alias):
                    continue
                clause_start = start == 0 or text[start - 1] in "，,。；;：: "
                if (
                    _SLIP_BEFORE.search(text[max(0, start - 4) : start])
                    and _SLIP_AFTER.match(text[start + 2 :] or "。")
                ) or (clause_start and _SLIP_AFTER_ALONE.match(text[start + 2 :])):
                    out.append((competitor.name, window, start, start + 2))
    return out


def _competitors(sentences: list[Sentence], org: OrgProfile | None = None) -> tuple[list[Fact], list[Fact]]:
    """(configured competitors named, other products named as alternatives)."""
    org = org or OrgProfile()
    seen: dict[str, Fact] = {}
    maybe: dict[str, Fact] = {}
    configured = bool(org.competitors)
    # products that are configured competitors under another spelling, or us: decided once, not per sentence
    skip = {n for n in KNOWN_PRODUCTS if (configured and org.canonical_competitor(n)) or org.is_ours(n)}
    for s in sentences:
        low = s.text.lower()
        taken: list[tuple[int, int]] = []
        # "跟那个做CRM的纷享没关系", "集团另一个板块在用海纳，侯经理说跟他们没关系，不用参考": named to be set aside
        # ("我们最大的客户叫悟空重工，别跟那个悟空CRM搞混了": a name to keep apart from the product)
        set_aside = bool(re.search(r"没关系|无关|不用参考|不作参考|不参考|不是一回事|不是一家|[搞弄记]混", s.text))
        if configured:
            for hit in org.find_competitors(s.text):
                taken.append((hit.start, hit.end))
                if set_aside:
                    continue
                if hit.name not in seen:
                    note = None if hit.exact else f"原文写作「{hit.text}」，按{hit.name}处理"
                    seen[hit.name] = Fact(hit.name, quote(s), s.start, 0.85 if hit.exact else 0.7, note=note)
            for name, written, start, end in _short_alias_slips(s.text, org, taken):
                taken.append((start, end))
                if name not in seen:
                    note = f"原文写作「{written}」，按{name}处理"
                    seen[name] = Fact(name, quote(s), s.start, 0.6, note=note)
        for name, variants in KNOWN_PRODUCTS.items():
            if name in seen or name in maybe or name in skip:
                continue
            m = next((m for v in variants if (m := re.search(v, low))), None)
            if m is None or any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if configured or name in _NEEDS_COMPETITIVE_CONTEXT:
                if not _COMPETITIVE.search(s.text) or _INTEGRATION.search(_clause_with(s.text, m.span())):
                    taken.append(m.span())  # named, not as an alternative: not a product to guess at either
                    continue
            (maybe if configured else seen)[name] = Fact(name, quote(s), s.start, 0.6 if configured else 0.85)
            taken.append(m.span())
        if not configured:
            continue
        for m in _PRODUCT_NAME.finditer(s.text):
            word = _LEADING_FUNCTION.sub("", m.group(0)) if not m.group(0).isascii() else m.group(0)
            if len(word) < 2 or word.lower() in (x.lower() for x in seen):
                continue
            if any(a < m.end() and m.start() < b for a, b in taken) or org.is_ours(word):
                continue
            if word.lower() in ("crm", "scrm", "erp", "app", "excel", "tms", "wms", "oa", "api", "poc", "sdk"):
                continue
            start = m.end() - len(word)
            if not (_ALTERNATIVE_BEFORE.search(s.text[:start]) or _ALTERNATIVE_AFTER.match(s.text[m.end() :])):
                continue
            if _INTEGRATION.search(_clause_with(s.text, m.span())):
                continue
            if re.search(r"[@.]", word) or word.lower() in (x.lower() for x in maybe):
                continue
            maybe[word] = Fact(word, quote(s), s.start, 0.5)
    return list(seen.values()), list(maybe.values())


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
    lines = text[:300].splitlines()
    # the title line first: "通话记录 … 电话" is a call, whatever "加过您微信" in the first words says
    for head in ("\n".join(lines[:1]), "\n".join(lines[:3])):
        if re.search(r"微信|语音转文字|语音消息|企微聊天|聊天记录|群聊", head) and not re.search(
            r"微信电话|语音通话|视频通话", head
        ):
            return Fact("wechat", "", -1, 0.6)
        if re.search(r"电话|通话|来电|致电", head):
            return Fact("phone", "", -1, 0.6)
        if re.search(r"视频|腾讯会议|钉钉会议|线上会议|zoom|飞书|远程|线上", head, re.I):
            return Fact("video", "", -1, 0.6)
    return Fact("onsite", "", -1, 0.4)


def _strip_label(text: str) -> str:
    return re.sub(r"^[^：:，。]{1,12}[：:]\s*", "", text)


def _qualification(
    sentences: list[Sentence], contacts: list[ContactFact], sides: Sides | None = None
) -> dict[str, Fact]:
    sides = sides or Sides()
    out: dict[str, Fact] = {}
    for s in sentences:
        for key, pattern in (
            ("decision_process", _DECISION_PROCESS),
            ("paper_process", _PAPER_PROCESS),
            ("metrics", _METRICS),
        ):
            if key in out or not pattern.search(s.text):
                continue
            if key == "decision_process" and (_PAIN.search(s.text) or s.text.endswith(("？", "?", "吗"))):
                continue  # "流程太乱了" is a pain, not how they decide
            out[key] = Fact(_strip_label(s.text)[:120], quote(s), s.start, 0.5)
        m = _AUTHORITY.search(s.text)
        if "authority" not in out and m:
            # who decides, as a person: "最终拍板是我" said by 张总 is 张总
            before = s.text[max(0, m.start() - 10) : m.end() + 6]
            person = next((c.name for c in contacts if c.name in before), None)
            if person is None and "我" in s.text and s.speaker and sides.side(s.speaker) is not True:
                speaker = sides.speaker_name.get(s.speaker) or _person_of(s.speaker)
                person = next((c.name for c in contacts if c.name == speaker or _same_person(c.name, speaker)), None)
            if person:
                out["authority"] = Fact(f"{person}拍板", quote(s), s.start, 0.55)
    for role, key in (("economic_buyer", "economic_buyer"), ("champion", "champion")):
        person = next((c for c in contacts if c.deal_role == role), None)
        if person is not None:
            out[key] = Fact(person.name, person.evidence, person.pos, 0.55)
    return out


def _same_person(a: str, b: str) -> bool:
    return a == b or (bool(a) and bool(b) and a[0] == b[0] and (len(a) == 2 or len(b) == 2) and a[1:] in "总工" + b[1:])


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


def _lost_deal(sentences: list[Sentence], org: OrgProfile) -> bool:
    """The customer chose someone else ("我们最后选了销售易", "已经签了别家"): no close date."""
    for s in sentences:
        # ("丢单的情况很多": the customer's own lost orders, a pain point)
        # ("差点丢单", "怕丢单": a near miss or a fear of their own, not this deal)
        if re.search(r"(?<![常易是总点怕])丢单(?![的率情问很多严])|没选我们|选了别家|签了别家|输给", s.text):
            return True
        m = _LOST.search(s.text)
        if m and sides_free(s.text) and (org.find_competitors(s.text) or re.search(r"别家|其他家|另一家", s.text)):
            return True
    return False


_MAIL_TIME = re.compile(
    r"(?:发送时间|时间|日期|Date|Sent)\s*[：:]\s*(\d{4})\s*[年/-]\s*(\d{1,2})\s*[月/-]\s*(\d{1,2})\D{0,12}?(\d{1,2}):(\d{2})",
    re.I,
)


_MONTHS_EN = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MAIL_TIME_EN = re.compile(
    r"(?:Sent|Date)\s*:\s*(?:[A-Za-z]+,?\s+)?(?:(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"|(?P<day2>\d{1,2})\s+(?P<month2>[A-Za-z]{3,9})\.?\s+(?P<year2>\d{4}))\D{0,12}?(?P<hour>\d{1,2}):(?P<minute>\d{2})"
)


def chronological(sentences: list[Sentence], text: str) -> list[Sentence]:
    """The sentences with a mail thread's mails oldest first (threads quote older mails below newer ones);
    anything else as written."""
    # ("> From: 殷琪 <…>": an older mail quoted with reply marks)
    senders = [m.start() for m in re.finditer(r"(?m)^\s*(?:>\s?)*(?:发件人|From)\s*[：:]", text)]
    if len(senders) < 2:
        return sentences
    bounds = [*senders, len(text)]
    stamps = []
    for start, end in zip(bounds, bounds[1:]):
        m = _MAIL_TIME.search(text, start, end)
        english = None if m else _MAIL_TIME_EN.search(text, start, end)
        if m:
            stamps.append(tuple(int(g) for g in m.groups()))
        elif english and (english.group("month") or english.group("month2"))[:3].lower() in _MONTHS_EN:
            # "Sent: Thursday, April 27, 2028 20:16", "Date: Thu, 27 Apr 2028 20:16"
            month = _MONTHS_EN.index((english.group("month") or english.group("month2"))[:3].lower()) + 1
            day = int(english.group("day") or english.group("day2"))
            year = int(english.group("year") or english.group("year2"))
            stamps.append((year, month, day, int(english.group("hour")), int(english.group("minute"))))
        else:
            stamps.append(None)
    if None in stamps:
        # no times to go by: a reply's subject carries one more "RE:" / "回复：" than the mail it answers
        replies = [
            len(re.findall(r"(?:RE|Re|re|回复|答复)\s*[:：]", subject.group(1))) if subject else None
            for start, end in zip(bounds, bounds[1:])
            for subject in [re.search(r"(?m)^\s*(?:>\s?)*(?:主题|Subject)\s*[：:](.*)$", text[start:end])]
        ]
        if None in replies or len(set(replies)) < len(replies):
            return sentences
        stamps = [(n,) for n in replies]
    if stamps == sorted(stamps):
        return sentences

    def mail(sentence: Sentence) -> int:
        return sum(1 for at in senders if at <= sentence.start)  # 0: before the first mail

    order = {i + 1: rank for rank, i in enumerate(sorted(range(len(stamps)), key=lambda i: stamps[i]))}
    return sorted(sentences, key=lambda x: (order.get(mail(x), -1), x.start))


def sides_free(text: str) -> bool:
    return not re.search(r"如果|要是|假如|会不会|能不能", text)


def extract_rules(
    text: str,
    ref: date,
    known_accounts: Iterable[KnownAccount] = (),
    our_names: Iterable[str] = (),
    org: OrgProfile | None = None,
) -> Extraction:
    """The deterministic extraction: what rules can read with confidence, each fact with its sentence.
    `org`: who we are and our competitors (bot.org); without it the built-in product list is used."""
    org = org or OrgProfile()
    # a dictated report from ASR has pauses (or nothing) where the rules expect commas, and fillers, spoken
    # self-corrections and 「四十个」 for 四十万 that a typed transcript does not have
    spoken = ""
    if looks_like_asr_run(text):
        # each spoken clause is read as a sentence: a run is one "sentence" otherwise, and a competitor named
        # anywhere in it would make every amount in it look like the competitor's price
        spoken = clean_spoken(text, ref)
        text = spoken.replace("，", "。")
    sentences = split_sentences(text)
    known = list(known_accounts)
    staff = {n for n in our_names if n}
    sides = find_sides(sentences, org, staff, text)
    ours = staff | our_side_names(sentences) | set(sides.ours)
    ex = Extraction(mode="offline")
    ex.meeting_date = _meeting_date(sentences, text, ref)
    # a note saying "昨天去了…" is spoken today: its 这周五 / 明天 count from today, not from the visit
    meeting = ex.meeting_date.value if ex.meeting_date and ex.meeting_date.confidence > 0.7 else ref
    ex.account, ex.account_id, ex.other_companies, written_forms = _account(sentences, text, known, org, sides)
    account_terms = []
    if ex.account is not None:
        account_terms = [ex.account.value, core_name(ex.account.value), *written_forms]
        account_terms += [t for a in known if a.id == ex.account_id for t in _terms(a)]
    buyer = list(account_terms)
    account_terms += [o.value for o in ex.other_companies]
    ex.contacts = _contacts(sentences, ours, account_terms, sides, org, spoken, buyer)
    # "latest wins" means the latest written: a mail thread quotes the older mails below the newer
    in_order = chronological(sentences, text)
    ex.budget, ex.amount, _ = _money_facts(in_order, sides, org)
    ex.seats = _seats(in_order)
    lost = _lost_deal(sentences, org)
    ex.close_date, ex.next_steps, ex.golive_date = _dates(in_order, meeting, sides, lost)
    if lost:
        ex.golive_date = None  # "合同昨天已经签了，他们下周一就开始用": the go-live is the winner's
    ex.timeline = _timeline(ex.close_date, ex.golive_date)
    ex.competitors, ex.possible_competitors = _competitors(sentences, org)
    ex.our_side = [n for n in sides.ours if _looks_like_person(n)]
    ex.not_contacts = sorted(sides.third | sides.left)
    ex.pain_points = _pain_points(sentences, ours)
    ex.stage = _stage(sentences)
    if lost:
        ex.stage = Fact("closed_lost", ex.stage.evidence if ex.stage else "", ex.stage.pos if ex.stage else -1, 0.5)
    ex.sentiment = _sentiment(sentences, ours)
    ex.channel = _channel(text)
    ex.qualification = _qualification(sentences, ex.contacts, sides)
    if ex.budget is not None:
        ex.qualification.setdefault(
            "budget", Fact(ex.budget.value, ex.budget.evidence, ex.budget.pos, ex.budget.confidence)
        )
    if ex.pain_points:
        p = ex.pain_points[0]
        ex.qualification.setdefault("identified_pain", Fact(p.value, p.evidence, p.pos, p.confidence))
    return ex


# --- evidence check (for LLM facts) ------------------------------------------------------------------


def _plain(text: str) -> str:
    return re.sub(r"[\s，,。.！!？?；;：:、“”\"'「」…~—-]", "", text or "")


def locate(evidence: str, sentences: list[Sentence]) -> Sentence | None:
    """The transcript sentence a quoted evidence comes from, or None if the quote is not in the transcript.

    The quote must be the transcript's own words (punctuation and spaces aside); a model that paraphrases
    gets a little slack only for long quotes (a changed particle), never for short ones.
    """
    ev = re.sub(r"^[^：:]{1,20}[：:]", "", (evidence or "").strip()).strip("「」“”\"' ")
    plain = _plain(ev)
    if len(plain) < 2:
        return None
    for s in sentences:
        text = _plain(s.text)
        if plain in text or (len(text) >= 4 and text in plain):
            return s
    # a quote across two sentences ("预算的话……" / "……五十万吧"): where it starts
    for a, b in zip(sentences, sentences[1:]):
        if plain in _plain(a.text) + _plain(b.text):
            return a
    if len(plain) < 10:
        return None
    best, best_score = None, 0.0
    for s in sentences:
        score = fuzz.partial_ratio(plain, _plain(s.text))
        if score > best_score:
            best, best_score = s, score
    return best if best_score >= 92 else None


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
        setattr(ex, name, fact(data.get(name), as_date=name in ("meeting_date", "close_date", "golive_date")))
    ex.other_companies = [f for f in map(fact, data.get("other_companies") or []) if f]
    ex.competitors = [f for f in map(fact, data.get("competitors") or []) if f]
    ex.possible_competitors = [f for f in map(fact, data.get("possible_competitors") or []) if f]
    ex.our_side = [str(n) for n in data.get("our_side") or []]
    ex.not_contacts = [str(n) for n in data.get("not_contacts") or []]
    ex.pain_points = [f for f in map(fact, data.get("pain_points") or []) if f]
    ex.qualification = {k: f for k, v in (data.get("qualification") or {}).items() if (f := fact(v))}
    ex.contacts = [ContactFact(**c) for c in data.get("contacts") or []]
    ex.next_steps = [
        NextStep(**{**s, "due": date.fromisoformat(s["due"]) if s.get("due") else None})
        for s in data.get("next_steps") or []
    ]
    return ex
