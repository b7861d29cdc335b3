"""``plan`` and ``sync`` on the ``local`` environment: the quick start, with no AWS account."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app
from mwaa_gitops.render import pipeline, render_environment

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def bucket(repo: Path) -> dict[str, bytes]:
    root = repo / ".local-bucket"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not p.relative_to(root).as_posix().startswith(".mwaa-gitops/")}


def rendered(repo: Path) -> dict[str, bytes]:
    repository = pipeline.open_repository(repo)
    return render_environment(pipeline.checked_environment(repository, "local"))


def test_local_quick_start_syncs_without_aws_or_boto3(repo: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        import mwaa_gitops.cli
        assert "boto3" not in sys.modules, "boto3 imported on CLI start-up"
        sys.argv = ["mwaa-gitops", "sync", "--env", "local", "--repo", {str(repo)!r}]
        try:
            mwaa_gitops.cli.main()
        except SystemExit as done:
            print("exit", done.code, "boto3" in sys.modules)
        """)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(repo)}  # no AWS variables at all
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, check=False, timeout=120)
    assert result.stdout.splitlines()[-1] == "exit 0 False", result.stderr
    assert bucket(repo) == rendered(repo)


def test_detailed_exitcode_has_terraforms_meaning_0_no_changes_1_error_2_changes(
        repo: Path) -> None:
    args = ("--env", "local", "--repo", str(repo), "--detailed-exitcode")
    assert cli("plan", *args)[0] == 2  # changes pending
    assert cli("sync", *args)[0] == 2  # applied
    assert cli("sync", *args)[0] == 0  # nothing to do
    assert cli("plan", *args)[0] == 0
    assert cli("sync", "--env", "local", "--repo", str(repo))[0] == 0  # default: success
    # A usage error is an error (1), never to be taken for changes (2).
    assert cli("plan", "--env", "nowhere", "--repo", str(repo), "--detailed-exitcode")[0] == 1
    assert cli("plan", "--env", "nowhere", "--repo", str(repo))[0] == 2


def test_sync_dry_run_shows_the_plan_and_writes_nothing(repo: Path) -> None:
    code, out, _ = cli("sync", "--env", "local", "--repo", str(repo), "--dry-run")
    assert code == 0
    assert out.startswith("plan for 'local' → file://.local-bucket")
    assert f"{len(rendered(repo))} to add" in out
    assert not (repo / ".local-bucket").exists()


def test_sync_prints_progress_lines_and_a_summary(repo: Path) -> None:
    code, out, err = cli("sync", "--env", "local", "--repo", str(repo))
    assert code == 0
    count = len(rendered(repo))
    assert out.startswith(f"synced 'local' → file://.local-bucket: {count} added")
    assert "  upload dags/openmetadata/airflow_pipelines.yaml (" in err


def test_sync_json_reports_counts(repo: Path) -> None:
    cli("sync", "--env", "local", "--repo", str(repo))
    (repo / "environments/base/workflows/airflow_pipelines_ecs.yaml").unlink()
    code, out, _ = cli("sync", "--env", "local", "--repo", str(repo), "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["result"] == "applied"
    assert result["deleted"] == result["counts"]["delete"] > 0
    assert result["uploaded"] == 0
    assert bucket(repo) == rendered(repo)


def test_local_target_is_relative_to_the_repository_not_the_cwd(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert cli("sync", "--env", "local", "--repo", str(repo))[0] == 0
    assert (repo / ".local-bucket").is_dir() and not (elsewhere / ".local-bucket").exists()


def manifest_commit(repo: Path) -> str | None:
    manifest = json.loads((repo / ".local-bucket/.mwaa-gitops/manifest.json").read_text())
    commit: str | None = manifest["commit"]
    return commit


def test_manifest_records_git_head_unless_overridden(repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MWAA_GITOPS_COMMIT", raising=False)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "configs"], cwd=repo, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()
    assert cli("sync", "--env", "local", "--repo", str(repo))[0] == 0
    assert manifest_commit(repo) == head
    workflow = repo / "environments/base/workflows/airflow_pipelines.yaml"
    workflow.write_text(workflow.read_text().replace("loggerLevel: INFO", "loggerLevel: WARN"))
    monkeypatch.setenv("MWAA_GITOPS_COMMIT", "from-the-environment")
    assert cli("sync", "--env", "local", "--repo", str(repo))[0] == 0
    assert manifest_commit(repo) == "from-the-environment"
    workflow.write_text(workflow.read_text().replace("loggerLevel: WARN", "loggerLevel: INFO"))
    assert cli("sync", "--env", "local", "--repo", str(repo), "--commit", "given")[0] == 0
    assert manifest_commit(repo) == "given"


def test_plan_shows_each_files_content_change_and_drift_as_content(repo: Path) -> None:
    assert cli("sync", "--env", "local", "--repo", str(repo))[0] == 0
    usage = repo / "environments" / "local" / "workflows" / "redshift_usage.yaml"
    usage.parent.mkdir(exist_ok=True)
    usage.write_text('dag:\n  schedule: "0 4 * * *"\nworkflowConfig:\n  loggerLevel: DEBUG\n')
    drifted = repo / ".local-bucket" / "dags" / "openmetadata" / "metabase_dashboards.yaml"
    drifted.write_text(drifted.read_text() + "edited: in the bucket\n")
    code, out, _ = cli("plan", "--env", "local", "--repo", str(repo), "--detailed-exitcode")
    assert code == 2
    config = out.split("\n~ dags/openmetadata/redshift_usage.yaml\n", 1)[1].split("\n\n")[0]
    assert "    -  loggerLevel: INFO\n    +  loggerLevel: DEBUG" in config
    dag = out.split("\n~ dags/openmetadata/redshift_usage.py\n", 1)[1]
    assert dag.startswith("    ~ SCHEDULE: '30 3 * * *' → '0 4 * * *'\n")
    assert "(drift: changed outside mwaa-gitops since the last sync)\n" in out
    assert "    -edited: in the bucket\n" in out

    code, out, _ = cli("plan", "--env", "local", "--repo", str(repo), "--format", "json")
    items = {i["key"]: i for i in json.loads(out)["items"]}
    assert items["dags/openmetadata/redshift_usage.py"]["change"] == {
        "kind": "settings", "lines": ["~ SCHEDULE: '30 3 * * *' → '0 4 * * *'"]}
    assert "change" not in items["requirements.txt"]  # unchanged: nothing read
    assert "~" not in cli("plan", "--env", "local", "--repo", str(repo), "--no-content")[1]
