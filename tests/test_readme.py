"""The documentation's console examples show what the commands really print: each `explain`
shown in README.md or docs/*.md is run again, on the example repository with the files that
page's walkthrough `cat`s written into it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from tests.conftest import ROOT

CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
SCHEMA = re.compile(r"\$schema=(\S+)")
# Every page that may hold console examples: the front door and the manual.
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
# How many `explain` examples the pages show; a page that drops one fails this test.
EXPLAIN_EXAMPLES = 4


def steps(page: Path) -> list[tuple[str, str]]:
    """Every ``$ command`` in the page's console blocks, in order, with the output shown."""
    out: list[tuple[str, str]] = []
    for block in CONSOLE.findall(page.read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            out.append((command, output))
    return out


def explained(page: Path, repo: Path) -> tuple[int, list[str]]:
    """Replay the page's walkthrough in ``repo``: write what it `cat`s, re-run what it
    `explain`s; the number of explains run, and those that printed something else."""
    shutil.copytree(ROOT / "environments", repo / "environments")
    shutil.copytree(ROOT / "locks", repo / "locks")
    checked, wrong = 0, []
    for command, shown in steps(page):
        words = command.split()
        if words[0] == "cat" and words[1].startswith("environments/"):
            target = repo / words[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(shown)
        elif words[:2] == ["mwaa-gitops", "explain"]:
            result = CliRunner().invoke(app, [*words[1:], "--repo", str(repo)])
            checked += 1
            if result.stdout != shown:
                wrong.append(f"{page.relative_to(ROOT)}: $ {command}\n"
                             f"{result.stdout}{result.stderr}")
    return checked, wrong


def test_explain_examples_print_what_explain_prints(tmp_path: Path) -> None:
    checked, wrong = 0, []
    for number, page in enumerate(PAGES):
        found, differ = explained(page, tmp_path / str(number))
        checked += found
        wrong += differ
    assert checked >= EXPLAIN_EXAMPLES
    assert wrong == []


def test_readme_shows_an_explain_example() -> None:
    assert any(command.startswith("mwaa-gitops explain ")
               for command, _ in steps(ROOT / "README.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_layer_files_name_the_overlay_schemas(page: Path) -> None:
    layer_files = [shown for command, shown in steps(page)
                   if command.startswith("cat environments/")]
    for shown in layer_files:
        for schema in SCHEMA.findall(shown):
            assert schema.endswith(".overlay.schema.json"), schema


def test_the_walkthrough_shows_layer_files() -> None:
    assert any(command.startswith("cat environments/")
               for page in PAGES for command, _ in steps(page))
