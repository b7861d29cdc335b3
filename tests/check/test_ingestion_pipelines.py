"""Each workflow's ingestion pipeline: named as OpenMetadata accepts, one per workflow, and no
run id written into a file; each problem at the file:line:col that set it."""

from __future__ import annotations

from pathlib import Path

from mwaa_gitops.config.repository import Repository
from mwaa_gitops.render import pipeline
from tests.conftest import Writer


def found(repo: Path, env: str = "local") -> list[tuple[str, str, str]]:
    result = pipeline.check(Repository(repo), [env])
    return [(d.code, str(d.location), d.message) for d in result.diagnostics.sorted()]


def rendered_config(repo: Path, workflow: str) -> str:
    (one,) = pipeline.rendered(Repository(repo), ["local"])
    return one.files[f"dags/openmetadata/{workflow}.yaml"].decode()


def test_the_rendered_config_names_the_pipeline_of_its_service(repo: Path) -> None:
    assert "\ningestionPipelineFQN: redshift_warehouse.redshift_usage\n" in \
        rendered_config(repo, "redshift_usage")


def test_dag_block_renames_the_pipeline_and_a_dotted_name_is_quoted(repo: Path,
                                                                     write: Writer) -> None:
    write("environments/local/workflows/redshift_usage.yaml", """
        dag:
          ingestionPipeline: usage.nightly
        """)
    assert '\ningestionPipelineFQN: redshift_warehouse."usage.nightly"\n' in \
        rendered_config(repo, "redshift_usage")


def test_two_workflows_on_one_pipeline_point_at_the_later_layer(repo: Path,
                                                                write: Writer) -> None:
    write("environments/local/workflows/redshift_usage.yaml", """
        dag:
          ingestionPipeline: redshift_metadata
        """)
    (problem,) = found(repo)
    assert problem[:2] == ("duplicate-ingestion-pipeline",
                           "environments/local/workflows/redshift_usage.yaml:2:22")
    assert "'redshift_warehouse.redshift_metadata'" in problem[2]


def test_a_name_openmetadata_refuses_is_reported_where_it_is_set(repo: Path,
                                                                  write: Writer) -> None:
    write("environments/local/workflows/redshift_usage.yaml", """
        dag:
          ingestionPipeline: 'usage::nightly'
        """)
    ((code, where, message),) = found(repo)
    assert (code, where) == ("pattern", "environments/local/workflows/redshift_usage.yaml:2:22")
    assert "without '::'" in message


def test_an_fqn_of_another_service_is_refused(repo: Path, write: Writer) -> None:
    write("environments/local/workflows/redshift_usage.yaml", """
        ingestionPipelineFQN: other_service.redshift_usage
        """)
    ((code, where, message),) = found(repo)
    assert (code, where) == ("ingestion-pipeline",
                             "environments/local/workflows/redshift_usage.yaml:1:23")
    assert "not <serviceName>.<name> of service 'redshift_warehouse'" in message


def test_a_workflow_keeps_its_own_fqn(repo: Path, write: Writer) -> None:
    write("environments/local/workflows/redshift_usage.yaml", """
        ingestionPipelineFQN: redshift_warehouse.usage_from_the_ui
        """)
    assert found(repo) == []
    assert "\ningestionPipelineFQN: redshift_warehouse.usage_from_the_ui\n" in \
        rendered_config(repo, "redshift_usage")


def test_a_static_run_id_is_refused(repo: Path, write: Writer) -> None:
    write("environments/local/workflows/redshift_usage.yaml", """
        pipelineRunId: 3f2a4b7e-9c1d-4e5f-8a6b-0c1d2e3f4a5b
        """)
    ((code, where, _),) = found(repo)
    assert (code, where) == ("static-run-id",
                             "environments/local/workflows/redshift_usage.yaml:1:16")


def test_streamable_logs_set_for_an_environment_reach_every_config(repo: Path,
                                                                    write: Writer) -> None:
    text = (repo / "environments/local/environment.yaml").read_text()
    (repo / "environments/local/environment.yaml").write_text(
        text.replace("\nopenmetadata:\n", "\nopenmetadata:\n  enableStreamableLogs: true\n"))
    write("environments/local/workflows/redshift_metadata.yaml", """
        enableStreamableLogs: false
        """)
    assert "\nenableStreamableLogs: true\n" in rendered_config(repo, "redshift_usage")
    assert "\nenableStreamableLogs: false\n" in rendered_config(repo, "redshift_metadata")
