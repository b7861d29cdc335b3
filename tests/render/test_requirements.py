"""Each workflow's openmetadata-ingestion extras in what its approach installs: requirements.txt
for the python approach, the vendored lock of that extras set for the virtualenv approach."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.config.model import Environment, Workflow
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.render import render_environment
from mwaa_gitops.render.dags import venv_requirements
from mwaa_gitops.render.templates import settings_of
from tests.support.locks import write_vendored_lock

REDSHIFT = {"type": "Redshift", "hostPort": "cluster.example:5439", "username": "om",
            "database": "dev"}


def source(source_type: str, kind: str, connection: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    config: dict[str, Any] = {"type": source_type, "serviceName": "warehouse",
                              "sourceConfig": {"config": {"type": kind}}}
    if connection is not None:
        config["serviceConnection"] = {"config": connection}
    return config


WORKFLOWS = {
    "warehouse": source("redshift", "DatabaseMetadata", REDSHIFT),
    "warehouse_usage": source("redshift-usage", "DatabaseUsage", REDSHIFT),
    "warehouse_profiler": source("redshift", "Profiler", REDSHIFT),
    "warehouse_classifier": source("redshift", "AutoClassification", REDSHIFT),
    "dbt": source("dbt", "DBT"),
    "dashboards": source("metabase", "DashboardMetadata", {"type": "Metabase",
                                                           "hostPort": "http://mb:3000"}),
}


def with_workflows(env: Environment, approach: str, *names: str) -> Environment:
    """``env`` running the named workflows (on the first example workflow's settings)."""
    template = env.workflows[0]
    added = []
    for name in names:
        config = {**template.config, "source": WORKFLOWS[name]}
        added.append(dataclasses.replace(template, name=name, config=config, dag=dataclasses
                                         .replace(template.dag, approach=approach)))
    return dataclasses.replace(env, workflows=tuple(added))


def requirements(env: Environment) -> list[str]:
    return render_environment(env)["requirements.txt"].decode().splitlines()[2:]


@pytest.mark.parametrize(("names", "line"), [
    (("warehouse",), "openmetadata-ingestion[redshift]==2.0.7.0"),
    (("warehouse_usage", "warehouse_profiler"), "openmetadata-ingestion[redshift]==2.0.7.0"),
    (("dbt",), "openmetadata-ingestion[dbt]==2.0.7.0"),
    (("dashboards",), "openmetadata-ingestion==2.0.7.0"),
    (("warehouse", "dbt", "dashboards"), "openmetadata-ingestion[dbt,redshift]==2.0.7.0"),
    (("warehouse", "warehouse_classifier"),
     "openmetadata-ingestion[pii-processor,redshift]==2.0.7.0"),
])
def test_requirements_txt_names_the_union_of_the_python_workflows_extras(
        examples: dict[str, Environment], names: tuple[str, ...], line: str) -> None:
    assert requirements(with_workflows(examples["dev"], "python", *names)) == [line]


@pytest.mark.parametrize(("name", "extras"), [
    ("warehouse", ("redshift",)), ("warehouse_usage", ("redshift",)), ("dbt", ("dbt",)),
    ("dashboards", ()), ("warehouse_classifier", ("pii-processor", "redshift")),
])
@pytest.mark.parametrize("example", ["dev", "prod"])
def test_a_task_virtualenv_installs_the_repositorys_lock_of_its_workflows_extras(
        examples: dict[str, Environment], name: str, extras: tuple[str, ...],
        example: str, tmp_path: Path) -> None:
    env = dataclasses.replace(with_workflows(examples[example], "virtualenv", name),
                              root=tmp_path)
    (workflow,) = env.workflows
    lines = write_vendored_lock(tmp_path, LockSet(env.mwaa.airflow_version,
                                                  env.openmetadata.ingestion_version, extras))
    requirements = venv_requirements(env, workflow)
    assert requirements == lines
    pins = tuple(line.split()[0] for line in requirements)
    assert f"openmetadata-ingestion=={env.openmetadata.ingestion_version}" in pins
    dag = render_environment(env)[f"dags/openmetadata/{name}.py"].decode()
    assert settings_of(dag)["REQUIREMENTS"] == list(requirements)
    if extras == ("redshift",):  # what the extra adds is pinned, nothing left to the worker
        assert any(p.startswith("sqlalchemy-redshift==") for p in pins)


def test_each_virtualenv_workflow_gets_its_own_extras_lock(
        examples: dict[str, Environment]) -> None:
    env = with_workflows(examples["dev"], "virtualenv", "warehouse", "dashboards")
    first, second = (venv_requirements(env, wf) for wf in env.workflows)
    assert set(first) - set(second) and not set(second) - set(first)


def test_a_virtualenv_workflow_whose_extras_have_no_lock_fails_naming_the_lock_command(
        examples: dict[str, Environment]) -> None:
    env = with_workflows(examples["dev"], "virtualenv", "warehouse")
    workflow: Workflow = env.workflows[0]
    snowflake = {**workflow.config, "source": source("snowflake", "DatabaseMetadata")}
    env = dataclasses.replace(env, workflows=(dataclasses.replace(workflow, config=snowflake),))
    with pytest.raises(ConfigError) as raised:
        render_environment(env)
    (problem,) = raised.value.diagnostics
    assert problem.code == "missing-lock"
    assert str(problem.location).startswith("environments/")
    assert "openmetadata-ingestion[snowflake]==2.0.7.0 on MWAA's Airflow 3.3.1" in \
        problem.message
    assert problem.hint == "run `mwaa-gitops lock --env dev` and commit locks/"
