"""The notifications app keeps its shape: its modules import each other in one
direction only, with no import inside a function to hide a circle (tests/test_layout.py
checks with lint-imports that it imports no domain app)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

APP = Path(__file__).resolve().parents[2] / "notifications"


def _graph() -> grimp.ImportGraph:
    # Imports inside functions count: a circle they hide is still a circle.
    return grimp.build_graph(
        "notifications", exclude_type_checking_imports=True, cache_dir=None
    )


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    found = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                found.append([module, *back])
    return found


def test_the_services_are_cut_into_modules():
    graph = _graph()

    services = {m for m in graph.modules if m.startswith("notifications.services.")}

    assert {
        "notifications.services.outbox",
        "notifications.services.delivery",
        "notifications.services.webhooks",
    } <= services


def test_no_module_of_the_app_imports_itself_back():
    assert _cycles(_graph()) == []


def _function_imports(path: Path) -> list[str]:
    """Imports inside functions, other than AppConfig.ready() (where Django registers
    what a process needs at start-up)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready" and path.name == "apps.py":
            continue
        found += [
            f"{path.name}:{node.lineno}"
            for node in ast.walk(function)
            if isinstance(node, ast.Import | ast.ImportFrom)
        ]
    return found


def test_no_import_hides_inside_a_function():
    paths = [p for p in APP.rglob("*.py") if "migrations" not in p.parts]

    assert paths
    assert [hit for path in paths for hit in _function_imports(path)] == []
