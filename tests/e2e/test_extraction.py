"""The rendered Airflow-connector DAGs extract MWAA's pipelines when real Airflow runs them.

Each rendered DAG (python and virtualenv approaches, synced by ``mwaa-gitops sync``) is triggered
through the REST API and runs under the scheduler in Airflow's supervised task process, as on an
MWAA worker; what counts is the run state the scheduler recorded and what the OpenMetadata
stand-in received: one pipeline per DAG with its tasks, edges, tags and run statuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mwaa_gitops.config import environments, model
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.render.mwaa import render_requirements
from tests.e2e.conftest import (
    APPROACH_DAG_IDS,
    E2EAirflow,
    config_repository,
    install_requirements,
    mwaa_gitops,
)
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
# The package whose pin in MWAA's constraints keeps the python approach's requirements.txt
# (openmetadata-ingestion) from installing, as uv names it first.
PYTHON_APPROACH_CONFLICT: dict[int, str] = {
    2: "chardet",  # 1.12.14.2 pins chardet==4.0.0, Airflow 2.10.3's constraints 5.2.0
    3: "boto3",  # 1.13.6.3 needs boto3<1.42, Airflow 3.3.1's constraints pin 1.43.56
}
def run_extraction(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi,
                   approach: str) -> tuple[Run, str]:
    """Trigger the approach's rendered DAG and await it; the run and its task log."""
    openmetadata_api.reset()
    airflow.mwaa.reset()
    dag_id = APPROACH_DAG_IDS[approach]
    run = airflow.services.run(dag_id, timeout=900)
    return run, airflow.services.task_log(dag_id, run.run_id, "run_workflow")


def assert_extracted(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, approach: str,
                     run: Run, log: str, connection: str | None = None) -> None:
    """The run succeeded and the stand-in holds every DAG of the environment as it is.

    ``connection``: the workflow's connection type; by default the environment's for the python
    and virtualenv approaches, a database connection for others (ECS).
    """
    if connection is None:
        connection = airflow.spec.connection if approach in APPROACH_DAG_IDS else "Postgres"
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
        task_statuses = {t["name"]: t["executionStatus"] for t in statuses[0]["taskStatus"]}
        if connection == "RestAPI":
            # /dags/<dag>/dagRuns/<run id>/taskInstances is longer than InvokeRestApi's 64
            # characters of Path: MWAA refuses it, so runs arrive without task statuses.
            assert task_statuses == {}, statuses
            assert any(call.path.startswith(f"/dags/{dag_id}/dagRuns/")
                       and call.path.endswith("/taskInstances") and len(call.path) > 64
                       and call.status == 400 for call in airflow.mwaa.calls), airflow.mwaa.calls
        else:
            assert task_statuses == expected["task_statuses"], statuses
    assert not openmetadata_api.rejected(), openmetadata_api.rejected()


def test_example_runs_are_recorded_by_the_scheduler(airflow: E2EAirflow) -> None:
    assert {dag_id: run.state for dag_id, run in airflow.example_runs.items()} == {
        "example_cleanup": "success", "example_etl": "success", "example_report": "failed"}
    assert "fails on purpose" in airflow.services.task_log(
        "example_report", airflow.example_runs["example_report"].run_id, "publish")


def test_virtualenv_approach_builds_its_virtualenv_and_extracts_every_dag(
        airflow: E2EAirflow, openmetadata_api: OpenMetadataApi) -> None:
    venvs = airflow.services.home / "tmp" / "openmetadata-ingestion-venvs"
    # Other tests' task virtualenvs (another lock: another requirement set) may be cached.
    before = set(venvs.iterdir()) if venvs.exists() else set()
    run, log = run_extraction(airflow, openmetadata_api, "virtualenv")
    assert_extracted(airflow, openmetadata_api, "virtualenv", run, log)
    # The task created and installed its virtualenv itself, from the wheel cache.
    assert set(venvs.iterdir()) - before
    assert "openmetadata-ingestion" in log or "openmetadata_ingestion" in log
    # Through MWAA's InvokeRestApi, which forwarded to the real API server.
    assert any(call.path.startswith("/dags") and call.rest_api_status == 200
               for call in airflow.mwaa.calls), airflow.mwaa.calls


def test_python_approach_is_refused_by_validate_as_mwaas_own_pip_refuses_it(
        airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, tmp_path: Path) -> None:
    spec = airflow.spec
    repo = config_repository(tmp_path, spec, "bucket", openmetadata_api,
                             airflow.mwaa.endpoint_url, approaches=("python",))
    conflict = PYTHON_APPROACH_CONFLICT[spec.major]
    said = mwaa_gitops(repo, "validate", "--env", spec.environment, expect=1)
    assert f"openmetadata-ingestion {spec.ingestion} cannot be installed on MWAA's Airflow " \
           f"{spec.release}" in said, said
    assert f"{conflict}" in said, said
    # What validate refuses, MWAA's pip refuses too: the requirements.txt the python approach
    # would render, installed on this Airflow under MWAA's constraints.
    environment = model.environment_from(environments.build(Repository(repo), spec.environment))
    (text,) = (data.decode() for data in render_requirements(environment).values())
    assert f"openmetadata-ingestion=={spec.ingestion}" in text.splitlines()
    outcome = install_requirements(airflow.services.python, spec, text, tmp_path)
    output = " ".join(outcome.output.split())  # the resolver wraps its lines
    assert not outcome.installed, outcome.output
    assert "No solution found" in output, outcome.output
    assert f"openmetadata-ingestion=={spec.ingestion} depends on {conflict}" in output, \
        outcome.output
