"""The output guard of customer channels: a reply is checked for internal markers before it is sent.

This is the last line, not the first: a customer turn is never offered a tool that reads internal data,
and the service refuses one if asked anyway. The guard catches what a model could still say on its own
(memorised, hallucinated, or talked into by a prompt injection):

* internal documents: their titles, and any run of text copied from an internal chunk that the public
  documents do not also contain (10-character shingles of the normalised text);
* discount figures and discount-authority words ("85折", "底价", "审批权限");
* money amounts that the public documents (and the customer's own words) do not contain: prices beyond
  the public list;
* names of accounts in the CRM (other customers), phone numbers and e-mail addresses other than the
  customer's own, the assigned rep's and the public ones;
* the system prompt (its canary and its text), names of staff tools, links to domains not allowed,
  markdown images and raw HTML, file paths of the server;
* promises nobody authorised (a refund, compensation, free months, an availability figure the public
  documents do not make) and fake notices (「【系统通知】」, asking for a password or a verification code):
  the bot never makes the one nor sends the other, so either is the model misled or misbehaving.

Matching is on normalised text (NFKC, lower case, punctuation and spaces removed), so "华 东 机 械" is
still a name. Literal markers are found with a set lookup per (position, marker length), which stays
linear in the reply whatever the number of accounts; markers are rebuilt from the database every
REFRESH_SECONDS (and on `invalidate()`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from sqlmodel import select

from bot.models import Account, Contact, StaffUser
from bot.zh_parse import find_emails, find_money, find_phones
from knowledge.models import KbChunk, KbDocument

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SHINGLE = 10
PROMPT_SHINGLE = 14  # the prompt's plain sentences need a longer run before they count as a copy
MIN_SHINGLE_HITS = 3  # 12+ characters of internal text in a row, or several shorter copied fragments
REFRESH_SECONDS = 30.0
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DISCOUNT = re.compile(
    r"(?<![\d.])\d{1,2}(?:\.\d{1,2})?\s*折|[一二三四五六七八九]{1,2}\s*折(?!扣)"
    r"|\d{1,2}\s*%\s*(?:off|折扣|优惠|discount)",
    re.I,
)
_DISCOUNT_WORDS = (
    "底价",
    "最低价",
    "折扣权限",
    "审批权限",
    "折扣审批",
    "严禁外传",
    "内部资料",
    "仅限内部",
    "内部使用",
    "内部竞争分析",
    "系统提示词",
    "systemprompt",
)
_URL = re.compile(r"(?:https?://|www\.)([A-Za-z0-9.-]+)|\]\(\s*([^)\s]+)", re.I)
# a server path: two or more directories and a file name (a link's path is the URL check's business)
_FILE_PATH = re.compile(
    r"(?<![\w.:/])(?:[A-Za-z]:\\|~?/)(?:[\w.\-\u4e00-\u9fff]+[/\\]){1,}[\w.\-\u4e00-\u9fff]+"
    r"\.(?:md|markdown|txt|docx?|xlsx?|pdf|pptx?|csv|json|ya?ml|html?|db|sqlite3?)\b",
    re.I,
)
# commitments only a person may make; a phrase the public documents make themselves passes ("承诺 99.9%")
_AMOUNT = r"[\d一二两三四五六七八九十半几]+"
_COMMITMENT = re.compile(
    r"(?:全额|无条件|双倍|加倍|百分之百|100\s*%)\s*(?:退款|退费|退钱|赔偿|赔付|返还)"
    r"|(?:退款|退费|赔偿|赔付)\s*(?:全额|100\s*%|百分之百)"
    r"|(?:免费|白送|赠送|多送|加送|额外送|送您?|延长|多给)\s*" + _AMOUNT + r"\s*个?\s*(?:月|年|季度|周|星期)"
    r"|(?:" + _AMOUNT + r"\s*个?\s*(?:月|年|季度))\s*(?:免费|不收费|白送|免单)"
    r"|(?:首年|首月|第一年|头一年|全年)\s*(?:免费|免单|不收费|半价)|半价|买一送一|免单"
    r"|(?:保证|承诺|担保|包您|包你)[^。；;!！?？\n]{0,16}?(?:退款|赔偿|免费|不收费|打折|优惠|降价|100\s*%|百分之百)"
    r"|(?:给您|为您|帮您)(?:特批|减免|免掉|便宜|让利)",
    re.I,
)
# an availability figure passes only when the public documents give the same one
_AVAILABILITY = re.compile(
    r"(?:可用性|可用率|在线率|稳定性|正常运行|sla|uptime|availability)[^。；;!！?？\n]{0,24}?"
    r"(?:(\d+(?:\.\d+)?)\s*%|百分之\S{1,6})"
    r"|(\d+(?:\.\d+)?)\s*%\s*(?:的)?\s*(?:可用性|可用率|在线率|正常运行|sla|uptime|availability)",
    re.I,
)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_FAKE_NOTICE = re.compile(
    r"[【\[［]\s*(?:系统|官方|安全|平台|账号|帐号|账户|管理员|客服中心|风控)[^】\]］]{0,6}"
    r"(?:通知|消息|公告|提醒|警告|提示)\s*[】\]］]"
    r"|(?:回复|提供|发送|告诉|告知|输入|填写|发给|发一下|报一下)[^。；;\n]{0,12}?"
    r"(?:密码|验证码|校验码|动态码|口令|银行卡|卡号|身份证|cvv|支付码|付款码|password|verification\s*code)"
    r"|(?:转账|汇款|打款)(?:到|至)",
    re.I,
)
_MARKUP = re.compile(r"!\[[^\]]*\]\(|<\s*(?:img|script|iframe|a|svg|object|form|link|meta)\b|javascript:", re.I)


# a second, plain reading of money: zh_parse.find_money skips some forms ("标准版 99 元"), and a guard must not
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MONEY = re.compile(rf"(?:¥|￥|rmb|人民币)\s*({_NUMBER})|({_NUMBER})\s*(万元|万|千元|元|块|rmb|yuan)", re.I)
_MAGNITUDE = {"万元": 10_000, "万": 10_000, "千元": 1_000}


def money_values(text: str) -> dict[float, str]:
    """Amounts of money in `text` (CNY), value → how it was written."""
    found = {round(float(f.value), 2): f.text for f in find_money(text)}
    for m in _MONEY.finditer(unicodedata.normalize("NFKC", text or "")):
        number = float((m.group(1) or m.group(2)).replace(",", ""))
        found.setdefault(round(number * _MAGNITUDE.get(m.group(3) or "", 1), 2), m.group(0))
    return found


def normalize(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def shingles(norm: str, size: int = SHINGLE) -> set[str]:
    return {norm[i : i + size] for i in range(max(0, len(norm) - size + 1))}


@dataclass
class Verdict:
    ok: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Allowed:
    """What this conversation may see: the customer's own details, their rep, their own company."""

    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # normalised CRM names the customer is entitled to
    domains: set[str] = field(default_factory=set)  # links an admin published (a rep's 「联系我」 page)
    customer_text: str = ""  # the customer's own words: echoing a figure they gave is no leak


class _LiteralSet:
    """Normalised literals by length: find any in a text with one set lookup per (position, length)."""

    def __init__(self, items: dict[str, str]):
        self.by_len: dict[int, dict[str, str]] = {}
        for literal, label in items.items():
            if literal:
                self.by_len.setdefault(len(literal), {})[literal] = label

    def find(self, norm: str) -> dict[str, str]:
        hits: dict[str, str] = {}
        for length, table in self.by_len.items():
            for i in range(len(norm) - length + 1):
                piece = norm[i : i + length]
                if piece in table:
                    hits[piece] = table[piece]
        return hits


@dataclass
class Markers:
    literals: _LiteralSet
    internal_shingles: set[str]
    prompt_shingles: set[str]
    public_money: set[float]
    public_phones: set[str]
    public_emails: set[str]
    public_domains: set[str]
    public_norm: str
    built_at: float
    public_percents: set[float] = field(default_factory=set)


class OutputGuard:
    def __init__(self, app: "Runtime", *, prompt_text: str = "", canary: str = ""):
        self.app = app
        self.prompt_text = prompt_text
        self.canary = canary
        self._markers: Markers | None = None
        self._lock = asyncio.Lock()
        self.checks = 0
        self.blocked = 0

    def invalidate(self) -> None:
        self._markers = None

    async def markers(self) -> Markers:
        current = self._markers
        if current is not None and time.monotonic() - current.built_at < REFRESH_SECONDS:
            return current
        async with self._lock:
            if self._markers is None or time.monotonic() - self._markers.built_at >= REFRESH_SECONDS:
                self._markers = await self._build()
        return self._markers

    async def _load(self) -> tuple[list, list, list, list, list]:
        async with self.app.db.session() as s:
            accounts = (await s.execute(select(Account.name, Account.short_name))).all()
            staff = (await s.execute(select(StaffUser.phone, StaffUser.email))).all()
            contacts = (await s.execute(select(Contact.phone, Contact.email))).all()
            docs = (await s.execute(select(KbDocument.title, KbDocument.audience))).all()
            chunks = (await s.execute(select(KbChunk.text, KbChunk.audience))).all()
        return accounts, staff, contacts, docs, chunks

    async def _build(self) -> Markers:
        loaded = await self._load()
        return await asyncio.to_thread(self._compile, *loaded)

    def _compile(self, accounts, staff, contacts, docs, chunks) -> Markers:
        public_text = "\n".join(text for text, audience in chunks if audience == "public")
        public_norm = normalize(public_text)
        public_shingles = shingles(public_norm)
        internal = set()
        for text, audience in chunks:
            if audience != "public":
                internal |= shingles(normalize(text))
        literals: dict[str, str] = {}
        for title, audience in docs:
            if audience == "public":
                continue
            for variant in (title, re.sub(r"[（(].*?[)）]", "", title or "")):
                norm = normalize(variant)
                if len(norm) >= 4 and norm not in public_norm:
                    literals[norm] = "internal_title"
        for name, short in accounts:
            for variant in (name, short):
                norm = normalize(variant or "")
                if len(norm) >= 3 and norm not in public_norm:  # a name the public docs use as an example is public
                    literals[norm] = "crm_name"
        for spec in self.app.capabilities.tools.values():
            if "customer" not in {r.value for r in spec.roles}:
                literals[normalize(spec.name)] = "staff_tool"
        for word in _DISCOUNT_WORDS:
            literals[normalize(word)] = "internal_word"
        if self.canary:
            literals[normalize(self.canary)] = "system_prompt"
        prompt_norm = normalize(self.prompt_text)
        return Markers(
            literals=_LiteralSet(literals),
            internal_shingles=internal - public_shingles,
            prompt_shingles=shingles(prompt_norm, PROMPT_SHINGLE) - public_shingles,
            public_money=set(money_values(public_text)),
            public_phones={c.value for c in find_phones(public_text)},
            public_emails={c.value for c in find_emails(public_text)},
            public_domains={m.group(1).lower() for m in _URL.finditer(public_text) if m.group(1)},
            public_norm=public_norm,
            built_at=time.monotonic(),
            public_percents={float(x) for x in _PERCENT.findall(unicodedata.normalize("NFKC", public_text))},
        )

    async def check(self, text: str, allowed: Allowed | None = None) -> Verdict:
        markers = await self.markers()
        verdict = self.check_with(markers, text, allowed or Allowed())
        self.checks += 1
        self.blocked += not verdict.ok
        return verdict

    def check_with(self, m: Markers, text: str, allowed: Allowed) -> Verdict:
        reasons: list[str] = []
        norm = normalize(text)
        for literal, label in m.literals.find(norm).items():
            if label == "crm_name" and any(_covers(n, literal) for n in allowed.names):
                continue  # the customer's own company, named whole (not 「医药」 for every 医药 account)
            if label == "internal_word" and literal in normalize(allowed.customer_text):
                continue  # the customer said "底价" themselves; repeating the word reveals nothing
            reasons.append(f"{label}:{literal}")
        grams = shingles(norm)
        if len(grams & m.internal_shingles) >= MIN_SHINGLE_HITS:
            reasons.append("internal_text")
        if m.prompt_shingles and len(shingles(norm, PROMPT_SHINGLE) & m.prompt_shingles) >= 2:
            reasons.append("system_prompt_text")
        known_money = m.public_money | set(money_values(allowed.customer_text))
        for value, written in money_values(text).items():
            if value not in known_money:
                reasons.append(f"price:{written}")
        if _DISCOUNT.search(unicodedata.normalize("NFKC", text)):
            figures = [x.group(0) for x in _DISCOUNT.finditer(unicodedata.normalize("NFKC", text))]
            # even a figure the customer named is out: "已为您批准 8 折" is a promise only a rep may make
            if not all(normalize(f) in m.public_norm for f in figures):
                reasons.append("discount_figure")
        published_phones, published_domains = self.published()
        own_phones = (
            allowed.phones | m.public_phones | published_phones | {c.value for c in find_phones(allowed.customer_text)}
        )
        for phone in find_phones(text):
            if phone.value not in own_phones:
                reasons.append("phone")
        own_emails = allowed.emails | m.public_emails | {c.value for c in find_emails(allowed.customer_text)}
        for email in find_emails(text):
            if email.value not in own_emails:
                reasons.append("email")
        allowed_domains = m.public_domains | self.allowed_domains() | allowed.domains | published_domains
        for match in _URL.finditer(text):
            domain = (match.group(1) or _domain_of(match.group(2) or "")).lower()
            if not domain or not any(domain == d or domain.endswith("." + d) for d in allowed_domains):
                reasons.append("link")
        if _MARKUP.search(text):
            reasons.append("markup")
        if _FILE_PATH.search(text):
            reasons.append("file_path")
        plain = unicodedata.normalize("NFKC", text)
        # not excused by the customer's words: 「能全额退款吗」 answered 「可以全额退款」 is the harm itself
        for match in _COMMITMENT.finditer(plain):
            if normalize(match.group(0)) not in m.public_norm:
                reasons.append(f"commitment:{match.group(0)}")
        for match in _AVAILABILITY.finditer(plain):
            figure = match.group(1) or match.group(2)
            if figure is None or float(figure) not in m.public_percents:
                reasons.append(f"commitment:{match.group(0)}")
        if _FAKE_NOTICE.search(plain):
            reasons.append("fake_notice")
        return Verdict(not reasons, sorted(set(reasons)))

    def published(self) -> tuple[set[str], set[str]]:
        """Phones and link domains of the company-wide contact an admin published (SALESBOT_PUBLIC_CONTACT)."""
        return contact_markers(getattr(self.app.settings, "public_contact", "") or "")

    def allowed_domains(self) -> set[str]:
        raw = getattr(self.app.settings, "customer_link_domains", "") or ""
        return {d.strip().lower() for d in raw.split(",") if d.strip()}


def contact_markers(published: str) -> tuple[set[str], set[str]]:
    """The phones and link domains in a contact an admin published: what a reply may carry of it."""
    phones = {c.value for c in find_phones(published)}
    domains = {m.group(1).lower() for m in _URL.finditer(published) if m.group(1)}
    return phones, domains


def _covers(entitled: str, literal: str) -> bool:
    """The customer's own company name (normalised) covers a CRM name found in the reply: the same name,
    or the found literal is the whole of a name the customer gave, or the customer's name contains the CRM
    name whole (「南京金陵医药集团」 covers the short name 「金陵医药」). A fragment the customer typed
    (「医药」) covers nothing: CRM names are at least 3 characters and it has to contain one whole."""
    return entitled == literal or (len(entitled) >= len(literal) and literal in entitled)


def _domain_of(target: str) -> str:
    match = re.match(r"(?:[a-z][a-z0-9+.-]*:)?(?://)?([^/?#]+)", target, re.I)
    return match.group(1) if match and "." in match.group(1) else target or "?"


def reasons_summary(reasons: Iterable[str]) -> list[str]:
    """Categories only (what kind of leak), for the audit log and metrics."""
    return sorted({r.split(":", 1)[0] for r in reasons})
