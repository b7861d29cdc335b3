"""Shared helpers for render tests: the example environments, typed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mwaa_gitops import environments, model
from mwaa_gitops.compatibility import python_approach_conflict
from mwaa_gitops.model import Environment
from mwaa_gitops.repository import Repository
from tests.support.airflow import airflow2_python, airflow3_python

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("local", "dev", "prod")
# The last openmetadata-ingestion line on SQLAlchemy 1.4, which Airflow 2's constraints accept.
LEGACY_INGESTION, LEGACY_SERVER = "1.12.14.2", "1.12.14"

__all__ = ["airflow2_python", "airflow3_python"]


def environment(name: str, root: Path = ROOT) -> Environment:
    """The typed environment ``name`` of the repository at ``root``."""
    return model.environment_from(environments.build(Repository(root), name))


def python_on_airflow_2(env: Environment) -> Environment:
    """``env`` (prod, on Airflow 2) with ``airflow_pipelines`` back on the python approach and
    the openmetadata-ingestion release that approach needs there: the python DAG on Airflow 2."""
    assert python_approach_conflict(env.mwaa.airflow_version, LEGACY_INGESTION) is None
    workflows = tuple(dataclasses.replace(wf, dag=dataclasses.replace(wf.dag, approach="python"))
                      if wf.name == "airflow_pipelines" else wf for wf in env.workflows)
    openmetadata = dataclasses.replace(env.openmetadata, ingestion_version=LEGACY_INGESTION,
                                       server_version=LEGACY_SERVER)
    return dataclasses.replace(env, workflows=workflows, openmetadata=openmetadata)


@pytest.fixture(scope="session")
def examples() -> dict[str, Environment]:
    """The deployable example environments of this repository."""
    return {name: environment(name) for name in EXAMPLES}
