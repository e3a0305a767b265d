"""The channels: every adapter package, in the order its adapters are started, and their settings.

Each package exposes `build_adapters(app)` (its adapters, or [] when its channel is off) and `CONFIGS`,
the settings models it reads (adapters/<platform>/config.py).
"""

from __future__ import annotations

from adapters import console, dingtalk, web, wecom
from bot.settings import Settings

ADAPTERS = [console, wecom, dingtalk, web]


def setting_models() -> list[type]:
    """Every settings model: the core's and each adapter package's, e.g. to document them all."""
    models: list[type] = [Settings]
    for package in ADAPTERS:
        models += package.CONFIGS
    return models


def check_channels(settings: Settings) -> list:
    """Every adapter package's settings, built once so that a half-configured channel is a ConfigError at
    startup (naming the missing setting) rather than a failure on the first message."""
    return [settings.section(model) for package in ADAPTERS for model in package.CONFIGS]


def enabled_channels(settings: Settings) -> list[str]:
    """The names of the channels whose credentials are all given ("企业微信自建应用", "钉钉", ...);
    raises ConfigError for a half-configured one."""
    return [c.channel for c in check_channels(settings) if c.required and c.enabled]
