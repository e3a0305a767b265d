"""JSON from the outside world, parsed so that bad input is a ValueError (→ 400), never a crash later.

`json.loads` accepts what later breaks: "\\ud800" (a lone surrogate) becomes a str that cannot be encoded
to UTF-8, so storing or logging it fails deep inside a turn; ten thousand nested brackets raise
RecursionError, which no handler expects. `loads` refuses both up front.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class UnsafeJSON(ValueError):
    """Not JSON, nested too deeply, or carrying text that is not valid Unicode."""


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(data)
    except RecursionError:
        raise UnsafeJSON("JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise UnsafeJSON(f"malformed JSON: {exc}") from None
    check(value, max_depth)
    return value


def check(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Walks without recursion: every string (keys too) must be valid UTF-8 text, nesting at most `max_depth`."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _text(item)
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise UnsafeJSON(f"JSON nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    _text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeJSON("text with a lone surrogate (not valid Unicode)") from None


class BodyTooLarge(ValueError):
    """More bytes than the limit arrived (whatever Content-Length said, or with chunked encoding)."""


async def read_limited(request, limit: int) -> bytes:
    """The request body, refusing it as soon as more than `limit` bytes have been read."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(f"body of {request.content_length} bytes (limit {limit})")
    data = bytearray()
    async for chunk in request.content.iter_any():
        data += chunk
        if len(data) > limit:
            raise BodyTooLarge(f"body over {limit} bytes")
    return bytes(data)
