"""Spoken Chinese as speech recognition writes it down, made readable for the other parsers.

A rep dictating a visit report talks, and ASR keeps everything: fillers (嗯、呃、那个), self-corrections
(「五十二万 不对 是五十万整」), colloquial amounts (「四十个」 for 四十万 when talking money) and stray spaces
inside names (「恒泰 纺织」). `clean_spoken` turns that into what the rep meant, keeping the wording otherwise:

* an unpunctuated ASR run gets its clauses marked first (bot/zh_parse/asr.py), when `today` is given;
* fillers at the start of a clause are dropped;
* a correction keeps the corrected value: of two amounts (or two dates) with 不对/说错了/哦不/口误 between
  them, the first is dropped together with the correction words;
* 「N个」 after money words (预算、报价、价格、金额、合同、总价…) is N万 (sales slang: 四十个 = 四十万); a count
  of people, seats or accounts (「四十个账号」) is left alone.

`squeeze_spaces` removes the spaces ASR puts between Chinese characters, for matching names.
"""

from __future__ import annotations

import re
from datetime import date

from bot.zh_parse.asr import punctuate_asr
from bot.zh_parse.dates import find_dates
from bot.zh_parse.money import find_money

_FILLERS = re.compile(
    r"(?:(?<=^)|(?<=[，,。；;！!？?\s]))(?:嗯+|呃+|额+|啊+|唔+|那个|这个|就是说|然后呢|就是)[，,、\s]*"
)
_CORRECTION = (
    r"[，,、\s]*(?:不对不对|不对|不是不是|说错了|哦不|噢不|呃不|口误|更正一下|纠正一下)[，,、\s]*(?:是|应该是|改成)?\s*"
)
_CORRECTION_RE = re.compile(_CORRECTION)
_MONEY_WORDS = (
    r"预算|报价|价格|价钱|金额|合同额?|总价|单价|费用|成交价|出价|开价|标的|给到|谈到|压到|砍到|降到|报了|报到|"
    r"投入|可以投|能投|愿意投|能花|可以花|经费|资金"
)
# 「金额一百二十个，不对不对，一百个」: after a correction the money word is not repeated
_COLLOQUIAL = re.compile(
    # 「预算的话，周总说大概三十个左右吧」: the topic, a comma, then who said the figure
    # (a dictated run gets commas at its pauses: 「预算，的话卢经理说大概，三十个左右」)
    rf"(?P<lead>(?:(?:{_MONEY_WORDS})(?:的话[，,]?)?(?:[^，,。；;！!？?]|[，,](?![，,])){{0,14}}?"
    r"|(?:不对|不是|说错了|改成|应该是)[，,、\s]*(?:是)?))"
    r"(?P<num>(?!一个)[零一二两三四五六七八九十百\d.]+)(?P<approx>来|多)?个"
    # the count stands alone: 「一个模板」, 「四十个门店」 count things; 「十五个左右」 is a figure, whatever follows
    r"(?:(?P<tail>左右|上下|出头)|(?=$|[，,。；;！!？?、\s…他她我你咱这那]|吧|啊|呢|了|的样子|就|以内|可以|行|不|还|也))"
    r"(?!人|账号|号|用户|席位|点|月|星期|礼拜|工作日|小时|license|套|站点|门店|坐席|部门|工厂|项目|模块|家|台|辆|条|张|次|"
    r"版|位|名|校区|院区|客户|经销商|业务员|销售|孩子|学员|司机|店|仓)",
    re.I,
)
# 「大概四十个左右的预算」: the figure first, the money word after it
_COLLOQUIAL_BEFORE_MONEY = re.compile(
    r"(?P<num>(?!一个)[零一二两三四五六七八九十百]+)(?P<approx>来|多)?个(?P<tail>左右|上下)?(?=的?(?:预算|费用|报价))"
)
_ASR_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def squeeze_spaces(text: str) -> str:
    """「恒泰 纺织」 → 「恒泰纺织」: spaces ASR puts between Chinese characters."""
    return _ASR_SPACE.sub("", text)


def _drop_corrected(text: str, spans: list[tuple[int, int]]) -> str:
    """Of two mentions with a correction between them, keep the second."""
    for (a0, a1), (b0, _b1) in zip(spans, spans[1:]):
        between = text[a1:b0]
        if _CORRECTION_RE.fullmatch(between) and re.search(r"不|错|误|更正|纠正", between):
            return text[:a0] + text[b0:]
    return text


_MONEY_BEFORE = re.compile(rf"万|{_MONEY_WORDS}")


def colloquial_wan(text: str) -> str:
    """「预算的话葛总说今年大概四十个」 → 「…四十万」: money slang made explicit, same length (spans stay valid).
    After a correction word only when money was just being talked about: 「一百二十万，不对，一百个」 is money,
    「不对，四十五个，还有五个店长」 is a head count."""

    def wan(m: re.Match) -> str:
        if not re.match(_MONEY_WORDS, m["lead"]) and not _MONEY_BEFORE.search(text[max(0, m.start() - 16) : m.start()]):
            return m.group(0)
        return f"{m['lead']}{m['num']}{m['approx'] or ''}万{m['tail'] or ''}"

    text = _COLLOQUIAL.sub(wan, text)
    return _COLLOQUIAL_BEFORE_MONEY.sub(lambda m: f"{m['num']}{m['approx'] or ''}万{m['tail'] or ''}", text)


def clean_spoken(text: str, today: date | None = None) -> str:
    text = (text or "").strip()
    if today is not None:
        text = punctuate_asr(text, today)
    text = _FILLERS.sub("", text)
    text = colloquial_wan(text)
    for _ in range(3):  # 「四十万 不对 五十万 哦不 五十二万」: each correction in turn
        spans = [(m.span[0], m.span[1]) for m in find_money(text)]
        fixed = _drop_corrected(text, spans)
        if fixed == text and today is not None:
            fixed = _drop_corrected(text, [(d.span[0], d.span[1]) for d in find_dates(text, today)])
        if fixed == text:
            break
        text = fixed
    return text.strip(" ，,")
