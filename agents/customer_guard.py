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
  markdown images and raw HTML.

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
            if label == "crm_name" and any(literal in n or n in literal for n in allowed.names):
                continue
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
        own_phones = allowed.phones | m.public_phones | {c.value for c in find_phones(allowed.customer_text)}
        for phone in find_phones(text):
            if phone.value not in own_phones:
                reasons.append("phone")
        own_emails = allowed.emails | m.public_emails | {c.value for c in find_emails(allowed.customer_text)}
        for email in find_emails(text):
            if email.value not in own_emails:
                reasons.append("email")
        allowed_domains = m.public_domains | self.allowed_domains()
        for match in _URL.finditer(text):
            domain = (match.group(1) or _domain_of(match.group(2) or "")).lower()
            if not domain or not any(domain == d or domain.endswith("." + d) for d in allowed_domains):
                reasons.append("link")
        if _MARKUP.search(text):
            reasons.append("markup")
        return Verdict(not reasons, sorted(set(reasons)))

    def allowed_domains(self) -> set[str]:
        raw = getattr(self.app.settings, "customer_link_domains", "") or ""
        return {d.strip().lower() for d in raw.split(",") if d.strip()}


def _domain_of(target: str) -> str:
    match = re.match(r"(?:[a-z][a-z0-9+.-]*:)?(?://)?([^/?#]+)", target, re.I)
    return match.group(1) if match and "." in match.group(1) else target or "?"


def reasons_summary(reasons: Iterable[str]) -> list[str]:
    """Categories only (what kind of leak), for the audit log and metrics."""
    return sorted({r.split(":", 1)[0] for r in reasons})
