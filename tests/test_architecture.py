"""The architecture stays easy to see: the modules docs/ARCHITECTURE.md names exist, no
import cycle anywhere in the package, no function of 80 lines or more."""

from __future__ import annotations

import ast
import re

from conftest import REPO

SRC = REPO / "src" / "khabar"


def test_every_module_the_architecture_page_names_exists():
    text = (REPO / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    named = set(re.findall(r"`(src/khabar/[\w/]+\.py)`", text))
    assert len(named) >= 25
    assert [p for p in sorted(named) if not (REPO / p).is_file()] == []
    stages = re.findall(r"^\| \d \| (\w+) \|", text, re.M)
    assert stages == ["discover", "read", "work", "collect", "plan", "route", "reports", "documents", "commit"]


def _module_name(path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"))
        skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                for n in ast.walk(node)}
        edges = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                edges |= {resolve(a.name) for a in node.names if a.name.startswith("khabar")}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("khabar"):
                edges |= {resolve(f"{node.module}.{a.name}") for a in node.names}
        graph[name] = {e for e in edges if e and e != name}
    return graph


def test_no_import_cycle_in_the_package():
    graph = _imports()
    assert "khabar.pipeline.plan" in graph and "khabar.text.letters" in graph["khabar.text.zwnj"]
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle.extend(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
                return True
            if nxt not in state and visit(nxt, path + [node]):
                return True
        state[node] = 2
        return False

    for node in sorted(graph):
        if node not in state and visit(node, []):
            break
    assert not cycle, " -> ".join(cycle)


def test_no_function_of_80_lines_or_more():
    longest = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                longest.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(REPO)}:{node.lineno} {node.name}"))
    longest.sort()
    assert longest[-1][0] < 80, longest[-3:]
    build_and_publish = [f for f in longest if "/pipeline/" in f[1] or "/publish/" in f[1]]
    assert build_and_publish[-1][0] <= 60, build_and_publish[-3:]
