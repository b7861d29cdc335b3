"""Every run visible in OpenMetadata: the pipeline registered at sync, one status row per run.

For each approach the tier syncs, registration (``openmetadata.registerPipelines``) creates the
workflow's ``IngestionPipeline`` in the OpenMetadata stand-in at ``sync``, and each run the real
scheduler starts reports to it under one ``pipelineRunId`` (derived from the DAG id and the
Airflow run id): RUNNING when the workflow starts, then its final state; a run whose writes the
server refuses is recorded as failed. The stand-in parses every request with OpenMetadata's own
models. (The ECS approach's run id: ``test_ecs.py``.)
"""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import APPROACH_DAG_IDS, SYNCED, TOKEN, E2EAirflow, mwaa_gitops
from tests.support.openmetadata_api import OpenMetadataApi

pytestmark = pytest.mark.e2e


def pipeline_run_id(dag_id: str, run_id: str) -> str:
    """The run id the rendered DAGs give an Airflow run (the same for all its retries)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"airflow:{dag_id}/{run_id}"))


def register(airflow: E2EAirflow) -> str:
    """Turn registration on for the tier's environment and sync it; the sync's output."""
    path = airflow.repo / "environments" / airflow.spec.environment / "environment.yaml"
    text = path.read_text()
    if "registerPipelines" not in text:
        path.write_text(text.replace("\nopenmetadata:\n",
                                     "\nopenmetadata:\n  registerPipelines: true\n", 1))
    return mwaa_gitops(airflow.repo, "sync", "--env", airflow.spec.environment,
                       "--no-update-mwaa", env={"OPENMETADATA_TOKEN": TOKEN})


@pytest.mark.parametrize("approach", SYNCED)
def test_each_run_is_recorded_running_then_final_on_the_pipeline_registered_at_sync(
        airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, approach: str) -> None:
    openmetadata_api.reset()
    airflow.mwaa.reset()
    dag_id = APPROACH_DAG_IDS[approach]
    service = f"e2e_airflow_{approach}"
    fqn = f"{service}.airflow_{approach}"
    openmetadata_api.put("/services/pipelineServices", {"name": service,
                                                        "serviceType": "Airflow"})
    try:
        out = register(airflow)
        assert "ingestion pipelines: 1 created" in out, out
        entity = openmetadata_api.entities("/services/ingestionPipelines")[fqn]
        assert entity["service"] == {**entity["service"], "fullyQualifiedName": service,
                                     "type": "pipelineService"}
        assert entity["pipelineType"] == "metadata"
        assert entity["sourceConfig"]["config"]["type"] == "PipelineMetadata"

        run = airflow.services.run(dag_id, timeout=900)
        log = airflow.services.task_log(dag_id, run.run_id, "run_workflow")
        assert run.state == "success", f"{run}\n--- task log:\n{log[-6000:]}"
        statuses = openmetadata_api.ingestion_statuses(fqn)
        states = [(s["runId"], s["pipelineState"]) for s in statuses]
        expected = pipeline_run_id(dag_id, run.run_id)
        assert states == [(expected, "running"), (expected, "success")], states
        assert statuses[-1]["endDate"] >= statuses[-1]["startDate"]

        # The server refuses the run's pipeline writes: the workflow fails, and says so.
        openmetadata_api.refuse("/api/v1/pipelines", 500)
        failed = airflow.services.run(dag_id, timeout=900)
        log = airflow.services.task_log(dag_id, failed.run_id, "run_workflow")
        assert failed.state == "failed", f"{failed}\n--- task log:\n{log[-6000:]}"
        expected_failed = pipeline_run_id(dag_id, failed.run_id)
        states = [(s["runId"], s["pipelineState"])
                  for s in openmetadata_api.ingestion_statuses(fqn)][2:]
        assert states == [(expected_failed, "running"), (expected_failed, "failed")], states
        assert expected_failed != expected
    finally:
        openmetadata_api.reset()
