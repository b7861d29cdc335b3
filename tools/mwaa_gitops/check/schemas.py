"""The JSON Schemas in ``schemas/``, compiled once per process with their cross-file refs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from mwaa_gitops.patterns import schema_pattern
from mwaa_gitops.secrets import is_reference

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "schemas"
ENVIRONMENT = "environment.schema.json"
DAG = "dag.schema.json"
OPENMETADATA_WORKFLOW = "openmetadata/workflow.schema.json"


@cache
def _registry() -> Any:
    """Every schema file, loaded and crawled once (a lazily retrieving registry would not
    keep what it fetched, and re-crawling the OpenMetadata schemas dominated check time)."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        (path.as_uri(), Resource.from_contents(json.loads(path.read_text()),
                                                default_specification=DRAFT202012))
        for path in sorted(SCHEMA_DIR.rglob("*.schema.json"))
        if not path.name.endswith(".overlay.schema.json")  # for editors only
    ]
    return Registry().with_resources(resources).crawl()


@cache
def validator(name: str) -> Any:
    """A Draft 2020-12 validator for ``schemas/<name>``; relative ``$ref``s resolve beside it."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.validators import extend

    path = SCHEMA_DIR / name
    # The file's own URI as base, so relative refs ("dag.schema.json") resolve beside it.
    schema = {**json.loads(path.read_text()), "$id": path.as_uri()}
    formats = FormatChecker(formats=())
    # A secret field may only hold a reference: jsonschema reports it as a format error.
    formats.checks("password")(lambda value: not isinstance(value, str) or is_reference(value))
    formats.checks("airflow-schedule", raises=ValueError)(_schedule)
    cls = extend(Draft202012Validator, {"$ref": _remember_valid(
        Draft202012Validator.VALIDATORS["$ref"]), "pattern": _whole_pattern})
    return cls(schema, registry=_registry(), format_checker=formats)


def _schedule(value: object) -> bool:
    """A schedule Airflow accepts; the reason it would not becomes the error's cause."""
    from mwaa_gitops.check.schedule import schedule_problem

    problem = schedule_problem(value) if isinstance(value, str) else None
    if problem is not None:
        raise ValueError(problem)
    return True


def _whole_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """``pattern`` with JSON Schema's meaning of ``$`` (the end of the value), where jsonschema
    applies Python's (which also matches before a final newline)."""
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and not schema_pattern(pattern).search(instance):
        yield ValidationError(f"{_short(instance)!r} does not match {pattern!r}")


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _remember_valid(ref: Any) -> Any:
    """``$ref`` that skips subtrees it already found valid against the same target.

    Workflows of one environment share large identical parts (the OpenMetadata server
    config, sourceConfig, sink), so most referenced subtrees are validated once, not once
    per workflow. Only successes are remembered: errors are always computed afresh.
    """
    valid: set[tuple[int, str, str]] = set()

    def cached(validator: Any, target: str, instance: Any, schema: Any) -> Any:
        if not isinstance(instance, (dict, list)):
            yield from ref(validator, target, instance, schema)
            return
        key = (id(schema), target, json.dumps(instance, sort_keys=True, default=str))
        if key in valid:
            return
        errors = list(ref(validator, target, instance, schema))
        if not errors:
            valid.add(key)
        yield from errors

    return cached
