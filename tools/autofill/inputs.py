"""Where transcripts come from: pasted text, txt/docx files, and recordings through speech-to-text.

Every refusal is a `TranscriptRefused` whose message (Chinese) tells the rep what to send instead.
Speech-to-text is any OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI Whisper, a self-hosted
FunASR / SenseVoice / faster-whisper server behind an OpenAI-style API), configured with
SALESBOT_STT_MODEL and optionally SALESBOT_STT_BASE_URL / SALESBOT_STT_API_KEY.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
import zipfile
from pathlib import PurePath

import aiohttp

from bot.messages import Attachment

MAX_TEXT_BYTES = 5 * 1024 * 1024  # a day-long meeting transcript is well under 1 MB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_AUDIO_BYTES = 25 * 1024 * 1024  # OpenAI's limit for /audio/transcriptions; most servers accept it
MIN_CHARS = 15
TEXT_EXTS = {".txt", ".text", ".md", ".markdown", ".srt", ".vtt", ".log", ".csv"}
DOCX_EXTS = {".docx"}
AUDIO_EXTS = {
    ".mp3",
    ".m4a",
    ".wav",
    ".amr",
    ".silk",
    ".ogg",
    ".opus",
    ".webm",
    ".flac",
    ".aac",
    ".mp4",
    ".mpga",
    ".speex",
}

STT_NOT_CONFIGURED = (
    "收到录音，但还没有配置语音转写，没法直接听。可以先把录音转成文字（如飞书妙记、讯飞听见、通义听悟）"
    "再发给我；或者请管理员在 .env 里设置 SALESBOT_STT_MODEL（以及 SALESBOT_STT_BASE_URL，"
    "指向兼容 OpenAI /audio/transcriptions 的服务，如 Whisper、FunASR、SenseVoice）。"
)


class TranscriptRefused(Exception):
    """The input cannot be read as a transcript; the message says why and what to do."""


def _ext(att: Attachment) -> str:
    return PurePath(att.name or "").suffix.lower()


def is_audio(att: Attachment) -> bool:
    return _ext(att) in AUDIO_EXTS or (att.mime or "").startswith("audio/")


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TranscriptRefused(
            "这个文件看起来不是文本（可能是图片或压缩包），会议纪要请发 txt 或 docx 文件，或者直接粘贴文字。"
        )
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TranscriptRefused("文件的文字编码认不出来，请另存为 UTF-8 的 txt 再发一次。")


def _read_docx(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TranscriptRefused(
            "这个 docx 文件打不开（可能已损坏，或其实是老的 .doc 格式），请另存为 docx 或 txt 再发。"
        ) from None
    if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED_BYTES:
        raise TranscriptRefused("这个 docx 解压后太大了，请只保留会议记录的文字再发。")
    import docx  # python-docx; imported here because only file uploads need it

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise TranscriptRefused(f"这个 docx 文件解析失败（{type(exc).__name__}），请另存为 txt 再发。") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("  ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def looks_garbled(text: str) -> bool:
    """Mojibake, binary read as text, or symbols only: too few characters a person would write."""
    if not text:
        return True
    normal = sum(
        1
        for ch in text
        if ch.isspace() or ch.isalnum() or "\u4e00" <= ch <= "\u9fff" or unicodedata.category(ch).startswith("P")
    )
    bad = text.count("\ufffd") + sum(1 for ch in text if unicodedata.category(ch) in ("Co", "Cs", "Cn"))
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return bad > len(text) * 0.02 or normal < len(text) * 0.85 or (cjk < 5 and not re.search(r"[A-Za-z]{3,}", text))


def check_transcript(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) < MIN_CHARS:
        raise TranscriptRefused(
            "内容太短了，看不出是会议记录。把完整的会议/通话记录发给我（粘贴文字或发 txt、docx 文件都行）。"
        )
    if looks_garbled(text):
        raise TranscriptRefused(
            "这段内容看起来是乱码或者不是正常文字，我没法提取。请确认文件编码（UTF-8）或重新导出文字版再发。"
        )
    return text


async def read_attachment(att: Attachment) -> str:
    """The text of a txt/docx attachment (audio is handled by `transcribe`)."""
    if att.data is None:
        raise TranscriptRefused(f"文件《{att.name}》没有下载下来，请再发一次。")
    ext = _ext(att)
    if ext in DOCX_EXTS or att.mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        if len(att.data) > MAX_TEXT_BYTES * 4:
            raise TranscriptRefused("文件太大了（超过 20 MB），请只保留会议记录的文字再发。")
        return check_transcript(await asyncio.to_thread(_read_docx, att.data))
    if ext in TEXT_EXTS or (att.mime or "").startswith("text/") or (not ext and not att.mime):
        if len(att.data) > MAX_TEXT_BYTES:
            raise TranscriptRefused("文件太大了（超过 5 MB），请拆成几段再发。")
        return check_transcript(decode_text(att.data))
    if ext == ".doc":
        raise TranscriptRefused("老的 .doc 格式我读不了，请在 Word 里另存为 .docx 或 .txt 再发。")
    shown = ext or att.mime or "未知类型"
    raise TranscriptRefused(
        f"《{att.name}》（{shown}）不是我能读的会议记录格式。请发 txt 或 docx 文件、录音文件，或者直接粘贴文字。"
    )


def stt_configured(settings) -> bool:
    return bool(
        settings.stt_model
        and (settings.stt_base_url or settings.openai_base_url or settings.openai_api_key or settings.stt_api_key)
    )


async def transcribe(app, att: Attachment) -> str:
    """A recording's transcript through an OpenAI-compatible /audio/transcriptions endpoint, checked as one."""
    return check_transcript(await speech_to_text(app, att))


async def speech_to_text(app, att: Attachment) -> str:
    """Speech to text through an OpenAI-compatible /audio/transcriptions endpoint (any length, unchecked)."""
    settings = app.settings
    if not stt_configured(settings):
        raise TranscriptRefused(STT_NOT_CONFIGURED)
    if att.data is None:
        raise TranscriptRefused(f"录音《{att.name}》没有下载下来，请再发一次。")
    if len(att.data) > MAX_AUDIO_BYTES:
        raise TranscriptRefused("录音文件超过 25 MB，转写服务收不下。请分段导出（比如每段 30 分钟）再发。")
    base = (settings.stt_base_url or settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    key = settings.stt_api_key or settings.openai_api_key
    form = aiohttp.FormData()
    form.add_field(
        "file", att.data, filename=att.name or "audio.mp3", content_type=att.mime or "application/octet-stream"
    )
    form.add_field("model", settings.stt_model)
    form.add_field("language", "zh")
    form.add_field("response_format", "json")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    session = app.http or aiohttp.ClientSession()
    try:
        async with session.post(
            f"{base}/audio/transcriptions", data=form, headers=headers, timeout=aiohttp.ClientTimeout(total=600)
        ) as res:
            if res.status >= 400:
                detail = (await res.text())[:200]
                raise TranscriptRefused(
                    f"语音转写服务返回错误（HTTP {res.status}），这次没转出文字。请稍后再试，"
                    f"或者先把录音转成文字发给我。（{detail}）"
                )
            body = await res.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise TranscriptRefused(
            f"连不上语音转写服务（{type(exc).__name__}），请稍后再试，或者先把录音转成文字发给我。"
        ) from exc
    finally:
        if session is not app.http:
            await session.close()
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise TranscriptRefused("录音里没有识别出文字（可能太短或太吵），请换一段清楚的录音，或直接发文字。")
    return text
