"""Which openmetadata-ingestion extras a workflow needs: its connector's, by the wheel's own
extras and connector modules (vendored), and its kind's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mwaa_gitops.facts import connectors, requirements_data
from mwaa_gitops.facts.connectors import workflow_extras
from tests.support.venvs import OPENMETADATA_VERSION, openmetadata_python

VERSIONS = requirements_data.SUPPORTED_INGESTION


def config(source_type: str, kind: str = "DatabaseMetadata",
           connection: dict[str, Any] | None = None) -> dict[str, Any]:
    source: dict[str, Any] = {"type": source_type, "serviceName": "svc",
                              "sourceConfig": {"config": {"type": kind}}}
    if connection is not None:
        source["serviceConnection"] = {"config": connection}
    return {"source": source, "sink": {"type": "metadata-rest", "config": {}},
            "workflowConfig": {"openMetadataServerConfig": {}}}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_warehouses_metadata_usage_lineage_and_profiler_need_its_extra(version: str) -> None:
    redshift = {"type": "Redshift", "hostPort": "h:5439", "username": "u", "database": "d"}
    for source_type, kind in (("redshift", "DatabaseMetadata"), ("redshift-usage", "DatabaseUsage"),
                              ("redshift-lineage", "DatabaseLineage"), ("redshift", "Profiler")):
        assert workflow_extras(config(source_type, kind, redshift), version) == ("redshift",)


@pytest.mark.parametrize("version", VERSIONS)
def test_dbt_needs_its_extra_and_metabase_only_the_base_package(version: str) -> None:
    assert workflow_extras(config("dbt", "DBT"), version) == ("dbt",)
    # No metabase extra in the wheel: the connector uses requests, a base requirement.
    assert "metabase" not in requirements_data.connectors(version)[0]  # type: ignore[index]
    assert workflow_extras(config("metabase", "DashboardMetadata"), version) == ()


@pytest.mark.parametrize("version", VERSIONS)
def test_auto_classification_adds_the_pii_processor_to_its_connectors_extra(version: str) -> None:
    found = workflow_extras(config("redshift", "AutoClassification"), version)
    assert found == ("pii-processor", "redshift")
    dist = requirements_data.requires_dist(version) or ()
    brought = {canonicalize_name(r.name) for r in map(Requirement, dist)
               if r.marker is not None and r.marker.evaluate({"extra": "pii-processor"})
               and not r.marker.evaluate({"extra": ""})}
    assert {"spacy", "presidio-analyzer"} <= brought


def test_a_test_suite_needs_the_extra_of_the_connection_it_names_and_none_it_does_not() -> None:
    assert workflow_extras(config("TestSuite", "TestSuite"), "1.13.6.3") == ()
    named = config("TestSuite", "TestSuite", {"type": "Snowflake", "account": "a"})
    assert workflow_extras(named, "1.13.6.3") == ("snowflake",)


def test_connection_settings_choose_between_a_connectors_extras() -> None:
    v = "1.13.6.3"
    s3 = {"type": "Datalake", "configSource": {"securityConfig": {"awsRegion": "eu-west-1"}}}
    gcs = {"type": "Datalake", "configSource": {"securityConfig": {"gcpConfig": {}}}}
    azure = {"type": "Datalake", "configSource": {"securityConfig": {"clientId": "c",
                                                                      "accountName": "a"}}}
    assert [workflow_extras(config("datalake", connection=c), v) for c in (s3, gcs, azure)] == [
        ("datalake-s3",), ("datalake-gcs",), ("datalake-azure",)]
    assert [workflow_extras(config("mssql", connection={"type": "Mssql", **scheme}), v)
            for scheme in ({}, {"scheme": "mssql+pyodbc"}, {"scheme": "mssql+pymssql"})] == [
        ("mssql",), ("mssql-odbc",), ("pymssql",)]
    assert workflow_extras(config("db2", connection={"scheme": "ibmi"}), v) == ("db2-ibmi",)
    pgspider = {"type": "Postgres", "scheme": "pgspider+psycopg2"}
    assert workflow_extras(config("postgres", connection=pgspider), v) == ("pgspider",)


def test_modules_named_otherwise_take_the_extra_setup_py_gives_them() -> None:
    assert [workflow_extras(config(t), "1.13.6.3") for t in (
        "mongodb", "saphana", "domodashboard", "unitycatalog-usage", "gluepipeline")] == [
        ("mongo",), ("sap-hana",), ("domo",), ("databricks",), ("glue",)]


def test_the_airflow_connector_never_gets_the_airflow_extra_but_its_databases_driver() -> None:
    plain = config("airflow", "PipelineMetadata", {"type": "Airflow", "connection": {
        "type": "Backend"}})
    backend = config("airflow", "PipelineMetadata", {"type": "Airflow", "connection": {
        "type": "Postgres"}})
    assert workflow_extras(plain, "1.13.6.3") == ()
    assert workflow_extras(backend, "1.13.6.3") == ("postgres",)


def test_an_extra_is_named_only_when_that_release_declares_it() -> None:
    # Iceberg's connector (and its extra) is in 1.12 only; S3 storage got an extra in 1.13.
    assert workflow_extras(config("iceberg"), "1.12.14.2") == ("iceberg",)
    assert workflow_extras(config("iceberg"), "1.13.6.3") == ()
    assert workflow_extras(config("s3", "StorageMetadata"), "1.12.14.2") == ()
    assert workflow_extras(config("s3", "StorageMetadata"), "1.13.6.3") == ("s3",)


def test_a_source_type_never_becomes_anything_but_an_extra_name() -> None:
    hostile = config('x]==0\n--index-url http://evil/"')
    assert workflow_extras(hostile, "9.9.9") == ()  # an unvendored release takes names as given
    assert workflow_extras(config("snowflake"), "9.9.9") == ("snowflake",)


# Declared extras that are no connector's by its name: chosen by connection settings, kinds,
# or not for running a workflow at all (OpenMetadata's own Airflow, development, bundles).
BY_SETTINGS = {"datalake-azure", "datalake-gcs", "datalake-s3", "db2-ibmi", "deltalake-spark",
               "deltalake-storage", "mssql-odbc", "pgspider", "pymssql"}
NOT_CONNECTORS = {"airflow", "all", "all-dev-env", "azure-sso", "backup", "data-insight", "dev",
                  "docs", "e2e_test", "e2e-test", "exasol-test", "great-expectations",
                  "great-expectations-1xx", "pandas",
                  "pii-processor", "playwright", "presidio-analyzer", "pyarrow", "sample-data",
                  "sklearn", "slim", "test", "test-unit"}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_connector_extra_of_the_wheel_is_some_connector_modules(version: str) -> None:
    """A release that adds a connector extra named unlike its module fails here (until
    ``ALIASES`` knows it), rather than installing a workflow without its driver."""
    data = requirements_data.connectors(version)
    assert data is not None
    declared, sources = data
    modules = {m for found in sources.values() for m in found}
    assert {"redshift", "dbt", "metabase", "snowflake", "postgres"} <= modules
    assert set(connectors.ALIASES) <= modules
    assert set(connectors.ALIASES.values()) <= declared
    reached = {e for m in modules for e in workflow_extras(config(m), version)}
    assert declared - reached == (BY_SETTINGS | NOT_CONNECTORS) & declared


def test_every_example_workflow_shipped_in_the_wheel_imports_a_vendored_module_or_is_collates(
        ) -> None:
    """The module rule (``source.type`` up to its first ``-``) finds the connector each of the
    package's own examples runs, except the connectors its wheel does not ship."""
    python = openmetadata_python()
    folder = Path(subprocess.run(
        [str(python), "-c", "import metadata, os; print(os.path.dirname(metadata.__file__))"],
        capture_output=True, text=True, check=True).stdout.strip()) / "examples" / "workflows"
    data = requirements_data.connectors(OPENMETADATA_VERSION)
    assert data is not None
    modules = {m for found in data[1].values() for m in found}
    missing = set()
    for path in sorted(folder.glob("*.yaml")):
        example = yaml.safe_load(path.read_text())
        module = str(example["source"]["type"]).lower().split("-")[0]
        if module not in modules | {"testsuite", "datainsight", "query"}:
            missing.add(module)
        for extra in workflow_extras(example, OPENMETADATA_VERSION):
            assert extra in data[0], (path.name, extra)
    # Connectors the examples show but the open-source wheel does not ship.
    assert missing <= {"datafactory", "kinesisfirehose", "matillion", "openmetadata",
                       "powerbireportserver", "synapse", "wherescape"}, missing


def test_the_vendored_connector_data_is_the_wheels() -> None:
    index = json.loads(requirements_data.INDEX.read_text())
    for version in VERSIONS:
        entry = index["connectors"][version]
        assert entry["wheelSha256"] == index["ingestion"][version]["wheelSha256"]
