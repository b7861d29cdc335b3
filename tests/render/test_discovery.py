"""The discovery DAG's task, run with real Airflow 2 against a local Secrets Manager (moto).

It must find the metadata database in Airflow's own configuration, store the password in the
environment's secret, and log everything but the password.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from mwaa_gitops.render.discovery import render_discovery
from tests.render.conftest import environment
from tests.support.airflow import airflow_env

pytestmark = pytest.mark.airflow

CALL = Path(__file__).with_name("call_rendered.py")
PASSWORD = "S3cr3t!pw/with:odd@chars"
URL = ("postgresql+psycopg2://adminuser:S3cr3t%21pw%2Fwith%3Aodd%40chars@"
       "metadata.example.internal:5432/AirflowMetadata?sslmode=require")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def secrets_manager() -> Iterator[str]:
    """A moto server on 127.0.0.1 standing in for AWS Secrets Manager; its endpoint URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H",
                               "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def secret_value(endpoint: str, secret_id: str) -> str | None:
    client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    try:
        return str(client.get_secret_value(SecretId=secret_id)["SecretString"])
    except client.exceptions.ResourceNotFoundException:
        return None


def discover(python: Path, home: Path, endpoint: str, secret_id: str,
             airflow_settings: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Run the rendered discovery task once; its outcome and its log."""
    dag = home / "discovery.py"
    dag.parent.mkdir(parents=True, exist_ok=True)
    (source,) = render_discovery(environment("prod")).values()
    dag.write_bytes(source)
    output = home / "outcome.json"
    request = {"file": str(dag), "function": "discover_connection", "output": str(output),
               "kwargs": {"environment": "prod", "region": "us-east-1",
                          "secret_id": secret_id, "variable": None}}
    env = {**airflow_env(home), **CREDENTIALS, **airflow_settings, "AWS_ENDPOINT_URL": endpoint}
    done = subprocess.run([str(python), "-I", str(CALL)], input=json.dumps(request), text=True,
                          capture_output=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(output.read_text()), done.stdout + done.stderr


def test_discovery_stores_the_password_in_secrets_manager_and_logs_the_rest(
        airflow2_python: Path, secrets_manager: str, tmp_path: Path) -> None:
    secret_id = "/openmetadata/prod/mwaa-metadata-db/password"
    outcome, log = discover(airflow2_python, tmp_path / "first", secrets_manager, secret_id,
                            {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": URL})
    assert outcome["raised"] is None, outcome["message"]
    assert secret_value(secrets_manager, secret_id) == PASSWORD
    found = outcome["returned"]
    assert found["hostPort"] == "metadata.example.internal:5432"
    assert (found["username"], found["database"]) == ("adminuser", "AirflowMetadata")
    assert found["reference"] == f"secret:{secret_id}"
    assert ("postgresql+psycopg2://adminuser@metadata.example.internal:5432/AirflowMetadata"
            in log)
    assert "connection from-url" in log
    for leaked in (PASSWORD, "S3cr3t", "S3cr3t%21"):
        assert leaked not in log
        assert leaked not in json.dumps(outcome)

    rotated = URL.replace("S3cr3t%21pw", "N3w")
    outcome, _ = discover(airflow2_python, tmp_path / "again", secrets_manager, secret_id,
                          {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": rotated})
    assert outcome["raised"] is None
    assert secret_value(secrets_manager, secret_id) == "N3w/with:odd@chars"


def test_discovery_copes_with_a_masked_password_from_the_core_section(
        airflow2_python: Path, secrets_manager: str, tmp_path: Path) -> None:
    secret_id = "/openmetadata/masked/password"
    masked = "postgresql+psycopg2://adminuser:****@metadata.example.internal/AirflowMetadata"
    outcome, log = discover(airflow2_python, tmp_path, secrets_manager, secret_id,
                            {"AIRFLOW__CORE__SQL_ALCHEMY_CONN": masked})
    assert outcome["raised"] is None, outcome["message"]
    assert outcome["returned"]["hostPort"] == "metadata.example.internal"
    assert outcome["returned"]["password"] == "masked by MWAA, not stored"
    assert "masked" in log
    assert secret_value(secrets_manager, secret_id) is None


def test_discovery_reads_a_password_with_unencoded_url_characters_without_logging_it(
        airflow2_python: Path, secrets_manager: str, tmp_path: Path) -> None:
    secret_id = "/openmetadata/unencoded/password"
    raw = "pa/ss?w#rd"  # as SQLAlchemy reads it: the password runs to the '@'
    url = f"postgresql+psycopg2://adminuser:{raw}@metadata.example.internal:5432/AirflowMetadata"
    outcome, log = discover(airflow2_python, tmp_path, secrets_manager, secret_id,
                            {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url})
    assert outcome["raised"] is None, outcome["message"]
    assert secret_value(secrets_manager, secret_id) == raw
    assert outcome["returned"]["hostPort"] == "metadata.example.internal:5432"
    for leaked in ("pa/ss", "'pa'", "ss?w", "w#rd"):
        assert leaked not in log
        assert leaked not in json.dumps(outcome)
