"""File readers: each turns one file into a title plus an ordered list of blocks (headings, paragraphs, Q&A rows).

Every reader checks the file's size before reading it (and, for zip-based formats, the uncompressed size),
so a huge or booby-trapped file is refused by name instead of being loaded whole into memory.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # docx/xlsx are zip files: guard against zip bombs
MAX_PDF_PAGES = 2000
MAX_SHEET_ROWS = 50_000

SUPPORTED = {".md": "md", ".markdown": "md", ".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx"}


class RefusedFile(Exception):
    """The file cannot be ingested; the message (Chinese) says why."""


@dataclass
class Block:
    kind: str  # "heading" | "para" | "qa"
    text: str
    level: int = 0  # heading level, 1 = title
    question: str = ""  # for "qa": the question side (text holds the answer)
    similar: list[str] = field(default_factory=list)  # for "qa": other ways to ask (a "相似问法" column)


@dataclass
class ParsedFile:
    title: str
    file_type: str
    blocks: list[Block] = field(default_factory=list)


def file_type_of(path: Path) -> str | None:
    return SUPPORTED.get(path.suffix.lower())


def read_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> ParsedFile:
    kind = file_type_of(path)
    if kind is None:
        raise RefusedFile(f"不支持的文件类型（{path.suffix or '无扩展名'}），支持 md/txt/pdf/docx/xlsx")
    size = path.stat().st_size
    if size > max_bytes:
        raise RefusedFile(
            f"文件太大（{size / 1048576:.1f} MB），单个文件上限 {max_bytes / 1048576:.0f} MB，请拆分后再导入"
        )
    if size == 0:
        raise RefusedFile("文件是空的")
    reader = {"md": _read_markdown, "txt": _read_text, "pdf": _read_pdf, "docx": _read_docx, "xlsx": _read_xlsx}[kind]
    try:
        parsed = reader(path)
    except RefusedFile:
        raise
    except Exception as exc:  # every parser has its own error zoo; the user needs one clear sentence
        raise RefusedFile(f"文件损坏或无法解析（{type(exc).__name__}）") from exc
    if not any(b.kind in ("para", "qa") and b.text.strip() for b in parsed.blocks):
        raise RefusedFile("没有可以索引的文字（扫描版 PDF 或空表格？）")
    return parsed


# --- text and markdown -----------------------------------------------------------------------


def _decode(path: Path) -> str:
    data = path.read_bytes()  # bounded by the size check in read_file
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RefusedFile("文字编码无法识别，请另存为 UTF-8")


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# plain-text headings such as "一、价格异议" / "第二章 部署" / "3.1 私有化部署" on their own short line
_TXT_HEADING = re.compile(
    r"^(第[一二三四五六七八九十百\d]+[章节部分篇]|[一二三四五六七八九十]+、|\d+(\.\d+){0,2}[、.\s])\s*\S"
)


def _blocks_from_lines(lines: list[str], plain_text: bool) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []
    in_fence = False

    def flush() -> None:
        if para:
            text = "\n".join(para).strip()
            if text:
                blocks.append(Block("para", text))
            para.clear()

    for raw in lines:
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            para.append(line)
            continue
        if in_fence:
            para.append(line)
            continue
        m = _MD_HEADING.match(line)
        if m:
            flush()
            blocks.append(Block("heading", m.group(2).strip(), level=len(m.group(1))))
            continue
        stripped = line.strip()
        if (
            plain_text
            and not para
            and len(stripped) <= 30
            and _TXT_HEADING.match(stripped)
            and not stripped.endswith(("。", "！", "？", "；", ".", ";"))
        ):
            level = 2 if stripped.startswith("第") or "、" in stripped[:4] else 3
            blocks.append(Block("heading", stripped, level=level))
            continue
        if not stripped:
            flush()
            continue
        para.append(line)
    flush()
    return blocks


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text
    meta = {}
    for line in text[4:end].splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            meta[k.strip().lower()] = v.strip().strip("'\"")
    return meta, text[end + 4 :].lstrip("\n")


def _title_from(blocks: list[Block], meta: dict[str, str], path: Path) -> str:
    if meta.get("title"):
        return meta["title"]
    for b in blocks:
        if b.kind == "heading" and b.level == 1:
            return b.text
    return path.stem


_MARKDOWN = MarkdownIt("commonmark")


def _markdown_blocks(body: str) -> list[Block]:
    """Headings from markdown-it's parse; everything between two headings is kept as its source lines, one
    paragraph per run of lines without a blank line between them. The source, not rendered text: the chunker
    reads list markers and "常见问法：" paragraphs (knowledge/chunking.py), and a list right under its lead-in
    line stays with it, as the writer meant."""
    lines = body.splitlines()
    blocks: list[Block] = []
    run: list[str] = []
    run_end = -1

    def flush() -> None:
        text = "\n".join(run).strip()
        if text:
            blocks.append(Block("para", text))
        run.clear()

    tokens = _MARKDOWN.parse(body)
    for i, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1 or token.map is None or token.type == "hr":
            continue
        start, end = token.map
        while end > start and not lines[end - 1].strip():  # a list's range takes the blank line after it
            end -= 1
        if token.type == "heading_open":
            flush()
            blocks.append(Block("heading", tokens[i + 1].content.strip(), level=int(token.tag[1])))
            run_end = end
            continue
        if start != run_end:  # a blank line (or a rule) between this block and the one before
            flush()
        run.extend(line.rstrip() for line in lines[start:end])
        run_end = end
    flush()
    return blocks


def _read_markdown(path: Path) -> ParsedFile:
    meta, body = _split_front_matter(_decode(path))
    blocks = _markdown_blocks(body)
    return ParsedFile(_title_from(blocks, meta, path), "md", blocks)


def _read_text(path: Path) -> ParsedFile:
    blocks = _blocks_from_lines(_decode(path).splitlines(), plain_text=True)
    return ParsedFile(path.stem, "txt", blocks)


# --- PDF -------------------------------------------------------------------------------------

_CJK_END = re.compile(r"[\u3400-\u9fff，、：]$")


def _read_pdf(path: Path) -> ParsedFile:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        raise RefusedFile("PDF 已加密，请先解除密码保护")
    if len(reader.pages) > MAX_PDF_PAGES:
        raise RefusedFile(f"PDF 页数太多（{len(reader.pages)} 页），上限 {MAX_PDF_PAGES} 页")
    title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or path.stem
    blocks: list[Block] = []
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        if not text.strip():
            continue
        blocks.append(Block("heading", f"第{number}页", level=2))
        # PDF lines break mid-sentence; Chinese lines join without a space, a blank line ends a paragraph
        para = ""
        for line in text.splitlines():
            line = line.strip()
            if not line:
                if para:
                    blocks.append(Block("para", para))
                para = ""
                continue
            para = para + line if (not para or _CJK_END.search(para)) else para + " " + line
            if line.endswith(("。", "！", "？")) and len(para) > 200:
                blocks.append(Block("para", para))
                para = ""
        if para:
            blocks.append(Block("para", para))
    return ParsedFile(title, "pdf", blocks)


# --- Office (zip-based) ----------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise RefusedFile("文件损坏或不是有效的 Office 文档") from exc
    if total > MAX_UNZIPPED_BYTES:
        raise RefusedFile(f"文档解压后太大（{total / 1048576:.0f} MB），上限 {MAX_UNZIPPED_BYTES / 1048576:.0f} MB")


def _read_docx(path: Path) -> ParsedFile:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_zip(path)
    document = docx.Document(str(path))
    blocks: list[Block] = []
    title = (document.core_properties.title or "").strip()
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(element, document)
            text = para.text.strip()
            if not text:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            level = _docx_heading_level(style)
            if style == "Title" or level == 1:
                title = title or text
                blocks.append(Block("heading", text, level=1))
            elif level:
                blocks.append(Block("heading", text, level=level))
            else:
                blocks.append(Block("para", text))
        elif tag == "tbl":
            for row in Table(element, document).rows:
                cells = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                if cells:
                    blocks.append(Block("para", " | ".join(cells)))
    return ParsedFile(title or path.stem, "docx", blocks)


def _docx_heading_level(style: str) -> int:
    m = re.match(r"(?:Heading|标题)\s*(\d)", style)
    return int(m.group(1)) if m else 0


_QUESTION_HEADERS = ("问题", "问", "question", "q", "客户问题", "常见问题")
_ANSWER_HEADERS = ("答案", "回答", "答", "answer", "a", "话术", "标准回答", "参考话术", "回复")
_SIMILAR_HEADERS = ("相似问法", "常见问法", "相似问题", "关联问题", "其他问法", "similar questions", "similar")
_SIMILAR_SEPARATORS = re.compile(r"[；;｜|\n]+")


def _read_xlsx(path: Path) -> ParsedFile:
    """A Q&A sheet: one question and its answer per row (header row optional)."""
    import openpyxl

    _check_zip(path)
    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)  # streams rows
    blocks: list[Block] = []
    try:
        for sheet in workbook.worksheets:
            q_col, a_col, similar_col = 0, 1, None
            sheet_blocks: list[Block] = []
            for index, row in enumerate(sheet.iter_rows(values_only=True)):
                if index >= MAX_SHEET_ROWS:
                    raise RefusedFile(f"表格「{sheet.title}」超过 {MAX_SHEET_ROWS} 行，请拆分")
                cells = ["" if v is None else str(v).strip() for v in row]
                if index == 0:
                    header = [c.lower() for c in cells]
                    q = next((i for i, c in enumerate(header) if c in _QUESTION_HEADERS), None)
                    a = next((i for i, c in enumerate(header) if c in _ANSWER_HEADERS), None)
                    if q is not None and a is not None:
                        q_col, a_col = q, a
                        similar_col = next((i for i, c in enumerate(header) if c in _SIMILAR_HEADERS), None)
                        continue
                if len(cells) <= max(q_col, a_col):
                    continue
                question, answer = cells[q_col], cells[a_col]
                if question and answer:
                    similar = []
                    if similar_col is not None and similar_col < len(cells):
                        similar = [q.strip() for q in _SIMILAR_SEPARATORS.split(cells[similar_col]) if q.strip()]
                    sheet_blocks.append(Block("qa", answer, question=question, similar=similar))
            if sheet_blocks:
                blocks.append(Block("heading", sheet.title, level=2))
                blocks.extend(sheet_blocks)
    finally:
        workbook.close()
    return ParsedFile(path.stem, "xlsx", blocks)
