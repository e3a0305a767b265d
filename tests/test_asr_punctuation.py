"""A dictated visit report as ASR returns it: one run, pauses as spaces (or nothing), spaces inside names.

The examples are written for these tests; none comes from an evaluation set."""

from datetime import date

from bot.zh_parse.asr import looks_like_asr_run, punctuate_asr
from bot.zh_parse.spoken import clean_spoken
from tools.autofill.extract import extract_rules

TODAY = date(2026, 12, 7)  # a Monday


def test_pauses_become_clause_marks_and_hesitations_inside_names_are_joined():
    text = "嗯 那个 刚从华 东机械出来 见了 设备部的钱 工 预算的话 大概 三十个 嗯 下周五之前 我把方案发过去"
    out = punctuate_asr(text, TODAY)
    assert "华东机械出来" in out
    assert "设备部的钱工" in out
    assert "预算的话大概三十个" in out
    assert "下周五之前我把方案发过去" in out
    assert "嗯" not in out and not out.startswith("那个")
    assert out.count("，") >= 3


def test_single_characters_join_one_side_only():
    out = punctuate_asr("昨天 见了 他们老板 卓 总 还有 市场部的 小 汤 他们要 覆盖全部门店 嗯 价格还没谈", TODAY)
    assert "卓总" in out and "小汤" in out
    assert "小汤他们要" not in out  # 「小 汤」 is a name; 「他们要」 starts the next clause


def test_spoken_phone_digits_stay_together():
    out = punctuate_asr("嗯 他的电话 幺三八 零零幺三 八零零零 然后 下周二 我再打过去 约个时间", TODAY)
    assert "幺三八零零幺三八零零零" in out


def test_a_run_without_spaces_is_cut_before_a_date_that_starts_a_clause():
    text = "刚从华东机械出来见了他们采购的周经理预算大概四十个下周三之前我把报价发过去"
    out = punctuate_asr(text, TODAY)
    assert "四十个，下周三之前我把报价发过去" in out


def test_punctuated_text_and_short_notes_are_left_alone():
    typed = "今天拜访了华东机械的李总，预算三十万，下周三前发报价。"
    assert not looks_like_asr_run(typed)
    assert punctuate_asr(typed, TODAY) == typed
    assert punctuate_asr("见了 李总", TODAY) == "见了 李总"
    transcript = "销售-王磊: 您好 周总\n客户-周总: 你好，我们预算三十万左右。\n销售-王磊: 好的，下周三我发方案。"
    assert punctuate_asr(transcript, TODAY) == transcript


def test_clean_spoken_punctuates_then_keeps_the_corrected_amount():
    text = "那个 昨天去了恒 泰纺织 跟严总聊了一下 报价我说的是三十二万 不对 是三十万整 下周一 约他们演示"
    out = clean_spoken(text, TODAY)
    assert "恒泰纺织" in out
    assert "三十万" in out and "三十二万" not in out


def test_extraction_reads_a_spaced_asr_report():
    text = "嗯 那个 刚从华 东机械出来 见了 设备部的钱 工 还有他们老板 严总 预算的话 大概 三十个 嗯 下周五之前 我把方案发过去"
    ex = extract_rules(text, TODAY)
    assert ex.account is not None and ex.account.value == "华东机械"
    assert {c.name for c in ex.contacts} >= {"钱工", "严总"}
    money = ex.budget or ex.amount
    assert money is not None and money.value == 300000
    dated = [s for s in ex.next_steps if s.due]
    assert dated and dated[0].due == date(2026, 12, 18)  # 下周五: Friday of next week
    assert "方案" in dated[0].action


def test_extraction_reads_an_unspaced_asr_report():
    text = "今天去了华东机械见了采购的周经理预算大概四十个他们觉得还行下周三之前我把合同发过去"
    ex = extract_rules(text, TODAY)
    assert ex.account is not None and ex.account.value == "华东机械"
    money = ex.budget or ex.amount
    assert money is not None and money.value == 400000
    dated = [s for s in ex.next_steps if s.due]
    assert dated and dated[0].due == date(2026, 12, 16)
