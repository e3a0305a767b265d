"""Who is speaking: a platform user id → a staff user (rep/manager/admin) or a customer contact."""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.messages import Actor, Inbound, Role
from bot.models import PlatformIdentity, StaffUser

if TYPE_CHECKING:  # pragma: no cover
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# the StaffUser column that holds each platform's user id
STAFF_ID_COLUMN = {
    "wecom": "wecom_userid",
    "wecom_aibot": "wecom_userid",
    "dingtalk": "dingtalk_staff_id",
    "console": "username",
}


_IDENT = PlatformIdentity.__table__
_STAFF = StaffUser.__table__
# every turn of a known speaker: one Core query instead of two ORM round trips
_KNOWN_SPEAKER = (
    core_select(_IDENT.c.staff_user_id, _IDENT.c.contact_id, _IDENT.c.display_name,
                _STAFF.c.id, _STAFF.c.role, _STAFF.c.name, _STAFF.c.team, _STAFF.c.active)
    .select_from(_IDENT.outerjoin(_STAFF, _STAFF.c.id == _IDENT.c.staff_user_id))
    .where(_IDENT.c.platform == bindparam("platform"), _IDENT.c.external_id == bindparam("external_id"))
    .limit(1)
)


def actor_for(user: StaffUser) -> Actor:
    return Actor(role=Role(user.role), staff_id=user.id, name=user.name, team=user.team)


class Identity:
    # who someone is changes rarely (an admin edit); a short cache saves two queries on every turn
    CACHE_SECONDS = 30.0

    def __init__(self, app: "Runtime"):
        self.app = app
        self._cache: dict[tuple, tuple[float, Actor]] = {}

    def forget(self) -> None:
        """Drop cached identities (after an admin changes people or roles)."""
        self._cache.clear()

    async def resolve(self, inbound: Inbound) -> Actor | None:
        """The actor, or None for a staff channel user we cannot place (they get a clear message)."""
        key = (inbound.platform, inbound.sender_id, inbound.role_hint)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        actor = await self._resolve(inbound)
        if actor is not None:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = (now + self.CACHE_SECONDS, actor)
        return actor

    async def _resolve(self, inbound: Inbound) -> Actor | None:
        if inbound.role_hint is Role.CUSTOMER:
            return await self._customer(inbound)
        rows = await self.app.db.fetch(_KNOWN_SPEAKER, {"platform": inbound.platform,
                                                        "external_id": inbound.sender_id})
        if rows:
            row = rows[0]
            if row["staff_user_id"]:
                if row["id"] is None or not row["active"]:
                    return None
                return Actor(role=Role(row["role"]), staff_id=row["id"], name=row["name"], team=row["team"])
            return Actor(role=Role.CUSTOMER, contact_id=row["contact_id"], name=row["display_name"] or "")
        async with self.app.db.session() as s:
            column = STAFF_ID_COLUMN.get(inbound.platform)
            if column:
                user = (await s.execute(select(StaffUser).where(
                    getattr(StaffUser, column) == inbound.sender_id))).scalars().first()
                if user is not None:
                    return actor_for(user) if user.active else None
        return await self._first_contact(inbound)

    async def _customer(self, inbound: Inbound) -> Actor:
        async with self.app.db.session() as s:
            ident = (await s.execute(select(PlatformIdentity).where(
                PlatformIdentity.platform == inbound.platform,
                PlatformIdentity.external_id == inbound.sender_id))).scalars().first()
        contact_id = ident.contact_id if ident else None
        return Actor(role=Role.CUSTOMER, contact_id=contact_id, name=inbound.sender_name)

    async def _first_contact(self, inbound: Inbound) -> Actor | None:
        """A colleague writing for the first time: create them from the platform's directory."""
        adapter = self.app.adapters.get(inbound.platform)
        column = STAFF_ID_COLUMN.get(inbound.platform)
        if adapter is None or column is None or column == "username":
            return None
        entry = await adapter.lookup_user(inbound.platform, inbound.sender_id)
        if entry is None:
            return None
        user = StaffUser(username=f"{inbound.platform}_{inbound.sender_id}"[:64], name=entry.name or inbound.sender_id,
                         role="rep", team=entry.department, phone=entry.mobile, email=entry.email, title=entry.title)
        setattr(user, column, inbound.sender_id)
        try:
            async with self.app.db.write() as s:
                s.add(user)
                await s.flush()
                s.add(PlatformIdentity(platform=inbound.platform, external_id=inbound.sender_id,
                                       staff_user_id=user.id, display_name=user.name))
        except IntegrityError:  # created by a concurrent first message: read it back
            async with self.app.db.session() as s:
                user = (await s.execute(select(StaffUser).where(
                    getattr(StaffUser, column) == inbound.sender_id))).scalars().first()
            if user is None:
                return None
        log.info("created staff user %s for %s:%s", user.id, inbound.platform, inbound.sender_id)
        return actor_for(user)
