#!/usr/bin/env python3
"""Derive the JSON Schemas in this folder from openmetadata-ingestion's own pydantic models.

    python schemas/generate.py             write every generated file
    python schemas/generate.py --check     exit 1 if a committed file differs from what it writes
    python schemas/generate.py --overlays  only the overlay variants, derived from the committed
                                           base schemas (needs no openmetadata-ingestion)

Run the first two with a Python that has openmetadata-ingestion installed (the version the example
environments pin); README.md ("Schemas") says how to get one. What is derived, and how:

* ``openmetadata/workflow.schema.json``: ``OpenMetadataWorkflowConfig.model_json_schema()`` with the
  unions this product never uses narrowed to the one member it does use (``narrowings()``), the
  source and sink types pinned to the Airflow connector's and metadata-rest, and ``sink`` with its
  ``config`` required and checked as the metadata-rest sink reads it at start.
* ``openmetadata/server-connection.schema.json``: ``OpenMetadataConnection`` alone; the workflow
  schema refers to it for ``workflowConfig.openMetadataServerConfig``.
* ``workflow.schema.json``: a workflow file as an editor sees it, the above plus our ``dag:`` block;
  the file may leave ``workflowConfig.openMetadataServerConfig`` to its environment.
* ``<name>.overlay.schema.json`` for every ``<name>.schema.json`` here, generated or hand-written:
  the same constraints without ``required`` (an overlay sets only what differs), and ``null``
  allowed wherever a value may stand, since that is what a ``!delete`` tag leaves in a file.

pydantic output is tidied where it hurts error messages: ``X | None`` becomes ``X`` (a config
leaves an optional key out rather than writing null, and the union would turn every mistake into
"not valid under any of the given schemas"), titles pydantic made up from field names and defaults
that do not fit their field are dropped, and a union of objects told apart by a one-value ``type``
field dispatches on that field, so a mistake in a Postgres connection is reported against the
Postgres connection alone.
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

HERE = Path(__file__).resolve().parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SUFFIX = ".schema.json"
OVERLAY_SUFFIX = ".overlay.schema.json"
OM_WORKFLOW = "openmetadata/workflow.schema.json"
OM_SERVER = "openmetadata/server-connection.schema.json"
WORKFLOW = "workflow.schema.json"
DAG = "dag.schema.json"
DEFS = "#/$defs/"
# Filled into every workflow from its environment's `openmetadata.server`.
SERVER_KEY = "openMetadataServerConfig"
PACKAGE = "openmetadata-ingestion"
# The connector this product runs, as `source.type` and `sink.type` name it.
SOURCE_TYPE = "airflow"
SINK_TYPE = "metadata-rest"
# How a generated schema's $comment names the release it came from.
ORIGIN = re.compile(rf"from ({PACKAGE} [^\s:]+)")

Schema = dict[str, Any]

# Keywords whose value is a map of subschemas, a list of subschemas, or one subschema.
SCHEMA_MAPS = ("$defs", "properties", "patternProperties", "dependentSchemas")
SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
SCHEMA_VALUES = ("additionalProperties", "items", "not", "if", "then", "else", "contains",
                 "propertyNames", "unevaluatedProperties", "unevaluatedItems")
# Keywords that only describe a value; they stay outside a wrapper added around a schema.
ANNOTATIONS = ("title", "description", "default", "examples", "$comment", "deprecated",
               "readOnly", "writeOnly")
JSON_TYPES: dict[str, Callable[[Any], bool]] = {
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

def narrowings() -> list[tuple[type, str, type]]:
    """(model, field, kept member): unions of OpenMetadata's model this product uses one member of.

    ``root`` as the field names a RootModel's own union.
    """
    from metadata.generated.schema.entity.services.connections.pipeline.airflowConnection import (
        AirflowConnection,
    )
    from metadata.generated.schema.entity.services.connections.serviceConnection import (
        ServiceConnection,
    )
    from metadata.generated.schema.entity.services.pipelineService import PipelineConnection
    from metadata.generated.schema.metadataIngestion.pipelineServiceMetadataPipeline import (
        PipelineServiceMetadataPipeline,
    )
    from metadata.generated.schema.metadataIngestion.workflow import SourceConfig

    return [
        (ServiceConnection, "root", PipelineConnection),
        (PipelineConnection, "config", AirflowConnection),
        (SourceConfig, "config", PipelineServiceMetadataPipeline),
    ]


def openmetadata_schemas() -> dict[str, Schema]:
    """The OpenMetadata schemas, keyed by their path below schemas/."""
    from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (  # noqa: E501
        OpenMetadataConnection,
    )
    from metadata.generated.schema.metadataIngestion.workflow import (
        OpenMetadataWorkflowConfig,
        Sink,
        Source,
    )
    from metadata.ingestion.sink.metadata_rest import MetadataRestSinkConfig

    version = importlib.metadata.version(PACKAGE)
    comment = (f"Generated by schemas/generate.py from {PACKAGE} {version}: edit the script, "
               "not this file.")

    server = finish(OpenMetadataConnection.model_json_schema(), OpenMetadataConnection)
    server = {
        "$schema": DRAFT, "$comment": comment, **server,
        "title": "OpenMetadata server connection",
        "description": "How ingestion reaches the OpenMetadata server (OpenMetadataConnection): "
                       "a workflow's workflowConfig.openMetadataServerConfig.",
    }

    raw = OpenMetadataWorkflowConfig.model_json_schema()
    defs = raw["$defs"]
    name_of = def_names(defs, OpenMetadataWorkflowConfig)
    for owner, field, keep in narrowings():
        narrow(defs[name_of[owner]], field, DEFS + name_of[keep])
    pin(defs[name_of[Source]], "type", SOURCE_TYPE)
    pin(defs[name_of[Sink]], "type", SINK_TYPE)
    # The metadata workflow reads sink.type unconditionally and hands sink.config to the
    # metadata-rest sink, which validates it as a map: leaving either out fails at start.
    raw["required"] = [*raw["required"], "sink"]
    sink = defs[name_of[Sink]]
    sink["required"] = [*sink.get("required", []), "config"]
    sink_config = MetadataRestSinkConfig.model_json_schema()
    if "$defs" in sink_config or MetadataRestSinkConfig.__name__ in defs:
        raise GenerateError("MetadataRestSinkConfig no longer fits in as one definition")
    defs[MetadataRestSinkConfig.__name__] = sink_config
    sink_props = sink["properties"]
    sink_props["config"] = {**annotations_of(sink_props["config"]),
                            "$ref": DEFS + MetadataRestSinkConfig.__name__}
    # The server connection lives in its own file, shared with environment.yaml's schema.
    server_ref = DEFS + name_of[OpenMetadataConnection]
    raw = map_schema(raw, lambda node: {**node, "$ref": posixpath.basename(OM_SERVER)}
                     if node.get("$ref") == server_ref else node)
    workflow = finish(raw, OpenMetadataWorkflowConfig)
    workflow = {
        "$schema": DRAFT, "$comment": comment, **workflow,
        "title": "OpenMetadata ingestion workflow (Airflow pipeline connector)",
        "description": "What `metadata ingest` reads (OpenMetadataWorkflowConfig), narrowed to "
                       "the Airflow connector's pipeline metadata into the metadata-rest sink.",
    }
    return {OM_WORKFLOW: workflow, OM_SERVER: server}


def model_classes(root: type) -> list[type]:
    """Every pydantic model and Enum reachable from ``root`` through field annotations."""
    from pydantic import BaseModel

    seen: dict[type, None] = {}
    todo: list[Any] = [root]
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


def narrow(owner: Schema, field: str, keep: str) -> None:
    """Keep only the ``keep`` member (and ``null``) of the union at ``owner``'s ``field``."""
    node = owner if field == "root" else owner["properties"][field]
    members = node.get("anyOf", [])
    kept = [m for m in members if m.get("$ref") == keep or m == {"type": "null"}]
    if not any(m.get("$ref") == keep for m in kept):
        raise GenerateError(f"{keep} is no longer a member of the union at {field!r}")
    node["anyOf"] = kept


def pin(owner: Schema, field: str, value: str) -> None:
    """Allow one value for a free-form string field."""
    prop = owner["properties"][field]
    if prop.get("type") != "string":
        raise GenerateError(f"{field!r} is no longer a free-form string")
    owner["properties"][field] = {**annotations_of(prop), "enum": [value]}


def finish(schema: Schema, root: type) -> Schema:
    """Tidy pydantic's output, dispatch tagged unions, drop unused and rename definitions."""
    schema = map_schema(schema, tidy)
    defs = schema.get("$defs", {})
    schema = map_schema(schema, lambda node: dispatch(node, defs))
    schema = prune(schema)
    schema = rename_defs(schema)
    if schema.get("title") == root.__name__:
        del schema["title"]
    return schema


def tidy(node: Schema) -> Schema:
    """One schema node without pydantic's noise (applied innermost first)."""
    if "anyOf" in node:
        members = [m for m in node["anyOf"] if m != {"type": "null"}]
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        # The model reads an explicit null as "not set"; leaving the key out says the same.
        node = {**members[0], **rest} if len(members) == 1 else {**rest, "anyOf": members}
    if "default" in node and (node["default"] is None or not fits(node["default"], node)):
        node = {k: v for k, v in node.items() if k != "default"}
    if isinstance(node.get("required"), list):
        node = {**node, "required": sorted(node["required"])}
    props = node.get("properties")
    if isinstance(props, dict):
        node = {**node, "properties": {
            name: {k: v for k, v in sub.items() if not (k == "title" and v in made_up(name))}
            for name, sub in props.items()}}
    return node


def made_up(field: str) -> set[str]:
    """The titles pydantic writes for a field that has none of its own."""
    return {field.replace("_", " ").title(), field.title().replace("_", " ")}


def fits(value: Any, node: Schema) -> bool:
    """Whether a default value is of the node's declared type and among its values."""
    kind = node.get("type")
    kinds = [kind] if isinstance(kind, str) else kind or []
    if kinds and not any(JSON_TYPES[k](value) for k in kinds):
        return False
    return not ("enum" in node and value not in node["enum"])


def dispatch(node: Schema, defs: Schema) -> Schema:
    """A union of objects with distinct one-value ``type`` fields, checked by that field."""
    members = node.get("anyOf")
    if not members or len(members) < 2 or any(set(m) != {"$ref"} for m in members):
        return node
    tags = [type_tag(defs, m["$ref"]) for m in members]
    if None in tags or len(set(tags)) != len(tags):
        return node
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    untagged = {"type": "object", "not": {"required": ["type"]}}
    return {
        **rest,
        "$comment": "OpenMetadata accepts whichever of these fits; given `type`, only the one "
                    "of that type can, so that one alone is checked.",
        "type": "object",
        "properties": {"type": {"enum": tags}},
        "allOf": [
            *({"if": {"type": "object", "required": ["type"],
                      "properties": {"type": {"const": tag}}},
               "then": member} for tag, member in zip(tags, members, strict=True)),
            {"if": untagged, "then": {"anyOf": members}},
        ],
    }


def type_tag(defs: Schema, ref: str) -> str | None:
    """The one value an object definition's ``type`` field can take, if so."""
    target = defs.get(ref.removeprefix(DEFS)) if ref.startswith(DEFS) else None
    if not target or target.get("type") != "object":
        return None
    tag = target.get("properties", {}).get("type")
    if tag and "$ref" in tag:
        tag = defs.get(tag["$ref"].removeprefix(DEFS))
    values = (tag or {}).get("enum", [])
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


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
    """Definitions named after their class; module and class only where two classes share one."""
    names = list(schema.get("$defs", {}))
    short = {name: name.rpartition("__")[2] for name in names}
    taken = Counter(short.values())
    new = {}
    for name in names:
        parts = name.split("__")
        new[name] = short[name] if taken[short[name]] == 1 else ".".join(parts[-2:])
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


def annotations_of(node: Schema) -> Schema:
    return {k: v for k, v in node.items() if k in ANNOTATIONS and k != "default"}


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

def editor_workflow(om_workflow: Schema) -> Schema:
    """A workflow file: OpenMetadata's keys (from openmetadata/) plus our ``dag:`` block.

    The file may leave out ``workflowConfig.openMetadataServerConfig``: its environment's
    ``openmetadata.server`` fills that in (the merged workflow is checked with it).
    """
    om_props = om_workflow["properties"]
    config_ref = om_props["workflowConfig"]["$ref"]
    config = om_workflow["$defs"][config_ref.removeprefix(DEFS)]
    pointer = f"{OM_WORKFLOW}#/$defs/{config_ref.removeprefix(DEFS)}/properties"
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
                       "workflow plus the `dag:` block that says how MWAA runs it.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{name: {"$ref": f"{OM_WORKFLOW}#/properties/{name}"} for name in om_props},
            "workflowConfig": workflow_config,
            "dag": {"$ref": DAG},
        },
        "required": om_workflow.get("required", []),
    }


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
        f"Generated by schemas/generate.py from {posixpath.basename(path)}"
        f"{f' (itself from {origin[1]})' if origin else ''}: its overlay variant, every key "
        "optional and null (what !delete leaves) accepted for any value.")
    return result


def deletable(node: Schema) -> Schema:
    """``node`` that also accepts ``null``."""
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
        return (set(sub) <= {"if", "then"} and isinstance(condition.get("type"), str)
                and condition["type"] != "null")

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
    """Every hand-written or generated base schema under ``root`` (not overlays)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(f"*{SUFFIX}")
                  if not p.name.endswith(OVERLAY_SUFFIX))


def generated_files(root: Path, with_openmetadata: bool) -> dict[str, str]:
    """Path below ``root`` → text, for every file this script writes in that mode."""
    schemas: dict[str, Schema] = {}
    if with_openmetadata:
        with warnings.catch_warnings():
            # openmetadata-ingestion warns about its own models on import: nothing to act on.
            warnings.simplefilter("ignore")
            schemas.update(openmetadata_schemas())
        schemas[WORKFLOW] = editor_workflow(schemas[OM_WORKFLOW])
    bases = sorted({*base_schema_paths(root), *schemas})
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


def stale_files(root: Path, expected: dict[str, str], with_openmetadata: bool) -> list[str]:
    """Files on disk that look generated (overlays, checksums, openmetadata/) but are not."""
    patterns = [f"*{OVERLAY_SUFFIX}", f"*{OVERLAY_SUFFIX}.sha256"]
    if with_openmetadata:
        patterns += ["openmetadata/*", f"{WORKFLOW}.sha256"]
    found = {p.relative_to(root).as_posix() for pattern in patterns for p in root.rglob(pattern)
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
    except ModuleNotFoundError as exc:
        print(f"generate.py: {exc.name} is not importable here: run this with a Python that has "
              f"{PACKAGE} installed, or pass --overlays", file=sys.stderr)
        return 2
    except GenerateError as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    stale = stale_files(root, expected, with_openmetadata)
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
            print(f"run `python {display(root)}/generate.py{flag}` and commit the result",
                  file=sys.stderr)
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
