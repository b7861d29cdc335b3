"""The JSON Schemas in ``schemas/``, compiled once per process with their cross-file refs.

Two engines read the same files. jsonschema-rs (compiled) answers whether a value is valid, in
microseconds; only a value it rejects (or cannot read) goes to jsonschema, whose errors carry
what the messages need: paths, the union branches tried, the schema that failed. jsonschema is
the reference: a value it accepts is valid, whatever the fast engine said.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
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


class Validator:
    """``iter_errors`` of a schema: nothing at once for what the compiled engine accepts, the
    explaining engine's errors otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.formats = _formats()
        self.fast = _compiled(name, self.formats)

    def accepts(self, instance: Any) -> bool:
        """The compiled engine's yes; its no, or data it cannot read (a str subclass, an int
        beyond 64 bits), is left to jsonschema."""
        try:
            return bool(self.fast.is_valid(instance))
        except (ValueError, TypeError, OverflowError):
            return False

    def is_valid(self, instance: Any) -> bool:
        return self.accepts(instance) or not any(True for _ in self.iter_errors(instance))

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        if self.accepts(instance):
            return iter(())
        errors: Iterator[Any] = explaining(self.name).iter_errors(instance)
        return errors


@cache
def validator(name: str) -> Validator:
    """The validator for ``schemas/<name>``; relative ``$ref``s resolve beside it."""
    return Validator(name)


def _schema(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / name
    # The file's own URI as base, so relative refs ("dag.schema.json") resolve beside it.
    return {**json.loads(path.read_text()), "$id": path.as_uri()}


def _formats() -> dict[str, Callable[[str], bool]]:
    formats: dict[str, Callable[[str], bool]] = dict.fromkeys(FORMATS_NOT_CHECKED, _accept)
    formats["password"] = is_reference
    formats["airflow-schedule"] = _is_schedule
    return formats


def _compiled(name: str, formats: dict[str, Callable[[str], bool]]) -> Any:
    """jsonschema-rs for ``schemas/<name>``: referenced files are read when first needed, and
    formats mean what they mean to the explaining engine (ours checked, the others not)."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(_schema(name), retriever=_retrieve, formats=formats,
                                              validate_formats=True)


# Formats of JSON Schema that the explaining engine does not check (its FormatChecker knows only
# ours), so the compiled one must not either: a value it rejected would only cost time.
FORMATS_NOT_CHECKED = (
    "date", "date-time", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template",
    "json-pointer", "relative-json-pointer", "regex")


def _accept(value: str) -> bool:
    return True


@lru_cache(maxsize=4096)
def _is_schedule(value: str) -> bool:
    """Parsing a cron expression costs as much as checking a whole workflow, and most DAGs of a
    repository share a few schedules: each distinct one is parsed once."""
    from mwaa_gitops.check.schedule import schedule_problem

    return schedule_problem(value) is None


def _retrieve(uri: str) -> Any:
    """A schema file that another one refers to (only files beside the schemas)."""
    base = SCHEMA_DIR.as_uri() + "/"
    if not uri.startswith(base):
        raise ValueError(f"schema reference outside {SCHEMA_DIR}: {uri}")
    return json.loads((SCHEMA_DIR / uri.removeprefix(base)).read_text())


@cache
def explaining(name: str) -> Any:
    """The jsonschema (Draft 2020-12) validator for ``schemas/<name>``, whose errors say why."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.validators import extend

    schema = _schema(name)
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
