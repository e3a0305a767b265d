"""A sixth own list of closing and forecast phrasings, written after the changes the fifth list led to and scored
once before any change for it (that first score is in benchmarks/README.md); a dev list after that.
Same format as pipeline_phrases_heldout.py."""

ROWS = [
    ("华东机械这单最后还是让纷享拿去了", "lost", "竞品|纷享销客"),
    ("云帆物流没能拿下，对方更看重价格", "lost", "价格"),
    ("金陵医药那个机会泡汤了，他们预算被冻结", "lost", "时机"),
    ("东方证券信息项目失败，我们的系统过不了他们的安全测评", "lost", "产品功能"),
    ("青禾餐饮没签成，新来的老板不认我们", "lost", "关系"),
    ("华东机械的单子没结果，客户自己也说不清要什么", "lost", "无决策"),
    ("云帆物流合同签好了，金额 52 万", "won", 520000),
    ("金陵医药这单我们赢了，80万", "won", 800000),
    ("东方证券信息的单子已经落袋，合同三十万", "won", 300000),
    ("青禾餐饮正式签约！", "won", None),
    ("华东机械这单没跑了，下周签", "forecast", "commit"),
    ("云帆物流这单我估计能成，但要看竞品动作", "forecast", "best_case"),
    ("金陵医药还在需求阶段", "forecast", "pipeline"),
    ("东方证券信息这单放承诺里", "forecast", "commit"),
    ("青禾餐饮这单概率不大，先放着", "forecast", "pipeline"),
    ("华东机械这单要是被销售易抢了怎么办", "none", None),
    ("云帆物流签完了要开票吗", "none", None),
    ("金陵医药的决策人是谁", "none", None),
    ("东方证券信息的报价单帮我改一下", "none", None),
    ("青禾餐饮下周签合同，提醒我准备材料", "none", None),
]
