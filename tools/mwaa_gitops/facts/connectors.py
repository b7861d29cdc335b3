"""Which ``openmetadata-ingestion`` extras a workflow needs installed to run.

openmetadata-ingestion imports a workflow's source from
``metadata.ingestion.source.<service>.<module>``, where the module is ``source.type`` up to its
first ``-`` (``redshift-usage`` → ``redshift``; ``metadata.utils.importer``), and a missing
dependency surfaces as ``pip install "openmetadata-ingestion[<source type>]"``. The packages a
connector imports are those of the pip extra of the same name, when the wheel declares one
(``Provides-Extra``, vendored per release by ``scripts/generate_requirements.py`` with the connector
modules the wheel ships; see :mod:`mwaa_gitops.facts.requirements_data`). A few modules take their
packages from an extra named otherwise (``ALIASES``, from the ``plugins`` of the release's
``setup.py``), or from one of several extras chosen by the connection's settings (``Datalake``,
``Mssql``, ``Db2``, ``Postgres``). A connector without an extra (Metabase, Airbyte, Fivetran, …)
runs on the base package.

Usage, lineage and profiler workflows import their connector too, so they need its extra.
Kind-level extras come on top: auto-classification also needs ``pii-processor`` (spaCy,
presidio-analyzer, pandas, NumPy: ``metadata.pii``). A test-suite workflow's ``source`` is
``TestSuite``: it runs its tests through the connection of the tested table's service, which the
OpenMetadata server gives at run time unless the workflow names it in ``serviceConnection``; only
then is the driver known here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mwaa_gitops.facts import package_index, requirements_data
from mwaa_gitops.facts.kinds import kind_of, value_at

# Connector modules whose packages come with an extra of another name (openmetadata-ingestion's
# setup.py `plugins`, 1.12, 1.13 and 2.0).
ALIASES = {
    "mongodb": "mongo",
    "saphana": "sap-hana",
    "domodashboard": "domo",
    "domodatabase": "domo",
    "domopipeline": "domo",
    "unitycatalog": "databricks",
    "databrickspipeline": "databricks",
    "gluepipeline": "glue",
    "timescale": "postgres",  # its scheme is postgresql+psycopg2
}
# Mssql's driver follows its scheme (default mssql+pytds in 1.12, 1.13 and 2.0).
MSSQL_SCHEMES = {"mssql+pytds": "mssql", "mssql+pyodbc": "mssql-odbc",
                 "mssql+pymssql": "pymssql"}
# Datalake's file system follows the credentials of its configSource.securityConfig.
DATALAKE_CREDENTIALS = (("gcpConfig", "datalake-gcs"), ("clientId", "datalake-azure"),
                        ("accountName", "datalake-azure"), ("awsRegion", "datalake-s3"))
# The Airflow connector's extra is OpenMetadata's own Airflow, never the connector's: it reads
# MWAA's Airflow, or its metadata database through a driver (CONNECTION_EXTRAS).
FORBIDDEN = frozenset({"airflow"})
CONNECTION_EXTRAS = {"Postgres": "postgres", "Mysql": "mysql"}
TEST_SUITE = "testsuite"
# What may reach requirements.txt and a DAG's requirement list: a pip extra name, nothing else.
EXTRA_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def workflow_extras(config: Mapping[str, Any], ingestion: str) -> tuple[str, ...]:
    """The extras ``config`` needs with openmetadata-ingestion ``ingestion``, sorted: its
    connector's, and its kind's."""
    return tuple(sorted({*connector_extras(config, ingestion), *kind_extras(config)}))


def connector_extras(config: Mapping[str, Any], ingestion: str) -> tuple[str, ...]:
    """The extra of the workflow's connector (and of the database the Airflow connector reads),
    when the release declares one."""
    source_type = value_at(config, "source", "type")
    connection = value_at(config, "source", "serviceConnection", "config")
    connection = connection if isinstance(connection, Mapping) else {}
    if not isinstance(source_type, str):
        return ()
    module = source_type.lower().split("-")[0]
    if module == TEST_SUITE:  # the tested service's connector, when the workflow names it
        kind = connection.get("type")
        module = kind.lower() if isinstance(kind, str) else ""
    found = {extra} if (extra := _extra(module, connection)) is not None else set()
    if module == "airflow":
        database = value_at(connection, "connection", "type")
        if isinstance(database, str) and database in CONNECTION_EXTRAS:
            found.add(CONNECTION_EXTRAS[database])
    provided = declared(ingestion)
    return tuple(sorted(e for e in found - FORBIDDEN if EXTRA_NAME.fullmatch(e)
                        and (provided is None or e in provided)))


def connection_from_server(config: Mapping[str, Any]) -> bool:
    """A test suite that leaves its connection to the server: which driver it needs is not
    known here."""
    source_type = value_at(config, "source", "type")
    return isinstance(source_type, str) and source_type.lower() == TEST_SUITE and not \
        isinstance(value_at(config, "source", "serviceConnection", "config", "type"), str)


def kind_extras(config: Mapping[str, Any]) -> tuple[str, ...]:
    """Extras the workflow's kind needs whatever its connector (the kinds table)."""
    return kind_of(config).extras


def declared(ingestion: str) -> frozenset[str] | None:
    """The extras the release declares (None: unknown, every name is taken as given: a release
    of no supported line, or one the package index could not give, which the requirements gate
    reports)."""
    try:
        data = requirements_data.connectors(ingestion)
    except package_index.IndexUnavailable:
        return None
    return data[0] if data is not None else None


def _extra(module: str, connection: Mapping[str, Any]) -> str | None:
    if module == "datalake":
        source = connection.get("configSource")
        security = source.get("securityConfig") if isinstance(source, Mapping) else None
        keys = set(security) if isinstance(security, Mapping) else set()
        return next((extra for key, extra in DATALAKE_CREDENTIALS if key in keys), None)
    if module == "mssql":
        scheme = connection.get("scheme", "mssql+pytds")
        return MSSQL_SCHEMES.get(scheme) if isinstance(scheme, str) else None
    if module == "db2":
        return "db2-ibmi" if connection.get("scheme") == "ibmi" else "db2"
    if module == "postgres" and connection.get("scheme") == "pgspider+psycopg2":
        return "pgspider"
    return ALIASES.get(module, module.replace("_", "-")) if module else None

