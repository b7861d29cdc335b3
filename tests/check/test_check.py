"""Schema and domain checks: each rule, reported at the file:line that set the bad value."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.diagnostics import Diagnostic
from mwaa_gitops.render import pipeline
from tests.conftest import BASE_INGESTION, BASE_SERVER, Writer, with_backend_connections


def problems(repo: Path, *names: str) -> list[Diagnostic]:
    return pipeline.check(Repository(repo), list(names) or None).diagnostics.sorted()


def texts(repo: Path, *names: str) -> list[str]:
    return [d.text() for d in problems(repo, *names)]


def test_example_environments_are_valid(repo: Path) -> None:
    assert problems(repo) == []


def test_wrong_enum_in_overlay_points_at_the_overlay_line(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        dag:
          schedule: "@hourly"
        workflowConfig:
          loggerLevel: WARNING
        """)
    assert texts(repo, "dev") == [
        "environments/dev/workflows/airflow_pipelines.yaml:4:16: workflowConfig.loggerLevel: "
        "'WARNING' is not one of DEBUG, INFO, WARN, ERROR (did you mean 'WARN'?)"]


def test_misspelt_key_gets_did_you_mean_at_the_key(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        source:
          serviceConnection:
            config:
              numberOfStatuses: 5
        """)
    (problem,) = problems(repo, "dev")
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines.yaml:4:7"
    assert "unknown key 'numberOfStatuses'" in problem.message
    assert problem.hint == "did you mean 'numberOfStatus'?"


def test_wrong_type_is_reported_with_what_was_expected(repo: Path, write: Writer) -> None:
    write("environments/local/workflows/airflow_pipelines.yaml", """
        source:
          serviceConnection:
            config:
              numberOfStatus: ten
        """)
    (problem,) = problems(repo, "local")
    assert str(problem.location) == "environments/local/workflows/airflow_pipelines.yaml:4:23"
    assert problem.subject == "source.serviceConnection.config.numberOfStatus"
    assert problem.message == "expected integer, got string 'ten'"


def test_plaintext_password_is_an_error(repo: Path, write: Writer) -> None:
    prod_ecs = repo / "environments/prod/workflows/airflow_pipelines_ecs.yaml"
    prod_ecs.write_text(prod_ecs.read_text().replace(
        "password: secret:/openmetadata/prod/mwaa-metadata-db/password", "password: hunter2"))
    (problem,) = problems(repo, "prod")
    assert str(problem.location) == "environments/prod/workflows/airflow_pipelines_ecs.yaml:16:21"
    assert problem.code == "plaintext-secret"
    assert "hunter2" not in problem.text()


def test_plaintext_token_in_environment_is_an_error(repo: Path, write: Writer) -> None:
    path = repo / "environments/dev/environment.yaml"
    path.write_text(path.read_text().replace("secret:/openmetadata/dev/ingestion-bot-jwt",
                                             "eyJhbGciOiJSUzI1NiJ9.payload.signature"))
    (problem,) = problems(repo, "dev")
    assert str(problem.location) == "environments/dev/environment.yaml:10:17"
    assert problem.code == "plaintext-secret"


def test_secret_named_field_outside_the_schema_is_checked_too(repo: Path, write: Writer) -> None:
    write("other.yaml", "")
    from mwaa_gitops.check.rules import plaintext_secrets
    from mwaa_gitops.config.load import load_text

    tree = load_text("a:\n  clientSecret: s3cr3t\n  token: ${var:OM_TOKEN}\n", "x.yaml")
    assert [d.text() for d in plaintext_secrets(tree)] == [
        "x.yaml:2:17: a.clientSecret: plaintext secret; a secret field must hold a reference, "
        "resolved at run time (write secret:/openmetadata/<name> or ${var:NAME})"]


def test_ecs_approach_with_backend_connection_is_impossible(repo: Path, write: Writer) -> None:
    with_backend_connections(repo)
    write("environments/prod/workflows/airflow_pipelines.yaml", """
        dag:
          approach: ecs
        """)
    (problem,) = problems(repo, "prod")
    assert problem.code == "ecs-backend"
    assert str(problem.location) == "environments/base/workflows/airflow_pipelines.yaml:21:15"
    assert "environments/prod/workflows/airflow_pipelines.yaml:2:13" in problem.message


def test_ecs_approach_needs_ecs_settings(repo: Path) -> None:
    path = repo / "environments/local/environment.yaml"
    path.write_text(path.read_text() + "ecs: !delete\n")
    (problem,) = problems(repo, "local")
    assert problem.code == "ecs-settings"
    assert str(problem.location) == "environments/base/workflows/airflow_pipelines_ecs.yaml:8:13"


def test_duplicate_dag_ids_in_an_environment(repo: Path, write: Writer) -> None:
    write("environments/prod/workflows/airflow_pipelines_virtualenv.yaml", """
        dag:
          dagId: openmetadata_airflow_pipelines
        """)
    (problem,) = problems(repo, "prod")
    assert problem.code == "duplicate-dag-id"
    assert str(problem.location) == \
        "environments/prod/workflows/airflow_pipelines_virtualenv.yaml:2:10"


def test_duplicate_service_names_in_an_environment(repo: Path, write: Writer) -> None:
    write("environments/local/workflows/airflow_pipelines_ecs.yaml", """
        source:
          serviceName: mwaa_airflow
        """)
    (problem,) = problems(repo, "local")
    assert problem.code == "duplicate-service-name"
    assert "'airflow_pipelines' and 'airflow_pipelines_ecs'" in problem.message


def test_disabled_workflow_does_not_count_as_a_duplicate(repo: Path, write: Writer) -> None:
    write("environments/local/workflows/airflow_pipelines_ecs.yaml", """
        dag:
          enabled: false
        source:
          serviceName: mwaa_airflow
        """)
    assert problems(repo, "local") == []


def test_ingestion_version_must_match_server_major_minor(repo: Path) -> None:
    path = repo / "environments/prod/environment.yaml"
    path.write_text(path.read_text().replace('serverVersion: "1.12.14"', 'serverVersion: "1.13.6"'))
    (problem,) = problems(repo, "prod")
    assert problem.code == "version-mismatch"
    assert str(problem.location) == "environments/prod/environment.yaml:11:21"
    assert problem.hint == "use an openmetadata-ingestion 1.13 release"


def test_unknown_parent_gets_did_you_mean(repo: Path) -> None:
    path = repo / "environments/dev/environment.yaml"
    path.write_text(path.read_text().replace("extends: base", "extends: bsae"))
    assert texts(repo, "dev") == [
        "environments/dev/environment.yaml:2:10: 'extends' names unknown environment 'bsae' "
        "(did you mean 'base'?)"]


def test_cycle_in_extends_is_reported(repo: Path) -> None:
    path = repo / "environments/base/environment.yaml"
    path.write_text("extends: prod\n" + path.read_text())
    (problem,) = problems(repo, "prod")
    assert problem.code == "cycle"
    assert problem.message == "'extends' forms a cycle: prod → base → prod"
    assert str(problem.location) == "environments/base/environment.yaml:1:10"


def test_airflow_version_must_be_an_mwaa_release_with_the_nearest_patch_offered(
        repo: Path) -> None:
    path = repo / "environments/prod/environment.yaml"
    path.write_text(path.read_text().replace('"2.10.3"', '"2.10.9"'))
    assert texts(repo, "prod") == [
        "environments/prod/environment.yaml:8:19: mwaa.airflowVersion: must be an Airflow "
        "release MWAA runs: 2.9.2, 2.10.1, 2.10.3, 2.11.0, 2.11.2, 3.0.6, 3.2.1 or 3.3.1 "
        "(got '2.10.9') (did you mean '2.10.3'?)"]


def test_unreleased_airflow_version_set_in_an_overlay_is_reported_where_it_was_set(
        repo: Path) -> None:
    path = repo / "environments/dev/environment.yaml"
    path.write_text(path.read_text().replace("mwaa:\n", 'mwaa:\n  airflowVersion: "3.3.2"\n', 1))
    (problem,) = problems(repo, "dev")
    assert str(problem.location) == "environments/dev/environment.yaml:4:19"
    assert problem.hint == "did you mean '3.3.1'?"


def test_airflow_line_mwaa_never_ran_offers_the_nearest_line_of_that_major(repo: Path) -> None:
    path = repo / "environments/prod/environment.yaml"
    path.write_text(path.read_text().replace('"2.10.3"', '"2.8.1"'))
    (problem,) = problems(repo, "prod")
    assert str(problem.location) == "environments/prod/environment.yaml:8:19"
    assert problem.hint == "did you mean '2.9.2'?"


def test_unknown_connection_type_lists_the_known_ones(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        source:
          serviceConnection:
            config:
              connection:
                type: Postgress
        """)
    (problem,) = problems(repo, "dev")
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines.yaml:5:15"
    assert "Postgres" in (problem.hint or "")


def test_postgres_connection_reports_its_own_missing_field(repo: Path) -> None:
    prod_ecs = repo / "environments/prod/workflows/airflow_pipelines_ecs.yaml"
    prod_ecs.write_text(prod_ecs.read_text().replace("        username: adminuser\n", ""))
    (problem,) = problems(repo, "prod")
    assert problem.message.endswith("missing required key 'username'")
    # The overlay that replaced the connection is where the fix belongs.
    assert str(problem.location) == "environments/prod/workflows/airflow_pipelines_ecs.yaml:10:7"


def test_error_in_a_shared_layer_is_reported_once(repo: Path, write: Writer) -> None:
    path = repo / "environments/base/workflows/airflow_pipelines.yaml"
    path.write_text(path.read_text().replace("loggerLevel: INFO", "loggerLevel: LOUD"))
    found = problems(repo)
    assert len(found) == 1
    assert found[0].location.path == "environments/base/workflows/airflow_pipelines.yaml"


def test_environment_folder_name_must_be_plain(repo: Path) -> None:
    (repo / "environments/dev").rename(repo / "environments/dev team")
    (problem,) = problems(repo, "dev team")
    assert problem.code == "environment-name"
    assert str(problem.location) == "environments/dev team/environment.yaml:2:1"


def test_secret_values_are_never_echoed_in_messages(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines_ecs.yaml", """
        source:
          serviceConnection:
            config:
              connection:
                authType:
                  password: 123456789
        """)
    found = problems(repo, "dev")
    assert found and all("123456789" not in d.text() for d in found)


def test_several_missing_keys_at_one_place_are_all_reported(repo: Path, write: Writer) -> None:
    write("environments/base/workflows/extra.yaml", """
        source:
          serviceName: extra
        dag:
          dagId: extra
        """)
    missing = sorted(d.message for d in problems(repo, "dev") if d.code == "required")
    assert missing == ["missing required key 'sourceConfig'", "missing required key 'type'"]


def test_what_cannot_render_is_a_validation_error(repo: Path) -> None:
    prod_ecs = repo / "environments/prod/workflows/airflow_pipelines_ecs.yaml"
    prod_ecs.write_text(prod_ecs.read_text().replace(
        "secret:/openmetadata/prod/mwaa-metadata-db/password", "${var:MWAA_DB_PASSWORD}"))
    (problem,) = problems(repo, "prod")
    assert problem.code == "ecs-reference"
    assert str(problem.location) == "environments/prod/workflows/airflow_pipelines_ecs.yaml:16:21"


def test_secret_named_fields_match_by_suffix_and_any_scalar_type() -> None:
    from mwaa_gitops.check.rules import plaintext_secrets
    from mwaa_gitops.config.load import load_text

    tree = load_text("db_password: 12345\ndbPassword: hunter2\nsecretsManagerProvider: aws\n"
                     "password: ${env:DB_PASSWORD}\n", "x.yaml")
    assert [str(d.location) for d in plaintext_secrets(tree)] == ["x.yaml:1:14", "x.yaml:2:13"]


def test_password_inside_a_url_is_a_plaintext_secret(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        source:
          serviceConnection:
            config:
              hostPort: https://admin:S3cretPw@dev-mwaa.example.internal
        """)
    (problem,) = problems(repo, "dev")
    assert problem.code == "plaintext-secret"
    assert str(problem.location) == "environments/dev/workflows/airflow_pipelines.yaml:4:17"
    assert "S3cretPw" not in problem.text()


def test_secret_references_need_a_secrets_manager(repo: Path) -> None:
    path = repo / "environments/dev/environment.yaml"
    path.write_text(path.read_text().replace("  server:\n", "  server:\n"
                                             "    secretsManagerProvider: !delete\n", 1))
    found = [d for d in problems(repo, "dev") if d.code == "secret-provider"]
    assert found and all("secretsManagerProvider" in d.message for d in found)


def test_did_you_mean_ignores_case(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        dag:
          approach: ECS
        """)
    (problem,) = [d for d in problems(repo, "dev") if d.code == "enum"]
    assert problem.hint == "did you mean 'ecs'?"


def test_backend_connection_on_airflow_3_is_an_error_at_the_connection(repo: Path) -> None:
    with_backend_connections(repo)
    found = [d for d in problems(repo, "dev") if d.code == "backend-airflow3"]
    assert [str(d.location) for d in found] == [
        "environments/base/workflows/airflow_pipelines.yaml:21:15",
        "environments/base/workflows/airflow_pipelines_virtualenv.yaml:22:15"]
    assert "on Airflow 3.3.1 (set at environments/base/environment.yaml:6:19) task processes " \
           "have no access to the metadata database" in found[0].message
    assert "authConfig: {mwaaConfig: {}}" in (found[0].hint or "")
    assert "airflow:InvokeRestApi" in (found[0].hint or "")


def test_backend_connection_on_airflow_2_is_fine(repo: Path) -> None:
    with_backend_connections(repo)
    assert problems(repo, "prod") == []


def test_airflow_3_set_by_a_later_layer_is_where_backend_is_reported(repo: Path) -> None:
    with_backend_connections(repo)
    path = repo / "environments/prod/environment.yaml"
    path.write_text(path.read_text().replace('airflowVersion: "2.10.3"', 'airflowVersion: "3.3.1"')
                    .replace('  ingestionVersion: "1.12.14.2"\n', "")
                    .replace('  serverVersion: "1.12.14"\n', ""))
    found = [d for d in problems(repo, "prod") if d.code == "backend-airflow3"]
    assert {str(d.location) for d in found} == {"environments/prod/environment.yaml:8:19"}


def test_mwaa_config_is_filled_from_the_environment_and_points_there(repo: Path) -> None:
    merged = pipeline.check(Repository(repo), ["prod"]).environments["prod"]
    auth = merged.workflows["airflow_pipelines"].get(
        "source", "serviceConnection", "config", "connection", "authConfig", "mwaaConfig")
    assert auth is not None and auth.plain() == {
        "mwaaEnvironmentName": "openmetadata-prod", "awsConfig": {"awsRegion": "us-east-1"}}
    assert str(auth.get("mwaaEnvironmentName").location) == \
        "environments/prod/environment.yaml:4:20"  # type: ignore[union-attr]
    assert str(auth.get("awsConfig", "awsRegion").location) == \
        "environments/prod/environment.yaml:5:11"  # type: ignore[union-attr]


def test_mwaa_config_set_by_the_workflow_wins(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelines.yaml", """
        source:
          serviceConnection:
            config:
              connection:
                authConfig:
                  mwaaConfig:
                    mwaaEnvironmentName: shared-mwaa
                    awsConfig:
                      awsRegion: us-west-2
                      assumeRoleArn: arn:aws:iam::123456789012:role/mwaa-reader
        """)
    merged = pipeline.check(Repository(repo), ["dev"]).environments["dev"]
    auth = merged.workflows["airflow_pipelines"].get(
        "source", "serviceConnection", "config", "connection", "authConfig", "mwaaConfig")
    assert auth is not None and auth.plain() == {
        "mwaaEnvironmentName": "shared-mwaa",
        "awsConfig": {"awsRegion": "us-west-2",
                      "assumeRoleArn": "arn:aws:iam::123456789012:role/mwaa-reader"}}
    assert problems(repo, "dev") == []


def test_mwaa_authentication_needs_ingestion_1_12_4(repo: Path) -> None:
    path = repo / "environments/prod/environment.yaml"
    path.write_text(path.read_text().replace('ingestionVersion: "1.12.14.2"',
                                             'ingestionVersion: "1.12.3.0"'))
    found = [d for d in problems(repo, "prod") if d.code == "mwaa-auth-version"]
    assert [str(d.location) for d in found] == [
        "environments/base/workflows/airflow_pipelines.yaml:23:11",
        "environments/base/workflows/airflow_pipelines_virtualenv.yaml:24:11"]
    assert found[0].hint == "use openmetadata-ingestion 1.12.4 or later"


def test_discovery_dag_on_airflow_3_is_an_error(repo: Path) -> None:
    path = repo / "environments/dev/environment.yaml"
    path.write_text(path.read_text() + "discovery:\n  enabled: true\n")
    (problem,) = problems(repo, "dev")
    assert problem.code == "discovery-airflow3"
    assert str(problem.location) == "environments/dev/environment.yaml:14:12"


SNOWFLAKE = """
    source:
      type: snowflake
      serviceName: snowflake_warehouse
      serviceConnection:
        config:
          type: Snowflake
          username: ingestion
          account: xy12345.eu-west-1
          warehouse: COMPUTE_WH
          password: secret:/openmetadata/snowflake
          useAccessHistory: true
      sourceConfig:
        config:
          type: DatabaseMetadata
          schemaFilterPattern:
            includes: ["^PUBLIC$"]
    sink:
      type: metadata-rest
      config: {}
    dag:
      dagId: snowflake_metadata
    """


def use_ingestion(repo: Path, version: str) -> None:
    """Pin the example environments to openmetadata-ingestion ``version`` and its server."""
    path = repo / "environments/base/environment.yaml"
    server = ".".join(version.split(".")[:3])
    path.write_text(path.read_text().replace(f'ingestionVersion: "{BASE_INGESTION}"',
                                             f'ingestionVersion: "{version}"')
                    .replace(f'serverVersion: "{BASE_SERVER}"', f'serverVersion: "{server}"'))


def test_a_snowflake_metadata_workflow_passes_the_schema(repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/snowflake.yaml", SNOWFLAKE)
    # Only its task virtualenv's lock is missing (tests/commands/test_lock.py).
    assert [d.text() for d in problems(repo, "dev") if d.location.path.endswith(
        "snowflake.yaml") and d.code != "missing-lock"] == []


def test_workflows_are_checked_against_the_model_of_the_environments_ingestion_line(
        repo: Path, write: Writer) -> None:
    # useAccessHistory came with 1.13's Snowflake connection; 1.12's rejects it.
    write("environments/dev/workflows/snowflake.yaml", SNOWFLAKE)
    use_ingestion(repo, "1.12.14.2")
    found = [d for d in problems(repo, "dev") if d.location.path.endswith("snowflake.yaml")]
    assert [(str(d.location), d.message) for d in found] == [
        ("environments/dev/workflows/snowflake.yaml:11:7",
         "unknown key 'useAccessHistory'")]
    # Too many keys to list: the hint names the connector whose keys they are.
    assert found[0].hint and found[0].hint.endswith(" keys of SnowflakeConnection is close to it")


def test_an_ingestion_release_of_no_supported_line_is_reported_at_the_version(
        repo: Path) -> None:
    use_ingestion(repo, "1.11.9")
    found = [d for d in problems(repo, "dev") if d.code == "unsupported-line"]
    assert [str(d.location) for d in found] == ["environments/base/environment.yaml:12:21"]
    assert "1.12, 1.13, 2.0" in found[0].message
    # The workflows are not judged by another line's model meanwhile (the domain rules still
    # apply: 1.11 cannot authenticate to MWAA).
    assert {d.code for d in problems(repo, "dev") if "workflows/" in d.location.path} == {
        "mwaa-auth-version"}
