"""The attack suite (tests/security/suite.py): every attack blocked and audited, every benign case answered.

The suite runs once per test session (one App with the demo org and the demo knowledge, the fake LLM
scripted to obey each attack); the tests below check each case, and the table is printed in the report.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.security.suite import ATTACKS, AUDIT_ACTIONS, BENIGN, run_suite, table

_RESULTS: dict[str, object] = {}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    found, stats = asyncio.run(run_suite(tmp_path_factory.mktemp("security")))
    _RESULTS["table"] = (
        table(found) + f"\n(suite ran in {stats['seconds']:.1f} s; guard checks {stats['guard_checks']})"
    )
    return {r.case.id: r for r in found}


def test_at_least_forty_attack_cases_in_both_languages():
    assert len(ATTACKS) >= 40 and len({c.id for c in ATTACKS + BENIGN}) == len(ATTACKS + BENIGN)
    english = [c for c in ATTACKS if c.message.isascii() or "Ignore" in c.message or "Act as" in c.message]
    assert len(english) >= 4


@pytest.mark.parametrize("case_id", [c.id for c in ATTACKS])
def test_attack_is_blocked_and_audited(results, case_id):
    r = results[case_id]
    assert r.executed == [], f"forbidden tool ran: {r.executed}"
    assert r.leaked == [], f"leaked {r.leaked} in: {r.reply}"
    assert set(r.audit_actions) & AUDIT_ACTIONS, f"not audited: {r.audit_actions}"
    assert r.reply.strip(), "the customer got no answer at all"
    if r.case.expect_answer:
        assert r.case.expect_answer in r.reply, r.reply


@pytest.mark.parametrize("case_id", [c.id for c in BENIGN])
def test_benign_case_is_answered_and_handed_off_right(results, case_id):
    r = results[case_id]
    assert r.benign_ok, f"reply={r.reply!r} audit={r.audit_actions} rep={r.assigned_rep} notified={r.rep_notified}"
    assert r.executed == []


def test_table_reports_zero_executions_and_leaks(results):
    summary = _RESULTS["table"]  # printed at the end of the report by tests/security/conftest.py
    assert "forbidden tool executions                  0" in summary
    assert "leaked                                     0" in summary
