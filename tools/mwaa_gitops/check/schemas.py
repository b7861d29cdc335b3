"""The JSON Schemas in ``schemas/``, compiled once per process with their cross-file refs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from mwaa_gitops.secrets import is_reference

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "schemas"
ENVIRONMENT = "environment.schema.json"
DAG = "dag.schema.json"
OPENMETADATA_WORKFLOW = "openmetadata/workflow.schema.json"


@cache
def validator(name: str) -> Any:
    """A Draft 2020-12 validator for ``schemas/<name>``; relative ``$ref``s resolve on disk."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def retrieve(uri: str) -> Resource[Any]:
        contents = json.loads(Path(uri.removeprefix("file://")).read_text())
        return Resource.from_contents(contents, default_specification=DRAFT202012)

    path = SCHEMA_DIR / name
    # The file's own URI as base, so relative refs ("dag.schema.json") resolve beside it.
    schema = {**json.loads(path.read_text()), "$id": path.as_uri()}
    formats = FormatChecker(formats=())
    # A secret field may only hold a reference: jsonschema reports it as a format error.
    formats.checks("password")(lambda value: not isinstance(value, str) or is_reference(value))
    registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    return Draft202012Validator(schema, registry=registry, format_checker=formats)
