"""The package's layers import in one direction only, without cycles or private names.

Layers, bottom to top (README, "Where things are"):

0. ``base``: exceptions, config, _utils, _yaml (safe YAML), _exports (the package's lazy-export table), privacy,
   registry (what a metric is), narrative (numbers into words), display (escaped HTML pieces), export (CSV/Excel
   writers), results (the base class of result objects), deprecation (renamed parameters and attributes)
1. ``data``: dates, schema (package: spec, reading, inference), margins (customer-base margins), responses (the
   table and its schema), io (load → canonical table)
2. ``cells``: cells (sufficient statistics), backends (the same cells from DuckDB/Spark)
3. ``statistics``: metrics, weighting, trends, correlation, effects (package: designs, inference, result),
   balance, keydrivers, benchmarking, comments, health (package: customer_table, validation, risk, worth, score),
   crosstab, planning, datasets
4. ``plots``
5. ``reports``: one module per notebook
6. ``render``: params (notebook parameters), render (package: notebook helpers, run, batch, output), cli, kernel

Every ``import``/``from … import`` of a package module — at the top of a file or inside a
function — must go to the same layer or a lower one; imports inside one layer must not form
a cycle; no module imports another module's private (``_name``) objects or reads them as attributes
(``module._name``); and no module imports its own package by name (``import csat_analysis``,
``from csat_analysis import …``): inside the package every import is relative, so the layers above decide
nothing through the package's lazy attributes.  The modules of one subpackage (``render.run`` and
``render.notebook``) were one module before they were split and share its private names; the subpackage's
``__init__`` is its public face.  One delegation
is allowed upward: a result's ``plot``/``plot_*`` method may import :mod:`csat_analysis.plots`
when called (as ``DataFrame.plot`` reaches ``pandas.plotting``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "csat_analysis"

LAYERS: dict[str, int] = {
    **dict.fromkeys(["exceptions", "config", "_utils", "_yaml", "_exports", "privacy", "registry", "narrative",
                     "display", "export", "results", "deprecation", "labels"], 0),
    **dict.fromkeys(["dates", "schema", "margins", "responses", "io", "multiselect", "_infer_rules"], 1),
    **dict.fromkeys(["cells", "backends"], 2),
    **dict.fromkeys(["metrics", "weighting", "trends", "correlation", "effects", "did_cells", "balance", "keydrivers",
                     "comments", "health", "crosstab", "planning", "datasets", "benchmarking"], 3),
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


def _package(module: str, path: Path) -> list[str]:
    """The package ``module`` is in (its own name for an ``__init__``), as the parts relative imports start from."""
    return module.split(".")[:-1] if not path.name == "__init__.py" else module.split(".")


def _imports(module: str, path: Path, source: str | None = None) -> list[tuple[str, list[str], int]]:
    """(imported package module, names taken from it, line) for every import in ``path`` (or ``source``)."""
    package = _package(module, path)
    found = []
    for node, function in _walk(ast.parse(path.read_text() if source is None else source)):
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


def _siblings(module: str, target: str) -> bool:
    """Whether ``module`` and ``target`` are in the same subpackage (``render.run`` and ``render.notebook``)."""
    here, there = module.split("."), target.split(".")
    return len(here) > 1 and len(there) > 1 and here[:-1] == there[:-1]


def _absolute_self_imports(source: str) -> list[str]:
    """``import csat_analysis…`` and ``from csat_analysis… import`` statements in ``source``."""
    found = []
    for node, _ in _walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names
                      if a.name == "csat_analysis" or a.name.startswith("csat_analysis.")]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module and (
                node.module == "csat_analysis" or node.module.startswith("csat_analysis.")):
            found.append(f"line {node.lineno}: from {node.module} import {', '.join(a.name for a in node.names)}")
    return found


def _module_aliases(module: str, path: Path, tree: ast.AST) -> dict[str, str]:
    """Local name -> package module, for every name an import in ``tree`` binds to a package module."""
    package, aliases = _package(module, path), {}
    for node, _ in _walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "csat_analysis" or a.name.startswith("csat_analysis."):
                    target = a.name.removeprefix("csat_analysis").lstrip(".")
                    aliases[a.asname or a.name.split(".")[0]] = target if a.asname else ""
        elif isinstance(node, ast.ImportFrom):
            target = _target(node, package)
            if target is None:
                continue
            for a in node.names:
                name = f"{target}.{a.name}" if target else a.name
                if name in MODULES:
                    aliases[a.asname or a.name] = name
    return aliases


def _private_attributes(module: str, path: Path, source: str | None = None) -> list[str]:
    """``alias._name`` reads in ``path`` (or ``source``) where ``alias`` is another package module (or the package)."""
    tree = ast.parse(path.read_text() if source is None else source)
    aliases = _module_aliases(module, path, tree)
    found = []
    for node, _ in _walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not (node.attr.startswith("__") and node.attr.endswith("__"))):
            target = aliases[node.value.id]
            if target != module and not _siblings(module, target):
                found.append(f"line {node.lineno}: {module} reads {node.value.id}.{node.attr} "
                             f"(private name of {target or 'csat_analysis'})")
    return found


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
               for n in names if n.startswith("_") and target != module and not _siblings(module, target)]
    assert private == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_attributes_of_other_modules(module):
    assert _private_attributes(module, MODULES[module]) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_absolute_imports_of_the_package(module):
    assert _absolute_self_imports(MODULES[module].read_text()) == []


# --------------------------------------------------------------------------- the checks catch what they should

PLANTED = PACKAGE / "metrics.py"  # where the planted sources pretend to be


def test_checker_catches_an_absolute_import_of_the_package():
    source = ("import numpy\nimport csat_analysis\nimport csat_analysis.plots as p\n"
              "def f():\n    from csat_analysis import render\n    from csat_analysis.io import load_responses\n"
              "from . import cells\nfrom .cells import fine_cells\n")
    assert [f.split(":")[0] for f in _absolute_self_imports(source)] == ["line 2", "line 3", "line 5", "line 6"]
    assert _absolute_self_imports("from . import cells\nimport numpy as np\n") == []


def test_checker_catches_private_attributes_of_another_module():
    source = ("import csat_analysis as package\nfrom . import cells, weighting as w\nfrom .cells import fine_cells\n"
              "import pandas as pd\n"
              "def f():\n    return package._EXPORTS, cells._private, w._MAX, cells.public, pd._libs, "
              "fine_cells._x, cells.__name__\n")
    found = _private_attributes("metrics", PLANTED, source)
    assert [f.split(" reads ")[1].split(" ")[0] for f in found] == ["package._EXPORTS", "cells._private", "w._MAX"]


def test_checker_lets_modules_of_one_subpackage_share_private_names():
    source = "from . import output\nfrom ..cells import _hidden\nx = output._EXPORTER\n"
    run = PACKAGE / "render" / "run.py"
    assert _private_attributes("render.run", run, source) == []
    assert _private_attributes("reports.overview", PACKAGE / "reports" / "overview.py",
                               "from ..render import output\nx = output._EXPORTER\n") != []
    assert ("cells", ["_hidden"], 2) in _imports("render.run", run, source)
    assert _siblings("render.run", "render.output") and not _siblings("render.run", "cells")
    assert not _siblings("metrics", "cells")


def test_checker_catches_a_private_import_and_an_upward_import():
    found = _imports("metrics", PLANTED, "from .weighting import _dense\nfrom .render import run_report\n")
    assert found == [("weighting", ["_dense"], 1), ("render", ["run_report"], 2)]
    assert _layer("render") > _layer("metrics")


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
