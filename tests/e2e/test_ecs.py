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
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.e2e.conftest import REGION, E2EAirflow, mwaa_gitops
from tests.e2e.test_extraction import assert_extracted, prepare_openmetadata
from tests.support.airflow_services import Run
from tests.support.ecs_api import EcsApi, Outcome, Task, TaskDefinition, ecs_api
from tests.support.ingestion_image import image_python, run_container
from tests.support.openmetadata_api import OpenMetadataApi
from tests.support.postgres import Postgres
from tests.support.s3server import credentials_env, seaweedfs

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

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
# What the container's Postgres connection (the source that reads Airflow's database) does not
# deliver, by Airflow major, as measured with 1.13.6.3: on Airflow 3 no DAG description, and
# the text "None" as the schedule of an unscheduled DAG. Everything else matches Airflow.
DATABASE_SOURCE_GAPS: dict[int, tuple[str, ...]] = {2: (), 3: ("description", "schedule")}
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmdlc3Rpb24tYm90In0.ZWNzLXN0YW5kLWlu"
# The task role's credentials as ECS hands them to the container (here: fixed test values).
BUCKET = "e2e-ecs-bucket"
TASK_ROLE = {"AWS_ACCESS_KEY_ID": "e2e-task-role", "AWS_SECRET_ACCESS_KEY": "e2e-task-secret"}


@dataclass(frozen=True)
class Case:
    """One ECS workflow of the tier: its DAG, its service, where its environment syncs to."""

    dag_id: str
    service: str
    target: str
    endpoint: str | None = None
    excludes: tuple[str, ...] = ()
    # Read Airflow through MWAA's InvokeRestApi (the stand-in) instead of its database.
    invoke_rest_api: bool = False


INLINE = "inline"
ENV_FILE = "env-file"
# Patterns that match no DAG, enough of them to push the config past ECS's 8,192 characters.
NO_MATCH = tuple(f"^never_{i:04d}_pipeline$" for i in range(400))


def config_repository(root: Path, airflow: E2EAirflow, postgres: Postgres,
                      openmetadata: OpenMetadataApi, case: Case) -> Path:
    """A config repository with one environment whose only workflow runs on ECS, reading the
    Airflow's metadata database directly (``Backend`` cannot work outside MWAA)."""
    spec = airflow.spec
    endpoint = f"endpointUrl: {case.endpoint}" if case.endpoint else ""
    excludes = f"pipelineFilterPattern: {{excludes: {json.dumps(list(case.excludes))}}}" \
        if case.excludes else ""
    database = airflow.services.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rpartition("/")[2]
    # The stand-in answers with its own (1.13) server version; 1.12 clients refuse a mismatch.
    validation = "" if spec.major == 3 else "enableVersionValidation: false"
    files = {
        "ecs/environment.yaml": f"""
            mwaa:
              environmentName: e2e-ecs-airflow{spec.major}
              region: {REGION}
              airflowVersion: "{spec.release}"
              target: {case.target}
              {endpoint}
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
              dagId: {case.dag_id}
              schedule: null
            source:
              type: airflow
              serviceName: {case.service}
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
                  {excludes}
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
    if case.invoke_rest_api:
        path = root / "environments" / "ecs/workflows/airflow_ecs.yaml"
        workflow = yaml.safe_load(path.read_text())
        workflow["source"]["serviceConnection"]["config"]["connection"] = {
            "type": "RestAPI", "authConfig": {"mwaaConfig": {
                "mwaaEnvironmentName": spec.mwaa_name,
                "awsConfig": {"awsRegion": REGION, "endPointURL": airflow.mwaa.endpoint_url}}}}
        path.write_text(yaml.safe_dump(workflow, sort_keys=False))
    return root


def environment_file(s3: S3Client | None, arn: str) -> dict[str, str]:
    """An ECS environment file read from S3 as ECS reads it: ``NAME=value`` per line, blank
    lines and ``#`` comments skipped."""
    if s3 is None:
        raise RuntimeError(f"no S3 to read the environment file {arn} from")
    bucket, _, key = arn.removeprefix("arn:aws:s3:::").partition("/")
    text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def container_runner(api_holder: list[EcsApi], version: str, s3: S3Client | None) -> Any:
    """What ECS does for a task: start the image's entry point with the container's command,
    its environment files, the override's environment (which wins over the files) and the
    task's own variables (region, task-role credentials)."""

    def run(params: dict[str, Any], task: Task) -> Outcome:
        (override,) = params["overrides"]["containerOverrides"]
        python, *arguments = override.get("command", ["python", "main.py"])
        if python != "python":  # the image's PATH has python, and its working dir main.py
            return Outcome(127, [f"the image has no command {override['command']}"])
        env: dict[str, str] = {}
        for item in override.get("environmentFiles", []):
            env.update(environment_file(s3, item["value"]))
        env.update({item["name"]: item["value"] for item in override.get("environment", [])})
        env.update(TASK_ROLE)
        env.update({"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                    "AWS_ENDPOINT_URL_SECRETS_MANAGER": api_holder[0].endpoint_url,
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "AWS_EC2_METADATA_DISABLED": "true",
                    # The InvokeRestApi stand-in is 127.0.0.1: no `env.` host prefix.
                    "AWS_DISABLE_HOST_PREFIX_INJECTION": "true"})
        done = run_container(env, version, arguments=arguments)
        return Outcome(done.returncode, (done.stdout + done.stderr).splitlines())

    return run


@dataclass
class Outcomes:
    """What one ECS run left behind: the recorded run, its task log, the ECS stand-in."""

    run: Run
    log: str
    task: Task
    ecs: EcsApi

    @property
    def container_output(self) -> str:
        return "\n".join(self.task.outcome.lines if self.task.outcome else [])


@contextlib.contextmanager
def run_on_ecs(airflow: E2EAirflow, postgres: Postgres, openmetadata_api: OpenMetadataApi,
               repo: Path, case: Case, s3: S3Client | None = None,
               copy_bucket: Callable[[], None] | None = None,
               secret_ids: tuple[str, ...] = (JWT_SECRET, DB_SECRET),
               state: str = "success") -> Iterator[Outcomes]:
    """Sync the case's environment, trigger its DAG under the real scheduler with the AWS
    stand-in behind the operator's connection (Secrets Manager holding ``secret_ids``), and
    await the run (in ``state``) and the container."""
    services, spec = airflow.services, airflow.spec
    image_python(spec.ingestion)  # built before the run: the task waits for the container only
    started = time.monotonic()
    holder: list[EcsApi] = []
    values = {JWT_SECRET: TOKEN, DB_SECRET: postgres.password}
    secrets = {name: values[name] for name in secret_ids}
    definitions = {TASK_DEFINITION: TaskDefinition(CONTAINER, LOG_GROUP, STREAM_PREFIX)}
    with ecs_api(REGION, [CLUSTER], definitions, secrets,
                 container_runner(holder, spec.ingestion, s3)) as ecs:
        holder.append(ecs)
        prepare_openmetadata(openmetadata_api, TOKEN)
        with contextlib.suppress(AssertionError):  # none yet: nothing to delete
            services.airflow("connections", "delete", "aws_default")
        services.airflow("connections", "add", "aws_default", "--conn-json", json.dumps({
            "conn_type": "aws", "login": "e2e-access-key", "password": "e2e-secret-key",
            "extra": {"endpoint_url": ecs.endpoint_url, "region_name": REGION}}))
        config_repository(repo, airflow, postgres, openmetadata_api, case)
        mwaa_gitops(repo, "sync", "--env", "ecs", "--no-update-mwaa")
        if copy_bucket:
            copy_bucket()
        services.wait_parsed([case.dag_id])
        run = services.run(case.dag_id, timeout=900)
        log = services.task_log(case.dag_id, run.run_id, "run_workflow")
        (task,) = ecs.wait_stopped()
        outcomes = Outcomes(run, log, task, ecs)
        print(f"ECS ({case.dag_id}) on Airflow {spec.major}: {time.monotonic() - started:.0f} s, "
              f"container {task.outcome.seconds if task.outcome else 0:.0f} s")
        assert run.state == state, f"{run}\n--- task log:\n{log[-6000:]}\n" \
                                   f"--- container:\n{outcomes.container_output[-6000:]}"
        assert task.outcome is not None
        assert (task.outcome.exit_code == 0) is (state == "success"), \
            outcomes.container_output[-6000:]
        yield outcomes


def assert_run_task_request(outcomes: Outcomes,
                            command: tuple[str, ...] = ("python", "main.py")) -> dict[str, Any]:
    """The one RunTask request is the environment's ECS settings; its container override."""
    (request,) = outcomes.ecs.run_task_calls()
    # botocore adds clientToken (RunTask's idempotency token) to every call by itself.
    assert {key: value for key, value in request.items()
            if key not in ("overrides", "clientToken")} == {
        "cluster": CLUSTER, "taskDefinition": TASK_DEFINITION, "launchType": "FARGATE",
        "networkConfiguration": NETWORK, "startedBy": "data-platform"}
    assert len(json.dumps(request["overrides"], separators=(",", ":"))) <= 8192
    (override,) = request["overrides"]["containerOverrides"]
    assert (override["name"], override["command"]) == (CONTAINER, list(command))
    return dict(override)


def assert_container_config(config_text: str, case: Case,
                            openmetadata_api: OpenMetadataApi) -> None:
    """The workflow the container got: the case's, with secrets still references."""
    config = yaml.safe_load(config_text)
    assert config["source"]["serviceName"] == case.service
    connection = config["source"]["serviceConnection"]["config"]["connection"]
    if case.invoke_rest_api:
        assert connection["type"] == "RestAPI" and "mwaaConfig" in connection["authConfig"]
    else:
        assert connection["authType"] == {"password": f"secret:{DB_SECRET}"}
    server = config["workflowConfig"]["openMetadataServerConfig"]
    assert (server["hostPort"], server["securityConfig"]["jwtToken"]) == (
        openmetadata_api.host_port, f"secret:{JWT_SECRET}")


def assert_ran_like_ecs(outcomes: Outcomes, openmetadata_api: OpenMetadataApi) -> None:
    """Logs read from the stream the awslogs driver writes, secrets from Secrets Manager,
    nothing refused by the stand-ins, and the bot's token on every OpenMetadata call."""
    ecs, task = outcomes.ecs, outcomes.task
    reads = [c.params for c in ecs.calls if c.operation == "GetLogEvents"]
    assert reads, "the operator never read the task's logs"
    assert {(r["logGroupName"], r["logStreamName"]) for r in reads} == {
        (LOG_GROUP, f"{STREAM_PREFIX}/{CONTAINER}/{task.id}")}
    assert "Workflow finished" in outcomes.log, outcomes.log[-4000:]
    assert {c.params["SecretId"] for c in ecs.calls
            if c.operation == "GetSecretValue"} == {JWT_SECRET, DB_SECRET}
    assert not ecs.errors(), ecs.errors()
    assert {r["token"] for r in openmetadata_api.requests()} == {TOKEN}


def test_ecs_approach_runs_the_rendered_task_whose_container_extracts_every_dag(
        airflow: E2EAirflow, postgres: Postgres, openmetadata_api: OpenMetadataApi) -> None:
    # A folder target is a folder of its repository: the repository sits in the DAGs folder.
    case = Case(DAG_ID, SERVICE, "file://bucket")
    repo = airflow.services.dags_folder / "ecs-repo"
    with run_on_ecs(airflow, postgres, openmetadata_api, repo, case) as outcomes:
        override = assert_run_task_request(outcomes)
        environment = {item["name"]: item["value"] for item in override["environment"]}
        assert set(environment) == {"config", "pipelineType", "pipelineRunId"}
        assert environment["pipelineType"] == "metadata"
        # One id per Airflow run, which the image's entry point puts into the config.
        run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"airflow:{DAG_ID}/{outcomes.run.run_id}"))
        assert environment["pipelineRunId"] == run_id
        statuses = openmetadata_api.ingestion_statuses(f"{SERVICE}.airflow_ecs")
        assert [(s["runId"], s["pipelineState"]) for s in statuses][-1] == (run_id, "success")
        assert "environmentFiles" not in override
        assert_container_config(environment["config"], case, openmetadata_api)
        assert_ran_like_ecs(outcomes, openmetadata_api)
        assert_extracted(airflow, openmetadata_api, "ecs", outcomes.run, outcomes.log,
                         DATABASE_SOURCE_GAPS[airflow.spec.major])


def test_ecs_config_over_the_overrides_limit_reaches_the_container_in_an_environment_file(
        airflow: E2EAirflow, postgres: Postgres, openmetadata_api: OpenMetadataApi,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if airflow.spec.major != 3:
        pytest.skip("the environment file does not depend on Airflow: proven on Airflow 3")
    for name, value in credentials_env().items():
        monkeypatch.setenv(name, value)  # the sync's identity on the S3 server
    with seaweedfs(tmp_path / "s3") as server:
        server.create_bucket(BUCKET)
        s3 = server.client()
        case = Case(f"{DAG_ID}_large", f"{SERVICE}_large", f"s3://{BUCKET}", server.endpoint,
                    NO_MATCH)

        def copy_dags() -> None:
            # MWAA copies the bucket's dags/ prefix into its workers' DAGs folder.
            folder = airflow.services.dags_folder / "ecs-s3"
            for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="dags/").get("Contents", []):
                path = folder / item["Key"].removeprefix("dags/")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())

        with run_on_ecs(airflow, postgres, openmetadata_api, tmp_path / "repo", case, s3,
                        copy_dags) as outcomes:
            override = assert_run_task_request(outcomes)
            assert [item["name"] for item in override["environment"]] == [
                "pipelineType", "pipelineRunId"]
            (file,) = override["environmentFiles"]
            assert file["type"] == "s3"
            assert file["value"].startswith(f"arn:aws:s3:::{BUCKET}/dags/")
            variables = environment_file(s3, file["value"])
            assert set(variables) == {"config"}
            assert len(variables["config"]) > 8192
            assert_container_config(variables["config"], case, openmetadata_api)
            assert_ran_like_ecs(outcomes, openmetadata_api)
            assert_extracted(airflow, openmetadata_api, "ecs_large", outcomes.run, outcomes.log,
                             DATABASE_SOURCE_GAPS[airflow.spec.major])


def test_ecs_container_that_fails_fails_the_run_with_its_last_log_lines(
        airflow: E2EAirflow, postgres: Postgres, openmetadata_api: OpenMetadataApi) -> None:
    if airflow.spec.major != 3:
        pytest.skip("the exit code travels the same way on every Airflow: proven on Airflow 3")
    case = Case(f"{DAG_ID}_no_secret", f"{SERVICE}_no_secret", "file://bucket")
    repo = airflow.services.dags_folder / "ecs-no-secret-repo"
    # The database password's secret is missing: the container exits non-zero.
    with run_on_ecs(airflow, postgres, openmetadata_api, repo, case,
                    secret_ids=(JWT_SECRET,), state="failed") as outcomes:
        assert outcomes.task.outcome is not None and outcomes.task.outcome.exit_code != 0
        assert outcomes.run.task_states == {"run_workflow": "failed"}
        # The operator fails with the task's last CloudWatch lines: the container's own error
        # (the connector cannot reach the database without its password).
        failure = outcomes.log.partition("logs from Cloudwatch:")[2]
        assert "Failed to run the test connection step: CheckAccess" in failure, \
            outcomes.log[-6000:]
        assert not outcomes.ecs.errors(), outcomes.ecs.errors()
        assert openmetadata_api.pipelines() == {}
