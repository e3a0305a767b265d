"""Punctuation for speech recognition output, so that clause-by-clause readers can read a spoken report.

Many ASR engines return a spoken visit report as one run with no punctuation. Some put a space where the
speaker paused, and also inside words where the speaker only hesitated: 「嗯 那个 刚从瑞 丰包装出来 见了
采购的吴 经理 … 预算的话 大概 四十个 嗯 下周三之前 我把报价发过去」. Turning every space into a comma cuts
names and separates a date from its action; removing every space leaves one clause that holds the visit,
the money and the next step together. `punctuate_asr` does neither: it decides gap by gap.

A gap joins its two sides when they belong together:
* one side is a single character that is not a filler (「卓 总」, 「华 顺 律师事务所」, spelled digits);
* the right side starts with a title (「吴 经理」) or is the tail of a company name (「恒 通物流」);
* the right side starts with a number or an estimate word (「预算 大概 四十个」, 「不是 六十五」);
* the left side is only a date (「下周三之前 我把报价发过去」), or the right side is a date after a subject
  (「我这边 月底前 出方案」).
Every other gap is a pause between clauses and becomes 「，」; filler words standing alone (嗯、那个、然后…)
are dropped. A long run with no spaces at all is cut before fillers, discourse words and dates that start a
clause. Text that already has punctuation is returned unchanged.
"""

from __future__ import annotations

import re
from datetime import date

from bot.zh_parse.dates import find_dates
from bot.zh_parse.orgnames import TRADE_WORDS

CJK = "\u4e00-\u9fff"
PUNCTUATION = re.compile(r"[，,。！？!?；;：:、\n]")
_GAP = re.compile(rf"(?<=[{CJK}])[ \t\u3000]+(?=[{CJK}])")
_FILLER = re.compile(r"^(?:嗯+|呃+|额+|啊+|唔+|哦+|噢+|诶|那个+|这个|然后|然后呢|就是|就是说|对|对对|好|反正)$")
_TITLE_HEAD = re.compile(
    r"^(?:总(?![共计体之是在])|经理|工(?![作厂程资])|院长|校长|园长|律师|主任|老师|厂长|总监|助理|主管|局长|处长|科长|"
    r"所长|会计|秘书|董事长|董|姐|哥|部长|店长|医生|教授|博士|老板)"
)
# a chunk like 「通物流」 or 「律师事务所」 finishes a company name the speaker hesitated in
_NAME_TAIL = re.compile(rf"^[{CJK}]{{0,4}}?(?:{TRADE_WORDS})")
_NUMBER_HEAD = re.compile(
    r"^(?:[0-9零幺一二两三四五六七八九十百千万洞]|大概|大约|差不多|左右|上下|将近|不到|一共|总共|至少|最多)"
)
_SPOKEN_DIGITS = re.compile(r"^[0-9零幺一二两三四五六七八九洞]+$")
# a left side that wants its object on the right: 「见了 邬总」, 「财务的 宁姐」, 「我把 正式方案发过去」
_OBJECT_WANTED = re.compile(
    r"(?:见了|去了|去了趟|趟|到了|约了|找了|拜访了?|是|叫|的|把|给|跟|和|对|在|从|带|约|找|向|帮|让|被)$"
)
_DIRECTIONAL = re.compile(r"^(?:出来|过去|过来|回来|回去|一下)")
# a lone pronoun or conjunction starts the next clause rather than ending this one
_LEADS_RIGHT = set("我他她和跟但")
_SUBJECT_HEAD = re.compile(r"^(?:我这边|我们这边|我们|我|他们说|她们说|他们|她们|咱们|客户说|客户|他说|她说)")
_SUBJECT_TAIL = re.compile(r"(?:我|我这边|我们|我们这边|他们|她们|咱们|客户|对方|他|她|说)$")
_DATE_TAIL_WORDS = re.compile(r"(?:之前|以前|前|之内|以内|内|左右|上午|下午|晚上|早上|中午|的时候|那天)+$")
# where a run with no spaces starts a new clause
_RUN_BREAK = re.compile(
    r"(?:嗯+|呃+|然后|还有就是|另外|不过|但是|所以说|对了|反正)"
    r"|(?:我这边|我回头|我们这边|我把|我先|我再|我下|我明|我月|我们下|他们说|她们说|客户说|他说|她说)"
)
_LONG_RUN = 30


def looks_like_asr_run(text: str) -> bool:
    """A spoken report as ASR writes it: long, with pauses as spaces or no breaks at all, and hardly any
    punctuation (a punctuated transcript or a typed note is left alone)."""
    body = (text or "").strip()
    if len(body) < 20:
        return False
    marks = len(PUNCTUATION.findall(body))
    gaps = len(_GAP.findall(body))
    if gaps >= 3:
        return marks <= gaps // 4
    return marks == 0 and len(body) >= _LONG_RUN


def _date_only(chunk: str, today: date) -> bool:
    found = [d for d in find_dates(chunk, today) if d.kind != "duration"]
    if not found:
        return False
    rest = chunk[: found[0].span[0]] + chunk[found[-1].span[1] :]
    rest = _DATE_TAIL_WORDS.sub("", rest.strip())
    return not _SUBJECT_HEAD.sub("", rest)


def _starts_with_date(chunk: str, today: date) -> bool:
    return any(d.span[0] == 0 for d in find_dates(chunk, today))


def _joins(left: str, right: str, clause: str, today: date) -> bool:
    """Does the gap between chunk `left` (the end of `clause`) and chunk `right` sit inside a clause?"""
    if _FILLER.match(left) or _FILLER.match(right):
        return False
    if len(right) == 1 and right in _LEADS_RIGHT:
        return False
    if len(left) == 1 or len(right) == 1:
        return True
    if _OBJECT_WANTED.search(left) or _DIRECTIONAL.match(right):
        return True
    if _SPOKEN_DIGITS.match(left) and _SPOKEN_DIGITS.match(right):
        return True
    if _TITLE_HEAD.match(right) or _NAME_TAIL.match(right) or _NUMBER_HEAD.match(right):
        return True
    if _date_only(clause, today) or _date_only(left, today):
        return True
    return bool(_SUBJECT_TAIL.search(left) and _starts_with_date(right, today))


def _cut_run(run: str, today: date) -> str:
    """A run with no spaces: a comma before fillers, discourse words and dates that start a clause."""
    if len(run) < _LONG_RUN:
        return run
    cuts = {m.start() for m in _RUN_BREAK.finditer(run)}
    for d in find_dates(run, today):
        start = d.span[0]
        if start and run[start - 1] not in "在到于从是的前等和跟与或至":
            cuts.add(start)
    out, last = [], 0
    for cut in sorted(c for c in cuts if c >= 4):
        # 「下周三之前，我把报价发过去」 would part a date from its action
        if cut - last >= 4 and not _date_only(run[last:cut], today):
            out.append(run[last:cut])
            last = cut
    out.append(run[last:])
    return "，".join(p for p in out if p)


def punctuate_asr(text: str, today: date) -> str:
    """A spoken run with its clauses marked by 「，」 and the spaces inside words removed; other text unchanged.
    `today`: the day the report was spoken, for recognising dates."""
    if not looks_like_asr_run(text):
        return text
    lines = []
    for line in text.splitlines():
        chunks = [c for c in re.split(r"\s+", line.strip()) if c]
        clauses: list[list[str]] = []
        previous = ""
        for chunk in chunks:
            if _FILLER.match(chunk):
                if clauses and clauses[-1] and _OBJECT_WANTED.search(previous):
                    continue  # 「去 了 那个 华 信物流园」: a hesitation before the object, not a pause
                previous = chunk
                if clauses and clauses[-1]:
                    clauses.append([])
                continue
            if clauses and clauses[-1] and _joins(previous, chunk, "".join(clauses[-1]), today):
                clauses[-1].append(chunk)
                # a word pieced together from a single character (「小 汤」, 「华 顺」) is one unit from now on,
                # so the single-character rule does not also glue it to what follows
                single = len(previous) == 1 or len(chunk) == 1
                previous = previous + chunk if single and not _FILLER.match(previous) else chunk
                continue
            if clauses and not clauses[-1]:
                clauses[-1].append(chunk)
            else:
                clauses.append([chunk])
            previous = chunk
        parts = [_cut_run("".join(c), today) for c in clauses if c]
        lines.append("，".join(parts))
    return "\n".join(lines)
