# Rendered by mwaa-gitops from dags/ecs_workflow.py for Airflow 3.
# Do not edit: change environments/ and re-render.
"""An OpenMetadata workflow that runs outside MWAA, as an ECS task (EcsRunTaskOperator).

The task runs the ingestion image's entry point with the environment variables ``pipelineType``,
``config`` (the workflow config) and, set per run, ``pipelineRunId``. A config that fits in
ECS's 8,192-character limit for overrides travels inline; a larger one is an environment file
in the bucket, which ECS reads when the task starts. Secrets stay ``secret:`` references,
resolved in the container by OpenMetadata's secrets manager. Task logs are read back from the
task definition's log group.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

from airflow.sdk import DAG
from airflow.sdk.definitions.template import literal  # airflow.sdk 3.0 lacks it

# Settings from environments/, each written as a Python literal.
DAG_ID = "openmetadata_airflow_pipelines"
SCHEDULE = "@hourly"
START_DATE = "2024-01-01"
TAGS = ["openmetadata", "dev", "airflow-connector"]
OWNER = "data-platform"
RETRIES = 2
RETRY_DELAY_MINUTES = 5
MAX_ACTIVE_RUNS = 1
TIMEOUT_MINUTES = None
CLUSTER = "openmetadata-ingestion"
TASK_DEFINITION = "openmetadata-ingestion"
LAUNCH_TYPE = "FARGATE"
NETWORK_CONFIGURATION = {
    "awsvpcConfiguration": {
        "subnets": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        "securityGroups": ["sg-0bbbbbbbbbbbbbbb1"],
        "assignPublicIp": "DISABLED",
    },
}
OVERRIDES = {
    "containerOverrides": [
        {
            "name": "openmetadata-ingestion",
            "command": ["python", "main.py"],
            "environment": [
                {
                    "name": "config",
                    "value": (
                        "source:\n"
                        "  type: airflow\n"
                        "  serviceName: mwaa_airflow\n"
                        "  serviceConnection:\n"
                        "    config:\n"
                        "      type: Airflow\n"
                        "      hostPort: https://dev-mwaa.example.internal\n"
                        "      numberOfStatus: 10\n"
                        "      connection:\n"
                        "        type: RestAPI\n"
                        "        authConfig:\n"
                        "          mwaaConfig:\n"
                        "            mwaaEnvironmentName: openmetadata-dev\n"
                        "            awsConfig:\n"
                        "              awsRegion: eu-west-1\n"
                        "  sourceConfig:\n"
                        "    config:\n"
                        "      type: PipelineMetadata\n"
                        "      includeLineage: true\n"
                        "      markDeletedPipelines: true\n"
                        "sink:\n"
                        "  type: metadata-rest\n"
                        "  config: {}\n"
                        "workflowConfig:\n"
                        "  openMetadataServerConfig:\n"
                        "    hostPort: https://openmetadata.dev.example.internal/api\n"
                        "    authProvider: openmetadata\n"
                        "    securityConfig:\n"
                        "      jwtToken: secret:/openmetadata/dev/ingestion-bot-jwt\n"
                        "    secretsManagerProvider: aws\n"
                        "    secretsManagerLoader: noop\n"
                        "  loggerLevel: DEBUG\n"
                        "ingestionPipelineFQN: mwaa_airflow.airflow_pipelines\n"
                    ),
                },
                {"name": "pipelineType", "value": "metadata"},
            ],
        },
    ],
}
AWSLOGS_GROUP = "/ecs/openmetadata-ingestion"
AWSLOGS_STREAM_PREFIX = "ingestion/openmetadata-ingestion"
CONTAINER_NAME = "openmetadata-ingestion"
# The variable the ingestion image's entry point reads the run's id from.
RUN_ID_VARIABLE = "pipelineRunId"


def with_run_id(context) -> None:
    """Before the task starts: the container's ``pipelineRunId`` variable, which the image's
    entry point puts into the workflow config. One id per Airflow run, the same for its retries,
    so OpenMetadata records a run's RUNNING and final states on one row of its history."""
    task = context["task"]
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"airflow:{DAG_ID}/{context['run_id']}"))
    first, *others = task.overrides["containerOverrides"]
    environment = [item for item in first["environment"] if item["name"] != RUN_ID_VARIABLE]
    # A new value, not an edit: the rendered overrides stay as the DAG file wrote them.
    task.overrides = {**task.overrides, "containerOverrides": [
        {**first, "environment": [*environment, {"name": RUN_ID_VARIABLE, "value": run_id}]},
        *others]}


with DAG(
    dag_id=DAG_ID,
    schedule=SCHEDULE,
    start_date=datetime.fromisoformat(START_DATE).replace(tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=MAX_ACTIVE_RUNS,
    tags=TAGS,
    default_args={
        "owner": OWNER,
        "retries": RETRIES,
        "retry_delay": timedelta(minutes=RETRY_DELAY_MINUTES),
        "execution_timeout": timedelta(minutes=TIMEOUT_MINUTES) if TIMEOUT_MINUTES else None,
    },
    doc_md=__doc__,
):
    # Named, the provider finds the task's log stream at once instead of waiting (10 s and
    # more) for DescribeTasks to list the container; MWAA 2.10's amazon provider lacks it.
    container = {"container_name": literal(CONTAINER_NAME)}
    # literal(): these values are data for the ECS API, never Jinja templates.
    EcsRunTaskOperator(
        task_id="run_workflow",
        cluster=literal(CLUSTER),
        task_definition=literal(TASK_DEFINITION),
        launch_type=literal(LAUNCH_TYPE),
        network_configuration=literal(NETWORK_CONFIGURATION),
        overrides=literal(OVERRIDES),
        awslogs_group=literal(AWSLOGS_GROUP),
        # The awslogs driver names streams <prefix>/<container>/<task id>.
        awslogs_stream_prefix=literal(AWSLOGS_STREAM_PREFIX),
        pre_execute=with_run_id,
        **container,
    )
