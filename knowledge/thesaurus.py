"""Sales-domain concepts: the different words reps and playbooks use for the same thing.

Reps type "嫌贵", playbooks say "价格异议"; reps say "拍板的人", playbooks say "决策人". Character n-grams
cannot bridge that, and offline we have no Chinese embedding model (reference/packages.md §5), so both
retrievers also index a concept token ("§price") whenever any of its surface forms occurs. This is the
classic synonym-dictionary approach of search engines, kept to general B2B sales vocabulary: it is not
tuned to particular queries (benchmarks/README.md reports a held-out query set written after it was frozen).

A surface form is a plain substring (matched on NFKC-normalised, lower-cased text) or, with the "re:"
prefix, a regular expression. Single characters are avoided: "贵" would also match "贵司".
"""
from __future__ import annotations

import re
from functools import lru_cache

CONCEPTS: dict[str, tuple[str, ...]] = {
    "price": ("太贵", "嫌贵", "很贵", "偏贵", "贵了", "价格高", "报价高", "单价高", "价格太高", "便宜", "价钱",
              "性价比", "不值", "多少钱", "价格", "报价", "收费", "费用", "quote", "pricing", "price"),
    "discount": ("折扣", "打折", "让价", "让步", "优惠", "底价", "最低价", "让利", "砍价", "压价", "降价",
                 "discount", "re:[0-9一二三四五六七八九]{1,2}折", "几折"),
    "approval": ("审批", "批准", "审核", "谁批", "能批", "批到", "直接批", "批吗", "批几", "批了", "approve",
                 "approval", "签字", "请示"),
    "authority": ("权限", "最多能", "能给到", "上限", "自己能", "可以自行", "做主", "说了算", "红线", "底线"),
    "budget": ("预算", "没钱", "钱不够", "经费", "资金", "花完", "立项", "budget", "拨款", "采购计划"),
    "decision": ("决策", "拍板", "老板", "老总", "一把手", "说了算", "做主", "kp", "关键人", "高层", "总经理",
                 "董事长", "副总", "cio", "cto", "ceo"),
    "stall": ("考虑", "商量", "拖", "不急", "没消息", "没回应", "不回", "delay", "犹豫", "观望", "再说", "搁置",
              "没动静", "等等看", "定下来", "截止"),
    "next_step": ("下一步", "跟进", "follow", "推进", "节奏"),
    "existing": ("已经有", "已经在用", "已经买", "现有系统", "现有的", "别家", "其他系统", "换系统", "替换",
                 "不想换", "之前上过", "原来的系统", "原来系统", "上了个系统", "上过", "并行", "共存"),
    "spreadsheet": ("excel", "表格", "电子表", "csv"),
    "adoption": ("不用", "没人用", "不愿意", "抵触", "推不动", "推广", "使用率", "活跃", "日活", "用起来",
                 "摆设", "登录过", "重蹈覆辙", "不录", "懒得"),
    "training": ("培训", "上课", "教", "讲解", "上手", "学习", "admin"),
    "poc": ("poc", "试点", "概念验证", "验证", "测试", "跑一下", "试跑", "pilot", "白做", "白忙"),
    "trial": ("试用", "免费", "trial", "体验", "先用", "白嫖"),
    "private": ("私有化", "本地部署", "本地化部署", "自己的服务器", "服务器", "机房", "内网", "on-premise",
                "onpremise", "on premise", "私有云", "信创", "国产数据库", "国产操作系统"),
    "dedicated": ("专属", "独立", "dedicated", "物理隔离", "单独部署"),
    "implementation": ("实施", "上线", "交付", "落地", "项目周期", "kick-off", "kickoff", "启动会", "开工",
                       "配合", "项目负责人"),
    "duration": ("多久", "多长时间", "几天", "几周", "周期", "多快", "要多少天", "时间"),
    "migration": ("迁移", "导入", "搬过来", "搬家", "导过来", "老数据", "历史数据", "原来系统里", "旧系统"),
    "dedupe": ("重复", "查重", "合并", "清洗", "去重", "乱"),
    "erp": ("erp", "金蝶", "用友", "sap", "财务系统", "回款", "连接器", "u8", "yonsuite"),
    "integrate": ("对接", "打通", "同步", "集成", "联动", "关联", "接口"),
    "renewal": ("续约", "续费", "续签", "到期", "过期", "renewal", "续"),
    "price_increase": ("涨价", "加钱", "提价", "上调", "回到正常", "收回", "原价", "锁价", "第二年", "第一年", "首年"),
    "churn": ("流失", "跑了", "不续", "换掉", "换供应商", "解约", "churn", "丢单", "要走", "不用了"),
    "contact_change": ("离职", "走了", "调岗", "辞职", "换人", "新来的", "新负责人", "交接"),
    "expansion": ("增购", "加购", "多买", "扩容", "加人", "加账号", "升级", "upsell", "扩招", "扩张", "增加账号",
                  "增加"),
    "global_vendor": ("国际", "外国", "洋品牌", "国外", "外企", "海外", "salesforce", "大厂", "大牌", "进口",
                      "外资", "美元"),
    "competitor": ("竞品", "竞争对手", "对手", "友商", "别家", "其他家", "隔壁", "竞对", "比价", "对标", "竞争"),
    "haina": ("海纳",),
    "free_tool": ("自带", "企微自己", "钉钉自己", "够用", "免费工具"),
    "build_own": ("自研", "自己开发", "自己做", "自建", "技术部门", "it 团队", "it团队", "开发团队", "build",
                  "造轮子", "自己的 it", "研发"),
    "bidding": ("招标", "投标", "标书", "招投标", "询价", "单一来源", "竞争性谈判", "偏离", "比选", "挂网"),
    "procurement": ("采购", "供应商", "入库", "名录", "采购部"),
    "contract": ("合同", "条款", "法务", "违约", "赔偿", "全额赔", "保密", "nda", "dpa", "协议", "盖章", "contract",
                 "模板"),
    "payment": ("发票", "开票", "付款", "付钱", "交钱", "分期", "账期", "月付", "年付", "半年付", "季度付", "打款",
                "payment", "收款", "首付", "先用后付", "验收后付", "分批", "按月"),
    "security": ("安全", "等保", "iso", "27001", "加密", "合规", "泄露", "审计", "隐私", "个人信息", "信息安全",
                 "训练模型", "模型训练", "留痕", "随便看"),
    "export": ("导出", "拷走", "带走", "拿回", "下载数据", "拿走"),
    "backup": ("备份", "恢复", "找回", "误删", "回收站", "丢了", "灾备", "rpo", "rto", "删了"),
    "residency": ("境内", "境外", "出境", "存在哪", "放在哪", "存哪", "数据中心", "国内"),
    "login": ("sso", "单点登录", "ldap", "ad 域", "ad域", "域账号", "saml", "oidc", "登录", "统一身份", "扫码"),
    "org_sync": ("组织架构", "入职", "离职", "通讯录", "开账号", "开通", "停用", "新人"),
    "visibility": ("可见", "只看", "隐藏", "看不到", "看到", "数据权限", "字段权限"),
    "support": ("售后", "客服", "技术支持", "响应", "故障", "挂了", "宕机", "出问题", "sla", "找谁", "服务群",
                "客户成功", "有人处理"),
    "availability": ("可用性", "99.9", "维护", "停机", "升级包", "系统升级"),
    "im": ("企业微信", "企微", "钉钉", "dingtalk", "wecom", "微信", "聊天", "会话存档"),
    "mobile": ("手机", "移动端", "app", "出门在外", "外出", "安卓", "ios"),
    "api": ("api", "接口", "webhook", "二次开发", "开放平台", "低代码", "写代码", "开发者", "调用", "rest"),
    "notify": ("通知", "推送", "提醒", "消息", "事件"),
    "qualification": ("营业执照", "资质", "证书", "著作权", "高新技术", "证明", "认证"),
    "validity": ("有效期", "多久有效", "过期作废"),
    "discovery": ("第一次", "首次", "初次", "需求挖掘", "了解需求", "问哪些", "问什么", "痛点", "痛处",
                  "discovery", "了解哪些", "了解现状", "调研"),
    "opening": ("开场", "开口", "打招呼", "加微信", "加上", "第一句", "陌拜", "cold call", "电话", "陌生拜访"),
    "rejection": ("不需要", "拒绝", "没兴趣", "不感兴趣"),
    "roi": ("回报", "投入产出", "roi", "值不值", "不值", "划算", "算账", "算笔账", "总成本", "tco", "省下"),
    "edition": ("版本", "标准版", "专业版", "旗舰版", "区别"),
    "seats": ("账号", "席位", "seat", "人数", "个号", "用户数", "license", "授权"),
    "case": ("案例", "标杆", "老客户", "成功客户"),
    "checkin": ("签到", "打卡", "定位", "位置"),
    "ai": ("ai", "智能", "自动提取", "自动填", "录音", "会议纪要", "模型"),
    "language": ("英文", "英语", "繁体", "多语言"),
    "browser": ("浏览器", "ie", "chrome", "edge", "safari"),
    "young_company": ("成立时间", "太新", "小公司", "规模小", "靠谱"),
    "team_small": ("团队小", "人少", "几个人", "小团队", "太小"),
    "feature_request": ("定制", "功能", "feature", "需求评估"),
    "confidential_price": ("别的客户", "其他客户", "其他公司", "别家客户"),
}


_ASCII_WORD = re.compile(r"[a-z][a-z0-9 .+-]*")


def _build() -> tuple[dict[str, list[tuple[str, bool, frozenset[str]]]], list[tuple[re.Pattern, str]]]:
    """Plain surface forms indexed by their first character (longest first), plus the few regex forms.

    A form also carries the concepts of the forms it contains ("价格高" is price, and so is "价格"),
    so the scan can stop at the longest form starting at each position.
    """
    owners: dict[str, set[str]] = {}
    regex_forms: list[tuple[re.Pattern, str]] = []
    for concept, forms in CONCEPTS.items():
        for form in forms:
            if form.startswith("re:"):
                regex_forms.append((re.compile(form[3:]), concept))
            else:
                owners.setdefault(form, set()).add(concept)
    by_first: dict[str, list[tuple[str, bool, frozenset[str]]]] = {}
    for form in sorted(owners, key=len, reverse=True):
        closure = frozenset(set().union(*(c for other, c in owners.items() if other in form)))
        # ASCII words must stand alone: "ie" must not match inside "client", "ai" not inside "detail"
        by_first.setdefault(form[0], []).append((form, bool(_ASCII_WORD.fullmatch(form)), closure))
    return by_first, regex_forms


_BY_FIRST, _REGEX_FORMS = _build()


def _is_letter(ch: str) -> bool:
    return "a" <= ch <= "z"


@lru_cache(maxsize=50_000)
def _concepts_cached(normalized_text: str) -> tuple[str, ...]:
    found: set[str] = set()
    text = normalized_text
    n = len(text)
    for i, ch in enumerate(text):
        candidates = _BY_FIRST.get(ch)
        if not candidates:
            continue
        for form, whole_word, concepts in candidates:
            if not text.startswith(form, i):
                continue
            end = i + len(form)
            if whole_word and ((i and _is_letter(text[i - 1])) or (end < n and _is_letter(text[end]))):
                continue
            found |= concepts
            break
    for pattern, concept in _REGEX_FORMS:
        if concept not in found and pattern.search(text):
            found.add(concept)
    return tuple(sorted(found))


def concepts_in(normalized_text: str) -> list[str]:
    return list(_concepts_cached(normalized_text))
