"""Shared helpers for render tests: the example environments, typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_gitops import environments, model
from mwaa_gitops.model import Environment
from mwaa_gitops.repository import Repository
from tests.support.airflow import airflow2_python, airflow3_python

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("local", "dev", "prod")

__all__ = ["airflow2_python", "airflow3_python"]


def environment(name: str, root: Path = ROOT) -> Environment:
    """The typed environment ``name`` of the repository at ``root``."""
    return model.environment_from(environments.build(Repository(root), name))


@pytest.fixture(scope="session")
def examples() -> dict[str, Environment]:
    """The deployable example environments of this repository."""
    return {name: environment(name) for name in EXAMPLES}
