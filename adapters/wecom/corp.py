"""What the WeCom entry points of one corp share: one API client (one access token) and one recipient pacer.

The self-built app and 微信客服 call the server API with the app's secret, so they must share one client: two
clients would each fetch a token, and every gettoken invalidates nothing but costs a rate-limited call. The AI
bot uses the same client only for full URLs (file downloads, response_url), which need no token.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from adapters.wecom.api import WeComAPI, WeComAPIError
from adapters.wecom.pacing import PER_MINUTE, RecipientPacer
from bot.adapter import DirectoryEntry, TransientSendError
from bot.locks import SlidingWindowLimiter

if TYPE_CHECKING:  # pragma: no cover
    from adapters.wecom.app.config import WeComAppConfig  # the corp's settings are the self-built app's
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

DEPARTMENT_TTL = 86400


class WeComCorp:
    def __init__(self, app: "Runtime", config: "WeComAppConfig"):
        self.app = app
        self.config = config
        self.corp_id = config.wecom_corp_id or ""
        self.agent_id = config.agent_id
        # user/get and department/get need the self-built app's secret
        self.has_directory = config.enabled
        self._api: WeComAPI | None = None
        limiter = None
        if getattr(app, "redis", None) is not None:  # several replicas share WeCom's per-member cap
            limiter = SlidingWindowLimiter(
                limit=PER_MINUTE,
                window=60.0,
                redis=app.redis,
                prefix=app.settings.redis_prefix,
                name=f"wecom_pace:{self.corp_id}:{self.agent_id}",
            )
        self.pacer = RecipientPacer(limiter=limiter)

    @property
    def api(self) -> WeComAPI:
        if self._api is None:
            if self.app.http is None:
                raise RuntimeError("app.http is not open (app.start() not called)")
            self._api = WeComAPI(
                self.app.http,
                self.app.kv,
                base_url=self.config.wecom_api_base,
                corp_id=self.corp_id,
                secret=self.config.wecom_secret or "",
                attempts=2,
            )
        return self._api

    async def lookup_user(self, user_id: str) -> DirectoryEntry | None:
        """user/get (and the main department's name): what the directory says about a colleague."""
        try:
            info = await self.api.get_user(user_id)  # the userid goes out as the string it is ("007")
        except WeComAPIError as exc:
            log.info("wecom user/get %s: %s", user_id, exc)
            return None
        except TransientSendError as exc:
            log.warning("wecom user/get %s unavailable: %s", user_id, exc)
            return None
        department = None
        dept_ids = [info.get("main_department")] if info.get("main_department") else (info.get("department") or [])[:1]
        if dept_ids:
            department = await self._department_name(dept_ids[0])
        return DirectoryEntry(
            user_id=str(info.get("userid") or user_id),
            name=info.get("name") or user_id,
            department=department,
            mobile=info.get("mobile") or None,
            email=info.get("email") or info.get("biz_mail") or None,
            title=info.get("position") or None,
        )

    async def _department_name(self, dept_id) -> str | None:
        key = f"wecom:department:{dept_id}"
        cached = await self.app.kv.get(key)
        if cached:
            return cached
        try:
            name = ((await self.api.get_department(dept_id)).get("department") or {}).get("name")
        except (WeComAPIError, TransientSendError):
            return str(dept_id)
        if name:
            await self.app.kv.set(key, name, DEPARTMENT_TTL)
        return name or str(dept_id)
