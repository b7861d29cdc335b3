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

A workflow that reads Airflow through MWAA's ``InvokeRestApi`` (the Airflow connector's
``RestAPI`` connection with ``mwaaConfig``) gets the runners' adapter of that client
(``dags/mwaa_rest_api_compat.py``) in the container too, without a custom image: the command
becomes ``<python> -c BOOTSTRAP <script> …``, where ``BOOTSTRAP`` (a constant) loads the adapter
from the ``MWAA_GITOPS_ADAPTER`` variable (its source without docstrings and comments, zlib,
base64), calls ``adapt`` with the ``config`` variable read as YAML, and runs the image's own
script (``main.py``) as ``python main.py`` would. The config stays data in ``config``; the
adapter travels beside it, inline or in the same environment file.

Only ``secret:`` references may stand in an ECS workflow: the container cannot read Airflow
Variables, the image's entry point expands no ``${NAME}``, and resolving ``${var:…}``/``${env:…}``
/``${NAME}`` in the worker would put the plaintext into the ``RunTask`` request (and CloudTrail).
"""

from __future__ import annotations

import ast
import base64
import io
import json
import re
import tokenize
import zlib
from functools import cache
from typing import Any

import yaml

from mwaa_gitops.check.secrets import reference_kind
from mwaa_gitops.config.model import EcsSettings, Environment, Workflow
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.facts.airflow_connector import MWAA_CONFIG_PATH
from mwaa_gitops.render import pipelines
from mwaa_gitops.render.configs import OPENMETADATA_FOLDER, dump_config
from mwaa_gitops.render.templates import Template

OVERRIDES_LIMIT = 8192  # characters ECS accepts for a RunTask's overrides
CONFIG_VARIABLE = "config"
PIPELINE_TYPE_VARIABLE = "pipelineType"
# What the DAG adds to the overrides of each run: the run's id for OpenMetadata (a UUID).
RUN_ID_VARIABLE = "pipelineRunId"
RUN_ID_SIZE = len(json.dumps({"name": RUN_ID_VARIABLE, "value": "0" * 36},
                             separators=(",", ":"))) + 1  # and its comma
ADAPTER_TEMPLATE = "mwaa_rest_api_compat.py"  # the runners' adapter, also rendered beside DAGs
ADAPTER_VARIABLE = "MWAA_GITOPS_ADAPTER"
# Run by the image's python in place of its script: loads the adapter from ADAPTER_VARIABLE,
# tells it the DAGs' files are not here, adapts the connector for the workflow in `config`
# (read as data, with yaml.safe_load, as the image's entry point reads it), then runs the
# script named next on the command line as `python <script> …` runs it (its arguments, its
# folder first on sys.path, as __main__). A constant: nothing of the workflow is part of it.
BOOTSTRAP = (
    "import base64,os,runpy,sys,types,zlib,yaml;"
    "m=types.ModuleType('mwaa_rest_api');"
    f"exec(zlib.decompress(base64.b64decode(os.environ['{ADAPTER_VARIABLE}'])),m.__dict__);"
    "m.DAG_FILES=False;"
    f"m.adapt(yaml.safe_load(os.environ.get('{CONFIG_VARIABLE}') or '{{}}'));"
    "sys.argv=sys.argv[1:];sys.path.insert(0,os.path.dirname(os.path.abspath(sys.argv[0])));"
    "runpy.run_path(sys.argv[0],run_name='__main__')"
)
PYTHON = re.compile(r"(?:.*/)?python[0-9.]*")


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
    command = list(ecs.command)
    adapter: dict[str, str] = {}
    if adapts(workflow.config, command):
        command = [command[0], "-c", BOOTSTRAP, *command[1:]]
        adapter = {ADAPTER_VARIABLE: adapter_payload()}
    inline = _overrides(ecs, pipeline_type, command, [
        {"name": CONFIG_VARIABLE, "value": dump_config(workflow.config).decode("utf-8")},
        *({"name": name, "value": value} for name, value in adapter.items())])
    files: dict[str, bytes] = {}
    overrides = inline
    if overrides_size(inline) > OVERRIDES_LIMIT:
        key = env_file_key(env, workflow)
        try:
            files[key] = env_file(workflow.config, adapter)
        except ValueError as exc:
            raise ConfigError.at(workflow.tree.location, f"workflow '{workflow.name}' is too "
                                 f"large for ECS container overrides, and {exc}",
                                 "shorten the config", code="ecs-overrides") from None
        overrides = _overrides(ecs, pipeline_type, command, [], [
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


def env_file(config: dict[str, Any], more: dict[str, str] | None = None) -> bytes:
    """``config=<the workflow as one line of YAML>``: ECS environment files hold one
    ``NAME=value`` per line, and the entry point reads ``config`` with a YAML loader; then
    ``more`` (the adapter: base64, one line)."""
    line = yaml.dump(config, Dumper=_OneLineDumper, default_flow_style=True, sort_keys=False,
                     allow_unicode=False, width=2**31 - 1).rstrip("\n")
    if "\n" in line or "\r" in line or yaml.safe_load(line) != config:
        raise ValueError("the workflow config has no one-line YAML form")
    lines = [f"{CONFIG_VARIABLE}={line}", *(f"{name}={value}" for name, value in
                                            (more or {}).items())]
    return "".join(f"{text}\n" for text in lines).encode("ascii")


def reads_airflow_through_mwaa(config: dict[str, Any]) -> bool:
    """Whether the workflow's source is the Airflow connector behind ``mwaaConfig`` (what the
    adapter's own ``uses_mwaa`` tests in the container)."""
    source = config.get("source")
    if not isinstance(source, dict) or str(source.get("type", "")).lower() != "airflow":
        return False
    node: Any = config
    for key in MWAA_CONFIG_PATH:
        node = node.get(key) if isinstance(node, dict) else None
    return node is not None


def adapts(config: dict[str, Any], command: list[str]) -> bool:
    """Whether the container gets the adapter: the workflow reads Airflow through
    ``InvokeRestApi`` and the command is ``<python> <script> …``, which the bootstrap can run
    in its own process after adapting (any other command is left as it is)."""
    return (reads_airflow_through_mwaa(config) and len(command) >= 2
            and PYTHON.fullmatch(command[0]) is not None and command[1].endswith(".py"))


@cache
def adapter_payload() -> str:
    """The adapter's code as the bootstrap reads it: compact source, zlib, base64."""
    return base64.b64encode(zlib.compress(compact_source(
        Template.load(ADAPTER_TEMPLATE).source).encode("utf-8"), 9)).decode("ascii")


def compact_source(source: str) -> str:
    """``source`` without docstrings, comments and blank lines (the same code: about 60 % of
    the characters), by line and column, the same on every Python."""
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and body and len(body) > 1 and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            docstrings.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    comments = {token.start[0]: token.start[1] for token in
                tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT}
    kept = []
    for number, line in enumerate(source.splitlines(), 1):
        code = line[:comments[number]] if number in comments else line
        if number not in docstrings and code.strip():
            kept.append(code.rstrip())
    return "\n".join(kept) + "\n"


class _OneLineDumper(yaml.SafeDumper):
    """Writes text with line breaks double-quoted, where a break is the escape ``\\n``."""


def _one_line_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    breaks = any(char in value for char in "\n\r\x85\u2028\u2029")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if breaks else None)


_OneLineDumper.add_representer(str, _one_line_text)


def _overrides(ecs: EcsSettings, pipeline_type: str, command: list[str],
               environment: list[dict[str, str]],
               environment_files: list[dict[str, str]] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": ecs.container_name,
        "command": command,
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
