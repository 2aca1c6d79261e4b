"""The imports run one way: `models` <- `citylive` <- `flows`, `api`, and no import cycle joins
product modules.  Read from the source alone (ast), every import counted, the ones inside a
function too: a function-local import hides a loop, it does not open it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("models", "citylive", "flows", "api")
LAYER = {"models": 0, "citylive": 1, "flows": 2, "api": 2}


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_of(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The product module an imported name lives in (`a.b.c` -> `a.b` when `c` is a name
    defined in `a/b.py` or `a/b/__init__.py`)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The product modules `module` imports, with the line of the first import of each."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.setdefault(target, node.lineno)
    return found


def _graph() -> dict[str, dict[str, int]]:
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_layers_no_import_climbs() -> None:
    climbs = [
        f"{module} (line {line}) imports {target}"
        for module, targets in sorted(_graph().items())
        for target, line in sorted(targets.items())
        if LAYER[module.split(".")[0]] < LAYER[target.split(".")[0]]
    ]
    assert climbs == [], "\n".join(climbs)


def test_layers_no_import_cycle() -> None:
    graph = _graph()
    described = [
        " <-> ".join(component)
        + ": "
        + "; ".join(
            f"{m}:{graph[m][t]} -> {t}" for m in component for t in component if t in graph[m]
        )
        for component in _cycles(graph)
    ]
    assert described == [], "\n".join(described)


def test_layers_graph_sees_the_imports() -> None:
    # the reader itself: a known import is found, with its line, and nothing outside the product
    graph = _graph()
    assert "citylive.errors" in graph["citylive.scope"]
    assert all(t.split(".")[0] in PACKAGES for targets in graph.values() for t in targets)


def _package_graph() -> dict[str, dict[str, int]]:
    """The same imports between packages: each sub-package of `citylive` (festival, sales,
    schedule, ...) one node, each module standing alone its own."""

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    graph: dict[str, dict[str, int]] = {}
    for module, targets in _graph().items():
        node = graph.setdefault(package(module), {})
        for target, line in targets.items():
            if package(target) != package(module):
                node.setdefault(package(target), line)
    return graph


def test_layers_no_cycle_between_packages() -> None:
    # festival/ reading a workbook through sales/ while sales/ reads festivals would be a
    # circle of the two packages that no module-level loop shows
    described = [" <-> ".join(component) for component in _cycles(_package_graph())]
    assert described == [], "\n".join(described)
    assert "citylive.festival" in _package_graph()["citylive.sales"]
