"""HTTP ("outgoing") robot mode: DingTalk signs each POST with the app secret.

sign = base64(HmacSHA256(key=appSecret, msg=timestamp + "\\n" + appSecret)); the `timestamp` header is in ms
and must be within one hour of our clock (DingTalk's robot receiving-message documentation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

MAX_SKEW_MS = 3600 * 1000


def compute_sign(timestamp: str, app_secret: str) -> str:
    message = f"{timestamp}\n{app_secret}".encode("utf-8")
    digest = hmac.new(app_secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def check_signature(timestamp: str | None, sign: str | None, app_secret: str, now_ms: int | None = None) -> str | None:
    """None when the request is genuine, else the reason it is not (logged, never shown to the caller)."""
    if not timestamp or not sign:
        return "missing timestamp or sign header"
    try:
        ts = int(timestamp)
    except ValueError:
        return "timestamp is not a number"
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now_ms - ts) > MAX_SKEW_MS:
        return "timestamp outside the one-hour window"
    if not hmac.compare_digest(compute_sign(timestamp, app_secret), sign):
        return "sign mismatch"
    return None
