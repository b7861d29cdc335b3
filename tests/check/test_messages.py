"""The wording of the messages a new user meets first: each says what is wrong where it was
written, and how to fix it, once."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.render import pipeline
from tests.conftest import Writer

DEV = "environments/dev/workflows/airflow_pipelines.yaml"


def texts(repo: Path, *names: str) -> list[str]:
    return [d.text() for d in pipeline.check(Repository(repo), list(names)).diagnostics.sorted()]


def test_an_empty_map_says_the_key_has_no_value_not_null_none(repo: Path, write: Writer) -> None:
    write(DEV, """
        source:
        """)
    assert texts(repo, "dev") == [
        f"{DEV}:1:1: source: expected object, but the key has no value (indent the keys that "
        "belong under it)"]


def test_a_key_indented_too_little_is_pointed_under_the_empty_key_above(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        dag:
          schedule: "@hourly"
        workflowConfig:
        loggerLevel: DEBUG
        """)
    assert texts(repo, "dev")[1] == (
        f"{DEV}:4:1: (top level): unknown key 'loggerLevel' ('workflowConfig' above it has no "
        "value: indent 'loggerLevel' to put it under that key)")


def test_an_unknown_top_level_key_of_a_workflow_is_matched_against_dag_too(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        dags:
          schedule: "@hourly"
        """)
    assert texts(repo, "dev") == [
        f"{DEV}:1:1: (top level): unknown key 'dags' (did you mean 'dag'?)"]


def test_a_wrong_choice_lists_the_choices_once(repo: Path, write: Writer) -> None:
    write(DEV, """
        dag:
          approach: venv
        """)
    assert texts(repo, "dev") == [
        f"{DEV}:2:13: dag.approach: 'venv' is not one of python, ecs, virtualenv"]


def test_an_empty_variable_reference_is_malformed_not_a_plaintext_secret(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        workflowConfig:
          openMetadataServerConfig:
            securityConfig:
              jwtToken: ${var:}
        """)
    assert texts(repo, "dev") == [
        f"{DEV}:4:17: workflowConfig.openMetadataServerConfig.securityConfig.jwtToken: "
        "malformed secret reference (write secret:/path, ${var:NAME}, ${env:NAME} or "
        "OpenMetadata's ${NAME} (an environment variable), NAME starting with a letter or '_', "
        "nothing after the '}')"]


def test_a_required_key_removed_by_delete_is_reported_at_the_delete(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        source:
          type: !delete
        """)
    assert texts(repo, "dev") == [
        f"{DEV}:2:9: source: missing required key 'type': !delete removes it here (remove the "
        "!delete, or set another value)"]


def test_the_dag_id_rule_says_ascii_letters(repo: Path, write: Writer) -> None:
    write(DEV, """
        dag:
          dagId: café
        """)
    (text,) = texts(repo, "dev")
    assert text.startswith(f"{DEV}:2:10: dag.dagId: a dag id is 1-200 ASCII letters, digits")


def test_a_duplicate_dag_id_is_reported_in_the_layer_that_made_it(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        dag:
          dagId: openmetadata_airflow_pipelines_ecs
        """)
    assert texts(repo, "dev") == [
        f"{DEV}:2:10: dag id 'openmetadata_airflow_pipelines_ecs' is used by workflows "
        "'airflow_pipelines' and 'airflow_pipelines_ecs' in environment 'dev' (also set at "
        "environments/base/workflows/airflow_pipelines_ecs.yaml:6:10) (give each workflow its "
        "own dag id)"]


def test_an_overlay_of_a_workflow_no_lower_layer_has_overlays_nothing(
        repo: Path, write: Writer) -> None:
    write("environments/dev/workflows/airflow_pipelinez.yaml", """
        dag:
          schedule: "@daily"
        """)
    assert texts(repo, "dev") == [
        "environments/dev/workflows/airflow_pipelinez.yaml:1:1: overlays nothing: no layer "
        "below 'dev' (base) has a workflow 'airflow_pipelinez' (did you mean "
        "'airflow_pipelines'?)"]


def test_a_missing_environment_name_is_one_problem_not_one_per_workflow_it_fills(
        repo: Path, write: Writer) -> None:
    write("environments/dev/environment.yaml", """
        extends: base
        mwaa:
          enviromentName: openmetadata-dev
          target: s3://example-mwaa-dev/openmetadata
        """)
    assert texts(repo, "dev") == [
        "environments/dev/environment.yaml:2:1: mwaa: missing required key 'environmentName'",
        "environments/dev/environment.yaml:3:3: mwaa: unknown key 'enviromentName' (did you "
        "mean 'environmentName'?)"]


def test_a_misspelt_connector_type_gets_the_nearest_of_every_connector_not_the_list(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        source:
          serviceConnection:
            config:
              type: Airflw
        """)
    [problem] = texts(repo, "dev")
    assert problem.startswith(f"{DEV}:4:13: source.serviceConnection.config.type: 'Airflw' is "
                              "not one of the ")
    assert problem.endswith(" values allowed here (did you mean 'Airflow'?)")


def test_a_plaintext_secret_is_reported_as_one_inside_the_form_of_a_union_it_fits(
        repo: Path, write: Writer) -> None:
    # authType is basic (password), IAM or Azure authentication: the password fits the first,
    # so the message is about the secret, not about keys the other forms lack.
    write("environments/dev/workflows/orders.yaml", """
        source:
          type: postgres
          serviceName: orders_db
          serviceConnection:
            config:
              type: Postgres
              hostPort: orders-db.example.internal:5432
              username: ingestion
              database: orders
              authType:
                password: hunter2
          sourceConfig:
            config:
              type: DatabaseMetadata
        sink:
          type: metadata-rest
          config: {}
        """)
    assert [t for t in texts(repo, "dev") if "orders.yaml" in t] == [
        "environments/dev/workflows/orders.yaml:11:19: source.serviceConnection.config.authType"
        ".password: plaintext secret; a secret field must hold a reference, resolved at run "
        "time (write secret:/openmetadata/<name> or ${var:NAME})"]


def test_a_key_left_empty_where_the_model_takes_null_is_accepted(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        source:
          serviceConnection:
            config:
              pipelineFilterPattern:
        """)
    assert texts(repo, "dev") == []


def test_a_quoted_number_is_accepted_and_a_word_is_not(repo: Path, write: Writer) -> None:
    write(DEV, """
        source:
          serviceConnection:
            config:
              numberOfStatus: "10"
        """)
    assert texts(repo, "dev") == []
    write(DEV, """
        source:
          serviceConnection:
            config:
              numberOfStatus: "ten"
        """)
    assert texts(repo, "dev") == [
        f"{DEV}:4:23: source.serviceConnection.config.numberOfStatus: expected integer, got "
        "string 'ten'"]


def test_dag_paused_is_a_boolean_and_anything_else_is_reported_where_it_was_written(
        repo: Path, write: Writer) -> None:
    write(DEV, """
        dag:
          paused: "false"
        """)
    (text,) = texts(repo, "dev")
    assert text.startswith(f"{DEV}:2:11: dag.paused: paused is true or false, without quotes "
                           "(got 'false')")
    write(DEV, """
        dag:
          paused: false
        """)
    assert texts(repo, "dev") == []
