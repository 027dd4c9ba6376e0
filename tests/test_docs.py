"""The docs cannot drift: the CLI reference is generated, every command and page is documented, every link resolves."""

from __future__ import annotations

import re
from pathlib import Path

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
