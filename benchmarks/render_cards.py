"""Render business cards (名片) as photo-like JPEGs from a JSON list, for the card-reading benchmark and tests.

    .venv/bin/python benchmarks/render_cards.py [benchmarks/data/cards/cards.json] --out DIR [--clean]

Each card: {id, layout, name, title, company, phones, email, address, website, notes}; layouts `horizontal`,
`vertical` (a portrait card), `two-column`, `english-back` (the Chinese front and an English back side, both in
one photo). `notes` is decorative text the card also carries — logo text, slogans, QR captions, parent-group
header lines, 微信同号 — printed as distractors (a list, or one string split at ；; | or new lines). Fonts are
the CJK fonts on the machine (fc-list :lang=zh; Debian's fonts-noto-cjk); the photo noise is a slight
rotation, blur, uneven light and JPEG compression. Everything is seeded by the card id: the same card renders
the same way every time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CARDS = ROOT / "benchmarks" / "data" / "cards" / "cards.json"
W, H = 1000, 600  # a 90 × 54 mm card at about 280 dpi
INK = [(20, 20, 20), (30, 40, 70), (60, 30, 20), (15, 50, 45)]
ACCENT = [(180, 30, 40), (20, 80, 160), (0, 120, 90), (200, 120, 0), (90, 40, 140)]
PAPER = [(252, 252, 248), (246, 243, 235), (240, 245, 250), (255, 255, 255)]
_LABEL_STYLES = [
    {"mobile": "手机：", "tel": "电话：", "email": "邮箱：", "address": "地址：", "website": "网址："},
    {"mobile": "M: ", "tel": "T: ", "email": "E: ", "address": "A: ", "website": "W: "},
    {"mobile": "Mobile: ", "tel": "Tel: ", "email": "Email: ", "address": "地址：", "website": ""},
    {"mobile": "手机 ", "tel": "座机 ", "email": "E-mail ", "address": "", "website": ""},
]


# --- fonts ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def cjk_fonts() -> list[tuple[str, int]]:
    """(font file, face index) of every Simplified-Chinese-capable face on the machine."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh-cn", "file", "family"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    faces: list[tuple[str, int]] = []
    for path in sorted({line.split(":", 1)[0].strip() for line in out.splitlines() if line.strip()}):
        for index in range(12):
            try:
                font = ImageFont.truetype(path, 20, index=index)
            except OSError:
                break
            family, _style = font.getname()
            if "Mono" in family:
                continue
            # a collection holds JP/KR/SC/TC faces: the SC one draws the simplified shapes people see on cards
            if path.endswith(".ttc") and not any(tag in family for tag in ("SC", "GB", "Hei", "Micro", "WenQuanYi")):
                continue
            faces.append((path, index))
            if not path.endswith(".ttc"):
                break
    if not faces:
        sys.exit("没有找到中文字体：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）后再运行。")
    return faces


@lru_cache(maxsize=256)
def font(face: tuple[str, int], size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(face[0], size, index=face[1])


# --- card data ------------------------------------------------------------------------------------


def notes_items(notes) -> list[str]:
    """The decorative strings of a card's `notes` (a list, a dict, or one string)."""
    if not notes:
        return []
    if isinstance(notes, dict):
        items = [str(v) for v in notes.values() if v]
    elif isinstance(notes, (list, tuple)):
        items = [str(v) for v in notes if v]
    else:
        items = re.split(r"[；;|\n]+", str(notes))
    out = []
    for item in items:
        item = re.sub(
            r"^\s*(logo|LOGO|Logo|标志|徽标|slogan|Slogan|口号|标语|QR|二维码说明|header|抬头|集团抬头)\s*(文字|text)?\s*[:：]\s*",
            "",
            item,
        ).strip()
        if item:
            out.append(item)
    return out


def _kind_of_note(note: str) -> str:
    if "微信同号" in note or note in ("同微信", "微信同手机"):
        return "wechat_same"
    if re.search(r"扫码|扫一扫|二维码|关注|公众号|小程序|QR|scan", note, re.I):
        return "qr"
    if re.search(r"集团|旗下|成员企业|成员单位|子公司|隶属|控股|Group|member of", note, re.I):
        return "header"
    if len(note) <= 8 and not re.search(r"[，,。!！]", note):
        return "logo"
    return "slogan"


def _is_mobile(phone: str) -> bool:
    digits = re.sub(r"\D", "", phone)
    digits = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return len(digits) == 11 and digits.startswith("1") and not re.search(r"转|分机|ext|-\d{1,4}$", phone, re.I)


def _printed_mobile(phone: str, rng: random.Random) -> str:
    d = re.sub(r"\D", "", phone)[-11:]
    return rng.choice([d, f"{d[:3]} {d[3:7]} {d[7:]}", f"{d[:3]}-{d[3:7]}-{d[7:]}", d])


# --- drawing ----------------------------------------------------------------------------------------


class Canvas:
    def __init__(self, size: tuple[int, int], rng: random.Random, faces: list[tuple[str, int]]):
        self.rng = rng
        self.paper = rng.choice(PAPER)
        self.image = Image.new("RGB", size, self.paper)
        self.draw = ImageDraw.Draw(self.image)
        self.ink = rng.choice(INK)
        self.accent = rng.choice(ACCENT)
        regular = [f for f in faces if "Bold" not in font(f, 20).getname()[1]] or faces
        bold = [f for f in faces if "Bold" in font(f, 20).getname()[1]] or faces
        self.body_face = rng.choice(regular)
        self.name_face = rng.choice(bold + regular)

    def text(self, xy, s: str, size: int, *, bold: bool = False, fill=None, anchor: str = "la") -> tuple[int, int]:
        f = font(self.name_face if bold else self.body_face, size)
        self.draw.text(xy, s, font=f, fill=fill or self.ink, anchor=anchor)
        box = self.draw.textbbox(xy, s, font=f, anchor=anchor)
        return box[2], box[3]

    def width(self, s: str, size: int, bold: bool = False) -> int:
        f = font(self.name_face if bold else self.body_face, size)
        return int(self.draw.textlength(s, font=f))

    def fit(self, s: str, size: int, max_width: int, bold: bool = False) -> int:
        while size > 14 and self.width(s, size, bold) > max_width:
            size -= 1
        return size

    def logo(self, x: int, y: int, text: str | None) -> int:
        """A logo mark (a coloured shape) with its logo text; returns the x after it."""
        r = 26
        shape = self.rng.choice(["circle", "square", "diamond"])
        box = (x, y, x + 2 * r, y + 2 * r)
        if shape == "circle":
            self.draw.ellipse(box, fill=self.accent)
        elif shape == "square":
            self.draw.rounded_rectangle(box, 8, fill=self.accent)
        else:
            self.draw.polygon([(x + r, y), (x + 2 * r, y + r), (x + r, y + 2 * r), (x, y + r)], fill=self.accent)
        if text:
            return self.text((x + 2 * r + 12, y + r), text, 30, bold=True, fill=self.accent, anchor="lm")[0]
        return x + 2 * r

    def qr(self, x: int, y: int, caption: str | None, size: int = 110) -> None:
        """A QR-like square of modules with its caption under it."""
        cells = 21
        step = size / cells
        self.draw.rectangle((x, y, x + size, y + size), fill=(255, 255, 255))
        for i in range(cells):
            for j in range(cells):
                finder = (i < 7 and j < 7) or (i < 7 and j >= cells - 7) or (i >= cells - 7 and j < 7)
                on = (
                    (i in (0, 6) or j in (0, 6) or (2 <= i <= 4 and 2 <= j <= 4))
                    if finder and i < 7 and j < 7
                    else (self.rng.random() < 0.45)
                )
                if finder and not (i < 7 and j < 7):
                    ii, jj = i % (cells - 7) if i >= cells - 7 else i, j % (cells - 7) if j >= cells - 7 else j
                    on = ii in (0, 6) or jj in (0, 6) or (2 <= ii <= 4 and 2 <= jj <= 4)
                if on:
                    self.draw.rectangle(
                        (x + j * step, y + i * step, x + (j + 1) * step - 0.5, y + (i + 1) * step - 0.5), fill=self.ink
                    )
        if caption:
            size_c = self.fit(caption, 18, size + 60)
            self.text((x + size / 2, y + size + 8), caption, size_c, anchor="ma")


def _contact_lines(card: dict, rng: random.Random, style: dict, wechat_same: bool) -> list[str]:
    lines = []
    phones = list(card.get("phones") or [])
    mobile_done = False
    for phone in phones:
        if _is_mobile(phone):
            line = style["mobile"] + _printed_mobile(phone, rng)
            if wechat_same and not mobile_done:
                line += rng.choice(["（微信同号）", " 微信同号", "(微信同号)"])
            mobile_done = True
        else:
            line = style["tel"] + phone
        lines.append(line)
    if wechat_same and not mobile_done:
        lines.append("微信同号")
    if card.get("email"):
        lines.append(style["email"] + card["email"])
    if card.get("website"):
        lines.append(style["website"] + card["website"])
    return lines


def _address_lines(c: Canvas, card: dict, style: dict, size: int, max_width: int) -> list[str]:
    address = card.get("address") or ""
    if not address:
        return []
    text = style["address"] + address
    if c.width(text, size) <= max_width:
        return [text]
    # wrap at a character boundary, as card printers do
    lines, current = [], ""
    for ch in text:
        if c.width(current + ch, size) > max_width and current:
            lines.append(current)
            current = ch
        else:
            current += ch
    return lines + ([current] if current else [])


def _notes(card: dict) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {"wechat_same": [], "qr": [], "header": [], "logo": [], "slogan": []}
    for note in notes_items(card.get("notes")):
        kinds[_kind_of_note(note)].append(note)
    return kinds


def draw_front(c: Canvas, card: dict, layout: str) -> None:
    rng = c.rng
    w, h = c.image.size
    notes = _notes(card)
    style = rng.choice(_LABEL_STYLES)
    margin = 48
    # a band of colour along one edge, as most printed cards have
    if rng.random() < 0.6:
        c.draw.rectangle((0, h - 18, w, h), fill=c.accent)
    y = 34
    for header in notes["header"]:
        y = c.text((margin, y), header, c.fit(header, 20, w - 2 * margin), fill=(110, 110, 110))[1] + 10
    logo_text = notes["logo"][0] if notes["logo"] else None
    extra_logos = notes["logo"][1:]
    contact = _contact_lines(card, rng, style, bool(notes["wechat_same"]))
    qr_caption = notes["qr"][0] if notes["qr"] else None
    slogans = notes["slogan"] + notes["qr"][1:] + extra_logos
    name, title, company = card.get("name") or "", card.get("title") or "", card.get("company") or ""

    if layout == "vertical":
        cx = w // 2
        c.logo(cx - 26 - (c.width(logo_text, 30, True) // 2 + 6 if logo_text else 0), y + 6, logo_text)
        y += 90
        if company:
            y = c.text((cx, y), company, c.fit(company, 30, w - 2 * margin), anchor="ma")[1] + 40
        y = c.text((cx, y), name, 60, bold=True, anchor="ma")[1] + 16
        if title:
            y = c.text((cx, y), title, c.fit(title, 28, w - 2 * margin), fill=c.accent, anchor="ma")[1] + 40
        c.draw.line((margin, y, w - margin, y), fill=c.accent, width=2)
        y += 30
        size = 24
        for line in contact + _address_lines(c, card, style, size, w - 2 * margin):
            y = c.text((margin, y), line, c.fit(line, size, w - 2 * margin))[1] + 14
        if qr_caption:
            c.qr(cx - 55, y + 20, qr_caption)
            y += 170
        for slogan in slogans:
            y = c.text((cx, y + 16), slogan, c.fit(slogan, 22, w - 2 * margin), fill=(120, 120, 120), anchor="ma")[1]
        return

    if layout == "two-column":
        split = int(w * 0.42)
        c.logo(margin, y, logo_text)
        yl = y + 90
        yl = c.text((margin, yl), name, 54, bold=True)[1] + 14
        if title:
            yl = c.text((margin, yl), title, c.fit(title, 24, split - margin - 20), fill=c.accent)[1] + 14
        if company:
            yl = c.text((margin, yl), company, c.fit(company, 24, split - margin - 20))[1] + 8
        c.draw.line((split, y + 10, split, h - 70), fill=c.accent, width=3)
        yr = y + 20
        size = 22
        right = split + 40
        for line in contact + _address_lines(c, card, style, size, w - right - margin):
            yr = c.text((right, yr), line, c.fit(line, size, w - right - margin))[1] + 16
        if qr_caption:
            c.qr(w - margin - 100, h - 200, qr_caption, 100)
        for slogan in slogans:
            c.text((margin, h - 60), slogan, c.fit(slogan, 20, split - margin), fill=(120, 120, 120))
        return

    # horizontal: logo and company on top, the name large with the title beside it, contacts below
    x_after = c.logo(margin, y, logo_text)
    if company:
        top = c.fit(company, 26, w - x_after - margin - 30)
        c.text((w - margin, y + 26), company, top, anchor="rm") if logo_text else c.text(
            (x_after + 24, y + 26), company, top, anchor="lm"
        )
    y += 100
    name_bottom = c.text((margin, y), name, 56, bold=True)[1]
    if title:
        tx = margin + c.width(name, 56, True) + 36
        c.text((tx, name_bottom - 4), title, c.fit(title, 26, w - tx - margin), fill=c.accent, anchor="ld")
    y = name_bottom + 36
    size = 22
    qr_room = 170 if qr_caption else 0
    for line in contact + _address_lines(c, card, style, size, w - 2 * margin - qr_room):
        y = c.text((margin, y), line, c.fit(line, size, w - 2 * margin - qr_room))[1] + 12
    if qr_caption:
        c.qr(w - margin - 110, h - 210, qr_caption)
    for slogan in slogans:
        c.text((w - margin - qr_room, h - 52), slogan, c.fit(slogan, 20, 420), fill=(120, 120, 120), anchor="rs")


def _wrap(c: Canvas, text: str, size: int, max_width: int) -> list[str]:
    if c.width(text, size) <= max_width:
        return [text]
    lines, current = [], ""
    for ch in text:
        if c.width(current + ch, size) > max_width and current:
            lines.append(current)
            current = ch
        else:
            current += ch
    return lines + [current]


_TITLES_EN = (
    ("总经理", "General Manager"),
    ("副总裁", "Vice President"),
    ("董事长", "Chairman"),
    ("销售总监", "Sales Director"),
    ("市场总监", "Marketing Director"),
    ("技术总监", "CTO"),
    ("采购经理", "Purchasing Manager"),
    ("销售经理", "Sales Manager"),
    ("项目经理", "Project Manager"),
    ("工程师", "Engineer"),
    ("总监", "Director"),
    ("经理", "Manager"),
    ("主管", "Supervisor"),
    ("顾问", "Consultant"),
)


def _pinyin(text: str, *, surname_first: bool = True) -> str:
    try:
        from pypinyin import lazy_pinyin  # only the English back side needs it
    except ImportError:  # pragma: no cover - optional: the back side then carries no romanised name
        return ""
    syllables = [s for s in lazy_pinyin(text) if s.strip()]
    if not syllables:
        return ""
    if surname_first and len(syllables) >= 2:
        return f"{''.join(syllables[1:]).capitalize()} {syllables[0].capitalize()}"
    return " ".join(s.capitalize() for s in syllables)


def english_side(card: dict) -> dict:
    """What the English back says: the card's own `english` block, else derived from the Chinese front."""
    if card.get("english"):
        return card["english"]
    company = card.get("company") or ""
    core = re.sub(r"(股份)?有限(责任)?公司$|集团$", "", company)
    core = re.sub(
        r"^(北京|上海|天津|重庆|深圳|广州|杭州|南京|苏州|成都|武汉|西安|宁波|无锡|合肥|[\u4e00-\u9fff]{2}省)", "", core
    )
    title = next((en for zh, en in _TITLES_EN if zh in (card.get("title") or "")), "")
    return {
        "name": _pinyin(card.get("name") or ""),
        "title": title,
        "company": (_pinyin(core[:6], surname_first=False) + " Co., Ltd.").strip(),
    }


def draw_back(c: Canvas, card: dict) -> None:
    """The English side: a romanised name, an English title and company, and the same numbers."""
    w, h = c.image.size
    en = english_side(card)
    margin = 60
    y = 60
    c.logo(margin, y, None)
    company_en = en.get("company") or "Co., Ltd."
    c.text((margin + 80, y + 26), company_en, c.fit(company_en, 26, w - margin * 2 - 80), anchor="lm")
    y += 110
    y = c.text((margin, y), en.get("name") or "", 44, bold=True)[1] + 12
    if en.get("title"):
        y = c.text((margin, y), en["title"], c.fit(en["title"], 24, w - 2 * margin), fill=c.accent)[1] + 30
    for phone in card.get("phones") or []:
        label = "Mobile: " if _is_mobile(phone) else "Tel: "
        shown = _printed_mobile(phone, c.rng) if _is_mobile(phone) else phone
        y = c.text((margin, y), label + shown, 22)[1] + 12
    if card.get("email"):
        y = c.text((margin, y), "Email: " + card["email"], 22)[1] + 12
    if en.get("address"):
        for part in _wrap(c, "Add: " + en["address"], 20, w - 2 * margin):
            y = c.text((margin, y), part, 20)[1] + 8


# --- photo noise ----------------------------------------------------------------------------------


def photograph(card_image: Image.Image, rng: random.Random, quality: int | None = None) -> bytes:
    """The card as a phone photo of it: on a table, slightly turned, a little soft, unevenly lit, JPEG."""
    w, h = card_image.size
    pad = 40
    table = tuple(rng.randint(70, 150) for _ in range(3))
    photo = Image.new("RGB", (w + 2 * pad, h + 2 * pad), table)
    photo.paste(card_image, (pad, pad))
    photo = photo.rotate(rng.uniform(-3.0, 3.0), resample=Image.BICUBIC, expand=False, fillcolor=table)
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.1)))
    # uneven light: a brightness gradient from one corner
    light = Image.linear_gradient("L").resize(photo.size).rotate(rng.choice([0, 90, 180, 270]))
    dark = Image.new("RGB", photo.size, (0, 0, 0))
    photo = Image.composite(photo, dark, light.point(lambda v: int(255 - v * rng.uniform(0.18, 0.32) / 1.0)))
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=quality or rng.randint(55, 85))
    return buf.getvalue()


def render(card: dict, *, clean: bool = False) -> bytes:
    """One card → JPEG bytes (deterministic per card id)."""
    seed = int(hashlib.sha1(str(card.get("id")).encode()).hexdigest()[:8], 16)
    rng = random.Random(seed)
    faces = cjk_fonts()
    layout = card.get("layout") or "horizontal"
    size = (H, W) if layout == "vertical" else (W, H)
    front = Canvas(size, rng, faces)
    draw_front(front, card, layout)
    image = front.image
    if layout == "english-back":
        back = Canvas((W, H), rng, faces)
        back.ink, back.accent, back.paper = front.ink, front.accent, front.paper
        back.image = Image.new("RGB", (W, H), front.paper)
        back.draw = ImageDraw.Draw(back.image)
        draw_back(back, card)
        both = Image.new("RGB", (W, 2 * H + 40), (200, 200, 200))
        both.paste(front.image, (0, 0))
        both.paste(back.image, (0, H + 40))
        image = both
    if clean:
        buf = io.BytesIO()
        image.save(buf, "PNG")
        return buf.getvalue()
    return photograph(image, rng)


def phone_list(phones) -> list[str]:
    """A card's `phones`: a list, or one string with several numbers separated by ，;、/."""
    if not phones:
        return []
    if isinstance(phones, str):
        return [p.strip() for p in re.split(r"[,，;；、/|]+", phones) if p.strip()]
    return [str(p) for p in phones if p]


def load_cards(path: Path) -> list[dict]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    cards = data["cards"] if isinstance(data, dict) and "cards" in data else data
    for card in cards:
        card["phones"] = phone_list(card.get("phones"))
    return cards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cards", nargs="?", default=str(DEFAULT_CARDS), help="cards.json")
    parser.add_argument("--out", required=True, help="directory for <id>.jpg")
    parser.add_argument("--clean", action="store_true", help="no photo noise (PNG)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cards = load_cards(Path(args.cards))
    for card in cards:
        data = render(card, clean=args.clean)
        (out / f"{card['id']}.{'png' if args.clean else 'jpg'}").write_bytes(data)
    print(f"{len(cards)} 张名片 → {out}（字体：{', '.join(sorted({Path(p).name for p, _ in cjk_fonts()}))}）")


if __name__ == "__main__":
    main()
