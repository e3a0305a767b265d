"""Prompt templates: the default text ships in prompts/*.md; edited versions live in the database.

`render(name, **values)` fills `{placeholders}`; a published database version (admin console) wins
over the file, so a change needs no restart.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

_OVERRIDES: dict[str, str] = {}  # published versions, kept current by the admin console


@lru_cache(maxsize=None)  # the shipped files don't change while we run; read once, not on every turn
def default_text(name: str) -> str:
    return resources.files("prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")


def set_published(name: str, text: str | None) -> None:
    if text is None:
        _OVERRIDES.pop(name, None)
    else:
        _OVERRIDES[name] = text


def template(name: str) -> str:
    return _OVERRIDES.get(name) or default_text(name)


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(prompt_name: str, /, **values) -> str:
    return template(prompt_name).format_map(_Missing(values))
