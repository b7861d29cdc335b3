"""The rendered Airflow-connector DAGs extract MWAA's pipelines when real Airflow runs them.

Each rendered DAG (python and virtualenv approaches, synced by ``mwaa-gitops sync``) is triggered
through the REST API and runs under the scheduler in Airflow's supervised task process, as on an
MWAA worker; what counts is the run state the scheduler recorded and what the OpenMetadata
stand-in received: one pipeline per DAG with its tasks, edges, tags and run statuses.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import APPROACH_DAG_IDS, E2EAirflow
from tests.support.airflow_services import Run
from tests.support.openmetadata_api import OpenMetadataApi

pytestmark = pytest.mark.e2e

# The example DAGs: task → downstream tasks, tags, and the status of their one run.
EXAMPLES: dict[str, dict[str, Any]] = {
    "example_etl": {
        "tasks": {"extract": {"clean", "enrich"}, "clean": {"load"}, "enrich": {"load"},
                  "load": set()},
        "tags": {"example", "etl"},
        "status": "Successful",
        "task_statuses": {"extract": "Successful", "clean": "Successful",
                          "enrich": "Successful", "load": "Successful"},
    },
    "example_report": {
        "tasks": {"query": {"publish"}, "publish": set()},
        "tags": {"example", "reporting"},
        "status": "Failed",
        "task_statuses": {"query": "Successful", "publish": "Failed"},
    },
    "example_cleanup": {
        "tasks": {"vacuum": set()},
        "tags": {"example"},
        "status": "Successful",
        "task_statuses": {"vacuum": "Successful"},
    },
}
# Whether the environment's requirements.txt (openmetadata-ingestion for the python approach)
# installs under MWAA's constraints for that release.
PYTHON_APPROACH_INSTALLS = {2: True, 3: False}


def run_extraction(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi,
                   approach: str) -> tuple[Run, str]:
    """Trigger the approach's rendered DAG and await it; the run and its task log."""
    openmetadata_api.reset()
    airflow.mwaa.reset()
    dag_id = APPROACH_DAG_IDS[approach]
    run = airflow.services.run(dag_id, timeout=900)
    return run, airflow.services.task_log(dag_id, run.run_id, "run_workflow")


def assert_extracted(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, approach: str,
                     run: Run, log: str) -> None:
    """The run succeeded and the stand-in holds every DAG of the environment as it is."""
    assert run.state == "success", f"{run}\n--- task log:\n{log[-8000:]}"
    service = f"e2e_airflow_{approach}"
    pipelines = openmetadata_api.pipelines()
    status, dags = airflow.services.request("GET", "/dags", query={"limit": 100})
    assert status == 200, dags
    assert {fqn.removeprefix(f"{service}.") for fqn in pipelines
            if fqn.startswith(f"{service}.")} == {d["dag_id"] for d in dags["dags"]}
    for dag_id, expected in EXAMPLES.items():
        fqn = f"{service}.{dag_id}"
        pipeline = pipelines[fqn]
        assert {task["name"]: set(task.get("downstreamTasks") or [])
                for task in pipeline["tasks"]} == expected["tasks"], pipeline
        assert {tag["tagFQN"].rpartition(".")[2] for tag in pipeline.get("tags") or []} \
            == expected["tags"], pipeline
        statuses = openmetadata_api.statuses(fqn)
        assert [s["executionStatus"] for s in statuses] == [expected["status"]], statuses
        assert {t["name"]: t["executionStatus"] for t in statuses[0]["taskStatus"]} \
            == expected["task_statuses"], statuses
    assert not openmetadata_api.rejected(), openmetadata_api.rejected()


def test_example_runs_are_recorded_by_the_scheduler(airflow: E2EAirflow) -> None:
    assert {dag_id: run.state for dag_id, run in airflow.example_runs.items()} == {
        "example_cleanup": "success", "example_etl": "success", "example_report": "failed"}
    assert "fails on purpose" in airflow.services.task_log(
        "example_report", airflow.example_runs["example_report"].run_id, "publish")


def test_virtualenv_approach_builds_its_virtualenv_and_extracts_every_dag(
        airflow: E2EAirflow, openmetadata_api: OpenMetadataApi) -> None:
    venvs = airflow.services.home / "tmp" / "openmetadata-ingestion-venvs"
    assert not venvs.exists() or not any(venvs.iterdir())
    run, log = run_extraction(airflow, openmetadata_api, "virtualenv")
    assert_extracted(airflow, openmetadata_api, "virtualenv", run, log)
    # The task created and installed its virtualenv itself, from the wheel cache.
    assert any(venvs.iterdir())
    assert "openmetadata-ingestion" in log or "openmetadata_ingestion" in log
    if airflow.spec.major == 3:
        # Airflow 3: through MWAA's InvokeRestApi, which forwarded to the real API server.
        assert any(call.path.startswith("/dags") and call.rest_api_status == 200
                   for call in airflow.mwaa.calls), airflow.mwaa.calls


def test_python_approach_installs_into_mwaa_python_and_extracts_or_is_refused_by_pip(
        airflow: E2EAirflow, openmetadata_api: OpenMetadataApi) -> None:
    installed = airflow.requirements
    assert installed.installed is PYTHON_APPROACH_INSTALLS[airflow.spec.major], installed.output
    if not installed.installed:
        # MWAA's pip refuses the requirements: the python approach cannot run on this release.
        assert "openmetadata-ingestion" in installed.output, installed.output
        return
    assert airflow.requirements_python is not None
    airflow.services.restart_on(airflow.requirements_python)
    run, log = run_extraction(airflow, openmetadata_api, "python")
    assert_extracted(airflow, openmetadata_api, "python", run, log)
