"""Console accounts: argon2 password hashes, server-side sessions, lockout after repeated failures.

Passwords are never logged, stored or echoed: only the argon2 hash is kept, and log lines name the
account, never the attempt. A failed sign-in for an unknown name costs the same hash verification as a
known one, so timing does not tell which accounts exist.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, update
from sqlmodel import select

from bot.clock import aware
from bot.db import Database
from bot.models import AuditLog, StaffUser, utcnow
from salesbot.admin import ADMIN_ROLES
from salesbot.admin.models import AdminSession, AdminUser

log = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


class AuthError(ValueError):
    """Sign-in refused or a bad account request; the message is Chinese and safe to show."""


@dataclass
class Principal:
    """Who is signed in to the console (attached to each request)."""

    admin_id: int
    username: str
    role: str
    staff_user_id: int | None
    csrf_token: str
    session_hash: str

    @property
    def can_write(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if username.lower() in password.lower():
        raise AuthError("密码不能包含用户名")


async def create_admin(
    db: Database, username: str, password: str, role: str = "admin", staff_username: str | None = None
) -> AdminUser:
    username = (username or "").strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AuthError("用户名不能为空、不能有空格，最多 64 个字符")
    if role not in ADMIN_ROLES:
        raise AuthError(f"角色只能是 {' 或 '.join(ADMIN_ROLES)}")
    check_password_strength(password, username)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    async with db.write() as s:
        if (await s.execute(select(AdminUser).where(AdminUser.username == username))).scalars().first():
            raise AuthError(f"账号 {username} 已存在；改密码用 salesbot admin passwd {username}")
        staff_id = None
        if staff_username:
            staff = (await s.execute(select(StaffUser).where(StaffUser.username == staff_username))).scalars().first()
            if staff is None:
                raise AuthError(f"没有用户名为 {staff_username} 的员工")
            staff_id = staff.id
        user = AdminUser(username=username, password_hash=password_hash, role=role, staff_user_id=staff_id)
        s.add(user)
    log.info("admin console account %s created (role %s)", username, role)
    return user


async def set_password(db: Database, username: str, password: str) -> None:
    check_password_strength(password, username)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    async with db.write() as s:
        user = (await s.execute(select(AdminUser).where(AdminUser.username == username))).scalars().first()
        if user is None:
            raise AuthError(f"没有账号 {username}")
        user.password_hash, user.failed_attempts, user.locked_until = password_hash, 0, None
        s.add(user)
        # a new password signs out every session of the account
        await s.execute(delete(AdminSession).where(AdminSession.admin_user_id == user.id))
    log.info("admin console account %s: password changed", username)


async def set_active(db: Database, username: str, active: bool) -> None:
    async with db.write() as s:
        user = (await s.execute(select(AdminUser).where(AdminUser.username == username))).scalars().first()
        if user is None:
            raise AuthError(f"没有账号 {username}")
        user.active = active
        if active:
            user.failed_attempts, user.locked_until = 0, None
        s.add(user)
        if not active:
            await s.execute(delete(AdminSession).where(AdminSession.admin_user_id == user.id))


async def list_admins(db: Database) -> list[AdminUser]:
    async with db.session() as s:
        return list((await s.execute(select(AdminUser).order_by(AdminUser.username))).scalars())


async def sign_in(
    db: Database, username: str, password: str, now: datetime | None = None, client_ip: str | None = None
) -> tuple[str, Principal]:
    """A new session (raw cookie token, principal) or AuthError. Locks after MAX_FAILED_ATTEMPTS failures.

    Each attempt is counted in the database *before* the slow hash check, with a conditional UPDATE, so a
    burst of concurrent guesses cannot all pass a lock check that was read before any of them failed; a
    success only counts when the account is still unlocked once the hash has been checked. Failures and
    lockouts are written to the audit log.
    """
    now = now or utcnow()
    username = (username or "").strip()
    async with db.session() as s:
        user = (await s.execute(select(AdminUser).where(AdminUser.username == username))).scalars().first()
    if user is None or not user.active:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password or "")
        log.warning("admin sign-in refused for %r: unknown or disabled account", username[:64])
        async with db.write() as s:
            _audit(s, None, "admin.login_failed", username=username[:64], reason="unknown", client_ip=client_ip)
        raise AuthError("用户名或密码不对")
    if not await _count_attempt(db, user.id, now):
        await _lock_if_due(db, user, now, client_ip)
        log.warning("admin sign-in refused for %s: locked", username)
        async with db.write() as s:
            _audit(s, user, "admin.login_refused", reason="locked", client_ip=client_ip)
        raise AuthError(_locked_text(await _locked_until(db, user.id), now))
    if not await asyncio.to_thread(_verify, user.password_hash, password or ""):
        locked = await _lock_if_due(db, user, now, client_ip)
        async with db.write() as s:
            _audit(s, user, "admin.login_failed", reason="password", client_ip=client_ip)
        log.warning("admin sign-in failed for %s%s", username, " (now locked)" if locked else "")
        if locked:
            raise AuthError(f"连续输错密码次数过多，账号已锁定 {int(LOCKOUT.total_seconds() // 60)} 分钟")
        raise AuthError("用户名或密码不对")
    raw = secrets.token_urlsafe(32)
    session = AdminSession(
        token_hash=token_hash(raw),
        admin_user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_IDLE,
    )
    async with db.write() as s:
        # the password was right, but a concurrent burst may have locked the account meanwhile: refuse then
        done = await s.execute(
            update(AdminUser)
            .where(AdminUser.id == user.id, _unlocked(now))
            .values(failed_attempts=0, last_login_at=now)
        )
        if done.rowcount == 1:
            s.add(session)
            await s.execute(delete(AdminSession).where(AdminSession.expires_at < now))
    if done.rowcount != 1:
        log.warning("admin sign-in refused for %s: locked during the check", username)
        async with db.write() as s:
            _audit(s, user, "admin.login_refused", reason="locked", client_ip=client_ip)
        raise AuthError(_locked_text(await _locked_until(db, user.id), now))
    log.info("admin %s signed in", username)
    return raw, Principal(user.id, user.username, user.role, user.staff_user_id, session.csrf_token, session.token_hash)


def _unlocked(now: datetime):
    return or_(AdminUser.locked_until.is_(None), AdminUser.locked_until <= now)


async def _count_attempt(db: Database, user_id: int, now: datetime) -> bool:
    """Take one of the account's MAX_FAILED_ATTEMPTS tries (atomically); False when locked or none are left."""
    async with db.write() as s:
        done = await s.execute(
            update(AdminUser)
            .where(AdminUser.id == user_id, _unlocked(now), AdminUser.failed_attempts < MAX_FAILED_ATTEMPTS)
            .values(failed_attempts=AdminUser.failed_attempts + 1)
        )
    return done.rowcount == 1


async def _lock_if_due(db: Database, user: AdminUser, now: datetime, client_ip: str | None) -> bool:
    """Lock the account when its tries are used up; True when it is locked now (by this or an earlier call)."""
    async with db.write() as s:
        done = await s.execute(
            update(AdminUser)
            .where(AdminUser.id == user.id, _unlocked(now), AdminUser.failed_attempts >= MAX_FAILED_ATTEMPTS)
            .values(locked_until=now + LOCKOUT, failed_attempts=0)
        )
        if done.rowcount == 1:
            _audit(s, user, "admin.locked", minutes=int(LOCKOUT.total_seconds() // 60), client_ip=client_ip)
    if done.rowcount == 1:
        log.warning("admin console account %s locked after %d failed sign-ins", user.username, MAX_FAILED_ATTEMPTS)
    until = await _locked_until(db, user.id)
    return until is not None and until > now


async def _locked_until(db: Database, user_id: int) -> datetime | None:
    async with db.session() as s:
        fresh = await s.get(AdminUser, user_id)
        return aware(fresh.locked_until) if fresh is not None else None


def _locked_text(locked_until: datetime | None, now: datetime) -> str:
    if locked_until is None or locked_until <= now:
        return "尝试次数过多，请稍后再试"
    minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
    return f"连续输错密码次数过多，账号已锁定，请 {minutes} 分钟后再试"


def _audit(session, user: AdminUser | None, action: str, **detail) -> None:
    """An audit row for a sign-in event (there is no session yet, so not salesbot.admin.audit.record)."""
    session.add(
        AuditLog(
            actor_staff_id=user.staff_user_id if user else None,
            actor_role=user.role if user else None,
            source="MANUAL",
            action=action,
            record_type="admin_user",
            record_id=user.id if user else None,
            detail={"console_user": user.username if user else None, **detail},
        )
    )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def principal_for(db: Database, raw_token: str | None, now: datetime | None = None) -> Principal | None:
    """The signed-in principal for a cookie token, sliding the idle expiry; None when absent or expired."""
    if not raw_token or len(raw_token) > 200:
        return None
    now = now or utcnow()
    digest = token_hash(raw_token)
    async with db.session() as s:
        row = (
            await s.execute(
                select(AdminSession, AdminUser)
                .join(AdminUser, AdminUser.id == AdminSession.admin_user_id)
                .where(AdminSession.token_hash == digest)
            )
        ).first()
    if row is None:
        return None
    session, user = row
    if aware(session.expires_at) <= now or not user.active:
        return None
    if now - aware(session.last_seen_at) > timedelta(minutes=5):  # slide the expiry without a write per request
        async with db.write() as s:
            fresh = await s.get(AdminSession, digest)
            if fresh is not None:
                fresh.last_seen_at, fresh.expires_at = now, now + SESSION_IDLE
                s.add(fresh)
    return Principal(user.id, user.username, user.role, user.staff_user_id, session.csrf_token, digest)


async def sign_out(db: Database, principal: Principal) -> None:
    async with db.write() as s:
        await s.execute(delete(AdminSession).where(AdminSession.token_hash == principal.session_hash))
    log.info("admin %s signed out", principal.username)
