"""Query normalisation for the English that Chinese reps mix in: "客户要 POC", "谁 approve", "per seat 多少钱".

Playbooks are written in Chinese, so an English word in a query shares no characters with the passage
that answers it. Each English term below is expanded into the Chinese words a playbook would use; the
expansion is appended to the query (the English stays, for documents that do use it). The list is general
B2B/SaaS sales vocabulary, not tuned to particular queries. Matching is whole-word on NFKC-normalised,
lower-cased text, so "ie" never fires inside "client" and "ＰＯＣ" is "poc".
"""
from __future__ import annotations

import re
from functools import lru_cache

from knowledge.analysis import normalize

GLOSSARY: dict[str, str] = {
    # evaluation and trials
    "poc": "概念验证 试点", "pilot": "试点", "trial": "试用", "free trial": "免费试用", "demo": "演示",
    "sandbox": "试用环境",
    # deployment and platform
    "saas": "公有云 订阅", "cloud": "云", "public cloud": "公有云", "private cloud": "私有云",
    "on-premise": "私有化部署 本地部署", "on-premises": "私有化部署 本地部署", "on-prem": "私有化部署 本地部署",
    "onprem": "私有化部署", "self-hosted": "私有化部署", "deploy": "部署", "deployment": "部署",
    "server": "服务器", "database": "数据库", "db": "数据库", "xinchuang": "信创",
    "dedicated": "专属 独立", "isolation": "隔离", "multi-tenant": "多租户",
    # identity and permissions
    "sso": "单点登录", "single sign-on": "单点登录", "ldap": "统一身份认证", "saml": "单点登录", "oidc": "单点登录",
    "login": "登录", "permission": "权限", "permissions": "权限", "role": "角色", "rbac": "角色权限",
    # integration
    "api": "接口 开放", "open api": "开放接口", "webhook": "事件推送", "sdk": "开发包", "integration": "集成 对接",
    "integrate": "对接", "sync": "同步", "erp": "财务系统", "oa": "办公系统", "kingdee": "金蝶", "yonyou": "用友",
    "low-code": "低代码", "lowcode": "低代码", "no-code": "不写代码", "custom field": "自定义字段",
    "customize": "定制", "customization": "定制", "custom": "定制 自定义",
    # data
    "import": "导入", "export": "导出", "migrate": "迁移", "migration": "迁移", "backup": "备份",
    "restore": "恢复", "recovery": "恢复", "disaster recovery": "灾备 恢复", "rpo": "恢复点", "rto": "恢复时间",
    "dedupe": "去重 重复", "duplicate": "重复", "data cleaning": "数据清洗", "leak": "泄露", "data leak": "数据泄露",
    # security and compliance
    "security": "安全", "compliance": "合规", "encryption": "加密", "encrypt": "加密", "tls": "传输加密",
    "https": "传输加密", "audit": "审计", "audit log": "操作日志", "privacy": "隐私 个人信息", "gdpr": "个人信息保护",
    "pipl": "个人信息保护法", "certificate": "证书 资质", "certification": "认证 证书",
    # service
    "sla": "服务等级 响应时间 可用性", "uptime": "可用性", "availability": "可用性", "support": "售后 支持",
    "helpdesk": "客服", "customer success": "客户成功", "csm": "客户成功经理", "maintenance": "维保 维护",
    "downtime": "停机 故障", "outage": "故障", "incident": "故障", "bug": "故障 问题",
    # implementation and adoption
    "implementation": "实施", "onboarding": "上线 培训", "kickoff": "启动会", "kick-off": "启动会",
    "go-live": "上线", "golive": "上线", "launch": "上线", "rollout": "推广 上线", "training": "培训",
    "onsite": "现场", "on-site": "现场", "remote": "线上 远程", "online": "线上", "adoption": "使用率 推广",
    "dau": "日活 活跃", "mau": "月活 活跃", "active": "活跃", "usage": "使用率", "engagement": "活跃",
    # commercial
    "price": "价格 报价", "pricing": "价格 报价", "quote": "报价", "quotation": "报价", "discount": "折扣",
    "approve": "审批", "approval": "审批", "license": "授权 账号", "licence": "授权 账号", "seat": "账号",
    "seats": "账号", "per seat": "每个账号", "user": "用户 账号", "users": "用户 账号", "budget": "预算",
    "roi": "投入产出 回报", "tco": "总成本", "cost": "成本 费用", "cheap": "便宜", "expensive": "贵",
    "bottom price": "底价 最低价", "best price": "最低价 底价", "final offer": "最低价 最后报价",
    "negotiate": "谈判 让价", "negotiation": "谈判 让价", "deal": "单子 商机", "pipeline": "商机",
    "opportunity": "商机", "lead": "线索", "leads": "线索", "forecast": "预测",
    "upsell": "增购", "cross-sell": "增购", "expansion": "增购 扩张", "upgrade": "升级", "downgrade": "降级",
    "renewal": "续约", "renew": "续约", "churn": "流失", "retention": "留存 续约", "edition": "版本",
    "enterprise": "旗舰版 企业", "standard": "标准版", "professional": "专业版", "pro": "专业版",
    # contracts and payment
    "contract": "合同", "msa": "合同", "nda": "保密协议", "dpa": "数据处理协议", "legal": "法务",
    "liability": "赔偿 责任", "penalty": "违约金", "invoice": "发票", "fapiao": "发票", "payment": "付款",
    "pay": "付款", "prepay": "预付", "installment": "分期", "installments": "分期", "monthly": "按月 月付",
    "quarterly": "季度", "annual": "年付 每年", "yearly": "年付 每年", "net 30": "账期", "credit": "账期 信用",
    "procurement": "采购", "purchasing": "采购", "vendor": "供应商", "supplier": "供应商", "tender": "招标",
    "bid": "投标 招标", "bidding": "投标 招标", "rfp": "招标", "rfq": "询价", "rfi": "需求调研",
    # people and process
    "decision maker": "决策人", "kp": "关键人 决策人", "champion": "内部支持者 对接人", "sponsor": "支持者",
    "stakeholder": "决策 参与人", "boss": "老板", "ceo": "老板 总经理", "cfo": "财务负责人", "cio": "信息化负责人",
    "cto": "技术负责人", "it": "IT 技术", "dev": "开发", "developer": "开发", "engineer": "工程师",
    "follow up": "跟进", "follow-up": "跟进", "followup": "跟进", "next step": "下一步", "deadline": "截止 时间",
    "urgency": "紧迫 时间", "delay": "拖延", "stall": "拖延", "ghost": "没回应", "ghosting": "没回应",
    "think about it": "考虑", "think it over": "考虑", "get back to you": "考虑 回复",
    "not interested": "没兴趣 拒绝", "too expensive": "太贵", "no budget": "没预算", "price increase": "涨价",
    "close the deal": "成交 签约", "closing": "成交 签约", "sign": "签约 签合同", "signed": "签约", "sign in": "登录",
    "sign up": "注册 开通", "requirement": "要求 需求",
    "requirements": "要求 需求", "communicate": "沟通", "data": "数据", "template": "模板", "watermark": "水印",
    "objection": "异议", "pain point": "痛点", "pain": "痛点", "discovery": "需求挖掘", "cold call": "陌生电话 开场",
    "opening": "开场", "pitch": "介绍 话术", "script": "话术", "talk track": "话术", "case study": "案例",
    "reference": "案例 老客户", "testimonial": "案例", "qbr": "季度复盘 回顾", "review": "复盘 回顾",
    "escalate": "升级 上报", "kpi": "指标 考核", "report": "报表", "dashboard": "看板 报表",
    "visit": "拜访", "check-in": "签到", "checkin": "签到", "crm": "客户管理", "in-house": "自研 自己开发",
    "inhouse": "自研 自己开发", "build": "自己开发", "competitor": "竞品 竞争对手", "competitors": "竞品 竞争对手",
    "salesforce": "国际 大厂", "sfdc": "国际 大厂", "hubspot": "国际 大厂", "dynamics": "国际 大厂",
    # channels and clients
    "wecom": "企业微信", "wework": "企业微信", "wechat": "微信", "weixin": "微信", "dingtalk": "钉钉",
    "ding": "钉钉", "feishu": "飞书", "lark": "飞书", "mobile": "手机 移动端", "app": "手机 应用",
    "ios": "苹果 手机", "iphone": "苹果 手机", "android": "安卓 手机", "browser": "浏览器",
    "english": "英文", "language": "语言", "ai": "智能", "llm": "大模型", "gpt": "大模型", "model": "模型",
}

def _spaced(term: str) -> str:
    """"single sign-on", "single sign on" and "single_sign-on" are one key."""
    return re.sub(r"[\s_-]+", " ", term).strip()


_BY_KEY = {_spaced(term): chinese for term, chinese in GLOSSARY.items()}
_TERM_RE = re.compile("|".join(
    r"(?<![a-z0-9])" + re.escape(term).replace(r"\ ", r"[\s_-]*").replace(r"\-", r"[\s_-]*") + r"(?![a-z0-9])"
    for term in sorted(GLOSSARY, key=len, reverse=True)
))


@lru_cache(maxsize=4096)
def expand_query(query: str) -> str:
    """The query plus the Chinese for each English term it uses (unchanged when there is none)."""
    text = normalize(query)
    extra: list[str] = []
    for m in _TERM_RE.finditer(text):
        key = _spaced(m.group(0))
        chinese = _BY_KEY.get(key) or _BY_KEY.get(key.replace(" ", ""))
        if chinese and chinese not in extra:
            extra.append(chinese)
    return query if not extra else query + " " + " ".join(extra)
