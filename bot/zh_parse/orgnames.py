"""How a Chinese company name shows up in what reps say and write.

`TRADE_WORDS`: the words a company or institution name ends with (「恒通物流」, 「康宁诊所」, 「华顺律师事务所」):
one list for every reader that has to tell where a company name stops (the transcript extractor's account
finder, and the ASR clause marker, which joins 「恒 通物流」 because 「通物流」 finishes a name).

`VISITED_NAME`: the place a rep says they went, in a visit report (「今天去了麦香坊烘焙，见了庞总」,
「刚从力健健身出来」, 「昨天在光彩显示待了一下午」), or the company they called (「给金钥匙开锁打电话」). Reps name customers by brand, often without any trade word.
"""

import re

TRADE_WORDS = (
    "股份有限公司|有限责任公司|有限公司|合伙企业|集团|公司|律师事务所|会计师事务所|事务所|医院|诊所|门诊部|银行|大学|学院|"
    "研究院|研究所|科技|电子|机电|机械|物流|物业|医药|药业|医疗|食品|电器|环保|教育|农业|能源|制造|设备|器械|化工|"
    "贸易|电商|实业|控股|建设|建工|地产|置业|酒店|传媒|软件|信息技术|网络|汽车|纺织|服饰|家居|餐饮|船舶|配件|生物|"
    "精密|精工|五金|阀门|工业|商贸|发展|系统集成|物资|包装|印刷|光电|半导体|新材料|自动化|重工|钢铁|矿业|电力|水务|"
    "燃气|化纤|陶瓷|建材|机床|模具|塑胶|塑料|橡胶|玻璃|服装|鞋业|乳业|酒业|水泥|新能源|光伏|通信|仪器|仪表|超市|"
    "商场|百货|药房|机械厂|"
    # service trades reps sell to, named by brand plus trade: 「清源净水」, 「恒温暖通」, 「博创会展」, 「贝齿口腔」
    "净水|暖通|会展|美容|房产|印务|健身|口腔|齿科|学校|幼儿园|家政|装饰|广告|旅行社|影楼|花卉|茶业|宠物|冷链|"
    "快运|货代|租赁|人力资源|建筑|安防|消防|电梯|检测|财税|翻译|家具|木业|照明|眼镜|烘焙|医美|大药房|连锁|种业|农机|"
    "饲料|水产|生鲜|器材|密室|回收站|律所|琴行|车行|商行|合作社|俱乐部|工作室|会所|画室|书店|药店|KTV|ktv|游泳馆|瑜伽馆|健身房|球馆|驾校|"
    "茶楼|酒楼|钢构|"
    # more trades by their usual last word, so that a brand is found however the trade is named
    "纸业|纸品|铝业|铜业|铸造|锻造|钣金|紧固件|轴承|泵业|电机|线缆|电缆|管业|门窗|幕墙|涂料|化妆品|日化|针织|丝绸|"
    "皮革|制衣|箱包|玩具|文具|工艺品|礼品|家纺|卫浴|洁具|厨具|灯具|锁业|刀具|工具|注塑|压铸|石材|瓷砖|地板|"
    "钢材|型材|板材|木材|竹业|纸箱|包材|印染|染料|化肥|农资|种苗|苗木|园艺|园林|养殖|牧业|牧场|渔业|果业|农场|"
    "庄园|酒庄|蜂业|粮油|米业|油脂|调味品|酿造|饮品|饮料|乳品|肉业|冻品|豆制品|糕点|保洁|保安|安保|搬家|快递|"
    "仓储|供应链|报关|景区|度假村|民宿|客栈|宾馆|饭店|餐厅|火锅|茶饮|咖啡|书院|学堂|早教|托育|"
    "出版|影视|影院|剧场|剧院|演艺|策划|家装|汽修|车业|场馆|乐园|水族|"
    "花店|鲜花|母婴|孕婴|童装|便利店|批发|商城|康复|养老|医馆|体检|卫生院|用品|练习场|"
    # 「湘源鱼苗繁育场」, 「芝士湾披萨」, 「优采通采购代理」: a farm's kind of 场, a restaurant by its dish, an agency
    "繁育场|育苗场|养殖场|孵化场|苗场|披萨|比萨|汉堡|炸鸡|面馆|粉店|烧烤|采购代理|招标代理|"
    # 「清泉桶装水配送站」, 「禾康小儿推拿」: a station by what it does, a massage clinic for children
    "配送站|服务站|维修站|推拿|"
    # 「鑫港集卡车队」, 「杭州市安心应急救护培训中心」
    "车队|培训中心|"
    "厂(?![长里])|社(?![区会保交团群员工长])"  # "三坊刻字社", "老腔皮影剧社" (not 社区, 社保, 社长)
)

VISITED_NAME = re.compile(
    r"(?:(?:拜访完|拜访了?|拜访的|见了|去了趟|去了|去的|去拜访了?|到了|上门了?|约了)\s*(?:那个|一趟)?\s*"
    r"(?P<name>[\u4e00-\u9fffA-Za-z0-9（）()]{2,20}?)"
    r"\s*(?:的|，|,|。|\s|$|聊|谈|见|找|跟|开会|那边|那里|这边|出来|待了|拜访))"
    r"|从\s*(?P<left>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)\s*出来"
    r"|在\s*(?P<stayed>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)\s*待了"
    r"|(?<![过失回上下])去\s*(?P<went>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)\s*(?=见了|聊了)"
    # "上午到禾丰纸塑厂里", "下午给金钥匙开锁打电话": where the rep was, whom the rep called
    r"|(?:^|[上下中]午|今天|昨天|刚|先|又)到\s*(?P<inside>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)\s*(?:厂里|店里|公司里|办公室|总部)"
    r"|给\s*(?P<called>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)\s*打了?个?电话"
)


def visited_name(match: re.Match) -> str:
    """The company of a `VISITED_NAME` match, whichever way the visit was said."""
    return next(match.group(g) for g in ("name", "left", "stayed", "went", "inside", "called") if match.group(g))
