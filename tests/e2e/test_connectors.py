"""A database connector beyond Airflow's, proven end to end: the Postgres connector's metadata
workflow (its ``postgres`` extra is none of the example repository's locked sets), refused by
``validate`` until ``mwaa-gitops lock`` writes the repository's lock of its set, rendered by
``mwaa-gitops render`` for the virtualenv approach with that lock's hashes, installed by pip in
hash-checking mode and run by real Airflow in its supervised task process, extracts the tier's
PostgreSQL into the OpenMetadata stand-in.

The virtualenv approach because it is the one that installs on MWAA: the python approach's
``openmetadata-ingestion[postgres]`` collides with MWAA's constraints on every release (see
``test_extraction.py``). The password comes from the task's environment through OpenMetadata's
own ``${NAME}`` reference, which the runner reads as ``${env:NAME}``.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    REGION,
    TOKEN,
    WAREHOUSE_PASSWORD_VARIABLE,
    E2EAirflow,
    Major,
    mwaa_gitops,
)
from tests.support.openmetadata_api import OpenMetadataApi
from tests.support.postgres import Postgres

pytestmark = pytest.mark.e2e

DATABASE = "warehouse_e2e"
SERVICE = "e2e_warehouse"
DAG_ID = "e2e_warehouse_metadata"
WAREHOUSE_SQL = """
DROP SCHEMA IF EXISTS sales CASCADE;
DROP SCHEMA IF EXISTS scratch CASCADE;
CREATE SCHEMA sales;
CREATE TABLE sales.orders (
    order_id integer PRIMARY KEY,
    customer text NOT NULL,
    amount numeric(10, 2),
    ordered_at timestamptz
);
COMMENT ON TABLE sales.orders IS 'One row per order';
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE amount > 100;
CREATE SCHEMA scratch;
CREATE TABLE scratch.ignored (id integer);
"""


@pytest.fixture(scope="session")
def warehouse(postgres: Postgres) -> str:
    """A database of the tier's PostgreSQL with two schemas (one filtered out), created once
    (the SQL starts afresh, whichever Airflow major comes first)."""
    postgres.create_database(DATABASE)
    postgres.psql(DATABASE, WAREHOUSE_SQL)
    return DATABASE


def connector_repository(root: Path, spec: Major, openmetadata: OpenMetadataApi,
                         postgres: Postgres) -> Path:
    """A config repository whose environment holds the Postgres metadata workflow."""
    def write(relative: str, text: str) -> None:
        path = root / "environments" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))

    # The stand-in answers with its own (1.13) server version; 1.12 clients refuse a mismatch.
    validation = "true" if spec.major == 3 else "false"
    write(f"{spec.environment}/environment.yaml", f"""
        mwaa:
          environmentName: {spec.mwaa_name}
          region: {REGION}
          airflowVersion: "{spec.release}"
          target: file://bucket
        openmetadata:
          ingestionVersion: "{spec.ingestion}"
          serverVersion: "{spec.server}"
          server:
            hostPort: {openmetadata.host_port}
            authProvider: openmetadata
            enableVersionValidation: {validation}
            securityConfig:
              jwtToken: ${{env:OPENMETADATA_JWT}}
        dagDefaults:
          owner: data-platform
          retries: 0
        """)
    write(f"{spec.environment}/workflows/warehouse_metadata.yaml", f"""
        dag:
          dagId: {DAG_ID}
          schedule: null
          approach: virtualenv
          tags: [openmetadata, e2e, postgres]
        source:
          type: postgres
          serviceName: {SERVICE}
          serviceConnection:
            config:
              type: Postgres
              hostPort: {postgres.host}:{postgres.port}
              username: {postgres.user}
              authType:
                password: ${{{WAREHOUSE_PASSWORD_VARIABLE}}}
              database: {DATABASE}
          sourceConfig:
            config:
              type: DatabaseMetadata
              schemaFilterPattern:
                includes: [sales]
        sink:
          type: metadata-rest
          config: {{}}
        workflowConfig:
          loggerLevel: INFO
        """)
    return root


@pytest.fixture
def rendered(airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, postgres: Postgres,
             warehouse: str, tmp_path: Path) -> Path:
    """The workflow rendered by the CLI and put into Airflow's DAGs folder, parsed."""
    repo = connector_repository(tmp_path / "repo", airflow.spec, openmetadata_api, postgres)
    # Refused until the repository holds the lock of its [postgres] set; `lock` writes it.
    refused = mwaa_gitops(repo, "validate", "--env", airflow.spec.environment, expect=1)
    assert f"run `mwaa-gitops lock --env {airflow.spec.environment}`" in refused
    mwaa_gitops(repo, "lock", "--env", airflow.spec.environment)
    mwaa_gitops(repo, "validate", "--env", airflow.spec.environment)
    out = tmp_path / "rendered"
    mwaa_gitops(repo, "render", "--env", airflow.spec.environment, "--out", str(out))
    folder = airflow.services.dags_folder / "connectors"
    folder.mkdir(exist_ok=True)
    # The DAG, its config, and the runners' adapter beside them, as rendered.
    for name in ("warehouse_metadata.py", "warehouse_metadata.yaml", "compat/mwaa_rest_api.py"):
        (folder / name).parent.mkdir(exist_ok=True)
        shutil.copy(out / "dags" / "openmetadata" / name, folder / name)
    airflow.services.wait_parsed([DAG_ID])
    return folder / "warehouse_metadata.py"


def test_rendered_postgres_workflow_runs_its_kinds_class_in_a_locked_virtualenv(
        rendered: Path) -> None:
    text = rendered.read_text()
    assert 'WORKFLOW_CLASS = "metadata.workflow.metadata.MetadataWorkflow"' in text
    # The repository's lock of openmetadata-ingestion[postgres], every pin with its hashes:
    # what the extra adds beyond MWAA's image (psycopg2-binary is in the image, seen through
    # the system site packages). pip installs it in hash-checking mode.
    assert re.search(r'"geoalchemy2==\S+ --hash=sha256:[0-9a-f]{64}', text)
    assert f"${{{WAREHOUSE_PASSWORD_VARIABLE}}}" in rendered.with_suffix(".yaml").read_text()


def test_postgres_connector_extracts_the_warehouse_into_openmetadata(
        airflow: E2EAirflow, openmetadata_api: OpenMetadataApi, rendered: Path) -> None:
    openmetadata_api.reset(TOKEN)
    run = airflow.services.run(DAG_ID, timeout=900)
    log = airflow.services.task_log(DAG_ID, run.run_id, "run_workflow")
    assert run.state == "success", f"{run}\n--- task log:\n{log[-8000:]}"
    assert set(openmetadata_api.entities("/services/databaseServices")) == {SERVICE}
    assert set(openmetadata_api.entities("/databases")) == {f"{SERVICE}.{DATABASE}"}
    assert set(openmetadata_api.entities("/databaseSchemas")) == {f"{SERVICE}.{DATABASE}.sales"}
    tables: dict[str, dict[str, Any]] = openmetadata_api.entities("/tables")
    prefix = f"{SERVICE}.{DATABASE}.sales."
    assert set(tables) == {prefix + "orders", prefix + "big_orders"}
    orders = tables[prefix + "orders"]
    assert orders["tableType"] == "Regular"
    assert orders["description"] == "One row per order"
    assert [(c["name"], c["dataType"]) for c in orders["columns"]] == [
        ("order_id", "INT"), ("customer", "TEXT"), ("amount", "NUMERIC"),
        ("ordered_at", "TIMESTAMP")]
    assert orders["databaseSchema"]["fullyQualifiedName"] == f"{SERVICE}.{DATABASE}.sales"
    assert orders["service"]["name"] == SERVICE
    assert tables[prefix + "big_orders"]["tableType"] == "View"
    assert not openmetadata_api.rejected(), openmetadata_api.rejected()
