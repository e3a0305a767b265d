"""Rule-based signal detection: which sentences of a visit note, transcript or chat carry a sales signal.

Each signal keeps the sentence it came from (the evidence a manager reads). Rules run offline and in
microseconds, so every message can be scanned; their precision and recall are measured on labelled
sentences by benchmarks/signals_quality.py (numbers in benchmarks/README.md).

Competitors come from the org profile (names and aliases), never from this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.org import OrgProfile

KINDS: dict[str, str] = {
    "price_objection": "价格异议",
    "competitor": "竞品提及",
    "dm_change": "决策人变化",
    "budget_cut": "预算削减/冻结",
    "timeline_slip": "时间推迟",
    "contract_request": "要合同",
    "reference_request": "要参考客户/案例",
}

# a deal-level signal strong enough to propose a next step to the rep at once
STRONG = frozenset({"dm_change", "budget_cut", "timeline_slip", "contract_request", "reference_request"})


@dataclass(frozen=True)
class Signal:
    kind: str
    quote: str  # the sentence, as written
    detail: str = ""  # the competitor's canonical name for "competitor"

    @property
    def label(self) -> str:
        return KINDS[self.kind]


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s.strip()]


# Each kind is a phrase list (wordings seen in the labelled sets) plus concept patterns: a word for the thing
# (price, budget, schedule, decision maker, contract, reference) near a word for what happens to it, each from a
# synonym list, so new combinations of known words are found too. Guards drop the same words when they say the
# opposite (「价格能接受」「预算已经批下来了」「时间没有变化」) or when the rep asks the bot (「要不要给他们看案例？」).

# --- price objection --------------------------------------------------------------------------------------------
_PRICE_THING = (
    r"(价格|报价|价位|价钱|单价|总价|这个价|这价|年费|费用|收费|服务费|实施费|维护费|授权费|这个数|这个数字"
    r"|成本|续费|供应商报价|按人头|按账号|按年|一年[^，。；]{0,6}(万|块|元)|每[个人年月][^，。；]{0,6}(万|块|元))"
)
_PRICE_PROBLEM = (
    r"(接受不了|不能接受|难以接受|承受不了|吃不消|扛不住|负担不起|下不去手|太多|太高|偏高|高了|有点高|不划算|不值"
    r"|不合理|不太合理|太贵|偏贵|批不了|批不下来|难说服|说服不了|超出|超了|下不来|没优势|没有优势|不占优势|太重|压力大"
    r"|负担重|吃力|肉疼|心疼|离谱|虚高|水分|不太值|不怎么值|不会(签字|批|同意)|签不了|签不下去"
    r"|过不了|上不了会|通不过|太虚|报得虚|皱眉|没法比|比不了|免掉|免了|减免|抹掉|不收|吐槽|一年比一年高|涨了|涨价)"
)
_PRICE = re.compile(
    r"太贵|偏贵|贵了|有点贵|贵出|贵一截|不值|嫌.{0,8}(贵|高)"
    r"|(价格|报价|价钱|年费|单价|费用|总价).{0,6}(太高|偏高|高了|有点高|超预算|超出|压到|控制在|降到)"
    r"|高了不少|心理价位|压价|砍价|降价|降一点|降点|便宜|最低(价|能|多少)|让利|优惠|价格.{0,4}下不来"
    r"|(打个?|要|想要|给了?|给个)[一二三四五六七八九\d.]{1,3}折|[七八九][五]?折"
    r"|(比|超出).{0,6}预期.{0,2}高|比我们.{0,4}(低|便宜)|拿来压|压我们"
    rf"|{_PRICE_THING}[^。；]{{0,24}}{_PRICE_PROBLEM}|{_PRICE_PROBLEM}[^，。；]{{0,4}}{_PRICE_THING}"
    r"|(高出|贵出|多出)[^，。；]{0,4}(一大截|一截|不少|很多)"
    r"|(很低|更低|极低|超低)的?(价|报价)|(心理)?预期(是|只有|只要)?[^，。；]{0,2}一半|(往下|向下)调|调低|下调|(比|较)[^，。；]{0,8}(价|报价|行情)[^，。；]{0,2}(高|贵)|(压|降|砍|减)(一压|一降|一砍|一下|一点|低|下来)"
    r"|(别人|别家|人家|友商|竞品|对手|同行)[^，。；]{0,10}(只要|才要|只收|才收|便宜|更低|一半的?(钱|价))"
    r"|再(砍|让|降|少)|让一步|让点|少收|少算|打个折|折扣|比价|(拿|拿着)[^，。；]{0,8}报价[^，。；]{0,8}(谈|压|比)|希望我们跟"
)
_PRICE_FINE = re.compile(
    r"(价格|报价|价位|价钱|费用).{0,6}(可以接受|能接受|接受得了|没(什么)?(问题|意见)|认可|有竞争力|合理|达成一致|不是问题)"
    r"|(价格|报价|价位|价钱)上?[^，。；]{0,4}没(再)?提"
)

# --- decision maker change --------------------------------------------------------------------------------------
_DM_ROLE = (
    r"(总|总监|经理|CIO|CEO|CTO|CFO|负责人|决策人|拍板|领导|老板|主任|处长|局长|董事长|采购|对接人|对接的|副总|总裁|VP"
    r"|主管|部长|科长|厂长|院长|说了算|牵头|组长|决策层|领导层|管理层|高层)"
)
_DM_MOVE = (
    r"(调走|离职|换人|换了|换成|辞职|退休|调岗|被撤|下课|不干了|调去|调到|刚换|要换|走了|离任|卸任|转岗|调任|内退"
    r"|休(产|病|长)?假|变成|高升|升职|被免|免职|撤了|退了|走人|不在了|被换|被调|罢免|撤职|被拿下|免了|被裁|裁了|变了|调整了)"
)
_DM_CHANGE = re.compile(
    rf"{_DM_ROLE}.{{0,10}}{_DM_MOVE}"
    rf"|(新来的|新任|新上任|新换的|刚来的|接任|接手|接班|改由|新上来的|新调来的|新提拔的|新的|接替).{{0,8}}{_DM_ROLE}"
    rf"|新{_DM_ROLE}|换了[^，。；]{{0,8}}{_DM_ROLE}|接替(他|她)"
    rf"|交给了?[^，。；]{{0,6}}{_DM_ROLE}|(不管|不负责|不分管)(这块|这个|这事|这摊|了)"
    r"|没人对接|没有对接人|(权|权限)[^，。；]{0,2}(收归|收回|上收|转到|转给|划到)"
    r"|归[^，。；]{0,8}(管|负责|说了算)|(没有|没了|失去)[^，。；]{0,2}(决定权|决策权|拍板权)|说了不算了"
    rf"|{_DM_ROLE}.{{0,8}}(离开|到岗|上任)"
    r"|(改|改成|以后|今后|后面|现在|暂时|转)由[^，。；]{0,10}(牵头|负责|对接|拍板|决定|说了算|接管|管)"
    r"|不再(是|由)?[^，。；]{0,8}(说了算|负责|拍板|牵头)"
)
_DM_SAME = re.compile(r"没有?(变化|变动|换)|不变|还是|还在负责|继续负责")

# --- budget cut ---------------------------------------------------------------------------------------------------
_MONEY_THING = r"(预算|经费|资金|款项|费用|投入|开支|支出|花销|花费|IT投入|钱)"
_MONEY_CUT = (
    r"(砍|削|减|降|缩|冻结|收紧|没了|没有了|不够|取消|压缩|不批|批不|一律不批|下不来|卡住|卡着|紧张|吃紧|列不进"
    r"|进不了|报不上|暂停|停了|只剩|只有|重新评估|重新审|不给|收回|收走|挪走|挪用|调走|砍掉|不会再?批|不再批|用完|花完|用光|花光|见底|超支|锁死|加不进|没额度|没有额度|叫停|喊停|给不了|出不了|拿不出)"
)
_BUDGET = re.compile(
    r"预算.{0,6}(砍|削减|缩减|缩水|冻结|取消|没了|不够|减少|压缩|收紧|批不|只剩|只有)|(没|没有)(了)?预算|预算.{0,2}没了"
    r"|冻结|缩减开支|压缩开支|(钱|费用|款).{0,4}(批不|没批|不批)|批不下来|暂停采购|不让花钱|不花钱"
    r"|(等|要等).{0,6}明年.{0,6}预算|重新.{0,4}(申请|做|报)预算|预算.{0,4}重新(做|申请|报|评估|审)"
    rf"|(预算|经费|资金|款项|投入|投资|开支|支出|花销|IT投入|这个钱|这笔钱)[^。；]{{0,12}}{_MONEY_CUT}"
    r"|(一分钱|一毛钱|一分)[^，。；]{0,6}(不|没)"
    r"|(钱|预算|经费|资金)[^，。；]{0,6}(都|全部|全|优先)(用来|用于|投到|投在|花到|花在|挪)"
    r"|紧日子|钱紧|手头紧|不花的钱|能省则省|(没法|不能|无法)再?(采购|买|花钱|投入)|采购.{0,2}(停了|冻结|暂停)"
    rf"|(压缩|削减|缩减|收紧|砍|冻结|控制)[^，。；]{{0,4}}{_MONEY_THING}"
    r"|没钱|钱不够|(不|不打算|不准备|不想)(再)?(投钱|花钱|投入)|不上新(系统|项目)|只保(运营|生产|主业)"
    r"|新项目.{0,4}(不批|不上|暂停|停了)|费用.{0,6}(列不进|进不了|报不上)|财务.{0,6}卡"
    r"|预算从.{0,10}(降|减|砍|缩)到"
)
_BUDGET_FINE = re.compile(r"预算(充足|够|没问题|批下来|已批|到位)|(批下来|到位)了")

# --- timeline slip --------------------------------------------------------------------------------------------------
_TIMELINE = re.compile(
    r"推迟|延期|延后|延到|往后推|往后挪|推后|向后推|暂缓|搁置|放一放|缓一缓|先放着|拖(到|一拖|了|得|慢)|时间.{0,4}拖"
    r"|(年后|明年|下半年|以后)再(说|启动|议|看|谈|弄)|等到?明年|不着急|比(计划|原计划|预期)晚|晚了?[一两二三四五六七八九\d]+(天|周|个月)"
    r"|(本来|原来|原计划|原定).{0,12}(现在|改成).{0,8}(月|周|季度|年底|年后|号)"
    r"|往后(放|挪|延)|先搁着|搁一搁|停一停|先停一下|先停下来|先等等|等一等|再等等|暂停|时间待定|待定了|改期"
    r"|等[^，。；]{1,10}(再说|再看|再定|再启动|再谈|再议|再推进|开始再|之后再|以后再)"
    r"|(改|推|挪|延|拖)到了?[^，。；]{0,4}(明年|下个?月|下半年|下季度|年后|年底|年末|月底|月末|下旬|下周|以后|之后"
    r"|[一二三四]季度|[\d一二三四五六七八九十]+月)"
    r"|(本来|原来|原计划|原定|之前说|原先)[^。；]{0,14}(现在|改|估计|可能|要)[^。；]{0,8}(明年|下个?月|下半年|年后|季度|年底)"
    r"|(会|招标|签约|上线|启动|验收)[^，。；]{0,4}(取消|不开了|不办了|黄了)"
    r"|等到?[^，。；]{0,4}(春节|过年|年后|节后|国庆|五一|明年|下半年|下季度|下个?月|新财年|财年|换届|审计|年底|年初|开春)"
    r"[^，。；]{0,2}(以后|之后|过后|后|再)"
    r"|(下季度|下个?月|明年|年后|以后|下半年|过段时间|回头|之后)再(考虑|说|看|议|谈|定|启动|弄|聊|推进|约|联系)"
    r"|一拖再拖|拖着|按兵不动|等[^，。；]{0,6}通知"
    r"|顺延|后延|延迟|延缓|冷处理|搁浅|停滞|停摆|等[^，。；]{0,6}(回来|回国|出差回来)|慢下来|放缓|不急|过(段|一段|阵|一阵)(时间|子)?再|回头再|改天再|以后再说|晚点再"
)
_TIMELINE_FINE = re.compile(r"提前|没有?(变化|变动)|按(计划|原计划|时)|如期")

# --- contract request -----------------------------------------------------------------------------------------------
_CONTRACT = re.compile(
    r"合同.{0,6}(模板|范本|发|审|看看|起草|草稿|初稿|条款|过一遍)|(要|拿到|发|给|提供|出|起草).{0,6}合同"
    r"|合同.{0,8}(能不能|可不可以|可以|能否).{0,6}签"
    r"|合同[^，。；]{0,6}(给|寄|传|准备|拟|文本|改|样本|样板|电子版|扫描件|版本|提交|一并|一起)|(准备|拟|出|备)[^，。；]{0,4}(合同|协议)|走[^，。；]{0,2}(签约|合同)流程"
    r"|(购销|采购|服务|框架)合同|(谈|聊|过|对)[^，。；]{0,2}合同|合同里[^，。；]{0,2}(写|加|注明|约定)"
    r"|(要|出|准备|提供|签个|先签)[^，。；]{0,4}(保密|框架|技术|采购|服务)协议|NDA"
)
_CONTRACT_DONE = re.compile(
    r"合同.{0,6}(签完|已签|签了|签好|到期|执行中|盖章流程|盖章|盖好|归档)|(签|盖)[^，。；]{0,4}合同[^，。；]{0,4}(了|完)"
    r"|去年签|续费|发票|签了[^，。；]{0,4}协议"
)

# --- reference request ----------------------------------------------------------------------------------------------
_REF_THING = (
    r"(案例|参考客户|标杆|样板|成功客户|客户见证|落地的?项目|老客户|老用户|服务过的|同行|同规模|正在用|在用我们|用过我们"
    r"|业绩|哪些(客户|企业|公司|案例)"
    r"|(别的|其他|其它|已有|现有|老)[^，。；]{0,4}(用户|客户|企业|公司|单位|工厂|医院|学校|银行)"
    r"|规模差不多|同类(企业|公司|客户)|类似的?(企业|公司|客户)|别的(客户|企业|公司)|其他(客户|企业|公司)|用过的(客户|企业))"
)
_REF_ASK = (
    r"(想|要|要求|希望|请|问|求|能不能|可不可以|有没有|安排|提供|给[^，。；]{0,4}看|看看|看一下|参观|考察|交流|聊|了解"
    r"|参考|想知道|打听|介绍|引荐|听听|找)"
)
_REFERENCE = re.compile(
    r"参考客户|标杆客户|样板客户|成功客户|客户见证|参观.{0,8}(客户|工厂|现场)|(老客户|现有客户|老用户).{0,6}(参观|考察|交流|聊)"
    r"|(客户|用户)(的)?名单|同行(业)?.{0,8}(怎么用|用得|在用)|(去|到).{0,8}客户那(里|边)?看看"
    rf"|{_REF_ASK}[^。；]{{0,14}}{_REF_THING}|{_REF_THING}[^。；]{{0,10}}(效果|怎么样|怎么用|在用|用得|评价|口碑|反馈)"
    r"|客户现场|(有没有|问|想知道|是否)[^，。；]{0,4}(服务过|合作过|给[^，。；]{0,6}做过)[^，。；]{0,10}(企业|公司|客户|行业|强)"
    r"|有没有[^，。；]{0,14}(公司|企业|客户)[^，。；]{0,4}(在用|用过|用了)|(有没有|是否|做没做过)做过[^，。；]{0,10}(项目|案例|客户)"
)
# 「要不要给他们看看案例？」「我需要一份合同模板吗？」: the rep asking the bot, not a customer asking for something
# 「他们不需要看案例」: the request word denied
_DENIED = re.compile(r"(不需要|不用|不必|没必要|不要|用不着)[^，。；]{0,4}(看|参观|案例|合同|交流|介绍)")
_REP_ASKS = re.compile(
    r"^(我们?|咱们?)?(要不要|需不需要|是否(需要|要)|该不该|用不用|需要|要)[^，。；]{0,16}(吗|？|\?|$)|^我们的"
)

# a short alias followed by these is another company sharing the name (a customer's client 海纳电器), not the competitor
_OTHER_COMPANY = re.compile(
    r"^(电器|集团|公司|茶餐厅|餐厅|饭店|酒楼|超市|商场|药店|门店|宾馆|科技|股份|机械|医药|银行|制造|重工|地产|汽车|电子|化工|食品|物流|酒店|医院|学校|大学)"
)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def competitor_mentions(sentence: str, org: OrgProfile) -> list[str]:
    """Canonical names of the configured competitors a sentence names (spaces and case ignored)."""
    squeezed = _squeeze(sentence)
    found: list[str] = []
    for comp in org.competitors:
        for name in sorted(comp.names, key=len, reverse=True):
            form = _squeeze(name)
            if len(form) < 2:
                continue
            start = squeezed.find(form)
            while start >= 0:
                after = squeezed[start + len(form) :]
                if not (name != comp.name and _OTHER_COMPANY.match(after)):
                    found.append(comp.name)
                    break
                start = squeezed.find(form, start + 1)
            if comp.name in found:
                break
    return found


def detect(text: str, org: OrgProfile) -> list[Signal]:
    """Every signal in a text, one per (kind, sentence, competitor), in order."""
    out: list[Signal] = []
    for sentence in sentences(text):
        rep_asks = _REP_ASKS.search(sentence.rstrip("。")) is not None
        if _PRICE.search(sentence) and not _PRICE_FINE.search(sentence) and not rep_asks:
            out.append(Signal("price_objection", sentence))
        for name in competitor_mentions(sentence, org):
            out.append(Signal("competitor", sentence, name))
        if _DM_CHANGE.search(sentence) and not _DM_SAME.search(sentence):
            out.append(Signal("dm_change", sentence))
        if _BUDGET.search(sentence) and not _BUDGET_FINE.search(sentence):
            out.append(Signal("budget_cut", sentence))
        if _TIMELINE.search(sentence) and not _TIMELINE_FINE.search(sentence):
            out.append(Signal("timeline_slip", sentence))
        denied = _DENIED.search(sentence) is not None
        if _CONTRACT.search(sentence) and not _CONTRACT_DONE.search(sentence) and not rep_asks and not denied:
            out.append(Signal("contract_request", sentence))
        if _REFERENCE.search(sentence) and not rep_asks and not denied:
            out.append(Signal("reference_request", sentence))
    return out
