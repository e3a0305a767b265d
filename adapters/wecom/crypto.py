"""WeCom callback crypto (self-built app XML, AI bot JSON) on wechatpy's enterprise implementation.

wechatpy 1.8.18 has no `wechatpy.work`; `wechatpy.enterprise.crypto.WeChatCrypto` is the same code.
We never hand it raw XML: its `decrypt_message` would parse the envelope with xmltodict, so callers
parse the envelope safely (xmlsafe.py) and pass `{"Encrypt": ...}`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time

from wechatpy.crypto.base import WeChatCipher
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException


class CallbackRejected(Exception):
    """A callback we refuse; `status` is the HTTP status to answer with."""

    status = 400


class BadSignature(CallbackRejected):
    status = 403


class WrongReceiver(CallbackRejected):
    """The plaintext's receiveid is not ours (another corp / another app's key): -40005."""

    status = 403


class BadPayload(CallbackRejected):
    status = 400


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


class CallbackCrypto:
    """One callback endpoint's crypto. `receive_id` is the corp id (self-built app) or "" (AI bot)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str):
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")
        self.token = token
        self.receive_id = receive_id
        self._crypto = WeChatCrypto(token, encoding_aes_key, receive_id)
        self.key: bytes = self._crypto.key

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """URL verification: the plaintext echostr, to be returned as the body as-is."""
        return self._decrypt(self._crypto.check_signature, msg_signature, timestamp, nonce, echostr)

    def decrypt(self, encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        return self._decrypt(self._crypto.decrypt_message, {"Encrypt": encrypt}, msg_signature, timestamp, nonce)

    def _decrypt(self, fn, *args) -> str:
        try:
            return fn(*args)
        except InvalidSignatureException as exc:
            raise BadSignature("invalid msg_signature") from exc
        except InvalidCorpIdException as exc:
            raise WrongReceiver("receiveid does not match") from exc
        except Exception as exc:  # noqa: BLE001 - wechatpy raises bare errors on garbage
            # a correctly signed body that does not decrypt: truncated/garbled ciphertext
            raise BadPayload(f"cannot decrypt: {type(exc).__name__}") from exc

    def encrypt_xml(self, plaintext: str, nonce: str, timestamp: str | None = None) -> str:
        """An encrypted passive reply / callback body in XML."""
        return self._crypto.encrypt_message(plaintext, nonce, timestamp or str(int(time.time())))

    def encrypt_json(self, plaintext: str, nonce: str, timestamp: str | None = None) -> str:
        """An encrypted passive reply in the AI bot's JSON form: encrypt/msgsignature/timestamp/nonce."""
        timestamp = timestamp or str(int(time.time()))
        encrypt = self.encrypt_raw(plaintext)
        return json.dumps(
            {
                "encrypt": encrypt,
                "msgsignature": signature(self.token, timestamp, nonce, encrypt),
                "timestamp": int(timestamp),
                "nonce": nonce,
            },
            ensure_ascii=False,
        )

    def encrypt_raw(self, plaintext: str) -> str:
        return PrpCrypto(self.key).encrypt(plaintext, self.receive_id).decode()

    def decrypt_file(self, data: bytes) -> bytes:
        """AI bot image/file downloads are encrypted: AES-256-CBC, iv=key[:16], PKCS#7 padding to 32 bytes."""
        if not data or len(data) % 16:
            raise BadPayload("encrypted file length is not a multiple of the AES block")
        plain = WeChatCipher(self.key).decrypt(data)
        pad = plain[-1]
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise BadPayload("bad padding in encrypted file")
        return plain[:-pad]

    def encrypt_file(self, data: bytes) -> bytes:
        """The inverse of decrypt_file (used by the fake server)."""
        pad = 32 - len(data) % 32
        return WeChatCipher(self.key).encrypt(data + bytes([pad]) * pad)


def new_nonce() -> str:
    return str(secrets.randbelow(10**10))
