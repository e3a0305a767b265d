"""Signals → actions (placeholder, filled in below)."""

from bot.capabilities import Capabilities, Router

router = Router("signals")


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
