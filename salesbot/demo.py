"""`salesbot demo`: a Chinese demo org with customers, deals and months of history. Safe to run twice."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.identity import set_staff_id
from bot.models import STAGES, Account, Contact, Interaction, Opportunity, StaffUser, Task, Visit
from knowledge.demo import load_demo_library

# username, name, role, title, manager username, team, region
ORG = [
    ("admin", "系统管理员", "admin", "IT 管理员", None, None, None),
    ("chenjing", "陈静", "manager", "销售总监", None, "销售部", "全国"),
    ("wangqiang", "王强", "manager", "华东销售经理", "chenjing", "华东组", "华东"),
    ("liuyang", "刘洋", "manager", "华南销售经理", "chenjing", "华南组", "华南"),
    ("zhangwei", "张伟", "rep", "客户经理", "wangqiang", "华东组", "华东"),
    ("lina", "李娜", "rep", "客户经理", "wangqiang", "华东组", "华东"),
    ("zhaolei", "赵磊", "rep", "客户经理", "wangqiang", "华东组", "华东"),
    ("chenmin", "陈敏", "rep", "客户经理", "liuyang", "华南组", "华南"),
    ("zhoujie", "周杰", "rep", "客户经理", "liuyang", "华南组", "华南"),
    ("sunli", "孙丽", "rep", "客户经理", "liuyang", "华南组", "华南"),
    ("qianfang", "钱芳", "manager", "财务经理", None, "财务部", None),  # approvals: finance
    ("heyun", "何云", "manager", "法务经理", None, "法务部", None),  # approvals: legal
]

# name, short name, industry, region, tier, owner
ACCOUNTS = [
    ("上海华东机械制造有限公司", "华东机械", "制造业", "华东", "key", "zhangwei"),
    ("苏州华东机电设备有限公司", "华东机电", "制造业", "华东", "standard", "lina"),
    ("杭州云帆物流有限公司", "云帆物流", "物流", "华东", "standard", "zhangwei"),
    ("南京金陵医药集团", "金陵医药", "医疗", "华东", "vip", "zhangwei"),
    ("宁波海港国际贸易有限公司", "海港贸易", "贸易", "华东", "standard", "lina"),
    ("无锡新材料科技股份有限公司", "无锡新材料", "制造业", "华东", "key", "lina"),
    ("合肥智联汽车零部件有限公司", "智联汽车", "汽车", "华东", "key", "zhaolei"),
    ("上海申城连锁超市有限公司", "申城超市", "零售", "华东", "standard", "zhaolei"),
    ("浙江绿源能源有限公司", "绿源能源", "能源", "华东", "vip", "zhaolei"),
    ("上海东方证券信息技术有限公司", "东方证券信息", "金融", "华东", "vip", "zhangwei"),
    ("江苏启明教育科技有限公司", "启明教育", "教育", "华东", "standard", "lina"),
    ("常州恒通精密制造有限公司", "恒通精密", "制造业", "华东", "standard", "zhaolei"),
    ("杭州青禾餐饮管理有限公司", "青禾餐饮", "零售", "华东", "standard", "zhangwei"),
    ("上海瑞丰保险经纪有限公司", "瑞丰保险", "金融", "华东", "key", "lina"),
    ("苏州工业园区智造中心", "园区智造", "制造业", "华东", "standard", "zhaolei"),
    ("广州南粤电子科技有限公司", "南粤电子", "电子", "华南", "key", "chenmin"),
    ("深圳前海数科有限公司", "前海数科", "互联网", "华南", "vip", "chenmin"),
    ("东莞鼎盛五金制品有限公司", "鼎盛五金", "制造业", "华南", "standard", "zhoujie"),
    ("佛山美家家居有限公司", "美家家居", "零售", "华南", "standard", "zhoujie"),
    ("厦门海韵旅游集团", "海韵旅游", "文旅", "华南", "standard", "sunli"),
    ("深圳星河物流科技有限公司", "星河物流", "物流", "华南", "key", "sunli"),
    ("广州康宁医疗器械有限公司", "康宁医疗", "医疗", "华南", "key", "chenmin"),
    ("珠海格新空调配件有限公司", "格新配件", "制造业", "华南", "standard", "zhoujie"),
    ("福州闽江银行科技部", "闽江银行", "金融", "华南", "vip", "sunli"),
    ("深圳优品跨境电商有限公司", "优品跨境", "互联网", "华南", "standard", "chenmin"),
    ("广州岭南教育集团", "岭南教育", "教育", "华南", "standard", "zhoujie"),
    ("汕头潮汕食品有限公司", "潮汕食品", "食品", "华南", "standard", "sunli"),
    ("南宁北部湾港务有限公司", "北部湾港务", "物流", "华南", "key", "sunli"),
    ("深圳华强新能源有限公司", "华强新能源", "能源", "华南", "key", "zhoujie"),
    ("海口椰风酒店管理有限公司", "椰风酒店", "文旅", "华南", "standard", "chenmin"),
]

SURNAMES = "李王刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红海波宁斌浩凯鹏飞燕"
TITLES = [
    ("总经理", "economic_buyer", "总"),
    ("信息部经理", "champion", "经理"),
    ("采购经理", "procurement", "经理"),
    ("技术总监", "technical_evaluator", "总"),
    ("运营主管", "user", "主管"),
]
DEAL_NAMES = ["CRM 一期", "二期扩容", "销售云年度订阅", "渠道管理系统", "移动销售 App", "数据中台对接", "续约"]
VISIT_TOPICS = [
    "介绍产品方案，对方关注移动端和报表",
    "演示报价模块，讨论折扣",
    "技术交流，确认与金蝶/用友的集成方式",
    "二期扩容需求沟通，预算还在走流程",
    "POC 结果复盘，客户整体满意",
    "商务谈判，对方希望分期付款",
    "拜访新任信息部负责人，建立关系",
    "续约沟通，对方提出增加账号",
    "竞品（纷享销客）在对比，强调本地化服务",
    "安全评估问卷答疑，需要私有化部署方案",
]
NEXT_STEPS = [
    "发正式报价",
    "安排技术交流",
    "提交安全评估材料",
    "约客户高层见面",
    "准备 POC 环境",
    "发送合同草稿",
    "整理需求清单",
    "确认采购流程",
]
CHANNELS = ["wechat", "phone", "email", "visit"]


async def _staff(app) -> dict[str, StaffUser]:
    users: dict[str, StaffUser] = {}
    async with app.db.write() as s:
        for username, name, role, title, manager, team, region in ORG:
            user = (await s.execute(select(StaffUser).where(StaffUser.username == username))).scalars().first()
            if user is None:
                user = StaffUser(
                    username=username,
                    name=name,
                    role=role,
                    title=title,
                    team=team,
                    region=region,
                    phone=f"1380000{ORG.index((username, name, role, title, manager, team, region)):04d}",
                )
                s.add(user)
                await s.flush()
                await set_staff_id(s, user, "wecom", username)
                await set_staff_id(s, user, "dingtalk", f"dt_{username}")
            users[username] = user
        for username, *_rest in ORG:
            manager = _rest[3]
            if manager and users[username].manager_id != users[manager].id:
                users[username].manager_id = users[manager].id
                s.add(users[username])
    return users


def _local(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tz)


async def load_demo(app) -> str:
    """Load (or top up) the demo data; returns a one-line report."""
    rng = random.Random(20261123)
    tz = ZoneInfo(app.settings.timezone)
    today = app.clock.now(tz).date()
    users = await _staff(app)
    created = {"accounts": 0, "contacts": 0, "opportunities": 0, "visits": 0, "tasks": 0, "interactions": 0}
    demo = {"created_source": "IMPORT"}
    for index, (name, short, industry, region, tier, owner) in enumerate(ACCOUNTS):
        owner_user = users[owner]
        async with app.db.write() as s:
            account = (await s.execute(select(Account).where(Account.name == name))).scalars().first()
            if account is not None:
                continue
            account = Account(
                name=name, short_name=short, industry=industry, region=region, tier=tier, owner_id=owner_user.id, **demo
            )
            s.add(account)
            await s.flush()
            created["accounts"] += 1
            contacts = []
            for title, role, honorific in rng.sample(TITLES, 3):
                surname = SURNAMES[rng.randrange(len(SURNAMES))]
                contact = Contact(
                    account_id=account.id,
                    name=surname + GIVEN[rng.randrange(len(GIVEN))],
                    title=title,
                    deal_role=role,
                    phone=f"13{rng.randrange(10**8, 10**9)}",
                    **demo,
                )
                contact.email = f"contact{account.id}_{len(contacts)}@example.cn"
                s.add(contact)
                contacts.append((contact, surname + honorific))
            await s.flush()
            created["contacts"] += len(contacts)
            stage = rng.choice(list(STAGES)[:5]) if index % 6 else rng.choice(["closed_won", "closed_lost"])
            opp = Opportunity(
                account_id=account.id,
                name=f"{short}{rng.choice(DEAL_NAMES)}",
                stage=stage,
                probability=STAGES[stage],
                amount=float(rng.randrange(8, 200) * 10000),
                close_date=today + timedelta(days=rng.randrange(-20, 120)),
                owner_id=owner_user.id,
                seats=rng.randrange(20, 500),
                competitors=rng.sample(["纷享销客", "销售易", "Salesforce", "钉钉 CRM"], rng.randrange(0, 3)),
                economic_buyer=contacts[0][0].name,
                **demo,
            )
            if stage == "closed_lost":
                opp.lost_reason = rng.choice(["价格", "选了竞品", "预算取消"])
            s.add(opp)
            await s.flush()
            created["opportunities"] += 1
            for v in range(rng.randrange(2, 6)):
                day = today - timedelta(days=rng.randrange(1, 120))
                contact, honorific = rng.choice(contacts)
                visit = Visit(
                    account_id=account.id,
                    opportunity_id=opp.id,
                    owner_id=owner_user.id,
                    status="held",
                    visit_date=day,
                    start_at=_local(day, rng.choice([10, 14, 15]), 0, tz),
                    channel=rng.choice(["onsite", "onsite", "phone", "video"]),
                    attendees=[honorific],
                    summary=rng.choice(VISIT_TOPICS),
                    next_step=rng.choice(NEXT_STEPS),
                    idempotency_key=f"demo:visit:{account.id}:{v}",
                    **demo,
                )
                s.add(visit)
                created["visits"] += 1
            for t in range(rng.randrange(1, 3)):
                task = Task(
                    title=rng.choice(NEXT_STEPS),
                    due_date=today + timedelta(days=rng.randrange(-6, 14)),
                    owner_id=owner_user.id,
                    account_id=account.id,
                    opportunity_id=opp.id,
                    idempotency_key=f"demo:task:{account.id}:{t}",
                    **demo,
                )
                s.add(task)
                created["tasks"] += 1
            # each contact answers at their own favourite hours: the best-time model learns from this
            for contact, _ in contacts:
                favourite_days = rng.sample(range(5), 2)
                favourite_hour = rng.choice([9, 10, 11, 14, 15, 16, 20])
                for _ in range(rng.randrange(6, 18)):
                    day = today - timedelta(days=rng.randrange(1, 150))
                    if rng.random() < 0.75:
                        day -= timedelta(days=(day.weekday() - rng.choice(favourite_days)) % 7)
                        hour = favourite_hour
                    else:
                        hour = rng.randrange(8, 21)
                    at = _local(day, hour, rng.randrange(60), tz)
                    direction = rng.choice(["inbound", "outbound"])
                    s.add(
                        Interaction(
                            contact_id=contact.id,
                            account_id=account.id,
                            staff_id=owner_user.id,
                            occurred_at=at,
                            channel=rng.choice(CHANNELS),
                            direction=direction,
                            kind="message",
                            answered=direction == "inbound" or rng.random() < 0.6,
                            response_minutes=rng.choice([5, 12, 30, 90, 240]) if direction == "inbound" else None,
                            note="demo",
                            **demo,
                        )
                    )
                    created["interactions"] += 1
    kb_report = ""
    if app.knowledge is not None:
        kb_report = f"；话术库：{await load_demo_library(app.knowledge)}"
    staff = len(users)
    return (
        f"演示数据已就绪：{staff} 位同事，新增客户 {created['accounts']}、联系人 {created['contacts']}、"
        f"商机 {created['opportunities']}、拜访 {created['visits']}、待办 {created['tasks']}、"
        f"互动 {created['interactions']}{kb_report}"
    )
