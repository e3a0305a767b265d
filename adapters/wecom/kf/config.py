"""Settings of 微信客服: the self-built app's. Its events arrive on the app's callback URL, encrypted with the app's
token and key, and kf/sync_msg and kf/send_msg are called with the app's secret, so 微信客服 is on exactly when the
self-built app is."""

from __future__ import annotations

from adapters.wecom.app.config import WeComAppConfig

WeComKfConfig = WeComAppConfig

__all__ = ["WeComKfConfig"]
