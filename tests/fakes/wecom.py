"""Test doubles for WeCom: a callback sender that behaves like WeCom's servers, and a
fake qyapi (the server API) with injectable failures.

`FakeWeComSender` encrypts and signs callbacks with the real scheme (WXBizMsgCrypt: SHA1 signature, AES-256-CBC) and delivers them the way WeCom
does: it waits `deadline` seconds (5 s) for an HTTP 200 and, if none arrives in time (or any other
status comes back), posts the *same body* again, `deliveries` times in total (3). AI-bot card events are
delivered once (WeCom does not retry them).

`FakeQyapi` serves gettoken, message/send, message/update_template_card, appchat/send, user/get,
department/get, media/get, kf/sync_msg, kf/send_msg and the AI bot's response_url, records every call,
and lets a test inject 40014/42001 (token), 45009/45033/-1, HTTP 5xx and slowness.

message/send implements WeCom's duplicate check: a send with `"enable_duplicate_check": 1` whose
recipient (`touser`) already got the same message (same msgtype, same body) within
`duplicate_check_interval` seconds (default 1800, at most 4 h) is dropped: nothing is delivered. Two
details the reference leaves open are assumptions here: the earlier copy counts whether or not it was
itself sent with the check on, and the dropped send is still answered `errcode 0, "ok"` (the call is
recorded with `"duplicate": True`). `sends()` lists only what was delivered.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from adapters.wecom.crypto import CallbackCrypto, new_nonce, signature
from adapters.wecom.xmlsafe import cdata

# --- callback bodies (plaintext, before encryption) ------------------------------------------


def text_xml(
    corp_id: str, from_user: str, content: str, msg_id: str, create_time: int | None = None, agent_id: str = "1000002"
) -> str:
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId><AgentID>{agent_id}</AgentID></xml>"
    )


def message_xml(
    corp_id: str, from_user: str, msg_type: str, msg_id: str, fields: dict[str, str], create_time: int | None = None
) -> str:
    inner = "".join(f"<{k}>{cdata(str(v))}</{k}>" for k, v in fields.items())
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>"
        f"{inner}<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )


def image_xml(corp_id: str, from_user: str, media_id: str, msg_id: str, create_time: int | None = None) -> str:
    """A picture a member sends the app: PicUrl + MediaId (the protocol reference, path/96467)."""
    return message_xml(
        corp_id,
        from_user,
        "image",
        msg_id,
        {"PicUrl": f"https://wework.qpic.cn/{media_id}", "MediaId": media_id},
        create_time,
    )


def voice_xml(
    corp_id: str,
    from_user: str,
    media_id: str,
    msg_id: str,
    recognition: str | None = None,
    create_time: int | None = None,
) -> str:
    """A voice note a member sends the app: MediaId + Format (amr), as in wechatpy's work parser test.

    `Recognition` is not in the protocol reference for WeCom. Its wire form is the WeChat 公众号 one, where it
    follows Format when speech recognition is switched on: `<Recognition><![CDATA[腾讯微信团队]]></Recognition>`
    ("开通语音识别后…增加一个Recognition字段", developers.weixin.qq.com/doc/offiaccount/Message_Management/
    Receiving_standard_messages.html; the same XML in headplan/open_platform
    chapter1/shou-fa-xiao-xi/jie-shou-pu-tong-xiao-xi/yu-yin-xiao-xi.md). wechatpy's work VoiceMessage inherits
    that field, so a WeCom app that sends it is read the same way; without it (WeCom's usual case) the bot
    fetches the AMR through media/get.
    """
    fields = {"MediaId": media_id, "Format": "amr"}
    if recognition is not None:
        fields["Recognition"] = recognition
    return message_xml(corp_id, from_user, "voice", msg_id, fields, create_time)


def event_xml(
    corp_id: str, from_user: str, event: str, create_time: int | None = None, event_key: str = "", extra: str = ""
) -> str:
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event>{cdata(event)}</Event><EventKey>{cdata(event_key)}</EventKey>{extra}<AgentID>1000002</AgentID></xml>"
    )


def card_event_xml(
    corp_id: str, from_user: str, task_id: str, event_key: str, response_code: str, create_time: int | None = None
) -> str:
    extra = (
        f"<TaskId>{cdata(task_id)}</TaskId><CardType><![CDATA[button_interaction]]></CardType>"
        f"<ResponseCode>{cdata(response_code)}</ResponseCode>"
    )
    return event_xml(corp_id, from_user, "template_card_event", create_time, event_key, extra)


def kf_event_xml(corp_id: str, token: str, open_kfid: str, create_time: int | None = None) -> str:
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName><CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token>{cdata(token)}</Token><OpenKfId>{cdata(open_kfid)}</OpenKfId></xml>"
    )


def aibot_text(msgid: str, userid: str, content: str, chatid: str | None = None, response_url: str = "") -> dict:
    body: dict[str, Any] = {
        "msgid": msgid,
        "aibotid": "AIBOTID",
        "chattype": "group" if chatid else "single",
        "from": {"userid": userid},
        "response_url": response_url,
        "msgtype": "text",
        "text": {"content": content},
    }
    if chatid:
        body["chatid"] = chatid
    return body


# --- the callback sender ---------------------------------------------------------------------


@dataclass
class DeliveryResult:
    statuses: list[int | str] = field(default_factory=list)  # HTTP status, or "timeout"
    latencies: list[float] = field(default_factory=list)
    body: bytes = b""

    @property
    def accepted(self) -> bool:
        return bool(self.statuses) and self.statuses[-1] == 200

    @property
    def deliveries(self) -> int:
        return len(self.statuses)


class FakeWeComSender:
    """Delivers encrypted callbacks to one URL the way WeCom does."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        token: str,
        encoding_aes_key: str,
        receive_id: str,
        deadline: float = 5.0,
        deliveries: int = 3,
        resign_retries: bool = False,
    ):
        self.session = session
        self.url = url
        self.crypto = CallbackCrypto(token, encoding_aes_key, receive_id)
        self.receive_id = receive_id
        self.deadline = deadline
        self.deliveries = deliveries
        self.resign_retries = resign_retries  # [U] whether WeCom re-signs a retry: configurable

    def _signed_query(self, encrypt: str) -> dict[str, str]:
        ts, nonce = str(int(time.time())), new_nonce()
        return {"msg_signature": signature(self.crypto.token, ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}

    def envelope_xml(self, plaintext: str, agent_id: str = "1000002") -> tuple[bytes, dict[str, str]]:
        encrypt = self.crypto.encrypt_raw(plaintext)
        body = (
            f"<xml><ToUserName>{cdata(self.receive_id)}</ToUserName><AgentID>{cdata(agent_id)}</AgentID>"
            f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        ).encode()
        return body, self._signed_query(encrypt)

    def envelope_json(self, payload: dict) -> tuple[bytes, dict[str, str]]:
        encrypt = self.crypto.encrypt_raw(json.dumps(payload, ensure_ascii=False))
        return json.dumps({"encrypt": encrypt}).encode(), self._signed_query(encrypt)

    async def verify_url(self, echo: str = "1288432023552776189") -> tuple[int, str]:
        encrypt = self.crypto.encrypt_raw(echo)
        params = {**self._signed_query(encrypt), "echostr": encrypt}
        async with self.session.get(self.url, params=params) as resp:
            return resp.status, await resp.text()

    async def post_raw(
        self, body: bytes, params: dict[str, str], *, deliveries: int | None = None, content_type: str = "text/xml"
    ) -> DeliveryResult:
        result = DeliveryResult()
        for attempt in range(deliveries or self.deliveries):
            if attempt and self.resign_retries:
                params = {**params, **{k: v for k, v in self._resign(body).items()}}
            start = time.perf_counter()
            try:
                async with self.session.post(
                    self.url,
                    params=params,
                    data=body,
                    headers={"Content-Type": content_type},
                    timeout=aiohttp.ClientTimeout(total=self.deadline),
                ) as resp:
                    result.body = await resp.read()
                    result.statuses.append(resp.status)
            except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
                result.statuses.append("timeout")
            except aiohttp.ClientError as exc:
                result.statuses.append(type(exc).__name__)
            result.latencies.append(time.perf_counter() - start)
            if result.statuses[-1] == 200:
                break
        return result

    def _resign(self, body: bytes) -> dict[str, str]:
        try:
            encrypt = json.loads(body)["encrypt"]
        except (ValueError, KeyError):
            encrypt = body.split(b"<Encrypt><![CDATA[")[1].split(b"]]>")[0].decode()
        return self._signed_query(encrypt)

    async def post_xml(self, plaintext: str, **kw) -> DeliveryResult:
        body, params = self.envelope_xml(plaintext)
        return await self.post_raw(body, params, **kw)

    async def post_json(self, payload: dict, **kw) -> DeliveryResult:
        body, params = self.envelope_json(payload)
        if payload.get("msgtype") == "event" and payload.get("event", {}).get("eventtype") == "template_card_event":
            kw.setdefault("deliveries", 1)  # A8: card events are sent once and dropped after 5 s
        return await self.post_raw(body, params, content_type="application/json", **kw)

    def decrypt_json_reply(self, body: bytes) -> dict | None:
        """The AI bot's encrypted passive reply -> plaintext dict (None for an empty 200)."""
        if not body.strip():
            return None
        envelope = json.loads(body)
        plain = self.crypto.decrypt(
            envelope["encrypt"], envelope["msgsignature"], str(envelope["timestamp"]), envelope["nonce"]
        )
        return json.loads(plain)


# --- the fake server API ---------------------------------------------------------------------


@dataclass
class Fault:
    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0


class FakeQyapi:
    """A local qyapi. `base_url` goes into WECOM_API_BASE."""

    def __init__(self, corp_id: str = "wwcorp000000000001", secret: str = "secret-abc", token_ttl: int = 7200):
        self.corp_id = corp_id
        self.secret = secret
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}  # token -> expires_at (monotonic)
        self.expired_code = 42001
        self._token_seq = itertools.count(1)
        self._response_seq = itertools.count(1)
        self.calls: list[dict] = []
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.delays: dict[str, float] = defaultdict(float)
        self.users: dict[str, dict] = {}
        self.auto_users = False  # user/get invents a member for any unknown userid (load tests)
        self.departments: dict[int, dict] = {}
        self.media: dict[str, tuple[bytes, str] | tuple[bytes, str, str]] = {}  # id -> (data, filename[, type])
        self.files: dict[str, tuple[bytes, str]] = {}  # served at /files/<name> (AI bot downloads)
        self.kf_messages: dict[str, list[dict]] = defaultdict(list)
        self.used_response_codes: set[str] = set()
        self.send_codes: dict[str, str] = {}  # response_code message/send returned for a card -> its touser
        self.response_url_posts: list[dict] = []
        self.delivered_at: dict[tuple[str, str, str], float] = {}  # (touser, msgtype, body) -> last delivery
        self.duplicates_dropped = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sent = asyncio.Event()

    # --- control ---

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin"

    def inject(
        self, path: str, *, errcode: int | None = None, status: int | None = None, delay: float = 0.0, times: int = 1
    ) -> None:
        for _ in range(times):
            self.faults[path].append(Fault(errcode, status, delay))

    def expire_tokens(self, code: int = 42001) -> None:
        """Invalidate every issued token early, as WeCom may ("提前使access_token失效"), answering `code`."""
        self.expired_code = code
        for tok in self.tokens:
            self.tokens[tok] = 0.0

    def calls_to(self, path: str) -> list[dict]:
        return [c for c in self.calls if c["path"] == path]

    def sends(self) -> list[dict]:
        """message/send bodies WeCom delivered, in order (a send dropped by the duplicate check is not one)."""
        return [c["json"] for c in self.calls if c["path"] == "message/send" and c.get("ok") and not c.get("duplicate")]

    def add_kf_message(
        self, open_kfid: str, external_userid: str, text: str, *, origin: int = 3, msgid: str | None = None
    ) -> dict:
        msgs = self.kf_messages[open_kfid]
        msg = {
            "msgid": msgid or f"kfmsg{len(msgs) + 1:04d}",
            "open_kfid": open_kfid,
            "external_userid": external_userid,
            "send_time": int(time.time()),
            "origin": origin,
            "msgtype": "text",
            "text": {"content": text},
        }
        msgs.append(msg)
        return msg

    def add_media(self, media_id: str, data: bytes, content_type: str) -> None:
        """A temporary media file (a member's picture or voice note) that media/get serves."""
        ext = {"image/jpeg": "jpg", "image/png": "png", "audio/amr": "amr"}.get(content_type, "bin")
        self.media[media_id] = (data, f"{media_id}.{ext}", content_type)

    def add_file(self, name: str, data: bytes, filename: str) -> str:
        self.files[name] = (data, filename)
        return f"http://127.0.0.1:{self.port}/files/{name}"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/aibot/response?response_code=rc{next(self._response_seq)}"

    # --- server ---

    async def start(self) -> "FakeQyapi":
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{path:.+}", self._handle)
        app.router.add_get("/files/{name}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc):
        await self.stop()

    async def _file(self, request: web.Request) -> web.Response:
        data, filename = self.files[request.match_info["name"]]
        return web.Response(
            body=data,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Content-Type": "application/octet-stream",
            },
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        body = await request.read()
        payload = json.loads(body) if body else None
        call = {"path": path, "params": dict(request.query), "json": payload, "at": time.monotonic(), "ok": False}
        self.calls.append(call)
        if self.delays[path]:
            await asyncio.sleep(self.delays[path])
        if self.faults[path]:
            fault = self.faults[path].popleft()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                return web.Response(status=fault.status, text="upstream error")
            if fault.errcode is not None:
                return web.json_response({"errcode": fault.errcode, "errmsg": f"injected {fault.errcode}"})
        if path == "gettoken":
            return self._gettoken(request, call)
        if path == "aibot/response":
            return self._aibot_response(request, payload, call)
        token = request.query.get("access_token", "")
        if not token:
            return web.json_response({"errcode": 41001, "errmsg": "access_token missing"})
        if token not in self.tokens:
            return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
        if self.tokens[token] <= time.monotonic():
            return web.json_response({"errcode": self.expired_code, "errmsg": "access_token expired"})
        handler = getattr(self, "_api_" + path.replace("/", "_"), None)
        if handler is None:
            return web.json_response({"errcode": 404, "errmsg": f"unknown api {path}"})
        result = handler(request, payload, call) if path == "message/send" else handler(request, payload)
        if isinstance(result, web.StreamResponse):
            call["ok"] = True
            return result
        call["ok"] = result.get("errcode", 0) == 0
        if call["ok"]:
            self.sent.set()
        return web.json_response(result)

    def _gettoken(self, request, call):
        if request.query.get("corpid") != self.corp_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid corpid"})
        if request.query.get("corpsecret") != self.secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        token = f"tok{next(self._token_seq):04d}"
        self.tokens[token] = time.monotonic() + self.token_ttl
        call["ok"] = True
        return web.json_response({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.token_ttl})

    def _aibot_response(self, request, payload, call):
        code = request.query.get("response_code", "")
        if code in self.used_response_codes:
            return web.json_response({"errcode": 40067, "errmsg": "response_code used"})  # code is illustrative
        self.used_response_codes.add(code)
        self.response_url_posts.append({"response_code": code, "json": payload})
        call["ok"] = True
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def _api_message_send(self, request, payload, call):
        if payload.get("msgtype") in ("text", "markdown"):
            content = payload[payload["msgtype"]]["content"]
            if len(content.encode()) > 2048:  # WeCom truncates silently; the fake flags it loudly
                return {"errcode": 0, "errmsg": "ok", "truncated": True}
        msgtype = str(payload.get("msgtype"))
        key = (
            str(payload.get("touser")),
            msgtype,
            json.dumps(payload.get(msgtype), sort_keys=True, ensure_ascii=False),
        )
        now = time.monotonic()
        if payload.get("enable_duplicate_check") == 1:
            interval = min(int(payload.get("duplicate_check_interval") or 1800), 4 * 3600)
            last = self.delivered_at.get(key)
            if last is not None and now - last < interval:
                call["duplicate"] = True
                self.duplicates_dropped += 1
                return {"errcode": 0, "errmsg": "ok"}  # [U] what WeCom answers for a dropped duplicate
        self.delivered_at[key] = now
        result = {"errcode": 0, "errmsg": "ok", "msgid": f"m{len(self.calls)}"}
        if payload.get("msgtype") == "template_card":
            result["response_code"] = call["response_code"] = f"send-rc-{len(self.calls)}"
            self.send_codes[result["response_code"]] = str(payload.get("touser"))
        return result

    def _api_message_update_template_card(self, request, payload):
        code = payload.get("response_code", "")
        if code in self.used_response_codes:
            return {"errcode": 40067, "errmsg": "response_code already used"}  # code is illustrative
        if code in self.send_codes and payload.get("userids") != [self.send_codes[code]]:
            return {"errcode": 40058, "errmsg": "response_code does not belong to these users"}  # illustrative
        self.used_response_codes.add(code)
        return {"errcode": 0, "errmsg": "ok"}

    def _api_appchat_send(self, request, payload):
        return {"errcode": 0, "errmsg": "ok"}

    def _api_user_get(self, request, payload):
        userid = request.query.get("userid", "")
        user = self.users.get(userid)
        if user is None and self.auto_users and userid:
            user = {"userid": userid, "name": f"销售{userid[-4:]}", "department": [1], "main_department": 1}
        if user is None:
            return {"errcode": 60111, "errmsg": "userid not found"}
        return {"errcode": 0, "errmsg": "ok", **user}

    def _api_department_get(self, request, payload):
        dept = self.departments.get(int(request.query.get("id", "0")))
        if dept is None:
            return {"errcode": 60123, "errmsg": "invalid party id"}
        return {"errcode": 0, "errmsg": "ok", "department": dept}

    def _api_media_get(self, request, payload):
        item = self.media.get(request.query.get("media_id", ""))
        if item is None:
            return {"errcode": 40007, "errmsg": "invalid media_id"}
        data, filename, *kind = item
        # the documented success answer (path/96486): the file's own Content-Type and an attachment disposition
        # naming the file after its media id; errors are JSON (40007 above)
        return web.Response(
            body=data,
            headers={
                "Content-disposition": f'attachment; filename="{filename}"',
                "Content-Type": kind[0] if kind else "application/octet-stream",
                "Cache-Control": "no-cache, must-revalidate",
            },
        )

    def _api_kf_sync_msg(self, request, payload):
        msgs = self.kf_messages[payload["open_kfid"]]
        start = int(payload.get("cursor", "c0")[1:] or 0) if payload.get("cursor") else 0
        limit = int(payload.get("limit", 1000))
        batch = msgs[start : start + limit]
        end = start + len(batch)
        return {
            "errcode": 0,
            "errmsg": "ok",
            "next_cursor": f"c{end}",
            "has_more": int(end < len(msgs)),
            "msg_list": batch,
        }

    def _api_kf_send_msg(self, request, payload):
        return {"errcode": 0, "errmsg": "ok", "msgid": f"kfsent{len(self.calls)}"}
