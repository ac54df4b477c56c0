"""The package's layers import in one direction only, without cycles or private names.

Layers, bottom to top (README, "Where things are"):

0. ``base``: exceptions, config, _utils, _yaml (safe YAML), privacy, registry (what a metric is), narrative
   (numbers into words), display (escaped HTML pieces), export (CSV/Excel writers)
1. ``data``: dates, schema, responses (the table and its schema), io (load → canonical table)
2. ``cells``: cells (sufficient statistics), backends (the same cells from DuckDB/Spark)
3. ``statistics``: metrics, weighting, trends, correlation, effects, balance, keydrivers,
   comments, health, crosstab, planning, datasets
4. ``plots``
5. ``reports``: one module per notebook
6. ``render``: params (notebook parameters), render (papermill + HTML), cli, kernel

Every ``import``/``from … import`` of a package module — at the top of a file or inside a
function — must go to the same layer or a lower one; imports inside one layer must not form
a cycle; and no module imports another module's private (``_name``) objects.  One delegation
is allowed upward: a result's ``plot``/``plot_*`` method may import :mod:`csat_analysis.plots`
when called (as ``DataFrame.plot`` reaches ``pandas.plotting``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "csat_analysis"

LAYERS: dict[str, int] = {
    **dict.fromkeys(["exceptions", "config", "_utils", "_yaml", "privacy", "registry", "narrative", "display", "export"], 0),
    **dict.fromkeys(["dates", "schema", "responses", "io"], 1),
    **dict.fromkeys(["cells", "backends"], 2),
    **dict.fromkeys(["metrics", "weighting", "trends", "correlation", "effects", "balance", "keydrivers", "comments",
                     "health", "crosstab", "planning", "datasets"], 3),
    "plots": 4,
    "reports": 5,
    **dict.fromkeys(["params", "render", "cli", "kernel", "sections"], 6),
}
NAMES = {0: "base", 1: "data", 2: "cells", 3: "statistics", 4: "plots", 5: "reports", 6: "render"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            out[".".join(parts)] = path
    return out


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _walk(tree: ast.AST, function: str = ""):
    """Every node with the name of the function it is in."""
    for child in ast.iter_child_nodes(tree):
        yield child, function
        inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
        yield from _walk(child, inner)


def _plot_delegation(target: str, function: str) -> bool:
    return target == "plots" and (function == "plot" or function.startswith("plot_"))


def _imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported package module, names taken from it, line) for every import in ``path``."""
    package = module.split(".")[:-1] if not path.name == "__init__.py" else module.split(".")
    found = []
    for node, function in _walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.ImportFrom, ast.Import)) and _plot_delegation(_target(node, package), function):
            continue
        if isinstance(node, ast.ImportFrom):
            target = _target(node, package)
            if target is None:
                continue
            names = [a.name for a in node.names]
            if not target:  # ``from . import metrics``
                found += [(n, [], node.lineno) for n in names]
            elif target in _modules() or target.split(".")[0] in LAYERS:
                sub = [n for n in names if f"{target}.{n}" in _modules()]
                found += [(f"{target}.{n}", [], node.lineno) for n in sub]
                rest = [n for n in names if n not in sub]
                if rest:
                    found.append((target, rest, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("csat_analysis."):
                    found.append((a.name.removeprefix("csat_analysis."), [], node.lineno))
    return found


def _target(node: ast.AST, package: list[str]) -> str | None:
    """The package module a ``from … import`` reads from (None: outside the package or a plain import)."""
    if not isinstance(node, ast.ImportFrom):
        return None
    if node.level:
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        return ".".join([*base, *(node.module.split(".") if node.module else [])])
    if node.module and node.module.startswith("csat_analysis"):
        return node.module.removeprefix("csat_analysis").lstrip(".")
    return None


MODULES = _modules()


def test_every_module_has_a_layer():
    assert sorted(m for m in MODULES if m.split(".")[0] not in LAYERS) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down(module):
    here = _layer(module)
    upward = [f"line {line}: {module} ({NAMES[here]}) imports {target} ({NAMES[_layer(target)]})"
              for target, _, line in _imports(module, MODULES[module]) if _layer(target) > here]
    assert upward == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_names_across_modules(module):
    private = [f"line {line}: {module} imports {n} from {target}"
               for target, names, line in _imports(module, MODULES[module])
               for n in names if n.startswith("_") and target != module]
    assert private == []


def test_no_import_cycles():
    graph = {m: {t for t, _, _ in _imports(m, p) if t in MODULES and t != m} for m, p in MODULES.items()}
    graph = {m: {t for t in ts if not m.startswith(t + ".") and not t.startswith(m + ".")} for m, ts in graph.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []
