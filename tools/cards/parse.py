"""OCR lines of a business card (名片) → its fields. Pure functions: no I/O, no model.

A card photo gives a handful of text lines with their boxes and confidences (ocr.py). The fields come from
what each line is, not from where a layout usually puts it, because layouts vary (horizontal, portrait,
two columns, a Chinese front with an English back):

* e-mail, website and phone numbers by their shape (a label such as 手机/T:/Mobile helps but is not needed);
  fax numbers are left out, and 「微信同号」 is a remark on the mobile, not a number;
* the company is the line that ends like a legal name (…有限公司, …分行, …厂); a parent-group header
  (「XX集团成员企业」「XX集团旗下」) is never the company;
* the name is the tallest short Chinese line that reads like a person's name; logo text (usually the
  company's short name, a part of the company line) and slogans are not;
* the title is a short line with a job word (经理/总监/工程师…), nearest the name; it may share the name's line;
* the address is the line with a label 地址/A:/Add or the shape of a Chinese address, with its wrapped tail.

English lines (the back side) never fill a field except numbers and e-mails, which are the same on both
sides. A field whose line was read with low confidence is reported as unclear (「看不清」), never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

UNCLEAR_SCORE = 0.80  # below this the recogniser itself is unsure; a wrong digit in a phone is worse than none
FIELDS = ("name", "title", "company", "phones", "email", "address", "website")

_SURNAMES = set(
    "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊"
    "葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉"
    "骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏"
    "宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝于鄢荆"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "慕容", "皇甫", "令狐", "公孙", "司徒", "夏侯", "尉迟")
_TITLE_WORDS = re.compile(
    r"(总经理|副总经理|董事长|副董事长|董事|监事|总裁|副总裁|首席\w{1,4}官|总监|经理|主任|主管|工程师|专员|顾问|代表|助理|秘书|"
    r"会计|出纳|行长|院长|所长|部长|处长|科长|厂长|店长|组长|合伙人|律师|医生|医师|教授|研究员|设计师|负责人|架构师|"
    r"总工|主席|书记|创始人|主理人|讲师|编辑|记者|策划|分析师|规划师|建筑师|主播|掌柜|CEO|CTO|CFO|COO|VP)"
)
_COMPANY_END = re.compile(
    r"(有限公司|有限责任公司|股份公司|集团公司|公司|分公司|分行|支行|银行|集团|研究院|研究所|设计院|事务所|医院|大学|学院|"
    r"学校|中心|厂|商行|工作室|合作社|协会|商会|基金会|委员会|管理局|[\u4e00-\u9fff]局)$"
)
# a parent group named above the company, or a membership line: decoration, never the company
_GROUP_HEADER = re.compile(r"成员|旗下|隶属|下属|子公司|控股企业|集团企业|member|subsidiary", re.I)
_ADDRESS_LABEL = re.compile(r"^(?:(?:地址|地\s*址|公司地址|办公地址|厂址|Add(?:ress)?)\s*[:.]?|A\s*[:.])\s*", re.I)
_ADDRESS_SHAPE = re.compile(r"[省市区县镇乡村]|路|街|道|巷|弄|号|楼|座|室|层|园|大厦|广场|中心")
_PHONE_LABEL = re.compile(
    r"^(?:(?:手机|移动电话|电话|座机|固话|总机|直线|办公电话|热线|服务热线|Mobile|Mob|Cell|Phone|Tel)\s*[:.]?|[MTPH]\s*[:.])\s*",
    re.I,
)
_FAX = re.compile(r"传真|fax|(?:^|\s)F\s*[:：]", re.I)
_EMAIL_LABEL = re.compile(r"^(?:(?:邮箱|电子邮箱|邮件|E-?mail|Mail)\s*[:.]?|E\s*[:.])\s*", re.I)
_WEB_LABEL = re.compile(r"^(?:(?:网址|网站|官网|主页|Web(?:site)?|URL)\s*[:.]?|W\s*[:.])\s*", re.I)
_DOMAIN = re.compile(
    r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|cn|net|org|cc|io|co|biz|info|top|vip|tech)(?:\.cn)?(?:/\S*)?", re.I
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_WEBSITE = re.compile(
    r"(?:https?://)?(?:www\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?"
    r"|(?:https?://)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?",
    re.I,
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(
    r"(?<!\d)(?:\+?86[\s-]?)?(?:\(0?\d{2,3}\)|0\d{2,3}|[1-9]\d(?=[\s-]\d{4}))[\s-]?\d{3,4}[\s-]?\d{4}"
    r"(?:\s*(?:转|分机|ext\.?|x|-)\s*\d{1,5})?(?!\d)"
    r"|(?<!\d)[48]00[\s-]?\d{3}[\s-]?\d{4}(?!\d)",
    re.I,
)
_WECHAT_SAME = re.compile(r"[（(]?\s*(微信同号|同微信|微信同手机)\s*[)）]?")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Line:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 (axis-aligned bounds of the OCR quad)
    score: float

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@dataclass
class CardFields:
    name: str | None = None
    title: str | None = None
    company: str | None = None
    phones: list[str] = field(default_factory=list)
    email: str | None = None
    address: str | None = None
    website: str | None = None
    unclear: list[str] = field(default_factory=list)  # fields present on the card but not read with confidence
    lines: list[str] = field(default_factory=list)  # what was read, for the evidence

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "company": self.company,
            "phones": list(self.phones),
            "email": self.email,
            "address": self.address,
            "website": self.website,
            "unclear": list(self.unclear),
        }

    def is_empty(self) -> bool:
        return not (self.name or self.company or self.phones or self.email)


def normalize(text: str) -> str:
    """Full-width ASCII to half-width, the OCR's stray spaces around punctuation squeezed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("：", ":").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", " ", text).strip()


def lines_from_ocr(result) -> list[Line]:
    """RapidOCR's [(quad, text, score), …] → Line objects, top to bottom."""
    out = []
    for quad, text, score in result or []:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        text = normalize(str(text))
        if text:
            out.append(Line(text, (min(xs), min(ys), max(xs), max(ys)), float(score)))
    out.sort(key=lambda ln: (round(ln.cy / 8), ln.box[0]))
    return out


_SEGMENT_LABEL = re.compile(r"(传真|fax|电话|手机|座机|Tel|Mobile|Phone|(?<![A-Za-z])[MTF]\s*[:：])", re.I)


def _without_fax(text: str) -> str:
    """The line with its fax part cut out: from the fax label up to the next label (or the end)."""
    marks = [m.start() for m in _SEGMENT_LABEL.finditer(text)] + [len(text)]
    kept = [text[: marks[0]]]
    for start, end in zip(marks, marks[1:]):
        part = text[start:end]
        if not _FAX.match(part.strip()):
            kept.append(part)
    return " ".join(p.strip(" |/·;；,，") for p in kept if p.strip(" |/·;；,，"))


def _legal_core(text: str) -> str:
    """The name without a trailing legal-form bracket: 「…会计师事务所（特殊普通合伙）」 ends like a firm."""
    return re.sub(r"\([^()]{2,8}\)$", "", text.replace(" ", ""))


def _is_cjk_line(text: str) -> bool:
    return bool(_CJK.search(text))


def looks_like_name(text: str) -> bool:
    t = text.replace(" ", "").replace("·", "")
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", t):
        return False
    if t.startswith(_COMPOUND_SURNAMES):
        return len(t) >= 3
    return t[0] in _SURNAMES and not _TITLE_WORDS.search(t) and not _COMPANY_END.search(t)


def _strip_label(pattern: re.Pattern, text: str) -> str:
    return pattern.sub("", text, count=1).strip()


def _phones_in(text: str) -> list[str]:
    """The numbers a line prints: mobiles as plain digits, landlines as printed (extensions kept)."""
    text = _WECHAT_SAME.sub(" ", text)
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _LANDLINE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if _MOBILE.fullmatch(m.group(0).strip()) or re.fullmatch(r"(86)?1[3-9]\d{9}", digits):
            continue
        found.append((m.start(), re.sub(r"\s+", " ", m.group(0).strip())))
        taken.append(m.span())
    for m in _MOBILE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        found.append((m.start(), m.group(1) + m.group(2) + m.group(3)))
    return [p for _, p in sorted(found)]


def phone_key(phone: str) -> str:
    """Digits of a number with its extension, for telling two printings of one number apart."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) in (13, 12, 11) and not digits.startswith("860"):
        digits = digits[2:]
    return digits


def parse_card(lines: list[Line]) -> CardFields:
    fields = CardFields(lines=[ln.text for ln in lines])
    if not lines:
        return fields
    used: set[int] = set()

    def unclear(name: str, line: Line) -> bool:
        if line.score < UNCLEAR_SCORE:
            if name not in fields.unclear:
                fields.unclear.append(name)
            return True
        return False

    # numbers, e-mail, website: by shape
    seen_phones: set[str] = set()
    for i, ln in enumerate(lines):
        text = ln.text
        if _EMAIL.search(text) or (_EMAIL_LABEL.match(text) and "@" in text):
            m = _EMAIL.search(_strip_label(_EMAIL_LABEL, text))
            used.add(i)
            if m and fields.email is None and not unclear("email", ln):
                fields.email = re.sub(r"^(e-?mail|mail)[:.]?", "", m.group(0).lower())
            continue
        web = _WEBSITE.search(text)
        if web is None and _WEB_LABEL.match(text) and "@" not in text:
            web = _DOMAIN.search(_strip_label(_WEB_LABEL, text))  # 「网址：hengtai.com」 without www
        if web and "@" not in text:
            used.add(i)
            if fields.website is None and not unclear("website", ln):
                fields.website = web.group(0).rstrip("/")
            continue
        if _FAX.search(text):
            text = _without_fax(text)  # 「电话… 传真…」: the fax number is not a phone
            if not re.search(r"\d{5}", text):
                used.add(i)
                continue
        phones = _phones_in(_strip_label(_PHONE_LABEL, text)) if re.search(r"\d{3}", text) else []
        if phones:
            used.add(i)
            if unclear("phones", ln):
                continue
            for p in phones:
                key = phone_key(p)
                if key not in seen_phones:
                    seen_phones.add(key)
                    fields.phones.append(p)
            continue
        if _PHONE_LABEL.match(text) and len(re.sub(r"\D", "", text)) >= 5:
            # a labelled number that does not read as one (a smudged digit read as a letter): unclear
            used.add(i)
            if "phones" not in fields.unclear:
                fields.unclear.append("phones")
            continue
        if _WECHAT_SAME.fullmatch(text):
            used.add(i)

    # company: a line ending like a legal name; the longest wins; group headers never
    for i, ln in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        joined = (ln.text + nxt.text).replace(" ", "")
        if (
            i not in used
            and i + 1 not in used
            and _is_cjk_line(ln.text)
            and not _COMPANY_END.search(_legal_core(ln.text))
            and re.search(r"(有限公司|分行|支行|分公司)$", joined)
            and 0 <= nxt.box[1] - ln.box[3] < ln.height
            and abs(nxt.box[0] - ln.box[0]) < ln.height
            and len(nxt.text) <= 4
        ):
            ln.text = joined
            used.add(i + 1)
    companies = [
        (i, ln)
        for i, ln in enumerate(lines)
        if i not in used
        and _is_cjk_line(ln.text)
        and _COMPANY_END.search(_legal_core(ln.text))
        and not _GROUP_HEADER.search(ln.text)
        and not _ADDRESS_LABEL.match(ln.text)
        and len(ln.text.replace(" ", "")) >= 4
    ]
    company_line = None
    if companies:
        legal = [c for c in companies if re.search(r"公司|分行|支行|厂|院|所", c[1].text)]
        pool = legal or companies
        top = min(ln.box[1] for ln in lines)
        # a parent group is printed above the company, usually in smaller type: the top line loses when there
        # are others, then the taller line wins, then the longer
        i, company_line = max(
            pool,
            key=lambda c: (len(pool) == 1 or c[1].box[1] > top + 2, round(c[1].height / 4), len(c[1].text)),
        )
        used.add(i)
        used.update(j for j, _ in companies)  # the other company-like lines are a group's or a logo's: no field
        if not unclear("company", company_line):
            fields.company = company_line.text.replace(" ", "")
    for i, ln in enumerate(lines):  # the group header and other company-like lines are decoration
        if i not in used and _GROUP_HEADER.search(ln.text):
            used.add(i)

    # address: labelled, or shaped like one; a wrapped tail right under it joins
    address_i = None
    for i, ln in enumerate(lines):
        if i in used or not _is_cjk_line(ln.text):
            continue
        labelled = bool(_ADDRESS_LABEL.match(ln.text)) and len(_strip_label(_ADDRESS_LABEL, ln.text)) >= 4
        body = _strip_label(_ADDRESS_LABEL, ln.text) if labelled else ln.text
        shaped = len(body) >= 8 and len(set(_ADDRESS_SHAPE.findall(body))) >= 2 and re.search(r"\d|[省市区县]", body)
        if (labelled or shaped) and not _TITLE_WORDS.search(body[-4:]):
            address_i = i
            used.add(i)
            parts, low = [body.replace(" ", "")], ln.score < UNCLEAR_SCORE
            last = ln
            for j in range(i + 1, len(lines)):
                nxt = lines[j]
                if j in used or not _is_cjk_line(nxt.text) and not re.fullmatch(r"[\dA-Za-z\-]+.*", nxt.text):
                    continue
                gap = nxt.box[1] - last.box[3]
                if (
                    0 <= gap < 0.9 * last.height
                    and abs(nxt.box[0] - last.box[0]) < 1.5 * last.height
                    and abs(nxt.height - last.height) < 0.45 * last.height
                    and not _PHONE_LABEL.match(nxt.text)
                    and len(nxt.text) <= len(last.text)
                ):
                    parts.append(nxt.text.replace(" ", ""))
                    used.add(j)
                    low = low or nxt.score < UNCLEAR_SCORE
                    last = nxt
                else:
                    break
            if low:
                fields.unclear.append("address")
            else:
                fields.address = "".join(parts)
            break

    # the name: the tallest Chinese line that reads like a name (logo text is part of the company line)
    company_text = fields.company or (company_line.text if company_line else "")
    candidates = []
    for i, ln in enumerate(lines):
        if i in used or not _is_cjk_line(ln.text):
            continue
        head = ln.text.split(" ")[0]
        whole = ln.text.replace(" ", "")
        for text in {whole, head}:
            if looks_like_name(text) and not (company_text and text in company_text):
                candidates.append((ln.height, i, ln, text))
    if not candidates:  # an uncommon surname: the tallest short Chinese line that is nothing else
        for i, ln in enumerate(lines):
            t = ln.text.replace(" ", "")
            if (
                i not in used
                and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", t)
                and not _TITLE_WORDS.search(t)
                and not _COMPANY_END.search(t)
                and not (company_text and t in company_text)
            ):
                candidates.append((ln.height, i, ln, t))
        tallest = max((ln.height for ln in lines), default=0)
        candidates = [c for c in candidates if c[0] >= 0.8 * tallest]
    name_line = None
    if candidates:
        _, i, name_line, text = max(candidates, key=lambda c: (c[0], -c[1]))
        used.add(i)
        if not unclear("name", name_line):
            fields.name = text.replace(" ", "")
        rest = name_line.text.replace(" ", "")[len(text) :]
        if rest and _TITLE_WORDS.search(rest):  # 「严志强 采购总监」 read as one line
            fields.title = rest.strip(" |/·")
    elif any(_is_cjk_line(ln.text) and ln.score < UNCLEAR_SCORE for ln in lines):
        fields.unclear.append("name")

    # the title: a short Chinese line with a job word, nearest the name
    if fields.title is None:
        titles = []
        for i, ln in enumerate(lines):
            t = ln.text.replace(" ", "")
            if i in used or not _is_cjk_line(t) or len(t) > 16 or not _TITLE_WORDS.search(t):
                continue
            if _COMPANY_END.search(t) and not _TITLE_WORDS.search(t[-4:]):
                continue
            dist = abs(ln.cy - name_line.cy) + abs(ln.box[0] - name_line.box[2]) * 0.2 if name_line else ln.box[1]
            titles.append((dist, i, ln, t))
        if titles:
            _, i, ln, t = min(titles, key=lambda c: c[0])
            used.add(i)
            # 「研发部 高级工程师」 read as two boxes on one row: the department joins the title, in reading order
            for j, other in enumerate(lines):
                o = other.text.replace(" ", "")
                if (
                    j not in used
                    and re.fullmatch(r"[\u4e00-\u9fff]{1,8}(部|中心|处|科|室|组|事业部|大区|区|分部|办公室)", o)
                    and abs(other.cy - ln.cy) < 0.5 * ln.height
                    and min(abs(other.box[2] - ln.box[0]), abs(ln.box[2] - other.box[0])) < 3 * ln.height
                ):
                    used.add(j)
                    t = o + " " + t if other.box[0] < ln.box[0] else t + " " + o
                    break
            if not unclear("title", ln):
                fields.title = t
    if address_i is None and any(_ADDRESS_LABEL.match(ln.text) and ln.score < UNCLEAR_SCORE for ln in lines):
        fields.unclear.append("address")
    return fields
