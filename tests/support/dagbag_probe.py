"""Import DAG folders with a real Airflow's DagBag and describe what it built, as JSON.

Run with the Python of an Airflow venv (``tests/support/airflow.py``): reads
``{"folders": {"name": "path", ...}, "output": "path"}`` on stdin and writes one JSON document
to ``output`` (Airflow logs to stdout). Every
warning raised while the DAG files import is recorded; templated fields are rendered with
Airflow's own Jinja environment, and each DAG is serialized as the scheduler would.
"""

from __future__ import annotations

import json
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

TASK_FIELDS = (
    "cluster", "task_definition", "launch_type", "network_configuration", "overrides",
    "awslogs_group", "awslogs_stream_prefix", "requirements", "system_site_packages",
    "op_kwargs", "venv_cache_path", "python_callable", "execution_timeout", "retries",
    "retry_delay", "owner",
)


def main() -> None:
    request = json.load(sys.stdin)
    with warnings.catch_warnings(record=True) as import_warnings:
        warnings.simplefilter("always")
        import airflow

        try:  # its home from Airflow 3.1 on (the old one warns there)
            from airflow.dag_processing.dagbag import DagBag
        except ImportError:
            from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
        try:  # the serializer's name from Airflow 3.2 on (SerializedDAG is the result there)
            from airflow.serialization.serialized_objects import DagSerialization as SerializedDAG
        except ImportError:
            from airflow.serialization.serialized_objects import SerializedDAG

        literal_type = _literal_type()
    result: dict[str, Any] = {"airflow": airflow.__version__, "folders": {}}
    for name, folder in request["folders"].items():
        with warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always")
            # No examples: AIRFLOW__CORE__LOAD_EXAMPLES (Airflow 3.1 dropped the argument).
            bag = DagBag(dag_folder=folder, safe_mode=False)
        result["folders"][name] = {
            "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
            "captured_warnings": {str(k): list(v) for k, v in
                                  getattr(bag, "captured_warnings", {}).items()},
            "warnings": [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
                         for w in recorded],
            "dags": {dag_id: _describe(dag, literal_type, SerializedDAG)
                     for dag_id, dag in sorted(bag.dags.items())},
        }
    result["import_warnings"] = [f"{w.category.__name__}: {w.message}" for w in import_warnings]
    Path(request["output"]).write_text(json.dumps(result, indent=1, default=str),
                                       encoding="utf-8")


def _literal_type() -> type:
    try:
        from airflow.sdk.definitions._internal.templater import LiteralValue
    except ImportError:
        from airflow.template.templater import LiteralValue  # type: ignore[no-redef]
    return LiteralValue


def _describe(dag: Any, literal_type: type, serialized_dag: Any) -> dict[str, Any]:
    serialized = serialized_dag.to_dict(dag)
    return {
        "fileloc": dag.fileloc,
        # Airflow 3.2+ keeps the SDK timetable on the DAG, with the schedule but no summary.
        "schedule": dag.timetable.summary if hasattr(dag.timetable, "summary") else dag.schedule,
        "timetable": type(dag.timetable).__name__,
        "start_date": dag.start_date.isoformat() if dag.start_date else None,
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "tags": sorted(dag.tags),
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "serialized_keys": sorted(serialized.get("dag", {})),
        "tasks": {task.task_id: _task(task, literal_type) for task in dag.tasks},
    }


def _task(task: Any, literal_type: type) -> dict[str, Any]:
    raw = {field: getattr(task, field) for field in TASK_FIELDS if hasattr(task, field)}
    literals = sorted(field for field, value in raw.items() if isinstance(value, literal_type)
                      or (isinstance(value, dict)
                          and any(isinstance(v, literal_type) for v in value.values())))
    # Render exactly as a worker would before execute(): literal() values come out unwrapped.
    task.render_template_fields(context={})
    rendered = {field: getattr(task, field) for field in raw}
    return {
        "operator": f"{type(task).__module__}.{type(task).__name__}",
        "template_fields": sorted(task.template_fields),
        "literal_fields": literals,
        "fields": {field: _plain(value) for field, value in rendered.items()},
    }


def _plain(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if callable(value):
        return getattr(value, "__name__", repr(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


if __name__ == "__main__":
    main()
