"""A seventh own list of closing and forecast phrasings, written after the last rule change of this round, scored
once and NEVER used to change the rules: the estimate of how the matcher reads new wording (written by the rules'
own author, so likely optimistic). Same format as pipeline_phrases_heldout.py."""

ROWS = [
    ("华东机械没拿到，客户最终定了销售易", "lost", "竞品|销售易"),
    ("云帆物流这单算了，客户嫌我们比别家贵", "lost", "价格"),
    ("金陵医药这单输了，他们要的AI质检我们还没有", "lost", "产品功能"),
    ("东方证券信息流标了，项目明年重新招", "lost", "时机"),
    ("青禾餐饮的单丢了，对方的新老板跟海纳的人很熟", "lost", "关系"),
    ("华东机械那边不了了之了", "lost", "无决策"),
    ("云帆物流这单成交了，合同金额 36.5 万", "won", 365000),
    ("金陵医药签回来了，100万整", "won", 1000000),
    ("东方证券信息终于拿下，合同已经盖章", "won", None),
    ("青禾餐饮中了！", "won", None),
    ("华东机械这单基本没问题，月底能签回来", "forecast", "commit"),
    ("云帆物流这单我觉得有六成机会", "forecast", "best_case"),
    ("金陵医药这单刚有个苗头", "forecast", "pipeline"),
    ("东方证券信息放最佳情况吧", "forecast", "best_case"),
    ("青禾餐饮列入承诺", "forecast", "commit"),
    ("华东机械输单原因怎么填", "none", None),
    ("云帆物流签约后多久回款", "none", None),
    ("金陵医药这单输赢就看下周的演示了", "none", None),
    ("帮我看看东方证券信息的商机阶段", "none", None),
    ("青禾餐饮的老板说下周来签约", "none", None),
]
