"""Own validation phrasings for closing and forecast categories, written by the matcher's second author before
changing the rules for this round (the score before the change is the honest one; after it, a dev score).
Same format as pipeline_phrases_heldout.py: (sentence, intent, detail)."""

ROWS = [
    ("华东机械这单最后没签下来，客户觉得价格高了", "lost", "价格"),
    ("云帆物流的单子被速工云撬走了", "lost", "竞品|速工云"),
    ("金陵医药决定用销售易，我们出局了", "lost", "竞品|销售易"),
    ("东方证券信息那个项目凉了，今年不上系统了", "lost", "时机"),
    ("青禾餐饮没谈下来，他们要的移动端离线功能我们没有", "lost", "产品功能"),
    ("华东机械这个商机关了吧，对方老板换人了，新老板有自己的供应商", "lost", "关系"),
    ("云帆物流的机会没了，客户内部一直没结论", "lost", "无决策"),
    ("金陵医药落选了，纷享报价比我们便宜三成", "lost", "价格|纷享销客"),
    ("东方证券信息 签单了，合同额 66 万", "won", 660000),
    ("青禾餐饮回款到了，合同已签，28万", "won", 280000),
    ("华东机械这单终于谈成了！", "won", None),
    ("云帆物流定下来了，跟我们签，金额90万", "won", 900000),
    ("金陵医药这单稳稳的，本月底签", "forecast", "commit"),
    ("东方证券信息这单应该没问题，这个月能落", "forecast", "commit"),
    ("青禾餐饮这单有戏，但还要看老板意见", "forecast", "best_case"),
    ("华东机械这单悬，三七开吧", "forecast", "best_case"),
    ("云帆物流刚接触，还在初步沟通阶段", "forecast", "pipeline"),
    ("金陵医药这单归到管道吧", "forecast", "pipeline"),
    ("东方证券信息如果输了怎么办", "none", None),
    ("青禾餐饮的合同什么时候到期", "none", None),
    ("帮我写一封给华东机械的跟进邮件", "none", None),
    ("云帆物流上次签了多少钱", "none", None),
    ("金陵医药那边说价格还要再谈谈", "none", None),
    ("东方证券信息下周要签合同了吗", "none", None),
]
