#!/usr/bin/env python3
"""Derive the JSON Schemas in schemas/ from openmetadata-ingestion's own pydantic models.

    python scripts/generate_schemas.py             write the schemas of the installed release's
                                                   line, and every file derived from the
                                                   committed ones
    python scripts/generate_schemas.py --check     exit 1 if a committed file differs from what
                                                   it writes
    python scripts/generate_schemas.py --overlays  only the derived files (editor schema, overlay
                                                   variants), from the committed base schemas
                                                   (needs no openmetadata-ingestion)

Run the first two once per supported minor line, each with a Python that has that line's
openmetadata-ingestion installed: ``make schemas`` runs the first under each line's test venv
(``tests/support/venvs.py`` builds it from ``tests/support/openmetadata*.lock``; the tests in
``tests/schemas`` run ``--check`` there), ``make check-data`` runs ``--overlays --check``. What
is derived, and how:

* ``openmetadata/<major.minor>/workflow.schema.json``: the whole
  ``OpenMetadataWorkflowConfig.model_json_schema()``: every connector, every ``sourceConfig``,
  ``processor``/``stage``/``sink``/``bulkSink``; a ``metadata-rest`` sink's ``config`` is
  required and checked as that sink reads it at start.
* ``openmetadata/<major.minor>/server-connection.schema.json``: ``OpenMetadataConnection`` alone;
  the workflow schema refers to it for ``workflowConfig.openMetadataServerConfig``, and
  ``environment.schema.json`` for an environment's ``openmetadata.server``.
* ``workflow.schema.json``: a workflow file as an editor sees it, the newest line's workflow plus
  our ``dag:`` block; the file may leave ``workflowConfig.openMetadataServerConfig`` to its
  environment.
* ``<name>.overlay.schema.json`` for every ``<name>.schema.json`` here, generated or hand-written:
  the same constraints without ``required`` (an overlay sets only what differs), and ``null``
  allowed wherever a value may stand, since that is what a ``!delete`` tag leaves in a file.

pydantic output is tidied where it hurts error messages: ``X | None`` becomes ``X`` (a config
leaves an optional key out rather than writing null, and the union would turn every mistake into
"not valid under any of the given schemas"), titles pydantic made up from field names and defaults
that do not fit their field are dropped, and a union of objects told apart by a one-value ``type``
field dispatches on that field, so a mistake in a Postgres connection is reported against the
Postgres connection alone and a misspelt ``type`` against the list of valid ones. A service
connection (a union of per-service wrappers, each a union of connectors) dispatches on its
``config.type`` the same way.
Unknown keys are rejected exactly where the model forbids extras (pydantic writes
``additionalProperties: false`` for those); every secret field keeps pydantic's
``"format": "password"``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import posixpath
import re
import sys
import typing
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent / "schemas"  # what it writes
# How its messages and the files it writes name this script.
SCRIPT = "scripts/generate_schemas.py"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SUFFIX = ".schema.json"
OVERLAY_SUFFIX = ".overlay.schema.json"
OM_DIR = "openmetadata"
WORKFLOW_FILE = "workflow.schema.json"
SERVER_FILE = "server-connection.schema.json"
WORKFLOW = "workflow.schema.json"
# A line's folder below openmetadata/: its major.minor.
LINE = re.compile(r"\d+\.\d+")
DAG = "dag.schema.json"
DEFS = "#/$defs/"
# Filled into every workflow from its environment's `openmetadata.server`.
SERVER_KEY = "openMetadataServerConfig"
PACKAGE = "openmetadata-ingestion"
# The sink whose config the workflow hands to a model of its own (MetadataRestSinkConfig).
SINK_TYPE = "metadata-rest"
# How a generated schema's $comment names the release it came from.
ORIGIN = re.compile(rf"from ({PACKAGE} [^\s:]+)")

Schema = dict[str, Any]
# pydantic copies a model's Python-only inline flag into its patterns (EntityLink's `(?u)`).
PYTHON_UNICODE_FLAG = "(?u)"
NULL: Schema = {"type": "null"}
# The strings pydantic's lax mode reads as an integer, a number and a boolean (measured on
# pydantic 2.11 and 2.14); JSON Schema patterns have no case-insensitive flag.
LAX_STRINGS = {
    "integer": r"^\s*[+-]?\d+(_\d+)*(\.0*)?\s*$",
    "number": r"^\s*[+-]?(\d+(_\d+)*(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$",
    "boolean": "^(" + "|".join("".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)
                                for word in ("true", "false", "yes", "no", "on", "off", "t", "f",
                                             "y", "n", "1", "0")) + ")$",
}

# Keywords whose value is a map of subschemas, a list of subschemas, or one subschema.
SCHEMA_MAPS = ("$defs", "properties", "patternProperties", "dependentSchemas")
SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
SCHEMA_VALUES = ("additionalProperties", "items", "not", "if", "then", "else", "contains",
                 "propertyNames", "unevaluatedProperties", "unevaluatedItems")
# Keywords that only describe a value; they stay outside a wrapper added around a schema.
ANNOTATIONS = ("title", "description", "default", "examples", "$comment", "deprecated",
               "readOnly", "writeOnly")
JSON_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


class GenerateError(Exception):
    """The models are not shaped as this script expects (a new OpenMetadata release?)."""


# --------------------------------------------------------------------------- OpenMetadata part

def line_of(version: str) -> str:
    """``"1.13.6.3"`` → ``"1.13"``: the folder of a release's schemas below openmetadata/."""
    found = LINE.match(version)
    if not found:
        raise GenerateError(f"{PACKAGE} {version} has no major.minor")
    return found[0]


def installed_line() -> str:
    """The minor line of the openmetadata-ingestion this Python has."""
    return line_of(importlib.metadata.version(PACKAGE))


def line_paths(line: str) -> tuple[str, str]:
    """The workflow and server-connection schema paths of one minor line."""
    return f"{OM_DIR}/{line}/{WORKFLOW_FILE}", f"{OM_DIR}/{line}/{SERVER_FILE}"


def openmetadata_schemas() -> dict[str, Schema]:
    """The installed release's OpenMetadata schemas, keyed by their path below schemas/."""
    from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (  # noqa: E501
        OpenMetadataConnection,
    )
    from metadata.generated.schema.entity.services.connections.serviceConnection import (
        ServiceConnection,
    )
    from metadata.generated.schema.metadataIngestion.workflow import (
        OpenMetadataWorkflowConfig,
        Sink,
    )
    from metadata.ingestion.sink.metadata_rest import MetadataRestSinkConfig

    version = importlib.metadata.version(PACKAGE)
    workflow_path, server_path = line_paths(line_of(version))
    comment = f"Generated by {SCRIPT} from {PACKAGE} {version}: edit the script, not this file."

    server = finish(OpenMetadataConnection.model_json_schema(), OpenMetadataConnection)
    server = {
        "$schema": DRAFT, "$comment": comment, **server,
        "title": f"OpenMetadata server connection ({PACKAGE} {line_of(version)})",
        "description": "How ingestion reaches the OpenMetadata server (OpenMetadataConnection): "
                       "a workflow's workflowConfig.openMetadataServerConfig.",
    }

    raw = OpenMetadataWorkflowConfig.model_json_schema()
    defs = raw["$defs"]
    name_of = def_names(defs, OpenMetadataWorkflowConfig)
    # A metadata-rest sink validates the config the workflow hands it as a map at start:
    # leaving it out fails there.
    sink_config = MetadataRestSinkConfig.model_json_schema()
    if "$defs" in sink_config or MetadataRestSinkConfig.__name__ in defs:
        raise GenerateError("MetadataRestSinkConfig no longer fits in as one definition")
    defs[MetadataRestSinkConfig.__name__] = sink_config
    sink = defs[name_of[Sink]]
    if sink.get("properties", {}).get("type", {}).get("type") != "string":
        raise GenerateError("Sink.type is no longer a free-form string")
    sink["allOf"] = [*sink.get("allOf", []), {
        "if": {"required": ["type"], "properties": {"type": {"const": SINK_TYPE}}},
        "then": {"required": ["config"],
                 "properties": {"config": {"$ref": DEFS + MetadataRestSinkConfig.__name__}}},
    }]
    wrappers = name_of[ServiceConnection]
    # The server connection lives in its own file, shared with environment.yaml's schema.
    server_ref = DEFS + name_of[OpenMetadataConnection]
    workflow = finish(raw, OpenMetadataWorkflowConfig, wrapper_unions=(wrappers,),
                      moved={server_ref: posixpath.basename(server_path)})
    workflow = {
        "$schema": DRAFT, "$comment": comment, **workflow,
        "title": f"OpenMetadata ingestion workflow ({PACKAGE} {line_of(version)})",
        "description": "What `metadata ingest` reads (OpenMetadataWorkflowConfig): every "
                       "connector and workflow kind of this release.",
    }
    return {workflow_path: workflow, server_path: server}


def model_classes(root: type) -> list[type]:
    """Every pydantic model and Enum reachable from ``root`` through field annotations."""
    from pydantic import BaseModel

    seen: dict[type, None] = {}
    todo: list[object] = [root]
    while todo:
        item = todo.pop()
        todo.extend(typing.get_args(item))
        if not isinstance(item, type) or item in seen:
            continue
        if issubclass(item, BaseModel):
            seen[item] = None
            todo.extend(field.annotation for field in item.model_fields.values())
        elif issubclass(item, Enum):
            seen[item] = None
    return list(seen)


def def_names(defs: Schema, root: type) -> dict[type, str]:
    """The ``$defs`` name pydantic gave each model class reachable from ``root``.

    pydantic names a definition after its class, after module and class joined by ``__`` when
    two different classes share a name, and lets same-named classes with equal schemas share one.
    """
    by_name: dict[str, list[type]] = {}
    for cls in model_classes(root):
        by_name.setdefault(cls.__name__, []).append(cls)
    found: dict[type, str] = {}
    for name in defs:
        module, _, cls_name = name.rpartition("__")
        candidates = by_name.get(cls_name, [])
        if module:
            candidates = [c for c in candidates if c.__module__ == module.replace("__", ".")]
        if not candidates:
            raise GenerateError(f"cannot tell which model the definition {name!r} stands for")
        found.update(dict.fromkeys(candidates, name))
    return found


def finish(schema: Schema, root: type, wrapper_unions: tuple[str, ...] = (),
           moved: dict[str, str] | None = None) -> Schema:
    """Tidy pydantic's output, dispatch tagged unions, drop unused and rename definitions.

    ``wrapper_unions`` name definitions that are unions of wrappers around a tagged ``config``
    union (a service connection): those dispatch on ``config.type``. ``moved`` maps references
    to definitions that live in another file to that file.
    """
    schema = map_schema(schema, tidy)
    defs = schema.get("$defs", {})
    for name in wrapper_unions:
        defs[name] = dispatch_wrapped(defs[name], defs)
    schema = map_schema(schema, lambda node: dispatch(node, defs))
    if moved:
        schema = map_schema(schema, lambda node: {**node, "$ref": moved[node["$ref"]]}
                            if node.get("$ref") in moved else node)
    schema = prune(schema)
    schema = rename_defs(schema)
    if schema.get("title") == root.__name__:
        del schema["title"]
    return schema


def tidy(node: Schema) -> Schema:
    """One schema node without pydantic's noise (applied innermost first)."""
    if "anyOf" in node:
        members = [m for m in node["anyOf"] if m != NULL]
        takes_null = len(members) < len(node["anyOf"])
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        if len(members) == 1:
            # `X | None` as X that also takes null, not as a union: a union would turn every
            # mistake into "not valid under any of the given schemas".
            node = {**members[0], **rest}
            node = nullable(node) if takes_null else node
        else:
            node = {**rest, "anyOf": [*members, *([NULL] if takes_null else [])]}
    if "default" in node and (node["default"] is None or not fits(node["default"], node)):
        node = {k: v for k, v in node.items() if k != "default"}
    if isinstance(node.get("required"), list):
        node = {**node, "required": sorted(node["required"])}
    pattern = node.get("pattern")
    if isinstance(pattern, str) and pattern.startswith(PYTHON_UNICODE_FLAG):
        # Python's inline flag is no ECMA 262 syntax (editors reject the pattern); Python 3
        # and JSON Schema's `u` mode match Unicode without it.
        node = {**node, "pattern": pattern.removeprefix(PYTHON_UNICODE_FLAG)}
    props = node.get("properties")
    if isinstance(props, dict):
        node = {**node, "properties": {
            name: {k: v for k, v in sub.items() if not (k == "title" and v in made_up(name))}
            for name, sub in props.items()}}
    return lax(node)


def nullable(node: Schema) -> Schema:
    """``node`` that also accepts null (the model reads it as "not set")."""
    if node.get("anyOf") and NULL in node["anyOf"]:
        return node
    if "$ref" in node or composed(node):
        inner = {k: v for k, v in node.items() if k not in ANNOTATIONS}
        return {**{k: v for k, v in node.items() if k in ANNOTATIONS}, "anyOf": [inner, NULL]}
    return deletable(node)


def lax(node: Schema) -> Schema:
    """``node`` that also takes the strings pydantic's lax mode parses as its number or boolean
    (a YAML author's quoted ``'1'``), marked with ``x-lax`` so messages name the real type."""
    kinds = node.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(kinds, list) or "string" in kinds or "x-lax" in node:
        return node
    lax_kind = next((k for k in ("integer", "number", "boolean") if k in kinds), None)
    if lax_kind is None or "enum" in node or "const" in node:
        return node
    return {**node, "type": [*kinds, "string"], "pattern": LAX_STRINGS[lax_kind],
            "x-lax": lax_kind}


def made_up(field: str) -> set[str]:
    """The titles pydantic writes for a field that has none of its own."""
    return {field.replace("_", " ").title(), field.title().replace("_", " ")}


def fits(value: object, node: Schema) -> bool:
    """Whether a default value is of the node's declared type and among its values."""
    kind = node.get("type")
    kinds = [kind] if isinstance(kind, str) else kind or []
    if kinds and not any(JSON_TYPES[k](value) for k in kinds):
        return False
    return not ("enum" in node and value not in node["enum"])


def dispatch(node: Schema, defs: Schema) -> Schema:
    """A union of objects told apart by a field with one distinct value in each (``type``, or
    another such as ``dbtConfigType``), checked by that field."""
    members = [m for m in node.get("anyOf", []) if m != NULL]
    takes_null = len(members) < len(node.get("anyOf", []))
    if len(members) < 2 or any(set(m) != {"$ref"} for m in members):
        return node
    field, tags = discriminator(defs, [m["$ref"] for m in members])
    if field is None:
        return node
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    untagged = {"type": "object", "not": {"required": [field]}}
    # Two members may share a value (AutoClassification of databases and of storage): the
    # model accepts either of those.
    by_tag: dict[str, list[Schema]] = {}
    for tag, member in zip(tags, members, strict=True):
        by_tag.setdefault(tag, []).append(member)
    cases = [([tag], group[0] if len(group) == 1 else {"anyOf": group})
             for tag, group in by_tag.items()]
    return {
        **rest,
        "$comment": f"OpenMetadata accepts whichever of these fits; given `{field}`, only the "
                    f"one with that `{field}` can, so that one alone is checked.",
        "type": ["object", "null"] if takes_null else "object",
        "properties": {field: {"enum": list(by_tag)}},
        "allOf": [{
            "if": {"type": "object", "required": [field],
                   "properties": {field: {"enum": list(by_tag)}}},
            "then": switch(lambda values: {"properties": {field: {"enum": values}}}, cases),
            "else": {"if": untagged, "then": {"anyOf": members}},
        }],
    }


def switch(condition: Callable[[list[str]], Schema],
           cases: list[tuple[list[str], Schema]]) -> Schema:
    """The schema of the case whose values hold the instance's, found by halving the cases:
    a validator evaluates about log2(cases) conditions instead of one per case (57 database
    connectors). ``condition(values)`` holds when the instance's value is among ``values``."""
    if len(cases) == 1:
        return cases[0][1]
    half = len(cases) // 2
    return {"if": condition([value for values, _ in cases[:half] for value in values]),
            "then": switch(condition, cases[:half]), "else": switch(condition, cases[half:])}


def discriminator(defs: Schema, refs: list[str]) -> tuple[str | None, list[str]]:
    """The field (``type`` first) whose one value tells each referenced object apart."""
    targets = [defs.get(ref.removeprefix(DEFS), {}) if ref.startswith(DEFS) else {}
               for ref in refs]
    shared = set.intersection(*(set(t.get("properties", {})) for t in targets))
    for field in sorted(shared, key=lambda name: (name != "type", name)):
        tags = [type_tag(defs, ref, field) for ref in refs]
        # Mostly distinct: a value shared by a few members still narrows the check to those.
        if None not in tags and len(set(tags)) > len(tags) // 2:
            return field, [tag for tag in tags if tag is not None]
    return None, []


def type_tag(defs: Schema, ref: str, field: str = "type") -> str | None:
    """The one value an object definition's ``field`` can take, if so."""
    target = defs.get(ref.removeprefix(DEFS)) if ref.startswith(DEFS) else None
    if not target or target.get("type") != "object":
        return None
    tag = target.get("properties", {}).get(field)
    if tag and "anyOf" in tag:
        tag = next((m for m in tag["anyOf"] if m != NULL), None) if NULL in tag["anyOf"] and \
            len(tag["anyOf"]) == 2 else None
    if tag and "$ref" in tag:
        tag = defs.get(tag["$ref"].removeprefix(DEFS))
    values = (tag or {}).get("enum", [])
    if "const" in (tag or {}):
        values = [tag["const"]]
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


def dispatch_wrapped(node: Schema, defs: Schema) -> Schema:
    """A union of ``{config: <tagged union>}`` wrappers (one per kind of service), checked as
    the wrapper whose ``config`` union has a member of the given ``config.type``."""
    members = node.get("anyOf")
    if not members or any(set(m) != {"$ref"} for m in members):
        raise GenerateError("a service connection is no longer a union of wrapper models")
    tags_of: dict[str, list[str]] = {}
    for member in members:
        wrapper = defs[member["$ref"].removeprefix(DEFS)]
        config = wrapper.get("properties", {}).get("config", {})
        inner = [m for m in config.get("anyOf", [config]) if m != NULL]
        tags = [type_tag(defs, m.get("$ref", "")) for m in inner]
        if set(wrapper.get("properties", {})) != {"config"} or None in tags:
            raise GenerateError(f"{member['$ref']} is no longer a wrapper of tagged connections")
        tags_of[member["$ref"]] = [t for t in tags if t is not None]
    every = sorted({tag for tags in tags_of.values() for tag in tags})
    if len(every) != sum(map(len, tags_of.values())):
        raise GenerateError("a connector type belongs to two kinds of service")
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    untagged = {"properties": {"config": {"type": "object", "not": {"required": ["type"]}}}}
    return {
        **rest,
        "$comment": "OpenMetadata accepts whichever kind of service fits; given `config.type`, "
                    "only the one with a connector of that type can, so that one alone is "
                    "checked.",
        "type": "object",
        "properties": {"config": {"type": "object", "properties": {"type": {"enum": every}}}},
        "allOf": [{
            "if": {"required": ["config"], "properties": {"config": {
                "type": "object", "required": ["type"], "properties": {"type": {"enum": every}}}}},
            "then": switch(lambda values: {"properties": {"config": {"properties": {
                "type": {"enum": values}}}}}, [(tags, {"$ref": ref})
                                               for ref, tags in tags_of.items()]),
            "else": {"if": untagged, "then": {"anyOf": members}},
        }],
    }


def prune(schema: Schema) -> Schema:
    """Without the definitions nothing refers to."""
    defs = schema.get("$defs", {})
    body = {k: v for k, v in schema.items() if k != "$defs"}
    used: set[str] = set()
    todo = [body]
    while todo:
        for ref in refs(todo.pop()):
            name = ref.removeprefix(DEFS)
            if ref.startswith(DEFS) and name not in used:
                used.add(name)
                todo.append(defs[name])
    if used:
        body["$defs"] = {name: defs[name] for name in defs if name in used}
    return body


def rename_defs(schema: Schema) -> Schema:
    """Definitions named after their class; where classes share a name, after as much of the
    module path as tells them apart (``basicAuth.BasicAuth``, ``dashboard.qlik.x.Y``)."""
    names = list(schema.get("$defs", {}))
    short = {name: name.rpartition("__")[2] for name in names}
    taken = Counter(short.values())
    new = {}
    for name in names:
        if taken[short[name]] == 1:
            new[name] = short[name]
            continue
        rivals = [other.split("__") for other in names if short[other] == short[name]]
        parts = name.split("__")
        for length in range(2, len(parts) + 1):
            if sum(r[-length:] == parts[-length:] for r in rivals) == 1:
                break
        new[name] = ".".join(parts[-length:])
    if len(set(new.values())) != len(new):
        raise GenerateError(f"definition names collide: {sorted(new.values())}")

    def rewrite(node: Schema) -> Schema:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(DEFS):
            return {**node, "$ref": DEFS + new[ref.removeprefix(DEFS)]}
        return node

    schema = map_schema(schema, rewrite)
    if "$defs" in schema:
        schema["$defs"] = {new[name]: sub for name, sub in schema["$defs"].items()}
    return schema


# --------------------------------------------------------------------------- schema walking

def map_schema(node: Schema, fn: Callable[[Schema], Schema]) -> Schema:
    """``fn`` applied to every subschema of ``node``, innermost first."""
    out = dict(node)
    for key in SCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: map_schema(sub, fn) for name, sub in out[key].items()}
    for key in SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [map_schema(sub, fn) for sub in out[key]]
    for key in SCHEMA_VALUES:
        if isinstance(out.get(key), dict):
            out[key] = map_schema(out[key], fn)
    return fn(out)


def refs(node: Schema) -> Iterator[str]:
    """Every ``$ref`` in ``node`` and its subschemas."""
    found: list[str] = []

    def collect(sub: Schema) -> Schema:
        if isinstance(sub.get("$ref"), str):
            found.append(sub["$ref"])
        return sub

    map_schema(node, collect)
    return iter(found)


# --------------------------------------------------------------------------- editor and overlays

def editor_workflow(om_workflow: Schema, om_path: str) -> Schema:
    """A workflow file: OpenMetadata's keys (from ``om_path``) plus our ``dag:`` block.

    The file may leave out ``workflowConfig.openMetadataServerConfig``: its environment's
    ``openmetadata.server`` fills that in (the merged workflow is checked with it).
    """
    om_props = om_workflow["properties"]
    config_ref = om_props["workflowConfig"]["$ref"]
    config = om_workflow["$defs"][config_ref.removeprefix(DEFS)]
    pointer = f"{om_path}#/$defs/{config_ref.removeprefix(DEFS)}/properties"
    workflow_config = {
        "description": "OpenMetadata's workflowConfig; openMetadataServerConfig comes from the "
                       "environment's openmetadata.server unless the file sets it.",
        "type": "object",
        **{k: v for k, v in config.items() if k == "additionalProperties"},
        "properties": {name: {"$ref": f"{pointer}/{name}"} for name in config["properties"]},
    }
    required = [r for r in config.get("required", []) if r != SERVER_KEY]
    if required:
        workflow_config["required"] = required
    return {
        "$schema": DRAFT,
        "$comment": om_workflow["$comment"],
        "title": "mwaa-gitops workflow",
        "description": "environments/<name>/workflows/<workflow>.yaml: an OpenMetadata ingestion "
                       "workflow plus the `dag:` block that says how MWAA runs it (the newest "
                       "supported openmetadata-ingestion line's model; `validate` checks each "
                       "environment's workflows against its own line's).",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{name: {"$ref": f"{om_path}#/properties/{name}"} for name in om_props},
            "workflowConfig": workflow_config,
            "dag": {"$ref": DAG},
        },
        "required": om_workflow.get("required", []),
    }


def lines_under(root: Path) -> list[str]:
    """The minor lines with a workflow schema under ``root``/openmetadata, oldest first."""
    found = [p.parent.name for p in (root / OM_DIR).glob(f"*/{WORKFLOW_FILE}")
             if LINE.fullmatch(p.parent.name)]
    return sorted(found, key=lambda line: tuple(map(int, line.split("."))))


def overlay(schema: Schema, path: str, bases: set[str]) -> Schema:
    """The overlay variant of the schema at ``path``: no ``required``, ``null`` (a ``!delete``)
    accepted for any value, and file references pointing at overlay variants."""
    folder = posixpath.dirname(path)

    def ref(value: str) -> str:
        target, hash_, fragment = value.partition("#")
        if target.endswith(SUFFIX) and "://" not in target:
            resolved = posixpath.normpath(posixpath.join(folder, target))
            if resolved in bases:
                target = target.removesuffix(SUFFIX) + OVERLAY_SUFFIX
        return target + hash_ + fragment

    def walk(node: Schema, condition: bool) -> Schema:
        out: Schema = {}
        for key, value in node.items():
            if key == "required" and not condition:
                continue
            if key == "$ref" and isinstance(value, str):
                out[key] = ref(value)
            elif key in SCHEMA_MAPS and isinstance(value, dict):
                wrap = key in ("properties", "patternProperties") and not condition
                out[key] = {name: deletable(walk(sub, condition)) if wrap else walk(sub, condition)
                            for name, sub in value.items()}
            elif key in SCHEMA_LISTS and isinstance(value, list):
                out[key] = [walk(sub, condition) for sub in value]
            elif key in SCHEMA_VALUES and isinstance(value, dict):
                # `if` only selects and `not` forbids: their `required` and exact values must
                # stay as they are (dropping `required` in a `not` would forbid everything).
                inner = walk(value, condition or key in ("if", "not"))
                wrap = key in ("additionalProperties", "items") and not condition
                out[key] = deletable(inner) if wrap else inner
            else:
                out[key] = value
        return out

    result = walk(schema, condition=False)
    result["title"] = f"{schema.get('title', path)} (overlay)"
    origin = ORIGIN.search(schema.get("$comment", ""))
    result["$comment"] = (
        f"Generated by {SCRIPT} from {posixpath.basename(path)}"
        f"{f' (itself from {origin[1]})' if origin else ''}: its overlay variant, every key "
        "optional and null (what !delete leaves) accepted for any value.")
    return result


def deletable(node: Schema) -> Schema:
    """``node`` that also accepts ``null``."""
    if NULL in node.get("anyOf", []):
        return node
    if "type" not in node and "enum" not in node and "const" not in node and not composed(node):
        return node  # accepts anything already
    if composed(node) and not ("type" in node and skips_null(node)):
        inner = {k: v for k, v in node.items() if k not in ANNOTATIONS}
        return {**{k: v for k, v in node.items() if k in ANNOTATIONS},
                "anyOf": [inner, {"type": "null"}]}
    out = dict(node)
    kind = out.get("type")
    if isinstance(kind, str) and kind != "null":
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def composed(node: Schema) -> bool:
    return any(key in node for key in ("$ref", "anyOf", "oneOf", "allOf", "not", "if"))


def skips_null(node: Schema) -> bool:
    """Whether ``node``'s subschemas let null through: only conditionals null does not meet."""
    def conditional(sub: Schema) -> bool:
        condition = sub.get("if", {})
        return (set(sub) <= {"if", "then", "else"} and isinstance(condition.get("type"), str)
                and condition["type"] != "null"
                and ("else" not in sub or conditional(sub["else"])))

    if any(key in node for key in ("$ref", "anyOf", "oneOf", "not", "else")):
        return False
    if "if" in node and not conditional({"if": node["if"], "then": node.get("then", {})}):
        return False
    return all(conditional(sub) for sub in node.get("allOf", []))


# --------------------------------------------------------------------------- files

def render(schema: Schema) -> str:
    """Stable text for a schema: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def checksum_line(path: str, text: str) -> str:
    """A ``sha256sum -c`` line for the file at ``path`` (run from its folder)."""
    return f"{hashlib.sha256(text.encode()).hexdigest()}  {posixpath.basename(path)}\n"


def base_schema_paths(root: Path) -> list[str]:
    """Every hand-written or generated base schema under ``root`` (not overlays, nor what
    this script wrote directly in openmetadata/ before each line had its folder)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(f"*{SUFFIX}")
                  if not p.name.endswith(OVERLAY_SUFFIX)
                  and p.parent != root / OM_DIR)


def generated_files(root: Path, with_openmetadata: bool) -> dict[str, str]:
    """Path below ``root`` → text, for every file this script writes in that mode."""
    schemas: dict[str, Schema] = {}
    if with_openmetadata:
        with warnings.catch_warnings():
            # openmetadata-ingestion warns about its own models on import: nothing to act on.
            warnings.simplefilter("ignore")
            schemas.update(openmetadata_schemas())
    lines = sorted({*lines_under(root), *(p.split("/")[1] for p in schemas)},
                   key=lambda line: tuple(map(int, line.split("."))))
    if lines:
        newest, _ = line_paths(lines[-1])
        base = schemas.get(newest) or json.loads((root / newest).read_text(encoding="utf-8"))
        schemas[WORKFLOW] = editor_workflow(base, newest)
    # The fresh line's folder holds what was just generated, whatever is on disk there.
    fresh = {posixpath.dirname(path) for path in schemas if path.startswith(f"{OM_DIR}/")}
    bases = sorted({*(p for p in base_schema_paths(root) if posixpath.dirname(p) not in fresh),
                    *schemas})
    overlays: dict[str, Schema] = {}
    for path in bases:
        base = schemas.get(path)
        if base is None:
            base = json.loads((root / path).read_text(encoding="utf-8"))
        overlays[path.removesuffix(SUFFIX) + OVERLAY_SUFFIX] = overlay(base, path, set(bases))
    files: dict[str, str] = {}
    for path, schema in sorted({**schemas, **overlays}.items()):
        files[path] = render(schema)
        files[f"{path}.sha256"] = checksum_line(path, files[path])
    return files


def stale_files(root: Path, expected: dict[str, str], line: str | None) -> list[str]:
    """Files on disk that look generated but are not: overlays, checksums, and with ``line``
    (the installed release's) that line's folder and files directly in openmetadata/ (from
    before each line had its folder)."""
    patterns = [f"**/*{OVERLAY_SUFFIX}", f"**/*{OVERLAY_SUFFIX}.sha256", f"{WORKFLOW}.sha256"]
    if line:
        patterns += [f"{OM_DIR}/*", f"{OM_DIR}/{line}/*"]
    found = {p.relative_to(root).as_posix() for pattern in patterns for p in root.glob(pattern)
             if p.is_file()}
    return sorted(found - set(expected))


def tampered(root: Path, expected: dict[str, str]) -> list[str]:
    """Generated files not rewritten in this mode whose checksum no longer matches them."""
    bad = []
    for sums in sorted(root.rglob("*.sha256")):
        target = sums.with_name(sums.name.removesuffix(".sha256"))
        name = target.relative_to(root).as_posix()
        if name in expected or not target.is_file():
            continue
        if checksum_line(name, target.read_text(encoding="utf-8")) != sums.read_text():
            bad.append(name)
    return bad


def main(argv: list[str] | None = None, root: Path = HERE) -> int:
    """Write (or with --check, compare) the generated schemas; the exit code says if all is well."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a generated file is missing or stale")
    parser.add_argument("--overlays", action="store_true",
                        help="only the overlay variants (needs no openmetadata-ingestion)")
    args = parser.parse_args(argv)
    with_openmetadata = not args.overlays
    try:
        expected = generated_files(root, with_openmetadata)
        line = installed_line() if with_openmetadata else None
    except ModuleNotFoundError as exc:
        print(f"{SCRIPT}: {exc.name} is not importable here: run this with a Python that has "
              f"{PACKAGE} installed (`make schemas` uses the test venvs), or pass --overlays",
              file=sys.stderr)
        return 2
    except GenerateError as exc:
        print(f"{SCRIPT}: {exc}", file=sys.stderr)
        return 2
    stale = stale_files(root, expected, line)
    if args.check:
        problems = [f"{path}: missing" for path in expected if not (root / path).is_file()]
        problems += [f"{path}: out of date" for path, text in expected.items()
                     if (root / path).is_file()
                     and (root / path).read_text(encoding="utf-8") != text]
        problems += [f"{path}: generated earlier, no longer produced" for path in stale]
        problems += [f"{path}: edited by hand (its .sha256 does not match)"
                     for path in tampered(root, expected)]
        for problem in problems:
            print(f"{display(root)}/{problem}", file=sys.stderr)
        if problems:
            flag = " --overlays" if args.overlays else ""
            print(f"run `python {SCRIPT}{flag}` and commit the result", file=sys.stderr)
        return 1 if problems else 0
    for path in stale:
        (root / path).unlink()
    for path, text in expected.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return 0


def display(root: Path) -> str:
    try:
        return root.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return root.as_posix()


if __name__ == "__main__":
    sys.exit(main())
