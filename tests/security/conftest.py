"""Prints the attack-suite table at the end of the test report."""


def pytest_terminal_summary(terminalreporter):
    from tests.security.test_attack_suite import _RESULTS

    if "table" in _RESULTS:
        terminalreporter.section("customer attack suite")
        terminalreporter.write_line(_RESULTS["table"])
