"""Logs never carry a customer's phone number, e-mail or ID card number in clear (PIPL: minimise personal data),
nor a credential: access tokens, Bearer tokens, CSRF tokens, secrets and passwords in key=value pairs, JSON or
URLs are replaced by ***.

`install()` puts `PersonalDataFilter` on the root handlers, so every record that reaches a handler — from
our modules or a library's — is masked once, message and traceback alike: 13812345678 → 138****5678,
li.ming@example.com → l***@example.com, an 18-digit ID → 110***********1234.
"""

from __future__ import annotations

import logging
import re

_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-(\d{3,4})(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


# key=value / "key": "value" / key: value, for the names credentials go by on WeCom, DingTalk, OAuth and our console
_SECRET_KEYS = (
    r"access_?token|accessToken|refresh_?token|suite_?access_?token|corpsecret|client_?secret|clientSecret|appSecret|"
    r"app_?secret|secret|_?csrf(?:_?token)?|x-csrf-token|password|passwd|api_?key|apiKey|encoding_?aes_?key|"
    r"x-acs-dingtalk-access-token|session_?token|sessionToken|ticket|jsapi_ticket|sign|signature|msg_signature|token"
)
_SECRET_PAIR = re.compile(
    rf"""(?i)(?P<key>["']?\b(?:{_SECRET_KEYS})\b["']?\s*(?:=|:)\s*["']?)(?P<value>[^\s"'&,;}}\])]{{4,}})"""
)
_BEARER = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@")


def mask_secrets(text: str) -> str:
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    return _SECRET_PAIR.sub(lambda m: m.group("key") + "***", text)


def mask(text: str) -> str:
    text = mask_secrets(text)
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    return _EMAIL.sub(r"\1***\2", text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_masked", False):
            return True
        try:
            record.msg, record.args = mask(record.getMessage()), None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = mask(record.exc_text)
        except Exception:  # a broken format string, or interpreter shutdown: logging reports it, we never raise
            return True
        record._pii_masked = True
        return True


def install(logger: logging.Logger | None = None) -> PersonalDataFilter:
    """Mask on every handler of `logger` (the root logger by default); idempotent."""
    logger = logger or logging.getLogger()
    pii = next((f for h in logger.handlers for f in h.filters if isinstance(f, PersonalDataFilter)), None)
    pii = pii or PersonalDataFilter()
    for handler in logger.handlers:
        if pii not in handler.filters:
            handler.addFilter(pii)
    return pii
