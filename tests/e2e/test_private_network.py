"""A private network, end to end: no package index reachable from the task, so the virtualenv
approach installs from the wheel bundle the environment's bucket carries.

The Postgres connector's metadata workflow in an environment with ``mwaa.privateNetwork: true``,
locked with ``mwaa-gitops lock`` (pins with the hashes of the files pip may install on MWAA):
``validate`` refuses it until ``mwaa-gitops bundle`` wrote the wheels into the repository (a
wheel built from a source release adds its own hash to the rendered requirements); ``sync``
puts the DAG, its config and the bundle into the bucket whose ``dags/`` prefix is the
DAGs folder of a real Airflow (scheduler, LocalExecutor, dag processor, PostgreSQL) whose task
processes have every index pointed at a closed port (``PIP_INDEX_URL``, ``UV_INDEX_URL``) and no
``PIP_NO_INDEX`` or ``PIP_FIND_LINKS``: the ``--no-index`` and the bundle's folder come from the
rendered DAG alone. The run extracts the warehouse into the OpenMetadata stand-in.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import MAJORS, TOKEN, WAREHOUSE_PASSWORD_VARIABLE, Major, mwaa_gitops
from tests.e2e.test_connectors import (
    DAG_ID,
    DATABASE,
    SERVICE,
    connector_repository,
    warehouse,
)
from tests.support.airflow_services import AirflowServices, airflow_services
from tests.support.image_site import image_user_base
from tests.support.openmetadata_api import OpenMetadataApi
from tests.support.postgres import Postgres

pytestmark = pytest.mark.e2e

__all__ = ["warehouse"]  # a fixture

CLOSED_INDEX = "http://127.0.0.1:9/simple"
# What would give the task an index or a wheel folder the DAG did not name.
INDEX_SETTINGS = ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "UV_FIND_LINKS",
                  "UV_NO_INDEX", "UV_EXTRA_INDEX_URL")


def installation(spec: Major) -> str:
    """The Airflow installation's name: its home folder and its database."""
    return f"private-{spec.environment}"


def private_repository(root: Path, spec: Major, openmetadata: OpenMetadataApi,
                       postgres: Postgres) -> Path:
    """The connector's repository, its environment on a private network, its bucket the
    installation's (``<installation>/bucket``, whose ``dags/`` is the DAGs folder)."""
    repo = connector_repository(root, spec, openmetadata, postgres)
    environment = repo / "environments" / spec.environment / "environment.yaml"
    text = environment.read_text()
    assert "  target: file://bucket\n" in text
    environment.write_text(text.replace(
        "  target: file://bucket\n",
        f"  target: file://{installation(spec)}/bucket\n  privateNetwork: true\n"))
    return repo


@pytest.fixture(scope="module", params=[3, 2], ids=["airflow3", "airflow2"])
def private(request: pytest.FixtureRequest, postgres: Postgres,
            openmetadata_api: OpenMetadataApi, warehouse: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Major, Path,
                                                                       AirflowServices]]:
    """A config repository on a private network, bundled and synced into an Airflow whose
    tasks reach no package index."""
    spec = MAJORS[request.param]
    python: Path = request.getfixturevalue(f"airflow{spec.major}_python")
    root = tmp_path_factory.mktemp(f"private-{spec.environment}")
    repo = private_repository(root, spec, openmetadata_api, postgres)
    mwaa_gitops(repo, "lock", "--env", spec.environment)  # its [postgres] set is no example's
    extra = {
        # MWAA's layout: the image's packages on the user site (see conftest.py), all of them:
        # the lock leaves out what the image has.
        "PYTHONUSERBASE": str(image_user_base(python, spec.release)),
        "PIP_INDEX_URL": CLOSED_INDEX,
        "UV_INDEX_URL": CLOSED_INDEX,
        "UV_DEFAULT_INDEX": CLOSED_INDEX,
        "OPENMETADATA_JWT": TOKEN,
        WAREHOUSE_PASSWORD_VARIABLE: postgres.password,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in INDEX_SETTINGS:  # whatever this machine's pip or uv would be given
            patch.delenv(name, raising=False)
        with airflow_services(python, postgres, root, spec.major, extra,
                              installation(spec)) as services:
            assert not set(INDEX_SETTINGS) & services.env.keys()
            yield spec, repo, services


def test_validate_refuses_a_private_network_without_its_bundle(
        private: tuple[Major, Path, AirflowServices]) -> None:
    spec, repo, _ = private
    out = mwaa_gitops(repo, "validate", "--env", spec.environment, expect=1)
    environment = f"environments/{spec.environment}/environment.yaml"
    line = (repo / environment).read_text().splitlines().index("  privateNetwork: true") + 1
    assert f"{environment}:{line}:19: " in out, out
    assert f"mwaa-gitops bundle --env {spec.environment}" in out, out


def test_virtualenv_installs_from_the_bucket_with_no_index_and_extracts(
        private: tuple[Major, Path, AirflowServices], openmetadata_api: OpenMetadataApi) -> None:
    spec, repo, services = private
    started = time.monotonic()
    bundled = json.loads(mwaa_gitops(repo, "bundle", "--env", spec.environment,
                                     "--format", "json"))["environments"][spec.environment]
    bundle_seconds = time.monotonic() - started
    mwaa_gitops(repo, "validate", "--env", spec.environment)
    mwaa_gitops(repo, "sync", "--env", spec.environment, "--no-update-mwaa")
    wheels = services.dags_folder / "openmetadata" / "wheels"
    assert len(list(wheels.glob("*/*.whl"))) == bundled["wheels"]
    services.wait_parsed([DAG_ID])  # and no import error: Airflow opened no wheel
    assert services.import_errors() == {}
    openmetadata_api.reset(TOKEN)
    started = time.monotonic()
    run = services.run(DAG_ID, timeout=900)
    run_seconds = time.monotonic() - started
    log = services.task_log(DAG_ID, run.run_id, "run_workflow")
    assert run.state == "success", f"{run}\n--- task log:\n{log[-8000:]}"
    assert "--no-index" in log and str(wheels) in log, log[-8000:]
    assert set(openmetadata_api.entities("/databases")) == {f"{SERVICE}.{DATABASE}"}
    tables: dict[str, dict[str, Any]] = openmetadata_api.entities("/tables")
    prefix = f"{SERVICE}.{DATABASE}.sales."
    assert set(tables) == {prefix + "orders", prefix + "big_orders"}
    assert not openmetadata_api.rejected(), openmetadata_api.rejected()
    sys.stderr.write(f"\n{spec.release}: bundle of {bundled['wheels']} wheels, "
                     f"{bundled['bytes'] / 1e6:.1f} MB in {bundle_seconds:.0f} s; "
                     f"the run (install from the bundle and extraction) {run_seconds:.0f} s\n")
