"""Shared helpers for render tests: the example environments, typed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mwaa_gitops.config import environments, model
from mwaa_gitops.config.model import Environment
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.facts.kinds import kind_of
from tests.support.airflow import airflow2_python, airflow3_python

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("local", "dev", "prod")

__all__ = ["airflow2_python", "airflow3_python"]


def environment(name: str, root: Path = ROOT) -> Environment:
    """The typed environment ``name`` of the repository at ``root``."""
    return model.environment_from(environments.build(Repository(root), name))


def python_variant(env: Environment) -> Environment:
    """``env`` with its virtualenv workflows on the python approach, which the examples no
    longer use (openmetadata-ingestion does not install under MWAA's constraints; the gate
    refuses it), so that the python template is still rendered and imported by real Airflow."""
    workflows = tuple(dataclasses.replace(wf, dag=dataclasses.replace(wf.dag, approach="python"))
                      if wf.dag.approach == "virtualenv" else wf for wf in env.workflows)
    return dataclasses.replace(env, workflows=workflows)


def ecs_variant(env: Environment) -> Environment:
    """``env`` with every virtualenv workflow whose kind the ingestion image can run on the ECS
    approach, so that each example is rendered (and imported) for every approach that runs it."""
    workflows = tuple(dataclasses.replace(wf, dag=dataclasses.replace(wf.dag, approach="ecs"))
                      if wf.dag.approach == "virtualenv" and kind_of(wf.config).runs_on("ecs")
                      else wf for wf in env.workflows)
    return dataclasses.replace(env, workflows=workflows)


@pytest.fixture(scope="session")
def examples() -> dict[str, Environment]:
    """The deployable example environments of this repository."""
    return {name: environment(name) for name in EXAMPLES}
