"""Registration: ``sync`` puts each workflow's ``IngestionPipeline`` into OpenMetadata from git,
disables only those it created once their workflow is gone, and ``plan`` shows both.

The server is the OpenMetadata stand-in (``tests/support/openmetadata_server.py``), which parses
every request with OpenMetadata's own models; a refusing server is a plain HTTP server that
answers 403, as OpenMetadata does for a bot without the permission.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.render import pipeline
from mwaa_gitops.render.ingestion_pipelines import pipeline_requests
from mwaa_gitops.sync.registration import (
    RECORD_KEY,
    Change,
    Owned,
    Record,
    make_plan,
)
from tests.conftest import ROOT, Writer
from tests.support.openmetadata_api import OpenMetadataApi, openmetadata_api

__all__ = ["openmetadata_api"]  # the fixture

runner = CliRunner()
TOKEN_VARIABLE = "OPENMETADATA_TOKEN"
# The local environment's workflows by FQN (redshift_profiler is disabled there).
LOCAL = {"metabase.metabase_dashboards", "mwaa_airflow.airflow_pipelines",
         "mwaa_airflow_ecs.airflow_pipelines_ecs",
         "mwaa_airflow_virtualenv.airflow_pipelines_virtualenv",
         "redshift_warehouse.dbt_analytics", "redshift_warehouse.redshift_metadata",
         "redshift_warehouse.redshift_usage"}
DOC = ROOT / "docs" / "openmetadata.md"


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def register_in(write: Writer, host_port: str = "http://localhost:8585/api") -> None:
    write("environments/local/environment.yaml", f"""
        extends: base
        mwaa:
          environmentName: openmetadata-local
          target: file://.local-bucket
        openmetadata:
          registerPipelines: true
          server:
            hostPort: {host_port}
        """)


def local_requests(repo: Path) -> dict[str, Any]:
    return pipeline_requests(pipeline.checked_environment(pipeline.open_repository(repo),
                                                          "local"))


def store_record(repo: Path, record: Record) -> None:
    path = repo / ".local-bucket" / RECORD_KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(record.to_json())


def test_every_rendered_config_names_its_ingestion_pipeline(repo: Path) -> None:
    assert set(local_requests(repo)) == LOCAL


def test_plan_compares_pipelines_with_the_record_by_digest(repo: Path) -> None:
    requests = local_requests(repo)
    changed = "redshift_warehouse.redshift_metadata"
    record = Record("local", {
        **{fqn: Owned(r.digest, True) for fqn, r in requests.items()
           if fqn not in ("metabase.metabase_dashboards", changed)},
        changed: Owned("0" * 64, True),
        "metabase.old_dashboards": Owned("1" * 64, True),
        "metabase.made_in_the_ui": Owned("2" * 64, False),
        "metabase.disabled_before": Owned("3" * 64, True, enabled=False),
    })
    plan = make_plan(requests, record, "http://om/api")
    changes = {step.fqn: step.change for step in plan.steps
               if step.change is not Change.unchanged}
    assert changes == {"metabase.metabase_dashboards": Change.add, changed: Change.update,
                       "metabase.old_dashboards": Change.disable,
                       "metabase.made_in_the_ui": Change.forget}


def plan_of_one_added_and_one_disabled(repo: Path, write: Writer) -> str:
    register_in(write)
    requests = local_requests(repo)
    store_record(repo, Record("local", {
        **{fqn: Owned(r.digest, True) for fqn, r in requests.items()
           if fqn != "redshift_warehouse.redshift_usage"},
        "redshift_warehouse.redshift_profiler": Owned("0" * 64, True),
    }))
    code, out = cli("plan", "--env", "local", "--repo", str(repo), "--no-check-dags")
    assert code == 0, out
    return out


def test_plan_shows_a_pipeline_to_add_and_one_to_disable(repo: Path, write: Writer) -> None:
    out = plan_of_one_added_and_one_disabled(repo, write)
    section = out[out.index("ingestion pipelines in OpenMetadata"):].rstrip().splitlines()
    assert section == [
        "ingestion pipelines in OpenMetadata (http://localhost:8585/api):",
        "  add       redshift_warehouse.redshift_usage",
        "  disable   redshift_warehouse.redshift_profiler  its workflow is no longer rendered",
        "1 to add, 0 to update, 1 to disable, 6 unchanged",
    ]
    # docs/openmetadata.md shows this very output.
    assert "\n".join(section) in DOC.read_text()


def test_sync_without_the_token_is_a_located_error_after_the_bucket_sync(
        repo: Path, write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    register_in(write)
    code, out = cli("sync", "--env", "local", "--repo", str(repo))
    assert code == 1
    assert re.search(r"environments/local/environment\.yaml:\d+:\d+: registering ingestion "
                     r"pipelines needs a bot token in the environment variable "
                     rf"{TOKEN_VARIABLE}, which is not set", out), out
    assert "Traceback" not in out
    assert (repo / ".local-bucket" / "dags" / "openmetadata" / "redshift_metadata.py").exists()


@pytest.fixture
def refusing_server() -> Iterator[str]:
    """A server that answers every call with OpenMetadata's 403 for a bot lacking permission."""

    class Refuse(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            payload = json.dumps({"code": 403, "message": "Principal: CatalogPrincipal{name="
                                  "'ingestion-bot'} operations [Create] not allowed"}).encode()
            self.send_response(403)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_PUT = do_PATCH = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()


def test_a_refusing_server_is_a_located_error_and_the_bucket_stays_synced(
        repo: Path, write: Writer, refusing_server: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, "eyJhbGciOiJIUzI1NiJ9.e30.c3RhbmQtaW4")
    register_in(write, refusing_server)
    code, out = cli("sync", "--env", "local", "--repo", str(repo))
    assert code == 1
    assert re.search(r"environments/local/environment\.yaml:\d+:\d+: OpenMetadata at "
                     r"http://127\.0\.0\.1:\d+/api does not allow registration with the token "
                     rf"in \${TOKEN_VARIABLE} \(403: .*not allowed\) \(give the bot", out), out
    assert "eyJhbGciOiJIUzI1NiJ9" not in out  # the token is never shown
    assert "synced 'local'" in out
    assert (repo / ".local-bucket" / "dags" / "openmetadata" / "redshift_metadata.py").exists()


SERVICES = {"/services/dashboardServices": [("metabase", "Metabase")],
            "/services/pipelineServices": [("mwaa_airflow", "Airflow"),
                                           ("mwaa_airflow_ecs", "Airflow"),
                                           ("mwaa_airflow_virtualenv", "Airflow")],
            "/services/databaseServices": [("redshift_warehouse", "Redshift")]}


@pytest.mark.openmetadata
def test_sync_registers_pipelines_and_disables_only_those_it_created(
        repo: Path, write: Writer, openmetadata_api: OpenMetadataApi,
        monkeypatch: pytest.MonkeyPatch) -> None:
    openmetadata_api.reset()
    monkeypatch.setenv(TOKEN_VARIABLE, "eyJhbGciOiJIUzI1NiJ9.e30.c3RhbmQtaW4")
    for collection, services in SERVICES.items():
        for name, kind in services:
            if name != "metabase":
                openmetadata_api.put(collection, {"name": name, "serviceType": kind})
    openmetadata_api.put("/teams", {"name": "data-platform", "teamType": "Group"})
    register_in(write, openmetadata_api.host_port)

    code, out = cli("sync", "--env", "local", "--repo", str(repo))
    # metabase's service does not exist yet: reported at its serviceName, the rest registered.
    assert code == 1
    assert re.search(r"environments/base/workflows/metabase_dashboards\.yaml:\d+:\d+: "
                     r"OpenMetadata has no dashboard service 'metabase'", out), out
    assert "ingestion pipelines: 6 created, 0 updated, 0 disabled; 1 refused" in out

    openmetadata_api.put("/services/dashboardServices",
                         {"name": "metabase", "serviceType": "Metabase"})
    code, out = cli("sync", "--env", "local", "--repo", str(repo))
    assert code == 0, out
    assert "ingestion pipelines: 1 created, 0 updated, 0 disabled" in out
    pipelines = openmetadata_api.entities("/services/ingestionPipelines")
    assert set(pipelines) == LOCAL
    usage = pipelines["redshift_warehouse.redshift_usage"]
    assert usage["service"]["fullyQualifiedName"] == "redshift_warehouse"
    assert usage["service"]["type"] == "databaseService"
    assert usage["pipelineType"] == "usage"
    assert usage["airflowConfig"]["scheduleInterval"] == "30 3 * * *"
    assert usage["owners"][0]["name"] == "data-platform"
    assert usage["enabled"] is True
    assert cli("sync", "--env", "local", "--repo", str(repo), "--detailed-exitcode")[0] == 3

    write("environments/local/workflows/redshift_usage.yaml", "dag:\n  enabled: false\n")
    code, out = cli("sync", "--env", "local", "--repo", str(repo))
    assert code == 0, out
    assert "ingestion pipelines: 0 created, 0 updated, 1 disabled" in out
    pipelines = openmetadata_api.entities("/services/ingestionPipelines")
    assert pipelines["redshift_warehouse.redshift_usage"]["enabled"] is False
    assert openmetadata_api.rejected() == [r for r in openmetadata_api.rejected()
                                           if "metabase" in r["path"]]
