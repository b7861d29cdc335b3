"""``mwaa-gitops affected``: which deployable environments a set of changed files reaches."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mwaa_gitops.cli import app

runner = CliRunner()


def affected(repo: Path, *files: str, fmt: str = "text") -> list[str]:
    result = runner.invoke(app, ["affected", "--repo", str(repo), "--format", fmt,
                                 *(str(repo / f) for f in files)])
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        return [row["name"] for row in json.loads(result.stdout)]
    return result.stdout.split()


def test_a_change_in_one_environment_affects_only_it(repo: Path) -> None:
    assert affected(repo, "environments/prod/workflows/airflow_pipelines_ecs.yaml") == ["prod"]


def test_a_change_in_base_affects_every_deployable_environment(repo: Path) -> None:
    assert affected(repo, "environments/base/environment.yaml") == ["dev", "local", "prod"]


def test_documentation_and_ci_files_affect_nothing(repo: Path) -> None:
    assert affected(repo, "README.md", ".github/workflows/sync.yml", "tests/x.py") == []


def test_anything_that_may_change_rendering_affects_everything(repo: Path) -> None:
    assert affected(repo, "dags/python_workflow.py") == ["dev", "local", "prod"]
    assert affected(repo, "requirements-gitops.txt") == ["dev", "local", "prod"]


def test_json_rows_are_those_of_envs(repo: Path) -> None:
    rows = json.loads(runner.invoke(app, ["envs", "--repo", str(repo), "--format",
                                          "json"]).stdout)
    result = runner.invoke(app, ["affected", "--repo", str(repo), "--format", "json",
                                 str(repo / "environments/dev/environment.yaml")])
    assert json.loads(result.stdout) == [row for row in rows if row["name"] == "dev"]
