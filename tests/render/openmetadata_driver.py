"""Runs inside the openmetadata-ingestion venv: the rendered callable and OpenMetadata's tables.

Reads ``{"dag": path, "cases": [{"config": path, "workflow_class": str}], "classes": [...],
"output": path}`` on stdin. For each case, the ``run_workflow`` function is taken from the
rendered DAG file as it is (its own source, no Airflow needed) and called; what it raised is
recorded. Also records OpenMetadata's own source-config → pipeline-type table and whether each
workflow class is defined where the renderer says, and the class each ``metadata`` command
creates.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    request = json.load(sys.stdin)
    source = Path(request["dag"]).read_text(encoding="utf-8")
    function = next(node for node in ast.parse(source).body
                    if isinstance(node, ast.FunctionDef) and node.name == "run_workflow")
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=[function], type_ignores=[]), request["dag"], "exec"), namespace)
    outcomes = []
    for case in request["cases"]:
        try:
            # A DAG id and run id as Airflow passes them: the runner derives pipelineRunId.
            namespace["run_workflow"](Path(case["config"]).read_text(encoding="utf-8"),
                                      case["workflow_class"], "openmetadata_driver",
                                      "manual__2026-01-01T00:00:00+00:00")
            outcomes.append({"raised": None, "message": ""})
        except Exception as exc:  # the outcome is what the test looks at
            chain = []
            current: BaseException | None = exc
            while current is not None:
                chain.append(f"{type(current).__name__}: {current}")
                current = current.__cause__ or current.__context__
            outcomes.append({"raised": type(exc).__name__, "message": "\n".join(chain)})

    import metadata.utils.class_helper as helper
    from metadata.utils.class_helper import SOURCE_CONFIG_TYPE_INGESTION

    table = {}
    for class_name, pipeline_type in SOURCE_CONFIG_TYPE_INGESTION.items():
        default = getattr(helper, class_name).model_fields["type"].default
        if default is not None and hasattr(default, "value"):
            table[default.value] = pipeline_type.value
    imports = {}
    for dotted in request["classes"]:
        # Read, not import: some workflows need optional extras (e.g. PII detection).
        module, _, name = dotted.rpartition(".")
        spec = importlib.util.find_spec(module)
        tree = ast.parse(Path(str(spec.origin)).read_text(encoding="utf-8")) if spec else None
        imports[dotted] = tree is not None and any(
            isinstance(node, ast.ClassDef) and node.name == name for node in tree.body)
    # The class each `metadata` command creates (metadata/cli/<command>.py: `X.create(`).
    cli = {}
    for command in ("ingest", "usage", "profile", "dataquality", "classify"):
        spec = importlib.util.find_spec(f"metadata.cli.{command}")
        tree = ast.parse(Path(str(spec.origin)).read_text(encoding="utf-8")) if spec else None
        cli[command] = sorted({
            node.func.value.id for node in ast.walk(tree) if tree is not None
            and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "create" and isinstance(node.func.value, ast.Name)
            and node.func.value.id.endswith("Workflow")})
    from importlib.metadata import version

    Path(request["output"]).write_text(json.dumps(
        {"outcomes": outcomes, "pipeline_types": table, "classes": imports, "cli": cli,
         "version": version("openmetadata-ingestion")}), encoding="utf-8")


if __name__ == "__main__":
    main()
