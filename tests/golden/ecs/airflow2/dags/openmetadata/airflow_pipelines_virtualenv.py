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
DAG_ID = "openmetadata_airflow_pipelines_virtualenv"
SCHEDULE = "30 */6 * * *"
START_DATE = "2024-01-01"
TAGS = ["openmetadata", "prod", "airflow-connector"]
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
            "command": [
                "python",
                "-c",
                "import base64,os,runpy,sys,types,zlib,yaml;m=types.ModuleType('mwaa_rest_api');exec(zlib.decompress(base64.b64decode(os.environ['MWAA_GITOPS_ADAPTER'])),m.__dict__);m.adapt(yaml.safe_load(os.environ.get('config') or '{}'));sys.argv=sys.argv[1:];runpy.run_path(sys.argv[0],run_name='__main__')",
                "main.py",
            ],
            "environment": [
                {
                    "name": "config",
                    "value": (
                        "source:\n"
                        "  type: airflow\n"
                        "  serviceName: mwaa_airflow_virtualenv\n"
                        "  serviceConnection:\n"
                        "    config:\n"
                        "      type: Airflow\n"
                        "      hostPort: https://mwaa.example.internal\n"
                        "      numberOfStatus: 10\n"
                        "      connection:\n"
                        "        type: RestAPI\n"
                        "        authConfig:\n"
                        "          mwaaConfig:\n"
                        "            mwaaEnvironmentName: openmetadata-prod\n"
                        "            awsConfig:\n"
                        "              awsRegion: us-east-1\n"
                        "  sourceConfig:\n"
                        "    config:\n"
                        "      type: PipelineMetadata\n"
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
                        "ingestionPipelineFQN: mwaa_airflow_virtualenv.airflow_pipelines_virtualenv\n"
                    ),
                },
                {
                    "name": "MWAA_GITOPS_ADAPTER",
                    "value": "eNqlWW1v3LgR/u5fwdMn6aIob8UVMKIcfEkuDdqkQeKiB2xdgbvirnnWigop2TFc32/vzJCUqJe1k9x+sCVy3jgczjxDbbXas6LYdm2nRVEwuW+Ubhmva9XyVqraHLkh+6+S62wvWl7ylvsZ1dNocbRFgZ2ukLDh2ggvkl6Kz6ZKWVd/7lQrjj6cnP6teHfyG8vZT3+Btzev4enJ48dHv7797fWr4u37Y1bKTbsyrU5Z2zWVWNm/sm5TlmXZmf17Bmw3Rwx+0edO6OuHsn7Y8PY8OmZxktqJStU7GjThqNmci7KrRDgGxj+s+LXq2nC04TtZk0dwNH6SsifPUvZTyp4lKYufpuxxyv4KfxNguD36+K/3n8AoLbKN2jeyErGOHpV8Zx7FP394Dg8vVv99dPYgwbGPXW2i5Oj05NPfYcmfTk/ev3z9Tcw0rLvaD7fcXLytTcvrjfCSv04gciJHKbZAXQluRHwptIFVHzPYhYQ9fMEmW3BM/qm7/RoIQcvqjAa2SuOWQ9zUzInITFPJNo6yKLFM+CvlTrbGWrfn7eYcbPtP+SBKiTvp6eTWk0rD3qtaDCLwt9aCX/QjzpqMN42oyxhsjS1zttOqa+IkWRDs59gPOek+pEALOCu1dUPsNFmXgbpKChPXfC/IXynrvTfxGnlyrVRltWzlF1GCE3zgr1CEdSTYB2fRUgwmOSNOdSd6d2+lNuTvCS1IcGasjp/CWcktJb6M1+iEOmL23NIdzadIznO2l3Xci1owwXpFYihWlSgLH1KHw8ip8YTznJM5C+JIwdb6UTjwO2HocCZWaWeEKfZXnMcbVW/l7pip9e9i00787pwrjXTnxZGnlHiSmb9/5ZWxDjeq0xsBW2YZsp2AyLaDUXJAtp12shm4C0LEDVr+9roREPkRrCKr1JXQNhojLvUW3qM77AEzalgf7lsO+SmUaoS+lBvxsqeISPnNbWLn7Qrmgz01KeBde26X68YtHQ6/9AJgyWNXOlK/ZAHW0uENNzvgQGGeltcli3AHnXSMKpy3J63kTbu0tZU0VC/ORvs7jYb5xrqs5d5IfB+uCwGcDFYUs0S5dNQndlGV7GO6j97MbVsjG1HJWmRu4yGRSV9HN5BiUDQuh2ThQ+FHgdA9w17hTPbu3ycnL92snclOrNSTRtoJu7+UvDAJUfKh40wP4HefltCfYZLr81vS5yoICt5CWI+sisj5BWRZ1ZiC3CZKCHQMhQQTOm7SOKm7nUC/hbKyJUn9eZuUfwoZtyxYTYgBgqlB50iPrC/VhYDdNW2B7s+ZG4rvIkuZgVPhJCeDYd+iet3JqiygLBclOFNWWB1BwV5gqYFYKbZQwk18J8uguYc436f3SrbnhZfxtToDCLWodYhSjOzCFxyouxrSum6v4yIYj5fJsy3EWuDiAKHdv7uOGBN4/1ysrwutrszRjHoh5oDRIgC/16P8YccoSRDoKSgwYwwABwxowOJb9j93EPqqSBTBlMsaa67hyO25vgA4LL7gEUeJiLNb2VJV/HlcfJB2dqaQxxlglyr0jhaEGuMep8eoImUXQjTFuuL1RXHJq06YHEGH87tlzboG8piISaSrIqE7nN1ESz7xJ0lpia6HloC8ahsOl5wtdCAyI6pt6syGpHmuyjx68/oUEshaldc5esith56TEfRZygmDsjEACjwD7pjunJsZQcdK1DSXsOc56/uZabIhHDDSiyR2KVTgcTWLWMx7aMEHdvUzo7z1tJmzHbGr3GHc3+CJEYXabiFlQVODKJnobWF3466lYZOf5a3kXi6w2uGUYUeXJLc981Z1NcbZuNXJtl1VWehPngzdSxyLjmkUFAbrFNfL/NH3Q3+MW6BHWETAnJv5KjB7yRJbwpVrSmNSucKZ6CyBBpNooLs6QAczRDeT/eOP6KLA7X712Bt+85rBu6alTfsKk53qkQgQHG6uLoWGfBd2YhNlq4EI+2tiDse+dVPcJjjpyWJQfKtfrC+AedETI1KsmZXaAK1HKM7OUXKnyoqh4mCwVZBMPemFIUZVJqMkLA2Oxm5q0a+2b8Qeu0AAWIQMKVvSNefxWNk4+6dc35U3PBKndEsZmnbSw7egbCHrsUPoUK7wwa6U1wb6FWwQwprpXiYgKe6tfQ8gMndEor6UWkFPV7eFBZcfQG9uTX/n0v6Hf37CvP8L5n20ZVx2yQYb4R9BFwBc+NdAuhW+u7HlZw6mvL+C4jPDN4HHEbYHW0wysGIAQVYU6JWiyCB9ghzeVWDOoSgLAzxohLyOsBnyY3Z9dt+n55ckrzzlylPRDdmY34Wd9ct8qqC5e6Kq98So2E/dRi4/EPUuqqyZwxXTEFYtgKTBzdg1+ZYIeQAuwkkAt+3wdc13vkl6xXe/8B0xii8b0bTsLU281lrpAwL3qoT+9LCgkSlIkrtZ2q2tqiAz5v1plvWm6kpRiC98D5DO5NSqQ3vAt6JAVXYgCW08hfZ/YuG9ehbllcQFvLgaM8tkeOWFS5xepGkuoT//h1IXXUN2xNvoxmm6xTMBLSn2auzVyRt2YyX+oG+P2Q2qsh4rBDKaWxc8hOKMigk6zttuGobUqaDbhLQf0xUCDYZd4eTegGIJ+9ShoEc4hpF+TLOZex2qclSqKzhcWvB94SaxhBqwWJQx8SxQBMAnglmhvXx6GUnfFPteu30LpuFUg2cQIyNYAncQ2TAa6hF1OaP0YyHdpuLGQCbbAuGNe8O0OXIBXijNoYmTAFEDPV3hbsqRlLQlkMHcVHFrmW/pNgAnEcY6p8H+kxKDPcJ1XvH9uuRENN6EZHS1chPZS2ZLA7xRq1peFZD1tRQ4jpCa5pLbaeoYip8vTYczB3lEGNdi5Zj7yQxo8ODtMb1cnUNw0yVq0Jv6QjYqgd+HMUOwZh8RUI5hNxqUTvA0Auc5YA/Lm/XtcMmPWXw1YDJa5YPctSc7EcItzTwfbibOjmuIc1xYvjzDqj9nZ2kvxSFK6Nt5q3SULPRHYAB7Tqs6dKk+nOnJUcZTfOj0rmaw+65T4S1Mp5GPieV2jJb7eCf1njMIfu8k2Yq9iZM/G+P+ggXCoq/9AcyCpbubgOPZvQ5EQSs05My+zfQC7BVqK/GecQ2Eptvvub6OQpphP9zsDCjM+WewwLOCWf4RVftnbHDR9miSx/0KZirnS+vrVnib7qhCjOTHrJyC8h8cjhwsOIV1vBJVy6NJ/cfEiov0JR+fSyScLROahn4Stuna5GN9OEQNM94CblRdTgncqKU5kJb9bZXcaLUsJZyy/flXuGdWescyqeZGIyDnCSxkHt8D/jm4PFwv3gko74XFk2bQSs1m0YPAfOF8zcLY49V7wezocnLBFeE0Lmx8IUVNQtAdeRxGH4SogQBdYgNZxgu5/2YomZevqZrZVXUcPXLygxO9578r4oZYD+uNp3Qfp4IbxyxKVo+HyrO8ApAYXT6NcPmkASAffXSN7bHF+yMaT9iLnD2zeSK6fBLNgnZR+vjqtfe93avp7e6oIwbgkjKqujldVh2HGMHV0ztBgjVo6tngtjC/iXxVR5/S831n/8Av6jEDSYISgoYmyZ1IAVY4/S5nZ5e/yQV3x3NkMP7Ijsoz8aXFL+xjjEHVbgpYRhVwdMBjSx8CfgyKfoEYE0RCKGegHlF6kGEdfM+3e7rl/z+twQ8n",
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
