"""The schema files themselves and their overlay variants; none of this needs OpenMetadata."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mwaa_gitops.config.load import load_file, load_text
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.facts.requirements_data import SUPPORTED_INGESTION
from scripts import generate_schemas
from tests.schemas.cases import POSTGRES_WORKFLOW, SERVER, edited, without
from tests.schemas.conftest import (
    ROOT,
    SCHEMAS,
    errors,
    registry,
)

OVERLAY = "workflow.overlay.schema.json"


def schema_files() -> list[Path]:
    return sorted(SCHEMAS.rglob("*.schema.json"))


def test_overlays_are_up_to_date_with_their_base_schemas() -> None:
    run = subprocess.run([sys.executable, generate_schemas.__file__,
                          "--overlays", "--check"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr


def test_every_generated_file_matches_its_checksum() -> None:
    sums = sorted(SCHEMAS.rglob("*.sha256"))
    assert len(sums) >= 8
    for path in sums:
        digest, name = path.read_text().split()
        assert hashlib.sha256(path.with_name(name).read_bytes()).hexdigest() == digest, name


def test_every_schema_is_a_valid_draft_2020_12_schema() -> None:
    for path in schema_files():
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_every_reference_resolves_from_the_file_that_makes_it() -> None:
    resolved = 0
    for path in schema_files():
        resolver = registry().resolver(base_uri=path.as_uri())
        for ref in refs(json.loads(path.read_text())):
            resolver.lookup(ref)
            resolved += 1
    assert resolved > 100


def test_each_supported_line_has_schemas_generated_from_its_supported_release() -> None:
    lines = {version: ".".join(version.split(".")[:2]) for version in SUPPORTED_INGESTION}
    assert sorted(p.name for p in (SCHEMAS / "openmetadata").iterdir()) == sorted(lines.values())
    for version, line in lines.items():
        for name in ("workflow", "server-connection"):
            for variant in (".schema.json", ".overlay.schema.json"):
                path = SCHEMAS / "openmetadata" / line / f"{name}{variant}"
                comment = json.loads(path.read_text())["$comment"]
                assert f"openmetadata-ingestion {version}" in comment, path


def test_editor_schema_is_the_line_the_examples_pin_the_newest_plus_the_dag_block() -> None:
    base = load_file(ROOT / "environments/base/environment.yaml").plain()
    newest = max(SUPPORTED_INGESTION, key=lambda v: tuple(map(int, v.split("."))))
    assert base["openmetadata"]["ingestionVersion"] == newest
    for variant in (".schema.json", ".overlay.schema.json"):
        comment = json.loads((SCHEMAS / f"workflow{variant}").read_text())["$comment"]
        assert f"openmetadata-ingestion {newest}" in comment


def test_environment_schema_checks_the_server_with_the_ingestion_lines_model() -> None:
    env = json.loads((SCHEMAS / "environment.schema.json").read_text())
    branches = env["properties"]["openmetadata"]["allOf"]
    by_line = {}
    for branch in branches:
        pattern = branch["if"].get("properties", {}).get("ingestionVersion", {}).get("pattern")
        target = branch["then"]["properties"]["server"]["$ref"]
        by_line[pattern] = target
    lines = sorted(p.name for p in (SCHEMAS / "openmetadata").iterdir())
    assert {"^" + re.escape(line + ".") for line in lines} <= set(by_line)
    for line in lines:
        assert by_line["^" + re.escape(line + ".")].startswith(f"openmetadata/{line}/")
    wrong = {"openmetadata": {"ingestionVersion": "1.12.14.2", "server": {"authProvider": "jwt"}}}
    found = errors("environment.schema.json", wrong)
    assert ("openmetadata", "server", "authProvider") in [tuple(e.absolute_path) for e in found]


def test_example_workflows_pass_the_editor_schema(examples: dict[str, Node]) -> None:
    found = {name: [e.message for e in errors("workflow.schema.json", tree.plain())]
             for name, tree in examples.items()}
    assert found and all(problems == [] for problems in found.values()), found


def test_every_workflow_file_passes_the_schema_its_editor_line_names() -> None:
    files = sorted((ROOT / "environments").glob("*/workflows/*.yaml"))
    for path in files:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=../../../schemas/"), path
        schema = first.rpartition("/schemas/")[2]
        assert errors(schema, load_file(path).plain()) == [], path
    assert len(files) >= 4


def test_editor_schema_leaves_the_server_to_the_environment_but_checks_it_when_set() -> None:
    config = without(POSTGRES_WORKFLOW, ("workflowConfig", "openMetadataServerConfig"))
    assert errors("workflow.schema.json", config) == []
    wrong = edited(POSTGRES_WORKFLOW, (*SERVER, "authProvider"), "jwt")
    assert tuple(best_match(errors("workflow.schema.json", wrong)).absolute_path) == (
        *SERVER, "authProvider")


def test_editor_schema_checks_the_dag_block() -> None:
    config = {**POSTGRES_WORKFLOW, "dag": {"approach": "kubernetes"}}
    assert tuple(best_match(errors("workflow.schema.json", config)).absolute_path) == (
        "dag", "approach")


def test_example_overlay_files_pass_the_overlay_schemas() -> None:
    repo = Repository(ROOT)
    checked = 0
    for layer in repo.layer_names():
        own = repo.load(repo.environment_file(layer))
        if own.get("extends") is None:
            continue  # a root layer is no overlay
        assert errors("environment.overlay.schema.json", own.plain()) == [], layer
        for path in repo.workflow_files(layer).values():
            assert errors(OVERLAY, repo.load(path).plain()) == [], path
            checked += 1
    assert checked >= 2


def test_overlay_requires_nothing() -> None:
    assert errors(OVERLAY, {}) == []
    connection_only = {"source": {"serviceConnection": {"config": {"connection": {
        "hostPort": "other-db.example.internal:5432"}}}}}
    assert errors(OVERLAY, connection_only) == []


def test_overlay_accepts_a_deleted_key() -> None:
    overlay = load_file_text("""
        source:
          serviceConnection:
            config:
              pipelineFilterPattern: !delete
        dag:
          tags: !delete
        workflowConfig:
          loggerLevel: !delete
        """)
    assert errors(OVERLAY, overlay) == []


@pytest.mark.parametrize(("overlay", "where"), [
    # An overlay that leaves the connector's type to its base cannot be told from a custom
    # connector, which takes any key: these name the type.
    ({"source": {"serviceConnection": {"config": {"type": "Airflow", "numberOfStatuses": 5}}}},
     ("source", "serviceConnection", "config")),
    ({"workflowConfig": {"loggerLevel": "WARNING"}}, ("workflowConfig", "loggerLevel")),
    ({"source": {"serviceConnection": {"config": {"type": "Airflow", "connection": {
        "type": "Postgres", "password": "secret:/openmetadata/mwaa-db"}}}}},
     ("source", "serviceConnection", "config", "connection")),
    ({"dag": {"retries": "three"}}, ("dag", "retries")),
])
def test_overlay_still_rejects_what_it_sets_wrong(overlay: dict[str, Any],
                                                  where: tuple[str, ...]) -> None:
    assert tuple(best_match(errors(OVERLAY, overlay)).absolute_path) == where


def test_environment_overlay_checks_the_server_connection() -> None:
    overlay = {"openmetadata": {"server": {"authProvider": "jwt"}}}
    found = errors("environment.overlay.schema.json", overlay)
    assert tuple(best_match(found).absolute_path) == ("openmetadata", "server", "authProvider")


def test_new_schema_gets_an_overlay_and_a_removed_one_loses_it(tmp_path: Path) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    extra = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
             "additionalProperties": False, "required": ["name"],
             "properties": {"name": {"type": "string"}, "dag": {"$ref": "dag.schema.json"}},
             "not": {"required": ["name", "dag"]}}
    (root / "extra.schema.json").write_text(json.dumps(extra))
    assert generate_schemas.main(["--overlays", "--check"], root=root) == 1
    assert generate_schemas.main(["--overlays"], root=root) == 0
    made = json.loads((root / "extra.overlay.schema.json").read_text())
    assert "required" not in made
    assert made["not"] == {"required": ["name", "dag"]}  # still forbids setting both
    assert made["properties"]["dag"]["anyOf"][0] == {"$ref": "dag.overlay.schema.json"}
    assert made["properties"]["name"]["type"] == ["string", "null"]
    assert generate_schemas.main(["--overlays", "--check"], root=root) == 0

    (root / "extra.schema.json").unlink()
    assert generate_schemas.main(["--overlays", "--check"], root=root) == 1
    assert generate_schemas.main(["--overlays"], root=root) == 0
    assert not (root / "extra.overlay.schema.json").exists()
    assert not (root / "extra.overlay.schema.json.sha256").exists()


def test_check_notices_a_hand_edited_generated_file(tmp_path: Path) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    path = root / "openmetadata/1.13/server-connection.schema.json"
    path.write_text(path.read_text().replace('"openmetadata"', '"openmetadatA"', 1))
    assert generate_schemas.main(["--overlays", "--check"], root=root) == 1


def refs(node: Any) -> list[str]:
    """Every ``$ref`` value anywhere in a JSON document."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def load_file_text(text: str) -> Any:
    """A YAML overlay as the loader reads it (tags applied), as plain data."""
    return load_text(dedent(text).lstrip("\n"), "overlay.yaml").plain()


def test_every_reference_is_a_file_and_a_pointer_so_no_schema_needs_crawling() -> None:
    # check/schemas.py registers the files without crawling them: an `$id` or anchor inside a
    # schema would not be found.
    for path in schema_files():
        text = path.read_text()
        for keyword in ('"$id"', '"$anchor"', '"$dynamicAnchor"', '"$dynamicRef"'):
            assert keyword not in text, (path.name, keyword)
        fragments = {ref.partition("#")[2] for ref in refs(json.loads(text))}
        assert all(not f or f.startswith("/") for f in fragments), path.name


def committed(line: str) -> dict[str, Any]:
    """The committed base schemas of ``line``, as openmetadata_schemas() returns them."""
    return {f"openmetadata/{line}/{name}": json.loads(
        (SCHEMAS / "openmetadata" / line / name).read_text())
        for name in ("workflow.schema.json", "server-connection.schema.json")}


def test_generating_one_line_leaves_the_other_lines_files_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    monkeypatch.setattr(generate_schemas, "openmetadata_schemas", lambda: committed("1.12"))
    monkeypatch.setattr(generate_schemas, "installed_line", lambda: "1.12")
    (root / "openmetadata/1.12/left-over.schema.json").write_text("{}")
    assert generate_schemas.main(["--check"], root=root) == 1
    assert generate_schemas.main([], root=root) == 0
    assert not (root / "openmetadata/1.12/left-over.schema.json").exists()
    assert generate_schemas.main(["--check"], root=root) == 0
    unchanged = [p.relative_to(root) for p in root.rglob("*.json")
                 if p.read_bytes() != (SCHEMAS / p.relative_to(root)).read_bytes()]
    assert unchanged == []


def test_the_editor_schema_follows_the_newest_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    newer = {path.replace("/2.0/", "/2.1/"): schema
             for path, schema in committed("2.0").items()}
    monkeypatch.setattr(generate_schemas, "openmetadata_schemas", lambda: newer)
    monkeypatch.setattr(generate_schemas, "installed_line", lambda: "2.1")
    assert generate_schemas.main([], root=root) == 0
    editor = json.loads((root / "workflow.schema.json").read_text())
    assert editor["properties"]["source"]["$ref"] == (
        "openmetadata/2.1/workflow.schema.json#/properties/source")
    assert (root / "openmetadata/2.1/workflow.overlay.schema.json").is_file()
    assert (root / "openmetadata/2.0/workflow.schema.json").is_file()
