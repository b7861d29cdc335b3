"""The documentation holds together: every relative link in README.md, docs/*.md,
CONTRIBUTING.md and CHANGELOG.md reaches a file of the repository, and every anchor a heading
of that page (as GitHub names headings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGES = (ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md",
         *sorted((ROOT / "docs").glob("*.md")))
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)
README_LINES = 250


def prose(page: Path) -> str:
    """The page without its fenced blocks: what GitHub renders as text and headings."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in HEADING.findall(prose(page)):
        name = slug(heading)
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.add(name if count == 0 else f"{name}-{count}")
    return out


def links(page: Path) -> list[str]:
    return [target for target in LINK.findall(CODE.sub("code", prose(page)))
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


def test_slug_follows_github() -> None:
    assert slug("OpenMetadata's `${NAME}` references") == "openmetadatas-name-references"
    assert slug("Paused or not, as configured") == "paused-or-not-as-configured"
    assert slug("dag-id collisions before the upload") == "dag-id-collisions-before-the-upload"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_reach_a_file_and_its_heading(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        reached = (page.parent / path).resolve() if path else page
        inside = reached.exists() and ROOT.resolve() in (reached, *reached.parents)
        heading = not anchor or reached.suffix != ".md" or anchor in anchors(reached)
        if not (inside and heading):
            broken.append(target)
    assert broken == []


def test_readme_is_a_front_door() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= README_LINES


def test_every_page_of_the_manual_is_linked_from_the_readme() -> None:
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    assert [page.name for page in sorted((ROOT / "docs").glob("*.md"))
            if page.resolve() not in linked] == []


def _kinds_table() -> dict[str, list[str]]:
    """docs/kinds.md's table: the cells of each kind's row, by kind."""
    rows: dict[str, list[str]] = {}
    text = (ROOT / "docs" / "kinds.md").read_text()
    table = text[text.index("## The table"):].split("\n\n")[1]
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for name in cells[0].split(", "):
            rows[name] = cells
    return rows


def test_the_kinds_page_shows_the_kinds_table_of_the_code() -> None:
    from mwaa_gitops.facts.kinds import KINDS

    rows = _kinds_table()
    assert set(rows) == set(KINDS)
    for name, kind in KINDS.items():
        _, command, workflow_class, pipeline_type, extras, _checks = rows[name]
        assert command == (f"`{kind.cli.removeprefix('metadata ')}`" if kind.cli
                           and kind.workflow_class else "—"), name
        shown_class = workflow_class.strip("`")
        assert (kind.workflow_class or "—").endswith(shown_class), name
        assert pipeline_type.startswith(f"`{kind.pipeline_type}`" if kind.pipeline_type
                                        else "—"), name
        assert extras == ", ".join(f"`{e}`" for e in kind.extras), name


def test_the_docs_list_every_mwaa_release_the_tool_knows() -> None:
    from mwaa_gitops.facts.mwaa_releases import releases

    known = releases()
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    assert f"an Airflow release MWAA runs: {', '.join(known)} " in configuration
    rendering = (ROOT / "docs" / "rendering.md").read_text()
    majors = [", ".join(r for r in known if r.startswith(f"{m}.")) for m in ("2", "3")]
    assert f"Airflow 2 ({majors[0]}) | Airflow 3 ({majors[1]})" in rendering
