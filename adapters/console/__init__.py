"""The console channel (`salesbot chat`): always on, it needs no settings. adapter.py holds the Adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.console.adapter import ConsoleAdapter, render_reply

if TYPE_CHECKING:  # pragma: no cover
    from bot.adapter import Adapter
    from bot.runtime import Runtime

CONFIGS = ()

__all__ = ["CONFIGS", "ConsoleAdapter", "build_adapters", "render_reply"]


def build_adapters(app: "Runtime") -> list["Adapter"]:
    return [ConsoleAdapter(app)]
