"""connection from-url: a metadata database URL → the overlay's block, password as a reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.config.model import DiscoverySettings
from mwaa_gitops.diagnostics import ConfigError
from mwaa_gitops.render.connection import connection_from_url, password_reference
from tests.render.conftest import ROOT

REFERENCE = "secret:/openmetadata/prod/mwaa-metadata-db/password"


def test_postgres_url_becomes_a_postgres_block_with_the_reference() -> None:
    block = connection_from_url("postgresql+psycopg2://admin%40x:p%40ss@db.internal:5433/"
                                "AirflowMetadata?sslmode=require", REFERENCE)
    assert block.connection == {
        "type": "Postgres", "hostPort": "db.internal:5433", "username": "admin@x",
        "authType": {"password": REFERENCE}, "database": "AirflowMetadata",
        "sslMode": "require"}
    assert block.had_password
    assert "p@ss" not in json.dumps(block.overlay())


def test_mysql_url_gets_the_default_port_and_names_the_schema() -> None:
    block = connection_from_url("mysql+pymysql://airflow@mysql.internal/airflow_db", REFERENCE)
    assert block.connection == {
        "type": "Mysql", "hostPort": "mysql.internal:3306", "username": "airflow",
        "authType": {"password": REFERENCE}, "databaseSchema": "airflow_db"}
    assert not block.had_password


def test_unknown_query_parameters_are_reported_not_copied() -> None:
    block = connection_from_url("postgresql://u@h/db?application_name=x&sslmode=bogus", REFERENCE)
    assert block.dropped_parameters == ("application_name", "sslmode")
    assert "sslMode" not in block.connection


@pytest.mark.parametrize(("url", "message"), [
    ("sqlite:////usr/local/airflow/airflow.db", "not a Postgres or MySQL URL"),
    ("postgresql:///db", "names no host"),
    ("postgresql://host.internal/db", "names no user"),
    ("postgresql://u@h:notaport/db", "not a SQLAlchemy URL"),
])
def test_urls_that_name_no_usable_database_are_usage_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        connection_from_url(url, REFERENCE)
    assert caught.value.diagnostics[0].code == "usage"


def test_reference_points_at_the_discovery_store() -> None:
    assert password_reference(DiscoverySettings(False, "d", "/a/b", None)) == "secret:/a/b"
    assert password_reference(DiscoverySettings(False, "d", None, "db_pw")) == "${var:db_pw}"


def test_cli_prints_a_pasteable_block_and_never_the_password() -> None:
    result = CliRunner().invoke(app, [
        "connection", "from-url", "postgresql://adminuser:hunter2@db.internal/AirflowMetadata",
        "--env", "prod", "--repo", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["source"]["serviceConnection"]["config"][
        "connection"]["authType"] == {"password": REFERENCE}
    assert "hunter2" not in result.stdout + result.stderr
    assert REFERENCE in result.stderr


def test_cli_render_with_discovery_writes_the_discovery_dag(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["render", "--env", "prod", "--out", str(tmp_path / "out"),
                                      "--discovery", "--repo", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/dags/openmetadata/mwaa_gitops_connection_discovery.py").is_file()
