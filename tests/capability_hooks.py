"""Test-only capability parts (a card prefix, an inbound kind, a command) put into the apps a test builds.

Capabilities are included per app by the composition root (salesbot/app.py `build_capabilities`), so a test
hooks in there; an inbound kind a real capability handles (FILE) is replaced for that test only.
"""

from __future__ import annotations

import pytest

import salesbot.app as composition
from bot.capabilities import STAFF, Command


@pytest.fixture
def test_registries(monkeypatch):
    cards, kinds, commands = {}, {}, {}
    build = composition.build_capabilities

    def build_with_test_parts():
        capabilities = build()
        capabilities.card_handlers.update(cards)
        capabilities.kind_handlers.update(kinds)
        for name, fn in commands.items():
            capabilities.commands[name.lower()] = Command(name, f"/{name}", "test only", fn, STAFF)
        return capabilities

    monkeypatch.setattr(composition, "build_capabilities", build_with_test_parts)

    def card(prefix, fn):
        cards[prefix] = fn

    def kind(k, fn):
        kinds[k] = fn

    def command(name, fn):
        commands[name] = fn

    yield card, kind, command
