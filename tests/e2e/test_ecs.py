"""The ECS approach end to end: the rendered ``EcsRunTaskOperator`` runs under real Airflow, its
AWS calls go to a recording stand-in (checked against botocore's models), and the container
that ``RunTask`` asks for runs for real: the ingestion image's entry point with the request's
``config`` and ``pipelineType``, reading the test Airflow's PostgreSQL database through a
``Postgres`` connection whose password, like the bot's token, comes from Secrets Manager.

What counts: the exact ``RunTask`` request, the run state the scheduler recorded (the operator
saw the task stop with the container's exit code), the log stream the operator read, and what
the OpenMetadata stand-in received — the same extraction as every other approach.
"""

from __future__ import annotations

import contextlib
import json
import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import REGION, E2EAirflow, mwaa_gitops
from tests.e2e.test_extraction import assert_extracted
from tests.support.ecs_api import EcsApi, Outcome, Task, TaskDefinition, ecs_api
from tests.support.ingestion_image import image_python, run_container
from tests.support.openmetadata_api import OpenMetadataApi
from tests.support.postgres import Postgres

pytestmark = pytest.mark.e2e

DAG_ID = "e2e_extract_ecs"
SERVICE = "e2e_airflow_ecs"
CLUSTER = "openmetadata-ingestion"
TASK_DEFINITION = "openmetadata-ingestion:7"
CONTAINER = "openmetadata-ingestion"
LOG_GROUP = "/ecs/openmetadata-ingestion"
STREAM_PREFIX = "ingestion"
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-0aaaaaaaaaaaaaaa1"],
                                   "securityGroups": ["sg-0bbbbbbbbbbbbbbb1"],
                                   "assignPublicIp": "DISABLED"}}
JWT_SECRET = "/openmetadata/e2e/ingestion-bot-jwt"
DB_SECRET = "/openmetadata/e2e/airflow-db-password"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmdlc3Rpb24tYm90In0.ZWNzLXN0YW5kLWlu"
# The task role's credentials as ECS hands them to the container (here: fixed test values).
TASK_ROLE = {"AWS_ACCESS_KEY_ID": "e2e-task-role", "AWS_SECRET_ACCESS_KEY": "e2e-task-secret"}


def config_repository(root: Path, airflow: E2EAirflow, postgres: Postgres,
                      openmetadata: OpenMetadataApi, target: Path) -> Path:
    """A config repository with one environment whose only workflow runs on ECS, reading the
    Airflow's metadata database directly (``Backend`` cannot work outside MWAA)."""
    spec = airflow.spec
    database = airflow.services.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rpartition("/")[2]
    # The stand-in answers with its own (1.13) server version; 1.12 clients refuse a mismatch.
    validation = "" if spec.major == 3 else "enableVersionValidation: false"
    files = {
        "ecs/environment.yaml": f"""
            mwaa:
              environmentName: e2e-ecs-airflow{spec.major}
              region: {REGION}
              airflowVersion: "{spec.release}"
              target: file://{target}
              dagsPrefix: dags
              requirementsPath: requirements.txt
              pluginsPath: plugins.zip
              startupScriptPath: startup.sh
            openmetadata:
              ingestionVersion: "{spec.ingestion}"
              serverVersion: "{spec.server}"
              server:
                hostPort: {openmetadata.host_port}
                authProvider: openmetadata
                securityConfig:
                  jwtToken: secret:{JWT_SECRET}
                secretsManagerProvider: aws
                secretsManagerLoader: noop
                {validation}
            dagDefaults:
              approach: ecs
              owner: data-platform
              retries: 0
              tags: [openmetadata, e2e]
            ecs:
              cluster: {CLUSTER}
              taskDefinition: "{TASK_DEFINITION}"
              launchType: FARGATE
              subnets: {NETWORK["awsvpcConfiguration"]["subnets"]}
              securityGroups: {NETWORK["awsvpcConfiguration"]["securityGroups"]}
              assignPublicIp: DISABLED
              containerName: {CONTAINER}
              logGroup: {LOG_GROUP}
              logStreamPrefix: {STREAM_PREFIX}
            """,
        "ecs/workflows/airflow_ecs.yaml": f"""
            dag:
              dagId: {DAG_ID}
              schedule: null
            source:
              type: airflow
              serviceName: {SERVICE}
              serviceConnection:
                config:
                  type: Airflow
                  hostPort: http://airflow.e2e.example
                  numberOfStatus: 10
                  connection:
                    type: Postgres
                    hostPort: {postgres.host}:{postgres.port}
                    database: {database}
                    username: {postgres.user}
                    authType:
                      password: secret:{DB_SECRET}
              sourceConfig:
                config:
                  type: PipelineMetadata
            sink:
              type: metadata-rest
              config: {{}}
            workflowConfig:
              loggerLevel: INFO
            """,
    }
    for relative, text in files.items():
        path = root / "environments" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def container_runner(api_holder: list[EcsApi], version: str) -> Any:
    """What ECS does for a task: start the image's entry point with the container's command,
    the override's environment and the task's own (region, task-role credentials)."""

    def run(params: dict[str, Any], task: Task) -> Outcome:
        (override,) = params["overrides"]["containerOverrides"]
        if override.get("command", ["python", "main.py"]) != ["python", "main.py"]:
            return Outcome(127, [f"the image has no command {override['command']}"])
        env = {item["name"]: item["value"] for item in override.get("environment", [])}
        env.update(TASK_ROLE)
        env.update({"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                    "AWS_ENDPOINT_URL_SECRETS_MANAGER": api_holder[0].endpoint_url,
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "AWS_EC2_METADATA_DISABLED": "true"})
        done = run_container(env, version)
        return Outcome(done.returncode, (done.stdout + done.stderr).splitlines())

    return run


def test_ecs_approach_runs_the_rendered_task_whose_container_extracts_every_dag(
        airflow: E2EAirflow, postgres: Postgres, openmetadata_api: OpenMetadataApi,
        tmp_path: Path) -> None:
    services, spec = airflow.services, airflow.spec
    image_python(spec.ingestion)  # built before the run: the task waits for the container only
    started = time.monotonic()
    holder: list[EcsApi] = []
    secrets = {JWT_SECRET: TOKEN, DB_SECRET: postgres.password}
    definitions = {TASK_DEFINITION: TaskDefinition(CONTAINER, LOG_GROUP, STREAM_PREFIX)}
    with ecs_api(REGION, [CLUSTER], definitions, secrets,
                 container_runner(holder, spec.ingestion)) as ecs:
        holder.append(ecs)
        openmetadata_api.reset()
        with contextlib.suppress(AssertionError):  # none yet: nothing to delete
            services.airflow("connections", "delete", "aws_default")
        services.airflow("connections", "add", "aws_default", "--conn-json", json.dumps({
            "conn_type": "aws", "login": "e2e-access-key", "password": "e2e-secret-key",
            "extra": {"endpoint_url": ecs.endpoint_url, "region_name": REGION}}))
        repo = config_repository(tmp_path / "repo", airflow, postgres, openmetadata_api,
                                 services.dags_folder / "ecs-bucket")
        mwaa_gitops(repo, "sync", "--env", "ecs", "--no-update-mwaa")
        services.wait_parsed([DAG_ID])
        run = services.run(DAG_ID, timeout=900)
        log = services.task_log(DAG_ID, run.run_id, "run_workflow")
        (task,) = ecs.wait_stopped()
        container_output = "\n".join(task.outcome.lines if task.outcome else [])
        print(f"ECS approach on Airflow {spec.major}: {time.monotonic() - started:.0f} s")

        assert run.state == "success", f"{run}\n--- task log:\n{log[-6000:]}\n" \
                                       f"--- container:\n{container_output[-6000:]}"
        assert task.outcome is not None and task.outcome.exit_code == 0, container_output[-6000:]
        (request,) = ecs.run_task_calls()
        (override,) = request["overrides"]["containerOverrides"]
        # botocore adds clientToken (RunTask's idempotency token) to every call by itself.
        assert {key: value for key, value in request.items()
                if key not in ("overrides", "clientToken")} == {
            "cluster": CLUSTER, "taskDefinition": TASK_DEFINITION, "launchType": "FARGATE",
            "networkConfiguration": NETWORK, "startedBy": "data-platform"}
        assert (override["name"], override["command"]) == (CONTAINER, ["python", "main.py"])
        environment = {item["name"]: item["value"] for item in override["environment"]}
        assert set(environment) == {"config", "pipelineType"}
        assert environment["pipelineType"] == "metadata"
        config = yaml.safe_load(environment["config"])
        assert config["source"]["serviceName"] == SERVICE
        assert config["source"]["serviceConnection"]["config"]["connection"]["authType"] == {
            "password": f"secret:{DB_SECRET}"}
        server = config["workflowConfig"]["openMetadataServerConfig"]
        assert (server["hostPort"], server["securityConfig"]["jwtToken"]) == (
            openmetadata_api.host_port, f"secret:{JWT_SECRET}")
        # The operator read the stream the awslogs driver writes: <prefix>/<container>/<task id>.
        reads = [c.params for c in ecs.calls if c.operation == "GetLogEvents"]
        assert reads, "the operator never read the task's logs"
        assert {(r["logGroupName"], r["logStreamName"]) for r in reads} == {
            (LOG_GROUP, f"{STREAM_PREFIX}/{CONTAINER}/{task.id}")}
        assert "Workflow finished" in log, log[-4000:]
        assert {c.params["SecretId"] for c in ecs.calls
                if c.operation == "GetSecretValue"} == {JWT_SECRET, DB_SECRET}
        assert not ecs.errors(), ecs.errors()
        assert {r["token"] for r in openmetadata_api.requests()} == {TOKEN}
        assert_extracted(airflow, openmetadata_api, "ecs", run, log)

