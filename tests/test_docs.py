"""The docs cannot drift: the CLI reference and the measured figures are generated, every command and page is
documented, every link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.benchmarks.doc_figures import BLOCK, FIGURES, INLINE, demo_connection, doc_files, update
from core.cli import build_parser
from core.cli.reference import REFERENCE, cli_reference, subcommands

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))


def _prose() -> str:
    """README and every docs page except the generated reference: where a person reads examples."""
    return "\n".join(p.read_text(encoding="utf-8") for p in [README, *DOCS] if p != REFERENCE)


def test_generated_cli_reference_is_current():
    """Given the argparse definitions, when generating the reference, then docs/cli.md holds exactly that."""
    assert REFERENCE.read_text(encoding="utf-8") == cli_reference(build_parser())


def test_every_command_has_help_and_an_example_in_the_docs():
    """Given every top-level command, when reading the docs, then it has a help line and a `python -m core NAME` example."""
    prose = _prose()
    parser = build_parser()
    top = [(name, child) for name, child in subcommands(parser) if " " not in name]
    assert len(top) >= 10
    for name, child in top:
        assert child.description or child.format_usage(), name
        assert re.search(rf"python -m core (--db \S+ )?{re.escape(name)}\b", prose), f"no example of `{name}`"


def test_every_page_is_in_the_navigation_and_the_readme():
    """Given every file in pages/, when reading app.py and the README, then each is routed and described."""
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    for page in sorted((ROOT / "pages").glob("*.py")):
        rel = f"pages/{page.name}"
        assert rel in app, f"{rel} is not in app.py's navigation"
        assert f"`{rel}`" in readme, f"{rel} is not in the README's page table"


def test_readme_is_short_and_every_link_resolves():
    """Given the README and docs, when following their relative links, then each file exists; the README stays short."""
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200
    for doc in [README, *DOCS]:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)} links to missing {target}"


def test_every_measured_figure_in_the_docs_is_what_the_code_measures_now(demo_db_path: Path) -> None:
    """Given the demo database, when every figure marked in the README and docs is measured again, then none moved
    (a change that moves a figure fails here until `python -m core docs-figures` writes the new one)."""
    with demo_connection(demo_db_path) as con:
        stale = update(doc_files(ROOT), con, write=False)
    assert not stale, [f"{s.path.name}: {s.name}: {s.written!r} → {s.measured!r}" for s in stale]
    marked = "".join(p.read_text(encoding="utf-8") for p in doc_files(ROOT))
    assert set(FIGURES) == {m[2] for m in BLOCK.finditer(marked)} | {m[2] for m in INLINE.finditer(marked)}


def test_a_stale_or_unknown_figure_is_found_and_rewritten(demo_db_path: Path, tmp_path: Path) -> None:
    """Given a doc with a wrong inline figure and an empty table, when updated, then both are listed, the file is
    rewritten with the measured text, and a second check finds nothing; an unknown name is refused by name."""
    doc = tmp_path / "x.md"
    doc.write_text(
        "edit_plan costs <!-- figure: edit-plan-tokens -->1<!-- /figure --> tokens.\n\n"
        "<!-- figures: formats-table -->\n| old |\n<!-- /figures -->\n",
        encoding="utf-8",
    )
    with demo_connection(demo_db_path) as con:
        assert [s.name for s in update([doc], con, write=True)] == ["formats-table", "edit-plan-tokens"]
        assert update([doc], con, write=False) == []
        text = doc.read_text(encoding="utf-8")
        assert "| maya | current_week |" in text and "<!-- figure: edit-plan-tokens -->1<" not in text
        doc.write_text("<!-- figure: no-such -->1<!-- /figure -->", encoding="utf-8")
        with pytest.raises(KeyError, match="no-such"):
            update([doc], con, write=False)
