"""A small sales org for the KPI tests: a director, two managers, three reps, deals, targets."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.identity import set_staff_id
from bot.models import Account, Contact, Opportunity, StaffUser, Visit
from tools.kpi.models import SalesTarget

SH = ZoneInfo("Asia/Shanghai")
LONG_AGO = datetime(2026, 10, 1, 9, tzinfo=SH)
DEALS_FROM = datetime(2026, 12, 1, 9, tzinfo=SH)


def at(y, m, d, h=10, mi=35) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SH)


async def make_sales_org(app) -> dict[str, int]:
    """张伟 (31 万 won of 100 万), 李娜 (nothing of 50 万, no activity), 陈敏 (50 万 of 80 万, south team)."""
    ids: dict[str, int] = {}
    async with app.db.write() as s:

        async def person(username, name, role, team, manager=None):
            user = StaffUser(
                username=username, name=name, role=role, team=team, manager_id=ids.get(manager), created_at=LONG_AGO
            )
            s.add(user)
            await s.flush()
            await set_staff_id(s, user, "wecom", username)
            await set_staff_id(s, user, "dingtalk", f"dt_{username}")
            ids[username] = user.id

        await person("chenjing", "陈静", "manager", "销售部")
        await person("wangqiang", "王强", "manager", "华东组", "chenjing")
        await person("liuyang", "刘洋", "manager", "华南组", "chenjing")
        await person("zhangwei", "张伟", "rep", "华东组", "wangqiang")
        await person("lina", "李娜", "rep", "华东组", "wangqiang")
        await person("chenmin", "陈敏", "rep", "华南组", "liuyang")

        async def account(name, short, owner, industry):
            acc = Account(name=name, short_name=short, industry=industry, owner_id=ids[owner], created_at=LONG_AGO)
            s.add(acc)
            await s.flush()
            ids[short] = acc.id

        await account("上海华东机械制造有限公司", "华东机械", "zhangwei", "制造业")
        await account("南京金陵医药集团", "金陵医药", "zhangwei", None)
        await account("广州南粤电子科技有限公司", "南粤电子", "chenmin", "电子")

        def deal(key, account_short, owner, name, stage, amount, close, next_step):
            opp = Opportunity(
                account_id=ids[account_short],
                owner_id=ids[owner],
                name=name,
                stage=stage,
                amount=amount,
                close_date=close,
                next_step=next_step,
                created_at=DEALS_FROM,
                updated_at=DEALS_FROM,
            )
            s.add(opp)
            return key, opp

        made = [
            deal("won_zw", "华东机械", "zhangwei", "一期", "closed_won", 310000, date(2026, 12, 3), None),
            deal("big_zw", "华东机械", "zhangwei", "二期扩容", "negotiation", 400000, date(2026, 12, 20), "发合同草稿"),
            deal("gap_zw", "金陵医药", "zhangwei", "HIS 集成", "proposal", None, None, None),
            deal("won_cm", "南粤电子", "chenmin", "年度订阅", "closed_won", 500000, date(2026, 12, 8), None),
        ]
        await s.flush()
        ids.update({key: opp.id for key, opp in made})
        s.add(Contact(account_id=ids["华东机械"], name="李总", phone="13800138000"))
        s.add(Contact(account_id=ids["金陵医药"], name="周工", phone=None))
        s.add(
            Visit(account_id=ids["华东机械"], owner_id=ids["zhangwei"], visit_date=date(2026, 12, 15), summary="谈合同")
        )
        s.add(Visit(account_id=ids["南粤电子"], owner_id=ids["chenmin"], visit_date=date(2026, 12, 16), summary="回访"))
        for scope, key, amount in (
            ("rep", "zhangwei", 1_000_000),
            ("rep", "lina", 500_000),
            ("rep", "chenmin", 800_000),
            ("team", "华东组", 2_000_000),
        ):
            s.add(SalesTarget(scope=scope, scope_key=key, period="2026-12", amount=amount))
    return ids
