"""WeCom server API on aiohttp (wechatpy's client is synchronous `requests`; it must not run on the loop).

* The access token is cached in memory and in `app.kv` (shared by every process), refreshed
  `refresh_margin` seconds before it expires, and refreshed-and-retried once when WeCom says it is
  invalid or expired (40001/40014/42001: an expired token sometimes comes back as 40014).
* Busy/limit answers (-1, 45009, 45033) and 5xx/timeouts are `TransientSendError`; a call retries them a
  few times with exponential backoff (tenacity), then lets the error go up (the outbox retries later).
* Every URL starts at `WECOM_API_BASE` so tests and private deployments move every call at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from typing import Any, Protocol
from urllib.parse import unquote

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.adapter import PermanentSendError, TransientSendError

log = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
TRANSIENT_ERRORS = frozenset({-1, 45009, 45033})


class KV(Protocol):
    async def get(self, key: str) -> Any: ...
    async def set(self, key: str, value: Any, ttl_seconds: float | None = None) -> None: ...


class WeComAPIError(PermanentSendError):
    def __init__(self, path: str, errcode: int, errmsg: str):
        super().__init__(f"{path}: errcode {errcode} {errmsg}")
        self.path = path
        self.errcode = errcode
        self.errmsg = errmsg


class WeComAPI:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        kv: KV,
        *,
        base_url: str,
        corp_id: str,
        secret: str,
        refresh_margin: float = 300.0,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff_max: float = 4.0,
        clock=time.time,
    ):
        self.session = session
        self.kv = kv
        self.base_url = base_url.rstrip("/")
        self.corp_id = corp_id
        self._secret = secret
        self.refresh_margin = refresh_margin
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.attempts = attempts
        self.backoff_max = backoff_max
        self.clock = clock
        # the secret never goes into a key: a short digest tells apps of one corp apart
        self.token_key = f"wecom:access_token:{corp_id}:{hashlib.sha1(secret.encode()).hexdigest()[:12]}"
        self._token: str | None = None
        self._expires_at = 0.0
        self._token_lock = asyncio.Lock()
        self.token_fetches = 0

    # --- token -----------------------------------------------------------------------------

    def _fresh(self, expires_at: float) -> bool:
        return expires_at - self.clock() > self.refresh_margin

    async def access_token(self, *, stale: str | None = None) -> str:
        """A valid token. `stale` is a token WeCom just refused: never hand that one out again."""
        if self._token and self._token != stale and self._fresh(self._expires_at):
            return self._token
        async with self._token_lock:  # one gettoken at a time (it is rate limited itself)
            if self._token and self._token != stale and self._fresh(self._expires_at):
                return self._token
            cached = await self.kv.get(self.token_key)
            if cached:
                data = json.loads(cached)
                if data["token"] != stale and self._fresh(data["expires_at"]):
                    self._token, self._expires_at = data["token"], data["expires_at"]
                    return self._token
            body = await self._request("GET", "gettoken", params={"corpid": self.corp_id, "corpsecret": self._secret})
            self._raise_for_errcode("gettoken", body)
            self.token_fetches += 1
            expires_in = int(body.get("expires_in") or 7200)
            self._token, self._expires_at = body["access_token"], self.clock() + expires_in
            await self.kv.set(
                self.token_key, json.dumps({"token": self._token, "expires_at": self._expires_at}), expires_in
            )
            log.info("wecom access token refreshed (valid %ss)", expires_in)
            return self._token

    # --- calls -----------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json_body: Any = None,
        attempts: int | None = None,
        raw: bool = False,
    ) -> Any:
        """One API call with token handling; transient failures are retried `attempts` times in total."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts or self.attempts),
            wait=wait_exponential(multiplier=0.25, max=self.backoff_max),
            retry=retry_if_exception_type(TransientSendError),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._call_once(method, path, params, json_body, raw)

    async def _call_once(self, method, path, params, json_body, raw):
        token = await self.access_token()
        for refreshed in (False, True):
            result = await self._request(
                method, path, params={**(params or {}), "access_token": token}, json_body=json_body, raw=raw
            )
            if isinstance(result, bytes):
                return result
            if result.get("errcode") in TOKEN_ERRORS and not refreshed:
                log.info("wecom %s: token refused (errcode %s), refreshing once", path, result["errcode"])
                token = await self.access_token(stale=token)
                continue
            self._raise_for_errcode(path, result)
            return result

    async def _request(self, method, path, *, params=None, json_body=None, raw=False):
        url = f"{self.base_url}/{path}"
        try:
            async with self.session.request(
                method,
                url,
                params=params,
                timeout=self.timeout,
                data=None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode(),
                headers=None if json_body is None else {"Content-Type": "application/json"},
            ) as resp:
                if resp.status >= 500 or resp.status == 429:
                    raise TransientSendError(f"{path}: HTTP {resp.status}")
                if resp.status >= 400:
                    raise PermanentSendError(f"{path}: HTTP {resp.status}")
                ctype = resp.headers.get("Content-Type", "")
                if raw and "json" not in ctype and "text/plain" not in ctype:
                    return await resp.read()
                return json.loads(await resp.read())
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TransientSendError(f"{path}: {type(exc).__name__} {exc}") from exc
        except json.JSONDecodeError as exc:
            raise TransientSendError(f"{path}: not JSON") from exc

    @staticmethod
    def _raise_for_errcode(path: str, body: dict) -> None:
        code = body.get("errcode", 0)
        if not code:
            return
        if code in TRANSIENT_ERRORS:
            raise TransientSendError(
                f"{path}: errcode {code} {body.get('errmsg', '')}", retry_after=2.0 if code != -1 else 1.0
            )
        raise WeComAPIError(path, code, body.get("errmsg", ""))

    # --- endpoints ------------------------------------------------------------------------

    async def send_message(self, payload: dict, attempts: int | None = None) -> dict:
        return await self.call("POST", "message/send", json_body=payload, attempts=attempts)

    async def update_template_card(self, payload: dict, attempts: int | None = None) -> dict:
        return await self.call("POST", "message/update_template_card", json_body=payload, attempts=attempts)

    async def appchat_send(self, payload: dict, attempts: int | None = None) -> dict:
        return await self.call("POST", "appchat/send", json_body=payload, attempts=attempts)

    async def get_user(self, userid: str) -> dict:
        return await self.call("GET", "user/get", params={"userid": userid})

    async def get_department(self, department_id: int | str) -> dict:
        return await self.call("GET", "department/get", params={"id": str(department_id)})

    async def get_media(self, media_id: str) -> bytes:
        """media/get: the file's bytes (WeCom answers JSON only on error)."""
        result = await self.call("GET", "media/get", params={"media_id": media_id}, raw=True)
        if isinstance(result, dict):  # pragma: no cover - errors raise above
            raise WeComAPIError("media/get", result.get("errcode", -1), result.get("errmsg", ""))
        return result

    async def kf_sync_msg(self, *, cursor: str | None, token: str | None, open_kfid: str, limit: int = 1000) -> dict:
        body: dict[str, Any] = {"limit": limit, "voice_format": 0, "open_kfid": open_kfid}
        if cursor:
            body["cursor"] = cursor
        if token:
            body["token"] = token
        return await self.call("POST", "kf/sync_msg", json_body=body)

    async def kf_send_msg(self, payload: dict, attempts: int | None = None) -> dict:
        return await self.call("POST", "kf/send_msg", json_body=payload, attempts=attempts)

    async def post_response_url(self, url: str, payload: dict) -> dict:
        """AI bot response_url: a full URL, usable once, no access token."""
        try:
            async with self.session.post(
                url,
                data=json.dumps(payload, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            ) as resp:
                if resp.status >= 500:
                    raise TransientSendError(f"response_url: HTTP {resp.status}")
                body = json.loads(await resp.read() or b"{}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TransientSendError(f"response_url: {type(exc).__name__}") from exc
        self._raise_for_errcode("aibot/response", body)
        return body

    async def download(self, url: str, max_bytes: int) -> tuple[bytes, str | None]:
        """GET a file URL (AI bot image/file). Returns (bytes, filename from Content-Disposition)."""
        try:
            async with self.session.get(url, timeout=aiohttp.ClientTimeout(total=120)) as resp:
                if resp.status >= 400:
                    raise (TransientSendError if resp.status >= 500 else PermanentSendError)(
                        f"download: HTTP {resp.status}"
                    )
                if (resp.content_length or 0) > max_bytes:
                    raise PermanentSendError("download: file too large")
                chunks, size = [], 0
                async for chunk in resp.content.iter_chunked(65536):
                    size += len(chunk)
                    if size > max_bytes:
                        raise PermanentSendError("download: file too large")
                    chunks.append(chunk)
                return b"".join(chunks), _filename(resp.headers.get("Content-Disposition", ""))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TransientSendError(f"download: {type(exc).__name__}") from exc


def _filename(disposition: str) -> str | None:
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() in ("filename", "filename*") and value:
            value = value.strip('"')
            if value.lower().startswith("utf-8''"):
                value = unquote(value[7:])
            return value
    return None
