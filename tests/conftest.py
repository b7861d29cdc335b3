"""Shared fixtures: a private copy of the example repository for tests that edit configs."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The openmetadata-ingestion release and server the example environments' base pins.
BASE_INGESTION = "2.0.7.0"
BASE_SERVER = "2.0.7"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the example config repository (environments/ and its locks/) to edit
    freely."""
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    shutil.copytree(ROOT / "locks", tmp_path / "locks")
    return tmp_path


Writer = Callable[[str, str], Path]


@pytest.fixture
def write(repo: Path) -> Writer:
    """Write (dedented) text to a file of the repository copy; returns its path."""

    def _write(relative: str, text: str) -> Path:
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return _write


REST_API = (
    "        # MWAA's InvokeRestApi with the run's AWS role: works on Airflow 2 and 3 (where no "
    "task\n"
    "        # may read the metadata database). mwaa-gitops fills in mwaaEnvironmentName and\n"
    "        # awsConfig.awsRegion from environment.yaml.\n"
    "        type: RestAPI\n"
    "        authConfig:\n"
    "          mwaaConfig: {}\n")


def with_backend_connections(repo: Path) -> None:
    """The base's python and virtualenv workflows on a `Backend` connection (fine on Airflow 2)
    instead of the REST API, on the same line as the REST API's `type:`."""
    for name in ("airflow_pipelines", "airflow_pipelines_virtualenv"):
        path = repo / f"environments/base/workflows/{name}.yaml"
        assert REST_API in path.read_text()
        path.write_text(path.read_text().replace(REST_API, "\n\n\n        type: Backend\n"))
