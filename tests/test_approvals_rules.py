"""Approval rules: each shipped rule and their combinations choose the expected chain, with its reasons;
the loader explains a broken file; discounts are read the way reps write them."""

from __future__ import annotations

import os
import time

import pytest

from tools.approvals.rules import (
    DEFAULT_RULES_PATH,
    Facts,
    RulesError,
    RulesStore,
    parse_discount,
    parse_rules,
    plan_chain,
)

DEFAULT = parse_rules(DEFAULT_RULES_PATH.read_text(encoding="utf-8"), "default")


def chain(plan) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [(s.label, s.mode, [(a.spec, a.why) for a in s.approvers]) for s in plan.steps]


MANAGER_WHY = "折扣 {d} < 销售权限 9.5 折 → 需直属经理审批"
DIRECTOR_WHY = "折扣 {d} < 经理权限 8.5 折 → 需总监审批"

# (facts, matched rules, steps as (label, mode, [(spec, why)]), auto-approved, fast lane)
TABLE = [
    (Facts("discount", 96), ["销售自主权限"], [], True, False),
    (Facts("discount", 95), ["销售自主权限"], [], True, False),
    (
        Facts("discount", 90, amount=90_000),
        ["经理权限"],
        [("直属经理", "any", [("direct_manager", MANAGER_WHY.format(d="9 折"))])],
        False,
        False,
    ),
    (
        Facts("discount", 85),
        ["经理权限"],
        [("直属经理", "any", [("direct_manager", MANAGER_WHY.format(d="8.5 折"))])],
        False,
        False,
    ),
    (
        Facts("discount", 80, amount=480_000),
        ["经理权限", "总监权限"],
        [
            ("直属经理", "any", [("direct_manager", MANAGER_WHY.format(d="8 折"))]),
            ("总监", "any", [("director", DIRECTOR_WHY.format(d="8 折"))]),
        ],
        False,
        False,
    ),
    (
        Facts("discount", 80, amount=600_000),
        ["经理权限", "总监权限", "大额财务复核"],
        [
            ("直属经理", "any", [("direct_manager", MANAGER_WHY.format(d="8 折"))]),
            ("总监", "any", [("director", DIRECTOR_WHY.format(d="8 折"))]),
            ("财务", "any", [("finance", "金额 60 万 ≥ 50 万 → 需财务复核")]),
        ],
        False,
        False,
    ),
    (
        Facts("discount", 96, amount=800_000),
        ["销售自主权限", "大额财务复核"],  # auto-approval never beats a step
        [("财务", "any", [("finance", "金额 80 万 ≥ 50 万 → 需财务复核")])],
        False,
        False,
    ),
    (
        Facts("discount", 80, tier="vip"),
        ["经理权限", "总监权限", "VIP 快速通道"],
        [
            ("直属经理", "any", [("direct_manager", MANAGER_WHY.format(d="8 折"))]),
            ("总监", "any", [("director", DIRECTOR_WHY.format(d="8 折"))]),
        ],
        False,
        True,
    ),
    (
        Facts("clause", industry="制造业"),
        ["合同条款变更"],
        [
            ("直属经理", "any", [("direct_manager", "合同条款变更 → 需直属经理确认")]),
            ("法务", "any", [("legal", "合同条款变更 → 需法务审核")]),
        ],
        False,
        False,
    ),
    (
        Facts("clause", industry="金融"),
        ["合同条款变更", "强监管行业合同"],
        [
            ("直属经理", "any", [("direct_manager", "合同条款变更 → 需直属经理确认")]),
            ("法务", "any", [("legal", "合同条款变更 → 需法务审核")]),
            ("总监", "any", [("director", "金融行业的合同条款变更 → 还需总监审批")]),
        ],
        False,
        False,
    ),
    (
        Facts("payment_terms", amount=200_000),
        ["付款条件"],
        [
            (
                "经理 + 财务（同时）",
                "all",
                [
                    ("direct_manager", "付款条件变更 → 直属经理和财务同时审批"),
                    ("finance", "付款条件变更 → 直属经理和财务同时审批"),
                ],
            )
        ],
        False,
        False,
    ),
    (
        Facts("poc"),
        ["POC 资源"],
        [("直属经理", "any", [("direct_manager", "申请 POC/试用资源 → 需直属经理审批")])],
        False,
        False,
    ),
    (Facts("expense", amount=800), ["小额费用"], [], True, False),
    (
        Facts("expense", amount=5000),
        ["费用"],
        [
            ("直属经理", "any", [("direct_manager", "费用 5000 元 ≥ 2000 元 → 需直属经理审批")]),
            ("财务", "any", [("finance", "费用 5000 元 ≥ 2000 元 → 需财务审核")]),
        ],
        False,
        False,
    ),
    # an expense without an amount matches no rule: the fallback applies instead of waving it through
    (
        Facts("expense"),
        [],
        [("直属经理", "any", [("direct_manager", "没有命中任何审批规则 → 默认由直属经理审批")])],
        False,
        False,
    ),
]


@pytest.mark.parametrize(
    "facts,matched,steps,auto,fast",
    TABLE,
    ids=[f"{f.kind}-{f.discount_pct}-{f.amount}-{f.tier}-{f.industry}" for f, *_ in TABLE],
)
def test_default_rules_table(facts, matched, steps, auto, fast):
    plan = plan_chain(DEFAULT, facts)
    assert plan.matched == matched
    assert chain(plan) == steps
    assert plan.auto_approved is auto and plan.fast_lane is fast
    if auto:
        assert "自动通过" in plan.auto_reason
    if fast:
        assert plan.fast_lane_hours == 4 and "快速通道" in plan.fast_lane_reason


def test_issue_example_reason_is_recorded_verbatim():
    plan = plan_chain(DEFAULT, Facts("discount", parse_discount("8折")))
    assert plan.steps[1].approvers[0].why == "折扣 8 折 < 经理权限 8.5 折 → 需总监审批"


CUSTOM = """
people: {vp: [chenjing, liuyang]}
defaults: {time_limit_hours: 8}
rules:
  - name: 华南大单
    when: {region: 华南, amount_at_least: 1000000}
    steps:
      - approver: user:liuyang
        reason: 华南 {amount} 大单 → 需刘洋确认
        time_limit_hours: 2
  - name: 停止
    when: {tier: [key, vip]}
    steps: [{approvers: [vp, director], mode: any, label: VP 或总监}]
    stop: true
  - name: 不会走到这里
    when: {tier: vip}
    steps: [{approver: direct_manager}]
"""


def test_region_named_person_parallel_any_and_stop():
    rules = parse_rules(CUSTOM)
    plan = plan_chain(rules, Facts("discount", 80, amount=2_000_000, region="华南", tier="vip"))
    assert plan.matched == ["华南大单", "停止"]  # `stop` ends the evaluation
    assert chain(plan) == [
        ("liuyang", "any", [("user:liuyang", "华南 200 万 大单 → 需刘洋确认")]),
        ("VP 或总监", "any", [("vp", "命中规则「停止」"), ("director", "命中规则「停止」")]),
    ]
    assert [s.time_limit_hours for s in plan.steps] == [2, 8]
    assert chain(plan_chain(rules, Facts("discount", 80, amount=2_000_000, region="华东"))) == [
        ("直属经理", "any", [("direct_manager", "没有命中任何审批规则 → 默认由直属经理审批")])
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "rules:\n  - name: x\n    when: {discount_belo: 3}\n    steps: [{approver: direct_manager}]\n",
            "第 1 条规则「x」 → when → discount_belo：不认识的字段",
        ),
        ("rules:\n  - name: 总监\n    steps: [{approver: boss}]\n", "第 1 条规则「总监」：不认识的审批人「boss」"),
        (
            "rules:\n  - name: x\n    when: {type: refund}\n    steps: [{approver: director}]\n",
            "不认识的申请类型「refund」",
        ),
        ("rules:\n  - name: x\n    when: {discount_below: 150}\n    steps: [{approver: director}]\n", "要小于等于 100"),
        ("rules:\n  - name: x\n    steps: [{approver: director, reason: '折扣 {dicount}'}]\n", "{dicount} 不认识"),
        (
            "rules:\n  - name: x\n    auto_approve: true\n    steps: [{approver: director}]\n",
            "auto_approve 的规则不能再写 steps",
        ),
        ("rules:\n  - name: x\n    when: {tier: vip}\n", "规则要有 steps、auto_approve 或 fast_lane 之一"),
        (
            "rules:\n  - name: x\n    steps: [{approver: director, approvers: [director]}]\n",
            "approver（一个人）或 approvers",
        ),
        ("price_list: {专业版: -1}\n", "「专业版」的标准价要大于 0"),
        ("defaults: {time_limit_hours: abc}\n", "defaults → time_limit_hours：应该是数字"),
        ("rules: [\n", "第 2 行不是合法的 YAML"),
        ("- just a list\n", "应该是一个映射"),
        ("version: 2\n", "version：取值不对"),
    ],
)
def test_broken_rules_explain_where_and_why(text, expected):
    with pytest.raises(RulesError) as err:
        parse_rules(text, "approval_rules.yaml")
    assert expected in str(err.value)
    assert "approval_rules.yaml" in str(err.value)


def test_store_prefers_the_data_dir_file_and_rereads_it(tmp_path):
    store = RulesStore(tmp_path)
    assert [r.name for r in store.load().rules] == [r.name for r in DEFAULT.rules]
    path = tmp_path / "approval_rules.yaml"
    path.write_text("rules:\n  - name: 全部经理审批\n    steps: [{approver: direct_manager}]\n", encoding="utf-8")
    assert [r.name for r in store.load().rules] == ["全部经理审批"]
    path.write_text("rules:\n  - name: 改了\n    steps: [{approver: director}]\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert [r.name for r in store.load().rules] == ["改了"]
    path.write_text("rules: [\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    with pytest.raises(RulesError):
        store.load()


@pytest.mark.parametrize(
    "text,pct",
    [
        ("8折", 80),
        ("八折", 80),
        ("八五折", 85),
        ("85折", 85),
        ("8.5折", 85),
        ("七五折", 75),
        ("打9折", 90),
        ("75%", 75),
        ("优惠20%", 80),
        (0.8, 80),
        (8.5, 85),
        (85, 85),
        ("10折", 100),
    ],
)
def test_discounts_as_reps_write_them(text, pct):
    assert parse_discount(text) == pct


@pytest.mark.parametrize("text", ["120%", "12折", "-5%", "-1折", "0折", 0, -3, 150, "八折半价", "", None, True])
def test_impossible_discounts_are_refused_in_chinese(text):
    with pytest.raises(ValueError) as err:
        parse_discount(text)
    assert "折扣" in str(err.value) and "0～100%" in str(err.value)
