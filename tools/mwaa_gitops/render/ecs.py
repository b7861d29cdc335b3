"""The ECS approach: the arguments of ``EcsRunTaskOperator`` and, for large configs, an env file.

The ingestion image's entry point reads the workflow from the ``config`` environment variable and
its kind from ``pipelineType``. ECS rejects a ``RunTask`` whose ``overrides`` exceed 8,192
characters, so the size is settled here, at render time, where it is known exactly:

* it fits: ``config`` travels inline, as a container override (the common case);
* it does not: ``config`` goes into an environment file (``<workflow>.env``) rendered beside the
  DAG, and the override names it in ``environmentFiles``. ECS reads the file from the bucket when
  the task starts (the task *execution* role needs ``s3:GetObject`` on it and
  ``s3:GetBucketLocation`` on the bucket), so the container, its entry point and the variable it
  reads stay the same, and nothing fails at run time for being too long.

Only ``secret:`` references may stand in an ECS workflow: the container cannot read Airflow
Variables, the image's entry point expands no ``${NAME}``, and resolving ``${var:…}``/``${env:…}``
/``${NAME}`` in the worker would put the plaintext into the ``RunTask`` request (and CloudTrail).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from mwaa_gitops.check.secrets import reference_kind
from mwaa_gitops.config.model import EcsSettings, Environment, Workflow
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.render import pipelines
from mwaa_gitops.render.configs import OPENMETADATA_FOLDER, dump_config

OVERRIDES_LIMIT = 8192  # characters ECS accepts for a RunTask's overrides
CONFIG_VARIABLE = "config"
PIPELINE_TYPE_VARIABLE = "pipelineType"
# What the DAG adds to the overrides of each run: the run's id for OpenMetadata (a UUID).
RUN_ID_VARIABLE = "pipelineRunId"
RUN_ID_SIZE = len(json.dumps({"name": RUN_ID_VARIABLE, "value": "0" * 36},
                             separators=(",", ":"))) + 1  # and its comma


def env_file_key(env: Environment, workflow: Workflow) -> str:
    """Bucket key of a workflow's ECS environment file (only rendered for large configs)."""
    return f"{env.mwaa.dags_prefix}/{OPENMETADATA_FOLDER}/{workflow.name}.env"


def overrides_size(overrides: dict[str, Any]) -> int:
    """Characters of ``overrides`` as the ECS API counts them (compact JSON, ASCII-escaped, so
    that the count can only err on the safe side), with the run id each run adds."""
    return len(json.dumps(overrides, separators=(",", ":"), ensure_ascii=True)) + RUN_ID_SIZE


def ecs_arguments(env: Environment, workflow: Workflow) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The operator's settings (template constants) and the extra files they need."""
    ecs = env.ecs
    if ecs is None:
        raise ConfigError.at(workflow.tree.location, f"workflow '{workflow.name}' runs on ECS "
                             f"but environment '{env.name}' has no 'ecs:' settings",
                             code="ecs-settings")
    _refuse_airflow_references(workflow)
    pipeline_type = pipelines.pipeline_type(workflow)
    inline = _overrides(ecs, pipeline_type, [
        {"name": CONFIG_VARIABLE, "value": dump_config(workflow.config).decode("utf-8")}])
    files: dict[str, bytes] = {}
    overrides = inline
    if overrides_size(inline) > OVERRIDES_LIMIT:
        key = env_file_key(env, workflow)
        try:
            files[key] = env_file(workflow.config)
        except ValueError as exc:
            raise ConfigError.at(workflow.tree.location, f"workflow '{workflow.name}' is too "
                                 f"large for ECS container overrides, and {exc}",
                                 "shorten the config", code="ecs-overrides") from None
        overrides = _overrides(ecs, pipeline_type, [], [
            {"type": "s3", "value": _object_arn(env, workflow, key)}])
        if overrides_size(overrides) > OVERRIDES_LIMIT:
            raise ConfigError.at(workflow.tree.location, "the ECS overrides exceed 8,192 "
                                 "characters even without the config", code="ecs-overrides")
    settings = {
        "CLUSTER": ecs.cluster,
        "TASK_DEFINITION": ecs.task_definition,
        "LAUNCH_TYPE": ecs.launch_type,
        "NETWORK_CONFIGURATION": {
            "awsvpcConfiguration": {
                "subnets": list(ecs.subnets),
                "securityGroups": list(ecs.security_groups),
                "assignPublicIp": ecs.assign_public_ip,
            },
        },
        "OVERRIDES": overrides,
        "AWSLOGS_GROUP": ecs.log_group,
        # Airflow reads <prefix>/<task id>; awslogs writes <prefix>/<container>/<task id>.
        "AWSLOGS_STREAM_PREFIX": f"{ecs.log_stream_prefix}/{ecs.container_name}",
        "CONTAINER_NAME": ecs.container_name,
    }
    return settings, files


def env_file(config: dict[str, Any]) -> bytes:
    """``config=<the workflow as one line of YAML>``: ECS environment files hold one
    ``NAME=value`` per line, and the entry point reads ``config`` with a YAML loader."""
    line = yaml.dump(config, Dumper=_OneLineDumper, default_flow_style=True, sort_keys=False,
                     allow_unicode=False, width=2**31 - 1).rstrip("\n")
    if "\n" in line or "\r" in line or yaml.safe_load(line) != config:
        raise ValueError("the workflow config has no one-line YAML form")
    return f"{CONFIG_VARIABLE}={line}\n".encode("ascii")


class _OneLineDumper(yaml.SafeDumper):
    """Writes text with line breaks double-quoted, where a break is the escape ``\\n``."""


def _one_line_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    breaks = any(char in value for char in "\n\r\x85\u2028\u2029")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if breaks else None)


_OneLineDumper.add_representer(str, _one_line_text)


def _overrides(ecs: EcsSettings, pipeline_type: str, environment: list[dict[str, str]],
               environment_files: list[dict[str, str]] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": ecs.container_name,
        "command": list(ecs.command),
        "environment": [*environment, {"name": PIPELINE_TYPE_VARIABLE, "value": pipeline_type}],
    }
    if environment_files:
        container["environmentFiles"] = environment_files
    return {"containerOverrides": [container]}


def _object_arn(env: Environment, workflow: Workflow, key: str) -> str:
    location = env.mwaa.s3_location
    if location is None:
        raise ConfigError.at(workflow.tree.location, f"workflow '{workflow.name}' is too large "
                             "for ECS container overrides and must be read from the bucket, but "
                             f"environment '{env.name}' has no S3 target ({env.mwaa.target})",
                             "use an s3:// target, or shorten the config", code="ecs-overrides")
    bucket, prefix = location
    path = "/".join(part for part in (prefix, key) if part)
    region = env.mwaa.region
    partition = ("aws-cn" if region.startswith("cn-") else
                 "aws-us-gov" if region.startswith("us-gov-") else "aws")
    return f"arn:{partition}:s3:::{bucket}/{path}"


def _refuse_airflow_references(workflow: Workflow) -> None:
    for node in workflow.tree.scalars():
        kind = reference_kind(node.value)
        if kind in ("var", "env"):
            # The image's entry point loads `config` with yaml.safe_load and expands nothing.
            raise ConfigError.at(
                node.location, f"'{node.value}' cannot be resolved in an ECS task: the ingestion "
                "image's entry point expands no variables, the container cannot read Airflow "
                "Variables or the worker's environment, and resolving it in the worker would "
                "send the plaintext to the ECS API",
                "use an OpenMetadata secret reference (secret:<name>)", code="ecs-reference")
