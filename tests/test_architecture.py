"""The layering holds: the import-linter contracts (.importlinter) pass, no module is part of an import
loop, and no two packages import each other, directly or around a cycle (such loops are what forced
imports into functions before). Imports under TYPE_CHECKING are annotations only and do not count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
TOP = ["bot", "adapters", "agents", "tools", "knowledge", "scheduler", "salesbot"]


def package_of(module: str, packages: set[str]) -> str:
    """The innermost package a module belongs to (a package's own __init__ belongs to itself)."""
    parts = module.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        if name in packages:
            return name
    return parts[0]


def _graph():
    return grimp.build_graph(*TOP, include_external_packages=False, exclude_type_checking_imports=True)


def package_graph() -> dict[str, set[str]]:
    graph = _graph()
    packages = {m for m in graph.modules if (ROOT / m.replace(".", "/") / "__init__.py").exists()}
    edges: dict[str, set[str]] = {p: set() for p in packages}
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = package_of(importer, packages), package_of(imported, packages)
            # a package's __init__ assembling its own subpackages is composition, not a loop
            if a != b and not (importer == a and b.startswith(a + ".")):
                edges[a].add(b)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_loop_between_packages():
    assert find_cycle(package_graph()) is None


def test_no_import_loop_between_modules():
    graph = _graph()
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert find_cycle(edges) is None


def test_the_cycle_finder_sees_a_loop():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_the_core_imports_nothing_above_it():
    graph = grimp.build_graph(*TOP, include_external_packages=False)
    above = ("adapters", "agents", "tools", "knowledge", "scheduler", "salesbot")
    reaching_up = sorted(
        (m, i)
        for m in graph.find_children("bot") | graph.find_descendants("bot")
        for i in graph.find_modules_directly_imported_by(m)
        if i.split(".")[0] in above
    )
    assert reaching_up == []
