"""``validate`` warns, once per workflow and without failing, that an ECS workflow reading
Airflow through InvokeRestApi gets no edges for DAGs whose ids pass 52 characters."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.config.repository import Repository
from mwaa_gitops.render import pipeline
from tests.conftest import Writer

WORKFLOW = "environments/base/workflows/airflow_pipelines_ecs.yaml"


def advice(repo: Path, *names: str) -> list[str]:
    return [d.text() for d in pipeline.check(Repository(repo), list(names) or None,
                                             keep=False).advice.sorted()]


def test_the_ecs_workflow_through_invoke_rest_api_gets_one_warning_that_keeps_validate_green(
        repo: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--repo", str(repo)])
    assert result.exit_code == 0
    # dev and local both take the base layer's workflow: one warning, at its mwaaConfig.
    warning, summary = result.stderr.strip().splitlines()
    assert summary == "ok: 3 environments, 24 workflows valid"
    assert warning.startswith(f"{WORKFLOW}:24:11: warning: workflow 'airflow_pipelines_ecs' "
                              "runs on ECS and reads Airflow through MWAA's InvokeRestApi")
    assert "longer than 52 characters" in warning and "approach virtualenv" in warning


def test_an_ecs_workflow_reading_the_database_or_a_virtualenv_one_gets_none(
        repo: Path, write: Writer) -> None:
    assert advice(repo, "prod") == []  # prod's ECS workflow reads Postgres
    write("environments/dev/workflows/airflow_pipelines_ecs.yaml", "dag:\n  approach: virtualenv\n")
    assert advice(repo, "dev") == []
    assert len(advice(repo, "local")) == 1
