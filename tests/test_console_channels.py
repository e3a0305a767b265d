"""The console's 渠道 page against the WeCom and DingTalk fakes: the URLs to paste, the settings in force with
secrets masked, doctor's live checks (a wrong secret shows 40001 with its fix), the last message in and out, and
「发一条测试消息」 to a chosen colleague through the outbox to the platform."""

from __future__ import annotations

import re

from bot.identity import set_staff_id
from bot.models import StaffUser
from tests.admin_support import make_accounts, serving, signed_in
from tests.conftest import running_app
from tests.fakes.dingtalk import FakeDingTalk
from tests.wecom_support import APP_KEY, APP_TOKEN, SECRET, wecom_rig

PUBLIC = "http://127.0.0.1:9"  # nothing listens there: the callback check must say so


def _section(page: str, key: str) -> str:
    return page.split(f'id="channel-{key}"', 1)[1].split("</section>", 1)[0]


async def test_wecom_channel_urls_settings_health_and_a_test_message(tmp_path):
    async with wecom_rig(tmp_path, demo=True, SALESBOT_PUBLIC_URL=PUBLIC) as rig:
        app = rig.app
        await make_accounts(app)
        zhang = await app.staff_by_username("zhangwei")
        async with app.db.write() as s:
            await set_staff_id(s, await s.get(StaffUser, zhang.id), "wecom", "ZhangWei")
        async with app.db.write() as s:
            newbie = StaffUser(username="newbie", name="新同事", role="rep")
            s.add(newbie)
        newbie_id = newbie.id
        async with serving(app) as base, signed_in(base) as admin:
            status, page = await admin.get("/admin/channels")
            assert status == 200
            wecom = _section(page, "WeComAppConfig")
            assert f"{PUBLIC}/wecom/callback" in wecom  # the URL to paste
            assert f"{PUBLIC}/wecom/aibot" in _section(page, "WeComAIBotConfig")
            # settings in force, secrets only by length
            assert "WECOM_CORP_ID" in wecom and "wwcorp000000000001" in wecom
            for secret in (SECRET, APP_TOKEN, APP_KEY):
                assert secret not in page
            assert f"已设置（{len(SECRET)} 位" in wecom and "已设置（43 位" in wecom
            # doctor's checks, live: the secret works, the public URL does not reach us
            assert "拿到了 access_token" in wecom
            assert "访问不到" in wecom and 'id="channel-WeComAppConfig" data-light="fail"' in page
            assert "Stream 模式" in _section(page, "DingTalkConfig") and "未开启" in _section(page, "DingTalkConfig")
            assert "最近发出：-" in wecom

            # a wrong secret: WeCom's 40001 with the fix in Chinese
            rig.qyapi.inject("gettoken", errcode=40001)
            status, page = await admin.get("/admin/channels")
            assert "errcode 40001" in _section(page, "WeComAppConfig") and "WECOM_SECRET" in page

            # the test message: only colleagues with a WeCom id are offered
            options = re.findall(r'<option value="(\d+)">([^<]+)</option>', _section(page, "WeComAppConfig"))
            assert (str(zhang.id), "张伟（ZhangWei）") in options
            assert str(newbie_id) not in [value for value, _ in options]
            status, page = await admin.post(
                "/admin/channels/WeComAppConfig/test", {"staff_id": zhang.id, "text": "渠道测试 123"}
            )
            assert status == 200 and "测试消息已送达" in page
            sent = [m for m in rig.qyapi.sends() if m.get("touser") == "ZhangWei"]
            assert len(sent) == 1 and "渠道测试 123" in str(sent[0])
            assert "最近发出：-" not in _section(page, "WeComAppConfig")

            # and when it cannot go: no id on the channel, a channel that is off, WeCom refusing the send
            status, page = await admin.post("/admin/channels/WeComAppConfig/test", {"staff_id": newbie_id})
            assert "没有账号" in page
            status, page = await admin.post("/admin/channels/DingTalkConfig/test", {"staff_id": zhang.id})
            assert "没有开启" in page
            status, page = await admin.post("/admin/channels/Nope/test", {"staff_id": zhang.id})
            assert "没有这个渠道" in page
            rig.qyapi.inject("message/send", errcode=81013, times=20)
            status, page = await admin.post("/admin/channels/WeComAppConfig/test", {"staff_id": zhang.id})
            assert "没发出去" in page and "81013" in page
            status, page = await admin.get("/admin/audit?action=channel.test")
            assert page.count("channel.test") >= 3


async def test_dingtalk_channel_in_stream_mode_and_a_test_message(tmp_path):
    fake = FakeDingTalk()
    await fake.start()
    try:
        env = {
            "DINGTALK_CLIENT_ID": fake.client_id,
            "DINGTALK_CLIENT_SECRET": fake.client_secret,
            "DINGTALK_OPENAPI_ENDPOINT": fake.base_url,
        }
        async with running_app(tmp_path, **env) as app:
            await make_accounts(app)
            zhang = await app.staff_by_username("zhangwei")
            async with app.db.write() as s:
                await set_staff_id(s, await s.get(StaffUser, zhang.id), "dingtalk", "dt_zhangwei")
            async with serving(app) as base, signed_in(base) as admin:
                status, page = await admin.get("/admin/channels")
                ding = _section(page, "DingTalkConfig")
                assert "已开启" in ding and "Stream 模式" in ding and "不用填回调地址" in ding
                assert "Client ID 和 Client Secret 正确" in ding and "Stream 长连接可以建立" in ding
                assert fake.client_secret not in page
                status, page = await admin.post(
                    "/admin/channels/DingTalkConfig/test", {"staff_id": zhang.id, "text": "钉钉通了吗"}
                )
                assert "测试消息已送达" in page
                assert any(
                    "钉钉通了吗" in str(s["param"]) and "dt_zhangwei" in str(s["body"]) for s in fake.robot_sends
                )
    finally:
        await fake.close()
