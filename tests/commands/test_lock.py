"""``mwaa-gitops lock``: the repository owns its locks (``locks/``); ``validate`` refuses a
workflow whose lock is missing or stale, offline, with the command that writes it; ``lock``
writes them (network), removes those no environment uses, and ``lock --check`` says what it
would change without writing."""

from __future__ import annotations

import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.config import locks
from mwaa_gitops.config.locks import LockSet
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import Diagnostic
from mwaa_gitops.facts import resolver
from mwaa_gitops.render import pipeline
from tests.conftest import ROOT, Writer

runner = CliRunner()

# Connectors beyond the examples', each with an extra of its own.
CONNECTORS = {
    "snowflake": """
        type: snowflake
        serviceName: snowflake_warehouse
        serviceConnection:
          config:
            type: Snowflake
            username: openmetadata
            password: secret:/openmetadata/snowflake/password
            account: acme-eu1
            warehouse: COMPUTE_WH
        sourceConfig:
          config:
            type: DatabaseMetadata
        """,
    "bigquery": """
        type: bigquery
        serviceName: bigquery_analytics
        serviceConnection:
          config:
            type: BigQuery
            credentials:
              gcpConfig:
                type: service_account
                projectId: acme-analytics
                privateKeyId: secret:/openmetadata/bigquery/private-key-id
                privateKey: secret:/openmetadata/bigquery/private-key
                clientEmail: openmetadata@acme-analytics.iam.gserviceaccount.com
                clientId: "1234567890"
        sourceConfig:
          config:
            type: DatabaseMetadata
        """,
    "mysql": """
        type: mysql
        serviceName: mysql_shop
        serviceConnection:
          config:
            type: Mysql
            username: openmetadata
            authType:
              password: secret:/openmetadata/mysql/password
            hostPort: mysql.example.internal:3306
        sourceConfig:
          config:
            type: DatabaseMetadata
        """,
    "kafka": """
        type: kafka
        serviceName: kafka_events
        serviceConnection:
          config:
            type: Kafka
            bootstrapServers: kafka.example.internal:9092
        sourceConfig:
          config:
            type: MessagingMetadata
        """,
    "tableau": """
        type: tableau
        serviceName: tableau_reports
        serviceConnection:
          config:
            type: Tableau
            hostPort: https://tableau.example.internal
            authType:
              username: openmetadata
              password: secret:/openmetadata/tableau/password
            siteName: acme
        sourceConfig:
          config:
            type: DashboardMetadata
        """,
}
RELEASES = {"dev": ("3.3.1", "2.0.7.0"), "prod": ("2.10.3", "1.12.14.2")}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def add_connector(write: Writer, name: str) -> None:
    """A virtualenv workflow of that connector in the base layer (so in dev and prod)."""
    source = textwrap.indent(textwrap.dedent(CONNECTORS[name]).strip("\n"), "  ")
    write(f"environments/base/workflows/{name}_metadata.yaml",
          f'dag:\n  dagId: openmetadata_{name}_metadata\n  schedule: "0 3 * * *"\n'
          f"  approach: virtualenv\nsource:\n{source}\nsink:\n  type: metadata-rest\n"
          "  config: {}\nworkflowConfig:\n  loggerLevel: INFO\n")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No resolver and no package index: what validate and `lock --check` must never need."""
    def refused(*_: object, **__: object) -> str:
        raise AssertionError("the resolver or the package index was used")

    monkeypatch.setattr(resolver, "uv_binary", refused)
    monkeypatch.setattr(resolver, "INDEX_URL", "http://127.0.0.1:9/simple")


def problems(repo: Path, name: str) -> list[Diagnostic]:
    return pipeline.check(Repository(repo), [name]).diagnostics.sorted()


def test_the_example_repositorys_locks_are_fresh_and_all_used() -> None:
    code, out, err = run("lock", "--check", "--repo", str(ROOT))
    assert code == 0, err
    assert out.strip() == "ok: 6 lock(s) fresh"


@pytest.mark.parametrize("connector", sorted(CONNECTORS))
def test_a_connector_beyond_the_examples_is_refused_until_locked_naming_the_command(
        repo: Path, write: Writer, connector: str, offline: None) -> None:
    add_connector(write, connector)
    for env, (airflow, ingestion) in RELEASES.items():
        (problem,) = problems(repo, env)
        lock_set = LockSet(airflow, ingestion, (connector,))
        assert problem.code == "missing-lock"
        assert problem.hint == f"run `mwaa-gitops lock --env {env}` and commit locks/"
        assert problem.message == (
            f"workflow '{connector}_metadata' needs the task virtualenv lock of "
            f"openmetadata-ingestion[{connector}]=={ingestion} on MWAA's Airflow {airflow}, "
            f"and the repository has no {lock_set.path}")
    # dev changes nothing of base: the workflow's approach brought it; prod pins its own
    # ingestion release, the later layer.
    assert str(problems(repo, "dev")[0].location) == \
        f"environments/base/workflows/{connector}_metadata.yaml:4:13"
    assert str(problems(repo, "prod")[0].location) == "environments/prod/environment.yaml:11:21"


def test_lock_check_lists_what_is_missing_and_writes_nothing(
        repo: Path, write: Writer, offline: None) -> None:
    for connector in ("mysql", "kafka"):
        add_connector(write, connector)
    before = sorted((repo / "locks").rglob("*"))
    code, _, err = run("lock", "--check", "--repo", str(repo))
    assert code == 1
    for airflow, ingestion in RELEASES.values():
        for connector in ("mysql", "kafka"):
            path = LockSet(airflow, ingestion, (connector,)).path
            assert f"{path} (openmetadata-ingestion[{connector}]=={ingestion}" in err
            assert f"{path}" in err and "is missing" in err
    assert "4 lock problem(s)" in err
    assert sorted((repo / "locks").rglob("*")) == before


def test_an_edited_lock_is_stale_for_validate_and_check(repo: Path, offline: None
                                                             ) -> None:
    lock_set = LockSet("3.3.1", "2.0.7.0", ("redshift",))
    path = repo / lock_set.path
    path.write_text(path.read_text().replace(lock_set.digest, "0" * 64))
    (problem,) = problems(repo, "dev")
    # Both workflows take their approach from base's dagDefaults: one problem, there.
    assert (problem.code, str(problem.location)) == (
        "stale-lock", "environments/base/environment.yaml:22:13")
    assert problem.hint == "run `mwaa-gitops lock --env dev` and commit locks/"
    assert problem.message.startswith(
        f"{lock_set.path}, the task virtualenv lock of 'redshift_metadata', 'redshift_usage', "
        "was written for other inputs than openmetadata-ingestion[redshift]==2.0.7.0 on MWAA's "
        "Airflow 3.3.1")
    code, _, err = run("lock", "--check", "--repo", str(repo))
    assert code == 1 and f"{lock_set.path} (openmetadata-ingestion[redshift]==2.0.7.0" in err
    assert "is stale" in err


def test_lock_removes_the_locks_no_environment_uses_any_more(repo: Path, offline: None
                                                            ) -> None:
    unused = repo / "locks" / "airflow-3.2.1" / "openmetadata-ingestion-2.0.7.0[mysql].txt"
    unused.parent.mkdir()
    unused.write_text("# left over\n")
    code, _, err = run("lock", "--check", "--repo", str(repo))
    assert code == 1 and "no environment uses this lock" in err
    assert str(unused.relative_to(repo)) in err
    code, _, err = run("lock", "--repo", str(repo))  # every other lock is fresh: offline
    assert code == 0, err
    assert not unused.exists() and not unused.parent.exists()
    assert f"removed {unused.relative_to(repo)}: no environment uses it" in err
    assert run("lock", "--check", "--repo", str(repo))[0] == 0


def test_lock_of_one_environment_keeps_the_locks_of_the_others(repo: Path) -> None:
    kept = sorted((repo / "locks").rglob("*.txt"))
    code, _, err = run("lock", "--env", "dev", "--repo", str(repo))
    assert code == 0, err
    assert sorted((repo / "locks").rglob("*.txt")) == kept


def test_lock_refuses_an_environment_that_does_not_validate_by_its_rules(
        repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        workflowConfig:
          loggerLevel: LOUD
        """)
    code, _, err = run("lock", "--repo", str(repo))
    assert code == 1
    assert "environments/dev/workflows/airflow_pipelines.yaml:" in err
    assert "nothing locked" in err


@pytest.mark.network
def test_lock_writes_a_new_sets_lock_and_validate_then_passes(
        repo: Path, write: Writer) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "the repository"], check=True)
    add_connector(write, "mysql")
    assert {d.code for d in problems(repo, "dev")} == {"missing-lock"}
    started = time.monotonic()
    code, _, err = run("lock", "--env", "dev", "--repo", str(repo))
    took = time.monotonic() - started
    assert code == 0, err
    lock_set = LockSet("3.3.1", "2.0.7.0", ("mysql",))
    assert f"wrote {lock_set.path}" in err
    assert took < 120, took  # one new extras set, warm uv cache: well under a minute
    assert problems(repo, "dev") == []
    written = locks.read(repo, lock_set)
    assert written is not None and written.digest == lock_set.digest
    assert any(line.startswith(("pymysql==", "mysqlclient==")) for line in written.lines)
    assert all(" --hash=sha256:" in line for line in written.lines)
    status = subprocess.run(["git", "-C", str(repo), "status", "--short", "--untracked-files=all",
                             "locks"], capture_output=True, text=True, check=True).stdout
    assert status.splitlines() == [f"?? {lock_set.path}"]
    # prod still lacks its own set, at its own release.
    assert {d.code for d in problems(repo, "prod")} == {"missing-lock"}


def test_lock_of_one_environment_is_not_stopped_by_another_that_does_not_validate(
        repo: Path, write: Writer, offline: None) -> None:
    write("environments/prod/workflows/dbt_analytics.yaml", """
        workflowConfig:
          loggerLevel: LOUD
        """)
    unused = repo / "locks" / "airflow-3.2.1" / "left-over.txt"
    unused.parent.mkdir()
    unused.write_text("# left over\n")
    code, _, err = run("lock", "--env", "dev", "--repo", str(repo))
    assert code == 0, err
    assert "warning: environment 'prod' does not validate" in err
    code, _, err = run("lock", "--repo", str(repo))
    assert code == 1 and "nothing locked" in err
    assert unused.exists()  # nothing is removed while an environment cannot say what it uses
