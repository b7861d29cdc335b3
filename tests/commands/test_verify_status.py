"""``verify``, ``sync --verify`` and ``status`` where no MWAA answers: what they say and exit with
(the verifications themselves run against real Airflow in tests/e2e/test_verify.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.aws import aws_session
from mwaa_gitops.cli import app

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def no_mwaa_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """No MWAA endpoint unless a test names one (the S3 tests' session sets one for theirs)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL_MWAA", raising=False)


@pytest.fixture
def closed_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An MWAA endpoint where nothing listens: any call to it would fail loudly."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_MWAA", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    # The process keeps one boto3 session: neither take another test's nor leave this one's.
    aws_session.cache_clear()
    yield url
    aws_session.cache_clear()


def test_verify_says_a_folder_target_has_no_mwaa_to_ask(repo: Path) -> None:
    code, _, err = cli("verify", "--env", "local", "--repo", str(repo))
    assert code == 1
    assert "environments/local/environment.yaml:" in err
    assert "a folder with no MWAA environment behind it" in err
    assert "AWS_ENDPOINT_URL_MWAA" in err


def test_sync_verify_of_a_folder_target_writes_nothing(repo: Path) -> None:
    code, _, err = cli("sync", "--env", "local", "--verify", "--repo", str(repo))
    assert code == 1 and "nothing to verify" in err
    assert not (repo / ".local-bucket").exists()


def test_verify_before_any_sync_says_to_sync_first(repo: Path, closed_endpoint: str) -> None:
    code, _, err = cli("verify", "--env", "local", "--repo", str(repo))
    assert code == 1
    assert "nothing was synced to file://.local-bucket yet" in err
    assert "mwaa-gitops sync --env local" in err


def test_smoke_of_a_dag_the_environment_does_not_render_is_a_usage_error(
        repo: Path, closed_endpoint: str) -> None:
    assert cli("sync", "--env", "local", "--repo", str(repo))[0] == 0
    code, _, err = cli("verify", "--env", "local", "--smoke", "nope", "--repo", str(repo))
    assert code == 2
    assert "--smoke nope: not a DAG this environment renders" in err


def test_an_unreachable_mwaa_is_exit_6_and_the_result_is_kept(repo: Path,
                                                               closed_endpoint: str) -> None:
    assert cli("sync", "--env", "local", "--repo", str(repo))[0] == 0
    code, _, err = cli("verify", "--env", "local", "--repo", str(repo))
    assert code == 6, err
    assert "MWAA is unreachable" in err
    code, out, _ = cli("status", "--env", "local", "--repo", str(repo))
    assert code == 0
    assert "last verify: FAILED (exit 6)" in out and "MWAA is unreachable" in out


def test_status_shows_the_deployed_commit_and_files_of_a_folder_target(repo: Path) -> None:
    assert cli("sync", "--env", "local", "--commit", "abc123", "--repo", str(repo))[0] == 0
    code, out, _ = cli("status", "--env", "local", "--repo", str(repo))
    assert code == 0
    assert "deployed:    commit abc123, synced " in out
    assert "DAG files)" in out
    assert "no MWAA environment behind it" in out
    assert "last verify: never" in out


def test_plan_that_cannot_ask_mwaa_about_dag_ids_warns_and_still_plans(
        repo: Path, closed_endpoint: str) -> None:
    code, out, err = cli("plan", "--env", "local", "--repo", str(repo))
    assert code == 0
    assert "to add" in out
    assert "dag ids not checked against MWAA 'openmetadata-local': MWAA is unreachable" in err
