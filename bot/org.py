"""Who we are and who we compete with: the org profile every capability reads.

Seeded from the settings SALESBOT_ORG_NAME, SALESBOT_ORG_PRODUCTS and SALESBOT_COMPETITORS; admins edit it in
the console (page 公司与竞品), and the stored edits win over the settings. Capabilities call
`await load_org_profile(db, settings)` (or `OrgProfile.from_settings(settings)` where no database is at hand)
and never hard-code company names, so that one deployment's vendor name is never taken for a customer.

Names are matched the way people and speech recognition write them: aliases, spaces inside Latin letters
("C R M"), homophones ("分享销客" for 纷享销客, "云番" for 云帆: same pinyin, with the usual ASR confusions
z/zh, n/l, -n/-ng) and one wrong character in a name of four or more ("纷享销各").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel, select

from bot.zh_parse.orgnames import TRADE_WORDS


def _split(value: str, sep: str) -> list[str]:
    return [part.strip() for part in value.replace("，", ",").replace("、", ",").split(sep) if part.strip()]


def _dedupe(values) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        v = str(v or "").strip()
        if v and v not in out:
            out.append(v)
    return tuple(out)


@dataclass(frozen=True)
class Competitor:
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class NameHit:
    """Where a configured name was found in a text: `exact` False for an ASR slip (homophone / near shape)."""

    name: str  # the canonical name (competitor name, or our first name)
    start: int
    end: int
    text: str
    exact: bool


@dataclass(frozen=True)
class OrgProfile:
    names: tuple[str, ...] = ()  # our company's names and aliases (ASR variants too), the first one canonical
    products: tuple[str, ...] = ()
    competitors: tuple[Competitor, ...] = field(default_factory=tuple)

    @classmethod
    def from_settings(cls, settings) -> OrgProfile:
        names = _split(getattr(settings, "org_name", "") or "", ",")
        company = (getattr(settings, "company_name", "") or "").strip()
        if company and company not in names:
            names.append(company)
        products = _split(getattr(settings, "org_products", "") or "", ",")
        return cls(
            names=tuple(names),
            products=tuple(products),
            competitors=parse_competitors(getattr(settings, "competitors", "") or ""),
        )

    def competitor_names(self) -> list[str]:
        return [c.name for c in self.competitors]

    # --- storage shape -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "products": list(self.products),
            "competitors": [{"name": c.name, "aliases": list(c.aliases)} for c in self.competitors],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrgProfile:
        competitors = []
        for raw in data.get("competitors") or []:
            if isinstance(raw, dict) and str(raw.get("name") or "").strip():
                competitors.append(Competitor(str(raw["name"]).strip(), _dedupe(raw.get("aliases") or [])))
        return cls(_dedupe(data.get("names") or []), _dedupe(data.get("products") or []), tuple(competitors))

    def merged(self, stored: dict[str, Any] | None) -> OrgProfile:
        """The console's stored edits over this (settings) profile: each part the admin saved replaces ours."""
        if not stored:
            return self
        edited = OrgProfile.from_dict(stored)
        return OrgProfile(
            edited.names if "names" in stored else self.names,
            edited.products if "products" in stored else self.products,
            edited.competitors if "competitors" in stored else self.competitors,
        )

    # --- matching ------------------------------------------------------------------------------------

    def our_terms(self) -> tuple[str, ...]:
        return _dedupe((*self.names, *self.products))

    def is_ours(self, name: str) -> bool:
        """Is this company / product name us ("云帆科技有限公司", "云番科技", "云帆CRM")? "云帆物流" is not."""
        return _is_ours(self, name)

    def find_ours(self, text: str) -> list[NameHit]:
        return list(_find_ours(self, text))

    def find_competitors(self, text: str) -> list[NameHit]:
        return list(_find_competitors(self, text))

    def canonical_competitor(self, value: str) -> str | None:
        """The configured competitor a name (as a model or a person wrote it) refers to, else None."""
        hits = self.find_competitors(value)
        return hits[0].name if hits else None


# extraction asks the same questions about the same sentences many times: the profile is immutable, so
# the answers are cached per (profile, text)
@lru_cache(maxsize=8192)
def _is_ours(self: OrgProfile, name: str) -> bool:
    cand = _compact(name)
    if not cand:
        return False
    core = core_company(cand)
    for term in self.our_terms():
        t = _compact(term)
        if not t:
            continue
        if cand == t or core == core_company(t) or (len(t) >= 4 and sounds_like(cand, t)):
            return True
        if core and len(core) >= 2 and sounds_like(core, core_company(t)):
            return True
    return False


@lru_cache(maxsize=8192)
def _find_ours(self: OrgProfile, text: str) -> tuple[NameHit, ...]:
    terms = [(self.names[0] if self.names else t, t) for t in self.our_terms()]
    return tuple(find_names(text, terms, min_fuzzy=2))


@lru_cache(maxsize=8192)
def _find_competitors(self: OrgProfile, text: str) -> tuple[NameHit, ...]:
    terms = [(c.name, alias) for c in self.competitors for alias in c.names]
    # "悟空" for 悟空CRM: the Chinese stem of a name that ends in CRM / 系统 / 软件 is how people say it
    terms += [(name, m.group(1)) for name, alias in list(terms) if (m := _STEM.match(alias))]
    return tuple(find_names(text, terms))


def parse_competitors(value: str) -> tuple[Competitor, ...]:
    """ "纷享销客/纷享,销售易/销售e": comma between competitors, slash between a competitor's names."""
    out = []
    for entry in _split(value, ","):
        parts = _split(entry, "/")
        if parts:
            out.append(Competitor(parts[0], tuple(parts[1:])))
    return tuple(out)


# --- name matching --------------------------------------------------------------------------------------

_LEGAL = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团有限公司|集团|公司|科技|软件|信息技术|网络|技术)$")


_STEM = re.compile(r"^([\u4e00-\u9fff]{2,})\s*(?:SCRM|CRM|scrm|crm|系统|软件)$")


def _compact(value: str) -> str:
    return re.sub(r"[\s·•]", "", str(value or "")).lower()


def core_company(name: str) -> str:
    """ "云帆科技有限公司" → "云帆": the distinctive part, without legal form and the generic trade words."""
    core = _compact(name)
    for _ in range(3):
        stripped = _LEGAL.sub("", core)
        if stripped == core or len(stripped) < 2:
            break
        core = stripped
    return core


# ASR confuses these: flat/retroflex initials, n/l, front/back nasals
_PINYIN_FOLD = (
    (re.compile(r"^([zcs])h"), r"\1"),
    (re.compile(r"^n(?=[^g])"), "l"),
    (re.compile(r"(?<=[aei])ng$"), "n"),
)


def _fold(syllable: str) -> str:
    s = syllable.lower()
    for pattern, repl in _PINYIN_FOLD:
        s = pattern.sub(repl, s)
    return s


@lru_cache(maxsize=8192)
def _syllable(ch: str) -> str:
    if not ("\u4e00" <= ch <= "\u9fff"):
        return ch.lower()
    # pypinyin loads its dictionaries on import (about half a second): only name matching needs it
    from pypinyin import Style, lazy_pinyin

    return _fold(lazy_pinyin(ch, style=Style.NORMAL)[0])


def _syllables(text: str) -> tuple[str, ...]:
    return tuple(_syllable(ch) for ch in text)


def sounds_like(a: str, b: str) -> bool:
    """Same length and same (folded) pinyin, or one differing character in four or more."""
    a, b = _compact(a), _compact(b)
    if not a or len(a) != len(b):
        return False
    if a == b:
        return True
    if _syllables(a) == _syllables(b):
        return True
    diff = sum(1 for x, y in zip(a, b) if x != y)
    return len(a) >= 4 and diff == 1


# after a short alias, a character that starts another word of a name ("海纳电器" is not the CRM 海纳)
_NAME_CONTINUES = re.compile(r"[\u4e00-\u9fff]")
_TRADE_AHEAD = re.compile(rf"(?:{TRADE_WORDS})")
# what can follow a two-character name in speech ("纷享报价 13.5 万", "纷享太贵", "海纳来过"): not a longer name
# ("跟纷享聊", "悟空我们也试过", "励销 我看了下": a verb or a pronoun after the name, or a pause)
_FREE_AFTER = set(
    "的也和跟那这还他她们家都就在是吧呢啊了呀嘛比用做么系报给说来去对与及或没不太更有才只又便贵我你您聊谈试推找问换选签管里上"
)


def find_names(text: str, terms: list[tuple[str, str]], min_fuzzy: int = 3) -> list[NameHit]:
    """Each (canonical, written form) term found in `text`: exactly (Latin letters ignore case and spaces),
    or as an ASR slip when the term has at least `min_fuzzy` + 1 characters. Longest, leftmost hits win."""
    # index of the text with spaces removed, mapped back to original offsets
    chars = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    flat = "".join(ch for _i, ch in chars).lower()
    sounds = _syllables(flat) if any("\u4e00" <= ch <= "\u9fff" for ch in flat) else ()
    hits: list[NameHit] = []
    taken: list[tuple[int, int]] = []
    ordered = sorted({t for t in terms if t[1].strip()}, key=lambda t: -len(_compact(t[1])))
    for canonical, written in ordered:
        term = _compact(written)
        n = len(term)
        has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in term)
        term_sounds = _syllables(term) if has_cjk else ()
        for start in range(0, len(flat) - n + 1):
            window = flat[start : start + n]
            exact = window == term
            if not exact:
                if not has_cjk or n < min_fuzzy:
                    continue
                same_sound = sounds[start : start + n] == term_sounds
                one_off = n >= 4 and sum(1 for a, b in zip(window, term) if a != b) == 1
                if not (same_sound or one_off):
                    continue
            if any(start < e and start + n > s for s, e in taken):
                continue
            nxt = flat[start + n : start + n + 1]
            # a pause ends a name, unless a trade word follows it ("海纳 电器" is another company)
            paused = (
                chars[start + n - 1][0] + 1 < len(text)
                and text[chars[start + n - 1][0] + 1].isspace()
                and not _TRADE_AHEAD.match(flat, start + n)
            )
            if n <= 2 and has_cjk and nxt and _NAME_CONTINUES.match(nxt) and nxt not in _FREE_AFTER and not paused:
                continue
            # "海纳家居建材城那家": a trade word right after a short alias makes another company's name
            if n <= 2 and has_cjk and _TRADE_AHEAD.match(flat, start + n) and not paused:
                continue
            # a three-character slip ("销售一" for 销售易) only where a name can end: not "销售一部", "销售一百个"
            if (
                has_cjk
                and not exact
                and (n < 3 or (n == 3 and nxt and nxt not in _FREE_AFTER and nxt not in "，。、！？,.!?;；：:"))
            ):
                continue
            o_start, o_end = chars[start][0], chars[start + n - 1][0] + 1
            hits.append(NameHit(canonical, o_start, o_end, text[o_start:o_end], exact))
            taken.append((start, start + n))
    return sorted(hits, key=lambda h: h.start)


# --- storage: the console's edits -------------------------------------------------------------------------


class OrgProfileRecord(SQLModel, table=True):
    """The org profile as last saved in the console (one row); the settings fill what it does not say."""

    __tablename__ = "org_profile"
    id: Optional[int] = Field(default=None, primary_key=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_by: Optional[str] = Field(default=None, max_length=128)
    updated_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


async def load_org_profile(db, settings) -> OrgProfile:
    """The profile to use now: the settings, with what an admin saved in the console over them.
    A database without the table yet (an old schema) gives the settings' profile."""
    base = OrgProfile.from_settings(settings)
    try:
        async with db.session() as s:
            row = (await s.execute(select(OrgProfileRecord).order_by(OrgProfileRecord.id.desc()))).scalars().first()
    except Exception:  # noqa: BLE001 - no table yet: the settings are the profile
        return base
    return base.merged(row.data if row is not None else None)


async def store_org_profile(session, profile: OrgProfile, updated_by: str | None = None) -> OrgProfileRecord:
    """Write the profile in the caller's write session (so an audit row can commit with it)."""
    row = (await session.execute(select(OrgProfileRecord).order_by(OrgProfileRecord.id.desc()))).scalars().first()
    if row is None:
        row = OrgProfileRecord()
    row.data = profile.to_dict()
    row.updated_by = updated_by
    row.updated_at = datetime.now(timezone.utc)
    session.add(row)
    await session.flush()
    return row


async def save_org_profile(db, profile: OrgProfile, updated_by: str | None = None) -> OrgProfile:
    async with db.write() as s:
        await store_org_profile(s, profile, updated_by)
    return profile


def parse_profile_form(names: str, products: str, competitors: str) -> OrgProfile:
    """The console form: names and products one per line (or comma-separated), competitors one per line
    with aliases after "/" ("纷享销客/纷享/分享销客"). Raises ValueError with a Chinese message."""

    def items(value: str) -> list[str]:
        return [x.strip() for x in re.split(r"[\n,，、]+", value or "") if x.strip()]

    our = _dedupe(items(names))
    if not our:
        raise ValueError("至少要填一个我方公司名称，否则无法区分我方和客户")
    rivals = []
    for line in re.split(r"[\n,，]+", competitors or ""):
        parts = [p.strip() for p in re.split(r"[/／、]", line) if p.strip()]
        if parts:
            rivals.append(Competitor(parts[0], _dedupe(p for p in parts[1:] if p != parts[0])))
    clash = [n for n in our if any(n == alias for c in rivals for alias in c.names)]
    if clash:
        raise ValueError(f"「{clash[0]}」同时填在了我方名称和竞品里，请只保留一处")
    too_long = [x for x in (*our, *items(products), *(a for c in rivals for a in c.names)) if len(x) > 64]
    if too_long:
        raise ValueError(f"名称太长（最多 64 个字）：{too_long[0][:20]}…")
    return OrgProfile(our, _dedupe(items(products)), tuple(rivals))
