"""core/'s layout: no Streamlit, SQL only in core/db/, each package imports only what its docstring allows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "core"
LEAVES = {"core.errors", "core.tokens", "core.quoting", "core.access"}


def _modules() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _package_of(path: Path) -> str:
    rel = path.relative_to(CORE.parent).with_suffix("")
    parts = rel.parts
    return ".".join(parts[:2]) if len(parts) > 2 or path.name == "__init__.py" else ".".join(parts)


def _allowed(package: str) -> list[str]:
    doc = ast.get_docstring(ast.parse((CORE.parent / package.replace(".", "/") / "__init__.py").read_text())) or ""
    match = re.search(r"^May import: (.+)$", doc, re.M)
    assert match, f"{package}/__init__.py docstring has no 'May import:' line"
    return [name.strip() for name in match.group(1).split(",")]


def test_core_never_imports_streamlit():
    """Given every module in core/, when reading its imports, then none is streamlit."""
    offenders = [str(p) for p in _modules() if any(i.split(".")[0] == "streamlit" for i in _imports(p))]
    assert offenders == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(CORE.parent)))
def test_each_package_imports_only_what_its_docstring_allows(path: Path):
    """Given a module in a core package, when reading its core imports, then each is its own package, a leaf or allowed."""
    package = _package_of(path)
    core_imports = {".".join(i.split(".")[:2]) for i in _imports(path) if i.startswith("core.")}
    if package in LEAVES:
        assert core_imports <= {"core.errors"}, f"{package} is a leaf: it may import only core.errors"
        return
    if package == "core.__init__":
        assert core_imports == set()
        return
    if package == "core.__main__":
        assert core_imports <= {"core.cli"}
        return
    allowed = _allowed(package)
    for top in sorted(core_imports):
        ok = top == package or top in LEAVES or "core.*" in allowed or top in allowed
        assert ok, f"{path.relative_to(CORE.parent)} imports {top}; {package} may import {', '.join(allowed)}"


SQL_CALL = re.compile(r"\.(execute|executemany|sql|query)\(|\b(BEGIN|COMMIT|ROLLBACK)\b")


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if "db" not in p.relative_to(CORE).parts[:1]],
    ids=lambda p: str(p.relative_to(CORE.parent)),
)
def test_only_core_db_runs_sql(path: Path):
    """Given a module outside core/db/, when scanning its code, then it runs no SQL statement."""
    code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith(("#", '"', "'")))
    assert not SQL_CALL.search(code), f"{path.relative_to(CORE.parent)} runs SQL outside core/db/"


def test_no_module_over_500_lines():
    """Given every module in core/, when counting lines, then none is over ~500."""
    long = {str(p.relative_to(CORE.parent)): n for p in _modules() if (n := len(p.read_text().splitlines())) > 520}
    assert long == {}


ROOT = CORE.parent
PAGE_MODULES = [*sorted((ROOT / "pages").glob("*.py")), *sorted(ROOT.glob("app*.py")), ROOT / "ui/html_views.py"]


@pytest.mark.parametrize("path", [*_modules(), *PAGE_MODULES], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_over_80_lines_without_a_reason_beside_it(path: Path):
    """Given a module in core/ or a page, when measuring its functions, then each over ~80 lines says why (`# long: …`)."""
    source = path.read_text()
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 80:
            header = "\n".join(lines[node.lineno - 2 : node.body[0].lineno])
            assert "# long:" in header, (
                f"{path.relative_to(ROOT)}::{node.name} is {node.end_lineno - node.lineno + 1} lines"
            )


UI = CORE.parent / "ui"


@pytest.mark.parametrize("path", sorted(UI.glob("*.py")), ids=lambda p: p.name)
def test_ui_reads_core_and_runs_no_sql(path: Path):
    """Given a module in ui/, when reading its imports and code, then it imports no page and runs no SQL itself."""
    imports = _imports(path)
    assert not any(i.split(".")[0] == "pages" for i in imports), f"ui/{path.name} imports a page"
    code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith(("#", '"', "'")))
    assert not SQL_CALL.search(code), f"ui/{path.name} runs SQL; it belongs in core/db/"


def test_only_app_and_launcher_sit_at_the_root():
    """Given the repository root, when listing its Python files, then only app.py and the launcher are there."""
    assert sorted(p.name for p in CORE.parent.glob("*.py")) == ["app.py", "app_launch.py"]


PROTOCOL_NAMES = {"register", "run", "add_arguments", "render", "headline", "QUICK"}
MAX_SHARED_NAMES = 5


def _top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names - {"__all__"}


def test_each_name_is_defined_once_in_core():
    """Given every top-level name in core/, when counting the modules defining it, then at most 5 are shared."""
    where: dict[str, list[str]] = {}
    for path in _modules():
        for name in _top_level_names(path) - PROTOCOL_NAMES:
            where.setdefault(name, []).append(str(path.relative_to(CORE.parent)))
    shared = {name: paths for name, paths in sorted(where.items()) if len(paths) > 1}
    assert len(shared) <= MAX_SHARED_NAMES, f"{len(shared)} names defined in several modules: {shared}"
