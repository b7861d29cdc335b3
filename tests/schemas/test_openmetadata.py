"""The OpenMetadata schemas against openmetadata-ingestion's own models (one probe per session)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema.exceptions import best_match

from tests.schemas.cases import MISTAKES, NARROWED, VALID
from tests.schemas.conftest import SCHEMAS, errors

pytestmark = pytest.mark.openmetadata

OM_WORKFLOW = "openmetadata/workflow.schema.json"
# The generated files' roots carry our titles; these are the models they stand for.
ROOT_MODELS = {OM_WORKFLOW: "OpenMetadataWorkflowConfig",
               "openmetadata/server-connection.schema.json": "OpenMetadataConnection"}


def test_committed_schemas_are_up_to_date_with_the_pinned_release(
        openmetadata: dict[str, Any]) -> None:
    check = openmetadata["check"]
    assert check["code"] == 0, check["output"]


def test_example_workflows_are_accepted_by_openmetadata(openmetadata: dict[str, Any],
                                                        examples: dict[str, Any]) -> None:
    verdicts = openmetadata["verdicts"]
    rejected = {name: verdicts[f"example: {name}"] for name in examples
                if verdicts[f"example: {name}"] is not None}
    assert examples and rejected == {}


@pytest.mark.parametrize("name", VALID)
def test_valid_variant_is_accepted_by_openmetadata_and_the_schema(
        openmetadata: dict[str, Any], name: str) -> None:
    assert openmetadata["verdicts"][f"valid: {name}"] is None
    assert [e.message for e in errors(OM_WORKFLOW, VALID[name])] == []


@pytest.mark.parametrize("name", MISTAKES)
def test_mistake_is_rejected_by_openmetadata_and_the_schema_at_its_place(
        openmetadata: dict[str, Any], name: str) -> None:
    config, where = MISTAKES[name]
    assert openmetadata["verdicts"][f"mistake: {name}"] is not None
    found = errors(OM_WORKFLOW, config)
    assert found, "the schema accepts it"
    best = best_match(found)
    assert tuple(best.absolute_path) == where, best.message


@pytest.mark.parametrize("name", NARROWED)
def test_what_the_product_narrows_away_is_rejected_though_the_model_allows_it(
        openmetadata: dict[str, Any], name: str) -> None:
    assert openmetadata["verdicts"][f"narrowed: {name}"] is None
    assert errors(OM_WORKFLOW, NARROWED[name])


def test_unknown_keys_are_rejected_exactly_where_the_model_forbids_them(
        openmetadata: dict[str, Any]) -> None:
    models = openmetadata["models"]
    compared = 0
    for model, schema in object_schemas():
        facts = models.get(model, {})
        if "extra" not in facts:
            continue
        compared += 1
        forbids = schema.get("additionalProperties") is False
        assert forbids == (facts["extra"] == "forbid"), model
    assert compared >= 40


def test_secret_fields_are_exactly_the_models_secrets(openmetadata: dict[str, Any]) -> None:
    models = openmetadata["models"]
    compared = 0
    for model, schema in object_schemas():
        facts = models.get(model, {})
        if "secrets" not in facts:
            continue
        compared += 1
        marked = sorted(name for name, prop in schema.get("properties", {}).items()
                        if '"format": "password"' in json.dumps(prop))
        assert marked == facts["secrets"], model
    assert compared >= 40
    assert any(facts.get("secrets") for facts in models.values())


def object_schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    """(model name, schema) for the roots and object definitions of the generated files."""
    for path, root_model in ROOT_MODELS.items():
        schema = json.loads((SCHEMAS / path).read_text())
        yield root_model, schema
        for definition in schema.get("$defs", {}).values():
            if definition.get("type") == "object" and "title" in definition:
                yield definition["title"], definition
