"""People and org: staff users, roles, managers, teams, platform id mapping, directory import.

Identity (bot/identity.py) caches who someone is for a few seconds; every change here calls
`app.dispatcher.identity.forget()` so the next message sees it. A platform id mapped here is also
written to platform_identity, because identity consults that table first: a stale row there would
otherwise keep routing the id to the previous person.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import select

from bot.adapter import DirectoryEntry
from salesbot.admin import audit
from salesbot.admin.auth import Principal
from bot.identity import STAFF_ID_COLUMN
from bot.models import PlatformIdentity, StaffUser

log = logging.getLogger(__name__)

ROLES = {"rep": "销售", "manager": "经理", "admin": "管理员"}
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# columns → the platforms whose ids live in them
PLATFORMS_OF = {"wecom_userid": [p for p, c in STAFF_ID_COLUMN.items() if c == "wecom_userid"],
                "dingtalk_staff_id": [p for p, c in STAFF_ID_COLUMN.items() if c == "dingtalk_staff_id"]}


class PeopleError(ValueError):
    """Bad people/org input; Chinese message for the admin."""


async def list_staff(db) -> list[tuple[StaffUser, str | None]]:
    async with db.session() as s:
        users = list((await s.execute(select(StaffUser).order_by(StaffUser.team, StaffUser.role.desc(), StaffUser.id))).scalars())
    names = {u.id: u.name for u in users}
    return [(u, names.get(u.manager_id)) for u in users]


async def get_staff(db, staff_id: int) -> StaffUser | None:
    async with db.session() as s:
        return await s.get(StaffUser, staff_id)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


async def save_staff(app, principal: Principal, staff_id: int | None, form: dict) -> StaffUser:
    """Create (staff_id None) or update a staff user from the form; all fields checked before any write."""
    name = _clean(form.get("name"))
    username = _clean(form.get("username"))
    role = (form.get("role") or "rep").strip()
    if not name:
        raise PeopleError("姓名不能为空")
    if role not in ROLES:
        raise PeopleError("角色只能是 rep、manager 或 admin")
    manager_id = _clean(form.get("manager_id"))
    manager_id = int(manager_id) if manager_id and manager_id.isdigit() else None
    values = {"name": name[:64], "role": role, "team": _clean(form.get("team")), "title": _clean(form.get("title")),
              "region": _clean(form.get("region")), "phone": _clean(form.get("phone")), "email": _clean(form.get("email")),
              "wecom_userid": _clean(form.get("wecom_userid")), "dingtalk_staff_id": _clean(form.get("dingtalk_staff_id")),
              "manager_id": manager_id, "active": form.get("active") in ("on", "1", "true", True)}
    async with app.db.write() as s:
        user = await s.get(StaffUser, staff_id) if staff_id else StaffUser(username="", name=name)
        if staff_id and user is None:
            raise PeopleError("没有这个员工")
        if staff_id is None:
            if not username or not USERNAME_RE.match(username):
                raise PeopleError("用户名只能用字母、数字和 _ . @ -，最多 64 个字符")
            if (await s.execute(select(StaffUser).where(StaffUser.username == username))).scalars().first():
                raise PeopleError(f"用户名 {username} 已被占用")
            user.username = username
        for column, label in (("wecom_userid", "企业微信 userid"), ("dingtalk_staff_id", "钉钉 staffId")):
            value = values[column]
            if value:
                other = (await s.execute(select(StaffUser).where(getattr(StaffUser, column) == value,
                                                                 StaffUser.id != (staff_id or -1)))).scalars().first()
                if other is not None:
                    raise PeopleError(f"{label} {value} 已经对应到 {other.name}（{other.username}），先在那边解除")
        if manager_id is not None:
            await _check_manager(s, staff_id, manager_id)
        before = {k: getattr(user, k) for k in values} if staff_id else {}
        for key, value in values.items():
            setattr(user, key, value)
        s.add(user)
        await s.flush()
        for column, platforms in PLATFORMS_OF.items():
            await _sync_identity(s, user, column, platforms)
        changed = {k: [before.get(k), v] for k, v in values.items() if before.get(k) != v} if staff_id else values
        await audit.record(s, principal, "staff.update" if staff_id else "staff.create", record_type="staff_user",
                           record_id=user.id, changed={k: v for k, v in changed.items()})
    app.dispatcher.identity.forget()
    return user


async def _check_manager(s, staff_id: int | None, manager_id: int) -> None:
    if manager_id == staff_id:
        raise PeopleError("不能把自己设为自己的经理")
    seen, current = set(), manager_id
    while current is not None:
        if current in seen or current == staff_id:
            raise PeopleError("这样设置会形成汇报环（A 管 B、B 又管 A）")
        seen.add(current)
        manager = await s.get(StaffUser, current)
        if manager is None:
            raise PeopleError("选的经理不存在")
        current = manager.manager_id


async def _sync_identity(s, user: StaffUser, column: str, platforms: list[str]) -> None:
    external = getattr(user, column)
    for platform in platforms:
        # this person's old ids on the platform, and whoever held the new id before
        await s.execute(delete(PlatformIdentity).where(PlatformIdentity.platform == platform,
                                                       PlatformIdentity.staff_user_id == user.id))
        if external:
            await s.execute(delete(PlatformIdentity).where(PlatformIdentity.platform == platform,
                                                           PlatformIdentity.external_id == external))
            s.add(PlatformIdentity(platform=platform, external_id=external, staff_user_id=user.id, display_name=user.name))


# --- directory import --------------------------------------------------------------------------


@dataclass
class DirectoryReport:
    platform: str
    created: list[str] = field(default_factory=list)
    mapped: list[str] = field(default_factory=list)  # existing staff matched by name, id now mapped
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


async def fetch_directory(app, platform: str) -> list[DirectoryEntry]:
    """Everyone in the platform's directory, through the adapter's API client."""
    adapter = app.adapters.get(platform)
    if adapter is None and platform == "wecom" and "wecom_aibot" in app.adapters:
        # "wecom" is the self-built app's platform: with only the AI bot configured there is no directory API
        raise PeopleError("企业微信只配置了智能机器人，读通讯录需要自建应用（WECOM_CORP_ID / WECOM_SECRET）")
    if adapter is None or getattr(adapter, "api", None) is None:
        raise PeopleError(f"{'企业微信' if platform == 'wecom' else '钉钉'}没有配置，无法导入通讯录")
    if platform == "wecom":
        data = await adapter.api.call("GET", "user/list", params={"department_id": "1", "fetch_child": "1"})
        return [DirectoryEntry(user_id=str(u["userid"]), name=u.get("name") or str(u["userid"]),
                               mobile=u.get("mobile") or None, email=u.get("email") or u.get("biz_mail") or None,
                               title=u.get("position") or None) for u in data.get("userlist", [])]
    if platform == "dingtalk":
        return await _dingtalk_directory(adapter.api)
    raise PeopleError("只支持 wecom 或 dingtalk")


async def _dingtalk_directory(api) -> list[DirectoryEntry]:
    departments, queue = [], [1]
    while queue and len(departments) < 2000:
        dept = queue.pop()
        departments.append(dept)
        data = await api.call("POST", "/topapi/v2/department/listsubid", {"dept_id": dept}, legacy=True)
        queue += (data.get("result") or {}).get("dept_id_list", [])
    seen: dict[str, DirectoryEntry] = {}
    for dept in departments:
        cursor = 0
        while cursor is not None:
            data = await api.call("POST", "/topapi/v2/user/list", {"dept_id": dept, "cursor": cursor, "size": 100},
                                  legacy=True)
            result = data.get("result") or {}
            for u in result.get("list", []):
                seen.setdefault(str(u["userid"]), DirectoryEntry(
                    user_id=str(u["userid"]), name=u.get("name") or str(u["userid"]), mobile=u.get("mobile") or None,
                    email=u.get("email") or u.get("org_email") or None, title=u.get("title") or None))
            cursor = result.get("next_cursor") if result.get("has_more") else None
    return list(seen.values())


async def apply_directory(app, principal: Principal, platform: str, entries: list[DirectoryEntry]) -> DirectoryReport:
    """Map directory members to staff users: by id, else by a unique name, else create a rep."""
    column = {"wecom": "wecom_userid", "dingtalk": "dingtalk_staff_id"}[platform]
    report = DirectoryReport(platform)
    async with app.db.write() as s:
        users = list((await s.execute(select(StaffUser))).scalars())
        by_id = {getattr(u, column): u for u in users if getattr(u, column)}
        by_name: dict[str, list[StaffUser]] = {}
        for u in users:
            by_name.setdefault(u.name, []).append(u)
        usernames = {u.username for u in users}
        for entry in entries:
            if entry.user_id in by_id:
                report.unchanged.append(entry.name)
                continue
            same_name = [u for u in by_name.get(entry.name, []) if not getattr(u, column)]
            if len(same_name) == 1:
                user = same_name[0]
                setattr(user, column, entry.user_id)
                report.mapped.append(f"{entry.name} → {entry.user_id}")
            elif len(same_name) > 1:
                report.conflicts.append(f"{entry.name}：通讯录里的 {entry.user_id} 对应多个同名员工，请手动映射")
                continue
            else:
                username = f"{platform}_{entry.user_id}"[:64]
                if username in usernames:
                    report.conflicts.append(f"{entry.name}：用户名 {username} 已存在")
                    continue
                user = StaffUser(username=username, name=entry.name[:64], role="rep", phone=entry.mobile,
                                 email=entry.email, title=entry.title)
                setattr(user, column, entry.user_id)
                usernames.add(username)
                report.created.append(entry.name)
            s.add(user)
            await s.flush()
            by_id[entry.user_id] = user
            await _sync_identity(s, user, column, PLATFORMS_OF[column])
        await audit.record(s, principal, "staff.directory_import", record_type="staff_user", platform=platform,
                           created=len(report.created), mapped=len(report.mapped), conflicts=len(report.conflicts))
    app.dispatcher.identity.forget()
    return report
