"""The floor plan holds: each module imports only from its own layer or lower ones, verbs are
leaves, there is no import cycle and import chains stay short (docs/architecture.md).

Imports are read from the source, those inside functions and ``TYPE_CHECKING`` blocks too: a
deferred import is still a dependency.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "tools" / "mwaa_gitops"
# Lowest first; a module may import its own layer and the ones before it.
LAYERS = ("ground", "facts", "config", "check", "render", "sync", "verify", "commands", "cli")
TOP = {"cli": "cli", "__main__": "cli"}
LONGEST_CHAIN = 12  # modules, counting both ends


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "data" not in
            p.relative_to(PACKAGE).parts}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "ground"  # the package's own __init__
    if parts[1] in TOP:
        return TOP[parts[1]]
    return parts[1] if len(parts) > 2 or parts[1] in LAYERS else "ground"


def _type_only(tree: ast.Module) -> set[ast.AST]:
    """The statements under ``if TYPE_CHECKING:``: they name types and never run."""
    return {child for node in ast.walk(tree) if isinstance(node, ast.If)
            and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
            for stmt in node.body for child in ast.walk(stmt)}


@cache
def imports(module: str, *, runtime: bool = False) -> frozenset[str]:
    """The package modules ``module`` imports, wherever in the file (with ``runtime``, not
    those only type checkers read)."""
    known = modules()
    found: set[str] = set()
    tree = ast.parse(known[module].read_text())
    skip = _type_only(tree) if runtime else set()
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("mwaa_gitops"):
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    found.discard(module)
    return frozenset(found)


def graph(*, runtime: bool = False) -> dict[str, frozenset[str]]:
    return {m: imports(m, runtime=runtime) for m in modules()}


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def longest_chain(edges: dict[str, frozenset[str]]) -> list[str]:
    """The longest import chain, as the modules along it (the graph has no cycle)."""

    @cache
    def from_here(node: str) -> tuple[str, ...]:
        best: tuple[str, ...] = ()
        for nxt in edges[node]:
            candidate = from_here(nxt)
            if len(candidate) > len(best):
                best = candidate
        return (node, *best)

    return list(max((from_here(n) for n in sorted(edges)), key=len))


def test_every_module_belongs_to_a_layer_of_the_floor_plan() -> None:
    assert {layer(m) for m in modules()} <= set(LAYERS)


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    upward = [f"{m} ({layer(m)}) imports {i} ({layer(i)})" for m, found in graph().items()
              for i in sorted(found) if LAYERS.index(layer(i)) > LAYERS.index(layer(m))]
    assert upward == []


def test_no_verb_imports_another_verb() -> None:
    verbs = {m for m in modules() if m.startswith("mwaa_gitops.commands.")}
    crossing = [f"{m} imports {i}" for m in sorted(verbs) for i in sorted(imports(m))
                if i in verbs]
    assert crossing == []


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_import_chains_are_at_most_twelve_modules_long() -> None:
    chain = longest_chain(graph(runtime=True))
    assert len(chain) <= LONGEST_CHAIN, " → ".join(chain)


def test_every_package_says_what_it_may_import() -> None:
    def says(path: Path) -> bool:
        return "may import" in (ast.get_docstring(ast.parse(path.read_text())) or "").lower()

    silent = [m for m, path in modules().items() if path.name == "__init__.py" and not says(path)]
    assert silent == []


def test_a_new_kind_of_sync_target_is_one_module_named_after_its_scheme() -> None:
    from mwaa_gitops.sync.targets import _opener

    stores = {p.stem for p in (PACKAGE / "sync" / "targets").glob("*.py")} - {"__init__", "base"}
    assert stores == {"file", "s3"}
    assert all(_opener(scheme) is not None for scheme in stores)
    assert _opener("base") is None and _opener("ftp") is None and _opener("S3") is None


def test_the_checks_catch_an_upward_import_and_a_cycle() -> None:
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}),
             "d": frozenset()}
    assert cycles(edges) == [["a", "b", "c"]]
    assert longest_chain({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset(),
                          "d": frozenset({"c"})}) == ["a", "b", "c"]
    assert layer("mwaa_gitops.render.dags") == "render"
    assert layer("mwaa_gitops.diagnostics") == "ground"
    assert layer("mwaa_gitops.cli") == "cli"
