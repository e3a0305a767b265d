"""A third own list of closing and forecast phrasings, written after this round's rule changes and scored once
before any change for it (that first score is in benchmarks/README.md); a dev list after that.
Same format as pipeline_phrases_heldout.py."""

ROWS = [
    ("华东机械最终没选我们，用了励销云", "lost", "竞品|励销云"),
    ("云帆物流这单没保住，客户说太贵", "lost", "价格"),
    ("金陵医药的项目取消了，领导说今年没钱", "lost", "时机"),
    ("东方证券信息那单输掉了，他们要的权限管控我们做不到", "lost", "产品功能"),
    ("青禾餐饮那边没下文了，一直拖着", "lost", "无决策"),
    ("华东机械签下来了，首期 30 万", "won", 300000),
    ("云帆物流合同回来了，盖好章了，一共 75 万", "won", 750000),
    ("金陵医药搞定！", "won", None),
    ("东方证券信息这单我打包票，下周就签", "forecast", "commit"),
    ("青禾餐饮这单一半一半吧", "forecast", "best_case"),
    ("华东机械还在摸需求，早着呢", "forecast", "pipeline"),
    ("把云帆物流挪到管道里", "forecast", "pipeline"),
    ("金陵医药这单要是输了怎么跟老板交代", "none", None),
    ("东方证券信息的合同谁来审", "none", None),
    ("青禾餐饮下午来公司签约", "none", None),
    ("华东机械的报价单发了没", "none", None),
]
