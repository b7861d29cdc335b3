"""The rendered Airflow-connector DAGs extract MWAA's pipelines when real Airflow runs them.

Each rendered DAG (python and virtualenv approaches, synced by ``mwaa-gitops sync``) is triggered
through the REST API and runs under the scheduler in Airflow's supervised task process, as on an
MWAA worker; what counts is the run state the scheduler recorded and what the OpenMetadata
stand-in received: one pipeline per DAG with its tasks, edges, tags and run statuses.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mwaa_gitops.config import environments, model
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.render.mwaa import render_requirements
from tests.e2e.conftest import (
    APPROACH_DAG_IDS,
    LONG_DAG_ID,
    OTHER_LINES,
    TOKEN,
    E2EAirflow,
    config_repository,
    install_requirements,
    mwaa_gitops,
)
from tests.support.airflow_services import Run
from tests.support.openmetadata_api import OpenMetadataApi
from tests.support.openmetadata_api import start as start_openmetadata

pytestmark = pytest.mark.e2e

HOST = "http://airflow.e2e.example"  # the workflows' hostPort: the base of source URLs
# The example DAGs as Airflow defines them: task → downstream tasks, and the DAG's facts.
EXAMPLES: dict[str, dict[str, Any]] = {
    "example_etl": {
        "tasks": {"extract": {"clean", "enrich"}, "clean": {"load"}, "enrich": {"load"},
                  "load": set()},
        "tags": {"example", "etl"}, "owners": {"data-eng"},
        "description": "Extract, two transforms, load", "schedule": "0 0 * * *",
    },
    "example_report": {
        "tasks": {"query": {"publish"}, "publish": set()},
        "tags": {"example", "reporting"}, "owners": {"analytics"},
        "description": "Query, then publish (fails)", "schedule": None,
    },
    "example_cleanup": {
        "tasks": {"vacuum": set()},
        "tags": {"example"}, "owners": {"data-eng"}, "description": None, "schedule": None,
    },
    LONG_DAG_ID: {
        "tasks": {"first": {"second"}, "second": set()},
        "tags": {"example", "long"}, "owners": {"data-eng"},
        "description": "A DAG id of 240 characters", "schedule": None,
    },
}
OWNERS = ("data-eng", "analytics")  # users of OpenMetadata the DAG owners map to
# Airflow's run and task states → OpenMetadata's execution status (the final ones here).
STATUS = {"success": "Successful", "failed": "Failed", "upstream_failed": "Failed",
          "skipped": "Skipped"}
# The package whose pin in MWAA's constraints keeps the python approach's requirements.txt
# (openmetadata-ingestion) from installing, as uv names it first.
PYTHON_APPROACH_CONFLICT: dict[int, str] = {
    2: "chardet",  # 1.12.14.2 pins chardet==4.0.0, Airflow 2.10.3's constraints 5.2.0
    3: "boto3",  # 1.13.6.3 needs boto3<1.42, Airflow 3.3.1's constraints pin 1.43.56
}


def run_extraction(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi,
                   approach: str) -> tuple[Run, str]:
    """Trigger the approach's rendered DAG and await it; the run and its task log."""
    prepare_openmetadata(openmetadata_api)
    airflow.mwaa.reset()
    dag_id = APPROACH_DAG_IDS[approach]
    run = airflow.services.run(dag_id, timeout=900)
    return run, airflow.services.task_log(dag_id, run.run_id, "run_workflow")


def prepare_openmetadata(openmetadata_api: OpenMetadataApi, token: str = TOKEN) -> None:
    """A fresh stand-in that accepts only the workflow's token and knows the DAG owners."""
    openmetadata_api.reset(token)
    for name in OWNERS:
        openmetadata_api.create_user(name, token)


def source_urls(major: int, dag_id: str, task_ids: set[str]) -> tuple[str, dict[str, str]]:
    """A pipeline's and its tasks' URLs in the Airflow UI of ``major`` (the layout the
    ``Backend`` source writes)."""
    dag = quote(dag_id)
    if major >= 3:
        return f"{HOST}/dags/{dag}", {t: f"{HOST}/dags/{dag}/tasks/{quote(t)}" for t in task_ids}
    return f"{HOST}/dags/{dag}/grid", {
        t: f"{HOST}/taskinstance/list/?_flt_3_dag_id={dag}&_flt_3_task_id={quote(t)}"
        for t in task_ids}


def missing_facts(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi,
                  service: str, unchecked: tuple[str, ...] = ()) -> list[str]:
    """What of each example DAG did not reach OpenMetadata as Airflow holds it: one line per
    missing or wrong fact (tasks, edges, owners, tags, description, schedule, source URLs,
    state, and every run's status with its task statuses)."""
    missing: list[str] = []
    pipelines = openmetadata_api.pipelines()
    entities = openmetadata_api.entities("/pipelines")
    for dag_id, expected in EXAMPLES.items():
        name = dag_id if len(dag_id) < 40 else f"{dag_id[:20]}…"
        fqn = f"{service}.{dag_id}"
        pipeline = pipelines.get(fqn)
        if pipeline is None:
            missing.append(f"{name}: pipeline")
            continue
        tasks = {task["name"]: task for task in pipeline.get("tasks") or []}
        url, task_urls = source_urls(airflow.spec.major, dag_id, set(expected["tasks"]))
        facts = {
            "tasks": (set(tasks), set(expected["tasks"])),
            "edges": ({t: set(task.get("downstreamTasks") or []) for t, task in tasks.items()},
                      expected["tasks"]),
            "owners": ({o.get("name") for o in pipeline.get("owners") or []},
                       expected["owners"]),
            "tags": ({tag["tagFQN"].rpartition(".")[2] for tag in pipeline.get("tags") or []},
                     expected["tags"]),
            "description": (pipeline.get("description"), expected["description"]),
            "schedule": (pipeline.get("scheduleInterval"), expected["schedule"]),
            "source URL": (pipeline.get("sourceUrl"), url),
            "task source URLs": ({t: task.get("sourceUrl") for t, task in tasks.items()},
                                 task_urls),
            "state": ((entities.get(fqn) or {}).get("state"), "Active"),
        }
        missing += [f"{name}: {fact} {got!r}, expected {want!r}"
                    for fact, (got, want) in facts.items()
                    if got != want and fact not in unchecked]
        received = {s["executionId"]: s for s in openmetadata_api.statuses(fqn)}
        for run in airflow.all_runs[dag_id]:
            status = received.get(run.run_id)
            if status is None:
                missing.append(f"{name}: status of run {run.run_id}")
                continue
            if status["executionStatus"] != STATUS[run.state]:
                missing.append(f"{name}: run {run.run_id} {status['executionStatus']}")
            got = {t["name"]: t["executionStatus"] for t in status.get("taskStatus") or []}
            want = {task: STATUS[state] for task, state in run.task_states.items()}
            if got != want:
                missing.append(f"{name}: task statuses of run {run.run_id}: {got}, "
                               f"expected {want}")
    return missing


def assert_extracted(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, approach: str,
                     run: Run, log: str, unchecked: tuple[str, ...] = ()) -> None:
    """The run succeeded and the stand-in holds every DAG of the environment with all its
    facts (but ``unchecked``), as Airflow holds them, and nothing it refused."""
    assert run.state == "success", f"{run}\n--- task log:\n{log[-8000:]}"
    service = f"e2e_airflow_{approach}"
    missing = missing_facts(airflow, openmetadata_api, service, unchecked)
    assert missing == [], "\n".join(missing) + f"\n--- task log:\n{log[-6000:]}"
    pipelines = openmetadata_api.pipelines()
    status, dags = airflow.services.request("GET", "/dags", query={"limit": 100})
    assert status == 200, dags
    assert {fqn.removeprefix(f"{service}.") for fqn in pipelines
            if fqn.startswith(f"{service}.")} == {d["dag_id"] for d in dags["dags"]}
    assert not openmetadata_api.rejected(), openmetadata_api.rejected()
    # Every runner call fitted InvokeRestApi: nothing refused for its Path or query.
    refused = [call for call in airflow.mwaa.calls
               if len(call.path) > 64 or "?" in call.path or call.status != 200]
    assert approach not in APPROACH_DAG_IDS or refused == [], refused


def test_example_runs_are_recorded_by_the_scheduler(airflow: E2EAirflow) -> None:
    assert {dag_id: run.state for dag_id, run in airflow.example_runs.items()} == {
        "example_cleanup": "success", "example_etl": "success", "example_report": "failed",
        LONG_DAG_ID: "success"}
    # The scheduler's own run of the scheduled example, beside the triggered one.
    assert sorted(run.run_id.partition("__")[0] for run in airflow.all_runs["example_etl"]) \
        == ["manual", "scheduled"]
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


def test_virtualenv_approach_on_the_other_ingestion_line_extracts_every_dag(
        airflow: E2EAirflow, tmp_path: Path) -> None:
    """openmetadata-ingestion 2.0 on Airflow 3 (the line the examples do not pin), through the
    same InvokeRestApi stand-in, with the adapter, to an OpenMetadata stand-in of that line (its
    models and server version): nothing missing either."""
    spec = OTHER_LINES.get(airflow.spec.major)
    if spec is None:
        pytest.skip(f"no other ingestion line installs on Airflow {airflow.spec.release}")
    line = ".".join(spec.ingestion.split(".")[:2])
    suffix = "_" + line.replace(".", "_")  # _2_0
    process, openmetadata = start_openmetadata(tmp_path / "openmetadata.log", line=line)
    try:
        # A repository of its own, synced into a folder of the DAGs folder, as the ECS tests do.
        repo = airflow.services.dags_folder / f"line{suffix}-repo"
        config_repository(repo, spec, "bucket", openmetadata, airflow.mwaa.endpoint_url,
                          suffix=suffix)
        mwaa_gitops(repo, "lock", "--env", spec.environment)
        mwaa_gitops(repo, "sync", "--env", spec.environment, "--no-update-mwaa")
        dag_id = APPROACH_DAG_IDS["virtualenv"] + suffix
        airflow.services.wait_parsed([dag_id])
        prepare_openmetadata(openmetadata)
        airflow.mwaa.reset()
        run = airflow.services.run(dag_id, timeout=900)
        log = airflow.services.task_log(dag_id, run.run_id, "run_workflow")
        assert_extracted(airflow, openmetadata, f"virtualenv{suffix}", run, log)
        # 2.0 asks the server to mark the service's stale pipelines deleted: none are.
        (stale,) = [r for r in openmetadata.requests() if r["path"].endswith("/deleteStale")]
        assert (stale["method"], stale["status"], stale["body"]["scopeFqn"]) == (
            "DELETE", 200, f"e2e_airflow_virtualenv{suffix}")
        refused = [call for call in airflow.mwaa.calls
                   if len(call.path) > 64 or "?" in call.path or call.status != 200]
        assert airflow.mwaa.calls and refused == [], refused
    except BaseException:
        sys.stderr.write(f"\n--- OpenMetadata {line} stand-in log ---\n"
                         f"{openmetadata.log()[-8000:]}")
        raise
    finally:
        process.kill()
        process.wait(timeout=10)
