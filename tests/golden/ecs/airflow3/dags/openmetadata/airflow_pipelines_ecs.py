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
DAG_ID = "openmetadata_airflow_pipelines_ecs"
SCHEDULE = "15 */6 * * *"
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
                "import base64,os,runpy,sys,types,zlib,yaml;m=types.ModuleType('mwaa_rest_api');exec(zlib.decompress(base64.b64decode(os.environ['MWAA_GITOPS_ADAPTER'])),m.__dict__);m.DAG_FILES=False;m.adapt(yaml.safe_load(os.environ.get('config') or '{}'));sys.argv=sys.argv[1:];sys.path.insert(0,os.path.dirname(os.path.abspath(sys.argv[0])));runpy.run_path(sys.argv[0],run_name='__main__')",
                "main.py",
            ],
            "environment": [
                {
                    "name": "config",
                    "value": (
                        "source:\n"
                        "  type: airflow\n"
                        "  serviceName: mwaa_airflow_ecs\n"
                        "  serviceConnection:\n"
                        "    config:\n"
                        "      type: Airflow\n"
                        "      hostPort: https://mwaa.example.internal\n"
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
                        "  loggerLevel: INFO\n"
                        "ingestionPipelineFQN: mwaa_airflow_ecs.airflow_pipelines_ecs\n"
                    ),
                },
                {
                    "name": "MWAA_GITOPS_ADAPTER",
                    "value": "eNqlWW1v3DYS/u5fweqT1GyUt0MPWEQp3MRJg2tyQeLDFdjzEdwVd81aKymkZMfwub/9ZoakRL2snaT7wZbI4bxxOPMMtdXVnnG+bZtWS86Z2teVbpgoy6oRjapKc+SG7L9CrdO9bEQuGuFnqo5Gy6MtMmx1gYS10EZ6lvTCP5tiwdryc1s18ujD8emv/N3x7yxjP/3t6NXxG/767W8nn+D1VLc4/eYEnp88fnz0+u3vJ6/42/dLlqtNszKNXrCmrQu5sn9V2SxYmqZn9u8ZLLs5YvCLPrdSXz9U5cNaNOfRksXJwk4UVbmjQROOms25zNtChmNgzcNCXFdtE47WYqdKchGOxk8W7MmzBftpwZ4lCxY/XbDHC/Z3+JvAgtujj/96j3ZpmW6qfa0KGevoUS525lH884fn8PBi9d9HZw8SHPvYliZKjk6PP/0DTP50evz+5ck3LaZh3ZZ+uBHm4m1pGlFupOf8dQxxJa7I5RaoCymMjC+lNmD1ksEuJOzhCzbagiX5p2z3ayAEKaszGthWGmMAAqlkjkVq6kI1cZRGiV2Ev1ztVGOsdnvRbM5Bt//kD6IFrU46OrX1pMqw91Upexb4W2spLroRp00q6lqWeQy6xnZxutNVW8dJMsPYz7EfMpJ9SICWcHhK64bYSbIuA3GFkiYuxV6Svxas897Ia+TJdVUVVspWfZE5OMEH/gpZWEeCfnA4LUWvklOCDo5391ZpQ/4e0QIHp8Zq+RTOSmYp8WVoo2PqiNlzS3c0nSI+z9lelXHHakYF6xWFoVgUMuc+pA6HkRPjCadJKHUaxFEFW+tH4cDvpKHDmVihrZGG76+EiDdVuVW7JavWf8hNM/K7c64yyp0XR76gxJNM/P1aFMY63FSt3kjYMrsg3UmIbDsYJQd422nHm4G7IETcoF3fXNcSIj8CK9KiupLaRmMklN7Ce3SHPqBGCfbhvmWQn0KuRupLtZEvO4qIhN/cJnbeWjAd7KhJgGibc2uuG7d0OPzSMwCTh650pN5kCdrS4Q03O1iBzDytKHMW4Q467hhVOG9PWi7qZm5rC2WoXpwN9nccDdONdVnLvRH7LlxnAjjpteCTRDl31Ed6UdnsYrqL3tRtW61qWahSpm7jIZEpX1g3kGKQNZpDvPCB+1EgdM+wVziTvvv38fFLN2tn0mPL9bhWdsLuLyUvTEKUfOg40wP43acl9GeY5Lr8lnS5CoJCNBDWA60icj6HLFvVhpPbZA6BjqGQYELHTRomdbcT6LeQVzrHqTtvo/JPIePMAmtCDBBM9TIHclR5WV1I2F3TcHR/xtxQfBfZghk4FY5z0iv2LaLXrSpyDmWZ5+BMVWB1BAF7iaUGYoVvoYSb+M4lveQO4nyf3CvVnHPP42tlBhBqVmofpRjZ3BccqLsa0rpurmMejMfz5OkWYi1wcYDQ7t9dR4wJvHvm62uuqytzNKGeiTlYaBGA3+tB/rBjlCQI9HAKzBgDwAEDGrD4lv3PHYSuKhJFMOWyxlpoOHJ7oS8ADssveMSRIwLvRjVUFX8eFh+knZwpXOMUsKZKvSODUGLcAfcYRSzYhZQ1XxeivOCXomilyRB0OL/bpWlbQx6TMbF0VSR0h9ObaMkn/iRVWqHroUcgr9oOxCVnCx2IzMhiu3BqQ9I8r/IsenNyCglkXeXXGXrI2UPPyQD6zOWEXtgQAAWeAXeMd87NDKBjIUuaS9jzjHUNzjjZEA4YyEUSawoVeLRmFot5D834wFo/UcprT5s52RFr5Q7j/gZPjOTVdgspC5oaRMlEbwu7G3ctDRv97NpC7dXMUju8YNjRJcltt3hbtSXG2bDVSbdtUVjoT54M3UsrZh1TV1AYrFNcL/Nn1w/9OWyBHmERAXVuplZg9lI5toQr16XGJHKFM9FZAg0m0UB3dYAOZohuwvvHH9FFgdu99dgbfrPN4F3T0KZ9hcpO9IAFMA43V+dSQ74LO7GRsFVPhP01LQ7HvnVT3CY47slsUHyrX6wvYPGsJwakWDOLagO0HqE4PQfJnSorhoqDwVZAMvZkf3eBKNWzxufKpJSSlcHR2E3Netl2kdhxc4SDPFywYHOSp2s8cjbOmvGq78oiHpdT8qV8TfvqwVxQxHDp0uF1KF74YC0VpYHuBduFsIK6lxFkijtt3wOkzByRLC+VrqDDKxtuoeYHkJtZ1d+5IvDhn5+wCvyCVQB1GRZh0sHG+0eQBXAX/tWQfKXvdWwxmkIr76+gFE3QTuBxBPHBFhMPrB9AkHKOXuE8hWQKfERbgDqHYi4M96At8jLC1siPWfvsvo9PM3FeecqVp6L7suF6F3bWL9MpTnP3RFXniUHpH7uNXH4g6l1UWTX7C6c+rBqATL2bsYfyDRKuAfAIJwHctsPXtdj5lumV2P0idrRQftnIumFvaeJE60ofYLivcuhWDzMaqIIkmZul3dpWBeTJrDvNqtwUbS65/CL2APBMRo07NAtiKzmKsgNJqOPpdS1HGt4rZ5ZfTqtgLVpjJnkNL8DQxPG1mhYKuvXfquqirUmPeBvdOEm3eCagQcXODbMhu7Ecf9C3S3aDoqzHuMSF5tYFD2E6U8UEJKdNOA1D6qyg94QiENOFAg2GPeLoFoFiCbvWvrxHOIaRvqTZ1L32NTrKqys4XFqKPXeTWFANaCzzmNbMUAQwKIJZqT1/ehlw3/B9J92+BdNwqsEziJgROoE7iKwfDeXIMp9Q+rGQblMIYyCTbYHwxr1h2hy4AK+XpkDFcYCogQ6Pu3tzJCVpCWQwN8Vv7eJbuhvASQS1zmmw/yTEYMdwnRViv84FEQ03IRlctNxE9srZ0sDaqKkaUXDI+lpJHEeATXPJ7Th19MXPl6bDmYM8Io1ruDLM/aQGtHvw9phers4huOlKNehUfSEblMDvQ5whdLOPCC+HIBwVWozQNcLoKXwPy5v1bX/lj1l81SM0svJB5pqVnQzBl2Z+HW4mzg5riHNcWL78glV3zs4WHReHL6GLF02lo2SmWwIF2HOy6tAVe3+mR0cZT/Gh07uagPC7ToXX8Bb18i99ahmC5y7gSX5H3Ue/95Jq5N7EyV8Ncn/fAnHRFf8AZ4Ht7mJgObnmgTBopIak2XWdnoG9UW0UXjuugdC0+73Q11FI02+Im50ghen6CS7wS0Et/4ii/TP2u6h7NErk3oKJyKlpXeEKL9cdVQiS/JjlwykBwunIQINTsOOVLBoRjQAAZlY00td8fM6RcGIm9BDdJGzTtcmG8nCI+me8FNxUZT4mcKOW5kBe9pdXaqOreS7hlG3Xv8I9k9o75ElFNxogOU9gMfPwWvCv4eX+tvFORHkvLh71hpZrOokeROYz52sSxh6w3otmB3eVM64Ip9Gw4f0UdQlBe+SBGH0fog4CZMkNZBnP5P6LomRav8ZiJjfXcfTI8Q9O9F78UdFqiPWw4HhK960quIBMo2T1uC898xYAx+jyaYTmkwTAfPQNNrbHFq+TaDxhLzL2zOaJ6PJJNAnaWe7Dm9jO93avxpe9g5YYkMuCUdnN6O5qGYIEV1DvRAlWobFng8vD7CbyZR19Ss/3nf0Dv6gDDcQJSggqmiR3QgWwcPyZzs7Of6ILrpKn0GD4zR2Fp/JLgx/chyCDqt0YsQwq4OCAx5Y+RPwYFJ2BGBNEQjCnpx5QepRhHXzPp3y69P8/O2gY5Q==",
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
