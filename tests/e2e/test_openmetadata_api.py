"""The OpenMetadata API stand-in, against OpenMetadata's own client.

A real openmetadata-ingestion Airflow-connector workflow (in the ingestion image's venv) reads a
metadata database that a real Airflow 2 filled on PostgreSQL, and sends its results to the
stand-in; what arrived must be every DAG with its tasks, edges, tags and run statuses. Malformed
requests must be refused loudly, as the real server refuses them.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.airflow import airflow2_python, airflow_env
from tests.support.ingestion_image import run_container
from tests.support.openmetadata_api import OpenMetadataApi, openmetadata_api
from tests.support.postgres import Postgres, postgres

__all__ = ["airflow2_python", "openmetadata_api", "postgres"]  # fixtures used below

pytestmark = pytest.mark.e2e

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmdlc3Rpb24tYm90In0.c3RhbmQtaW4"
DAGS = """
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("sales_daily", start_date=datetime(2024, 1, 1), schedule=None,
         tags=["finance", "daily"], description="Daily sales") as sales:
    extract = BashOperator(task_id="extract", bash_command="echo extract")
    by_region = BashOperator(task_id="by_region", bash_command="echo region")
    by_product = BashOperator(task_id="by_product", bash_command="echo product")
    load = BashOperator(task_id="load", bash_command="echo load")
    extract >> [by_region, by_product] >> load

with DAG("broken_report", start_date=datetime(2024, 1, 1), schedule=None,
         tags=["reports"]) as broken:
    prepare = BashOperator(task_id="prepare", bash_command="echo ready")
    publish = BashOperator(task_id="publish", bash_command="exit 1", retries=0)
    prepare >> publish
"""


@pytest.fixture(scope="module")
def airflow_database(postgres: Postgres, airflow2_python: Path,
                     tmp_path_factory: pytest.TempPathFactory) -> str:
    """Database name of an Airflow 2 metadata database holding two DAGs and one run of each
    (one successful, one failed), written by Airflow itself."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = airflow_env(home)
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = postgres.create_database("openmetadata_api")
    (home / "dags").mkdir()
    (home / "dags" / "examples.py").write_text(DAGS)
    airflow = str(airflow2_python.with_name("airflow"))
    for command in (["db", "migrate"], ["dags", "reserialize"],
                    ["dags", "test", "sales_daily", "2024-01-02"],
                    ["dags", "test", "broken_report", "2024-01-02"]):
        # `dags test` exits 1 for the failing DAG: the run state in the database is what counts.
        subprocess.run([airflow, *command], env=env, capture_output=True, timeout=300,
                       check=command[0] == "db")
    runs = postgres.psql("openmetadata_api", "SELECT dag_id, state FROM dag_run ORDER BY dag_id")
    assert runs.split() == ["broken_report", "failed", "sales_daily", "success"], runs
    return "openmetadata_api"


def workflow(api: OpenMetadataApi, postgres: Postgres, database: str) -> str:
    """An Airflow-connector workflow reading ``database`` through a ``Postgres`` connection."""
    return yaml.safe_dump({
        "source": {
            "type": "airflow", "serviceName": "standin_airflow",
            "serviceConnection": {"config": {
                "type": "Airflow", "hostPort": "http://airflow.example.internal",
                "connection": {"type": "Postgres", "username": postgres.user,
                               "authType": {"password": postgres.password},
                               "hostPort": f"{postgres.host}:{postgres.port}",
                               "database": database}}},
            "sourceConfig": {"config": {"type": "PipelineMetadata"}},
        },
        "sink": {"type": "metadata-rest", "config": {}},
        "workflowConfig": {"loggerLevel": "INFO", "openMetadataServerConfig": {
            "hostPort": api.host_port, "authProvider": "openmetadata",
            "securityConfig": {"jwtToken": TOKEN}}},
    })


@pytest.fixture(scope="module")
def extraction(openmetadata_api: OpenMetadataApi, postgres: Postgres,
               airflow_database: str) -> Iterator[OpenMetadataApi]:
    """The stand-in after one real metadata workflow ran against it."""
    openmetadata_api.reset(TOKEN)
    started = time.monotonic()
    done = run_container({"config": workflow(openmetadata_api, postgres, airflow_database),
                          "pipelineType": "metadata"})
    print(f"metadata workflow: {time.monotonic() - started:.1f} s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    yield openmetadata_api
    openmetadata_api.reset()


def test_connector_workflow_delivers_each_dag_as_a_pipeline_with_tasks_and_edges(
        extraction: OpenMetadataApi) -> None:
    pipelines = extraction.pipelines()
    assert sorted(pipelines) == ["standin_airflow.broken_report", "standin_airflow.sales_daily"]
    sales = pipelines["standin_airflow.sales_daily"]
    edges = {task["name"]: sorted(task.get("downstreamTasks", [])) for task in sales["tasks"]}
    assert edges == {"extract": ["by_product", "by_region"], "by_region": ["load"],
                     "by_product": ["load"], "load": []}
    assert sales["service"] == "standin_airflow"
    assert sales["description"] == "Daily sales"
    assert {tag["tagFQN"] for tag in sales["tags"]} == {"AirflowTags.finance",
                                                        "AirflowTags.daily"}


def test_connector_workflow_delivers_failed_and_successful_runs_per_task(
        extraction: OpenMetadataApi) -> None:
    (failed,) = extraction.statuses("standin_airflow.broken_report")
    assert failed["executionStatus"] == "Failed"
    assert {t["name"]: t["executionStatus"] for t in failed["taskStatus"]} == {
        "prepare": "Successful", "publish": "Failed"}
    (succeeded,) = extraction.statuses("standin_airflow.sales_daily")
    assert succeeded["executionStatus"] == "Successful"
    assert {t["executionStatus"] for t in succeeded["taskStatus"]} == {"Successful"}


def test_connector_workflow_calls_are_all_accepted_and_authenticated(
        extraction: OpenMetadataApi) -> None:
    received = extraction.requests()
    assert extraction.rejected() == []
    assert {r["token"] for r in received} == {TOKEN}
    calls = [(r["method"], r["path"]) for r in received]
    # The connector's protocol: version, test-connection definition, service, then per DAG.
    assert calls[0] == ("GET", "/api/v1/system/version")
    assert ("GET", "/api/v1/services/testConnectionDefinitions/name/"
                   "Airflow.testConnectionDefinition") in calls
    assert ("PUT", "/api/v1/services/pipelineServices") in calls
    assert calls.count(("PUT", "/api/v1/pipelines")) == 2
    assert ("PUT", "/api/v1/pipelines/standin_airflow.sales_daily/status") in calls
    assert calls[-1][0] == "POST" and calls[-1][1].startswith(
        "/api/v1/usage/compute.percentile/pipeline/")


def call(api: OpenMetadataApi, method: str, path: str, body: Any,
         token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
    """One raw request to the stand-in: its status and JSON answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{api.host_port}/v1{path}", method=method,
                                     data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def api(openmetadata_api: OpenMetadataApi) -> Iterator[OpenMetadataApi]:
    openmetadata_api.reset(TOKEN)
    yield openmetadata_api
    openmetadata_api.reset()


def test_body_that_does_not_parse_with_the_request_model_is_refused_and_recorded(
        api: OpenMetadataApi) -> None:
    status, answer = call(api, "PUT", "/services/pipelineServices",
                          {"name": "svc", "serviceType": "NoSuchPipelineEngine"})
    assert status == 400
    assert "CreatePipelineServiceRequest" in answer["message"]
    assert "serviceType" in answer["message"]
    (rejected,) = api.rejected()
    assert rejected["body"] == {"name": "svc", "serviceType": "NoSuchPipelineEngine"}


def test_pipeline_of_a_service_never_created_is_refused(api: OpenMetadataApi) -> None:
    status, answer = call(api, "PUT", "/pipelines", {"name": "orphan", "service": "missing"})
    assert status == 404
    assert "missing" in answer["message"]
    assert [r["path"] for r in api.rejected()] == ["/api/v1/pipelines"]


def test_created_entities_read_back_with_the_fields_the_entity_model_requires(
        api: OpenMetadataApi) -> None:
    assert call(api, "PUT", "/services/pipelineServices", {
        "name": "svc", "serviceType": "Airflow"})[0] == 200
    status, created = call(api, "PUT", "/pipelines", {
        "name": "etl.daily", "service": "svc", "tasks": [{"name": "a", "downstreamTasks": []}]})
    assert status == 200
    assert created["fullyQualifiedName"] == 'svc."etl.daily"'
    assert created["service"]["type"] == "pipelineService"
    status, again = call(api, "PUT", "/pipelines", {"name": "etl.daily", "service": "svc"})
    assert (again["id"], again["version"]) == (created["id"], 0.2)
    status, listing = call(api, "GET", "/pipelines?service=svc&limit=10", None)
    assert [p["fullyQualifiedName"] for p in listing["data"]] == ['svc."etl.daily"']
    status, answer = call(api, "PUT", '/pipelines/svc."etl.daily"/status',
                          {"timestamp": 1, "executionStatus": "Done"})
    assert status == 400 and "PipelineStatus" in answer["message"]


def test_request_without_a_bearer_token_is_refused(api: OpenMetadataApi) -> None:
    status, _ = call(api, "GET", "/system/version", None, token=None)
    assert status == 401



def test_request_with_a_token_other_than_the_workflows_is_refused(api: OpenMetadataApi) -> None:
    status, answer = call(api, "GET", "/system/version", None, token=TOKEN + "x")
    assert status == 401 and "Token" in answer["message"]
    assert call(api, "GET", "/system/version", None)[0] == 200


def test_owner_lookup_finds_a_user_created_through_the_api(api: OpenMetadataApi) -> None:
    api.create_user("data-eng", TOKEN)
    query = json.dumps({"query": {"query_string": {"query": "data-eng AND isBot:false",
                                                   "fields": ["name", "displayName"]}}})
    found = call(api, "GET", "/search/query?" + urllib.parse.urlencode(
        {"query_filter": query, "from": 0, "size": 1, "index": "user_search_index"}), None)[1]
    assert [hit["_source"]["fullyQualifiedName"] for hit in found["hits"]["hits"]] == [
        "data-eng"]
    other = json.dumps({"query": {"query_string": {"query": "analytics AND isBot:false"}}})
    missing = call(api, "GET", "/search/query?" + urllib.parse.urlencode(
        {"query_filter": other, "index": "user_search_index"}), None)[1]
    assert missing["hits"]["hits"] == []
