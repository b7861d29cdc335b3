"""Every workflow kind against both judges: OpenMetadata's model (in its venv, per line) and our
schemas, and the messages ``lint`` gives for each kind's realistic mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.exceptions import ValidationError

from mwaa_gitops.config.provenance import dotted
from tests.schemas.conftest import LINES, errors
from tests.schemas.kinds import KINDS, MISTAKES, Mistake

pytestmark = pytest.mark.openmetadata


def om_workflow(line: str) -> str:
    return f"openmetadata/{line}/workflow.schema.json"


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_accepted_by_openmetadata_and_the_schema(
        openmetadata: dict[str, dict[str, Any]], kind: str, line: str) -> None:
    assert openmetadata[line]["verdicts"][f"kind: {kind}"] is None
    assert [e.message for e in errors(om_workflow(line), KINDS[kind])] == []


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("name", MISTAKES)
def test_each_kinds_mistake_is_rejected_by_openmetadata_and_the_schema_there_alone(
        openmetadata: dict[str, dict[str, Any]], name: str, line: str) -> None:
    mistake = MISTAKES[name]
    assert openmetadata[line]["verdicts"][f"kind mistake: {name}"] is not None
    found = list(leaves(errors(om_workflow(line), mistake.config)))
    places = {tuple(e.absolute_path) for e in found}
    assert mistake.where in places, [e.message for e in found]
    # Dispatch on `type`: nothing is reported against a connector or kind not meant.
    assert all(place[:len(mistake.where)] == mistake.where for place in places), places


def leaves(found: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The errors inside unions: of the branch with the fewest (AutoClassification pipelines
    share their `type`: two in 1.12 and 1.13, three in 2.0), on a tie the branch that knows
    every key written, never of the ``null`` an optional key also takes."""
    for error in found:
        if not error.context:
            yield error
            continue
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [errs for errs in branches.values()
                 if not all(e.validator == "type" and e.validator_value == "null" for e in errs)]
        yield from leaves(min(meant, key=lambda errs: (
            len(errs), sum(e.validator == "additionalProperties" for e in errs))))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each mistake as a workflow file, the way a user would have written it."""
    folder = tmp_path_factory.mktemp("mistakes")
    files = {}
    for index, (name, mistake) in enumerate(MISTAKES.items()):
        path = folder / f"mistake_{index:02d}.yaml"
        path.write_text(yaml.safe_dump(mistake.config, sort_keys=False))
        files[name] = path
    return files


@pytest.fixture(scope="module")
def linted(written: dict[str, Path]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``mwaa-gitops lint --format json`` over every mistake file, once per line: by line, the
    diagnostics of each file."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for line in LINES:
        run = subprocess.run([sys.executable, "-m", "mwaa_gitops", "lint", "--format", "json",
                              "--ingestion-version", line, *map(str, written.values())],
                             capture_output=True, text=True, timeout=300, check=False)
        assert run.returncode == 1, run.stderr
        by_file: dict[str, list[dict[str, Any]]] = {}
        for diagnostic in json.loads(run.stdout)["diagnostics"]:
            # Warnings (auto-classification's model download) are advice, not the mistake.
            if diagnostic["severity"] == "error":
                by_file.setdefault(diagnostic["path"], []).append(diagnostic)
        found[line] = by_file
    return found


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("name", MISTAKES)
def test_each_kinds_mistake_is_reported_at_its_line_and_column_naming_the_branch_meant(
        linted: dict[str, dict[str, list[dict[str, Any]]]], written: dict[str, Path],
        name: str, line: str) -> None:
    mistake = MISTAKES[name]
    path = written[name]
    found = linted[line][str(path)]
    at_line, at_col = marker_position(path.read_text(), mistake)
    here = [d for d in found if (d["line"], d["col"]) == (at_line, at_col)]
    assert here, (at_line, at_col, found)
    assert any(d["subject"] == dotted(mistake.where) for d in here), here
    assert any(mistake.says in f"{d['message']} {d.get('hint') or ''}" for d in here), here
    # One mistake, messages about it alone.
    assert all(d["subject"].startswith(dotted(mistake.where)) for d in found), found


def test_a_misspelt_connection_type_is_answered_with_the_connector_meant(
        linted: dict[str, dict[str, list[dict[str, Any]]]], written: dict[str, Path]) -> None:
    [diagnostic] = linted[LINES[-1]][str(written["metadata: misspelt connection type"])]
    assert diagnostic["message"].startswith("'Snowflak' is not one of the ")
    assert diagnostic["hint"] == "did you mean 'Snowflake'?"


def marker_position(text: str, mistake: Mistake) -> tuple[int, int]:
    """1-based line and column of the one place ``mistake.marker`` is written in ``text`` (a
    quoted value: its opening quote)."""
    hits = [(number, line.index(mistake.marker)) for number, line in
            enumerate(text.splitlines(), start=1) if mistake.marker in line]
    assert hits, mistake.marker
    number, index = hits[0]
    line = text.splitlines()[number - 1]
    if index and line[index - 1] in "'\"":
        index -= 1
    return number, index + 1
