"""An ECS workflow that reads Airflow through MWAA's ``InvokeRestApi`` delivers what the
virtualenv runner delivers: the container runs the image's entry point after the adapter
(rendered into its command and environment), against the ``InvokeRestApi`` stand-in (SigV4
checked with botocore, 64-character ``Path``) in front of the real API server.

What differs is measured and pinned: the container has no DAG files, and no endpoint lists a
DAG's tasks within 64 characters of ``Path`` once its id passes 52 characters, so the 240-character
example DAG comes with the tasks its runs hold but without their edges.
"""

from __future__ import annotations

import pytest

from mwaa_gitops.render.ecs import ADAPTER_VARIABLE, BOOTSTRAP
from tests.e2e.conftest import LONG_DAG_ID, E2EAirflow
from tests.e2e.test_ecs import (
    JWT_SECRET,
    TASK_ROLE,
    TOKEN,
    Case,
    assert_container_config,
    assert_run_task_request,
    run_on_ecs,
)
from tests.e2e.test_extraction import missing_facts
from tests.support.openmetadata_api import OpenMetadataApi
from tests.support.postgres import Postgres

pytestmark = pytest.mark.e2e

DAG_ID = "e2e_extract_ecs_mwaa"
SERVICE = "e2e_airflow_ecs_mwaa"


def test_ecs_workflow_through_invoke_rest_api_extracts_what_the_virtualenv_runner_does(
        airflow: E2EAirflow, postgres: Postgres, openmetadata_api: OpenMetadataApi) -> None:
    case = Case(DAG_ID, SERVICE, "file://bucket", invoke_rest_api=True)
    repo = airflow.services.dags_folder / "ecs-mwaa-repo"
    # The task role signs InvokeRestApi: the stand-in knows its key.
    airflow.mwaa.credentials[TASK_ROLE["AWS_ACCESS_KEY_ID"]] = TASK_ROLE["AWS_SECRET_ACCESS_KEY"]
    airflow.mwaa.reset()
    with run_on_ecs(airflow, postgres, openmetadata_api, repo, case,
                    secret_ids=(JWT_SECRET,)) as outcomes:
        override = assert_run_task_request(outcomes, ("python", "-c", BOOTSTRAP, "main.py"))
        environment = {item["name"]: item["value"] for item in override["environment"]}
        assert set(environment) == {"config", ADAPTER_VARIABLE, "pipelineType", "pipelineRunId"}
        config = environment["config"]
        assert_container_config(config, case, openmetadata_api)
        missing = missing_facts(airflow, openmetadata_api, SERVICE)
        print(f"ECS through InvokeRestApi on Airflow {airflow.spec.major}: "
              f"{len(missing)} facts missing: {missing}")
        # Only the long DAG's edges: its tasks come from its runs' task instances.
        long_name = f"{LONG_DAG_ID[:20]}…"
        assert missing == [f"{long_name}: edges {{'first': set(), 'second': set()}}, expected "
                           f"{{'first': {{'second'}}, 'second': set()}}"], \
            "\n".join(missing) + "\n--- container:\n" + outcomes.container_output[-6000:]
        assert not openmetadata_api.rejected(), openmetadata_api.rejected()
        # Every call the container made fitted InvokeRestApi, signed by the task role.
        calls = airflow.mwaa.calls
        assert calls and all(len(c.path) <= 64 and "?" not in c.path and c.status == 200
                             for c in calls), calls
        assert {r["token"] for r in openmetadata_api.requests()} == {TOKEN}
