"""The emulators stand apart from the product, and the product installs none of them.

- no module of ``ledgerlink_sandbox`` imports ``ledgerlink`` (the emulators follow the providers'
  documents, never the product's reading of them);
- ``ledgerlink_sandbox`` reads top-down: no import cycle and no import inside a function;
- the installed closure of the core and of every plugin holds neither the emulators nor a web
  server.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import ledgerlink_sandbox

PACKAGE_DIR = Path(ledgerlink_sandbox.__file__).parent
PRODUCT_DISTRIBUTIONS = (
    "ledgerlink",
    "tap-quickbooks",
    "tap-pipedrive",
    "target-pipedrive",
    "target-shipstation",
)
NEVER_INSTALLED_BY_THE_PRODUCT = {"starlette", "uvicorn", "ledgerlink-sandbox"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def imported_names(module: str, tree: ast.Module) -> Iterator[tuple[str, ast.stmt]]:
    """Every module an import statement names (``from a import b`` names ``a`` and ``a.b``)."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, node
            for alias in node.names:
                yield f"{base}.{alias.name}", node


def parse(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(encoding="utf-8"), str(MODULES[module]))


def test_the_module_list_is_the_package() -> None:
    assert {"ledgerlink_sandbox.sandbox", "ledgerlink_sandbox.framework.app"} <= set(MODULES)
    assert len(MODULES) > 80


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_sandbox_module_imports_the_product(module: str) -> None:
    offending = [
        f"line {node.lineno}: {name}"
        for name, node in imported_names(module, parse(module))
        if name == "ledgerlink" or name.startswith("ledgerlink.")
    ]
    assert offending == [], f"{module} imports the product"


def test_no_import_inside_a_function() -> None:
    found = []
    for module in MODULES:
        for node in ast.walk(parse(module)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found += [
                    f"{module}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    assert found == []


def import_graph() -> dict[str, set[str]]:
    """Module -> sandbox modules it runs on import (type-only imports included: a cycle that
    only ``TYPE_CHECKING`` hides is still one)."""
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        own_packages = {module.rsplit(".", n)[0] for n in range(module.count(".") + 1)}
        targets: set[str] = set()
        for name, _ in imported_names(module, parse(module)):
            parts = name.split(".")
            for end in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b and a.b.c
                target = ".".join(parts[:end])
                if target in MODULES and target not in own_packages:
                    targets.add(target)
        graph[module] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_sandbox_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def install_closure(roots: tuple[str, ...]) -> set[str]:
    """Distributions ``pip install`` of ``roots`` brings in (no extras), as installed here."""
    seen: set[str] = set()
    todo = [canonical(root) for root in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # a marker-excluded or optional dependency that is not installed here
        for line in requirements:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonical(requirement.name))
    return seen


def test_the_core_and_the_plugins_install_no_emulator_and_no_web_server() -> None:
    closure = install_closure(PRODUCT_DISTRIBUTIONS)
    assert {"ledgerlink", "singer-sdk", "httpx"} <= closure  # the walk does reach dependencies
    assert closure & NEVER_INSTALLED_BY_THE_PRODUCT == set()


def test_the_closure_walk_sees_the_web_server_of_the_sandbox() -> None:
    assert {"starlette", "uvicorn"} <= install_closure(("ledgerlink-sandbox",))
