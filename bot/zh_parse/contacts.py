"""Phone numbers (Chinese mobiles and landlines, also read out in Chinese digits) and e-mail addresses.

Numbers are read in any grouping people say or type them: "138 1234 5678", "1381 234 5678", "138-0571-2233",
"139，0755，2618" (read out in groups),
"021-5892 3366", "0571 8888 6666"; spoken digits with 幺 (1) and 洞 (0) too, landlines included
("零五五一 六三八二 九九零七").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.zh_parse.text import _overlaps, normalize


@dataclass(frozen=True, slots=True)
class Contact:
    value: str  # normalized: "13800138000", "021-12345678", "li@example.com"
    kind: str  # mobile | landline | email
    span: tuple[int, int]
    text: str


_MOBILE_RE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)\s?86[\s-]?|86[\s-]|86(?=1[3-9]\d{9}(?!\d)))?"
    r"(?P<a>1[3-9]\d)(?P<rest>[ \t,，、-]\s?\d{4}[ \t,，、-]\s?\d{4}|(?:[ \t-]?\d){8})(?!\d)"
)
_SPACED_MOBILE_RE = re.compile(r"(?<![\d+])1[ \t][3-9](?:[ \t]\d){9}(?![ \t]?\d)")
_LANDLINE_RE = re.compile(
    # ("0571—87654321": a long dash typed between area code and number)
    r"(?<![\d(])\(?(?P<area>0(?:10|2\d|[3-9]\d{2}))\)?[ \t\-—–－]?(?P<num>[1-9]\d{2,3}[ \t\-—–－]?\d{4}|[1-9]\d{6,7}|[1-9]\d{3}[ \t\-—–－]\d{3})"
    r"(?:\s*(?:转|-|ext\.?|x)\s*(?P<ext>\d{1,6}))?(?!\d)",
    re.I,
)
_ASR_DIGITS = {
    "零": "0",
    "〇": "0",
    "洞": "0",
    "幺": "1",
    "一": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_ASR_CLASS = "零〇洞幺一二两三四五六七八九"
_ASR_MOBILE_RE = re.compile(
    rf"(?<![{_ASR_CLASS}])[幺一][三四五六七八九](?:[\s,，]?[{_ASR_CLASS}]){{9}}(?![{_ASR_CLASS}])"
)
# "办公室电话零五五一 六三八二 九九零七": a landline read out, the area code first
_ASR_LANDLINE_RE = re.compile(rf"(?<![{_ASR_CLASS}])[零洞〇](?:[\s,，]?[{_ASR_CLASS}]){{9,11}}(?![{_ASR_CLASS}])")
# "手机一八一零二八三，后四位五五六九", "1380571，尾号2266": a mobile given in two pieces, joined by the words
# that say the second piece is its last four digits
_DIGIT = rf"[\d{_ASR_CLASS}]"
_PIECES_MOBILE_RE = re.compile(
    rf"(?<!{_DIGIT})(?P<head>(?:1|[幺一])[3-9三四五六七八九](?:[ \t,，]?{_DIGIT}){{5}})"
    r"[\s,，。]*(?:后四位|后面四位|最后四位|后四个数?|尾号|后面是|然后是)(?:是|数是|数字是)?[\s,，:：]*"
    rf"(?P<tail>{_DIGIT}(?:[ \t]?{_DIGIT}){{3}})(?!{_DIGIT})"
)
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<local>[A-Za-z0-9._%+-]+)@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"(?![A-Za-z0-9-])"
)


def find_phones(text: str) -> list[Contact]:
    """Chinese mobiles (with +86, spaces, dashes; or read out in Chinese digits) and landlines."""
    norm = normalize(text)
    found: list[Contact] = []
    for m in _MOBILE_RE.finditer(norm):
        # read out in any grouping: "138 1234 5678", "1381 234 5678", "138-0571-2233"
        digits = m.group("a") + re.sub(r"\D", "", m.group("rest"))
        found.append(Contact(digits, "mobile", m.span(), text[m.start() : m.end()]))
    for m in _SPACED_MOBILE_RE.finditer(norm):  # "1 3 5 7 7 0 2 3 1 4 6": speech read digit by digit
        if not _overlaps(m.span(), [c.span for c in found]):
            found.append(Contact(re.sub(r"\D", "", m.group()), "mobile", m.span(), text[m.start() : m.end()]))
    mobile_spans = [c.span for c in found]
    for m in _LANDLINE_RE.finditer(norm):
        if _overlaps(m.span(), mobile_spans):
            continue
        number = re.sub(r"\D", "", m.group("num"))
        value = f"{m.group('area')}-{number}" + (f"-{m.group('ext')}" if m.group("ext") else "")
        found.append(Contact(value, "landline", m.span(), text[m.start() : m.end()]))
    for m in _ASR_MOBILE_RE.finditer(norm):
        digits = "".join(_ASR_DIGITS[ch] for ch in m.group() if ch in _ASR_DIGITS)
        found.append(Contact(digits, "mobile", m.span(), text[m.start() : m.end()]))
    for m in _ASR_LANDLINE_RE.finditer(norm):
        digits = "".join(_ASR_DIGITS[ch] for ch in m.group() if ch in _ASR_DIGITS)
        line = _LANDLINE_RE.fullmatch(digits)
        if line and not _overlaps(m.span(), [c.span for c in found]):
            found.append(Contact(f"{line.group('area')}-{line.group('num')}", "landline", m.span(), m.group()))
    for m in _PIECES_MOBILE_RE.finditer(norm):
        if _overlaps(m.span(), [c.span for c in found]):
            continue
        digits = "".join(_ASR_DIGITS.get(ch, ch) for ch in m.group("head") + m.group("tail") if ch.strip(" \t,，"))
        found.append(Contact(digits, "mobile", m.span(), text[m.start() : m.end()]))
    found.sort(key=lambda c: c.span)
    return found


def find_emails(text: str) -> list[Contact]:
    norm = normalize(text)
    return [
        Contact(f"{m.group('local')}@{m.group('domain').lower()}", "email", m.span(), text[m.start() : m.end()])
        for m in _EMAIL_RE.finditer(norm)
    ]
