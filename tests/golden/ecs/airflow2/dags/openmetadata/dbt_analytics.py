# Rendered by mwaa-gitops from dags/ecs_workflow.py for Airflow 2.
# Do not edit: change environments/ and re-render.
# Airflow 2 names on purpose: airflow.sdk and the standard provider are the
# Airflow 3 homes that ruff's AIR311/AIR312 suggest.
# ruff: noqa: AIR311, AIR312
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

from airflow.models.dag import DAG
from airflow.utils.template import literal

# Settings from environments/, each written as a Python literal.
DAG_ID = "openmetadata_dbt_analytics"
SCHEDULE = "0 6 * * *"
START_DATE = "2024-01-01"
TAGS = ["openmetadata", "prod", "dbt", "redshift"]
OWNER = "data-platform"
RETRIES = 3
RETRY_DELAY_MINUTES = 5
MAX_ACTIVE_RUNS = 1
TIMEOUT_MINUTES = None
CLUSTER = "openmetadata-ingestion"
TASK_DEFINITION = "openmetadata-ingestion"
LAUNCH_TYPE = "FARGATE"
NETWORK_CONFIGURATION = {
    "awsvpcConfiguration": {
        "subnets": [
            "subnet-0ccccccccccccccc1",
            "subnet-0ccccccccccccccc2",
            "subnet-0ccccccccccccccc3",
        ],
        "securityGroups": ["sg-0ddddddddddddddd1"],
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
                        "  type: dbt\n"
                        "  serviceName: redshift_warehouse\n"
                        "  sourceConfig:\n"
                        "    config:\n"
                        "      type: DBT\n"
                        "      dbtConfigSource:\n"
                        "        dbtConfigType: s3\n"
                        "        dbtSecurityConfig:\n"
                        "          awsRegion: us-east-1\n"
                        "        dbtPrefixConfig:\n"
                        "          dbtBucketName: example-dbt-artifacts-prod\n"
                        "          dbtObjectPrefix: analytics/target\n"
                        "      dbtUpdateDescriptions: true\n"
                        "      includeTags: true\n"
                        "sink:\n"
                        "  type: metadata-rest\n"
                        "  config: {}\n"
                        "workflowConfig:\n"
                        "  openMetadataServerConfig:\n"
                        "    hostPort: https://openmetadata.example.com/api\n"
                        "    authProvider: openmetadata\n"
                        "    securityConfig:\n"
                        "      jwtToken: secret:/openmetadata/prod/ingestion-bot-jwt\n"
                        "    secretsManagerProvider: aws\n"
                        "    secretsManagerLoader: noop\n"
                        "  loggerLevel: INFO\n"
                        "ingestionPipelineFQN: redshift_warehouse.dbt_analytics\n"
                    ),
                },
                {"name": "pipelineType", "value": "dbt"},
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
    container = {}
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
