"""The core and the plugins read top-down: no import cycle, counting imports under
``TYPE_CHECKING`` and inside functions (found in the source, not at run time), and tap-quickbooks'
modules import only modules that come before them in its documented order."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "ledgerlink": ROOT / "src" / "ledgerlink",
    "tap_quickbooks": ROOT / "tap-quickbooks" / "tap_quickbooks",
    "tap_pipedrive": ROOT / "tap-pipedrive" / "tap_pipedrive",
    "target_pipedrive": ROOT / "target-pipedrive" / "target_pipedrive",
    "target_shipstation": ROOT / "target-shipstation" / "target_shipstation",
    "ledgerlink_orchestration": ROOT / "orchestration" / "ledgerlink_orchestration",
}
QBO_ORDER = (
    "settings",
    "idset",
    "schemas",
    "pagination",
    "plan",
    "session",
    "client",
    "streams",
    "tap",
)
PIPEDRIVE_ORDER = (
    "includes",
    "settings",
    "schemas",
    "session",
    "pagination",
    "client",
    "streams",
    "tap",
)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """Every project module ``name`` imports, wherever the import statement stands."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                yield target


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: set(_imports(name, path, known)) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_in_the_core_and_the_plugins() -> None:
    graph = _graph()
    assert len(graph) > 40  # the walk found the packages
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_sees_type_checking_and_function_local_imports() -> None:
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    source = "if TYPE_CHECKING:\n    from x import y\ndef f():\n    import z\n"
    path = ROOT / ".ledgerlink" / "test-import-probe.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(source)
    try:
        assert set(_imports("w", path, {"x", "x.y", "z"})) == {"x.y", "x", "z"}
    finally:
        path.unlink()


def _check_order(package: str, order: tuple[str, ...]) -> None:
    graph = _graph()
    modules = {n.removeprefix(package + "."): n for n in graph if n.startswith(package + ".")}
    assert set(modules) == set(order), "every module has its place in the documented order"
    for position, short in enumerate(order):
        for imported in graph[modules[short]]:
            if imported.startswith(package + "."):
                other = imported.removeprefix(package + ".").split(".")[0]
                assert order.index(other) < position, f"{short} imports the later {other}"


def test_tap_quickbooks_reads_top_down() -> None:
    _check_order("tap_quickbooks", QBO_ORDER)


def test_tap_pipedrive_reads_top_down() -> None:
    _check_order("tap_pipedrive", PIPEDRIVE_ORDER)


def test_only_the_plugin_foundation_in_the_core_imports_singer_sdk() -> None:
    """The core does not declare singer-sdk (only the plugins install it), so no core module but
    ``ledgerlink.singer`` may import it."""
    modules = _modules()
    importers = set()
    for name, path in modules.items():
        if not name.startswith("ledgerlink."):
            continue
        known = {"singer_sdk"} | set(modules)
        if "singer_sdk" in set(_imports(name, path, known)):
            importers.add(name.rpartition(".")[0] if name.count(".") > 1 else name)
    assert importers == {"ledgerlink.singer"}
