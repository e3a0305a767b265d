"""DingTalk OpenAPI on aiohttp: access token, robot messages, cards, AI-card streaming, file download.

Why not the SDK's helpers: dingtalk-stream 0.24.3 fetches tokens and sends with synchronous `requests`
inside the event loop (read in its source). Everything here is aiohttp with tenacity retries.

Errors are classified once, in `DingTalkApiError`:
  * `auth`        -> token refreshed and the call retried once (400/401 `InvalidAuthentication`);
  * `rate_limited`-> paced: the client waits `retry_after` before its next call (403 QpsLimit*, 429, 660026);
    with Redis (`redis=`), the pacing window and that cool-down are shared by every replica (bot/locks.py),
    since DingTalk's caps are per app, not per process;
  * `transient`   -> retried with backoff (5xx, network errors, rate limits);
  * anything else -> permanent (bad target, bad payload).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from typing import Any, Protocol

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from bot.locks import SlidingWindowLimiter

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://api.dingtalk.com"
LEGACY_ENDPOINT = "https://oapi.dingtalk.com"
TOKEN_HEADER = "x-acs-dingtalk-access-token"
TOKEN_REFRESH_MARGIN = 300  # seconds before expiry we stop using a token (the SDK's own margin)
WEBHOOK_RATE_LIMIT_ERRCODES = {660026, 130101}
AUTH_CODES = {"InvalidAuthentication", "AuthenticationFailed", "Unauthorized"}


class KeyValueStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None: ...


class MemoryKeyValue:
    """A process-local KeyValueStore for tools and tests that run without the App."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}

    async def get(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and time.time() >= expires:
            self._data.pop(key, None)
            return None
        return value

    async def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        self._data[key] = (value, time.time() + ttl_seconds if ttl_seconds else None)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)


class DingTalkApiError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "",
        retry_after: float | None = None,
        transient: bool = False,
        rate_limited: bool = False,
        auth: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.transient = transient or rate_limited
        self.rate_limited = rate_limited
        self.auth = auth


def classify(status: int, body: Any, retry_after_header: str | None = None) -> DingTalkApiError | None:
    """None for success, else the error with its class. Handles the new API and legacy errcode bodies."""
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code") or "")
    message = str(body.get("message") or body.get("errmsg") or "")
    errcode = body.get("errcode")
    retry_after = None
    if retry_after_header:
        try:
            retry_after = float(retry_after_header)
        except ValueError:
            retry_after = None
    if status == 429 or "QpsLimit" in code or "Throttl" in code or errcode in WEBHOOK_RATE_LIMIT_ERRCODES:
        return DingTalkApiError(
            f"rate limited: {code or errcode} {message}",
            status=status,
            code=code or str(errcode),
            retry_after=retry_after or 1.0,
            rate_limited=True,
        )
    if status in (400, 401) and (code in AUTH_CODES or status == 401):
        return DingTalkApiError(f"invalid access token: {message}", status=status, code=code, auth=True)
    if errcode in (88, 40014, 42001) and str(body.get("sub_code") or errcode) in ("40014", "42001", "88"):
        return DingTalkApiError(f"invalid access token: {message}", status=status, code=str(errcode), auth=True)
    if status >= 500:
        return DingTalkApiError(f"server error {status}: {code} {message}", status=status, code=code, transient=True)
    if status >= 400:
        return DingTalkApiError(f"rejected {status}: {code} {message}", status=status, code=code)
    if errcode not in (None, 0, "0"):
        return DingTalkApiError(f"rejected: errcode {errcode} {message}", status=status, code=str(errcode))
    return None


class Pacer:
    """Spaces calls to at most `rate` per second and honours a server-imposed cooldown."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next_free = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next_free - now
            self._next_free = max(now, self._next_free) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)

    async def cool_down(self, seconds: float) -> None:
        self._next_free = max(self._next_free, time.monotonic() + seconds)


def shared_window(rate: float) -> tuple[int, float]:
    """`rate` calls per second as a sliding window: (calls, seconds)."""
    calls = max(1, round(rate)) if rate >= 1 else 1
    return calls, calls / rate


class SharedPacer:
    """Pacer's contract, counted in Redis over every replica (a bot.locks.SlidingWindowLimiter); while Redis
    is unreachable it paces with the process-local Pacer, so a Redis outage slows nothing down."""

    def __init__(self, limiter, key: str, local: Pacer):
        self.limiter = limiter
        self.key = key
        self.local = local
        self._warned_at = 0.0

    def _redis_failed(self, exc: BaseException) -> None:
        if time.monotonic() - self._warned_at > 60:
            log.warning("dingtalk pacing: Redis unavailable (%s); pacing in this process only", exc)
        self._warned_at = time.monotonic()

    async def wait(self) -> None:
        while True:
            try:
                delay = await self.limiter.reserve(self.key)
            except Exception as exc:  # noqa: BLE001 - Redis away
                self._redis_failed(exc)
                await self.local.wait()
                return
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    async def cool_down(self, seconds: float) -> None:
        await self.local.cool_down(seconds)
        try:
            await self.limiter.cool_down(self.key, seconds)
        except Exception as exc:  # noqa: BLE001
            self._redis_failed(exc)


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, DingTalkApiError) and exc.transient


class OpenApiClient:
    """One app's OpenAPI access. The token is shared through `kv` so several processes fetch it once."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        client_id: str,
        client_secret: str,
        robot_code: str | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        legacy_endpoint: str | None = None,
        kv: KeyValueStore | None = None,
        rate_per_second: float = 20.0,
        webhook_rate_per_second: float = 5.0,
        attempts: int = 3,
        backoff_max: float = 2.0,
        timeout: float = 15.0,
        redis=None,
        redis_prefix: str = "salesbot:",
    ):
        self.http = http
        self.client_id = client_id
        self.client_secret = client_secret
        self.robot_code = robot_code or client_id  # robotCode generally equals the AppKey
        self.endpoint = endpoint.rstrip("/")
        # A private gateway (or a test double) serves both hosts; the public cloud splits them.
        if legacy_endpoint is None:
            legacy_endpoint = LEGACY_ENDPOINT if self.endpoint == DEFAULT_ENDPOINT else self.endpoint
        self.legacy_endpoint = legacy_endpoint.rstrip("/")
        self.kv = kv or MemoryKeyValue()
        # DingTalk limits QPS per app and API, and messages per conversation: one pacer per API path and per
        # sessionWebhook, each also cooled down when the server says we went too fast
        self.rate_per_second = rate_per_second
        self.webhook_rate_per_second = webhook_rate_per_second
        self._pacers: dict[str, Pacer | SharedPacer] = {}
        self._limiters: dict[str, Any] = {}  # "api" / "webhook" -> SlidingWindowLimiter on Redis
        if redis is not None:
            for kind, rate in (("api", rate_per_second), ("webhook", webhook_rate_per_second)):
                calls, window = shared_window(rate)
                self._limiters[kind] = SlidingWindowLimiter(
                    limit=calls, window=window, redis=redis, prefix=redis_prefix, name=f"dingtalk_pace:{client_id}"
                )
        self.attempts = attempts
        self.backoff_max = backoff_max
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token: tuple[str, float] | None = None  # (token, usable-until epoch seconds)
        self._token_lock = asyncio.Lock()
        self.token_fetches = 0

    # --- access token ------------------------------------------------------------------------

    @property
    def _token_key(self) -> str:
        return f"dingtalk:access_token:{self.client_id}"

    async def access_token(self) -> str:
        if self._token and time.time() < self._token[1]:
            return self._token[0]
        async with self._token_lock:
            if self._token and time.time() < self._token[1]:
                return self._token[0]
            cached = await self.kv.get(self._token_key)
            if cached:
                try:
                    token, usable_until = json.loads(cached)
                    if time.time() < usable_until:
                        self._token = (token, usable_until)
                        return token
                except (ValueError, TypeError):
                    pass
            token, expires_in = await self._fetch_token()
            usable_for = max(expires_in - TOKEN_REFRESH_MARGIN, 30)
            usable_until = time.time() + usable_for
            self._token = (token, usable_until)
            await self.kv.set(self._token_key, json.dumps([token, usable_until]), usable_for)
            return token

    async def _fetch_token(self) -> tuple[str, int]:
        url = f"{self.endpoint}/v1.0/oauth2/accessToken"
        body = {"appKey": self.client_id, "appSecret": self.client_secret}
        async for attempt in self._retrying():
            with attempt:
                data = await self._request("POST", url, body, {}, "api:token")
                if not isinstance(data, dict) or not data.get("accessToken"):
                    raise DingTalkApiError("token response without accessToken")
        self.token_fetches += 1
        return str(data["accessToken"]), int(data.get("expireIn") or 7200)

    async def invalidate_token(self, bad_token: str | None = None) -> None:
        async with self._token_lock:
            if bad_token is None or (self._token and self._token[0] == bad_token):
                self._token = None
            cached = await self.kv.get(self._token_key)
            if cached and (bad_token is None or bad_token in cached):
                await self.kv.set(self._token_key, "", 1)

    # --- transport ---------------------------------------------------------------------------

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=0.2, max=self.backoff_max),
            retry=retry_if_exception(_is_retryable),
            before_sleep=self._before_retry,
            reraise=True,
        )

    def _before_retry(self, state) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("dingtalk call failed (attempt %s), retrying: %s", state.attempt_number, exc)

    def pacer(self, bucket: str) -> Pacer | SharedPacer:
        pacer = self._pacers.get(bucket)
        if pacer is None:
            if len(self._pacers) > 5000:  # old sessionWebhooks: forget their pacers
                self._pacers = {k: v for k, v in self._pacers.items() if not k.startswith("webhook:")}
            webhook = bucket.startswith("webhook:")
            pacer = Pacer(self.webhook_rate_per_second if webhook else self.rate_per_second)
            limiter = self._limiters.get("webhook" if webhook else "api")
            if limiter is not None:
                # a sessionWebhook URL carries its session token: the shared key is a digest of it
                key = "webhook:" + hashlib.sha1(bucket.encode()).hexdigest()[:20] if webhook else bucket
                pacer = SharedPacer(limiter, key, pacer)
            self._pacers[bucket] = pacer
        return pacer

    async def _request(self, method: str, url: str, body: Any, headers: dict[str, str], bucket: str) -> Any:
        """One paced HTTP exchange; the answer's error (if any) is raised, a rate limit cools the bucket."""
        pacer = self.pacer(bucket)
        await pacer.wait()
        status, data, retry_after = await self._raw(method, url, body, headers)
        error = classify(status, data, retry_after)
        if error is not None:
            if error.rate_limited:
                await pacer.cool_down(error.retry_after or 1.0)
            raise error
        return data

    async def _raw(self, method: str, url: str, body: Any, headers: dict[str, str]) -> tuple[int, Any, str | None]:
        try:
            async with self.http.request(method, url, json=body, headers=headers, timeout=self.timeout) as resp:
                text = await resp.text()
                try:
                    data = json.loads(text) if text else {}
                except ValueError:
                    data = {"message": text[:200]}
                return resp.status, data, resp.headers.get("Retry-After")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise DingTalkApiError(f"network error: {exc!r}", transient=True) from exc

    async def call(self, method: str, path: str, body: Any = None, *, legacy: bool = False) -> Any:
        """An authenticated call; one token refresh on InvalidAuthentication, backoff on transient errors."""
        for auth_round in range(2):
            token = await self.access_token()
            try:
                async for attempt in self._retrying():
                    with attempt:
                        if legacy:
                            sep = "&" if "?" in path else "?"
                            url, headers = f"{self.legacy_endpoint}{path}{sep}access_token={token}", {}
                        else:
                            url, headers = f"{self.endpoint}{path}", {TOKEN_HEADER: token}
                        return await self._request(method, url, body, headers, f"api:{path.split('?')[0]}")
            except DingTalkApiError as exc:
                if exc.auth and auth_round == 0:
                    log.info("dingtalk token rejected (%s); refreshing", exc.code)
                    await self.invalidate_token(token)
                    continue
                raise
        raise AssertionError("unreachable")

    async def post_webhook(self, url: str, body: dict[str, Any]) -> Any:
        """sessionWebhook: no token, legacy `{"errcode":0}` answers."""
        async for attempt in self._retrying():
            with attempt:
                return await self._request("POST", url, body, {}, f"webhook:{url}")

    # --- robot messages ----------------------------------------------------------------------

    async def send_to_users(self, user_ids: list[str], msg_key: str, msg_param: dict[str, Any]) -> Any:
        return await self.call(
            "POST",
            "/v1.0/robot/oToMessages/batchSend",
            {
                "robotCode": self.robot_code,
                "userIds": user_ids,
                "msgKey": msg_key,
                "msgParam": json.dumps(msg_param, ensure_ascii=False),
            },
        )

    async def send_to_group(self, open_conversation_id: str, msg_key: str, msg_param: dict[str, Any]) -> Any:
        return await self.call(
            "POST",
            "/v1.0/robot/groupMessages/send",
            {
                "robotCode": self.robot_code,
                "openConversationId": open_conversation_id,
                "msgKey": msg_key,
                "msgParam": json.dumps(msg_param, ensure_ascii=False),
            },
        )

    async def download(self, download_code: str, max_bytes: int) -> bytes:
        data = await self.call(
            "POST", "/v1.0/robot/messageFiles/download", {"robotCode": self.robot_code, "downloadCode": download_code}
        )
        url = data.get("downloadUrl") if isinstance(data, dict) else None
        if not url:
            raise DingTalkApiError("messageFiles/download returned no downloadUrl")
        async for attempt in self._retrying():
            with attempt:
                try:
                    async with self.http.get(url, timeout=self.timeout) as resp:
                        if resp.status >= 500:
                            raise DingTalkApiError(f"file download {resp.status}", status=resp.status, transient=True)
                        if resp.status >= 400:
                            raise DingTalkApiError(f"file download {resp.status}", status=resp.status)
                        if resp.content_length and resp.content_length > max_bytes:
                            raise DingTalkApiError(f"file larger than {max_bytes} bytes")
                        chunks, size = [], 0
                        async for chunk in resp.content.iter_chunked(65536):
                            size += len(chunk)
                            if size > max_bytes:
                                raise DingTalkApiError(f"file larger than {max_bytes} bytes")
                            chunks.append(chunk)
                        return b"".join(chunks)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    raise DingTalkApiError(f"file download failed: {exc!r}", transient=True) from exc
        raise AssertionError("unreachable")

    # --- cards -------------------------------------------------------------------------------

    @staticmethod
    def open_space_id(*, conversation_id: str | None = None, user_id: str | None = None) -> str:
        if conversation_id:
            return f"dtv1.card//IM_GROUP.{conversation_id}"
        return f"dtv1.card//IM_ROBOT.{user_id}"

    async def create_and_deliver_card(
        self,
        *,
        out_track_id: str,
        template_id: str,
        params: dict[str, str],
        conversation_id: str | None = None,
        user_id: str | None = None,
        at_user_ids: list[str] | None = None,
    ) -> Any:
        body: dict[str, Any] = {
            "cardTemplateId": template_id,
            "outTrackId": out_track_id,
            "callbackType": "STREAM",
            "cardData": {"cardParamMap": params},
            "openSpaceId": self.open_space_id(conversation_id=conversation_id, user_id=user_id),
            "userIdType": 1,
        }
        if conversation_id:
            body["imGroupOpenSpaceModel"] = {"supportForward": True}
            deliver: dict[str, Any] = {"robotCode": self.robot_code}
            if at_user_ids:
                deliver["atUserIds"] = {uid: uid for uid in at_user_ids}
            body["imGroupOpenDeliverModel"] = deliver
        else:
            body["imRobotOpenSpaceModel"] = {"supportForward": True}
            body["imRobotOpenDeliverModel"] = {"spaceType": "IM_ROBOT", "robotCode": self.robot_code}
        return await self.call("POST", "/v1.0/card/instances/createAndDeliver", body)

    async def update_card(self, out_track_id: str, params: dict[str, str]) -> Any:
        return await self.call(
            "PUT",
            "/v1.0/card/instances",
            {
                "outTrackId": out_track_id,
                "cardData": {"cardParamMap": params},
                "cardUpdateOptions": {"updateCardDataByKey": True},
            },
        )

    async def stream_card(
        self,
        out_track_id: str,
        *,
        key: str,
        content: str,
        is_full: bool,
        is_finalize: bool = False,
        is_error: bool = False,
    ) -> Any:
        return await self.call(
            "PUT",
            "/v1.0/card/streaming",
            {
                "outTrackId": out_track_id,
                "guid": str(uuid.uuid4()),
                "key": key,
                "content": content,
                "isFull": is_full,
                "isFinalize": is_finalize,
                "isError": is_error,
            },
        )

    # --- directory ---------------------------------------------------------------------------

    async def get_user(self, staff_id: str) -> dict[str, Any] | None:
        data = await self.call("POST", "/topapi/v2/user/get", {"userid": staff_id, "language": "zh_CN"}, legacy=True)
        return data.get("result") if isinstance(data, dict) else None

    async def get_department_name(self, dept_id: int) -> str | None:
        data = await self.call(
            "POST", "/topapi/v2/department/get", {"dept_id": dept_id, "language": "zh_CN"}, legacy=True
        )
        result = data.get("result") if isinstance(data, dict) else None
        return result.get("name") if isinstance(result, dict) else None
