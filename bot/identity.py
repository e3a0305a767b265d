"""Who is speaking: a platform user id → a staff user (rep/manager/admin) or a customer contact.

Ids are looked up in PlatformIdentity by identity namespace, which the adapter names: a platform is its own
namespace unless its adapter maps it into another's (`Adapter.identity_namespaces`, e.g. the WeCom AI bot
shares the self-built app's userids). Apart from the username namespace below, the core names no platform.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cachetools import TTLCache
from sqlalchemy import bindparam, delete
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.messages import Actor, Inbound, Role
from bot.models import PlatformIdentity, StaffUser

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# The namespace whose ids are staff usernames: every staff user is reachable there by username without a
# PlatformIdentity row (the console channel addresses people by the username they log in with).
USERNAME_NAMESPACE = "console"

_IDENT = PlatformIdentity.__table__
_STAFF = StaffUser.__table__
# every turn of a known speaker: one Core query instead of two ORM round trips
_KNOWN_SPEAKER = (
    core_select(
        _IDENT.c.staff_user_id,
        _IDENT.c.contact_id,
        _IDENT.c.display_name,
        _STAFF.c.id,
        _STAFF.c.role,
        _STAFF.c.name,
        _STAFF.c.team,
        _STAFF.c.active,
    )
    .select_from(_IDENT.outerjoin(_STAFF, _STAFF.c.id == _IDENT.c.staff_user_id))
    .where(_IDENT.c.platform == bindparam("platform"), _IDENT.c.external_id == bindparam("external_id"))
    .limit(1)
)
# a staff member's ids, oldest first: when a namespace holds several, the newest mapping wins
_STAFF_IDS = (
    core_select(_IDENT.c.platform, _IDENT.c.external_id)
    .where(_IDENT.c.staff_user_id == bindparam("staff_user_id"))
    .order_by(_IDENT.c.id)
)


def namespace_of(app: "Runtime", platform: str) -> str:
    """The identity namespace of an inbound platform (the platform itself when no adapter maps it)."""
    adapter = app.adapters.get(platform)
    return getattr(adapter, "identity_namespaces", {}).get(platform, platform)


async def staff_ids(db, staff_id: int) -> dict[str, str]:
    """namespace → this staff member's id there."""
    rows = await db.fetch(_STAFF_IDS, {"staff_user_id": staff_id})
    return {row["platform"]: row["external_id"] for row in rows}


async def all_staff_ids(s: "AsyncSession", staff_id: int | None = None) -> dict[int, dict[str, str]]:
    """staff user id → namespace → id, for everyone (admin lists, directory import) or one staff member."""
    query = select(PlatformIdentity.staff_user_id, PlatformIdentity.platform, PlatformIdentity.external_id)
    if staff_id is None:
        query = query.where(PlatformIdentity.staff_user_id.is_not(None))
    else:
        query = query.where(PlatformIdentity.staff_user_id == staff_id)
    rows = await s.execute(query.order_by(PlatformIdentity.id))
    out: dict[int, dict[str, str]] = {}
    for owner, namespace, external_id in rows:
        out.setdefault(owner, {})[namespace] = external_id
    return out


async def set_staff_id(s: "AsyncSession", user: StaffUser, namespace: str, external_id: str | None) -> None:
    """Make `external_id` this staff member's only id in the namespace (None: no id there).

    Whoever held the id before loses it (callers refuse ids of other staff first; what is left is a customer
    contact's row), so identity never keeps routing the id to the previous holder.
    """
    await s.execute(
        delete(PlatformIdentity).where(
            PlatformIdentity.platform == namespace, PlatformIdentity.staff_user_id == user.id
        )
    )
    if external_id:
        await s.execute(
            delete(PlatformIdentity).where(
                PlatformIdentity.platform == namespace, PlatformIdentity.external_id == external_id
            )
        )
        s.add(
            PlatformIdentity(platform=namespace, external_id=external_id, staff_user_id=user.id, display_name=user.name)
        )


def actor_for(user: StaffUser) -> Actor:
    return Actor(role=Role(user.role), staff_id=user.id, name=user.name, team=user.team)


class Identity:
    # who someone is changes rarely (an admin edit); a short cache saves two queries on every turn
    CACHE_SECONDS = 30.0

    def __init__(self, app: "Runtime"):
        self.app = app
        # bounded: the least recently used go first when a flood of new senders fills it
        self._cache: TTLCache[tuple, Actor] = TTLCache(maxsize=50_000, ttl=self.CACHE_SECONDS)

    def forget(self) -> None:
        """Drop cached identities (after an admin changes people or roles)."""
        self._cache.clear()

    async def resolve(self, inbound: Inbound) -> Actor | None:
        """The actor, or None for a staff channel user we cannot place (they get a clear message)."""
        key = (inbound.platform, inbound.sender_id, inbound.role_hint)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        actor = await self._resolve(inbound)
        if actor is not None:
            self._cache[key] = actor
        return actor

    async def _resolve(self, inbound: Inbound) -> Actor | None:
        namespace = namespace_of(self.app, inbound.platform)
        if inbound.role_hint is Role.CUSTOMER:
            return await self._customer(inbound, namespace)
        rows = await self.app.db.fetch(_KNOWN_SPEAKER, {"platform": namespace, "external_id": inbound.sender_id})
        if rows:
            return _known(rows[0])
        if namespace == USERNAME_NAMESPACE:
            async with self.app.db.session() as s:
                user = (
                    (await s.execute(select(StaffUser).where(StaffUser.username == inbound.sender_id)))
                    .scalars()
                    .first()
                )
            if user is None:
                return None
            return actor_for(user) if user.active else None
        return await self._first_contact(inbound, namespace)

    async def _customer(self, inbound: Inbound, namespace: str) -> Actor:
        async with self.app.db.session() as s:
            ident = (
                (
                    await s.execute(
                        select(PlatformIdentity).where(
                            PlatformIdentity.platform == namespace, PlatformIdentity.external_id == inbound.sender_id
                        )
                    )
                )
                .scalars()
                .first()
            )
        contact_id = ident.contact_id if ident else None
        return Actor(role=Role.CUSTOMER, contact_id=contact_id, name=inbound.sender_name)

    async def _first_contact(self, inbound: Inbound, namespace: str) -> Actor | None:
        """A colleague writing for the first time: create them from the platform's directory.

        Only in a namespace some adapter reaches staff through: other platforms (a customer service inbox,
        the web chat) never turn an unknown sender into a colleague.
        """
        adapter = self.app.adapters.get(inbound.platform)
        if adapter is None or not any(
            getattr(a, "staff_namespace", None) == namespace for a in self.app.unique_adapters()
        ):
            return None
        entry = await adapter.lookup_user(inbound.platform, inbound.sender_id)
        if entry is None:
            return None
        user = StaffUser(
            username=f"{inbound.platform}_{inbound.sender_id}"[:64],
            name=entry.name or inbound.sender_id,
            role="rep",
            team=entry.department,
            phone=entry.mobile,
            email=entry.email,
            title=entry.title,
        )
        try:
            async with self.app.db.write() as s:
                s.add(user)
                await s.flush()
                s.add(
                    PlatformIdentity(
                        platform=namespace, external_id=inbound.sender_id, staff_user_id=user.id, display_name=user.name
                    )
                )
        except IntegrityError:  # created by a concurrent first message: read it back
            rows = await self.app.db.fetch(_KNOWN_SPEAKER, {"platform": namespace, "external_id": inbound.sender_id})
            return _known(rows[0]) if rows else None
        log.info("created staff user %s for %s:%s", user.id, inbound.platform, inbound.sender_id)
        return actor_for(user)


def _known(row) -> Actor | None:
    """The actor of a PlatformIdentity row (joined with its staff user); None for a deactivated colleague."""
    if row["staff_user_id"]:
        if row["id"] is None or not row["active"]:
            return None
        return Actor(role=Role(row["role"]), staff_id=row["id"], name=row["name"], team=row["team"])
    return Actor(role=Role.CUSTOMER, contact_id=row["contact_id"], name=row["display_name"] or "")
