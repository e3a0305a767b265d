"""Held-out phrasings for closing and forecast categories, written BEFORE the offline matcher
(tools/pipeline/phrases.py) and never used to tune it. Each row: (sentence said by 张伟 in the demo org,
expected intent, expected detail). intent: won | lost | forecast | none. detail: for lost the reason category
(and competitor after "|" when one is named), for won the signed amount in yuan (or None), for forecast the
category (commit | best_case | pipeline). The score on this list is reported next to the dev list's.
"""

HELDOUT = [
    ("云帆物流那单丢了，对方觉得我们太贵", "lost", "价格"),
    ("金陵医药没拿下，最后选了销售易", "lost", "竞品|销售易"),
    ("青禾餐饮黄了，老板说今年不做了", "lost", "时机"),
    ("东方证券信息的项目输了，功能满足不了他们的合规要求", "lost", "产品功能"),
    ("华东机械这单跟丢了，对接人离职了，新来的不认我们", "lost", "关系"),
    ("云帆物流项目没戏了，他们内部一直定不下来，最后搁置了", "lost", "无决策"),
    ("金陵医药的单子被纷享销客抢走了，价格压得很低", "lost", "价格|纷享销客"),
    ("青禾餐饮放弃了，预算砍掉了", "lost", "时机"),
    ("云帆物流签了，合同金额48万", "won", 480000),
    ("金陵医药拿下了！", "won", None),
    ("东方证券信息这单成交了，最后签了120万", "won", 1200000),
    ("青禾餐饮的合同今天签回来了，35万", "won", 350000),
    ("华东机械中标了", "won", None),
    ("云帆物流这个月肯定能签", "forecast", "commit"),
    ("金陵医药这单有希望，争取本季度拿下", "forecast", "best_case"),
    ("东方证券信息这单还早，先放管道里", "forecast", "pipeline"),
    ("华东机械这单十拿九稳", "forecast", "commit"),
    ("青禾餐饮有可能月底签，但不确定", "forecast", "best_case"),
    ("把金陵医药放到承诺里", "forecast", "commit"),
    ("华东机械的价格怎么谈", "none", None),
    ("云帆物流最近怎么样", "none", None),
    ("客户嫌贵怎么回", "none", None),
    ("今天拜访了金陵医药的王总，聊了签约流程", "none", None),
    ("东方证券信息怕输给销售易，怎么应对", "none", None),
    ("提醒我周五给青禾餐饮发合同", "none", None),
]
