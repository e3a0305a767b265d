"""The KPI tools under a model that misbehaves: Chinese period words, wrong argument names, a wrong field
name it has to fix after the Chinese error, Chinese numerals for the amount; the write is a proposal."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.models import Opportunity
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import text, tool_call
from tests.kpi_support import at, make_sales_org
from tests.test_llm_quirks import assert_clean, tool_messages


async def test_a_sloppy_model_reads_the_numbers_and_proposes_a_fix_that_waits_for_yes(tmp_path, fake_llm):
    env = {"OPENAI_BASE_URL": fake_llm.base_url, "OPENAI_API_KEY": "test", "SALESBOT_LLM_MODEL": "fake"}
    async with running_app(tmp_path, demo=False, clock=FrozenClock(at(2026, 12, 16)), **env) as app:
        ids = await make_sales_org(app)
        fake_llm.script(tool_call("sales_performance", period="本月"), text("你本月完成率 31%，还差 69 万，加油！"))
        answer = await ConsoleClient(app, "zhangwei").say("我这个月业绩咋样啊")
        assert_clean(answer)
        told = tool_messages(fake_llm.requests[-1])[0]
        assert "完成率 31%" in told and "缺 1 个商机的金额" in told

        fake_llm.script(
            tool_call("sales_performance", period="本季度", name="陈敏"),
            text("你只能看自己团队的数据。"),
        )
        await ConsoleClient(app, "wangqiang").say("陈敏这季度怎么样")
        assert "没找到你能看的同事「陈敏」" in tool_messages(fake_llm.requests[-1])[0]

        fake_llm.script(
            tool_call(
                "fix_record_field", record_type="opportunity", record_id=str(ids["gap_zw"]), field="预算", value="35万"
            ),
            tool_call(
                "fix_record_field",
                record_type="opportunity",
                record_id=str(ids["gap_zw"]),
                field="金额",  # the Chinese label is read as the field
                new_value="三十五万",
            ),
            text("好的，金额改成 35 万，请确认。"),
        )
        rep = ConsoleClient(app, "zhangwei")
        answer = await rep.say("金陵医药那个 HIS 集成金额是三十五万")
        first_error = tool_messages(fake_llm.requests[-2])[0]
        assert "参数不对" in first_error and "预算" in first_error  # the model is told, in words it can act on
        assert "商机金额：35 万" in answer and "确认" in answer
        async with app.db.session() as s:
            assert (await s.get(Opportunity, ids["gap_zw"])).amount is None
        done = await rep.say("是")
        assert "已补上「金陵医药 · HIS 集成」的商机金额：35 万" in done
        async with app.db.session() as s:
            assert (await s.get(Opportunity, ids["gap_zw"])).amount == 350000

        # someone else's record: the proposal is refused before anything is offered
        fake_llm.script(
            tool_call(
                "fix_record_field", record_type="opportunity", record_id=ids["won_cm"], field="next_step", value="续约"
            ),
            text("这个商机不是你负责的。"),
        )
        await rep.say("南粤电子的下一步写续约")
        assert "不是你（或你团队）负责的" in tool_messages(fake_llm.requests[-1])[0]
