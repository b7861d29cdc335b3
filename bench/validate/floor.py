"""The floor `validate` is measured against: parse every file once, validate each workflow once.

    python bench/validate/floor.py REPO --engine jsonschema|jsonschema-rs

Loads every YAML file of ``REPO/environments`` with libyaml (the overlay tags read as plain
values), then, for every environment and every workflow it deploys, validates the complete
workflow once against OpenMetadata's workflow schema: the base layer's file with the
environment's OpenMetadata server filled in. No merge, provenance, rules or render: what any tool
must at least do. Prints the number of workflows validated and how many were valid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


class Loader(yaml.CSafeLoader):
    """libyaml, with the overlay tags read as the plain value they tag."""


def plain(loader: Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return None


Loader.add_multi_constructor("!", plain)


def workflow_schema() -> Path:
    """The newest supported line's workflow schema (the bench pins that line)."""
    lines = sorted(SCHEMAS.glob("openmetadata/*/workflow.schema.json"),
                   key=lambda p: tuple(int(x) for x in p.parent.name.split(".")))
    return lines[-1]


def validator(engine: str) -> Any:
    path = workflow_schema()
    schema = {**json.loads(path.read_text()), "$id": path.as_uri()}
    if engine == "jsonschema-rs":
        import jsonschema_rs

        def retrieve(uri: str) -> Any:
            return json.loads(Path(uri.removeprefix("file://")).read_text())

        return jsonschema_rs.Draft202012Validator(schema, retriever=retrieve)
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry().with_resources(
        (p.as_uri(), Resource.from_contents(json.loads(p.read_text())))
        for p in path.parent.glob("*.schema.json"))
    return Draft202012Validator(schema, registry=registry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--engine", choices=("jsonschema", "jsonschema-rs"), default="jsonschema")
    args = parser.parse_args()
    check = validator(args.engine)
    environments = args.repo / "environments"
    files = {path: yaml.load(path.read_bytes(), Loader=Loader)
             for path in sorted(environments.rglob("*.yaml"))}
    base = files[environments / "base" / "environment.yaml"]
    workflows = {path.stem: data for path, data in files.items()
                 if path.parent == environments / "base" / "workflows"}
    checked = valid = 0
    for folder in sorted(p for p in environments.iterdir() if p.name != "base"):
        own = files[folder / "environment.yaml"]
        server = {**base["openmetadata"]["server"],
                  **(own.get("openmetadata") or {}).get("server", {})}
        # What the environment gives an Airflow connector's MWAA authentication.
        mwaa = {"mwaaEnvironmentName": own["mwaa"]["environmentName"],
                "awsConfig": {"awsRegion": base["mwaa"]["region"]}}
        for data in workflows.values():
            config = {k: v for k, v in data.items() if k != "dag"}
            config["workflowConfig"] = {**config.get("workflowConfig", {}),
                                        "openMetadataServerConfig": server}
            connection = config["source"].get("serviceConnection", {}).get(
                "config", {}).get("connection", {})
            if "mwaaConfig" in connection.get("authConfig", {}):
                connection["authConfig"] = {"mwaaConfig": mwaa}
            checked += 1
            valid += bool(check.is_valid(config))
    print(f"{checked} workflows validated, {valid} valid")
    sys.exit(0)


if __name__ == "__main__":
    main()
