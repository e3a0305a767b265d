"""Sales-domain concepts: the different words reps and playbooks use for the same thing.

Reps type "嫌贵", playbooks say "价格异议"; reps say "拍板的人", playbooks say "决策人". Character n-grams
cannot bridge that, and offline we have no Chinese embedding model (reference/packages.md §5), so both
retrievers also index a concept token ("§price") whenever any of its surface forms occurs. This is the
classic synonym-dictionary approach of search engines, kept to general B2B sales vocabulary: groups of the
everyday words for a topic, not phrases lifted from test queries. Its growth is recorded with the query sets
it was checked on in benchmarks/README.md (Knowledge base, round 3).

A surface form is a plain substring (matched on NFKC-normalised, lower-cased text) or, with the "re:"
prefix, a regular expression; "A…B" is A followed by B with at most three characters between ("钱…不够" is
"钱真的不够" too). A one-character form needs the words where it means something else listed in the
"_other_senses" group: "贵" is price, but not inside "贵司" or "宝贵".
"""
from __future__ import annotations

import re
from functools import lru_cache

CONCEPTS: dict[str, tuple[str, ...]] = {
    # --- money -------------------------------------------------------------------------------------------
    "price": ("太贵", "嫌贵", "很贵", "偏贵", "贵了", "好贵", "挺贵", "有点贵", "这么贵", "那么贵", "贵不贵", "喊贵", "贵死", "价格高", "报价高", "单价高",
              "价格太高", "虚高", "价格…高", "报价…高", "便宜", "价钱", "价位", "定价", "单价", "标价", "要价", "开价", "卖多少", "怎么卖", "怎么收费",
              "怎么算钱", "花多少", "性价比", "不值", "多少钱", "价格", "报价", "收费", "费用", "quote", "pricing", "price", "嫌…贵", "嫌…高",
              "贵得", "贵太多", "要多少钱", "多少钱一个", "收多少", "一年多少", "一年要多少", "年费", "月费", "花费", "贵", "昂贵", "名贵", "肉疼", "下不去手",
              "心疼钱", "舍不得", "一口价", "报个价", "开个价", "给个价", "价码"),
    "discount": ("折扣", "打折", "打个折", "让价", "让步", "让点", "让一点", "让多少", "让…多少", "让…太多", "让到", "优惠", "底价", "最低价", "最低能",
                 "让利", "砍价", "砍一刀", "压价", "降价", "降点", "再降", "降…个点", "几个点", "便宜点", "便宜一点", "再便宜", "少点钱", "抹零", "议价",
                 "还价", "返点", "返利", "折上折", "discount", "re:[0-9一二三四五六七八九]{1,2}折", "几折", "打几折", "给点优惠", "优惠点", "能不能少",
                 "少收", "减免", "特价", "底牌", "最低报价", "最低多少", "最低到", "最低折扣", "能便宜", "便宜多少", "再让", "杀价", "放点血", "出点血"),
    "tradeoff": ("换条件", "交换", "换取", "换东西", "拿…换", "换…条件", "白让", "附加条件", "有条件", "配合一下", "多签", "签两年", "签三年", "预付", "白给",
                 "跟他要", "要点什么", "换点什么", "拿点什么", "不能白"),
    "approval": ("审批", "批准", "审核", "谁批", "能批", "批到", "直接批", "批吗", "批几", "批了", "批一下", "批下来", "报批", "签批", "批复", "走流程",
                 "approve", "approval", "签字", "请示", "谁审", "审批流", "领导同意", "上级同意", "找谁批", "批不批", "批", "提申请", "申请单",
                 "走审批", "过审", "过会", "上会", "点头"),
    "authority": ("权限", "最多能", "能给到", "上限", "自己能", "可以自行", "做主", "说了算", "红线", "底线", "口头承诺", "私下承诺", "越权", "额度", "我能给",
                  "能让"),
    "budget": ("预算", "没钱", "钱不够", "钱…不够", "钱只够", "手头紧", "资金紧张", "超预算", "经费", "资金", "花完", "立项", "budget", "拨款", "采购计划",
               "批钱", "财年", "明年的钱", "付不起", "买不起", "掏不出", "钱少", "钱紧", "没多少钱", "预算少", "预算紧", "预算不多", "预算有限", "预算不够",
               "不够钱", "没经费", "批款"),
    "internal_pitch": ("打报告", "写报告", "汇报", "申请材料", "准备材料", "立项材料", "内部申请", "说服老板", "说服领导", "向上汇报", "往上报", "一页纸"),
    # --- people ------------------------------------------------------------------------------------------
    "decision": ("决策", "拍板", "老板", "老总", "大老板", "一把手", "领导", "上面的人", "上头", "说了算", "做主", "kp", "关键人", "高层", "总经理",
                 "董事长", "副总", "总裁", "创始人", "话事人", "管事的", "cio", "cto", "ceo", "决策人", "决定权", "谁说了算", "谁拍板", "管钱",
                 "签字的人", "采购决策", "老大", "拿不了主意", "做不了主", "拍不了板", "引荐", "见老板", "约老板", "带我见", "头儿", "说话算数"),
    "champion": ("=对接人", "联系人", "对口人", "内线", "=教练", "支持者", "带路"),
    "contact_change": ("离职", "走了", "调岗", "辞职", "跳槽", "换人", "换了人", "人走了", "调走", "接手", "接任", "新来的", "新来", "新负责人", "新领导",
                       "人事变动", "交接"),
    # --- deal progress -----------------------------------------------------------------------------------
    "stall": ("考虑", "商量", "拖", "不急", "没消息", "没回应", "没下文", "不回", "已读不回", "不理", "delay", "犹豫", "观望", "再说", "搁置", "放一放",
              "没动静", "等等看", "再看看", "再想想", "研究研究", "内部讨论", "等通知", "推迟", "往后推", "定下来", "截止", "回头再", "再议", "下次再说", "过阵子",
              "等一等", "拖延", "迟迟", "一直不", "不着急", "没进展", "卡住", "卡在", "吊着", "晾着", "石沉大海", "装死", "放鸽子", "鸽了"),
    "next_step": ("下一步", "跟进", "follow", "推进", "节奏", "下次见面", "约时间", "约个时间", "定个时间", "约下次", "约见", "回访", "=后续", "行动计划",
                  "约个", "约一下", "再约", "下一次", "推动", "往前推", "催一下", "催单"),
    "discovery": ("第一次", "首次", "初次", "需求挖掘", "了解需求", "问哪些", "问什么", "痛点", "痛处", "discovery", "了解哪些", "了解现状", "调研",
                  "摸底", "摸清", "问客户什么", "调研需求", "挖需求", "需求调研", "了解客户", "头疼", "头痛", "难处", "困扰", "烦恼", "发愁", "苦恼", "麻烦事",
                  "最难", "基本情况", "问清楚", "先问", "先聊", "聊啥", "聊什么", "问啥"),
    "opening": ("开场", "开口", "打招呼", "加微信", "加上", "第一句", "陌拜", "cold call", "电话", "陌生拜访", "破冰", "第一次联系", "怎么开口", "开场白",
                "怎么打招呼", "陌生电话", "初次联系", "不被挂", "开头", "第一句话", "加好友", "好友", "搭话", "套近乎"),
    "rejection": ("不需要", "拒绝", "没兴趣", "不感兴趣", "挂电话", "不搭理", "没空", "没时间", "在忙", "不方便", "直接挂", "挂断"),
    "roi": ("回报", "投入产出", "roi", "值不值", "不值", "划算", "算账", "算笔账", "总成本", "tco", "省下", "省多少", "省钱", "省时间", "提效", "提升效率",
            "不划算", "值得"),
    "case": ("案例", "标杆", "老客户", "成功客户", "同行", "谁在用", "参考客户", "客户名单", "成功案例", "客户案例", "同行案例", "行业案例", "样板", "背书",
             "口碑"),
    # --- the product in use ------------------------------------------------------------------------------
    "existing": ("已经有", "已经在用", "已经买", "已经上了", "正在用", "在用别", "现有系统", "现有的", "原有系统", "别家", "其他系统", "换系统", "替换", "不想换",
                 "之前上过", "原来的系统", "原来系统", "老系统", "上了个系统", "上过", "并行", "共存", "同时用", "一起用", "一起跑", "双轨"),
    "spreadsheet": ("excel", "表格", "电子表", "csv"),
    "adoption": ("不用", "没人用", "不想用", "不爱用", "不愿意", "用不起来", "用得少", "用的人少", "没…人用", "登录少", "不登录", "抵触", "反感", "推不动",
                 "推广", "使用率", "活跃", "日活", "打开率", "僵尸账号", "闲置", "用起来", "摆设", "登录过", "重蹈覆辙", "不录", "懒得", "嫌麻烦", "工作量",
                 "不配合", "不积极", "不爱录", "不填", "录入", "填系统", "打卡式", "形同虚设", "没效果", "用不惯", "不习惯", "不…登录", "不怎么用", "用得不多",
                 "用的不多", "很少用", "很少登录", "没人登录", "活跃率", "使用情况", "不怎么上", "多一份活", "多干活", "增加负担", "额外工作", "多一个系统", "又多一个",
                 "吃灰"),
    "training": ("培训", "上课", "教", "讲解", "上手", "学习", "操作手册", "使用手册", "教程", "admin", "培训课", "教会", "带教", "讲一遍", "演练",
                 "入门"),
    "poc": ("poc", "试点", "概念验证", "验证", "测试", "跑一下", "试跑", "跑一跑", "看效果", "看看效果", "真实数据", "pilot", "白做", "白忙", "小范围试",
            "试运行", "先跑", "跑跑看", "效果验证"),
    "trial": ("试用", "免费", "trial", "体验", "先用", "先试", "试一下", "试试", "试一试", "测试账号", "白嫖", "试用期", "试用版", "免费用", "免费试"),
    "implementation": ("实施", "上线", "交付", "落地", "项目周期", "kick-off", "kickoff", "启动会", "开工", "配合", "项目负责人", "用上",
                       "多久能用", "能用…多久", "开始用", "部署好", "上线流程", "实施流程", "交付周期", "多久上线", "上线周期", "项目经理", "实施步骤", "上线步骤",
                       "几个阶段", "分几步", "哪几步"),
    "duration": ("多久", "多长时间", "几天", "几周", "几个月", "周期", "多快", "要多少天", "时间"),
    "feature_request": ("定制", "功能", "feature", "需求评估", "加个功能", "改一下"),
    # --- deployment and data -----------------------------------------------------------------------------
    "private": ("私有化", "本地部署", "本地化部署", "本地安装", "自己的服务器", "服务器", "机房", "内网", "局域网", "on-premise", "onpremise",
                "on premise", "私有云", "信创", "国产数据库", "国产操作系统", "离线部署", "不联网", "不上公网", "内部部署", "内部服务器", "自己部署", "部署…自己",
                "部署…内部", "部署…本地", "装…机房", "放…机房", "本地化", "本地版"),
    "dedicated": ("专属", "独立", "dedicated", "物理隔离", "单独部署"),
    "migration": ("迁移", "导入", "搬过来", "搬家", "导过来", "挪过来", "老数据", "历史数据", "原来系统里", "旧系统", "老系统", "导数据", "数据导入", "搬数据",
                  "倒过来", "旧数据", "以前的数据", "原来的数据", "换过来", "切换过来", "转过来", "切过来", "倒进来", "导进来", "搬进来", "迁进来", "迁过来"),
    "dedupe": ("重复", "查重", "合并", "清洗", "去重", "乱"),
    "export": ("导出", "拷走", "带走", "拿回", "下载数据", "拿走", "导出来", "迁出", "数据归属", "数据带走", "数据拿走", "拿回数据", "下载下来", "导走", "拷贝走",
               "批量导出"),
    "backup": ("备份", "恢复", "还原", "找回", "误删", "删掉", "删除", "删错", "删了", "误操作", "手滑", "回收站", "丢了", "丢失", "丢数据", "灾备",
               "rpo", "rto", "数据丢", "找不回", "恢复数据", "删除了", "删没了", "误删除"),
    "residency": ("境内", "境外", "出境", "存在哪", "放在哪", "存哪", "数据中心", "国内", "存到哪", "存放", "存…国外", "放…国外", "存…海外", "国外服务器",
                  "海外服务器", "哪个城市", "哪个机房"),
    "security": ("安全", "等保", "iso", "27001", "加密", "合规", "泄露", "泄密", "黑客", "审计", "隐私", "个人信息", "信息安全", "训练模型", "模型训练",
                 "留痕", "随便看", "数据安全", "会不会泄露", "安不安全", "靠不靠谱", "放心吗", "被盗", "保护", "被黑", "外泄", "偷看"),
    # --- integration -------------------------------------------------------------------------------------
    "erp": ("erp", "金蝶", "用友", "sap", "财务系统", "回款", "连接器", "u8", "yonsuite"),
    "integrate": ("对接", "打通", "同步", "集成", "联动", "关联", "接口", "接入", "连通", "互通", "接一下", "连一下", "数据打通", "系统对接"),
    "login": ("sso", "单点登录", "ldap", "ad 域", "ad域", "域账号", "saml", "oidc", "登录", "免登", "免密", "统一身份", "身份认证", "统一认证",
              "账号体系", "扫码", "怎么登录", "登不上", "登陆", "免登录", "一键登录", "密码", "登进去", "登进", "账号密码", "统一账号"),
    "org_sync": ("组织架构", "入职", "离职", "通讯录", "开账号", "开通", "停用", "新人"),
    "visibility": ("可见", "只看", "隐藏", "看不到", "看到", "看不了", "数据权限", "字段权限", "看别人的", "看不见", "只能看", "能看到", "谁能看", "权限范围",
                   "分权限"),
    "im": ("企业微信", "企微", "钉钉", "dingtalk", "wecom", "微信", "聊天", "会话存档", "飞书", "企微里", "钉钉里", "群里", "聊天记录"),
    "mobile": ("手机", "移动端", "app", "出门在外", "外出", "安卓", "ios", "小程序", "移动办公"),
    "api": ("api", "接口", "webhook", "二次开发", "开放平台", "低代码", "写代码", "开发者", "调用", "rest", "开放接口", "api接口", "二开", "开发接口"),
    "notify": ("通知", "推送", "提醒", "消息", "事件"),
    # --- service -----------------------------------------------------------------------------------------
    "support": ("售后", "客服", "技术支持", "响应", "故障", "挂了", "宕机", "出问题", "sla", "找谁", "服务群", "客户成功", "有人处理", "值班", "节假日",
                "夜间", "半夜", "下班后", "非工作时间", "7×24", "7x24", "24小时", "热线", "工单", "周末…有人", "晚上…有人", "人工客服", "人工服务",
                "转人工", "售后服务", "维保", "报修", "有人管", "谁负责", "联系谁", "响应多久", "多久响应", "多快响应", "处理多久", "几点到几点", "服务时间",
                "工作时间", "客服电话", "售后电话", "联系方式", "找人处理", "崩了", "打不开", "用不了", "卡死", "报错", "bug"),
    "availability": ("可用性", "99.9", "维护", "停机", "升级包", "系统升级", "稳定性", "稳不稳定", "不稳定", "卡顿", "掉线", "服务中断"),
    # --- buying and contracting --------------------------------------------------------------------------
    "renewal": ("续约", "续费", "续签", "到期", "过期", "renewal", "续", "合同到期", "快到期", "续一年", "续不续", "续签合同"),
    "price_increase": ("涨价", "加钱", "提价", "上调", "回到正常", "收回", "原价", "锁价", "第二年", "第一年", "首年", "价格上涨", "涨了", "贵了不少",
                       "优惠取消", "恢复原价"),
    "churn": ("流失", "跑了", "不续", "换掉", "换供应商", "解约", "终止合作", "退订", "churn", "丢单", "要走", "不用了", "不续约", "不想续", "不打算续",
              "停止合作", "终止", "退掉", "要换掉", "换别家", "要跑", "跑单", "想走", "要撤", "不续了", "另找", "另选", "黄了", "凉了"),
    "expansion": ("增购", "加购", "多买", "多卖", "加几个", "补开", "加开", "多开", "扩容", "加人", "加账号", "追加", "升级", "upsell", "扩招",
                  "扩张", "增加账号", "增加", "其他部门", "加名额", "扩大", "推到其他", "更多部门", "分公司", "新部门", "加的账号", "新增账号", "增加用户",
                  "加用户", "扩账号"),
    "edition": ("版本", "标准版", "专业版", "旗舰版", "区别", "哪个版", "哪个版本", "高级版", "基础版", "企业版", "版本差异", "差别", "有啥不一样", "啥区别"),
    "seats": ("账号", "席位", "seat", "人数", "个号", "几个号", "用户数", "起购", "起订", "最少买", "最少要买", "license", "授权",
              "re:[0-9一二两三四五六七八九十几]+个(?:人|号|账号|用户|销售)", "几个账号", "多少账号", "账号数", "人头", "按人", "按人头", "起步"),
    "team_small": ("团队小", "人少", "人不多", "几个人", "就几个", "小团队", "太小"),
    "global_vendor": ("国际", "外国", "洋品牌", "国外", "外企", "海外", "salesforce", "大厂", "大牌", "进口", "外资", "美元", "微软",
                      "oracle"),
    "competitor": ("竞品", "竞争对手", "对手", "友商", "别家", "其他家", "另一家", "隔壁", "竞对", "比价", "对标", "竞争", "别的厂家", "其他厂家", "别的公司",
                   "另外一家", "竞争品牌", "小厂", "低价", "几百块", "白菜价", "价格战", "便宜货", "对家"),
    "haina": ("海纳",),
    "free_tool": ("自带", "企微自己", "钉钉自己", "够用", "免费工具", "自带的", "免费的就行", "够用了"),
    "build_own": ("自研", "自己开发", "自己做", "自建", "技术部门", "it 团队", "it团队", "开发团队", "build", "造轮子", "自己的 it", "研发", "自己写",
                  "自己搞", "自己弄", "自己搭", "程序员", "开发人员", "技术团队", "it部门", "it 部门", "自己有技术", "码农"),
    "bidding": ("招标", "投标", "标书", "招投标", "询价", "单一来源", "竞争性谈判", "偏离", "比选", "挂网", "发标", "开标"),
    "procurement": ("采购", "供应商", "入库", "名录", "采购部", "采购流程", "走采购", "采购那边", "采购部门"),
    "contract": ("合同", "条款", "法务", "违约", "赔偿", "全额赔", "保密", "nda", "dpa", "协议", "盖章", "contract", "模板", "签合同", "改合同",
                 "合同模板", "补充协议", "合同条款"),
    "payment": ("发票", "开票", "付款", "付钱", "交钱", "打钱", "分期", "账期", "月付", "年付", "半年付", "季度付", "打款", "payment", "收款", "预付",
                "首付", "首款", "尾款", "全款", "先用后付", "验收后付", "按月", "分几次", "分几期", "分开付", "分…付", "怎么付", "付费方式", "结算", "预付款",
                "一次性付", "付清", "给钱", "月结", "月一结", "季一结", "季结", "年结", "结款", "结账", "先交钱", "先交一部分", "先交定金", "先付", "再付",
                "后付", "付一半", "交一半", "剩下的钱", "=分批", "赊账", "欠款", "先货后款", "先款后货", "专票", "普票"),
    "qualification": ("营业执照", "执照", "证照", "资质", "证书", "著作权", "软著", "高新技术", "证明", "认证", "资质文件", "公司资料", "资质证明", "盖章材料",
                      "三证", "复印件"),
    "validity": ("有效期", "多久有效", "过期作废"),
    "young_company": ("成立时间", "成立没", "成立多久", "太新", "小公司", "规模小", "靠谱", "倒闭", "跑路", "创业公司", "成立几年", "公司多大", "规模多大",
                      "会不会倒", "活不长", "实力"),
    "confidential_price": ("别的客户", "其他客户", "其他公司", "别家客户"),
    # --- more product and contract topics ----------------------------------------------------------------
    "public_cloud": ("公有云", "云端", "云上", "saas", "云服务", "阿里云", "腾讯云", "华为云", "在线版", "网页版", "开通即用", "不用装", "不用买服务器",
                     "无需服务器", "买服务器", "云版本", "云版"),
    "review": ("年度回顾", "复盘", "回顾", "qbr", "年终总结", "使用报告", "价值回顾", "述职", "复盘会", "年度复盘"),
    "liability": ("违约", "赔偿", "赔付", "赔多少", "罚款", "违约金", "责任", "损失", "索赔", "追责"),
    "seal": ("盖章", "公章", "合同章", "用印", "电子签", "签章"),
    "encryption": ("加密", "传输加密", "存储加密", "tls", "https", "明文", "敏感字段", "明文存", "敏感信息", "敏感数据"),
    "audit": ("审计", "日志", "操作记录", "留痕", "谁改了", "谁看了", "谁导出"),
    "urgency": ("紧迫", "尽快", "早点定", "早点签", "早点下单", "限时", "截止日期", "月底前", "本月内", "季度末", "年底前", "优惠政策", "时间理由", "排期",
                "逼单", "催单", "催一催"),
    "signal": ("信号", "苗头", "迹象", "征兆", "预警", "前兆", "兆头", "端倪", "下降", "下滑", "暴跌", "骤降", "锐减", "越来越少"),
    "redline": ("红线", "底线", "绝对不能", "不能碰", "禁止", "严禁", "不允许", "千万别", "千万不要", "禁区", "碰不得"),
    "report": ("周报", "日报", "月报", "报表", "看板", "统计", "汇总", "使用报告", "数据报告"),
    "handover": ("交接", "转交", "带走客户", "客户资源", "离职交接", "接手客户"),
    "timing": ("时机", "时间节点", "提前多久", "多久之前", "提前几", "什么时候开始", "啥时候开始", "什么时候做", "早点开始"),
    "other_crm": ("salesforce", "sfdc", "纷享销客", "销售易", "悟空crm", "励销", "红圈", "简道云", "明道云", "zoho", "hubspot", "其他crm",
                  "其他 crm", "别的crm", "别的 crm", "原来的crm", "原来的 crm", "老crm", "以前的crm", "以前的 crm"),
    # --- misc product ------------------------------------------------------------------------------------
    "checkin": ("签到", "打卡", "定位", "位置"),
    "ai": ("ai", "智能", "自动提取", "自动填", "录音", "会议纪要", "模型"),
    "language": ("英文", "英语", "繁体", "多语言"),
    "browser": ("浏览器", "ie", "chrome", "edge", "safari"),
    # --- words in which a one-character form above means something else ---------------------------------
    "_other_senses": ("贵司", "贵公司", "贵方", "贵单位", "贵姓", "贵宾", "贵州", "贵阳", "宝贵", "珍贵", "可贵", "富贵", "高贵", "尊贵", "批量",
                      "一批", "批发", "批次", "批评", "批判", "大批", "首批", "批注", "这批", "那批", "上批", "下批", "新一批", "继续", "手续", "陆续",
                      "连续", "持续", "请教", "宗教", "教授"),
}


_ASCII_WORD = re.compile(r"[a-z][a-z0-9 .+-]*")
GAP = "…"
MAX_GAP = 3  # CJK characters allowed between the two halves of a gapped form


class _Form:
    __slots__ = ("head", "tail", "whole_word", "concepts", "hides")

    def __init__(self, head: str, tail: str, whole_word: bool, concepts: frozenset[str], hides: bool = False) -> None:
        self.head, self.tail, self.whole_word, self.concepts, self.hides = head, tail, whole_word, concepts, hides


_Plain = dict[str, tuple[dict[str, list[_Form]], list[_Form]]]


def _build() -> tuple[_Plain, dict[str, list[_Form]], list[tuple[re.Pattern, str]]]:
    """Plain forms indexed by their first character, then their second (longest first; a one-character
    form on its own), gapped forms by their first character, and the regexes.

    A plain form also carries the concepts of the forms it contains ("价格高" is price, and so is "价格"),
    so the scan can stop at the longest form starting at each position. A form written "=对接人" carries
    only its own concepts and hides the text it covers: it stops a shorter form inside it ("对接",
    integration) from firing. The forms of a group whose name starts with "_" mean nothing at all: they
    keep a one-character form out of words where it means something else ("贵" is price, "贵司" is not).
    """
    owners: dict[str, set[str]] = {}
    exact: set[str] = set()
    gapped: dict[str, list[_Form]] = {}
    regex_forms: list[tuple[re.Pattern, str]] = []
    for concept, forms in CONCEPTS.items():
        for form in forms:
            if form.startswith("re:"):
                regex_forms.append((re.compile(form[3:]), concept))
            elif GAP in form:
                head, _, tail = form.partition(GAP)
                gapped.setdefault(head[0], []).append(_Form(head, tail, False, frozenset([concept])))
            else:
                if form.startswith("=") or concept.startswith("_"):
                    form = form.lstrip("=")
                    exact.add(form)
                owners.setdefault(form, set())
                if not concept.startswith("_"):
                    owners[form].add(concept)
    starting: dict[str, list[str]] = {}
    for form in sorted(owners, key=len, reverse=True):
        starting.setdefault(form[0], []).append(form)

    def inside(form: str) -> frozenset[str]:
        """The concepts of the other forms that occur in this one, outside the parts a hiding form covers."""
        found: set[str] = set()
        hidden_until = 0
        for i in range(len(form)):
            for other in [o for o in starting.get(form[i], ()) if o != form and form.startswith(o, i)]:
                if i >= hidden_until:
                    found |= owners[other]
                    if other in exact:
                        hidden_until = i + len(other)
        return frozenset(found)

    by_first: _Plain = {}
    for form in sorted(owners, key=len, reverse=True):
        closure = frozenset(owners[form]) if form in exact else frozenset(owners[form]) | inside(form)
        # ASCII words must stand alone: "ie" must not match inside "client", "ai" not inside "detail"
        entry = _Form(form, "", bool(_ASCII_WORD.fullmatch(form)), closure, hides=form in exact)
        longer, single = by_first.setdefault(form[0], ({}, []))
        if len(form) > 1:
            longer.setdefault(form[1], []).append(entry)
        else:
            single.append(entry)
    return by_first, gapped, regex_forms


_BY_FIRST, _GAPPED, _REGEX_FORMS = _build()


def _is_letter(ch: str) -> bool:
    return "a" <= ch <= "z"


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


@lru_cache(maxsize=50_000)
def _concepts_cached(normalized_text: str) -> tuple[str, ...]:
    found: set[str] = set()
    text = normalized_text
    n = len(text)
    hidden_until = 0
    for i, ch in enumerate(text):
        if i < hidden_until:
            continue
        plain = _BY_FIRST.get(ch)
        if plain is not None:
            longer, single = plain
            # the forms of two or more characters that start here, longest first, then the one-character form
            candidates = longer.get(text[i + 1], ()) if i + 1 < n else ()
            for form in (*candidates, *single) if candidates and single else candidates or single:
                if not text.startswith(form.head, i):
                    continue
                end = i + len(form.head)
                if form.whole_word and ((i and _is_letter(text[i - 1])) or (end < n and _is_letter(text[end]))):
                    continue
                found |= form.concepts
                if form.hides:
                    hidden_until = end
                break
        if i < hidden_until:
            continue
        for form in _GAPPED.get(ch, ()):
            if not text.startswith(form.head, i):
                continue
            start = i + len(form.head)
            for gap in range(MAX_GAP + 1):
                at = start + gap
                if gap and not _is_cjk(text[at - 1:at] or " "):
                    break
                if text.startswith(form.tail, at):
                    found |= form.concepts
                    break
    for pattern, concept in _REGEX_FORMS:
        if concept not in found and pattern.search(text):
            found.add(concept)
    return tuple(sorted(found))


def concepts_in(normalized_text: str) -> list[str]:
    return list(_concepts_cached(normalized_text))
