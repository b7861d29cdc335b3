"""Runs inside an openmetadata-ingestion venv: the real MWAA client, with or without the adapter.

Reads ``{"adapter": path, "adapt": bool, "output": path}`` on stdin. The client's AWS side is
an ``InvokeRestApi`` that checks each request against botocore's own model of the operation
(the parameter validator, plus the model's length limits, which MWAA enforces) and answers as
Airflow's REST API would for a small environment: five DAGs listed two per page (a page
capped by the server), one DAG with an id of 120 characters and a scheduled run.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import validate_parameters

LONG_DAG = "reporting_" + "x" * 110
RUN = "scheduled__2024-01-01T00:00:00+00:00"
DAG_IDS = ["a_etl", "b_report", "c_cleanup", "d_export", LONG_DAG]
SERVER_PAGE = 2  # the server answers at most this many rows per page
TASK_INSTANCES = [{"task_id": "extract", "state": "success", "operator": "PythonOperator"},
                  {"task_id": "load", "state": "failed", "operator": "BashOperator"}]


class InvokeRestApi:
    """The ``mwaa`` client's ``invoke_rest_api``, refusing what MWAA refuses."""

    def __init__(self) -> None:
        model = botocore.session.get_session().get_service_model("mwaa")
        self.shape = model.operation_model("InvokeRestApi").input_shape
        self.calls: list[dict[str, Any]] = []

    def invoke_rest_api(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        try:
            validate_parameters(params, self.shape)
        except ParamValidationError as exc:
            raise self.refused(str(exc)) from exc
        for name, member in self.shape.members.items():
            limit = member.metadata.get("max")
            if isinstance(params.get(name), str) and limit and len(params[name]) > limit:
                raise self.refused(f"Value at '{name}' failed to satisfy constraint: "
                                   f"Member must have length less than or equal to {limit}")
        body = params.get("Body")
        if body is not None and not isinstance(body, dict):  # Airflow wants a JSON object
            raise ClientError({"Error": {"Code": "RestApiClientException", "Message": "400"},
                               "RestApiStatusCode": 400}, "InvokeRestApi")
        answer = airflow(params["Method"], params["Path"], params.get("QueryParameters") or {},
                         body)
        if answer is None:
            raise ClientError({"Error": {"Code": "RestApiClientException", "Message": "404"},
                               "RestApiStatusCode": 404}, "InvokeRestApi")
        return {"RestApiStatusCode": 200, "RestApiResponse": answer}

    @staticmethod
    def refused(message: str) -> ClientError:
        return ClientError({"Error": {"Code": "ValidationException", "Message": message}},
                           "InvokeRestApi")


def airflow(method: str, path: str, query: dict[str, Any], body: Any) -> Any:
    """What Airflow 3's REST API answers (``None``: 404)."""
    if method == "GET" and path == "/version":
        return {"version": "3.3.1", "git_version": None}
    if method == "GET" and path == "/dags":
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
        rows = [{"dag_id": dag_id, "timetable_summary": "0 0 * * *", "is_paused": False,
                 "owners": ["data-eng"], "tags": [], "fileloc": f"/dags/{dag_id}.py"}
                for dag_id in DAG_IDS[offset:offset + min(limit, SERVER_PAGE)]]
        return {"dags": rows, "total_entries": len(DAG_IDS)}
    if method == "POST" and path == "/dags/~/dagRuns/list":
        runs = [{"dag_run_id": RUN, "dag_id": dag_id, "state": "failed",
                 "logical_date": "2024-01-01T00:00:00+00:00"} for dag_id in body["dag_ids"]]
        return {"dag_runs": runs, "total_entries": len(runs)}
    if method == "POST" and path == "/dags/~/dagRuns/~/taskInstances/list":
        if body.get("dag_run_ids", [RUN]) != [RUN]:  # without: every run's instances
            return {"task_instances": [], "total_entries": 0}
        rows = TASK_INSTANCES[body.get("page_offset", 0):][:body.get("page_limit", 100)]
        return {"task_instances": rows, "total_entries": len(TASK_INSTANCES)}
    if method == "GET" and path == "/dags/a_etl/tasks":
        return {"tasks": [{"task_id": "extract", "downstream_task_ids": ["load"]},
                          {"task_id": "load", "downstream_task_ids": []}], "total_entries": 2}
    return None


def main() -> None:
    request = json.load(sys.stdin)
    applied: list[str] = []
    if request["adapt"]:
        spec = importlib.util.spec_from_file_location("mwaa_rest_api_compat", request["adapter"])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        config = {"source": {"type": "airflow", "serviceConnection": {"config": {
            "connection": {"type": "RestAPI", "authConfig": {"mwaaConfig": {}}}}}}}
        applied = module.adapt(config)
    from metadata.ingestion.source.pipeline.airflow.api.client import AirflowApiClient
    from metadata.ingestion.source.pipeline.airflow.api.mwaa import MWAAClient

    # The real client, without its AWS session: its AWS side is the validator above.
    client = MWAAClient.__new__(MWAAClient)
    client.environment_name = "e2e"
    client._mwaa_client = aws = InvokeRestApi()
    api = AirflowApiClient.__new__(AirflowApiClient)
    api.mwaa_client, api.client, api._detected_version = client, None, None

    def attempt(call: Any) -> Any:
        try:
            return call()
        except Exception as exc:  # what the connector would log and go on without
            return f"{type(exc).__name__}: {exc}"

    dags = attempt(client.get_all_dags)
    details = attempt(lambda: client.build_dag_details(
        {"dag_id": "a_etl", "timetable_summary": "0 0 * * *", "fileloc": "/dags/a.py"}))
    runs = attempt(lambda: client.get_dag_runs(LONG_DAG, limit=10))
    instances = attempt(lambda: client.get_task_instances_for_run(LONG_DAG, RUN))
    # Its file is not on this machine (as in an ECS task): /dags/<id>/tasks is all there is.
    tasks = attempt(lambda: client.get_dag_tasks(LONG_DAG))
    result = {
        "applied": applied,
        "dag_ids": [d["dag_id"] for d in dags] if isinstance(dags, list) else dags,
        "schedule": getattr(details, "schedule_interval", details),
        "runs": [r.dag_run_id for r in runs] if isinstance(runs, list) else runs,
        "task_instances": {t.task_id: t.state for t in instances}
        if isinstance(instances, list) else instances,
        "tasks": {t["task_id"]: [t["downstream_task_ids"], t["class_ref"]["class_name"]]
                  for t in tasks["tasks"]} if isinstance(tasks, dict) else tasks,
        "api_version": attempt(lambda: api.api_version),
        "calls": aws.calls,
    }
    Path(request["output"]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
