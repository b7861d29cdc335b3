"""Asks openmetadata-ingestion itself; run with the OpenMetadata venv's python, not under pytest.

Reads a JSON request on stdin and writes a JSON answer to the file the request names, so that
everything needing the (slow to import) package happens in one process:

* ``check``: exit code and messages of ``scripts/generate_schemas.py --check``;
* ``verdicts``: for each config, None if OpenMetadata accepts it, else its error — accepted means
  ``OpenMetadataWorkflowConfig`` validates it and the metadata-rest sink accepts the sink config
  the workflow hands it at start;
* ``models``: for every model class a workflow can reach, by class name, whether it forbids
  unknown keys, which of its fields are secrets and which are required;
* ``examples``: the folder of the example workflows the wheel ships, and the verdict on each
  (read as ``metadata ingest`` reads a file: YAML, ``${VAR}`` left as written).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from pathlib import Path
from typing import Any

warnings.simplefilter("ignore")
ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


def verdict(config: dict[str, Any]) -> str | None:
    from metadata.generated.schema.metadataIngestion.workflow import OpenMetadataWorkflowConfig
    from metadata.ingestion.sink.metadata_rest import MetadataRestSinkConfig
    from pydantic import ValidationError

    try:
        workflow = OpenMetadataWorkflowConfig.model_validate(config)
        if workflow.sink is not None and workflow.sink.type == "metadata-rest":
            # What MetadataWorkflow hands MetadataRestSink.create().
            MetadataRestSinkConfig.model_validate(workflow.sink.model_dump().get("config", {}))
    except ValidationError as exc:
        return str(exc)
    return None


def models() -> dict[str, dict[str, Any]]:
    from metadata.generated.schema.metadataIngestion.workflow import OpenMetadataWorkflowConfig
    from metadata.ingestion.sink.metadata_rest import MetadataRestSinkConfig
    from pydantic import BaseModel, RootModel, SecretStr

    sys.path.insert(0, str(ROOT))
    from scripts import generate_schemas

    found: dict[str, dict[str, Any]] = {}
    classes = [*generate_schemas.model_classes(OpenMetadataWorkflowConfig), MetadataRestSinkConfig]
    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            continue
        secrets = sorted(name for name, field in cls.model_fields.items()
                         if any(isinstance(t, type) and issubclass(t, SecretStr)
                                for t in flatten(field.annotation)))
        required = sorted(field.alias or name for name, field in cls.model_fields.items()
                          if field.is_required())
        facts: dict[str, Any] = {"extra": cls.model_config.get("extra", "ignore"),
                                 "secrets": secrets}
        if not issubclass(cls, RootModel):  # a root model's one field is no key
            facts["required"] = required
        # Same-named classes that differ cannot be told apart by a schema title.
        if found.get(cls.__name__, facts) != facts:
            facts = {"ambiguous": True}
        found[cls.__name__] = facts
    return found


def flatten(annotation: Any) -> list[Any]:
    import typing

    out = [annotation]
    for arg in typing.get_args(annotation):
        out.extend(flatten(arg))
    return out


def examples() -> dict[str, Any]:
    import metadata
    import yaml

    folder = Path(metadata.__file__).parent / "examples" / "workflows"
    return {"folder": str(folder), "verdicts": {
        path.name: verdict(yaml.safe_load(path.read_text()))
        for path in sorted(folder.glob("*.yaml"))}}


def check() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from scripts import generate_schemas

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = generate_schemas.main(["--check"], root=SCHEMAS)
    return {"code": code, "output": err.getvalue()}


if __name__ == "__main__":
    request = json.load(sys.stdin)
    answer = {
        "check": check(),
        "verdicts": {name: verdict(config) for name, config in request["configs"].items()},
        "models": models(),
        "examples": examples(),
    }
    Path(request["answer"]).write_text(json.dumps(answer))
