"""The OpenMetadata schemas against openmetadata-ingestion's own models (one probe per line and
session)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema.exceptions import best_match

from tests.schemas.cases import MISTAKES, VALID
from tests.schemas.conftest import LINES, SCHEMAS, errors

pytestmark = pytest.mark.openmetadata


def om_workflow(line: str) -> str:
    return f"openmetadata/{line}/workflow.schema.json"


def root_models(line: str) -> dict[str, str]:
    """The generated files' roots carry our titles; these are the models they stand for."""
    return {om_workflow(line): "OpenMetadataWorkflowConfig",
            f"openmetadata/{line}/server-connection.schema.json": "OpenMetadataConnection"}


@pytest.mark.parametrize("line", LINES)
def test_committed_schemas_are_up_to_date_with_the_lines_release(
        openmetadata: dict[str, dict[str, Any]], line: str) -> None:
    check = openmetadata[line]["check"]
    assert check["code"] == 0, check["output"]


def test_example_workflows_are_accepted_by_openmetadata(
        openmetadata: dict[str, dict[str, Any]], examples: dict[str, Any]) -> None:
    verdicts = openmetadata[LINES[-1]]["verdicts"]
    rejected = {name: verdicts[f"example: {name}"] for name in examples
                if verdicts[f"example: {name}"] is not None}
    assert examples and rejected == {}


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("name", VALID)
def test_valid_variant_is_accepted_by_openmetadata_and_the_schema(
        openmetadata: dict[str, dict[str, Any]], name: str, line: str) -> None:
    assert openmetadata[line]["verdicts"][f"valid: {name}"] is None
    assert [e.message for e in errors(om_workflow(line), VALID[name])] == []


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("name", MISTAKES)
def test_mistake_is_rejected_by_openmetadata_and_the_schema_at_its_place(
        openmetadata: dict[str, dict[str, Any]], name: str, line: str) -> None:
    config, where = MISTAKES[name]
    assert openmetadata[line]["verdicts"][f"mistake: {name}"] is not None
    found = errors(om_workflow(line), config)
    assert found, "the schema accepts it"
    best = best_match(found)
    assert tuple(best.absolute_path) == where, best.message


@pytest.mark.parametrize("line", LINES)
def test_unknown_keys_are_rejected_exactly_where_the_model_forbids_them(
        openmetadata: dict[str, dict[str, Any]], line: str) -> None:
    models = openmetadata[line]["models"]
    compared = 0
    for model, schema in object_schemas(line):
        facts = models.get(model, {})
        if "extra" not in facts:
            continue
        compared += 1
        forbids = schema.get("additionalProperties") is False
        assert forbids == (facts["extra"] == "forbid"), model
    assert compared >= 300


@pytest.mark.parametrize("line", LINES)
def test_secret_fields_are_exactly_the_models_secrets(
        openmetadata: dict[str, dict[str, Any]], line: str) -> None:
    models = openmetadata[line]["models"]
    compared = 0
    for model, schema in object_schemas(line):
        facts = models.get(model, {})
        if "secrets" not in facts:
            continue
        compared += 1
        marked = sorted(name for name, prop in schema.get("properties", {}).items()
                        if '"format": "password"' in json.dumps(prop))
        assert marked == facts["secrets"], model
    assert compared >= 300
    assert sum(bool(facts.get("secrets")) for facts in models.values()) >= 50


@pytest.mark.parametrize("line", LINES)
def test_required_keys_are_exactly_the_models_required_fields(
        openmetadata: dict[str, dict[str, Any]], line: str) -> None:
    models = openmetadata[line]["models"]
    compared = 0
    for model, schema in object_schemas(line):
        facts = models.get(model, {})
        if "required" not in facts:
            continue
        compared += 1
        assert sorted(schema.get("required", [])) == facts["required"], model
    assert compared >= 300


def object_schemas(line: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(model name, schema) for the roots and object definitions of the generated files."""
    for path, root_model in root_models(line).items():
        schema = json.loads((SCHEMAS / path).read_text())
        yield root_model, schema
        for definition in schema.get("$defs", {}).values():
            if definition.get("type") == "object" and "title" in definition:
                yield definition["title"], definition
