"""Prompt templates: the default text ships in prompts/*.md; edited versions live in the database.

Each app holds one `PromptTemplates` (`Runtime.prompts`): the versions published in the admin console win
over the files, so a change needs no restart; `render(name, **values)` fills `{placeholders}`.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)  # the shipped files don't change while we run; read once, not on every turn
def default_text(name: str) -> str:
    return resources.files("prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class PromptTemplates:
    """The prompts one app uses: the shipped files, with the console's published versions on top."""

    def __init__(self) -> None:
        self._published: dict[str, str] = {}  # kept current by the console (salesbot/admin/prompt_store.py)

    def set_published(self, name: str, text: str | None) -> None:
        if text is None:
            self._published.pop(name, None)
        else:
            self._published[name] = text

    def template(self, name: str) -> str:
        return self._published.get(name) or default_text(name)

    def render(self, prompt_name: str, /, **values) -> str:
        return self.template(prompt_name).format_map(_Missing(values))
