"""Shared setup for the WeCom end-to-end tests and the benchmark: fake qyapi + App + HTTP server + senders."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from aiohttp.test_utils import TestServer

from salesbot.server import build_web_app
from tests.conftest import running_app
from tests.fakes.wecom import FakeQyapi, FakeWeComSender

CORP_ID = "wwcorp000000000001"
APP_TOKEN = "apptoken123"
APP_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
AIBOT_TOKEN = "aibottoken456"
AIBOT_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
SECRET = "secret-abc"


def wecom_env(qyapi: FakeQyapi) -> dict[str, str]:
    return {
        "WECOM_CORP_ID": CORP_ID,
        "WECOM_AGENT_ID": "1000002",
        "WECOM_SECRET": SECRET,
        "WECOM_TOKEN": APP_TOKEN,
        "WECOM_ENCODING_AES_KEY": APP_KEY,
        "WECOM_API_BASE": qyapi.base_url,
        "WECOM_AIBOT_TOKEN": AIBOT_TOKEN,
        "WECOM_AIBOT_ENCODING_AES_KEY": AIBOT_KEY,
    }


@dataclass
class WeComRig:
    app: object
    qyapi: FakeQyapi
    server: TestServer
    session: aiohttp.ClientSession
    sender: FakeWeComSender  # self-built app callbacks
    aibot: FakeWeComSender  # AI bot callbacks

    @property
    def adapter(self):
        return self.app.adapters["wecom"] if "wecom" in self.app.adapters else self.app.adapters["wecom_aibot"]

    async def settle(self) -> None:
        """Everything in flight done: ingress background work (every WeCom entry point), turns, outbox sends."""
        for _ in range(3):
            for adapter in self.app.unique_adapters():
                if hasattr(adapter, "drain"):
                    await adapter.drain()
            await self.app.drain()

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


@asynccontextmanager
async def wecom_rig(tmp_path, *, deadline: float = 5.0, demo: bool = False, qyapi: FakeQyapi | None = None, **env):
    own_qyapi = qyapi is None
    qyapi = qyapi or await FakeQyapi(CORP_ID, SECRET).start()
    try:
        async with running_app(tmp_path, demo=demo, **{**wecom_env(qyapi), **env}) as app:
            server = TestServer(build_web_app(app), host="127.0.0.1")
            await server.start_server()
            try:
                async with aiohttp.ClientSession() as session:
                    sender = FakeWeComSender(
                        session,
                        str(server.make_url("/wecom/callback")),
                        token=APP_TOKEN,
                        encoding_aes_key=APP_KEY,
                        receive_id=CORP_ID,
                        deadline=deadline,
                    )
                    aibot = FakeWeComSender(
                        session,
                        str(server.make_url("/wecom/aibot")),
                        token=AIBOT_TOKEN,
                        encoding_aes_key=AIBOT_KEY,
                        receive_id="",
                        deadline=deadline,
                    )
                    yield WeComRig(app, qyapi, server, session, sender, aibot)
            finally:
                await server.close()
    finally:
        if own_qyapi:
            await qyapi.stop()
