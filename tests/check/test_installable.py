"""The requirements gate: what a workflow installs must install on its MWAA release, or validate
refuses the approach at the line that chose the versions, naming only ways out that work."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_gitops.config import environments
from mwaa_gitops.config.model import environment_from
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import Diagnostic
from mwaa_gitops.facts import connectors, mwaa_install, mwaa_releases, requirements_data
from mwaa_gitops.render import pipeline
from mwaa_gitops.render.dags import venv_requirements
from mwaa_gitops.render.mwaa import render_requirements
from tests.conftest import BASE_INGESTION, BASE_SERVER, Writer, with_backend_connections

BASE = "environments/base/environment.yaml"
ECS_WORKFLOW = "environments/base/workflows/airflow_pipelines_ecs.yaml"


def problems(repo: Path, *names: str, resolve: bool = False) -> list[Diagnostic]:
    return pipeline.check(Repository(repo), list(names) or None,
                          resolve=resolve).diagnostics.sorted()


def about(found: list[Diagnostic], workflow: str) -> list[Diagnostic]:
    return [d for d in found if f"'{workflow}'" in d.message]


def on_python(write: Writer) -> None:
    """dev's copy of the ECS example (Postgres connection, secret: references) moved into
    MWAA's Python."""
    write("environments/dev/workflows/airflow_pipelines_ecs.yaml", """
        dag:
          approach: python
        """)


def on_versions(repo: Path, airflow: str, ingestion: str) -> None:
    """The base layer on another MWAA release and openmetadata-ingestion (server to match)."""
    path = repo / BASE
    server = ".".join(ingestion.split(".")[:3])
    text = path.read_text().replace('airflowVersion: "3.3.1"', f'airflowVersion: "{airflow}"')
    text = text.replace(f'ingestionVersion: "{BASE_INGESTION}"', f'ingestionVersion: "{ingestion}"')
    path.write_text(text.replace(f'serverVersion: "{BASE_SERVER}"', f'serverVersion: "{server}"'))


def expected_conflicts(repo: Path, name: str) -> list[mwaa_install.DirectConflict]:
    """The direct conflicts of the environment's rendered requirements.txt, found apart."""
    env = environment_from(environments.build(Repository(repo), name))
    text = next(iter(render_requirements(env).values())).decode()
    return mwaa_install.direct_conflicts(text, env.mwaa.airflow_version)


def test_example_environments_install_every_workflow(repo: Path) -> None:
    assert problems(repo) == []


def test_python_approach_is_refused_at_the_approach_with_every_conflicting_pin(
        repo: Path, write: Writer) -> None:
    on_python(write)
    (problem,) = problems(repo, "dev")
    conflicts = expected_conflicts(repo, "dev")
    assert {"boto3", "tabulate"} <= {c.package for c in conflicts}
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines_ecs.yaml:2:13"
    assert problem.code == "dependency-conflict"
    listed = ", ".join(c.text() for c in conflicts[:12])
    assert problem.message.startswith(
        "workflow 'airflow_pipelines_ecs' runs in MWAA's own Python (approach python), where "
        f"openmetadata-ingestion {BASE_INGESTION} (set at "
        "environments/base/environment.yaml:12:21) "
        "cannot be installed on MWAA's Airflow 3.3.1 (set at "
        f"environments/base/environment.yaml:6:19): it requires {listed}")
    assert problem.message.endswith(f"({len(conflicts)} conflicting packages)")
    assert problem.hint == (
        "use approach virtualenv or ecs; with approach python, no openmetadata-ingestion 2.0 "
        f"release installs on Airflow 3.3.1, nor does {BASE_INGESTION} on any MWAA release; "
        "or install it under custom constraints that move MWAA's packages where they must: set "
        "`mwaa.customConstraints: true` in the environment's settings, then run "
        "`mwaa-gitops lock --env dev`")


def test_a_backend_workflow_is_never_pointed_at_ecs(repo: Path, write: Writer) -> None:
    with_backend_connections(repo)  # fine on Airflow 2 (prod), impossible on ECS
    write("environments/prod/workflows/airflow_pipelines_virtualenv.yaml", """
        dag:
          approach: python
        """)
    (problem,) = about(problems(repo, "prod"), "airflow_pipelines_virtualenv")
    assert problem.hint is not None and problem.hint.startswith("use approach virtualenv;")


def test_the_version_a_later_layer_set_is_where_the_conflict_is_reported(repo: Path) -> None:
    path = repo / ECS_WORKFLOW
    path.write_text(path.read_text().replace("approach: ecs", "approach: python"))
    (problem,) = about(problems(repo, "prod"), "airflow_pipelines_ecs")
    # prod sets both versions (the later line wins the tie); the approach comes from base.
    assert str(problem.location) == "environments/prod/environment.yaml:11:21"
    assert "(approach python, set at environments/base/workflows/airflow_pipelines_ecs.yaml" \
           ":8:13), where openmetadata-ingestion 1.12.14.2 cannot be installed on MWAA's " \
           "Airflow 2.10.3 (set at environments/prod/environment.yaml:8:19)" in problem.message


@pytest.mark.parametrize("airflow", mwaa_releases.releases())
@pytest.mark.parametrize("ingestion", requirements_data.SUPPORTED_INGESTION)
def test_on_every_release_the_python_example_installs_or_is_refused_with_its_exact_conflicts(
        repo: Path, write: Writer, airflow: str, ingestion: str) -> None:
    on_versions(repo, airflow, ingestion)
    on_python(write)
    conflicts = expected_conflicts(repo, "dev")
    found = about(problems(repo, "dev"), "airflow_pipelines_ecs")
    if not conflicts:
        assert found == []
        return
    (problem,) = found
    shown = ", ".join(c.text() for c in conflicts[:12])
    assert f": it requires {shown}" in problem.message
    assert f"({len(conflicts)} conflicting package" in problem.message


def test_a_task_virtualenv_that_does_not_resolve_is_refused_with_the_resolvers_reason(
        repo: Path) -> None:
    # prod (Airflow 2.10.3) on the base's openmetadata-ingestion 2.0 and its 2.0 server:
    # SQLAlchemy 1.4 vs 2.
    with_backend_connections(repo)
    path = repo / "environments/prod/environment.yaml"
    path.write_text(path.read_text().replace('  ingestionVersion: "1.12.14.2"\n', "")
                    .replace('  serverVersion: "1.12.14"\n', ""))
    found = problems(repo, "prod")
    assert {d.code for d in found} == {"dependency-conflict"}
    # Every virtualenv workflow, at the Airflow version prod set; one problem per lock and
    # where the approach was set.
    assert {str(d.location) for d in found} == {"environments/prod/environment.yaml:8:19"}
    (problem,) = [d for d in found if d.message.startswith(
        "workflows 'airflow_pipelines', 'airflow_pipelines_virtualenv' run in a task virtualenv")]
    # The warehouse's workflows have no Backend connection: ECS is a way out for them.
    assert all("use approach ecs" in (d.hint or "") for d in found if d is not problem)
    assert "apache-airflow==2.10.3 depends on sqlalchemy" in problem.message
    assert problem.hint is not None
    # The combinations that work: 2.0 on Airflow 3.2.1 or 3.3.1; not 1.12, which installs here
    # but which a 2.0 server refuses.
    assert problem.hint.startswith("MWAA with Airflow 3.2.1 or 3.3.1; the server is on 2.0")
    assert "1.12" not in problem.hint
    assert "ecs" not in problem.hint  # Backend connections: ECS cannot reach them


def seeded(requirements: tuple[str, ...], airflow: str) -> tuple[str, ...]:
    """What the rendered requirements add to MWAA's image, after checking every line carries
    its hashes and that the rest is the image's own packages at the image's versions (pinned
    too: pip checks the hash of whatever it installs)."""
    assert all(" --hash=sha256:" in line for line in requirements), requirements[:3]
    installed = mwaa_releases.installed_packages(airflow)
    pins = [line.split()[0].split("==") for line in requirements]
    return tuple(f"{name}=={pin}" for name, pin in pins if installed.get(name) != pin)


def test_virtualenv_dags_carry_the_repositorys_lock_seeded_from_the_vendored_one(
        repo: Path) -> None:
    env = environment_from(environments.build(Repository(repo), "dev"))
    for workflow in env.workflows:
        if workflow.dag.approach == "virtualenv":
            extras = connectors.workflow_extras(workflow.config, BASE_INGESTION)
            lock = requirements_data.venv_lock("3.3.1", BASE_INGESTION, extras)
            assert lock is not None and lock.pins, extras
            assert seeded(venv_requirements(env, workflow), "3.3.1") == lock.pins


WAREHOUSE = """
    dag:
      schedule: "0 2 * * *"
      approach: virtualenv
    source:
      type: redshift
      serviceName: warehouse
      serviceConnection:
        config:
          type: Redshift
          hostPort: warehouse.example.internal:5439
          username: openmetadata
          authType:
            password: secret:/openmetadata/warehouse-password
          database: analytics
      sourceConfig:
        config:
          type: DatabaseMetadata
    sink:
      type: metadata-rest
      config: {}
    workflowConfig:
      loggerLevel: INFO
    """


def test_a_redshift_workflow_installs_its_extras_lock_in_every_example_environment(
        repo: Path, write: Writer) -> None:
    write("environments/base/workflows/warehouse.yaml", WAREHOUSE)
    assert problems(repo) == []
    for name in ("dev", "prod"):
        env = environment_from(environments.build(Repository(repo), name))
        (workflow,) = [wf for wf in env.workflows if wf.name == "warehouse"]
        lock = requirements_data.venv_lock(env.mwaa.airflow_version,
                                           env.openmetadata.ingestion_version, ("redshift",))
        assert lock is not None
        assert seeded(venv_requirements(env, workflow), env.mwaa.airflow_version) == lock.pins


def test_the_python_approach_names_each_conflict_a_workflows_connector_extra_brings(
        repo: Path, write: Writer) -> None:
    write("environments/base/workflows/warehouse.yaml", WAREHOUSE)
    write("environments/prod/workflows/warehouse.yaml", """
        dag:
          approach: python
        """)
    (problem,) = problems(repo, "prod")
    env = environment_from(environments.build(Repository(repo), "prod"))
    text = next(iter(render_requirements(env).values())).decode()
    assert "openmetadata-ingestion[redshift]==1.12.14.2" in text.splitlines()
    conflicts = mwaa_install.direct_conflicts(text, "2.10.3")
    (brought,) = [c for c in conflicts if c.extras]
    assert brought.text() == "sqlalchemy-redshift==0.8.12 (for [redshift]; MWAA pins 0.8.14)"
    assert str(problem.location) == "environments/prod/workflows/warehouse.yaml:2:13"
    assert brought.text() in problem.message
    assert problem.message.endswith(f"({len(conflicts)} conflicting packages)")


def test_the_python_approach_says_what_offline_cannot_see_when_nothing_conflicts_directly(
        repo: Path, write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    on_python(write)
    monkeypatch.setattr(mwaa_install, "direct_conflicts", lambda text, airflow: ())
    (problem,) = problems(repo, "dev")
    assert (problem.severity, problem.code) == ("warning", "requirements-unverified")
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines_ecs.yaml:2:13"
    assert problem.message.startswith(
        f"requirements.txt (openmetadata-ingestion=={BASE_INGESTION}) for "
        "'airflow_pipelines_ecs' fits MWAA's constraints on Airflow 3.3.1 as far as is known "
        "offline")
    assert "is not vendored" in problem.message
    assert problem.hint is not None and "validate --resolve" in problem.hint


def test_a_virtualenv_workflow_whose_extras_have_no_lock_is_refused_naming_the_lock_command(
        repo: Path, write: Writer) -> None:
    snowflake = WAREHOUSE.replace("type: redshift", "type: snowflake").replace(
        "type: Redshift", "type: Snowflake").replace(
        "hostPort: warehouse.example.internal:5439",
        "account: acme-eu1\n          warehouse: COMPUTE_WH").replace(
        "authType:\n            password:", "password:")
    write("environments/base/workflows/warehouse.yaml", snowflake)
    (problem,) = problems(repo, "dev")
    assert problem.code == "missing-lock"
    assert str(problem.location) == "environments/base/workflows/warehouse.yaml:3:13"
    assert problem.message == (
        "workflow 'warehouse' needs the task virtualenv lock of "
        f"openmetadata-ingestion[snowflake]=={BASE_INGESTION} on MWAA's Airflow 3.3.1, and the "
        f"repository has no locks/airflow-3.3.1/openmetadata-ingestion-{BASE_INGESTION}"
        "[snowflake].txt")
    assert problem.hint == "run `mwaa-gitops lock --env dev` and commit locks/"


TEST_SUITE = """
    dag:
      approach: virtualenv
    source:
      type: TestSuite
      serviceName: warehouse_tests
      sourceConfig:
        config:
          type: TestSuite
          entityFullyQualifiedName: warehouse.analytics.public.orders
    processor:
      type: orm-test-runner
      config: {}
    sink:
      type: metadata-rest
      config: {}
    workflowConfig:
      loggerLevel: INFO
    """


def test_a_test_suite_leaving_its_connection_to_the_server_is_warned_its_driver_is_unknown(
        repo: Path, write: Writer) -> None:
    write("environments/base/workflows/orders_tests.yaml", TEST_SUITE)
    found = [d for d in problems(repo, "dev") if "orders_tests" in d.message]
    (problem,) = found
    assert (problem.severity, problem.code) == ("warning", "driver-unknown")
    assert str(problem.location) == "environments/base/workflows/orders_tests.yaml:4:9"
    assert "which openmetadata-ingestion extra (database driver) that needs is not known " \
           "here, so approach virtualenv installs none" in problem.message
    # Naming the connection names the driver: its extra's lock, no warning.
    write("environments/dev/workflows/orders_tests.yaml", """
        source:
          serviceConnection:
            config:
              type: Redshift
              hostPort: warehouse.example.internal:5439
              username: openmetadata
              authType:
                password: secret:/openmetadata/warehouse-password
              database: analytics
        """)
    assert [d for d in problems(repo, "dev") if "orders_tests" in d.message] == []
    env = environment_from(environments.build(Repository(repo), "dev"))
    (workflow,) = [wf for wf in env.workflows if wf.name == "orders_tests"]
    lock = requirements_data.venv_lock("3.3.1", BASE_INGESTION, ("redshift",))
    assert lock is not None and seeded(venv_requirements(env, workflow), "3.3.1") == lock.pins
