"""People and org: staff users, roles, managers, teams, platform id mapping, directory import.

Identity (bot/identity.py) caches who someone is for a few seconds; every change here calls
`app.dispatcher.identity.forget()` so the next message sees it. A person's WeCom userid and DingTalk staffId
are PlatformIdentity rows (namespaces "wecom" and "dingtalk"); changing one replaces the row, so identity
never keeps routing the old id to them or the new id to its previous holder.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlmodel import select

from bot.adapter import DirectoryEntry
from bot.identity import all_staff_ids, set_staff_id
from bot.models import PlatformIdentity, StaffUser
from salesbot.admin import audit
from salesbot.admin.auth import Principal
from salesbot.admin.pages import form_int

log = logging.getLogger(__name__)

ROLES = {"rep": "销售", "manager": "经理", "admin": "管理员"}
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# the person form's platform id fields → (identity namespace, label); the directory import of a platform
# maps into the namespace of the same name
ID_FIELDS = {"wecom_userid": ("wecom", "企业微信 userid"), "dingtalk_staff_id": ("dingtalk", "钉钉 staffId")}
NAMESPACE_OF_DIRECTORY = {"wecom": "wecom", "dingtalk": "dingtalk"}


class PeopleError(ValueError):
    """Bad people/org input; Chinese message for the admin."""


async def list_staff(db) -> list[tuple[StaffUser, str | None]]:
    async with db.session() as s:
        users = list(
            (await s.execute(select(StaffUser).order_by(StaffUser.team, StaffUser.role.desc(), StaffUser.id))).scalars()
        )
    names = {u.id: u.name for u in users}
    return [(u, names.get(u.manager_id)) for u in users]


async def get_staff(db, staff_id: int) -> StaffUser | None:
    async with db.session() as s:
        return await s.get(StaffUser, staff_id)


async def platform_ids(db) -> dict[int, dict[str, str]]:
    """staff user id → form field (wecom_userid, dingtalk_staff_id) → the id, for the people pages."""
    async with db.session() as s:
        ids = await all_staff_ids(s)
    return {
        staff_id: {f: by_ns[ns] for f, (ns, _label) in ID_FIELDS.items() if ns in by_ns}
        for staff_id, by_ns in ids.items()
    }


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
    manager_id = form_int(manager_id, None, low=1, name="上级编号") if manager_id else None
    values = {
        "name": name[:64],
        "role": role,
        "team": _clean(form.get("team")),
        "title": _clean(form.get("title")),
        "region": _clean(form.get("region")),
        "phone": _clean(form.get("phone")),
        "email": _clean(form.get("email")),
        "public_contact": _clean(form.get("public_contact")),
        "manager_id": manager_id,
        "active": form.get("active") in ("on", "1", "true", True),
    }
    if values["public_contact"] and len(values["public_contact"]) > 200:
        raise PeopleError("对外联系方式最多 200 个字")
    ids = {f: _clean(form.get(f)) for f in ID_FIELDS}
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
        for f, (namespace, label) in ID_FIELDS.items():
            value = ids[f]
            if value:
                if len(value) > 64:  # the longest userid WeCom and DingTalk hand out
                    raise PeopleError(f"{label} 最多 64 个字符")
                other = (
                    (
                        await s.execute(
                            select(StaffUser)
                            .join(PlatformIdentity, PlatformIdentity.staff_user_id == StaffUser.id)
                            .where(
                                PlatformIdentity.platform == namespace,
                                PlatformIdentity.external_id == value,
                                StaffUser.id != (staff_id or -1),
                            )
                        )
                    )
                    .scalars()
                    .first()
                )
                if other is not None:
                    raise PeopleError(f"{label} {value} 已经对应到 {other.name}（{other.username}），先在那边解除")
        if manager_id is not None:
            await _check_manager(s, staff_id, manager_id)
        before = {k: getattr(user, k) for k in values} if staff_id else {}
        before_ids = (await all_staff_ids(s, staff_id)).get(staff_id, {}) if staff_id else {}
        for key, value in values.items():
            setattr(user, key, value)
        s.add(user)
        await s.flush()
        for f, (namespace, _label) in ID_FIELDS.items():
            if staff_id:
                before[f] = before_ids.get(namespace)
            await set_staff_id(s, user, namespace, ids[f])
        values.update(ids)
        changed = {k: [before.get(k), v] for k, v in values.items() if before.get(k) != v} if staff_id else values
        await audit.record(
            s,
            principal,
            "staff.update" if staff_id else "staff.create",
            record_type="staff_user",
            record_id=user.id,
            changed={k: v for k, v in changed.items()},
        )
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
        return [
            DirectoryEntry(
                user_id=str(u["userid"]),
                name=u.get("name") or str(u["userid"]),
                mobile=u.get("mobile") or None,
                email=u.get("email") or u.get("biz_mail") or None,
                title=u.get("position") or None,
            )
            for u in data.get("userlist", [])
        ]
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
            data = await api.call(
                "POST", "/topapi/v2/user/list", {"dept_id": dept, "cursor": cursor, "size": 100}, legacy=True
            )
            result = data.get("result") or {}
            for u in result.get("list", []):
                seen.setdefault(
                    str(u["userid"]),
                    DirectoryEntry(
                        user_id=str(u["userid"]),
                        name=u.get("name") or str(u["userid"]),
                        mobile=u.get("mobile") or None,
                        email=u.get("email") or u.get("org_email") or None,
                        title=u.get("title") or None,
                    ),
                )
            cursor = result.get("next_cursor") if result.get("has_more") else None
    return list(seen.values())


async def apply_directory(app, principal: Principal, platform: str, entries: list[DirectoryEntry]) -> DirectoryReport:
    """Map directory members to staff users: by id, else by a unique name, else create a rep."""
    namespace = NAMESPACE_OF_DIRECTORY[platform]
    report = DirectoryReport(platform)
    async with app.db.write() as s:
        users = list((await s.execute(select(StaffUser))).scalars())
        ids = await all_staff_ids(s)
        mapped_ids = {u.id: ids[u.id][namespace] for u in users if namespace in ids.get(u.id, {})}
        by_id = {external: u for u in users if (external := mapped_ids.get(u.id))}
        by_name: dict[str, list[StaffUser]] = {}
        for u in users:
            by_name.setdefault(u.name, []).append(u)
        usernames = {u.username for u in users}
        for entry in entries:
            if entry.user_id in by_id:
                report.unchanged.append(entry.name)
                continue
            same_name = [u for u in by_name.get(entry.name, []) if u.id not in mapped_ids]
            if len(same_name) == 1:
                user = same_name[0]
                report.mapped.append(f"{entry.name} → {entry.user_id}")
            elif len(same_name) > 1:
                report.conflicts.append(f"{entry.name}：通讯录里的 {entry.user_id} 对应多个同名员工，请手动映射")
                continue
            else:
                username = f"{platform}_{entry.user_id}"[:64]
                if username in usernames:
                    report.conflicts.append(f"{entry.name}：用户名 {username} 已存在")
                    continue
                user = StaffUser(
                    username=username,
                    name=entry.name[:64],
                    role="rep",
                    phone=entry.mobile,
                    email=entry.email,
                    title=entry.title,
                )
                usernames.add(username)
                report.created.append(entry.name)
            s.add(user)
            await s.flush()
            by_id[entry.user_id] = user
            mapped_ids[user.id] = entry.user_id
            await set_staff_id(s, user, namespace, entry.user_id)
        await audit.record(
            s,
            principal,
            "staff.directory_import",
            record_type="staff_user",
            platform=platform,
            created=len(report.created),
            mapped=len(report.mapped),
            conflicts=len(report.conflicts),
        )
    app.dispatcher.identity.forget()
    return report
