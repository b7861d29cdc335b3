"""README's console examples show what the commands really print: each `explain` shown is
run again, on the example repository with the files the walkthrough `cat`s written into it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from mwaa_gitops.cli import app
from tests.conftest import ROOT

CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
SCHEMA = re.compile(r"\$schema=(\S+)")


def steps() -> list[tuple[str, str]]:
    """Every ``$ command`` in README's console blocks, in order, with the output shown."""
    out: list[tuple[str, str]] = []
    for block in CONSOLE.findall((ROOT / "README.md").read_text()):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            out.append((command, output))
    return out


def test_readme_explain_examples_print_what_explain_prints(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    checked, wrong = 0, []
    for command, shown in steps():
        words = command.split()
        if words[0] == "cat" and words[1].startswith("environments/"):
            target = tmp_path / words[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(shown)
        elif words[:2] == ["mwaa-gitops", "explain"]:
            result = CliRunner().invoke(app, [*words[1:], "--repo", str(tmp_path)])
            checked += 1
            if result.stdout != shown:
                wrong.append(f"$ {command}\n{result.stdout}{result.stderr}")
    assert checked >= 3
    assert wrong == []


def test_readme_layer_files_name_the_overlay_schemas() -> None:
    layer_files = [shown for command, shown in steps()
                   if command.startswith("cat environments/")]
    assert layer_files
    for shown in layer_files:
        for schema in SCHEMA.findall(shown):
            assert schema.endswith(".overlay.schema.json"), schema
