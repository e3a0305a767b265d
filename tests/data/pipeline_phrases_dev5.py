"""A fifth own list of closing and forecast phrasings, written after the changes the fourth list led to and scored
once before any change for it (that first score is in benchmarks/README.md); a dev list after that.
Same format as pipeline_phrases_heldout.py."""

ROWS = [
    ("华东机械这单没了，客户最后跟销售易签了", "lost", "竞品|销售易"),
    ("云帆物流没跟下来，价格差太多", "lost", "价格"),
    ("金陵医药那边黄掉了，原来的对接人走了", "lost", "关系"),
    ("东方证券信息这单失利，系统性能达不到他们的要求", "lost", "产品功能"),
    ("青禾餐饮不买了，说先用Excel凑合", "lost", "无决策"),
    ("华东机械这单输在时间上，他们等不及我们的排期，找了别人", "lost", "时机"),
    ("云帆物流签约完成，合同 88 万", "won", 880000),
    ("金陵医药给我们发中标通知书了", "won", None),
    ("东方证券信息的合同双方都签字了，总价 150 万", "won", 1500000),
    ("青禾餐饮成了！25万", "won", 250000),
    ("华东机械这单本月一定落地", "forecast", "commit"),
    ("云帆物流这单机会一半", "forecast", "best_case"),
    ("金陵医药这单只是有个意向，还远", "forecast", "pipeline"),
    ("东方证券信息这单调到可能", "forecast", "best_case"),
    ("青禾餐饮这单没啥悬念，月底签", "forecast", "commit"),
    ("华东机械的单子有可能丢吗", "none", None),
    ("云帆物流那单签了以后怎么安排实施", "none", None),
    ("金陵医药的竞品是谁", "none", None),
    ("把东方证券信息的联系人发我", "none", None),
    ("青禾餐饮明天约了签约仪式", "none", None),
]
