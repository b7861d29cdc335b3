"""Hostile strings in every rendered field: the code stays the same, the data comes back intact."""

from __future__ import annotations

import ast
import dataclasses
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mwaa_gitops.config.model import Environment
from mwaa_gitops.render import render_environment
from mwaa_gitops.render.discovery import render_discovery
from mwaa_gitops.render.templates import settings_of
from tests.render.conftest import environment

FRAGMENTS = ["'", '"', "'''", '"""', "\\", "\\n", "\n", "\r\n", "{{ ds }}", "{% raw %}", "{#",
             "}}", "${var:x}", "secret:x", "#", "\x00", "\u2028", "\x85", "ü", "🚀", "\t", " "]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
HOSTILE = st.one_of(TEXT, st.lists(st.one_of(st.sampled_from(FRAGMENTS), TEXT), min_size=1,
                                   max_size=6).map("".join))
BASES = {name: environment(name) for name in ("dev", "prod")}


def filled(env: Environment, value: str) -> Environment:
    """``env`` with ``value`` in every string the renderer writes into a file."""
    workflows = []
    for wf in env.workflows:
        config = json.loads(json.dumps(wf.config))
        config["source"]["serviceName"] = value
        config["workflowConfig"]["openMetadataServerConfig"]["hostPort"] = value
        # paused is a boolean after the schema check; a string here proves it stays data too.
        dag = dataclasses.replace(wf.dag, dag_id=value, schedule=value, start_date=value,
                                  owner=value, tags=(value, value), paused=value)
        workflows.append(dataclasses.replace(wf, config=config, dag=dag))
    assert env.ecs is not None
    ecs = dataclasses.replace(
        env.ecs, cluster=value, task_definition=value, launch_type=value, subnets=(value,),
        security_groups=(value, value), assign_public_ip=value, container_name=value,
        log_group=value, log_stream_prefix=value, command=(value, value))
    discovery = dataclasses.replace(env.discovery, dag_id=value, secret_id=value)
    mwaa = dataclasses.replace(env.mwaa, region=value)
    return dataclasses.replace(env, workflows=tuple(workflows), ecs=ecs, discovery=discovery,
                               mwaa=mwaa)


def shape(source: str) -> str:
    """The AST with every constant blanked: what the code does, not the data it holds."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.value = None
    return ast.dump(tree)


def py_files(tree: dict[str, bytes]) -> dict[str, str]:
    return {key: data.decode("utf-8") for key, data in tree.items() if key.endswith(".py")}


BASELINE = {name: {key: shape(text) for key, text in
                   py_files(render_environment(filled(env, "x"),
                                               discovery=env.mwaa.airflow_major < 3)).items()}
            for name, env in BASES.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=HOSTILE)
def test_hostile_values_keep_the_code_and_come_back_unchanged(value: str) -> None:
    for name, base in BASES.items():
        env = filled(base, value)
        tree = render_environment(env, discovery=env.mwaa.airflow_major < 3)
        files = py_files(tree)
        assert {key: shape(text) for key, text in files.items()} == BASELINE[name]
        for wf in env.workflows:
            values = settings_of(files[f"dags/openmetadata/{wf.name}.py"])
            assert (values["DAG_ID"], values["SCHEDULE"], values["START_DATE"],
                    values["OWNER"], values["TAGS"], values["PAUSED"]) == (
                value, value, value, value, [value, value], value)
            config = yaml.safe_load(tree[f"dags/openmetadata/{wf.name}.yaml"])
            assert config == wf.config
            if wf.dag.approach == "ecs":
                container = values["OVERRIDES"]["containerOverrides"][0]
                assert (container["name"], container["command"]) == (value, [value, value])
                assert yaml.safe_load(container["environment"][0]["value"]) == wf.config
                assert values["NETWORK_CONFIGURATION"] == {"awsvpcConfiguration": {
                    "subnets": [value], "securityGroups": [value, value],
                    "assignPublicIp": value}}
                assert (values["CLUSTER"], values["TASK_DEFINITION"], values["LAUNCH_TYPE"],
                        values["AWSLOGS_GROUP"], values["AWSLOGS_STREAM_PREFIX"]) == (
                    value, value, value, value, f"{value}/{value}")
        if env.mwaa.airflow_major < 3:
            discovery = settings_of(
                files["dags/openmetadata/mwaa_gitops_connection_discovery.py"])
            assert (discovery["DAG_ID"], discovery["SECRET_ID"], discovery["REGION"]) == (
                value, value, value)


@settings(max_examples=30, deadline=None)
@given(value=HOSTILE)
def test_hostile_environment_name_stays_data_in_the_discovery_dag(value: str) -> None:
    env = dataclasses.replace(BASES["prod"], name=value)  # discovery is Airflow 2 only
    (source,) = render_discovery(env).values()
    assert settings_of(source.decode())["ENVIRONMENT"] == value
