"""The JSON Schemas in ``schemas/``, compiled once per process with their cross-file refs.

OpenMetadata's workflow schema exists once per supported openmetadata-ingestion minor line
(``openmetadata/<major.minor>/``); a validator loads only the files its schema refers to, so
checking one line's workflows never reads another line's.

Two engines read the same files. jsonschema-rs (compiled) answers whether a value is valid, in
microseconds; only a value it rejects (or cannot read) goes to jsonschema, whose errors carry
what the messages need: paths, the union branches tried, the schema that failed. jsonschema is
the reference: a value it accepts is valid, whatever the fast engine said.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from mwaa_gitops.check.patterns import python_space, schema_pattern
from mwaa_gitops.check.secrets import is_reference
from mwaa_gitops.facts.requirements_data import major_minor

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "schemas"
ENVIRONMENT = "environment.schema.json"
DAG = "dag.schema.json"
OPENMETADATA = "openmetadata"
WORKFLOW_FILE = "workflow.schema.json"
# A reference to another file: the part of a `$ref` before its `#`.
FILE_REF = re.compile(r'"\$ref":\s*"([^"#]+)')


@cache
def supported_lines() -> tuple[str, ...]:
    """The openmetadata-ingestion minor lines with a workflow schema, oldest first."""
    found = [path.parent.name for path in (SCHEMA_DIR / OPENMETADATA).glob(f"*/{WORKFLOW_FILE}")]
    return tuple(sorted((line for line in found if major_minor(line)),
                        key=lambda line: major_minor(line) or (0, 0)))


def line_of(version: str) -> str | None:
    """The supported line (``"1.13"``) an openmetadata-ingestion release (``"1.13.6.3"``) or
    line belongs to; None when it has no schemas."""
    parts = major_minor(version)
    line = f"{parts[0]}.{parts[1]}" if parts else None
    return line if line in supported_lines() else None


def workflow_schema(line: str | None = None) -> str:
    """The name of the OpenMetadata workflow schema of ``line`` (default: the newest)."""
    return f"{OPENMETADATA}/{line or supported_lines()[-1]}/{WORKFLOW_FILE}"


@cache
def _text(name: str) -> str:
    return (SCHEMA_DIR / name).read_text(encoding="utf-8")


@cache
def _reachable(name: str) -> tuple[str, ...]:
    """``name`` and every schema file its references reach, by path below schemas/."""
    seen: dict[str, None] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen[current] = None
        folder = Path(current).parent
        todo.extend((folder / ref).as_posix() for ref in FILE_REF.findall(_text(current))
                    if "://" not in ref)
    return tuple(sorted(seen))


@cache
def _registry(names: tuple[str, ...]) -> Any:
    """The given schema files, loaded once and registered under their file URIs (a lazily
    retrieving registry would not keep what it fetched). Not crawled: every reference is a
    file URI plus a JSON pointer, found without it, and crawling a line's workflow schema
    cost more than loading it (measured: 20-30 ms against 11 ms)."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        ((SCHEMA_DIR / name).as_uri(), Resource.from_contents(
            json.loads(_text(name)), default_specification=DRAFT202012))
        for name in names
    ]
    return Registry().with_resources(resources)


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


def _formats() -> dict[str, Callable[[str], bool]]:
    formats: dict[str, Callable[[str], bool]] = dict.fromkeys(FORMATS_NOT_CHECKED, _accept)
    formats["password"] = is_reference
    formats["airflow-schedule"] = _is_schedule
    return formats


def _compiled(name: str, formats: dict[str, Callable[[str], bool]]) -> Any:
    """jsonschema-rs for ``schemas/<name>``: referenced files are read when first needed, and
    formats mean what they mean to the explaining engine (ours checked, the others not)."""
    import jsonschema_rs

    # The file's own URI as base, so relative refs ("dag.schema.json") resolve beside it.
    schema = {**_for_compiled(json.loads(_text(name))), "$id": (SCHEMA_DIR / name).as_uri()}
    return jsonschema_rs.Draft202012Validator(schema, retriever=_retrieve, formats=formats,
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
    return _for_compiled(json.loads(_text(uri.removeprefix(base))))


def _for_compiled(schema: Any) -> Any:
    r"""``schema`` (just parsed; changed in place) with each ``pattern`` as Python reads it where
    the two dialects part towards accepting more: ``\s`` written out as Python's set of spaces.
    (Where ECMA-262 is stricter, ``\d``, ``\w``, ``\S`` and ``.``, a value it rejects only takes
    the explaining path.)"""
    if isinstance(schema, dict):
        for key, value in schema.items():  # in place: the schema was just parsed for this
            if key == "pattern" and isinstance(value, str):
                schema[key] = python_space(value)
            else:
                _for_compiled(value)
    elif isinstance(schema, list):
        for value in schema:
            _for_compiled(value)
    return schema


@cache
def explaining(name: str) -> Any:
    """The jsonschema (Draft 2020-12) validator for ``schemas/<name>``, whose errors say why."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.validators import extend

    uri = (SCHEMA_DIR / name).as_uri()
    registry = _registry(_reachable(name))
    # The file's own URI as base, so relative refs ("dag.schema.json") resolve beside it.
    schema = {**registry[uri].contents, "$id": uri}
    formats = FormatChecker(formats=())
    # A secret field may only hold a reference: jsonschema reports it as a format error.
    formats.checks("password")(lambda value: not isinstance(value, str) or is_reference(value))
    formats.checks("airflow-schedule", raises=ValueError)(_schedule)
    cls = extend(Draft202012Validator, {"$ref": _remember_valid(
        Draft202012Validator.VALIDATORS["$ref"]), "pattern": _whole_pattern})
    return cls(schema, registry=registry, format_checker=formats)


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
