"""The house rules of STYLE.md that a machine can check."""
import ast
import importlib
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tracker"
MODULES = sorted(
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
)
#: Data files, not code: long by nature.
LONG_ALLOWED = {"tracker.demo.data"}


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports_on_its_own(module):
    """Importing any module first works: there is no import cycle to trip over."""
    saved = {name: mod for name, mod in sys.modules.items() if name == "tracker" or name.startswith("tracker.")}
    for name in saved:
        del sys.modules[name]
    try:
        importlib.import_module(module)
    finally:
        for name in [name for name in sys.modules if name == "tracker" or name.startswith("tracker.")]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=str)
def test_modules_stay_small(path):
    if ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts) in LONG_ALLOWED:
        return
    assert len(path.read_text().splitlines()) <= 320


def _calls(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.func.attr, node.lineno


@pytest.mark.parametrize("path", sorted([*PACKAGE.rglob("operations.py"), *PACKAGE.rglob("queries.py"),
                                         *PACKAGE.rglob("models.py"), *PACKAGE.rglob("schemas.py")]), ids=str)
def test_operations_and_queries_never_commit(path):
    """Whoever enters the app owns the transaction."""
    assert [line for name, line in _calls(path) if name in {"commit", "rollback"}] == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("views.py")), ids=str)
def test_views_do_not_query(path):
    """Views call queries and operations; they do not build SQL themselves."""
    source = path.read_text()
    assert "import sqlalchemy" not in source and "sa.select" not in source
    assert [line for name, line in _calls(path) if name in {"execute", "scalars", "scalar", "query"}] == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=str)
def test_only_core_time_reads_the_clock(path):
    if path.name == "time.py" and path.parent.name == "core":
        return
    source = path.read_text()
    assert "datetime.now(" not in source and "datetime.utcnow(" not in source and "date.today(" not in source
    assert "zoneinfo" not in source
