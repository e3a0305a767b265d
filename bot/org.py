"""Who we are and who we compete with: the org profile every capability reads.

Seeded from the settings SALESBOT_ORG_NAME and SALESBOT_COMPETITORS; the capture capability lets admins edit it
in the console (stored rows override the settings). Capabilities ask `runtime`-level code for the profile and
never hard-code company names, so that one deployment's vendor name is never taken for a customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _split(value: str, sep: str) -> list[str]:
    return [part.strip() for part in value.replace("，", ",").split(sep) if part.strip()]


@dataclass(frozen=True)
class Competitor:
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class OrgProfile:
    names: tuple[str, ...] = ()  # our company's names and aliases, the first one canonical
    products: tuple[str, ...] = ()
    competitors: tuple[Competitor, ...] = field(default_factory=tuple)

    @classmethod
    def from_settings(cls, settings) -> OrgProfile:
        names = _split(getattr(settings, "org_name", "") or "", ",")
        company = (getattr(settings, "company_name", "") or "").strip()
        if company and company not in names:
            names.append(company)
        competitors = []
        for entry in _split(getattr(settings, "competitors", "") or "", ","):
            parts = _split(entry, "/")
            if parts:
                competitors.append(Competitor(parts[0], tuple(parts[1:])))
        return cls(names=tuple(names), competitors=tuple(competitors))

    def competitor_names(self) -> list[str]:
        return [c.name for c in self.competitors]
