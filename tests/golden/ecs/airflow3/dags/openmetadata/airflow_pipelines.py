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
            "command": [
                "python",
                "-c",
                "import base64,os,runpy,sys,types,zlib,yaml;m=types.ModuleType('mwaa_rest_api');exec(zlib.decompress(base64.b64decode(os.environ['MWAA_GITOPS_ADAPTER'])),m.__dict__);m.DAG_FILES=False;m.adapt(yaml.safe_load(os.environ.get('config') or '{}'));sys.argv=sys.argv[1:];runpy.run_path(sys.argv[0],run_name='__main__')",
                "main.py",
            ],
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
                {
                    "name": "MWAA_GITOPS_ADAPTER",
                    "value": "eNqlWW1v3DYS/u5fweqT1CjK26EHLLIp3MRJg2tyQeLDFdjzEdwVd81aKymkZMfwub/9ZoakRL2snaT7wZbI4bxxOPMMtdXVnnG+bZtWS86Z2teVbpgoy6oRjapKc+SG7L9CrbO9bEQuGuFnqo5Gy6MtMmx1gYS10EZ6lvTCP5siZW35ua0aefTh+PRX/u74d7ZkP/3t6NXxG/767W8nn+D1VLc4/eYEnp88fnz0+u3vJ6/42/cLlqtNszKNTlnT1oVc2b+qbFKWZdmZ/XsGy26OGPyiz63U1w9V+bAWzXm0YHGS2omiKnc0aMJRszmXeVvIcAyseViI66ptwtFa7FRJLsLR+EnKnjxL2U8pe5akLH6asscp+zv8TWDB7dHHf71Hu7TMNtW+VoWMdfQoFzvzKP75w3N4eLH676OzBwmOfWxLEyVHp8ef/gEmfzo9fv/y5JsW07BuSz/cCHPxtjSNKDfSc/46hrgSV+RyC9SFFEbGl1IbsHrBYBcS9vAFG23BgvxTtvs1EIKU1RkNbCuNMQCBVDLHIjN1oZo4yqLELsJfrnaqMVa7vWg256Dbf/IHUUqrk45ObT2pMux9VcqeBf7WWoqLbsRpk4m6lmUeg66xXZztdNXWcZLMMPZz7IclyT4kQEs4PKV1Q+wkWZeBuEJJE5diL8lfKeu8N/IaeXJdVYWVslVfZA5O8IG/QhbWkaAfHE5L0avklKCD4929VdqQv0e0wMGpsVo8hbOytJT4MrTRMXXE7LmlO5pOEZ/nbK/KuGM1o4L1isJQLAqZcx9Sh8PIifGE0ySUOQ3iqIKt9aNw4HfS0OFMrNDWSMP3V0LEm6rcqt2CVes/5KYZ+d05VxnlzosjTynxJBN/vxaFsQ43Vas3ErbMLsh2EiLbDkbJAd522vFm4C4IETdo1zfXtYTIj8CKrKiupLbRGAmlt/Ae3aEPqFGCfbhvS8hPIVcj9aXayJcdRUTCb24TO28tmA521CRAtM25NdeNWzocfukZgMlDVzpSb7IEbenwhpsdrEBmnlaUOYtwBx13jCqctyctF3Uzt7WFMlQvzgb7O46G6ca6rOXeiH0XrjMBnPRa8EminDvqI72obHYx3UVv5ratVrUsVCkzt/GQyJQvrBtIMcgazSFe+MD9KBC6Z9grnMne/fv4+KWbtTPZseV6XCs7YfeXkhcmIUo+dJzpAfzu0xL6M0xyXX5LulwFQSEaCOuBVhE5n0OWrWrDyW0yh0DHUEgwoeMmDZO62wn0W8grm+PUnbdR+aeQcWaBNSEGCKZ6mQM5qrysLiTsrmk4un/J3FB8F1nKDJwKxznpFfsW0etWFTmHssxzcKYqsDqCgL3EUgOxwrdQwk1855Jecgdxvk/ulWrOuefxtTIDCDUrtY9SjGzuCw7UXQ1pXTfXMQ/G43nybAuxFrg4QGj3764jxgTePfP1NdfVlTmaUM/EHCy0CMDv9SB/2DFKEgR6OAVmjAHggAENWHzL/ucOQlcViSKYclljLTQcub3QFwCH5Rc84sgRgXejGqqKPw+LD9JOzhSucQpYU6XekUEoMe6Ae4wiUnYhZc3XhSgv+KUoWmmWCDqc3+3SrK0hj8mYWLoqErrD6U205BN/kiqt0PXQI5BXbQfikrOFDkRmZLFNndqQNM+rfBm9OTmFBLKu8uslesjZQ8/JAPrM5YRe2BAABZ4Bd4x3zs0MoGMhS5pL2PMl6xqccbIhHDCQiyTWFCrwaM0sFvMemvGBtX6ilNeeNnOyI9bKHcb9DZ4YyavtFlIWNDWIkoneFnY37loaNvrZtYXaq5mldjhl2NElyW23eFu1JcbZsNXJtm1RWOhPngzdSytmHVNXUBisU1wv82fXD/05bIEeYREBdW6mVmD2Ujm2hCvXpcYkcoUz0VkCDSbRQHd1gA5miG7C+8cf0UWB27312Bt+s83gXdPQpn2Fyk70gAUwDjdX51JDvgs7sZGwVU+E/TUtDse+dVPcJjjuyWxQfKtfrC9g8awnBqRYM4tqA7QeoTg9B8mdKiuGioPBVkAy9mR/d4Eo1bPG58pklJKVwdHYTc162XaR2HFzhIM8XJCyOcnTNR45G2fNeNV3ZRGPyyn5Ur6mffVgLihiuHTh8DoUL3ywlorSQPeC7UJYQd3LCDLFnbbvAVIuHZEsL5WuoMMrG26h5geQu7Sqv3NF4MM/P2EV+AWrAOoyLMKkg433jyAL4C78qyH5St/r2GI0hVbeX0EpmqCdwOMI4oMtJh5YP4Ag4xy9wnkGyRT4iLYAdQ7FXBjuQVvkZYStkR+z9tl9H59m4rzylCtPRfdlw/Uu7KxfplOc5u6Jqs4Tg9I/dhu5/EDUu6iyavYXTn1YNQCZejdjD+UbJFwD4BFOArhth69rsfMt0yux+0XsaKH8spF1w97SxInWlT7AcF/l0K0eZjRQBUmWbpZ2a1sVkCeX3WlW5aZoc8nlF7EHgGeW1LhDsyC2kqMoO5CEOp5e13Kk4b1yZvnltArWojVmktfwAgxNHF+raaGgW/+tqi7amvSIt9GNk3SLZwIaVOzcMBuyG8vxB327YDcoynqMS1xobl3wEKYzVUxActqE0zCkzgp6TygCMV0o0GDYI45uESiWsGvty3uEYxjpC5rN3Gtfo6O8uoLDpaXYczeJBdWAxjKPac0MRQCDIpiV2vOnlwH3Dd930u1bMA2nGjyDiBmhE7iDyPrRUI4s8wmlHwvpNoUwBjLZFghv3BumzYEL8HppClQcB4ga6PC4uzdHUpKWQAZzU/zWLr6luwGcRFDrnAb7T0IMdgzXy0Ls17kgouEmJIOLlpvIXjlbGlgbNVUjCg5ZXyuJ4wiwaS65HaeOvvj50nQ4c5BHpHEN1xJzP6kB7R68PaaXq3MIbrpSDTpVX8gGJfD7EGcI3ewjwsshCEeF0hG6Rhg9he9hebO+7a/8MYuveoRGVj5YumZlJ0PwpZlfh5uJs8Ma4hwXli+/YNWds7O04+LwJXTxoql0lMx0S6AAe05WHbpi78/06CjjKT50elcTEH7XqfAapuPIx8RyO8TOXbyTeL8yCH7vJNXIvYmTvxrj/roFwqKr/QHMAtPdvcBicssDUdBIDTmzazo9A3uh2ii8dVwDoWn3e6Gvo5Cm3w83OwEK0/UTWOCXglr+EUX7Z2x3UfdolMe9BRORU9O6uhXerTuqECP5McuHU/6Dw7EEDU7BjleyaEQ0qv+YWNFIX/LxOUfCiZnQQnSTsE3XZjmUh0PUPuOd4KYq8zGBG7U0B9Kyv7tSG13NcwmnbLf+Fe6ZlN4hT6q50QDIeQILmYe3gn8NLveXjXcCynth8ag1tFyzSfQgMJ85X5Mw9nj1XjA7uKqccUU4jYYNr6eoSQi6I4/D6PMQNRAgS24gy3gm998TJdPyNRYzubiOo0eOf3Ci9+KPilZDrIf1xlO6T1XB/WMWJavHfeWZtwA4RpdPIzSfJADko0+wsT22eJtE4wl7sWTPbJ6ILp9Ek6Cd5T68iO18b/dqfNc76IgBuKSMqu6Srq4WIUZw9fROkGAVGns2uDtc3kS+qqNP6fm+s3/gF3WYgThBCUFFk+ROpAAWjr/S2dn5L3TBTfIUGQw/uaPwTH5p8Hv7EGNQtRsDlkEFHBzw2NKHgB+DojMQY4JICOX01ANKDzKsg+/5kk93/v8HYncX/Q==",
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
