"""Text lines of a card photo, read offline by RapidOCR (PP-OCR models shipped inside the wheel).

Nothing is downloaded at run time: `rapidocr_onnxruntime` carries its detection and recognition models and
runs them on onnxruntime (the one chromadb already installs). The engine is built once per process, on first
use (loading the models takes about a second), and every recognition runs in a worker thread so the event
loop keeps serving other conversations while a photo is read.
"""

from __future__ import annotations

import asyncio
import io
import threading
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tools.cards.parse import Line, lines_from_ocr

MAX_SIDE = 1280  # phone photos are 3000–4000 px; a card's text is still 20+ px tall at this size
DET_SIDE = 640
MAX_IMAGE_BYTES = 15 * 1024 * 1024

_engine: Any = None
_engine_lock = threading.Lock()


class ImageUnreadable(Exception):
    """The bytes are not an image we can open."""


def engine():
    """The process's one OCR engine, built on first use."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                # heavy optional import (onnxruntime sessions, OpenCV): only card photos need it
                from rapidocr_onnxruntime import RapidOCR

                # 'max' bounds the detector's input (a card's lines stay 12+ px tall at 640 px, enough for the
                # detector; the recogniser reads crops of the full-size image). One thread: onnxruntime's
                # workers spin while they wait, and on a busy 2-core host two threads cost ~60% more CPU per
                # card (1.8 s vs 1.15 s measured) for no gain in wall time; the other core keeps the bot going.
                _engine = RapidOCR(det_limit_type="max", det_limit_side_len=DET_SIDE, intra_op_num_threads=1)
    return _engine


def _prepare(data: bytes):
    try:
        image = Image.open(io.BytesIO(data))
        image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageUnreadable(str(exc)) from exc
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return np.asarray(image)[:, :, ::-1]  # RapidOCR takes OpenCV's BGR order


def read_lines_sync(data: bytes) -> list[Line]:
    """Blocking: the text lines of an image (call through `read_lines` from async code)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageUnreadable("too large")
    array = _prepare(data)
    result, _elapsed = engine()(array, use_cls=False)
    return lines_from_ocr(result)


async def read_lines(data: bytes) -> list[Line]:
    return await asyncio.to_thread(read_lines_sync, data)
