"""A fourth own list of closing and forecast phrasings, written after the changes the third list led to and scored
once before any change for it (that first score is in benchmarks/README.md); a dev list after that.
Same format as pipeline_phrases_heldout.py."""

ROWS = [
    ("华东机械被纷享那边低价截走了", "lost", "价格|纷享销客"),
    ("云帆物流最后还是没成，客户高层不支持", "lost", "关系"),
    ("金陵医药的单子算是丢了，他们要本地部署我们给不了", "lost", "产品功能"),
    ("东方证券信息这单打水漂了，客户说明年再看", "lost", "时机"),
    ("青禾餐饮：输，原因是他们继续用老系统", "lost", "无决策"),
    ("华东机械的合同今天回来了，金额 42 万", "won", 420000),
    ("云帆物流已成交，一百二十万", "won", 1200000),
    ("金陵医药的单拿下来了", "won", None),
    ("东方证券信息这单八九不离十", "forecast", "commit"),
    ("青禾餐饮这单还得看下个月的预算会", "forecast", "best_case"),
    ("华东机械这单才刚开始接触，放漏斗里", "forecast", "pipeline"),
    ("云帆物流算可能吧", "forecast", "best_case"),
    ("金陵医药丢了会影响我的季度指标吗", "none", None),
    ("东方证券信息要求合同里加一个违约条款", "none", None),
    ("青禾餐饮的老板想下周见面聊签约", "none", None),
    ("华东机械报价发过去了，等回复", "none", None),
]
