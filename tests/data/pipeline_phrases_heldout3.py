"""Held-out pipeline phrases (round 2), written independently of the matcher code.

ROWS = [(text, kind, expected), ...]
kind in {"lost", "won", "forecast", "none"}
- lost:     expected = reason category (价格/产品功能/竞品/时机/关系/无决策),
            optionally "|<competitor canonical name>" (unknown competitors as named).
- won:      expected = signed amount in yuan (int) or None.
- forecast: expected = "commit" / "best_case" / "pipeline".
- none:     expected = None.
See README.md for the decision rules.
"""

ROWS = [
    # ---- lost (12) ----
    ("华东机械丢了，客户最后选了销售易", "lost", "竞品|销售易"),
    ("金陵医药这单黄了，嫌我们太贵", "lost", "价格"),
    ("青禾餐饮没拿下，纷享销客报价比我们低三成，客户直接签了他们", "lost", "价格|纷享销客"),
    ("东方证券信息输了，他们必须要私有化部署，我们这版做不了", "lost", "产品功能"),
    ("云帆物流这个单子丢了，客户说今年不做了，时机不对，明年再看", "lost", "时机"),
    ("华东机械的项目没了，对接人跟励销云那边老板是亲戚，关系上我们没搞定", "lost", "关系|励销云"),
    ("金陵医药 lost，内部一直没人拍板，拖着拖着就黄了", "lost", "无决策"),
    ("青禾餐饮跟丢了，最后用了本地一家小公司的系统，叫快点CRM", "lost", "竞品|快点CRM"),
    ("东方证券信息没签成，客户觉得我们移动端太弱，转头上了悟空CRM", "lost", "产品功能|悟空CRM"),
    ("云帆物流输给海纳了", "lost", "竞品|海纳CRM"),
    ("东方证券信息丢单 客户评估完决定先不上CRM了 继续用Excel凑合", "lost", "无决策"),
    ("金陵医药最终没选我们，说功能太复杂，一线销售根本用不起来", "lost", "产品功能"),
    # ---- won (10) ----
    ("华东机械签了！四十八万", "won", 480000),
    ("金陵医药拿下了，合同额1.2万，先上一个小团队试试", "won", 12000),
    ("青禾餐饮赢单，金额 35.6万", "won", 356000),
    ("东方证券信息今天盖章了🎉", "won", None),
    ("云帆物流成交，总共120万，分三年付", "won", 1200000),
    ("云帆物流那单成了，报价五十万，最后砍到四十二万签的", "won", 420000),
    ("金陵医药 closed won, 8w", "won", 80000),
    ("青禾餐饮终于签下来了，熬了大半年", "won", None),
    ("东方证券信息的单子落地了，合同金额人民币壹佰零伍万元整", "won", 1050000),
    ("华东机械签约完成，年费6万8", "won", 68000),
    # ---- forecast (10) ----
    ("华东机械这个月肯定能签，客户审批都走完了", "forecast", "commit"),
    ("金陵医药这季度板上钉钉，放commit吧", "forecast", "commit"),
    ("青禾餐饮本月能签下来，我有把握", "forecast", "commit"),
    ("东方证券信息稳了，月底前签，九成以上", "forecast", "commit"),
    ("东方证券信息五五开吧，主要看他们老板态度", "forecast", "best_case"),
    ("云帆物流有可能月底签，但是不太确定", "forecast", "best_case"),
    ("华东机械这单算best case吧，使把劲也许能进这个季度", "forecast", "best_case"),
    ("金陵医药还早，刚接触上，这个季度别算进去", "forecast", "pipeline"),
    ("青禾餐饮还在需求调研阶段，本季度不可能签", "forecast", "pipeline"),
    ("云帆物流是下季度的事了，这期forecast先不放", "forecast", "pipeline"),
    # ---- none (8) ----
    ("如果华东机械丢了，对我们季度目标影响大吗", "none", None),
    ("金陵医药是不是已经签了？帮我查下状态", "none", None),
    ("提醒我明天去青禾餐饮签合同", "none", None),
    ("东方证券信息的合同金额是多少来着", "none", None),
    ("云帆物流会不会被纷享抢走啊，有点担心", "none", None),
    ("帮我把华东机械的联系人电话发一下", "none", None),
    ("金陵医药下周二约了演示，帮我准备一下材料", "none", None),
    ("青禾餐饮要是签了，提成能拿多少？", "none", None),
]
