"""A sync never goes backwards: a commit that does not contain the one the target was last
synced from is refused (unless ``--allow-older``), and when git cannot tell, it only warns.

Real git repositories in temporary folders, synced to the ``local`` folder target.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mwaa_gitops.cli import app

runner = CliRunner()
WORKFLOW = "environments/base/workflows/airflow_pipelines.yaml"
SYNCED = ".local-bucket/dags/openmetadata/airflow_pipelines.yaml"
MANIFEST = ".local-bucket/.mwaa-gitops/manifest.json"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                           "-c", "advice.detachedHead=false", *args], cwd=repo, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def sync(repo: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["sync", "--env", "local", "--repo", str(repo), *args])
    return result.exit_code, result.stdout, result.stderr


def recorded_commit(repo: Path) -> str | None:
    commit: str | None = json.loads((repo / MANIFEST).read_text())["commit"]
    return commit


@dataclass
class Commits:
    repo: Path
    old: str  # loggerLevel INFO
    new: str  # loggerLevel DEBUG, a child of old


def commit_level(repo: Path, level: str) -> str:
    workflow = repo / WORKFLOW
    text = workflow.read_text()
    workflow.write_text(text.replace("loggerLevel: INFO", f"loggerLevel: {level}"))
    git(repo, "commit", "-q", "-am", f"logger level {level}")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def commits(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Commits:
    monkeypatch.delenv("MWAA_GITOPS_COMMIT", raising=False)
    (repo / ".gitignore").write_text(".local-bucket/\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "configs")
    old = git(repo, "rev-parse", "HEAD")
    return Commits(repo, old, commit_level(repo, "DEBUG"))


def test_sync_refuses_a_commit_older_than_the_one_last_synced(commits: Commits) -> None:
    repo = commits.repo
    assert sync(repo)[0] == 0
    assert recorded_commit(repo) == commits.new
    git(repo, "checkout", "-q", commits.old)  # e.g. an old CI run re-run

    code, _, err = sync(repo)

    assert code == 1
    assert (f"commit {commits.old[:12]} is older than commit {commits.new[:12]}, which the "
            "target was last synced from") in err
    assert "--allow-older" in err
    assert "Traceback" not in err
    assert "loggerLevel: DEBUG" in (repo / SYNCED).read_text()  # nothing was written
    assert recorded_commit(repo) == commits.new


def test_allow_older_rolls_back_with_a_warning(commits: Commits) -> None:
    repo = commits.repo
    assert sync(repo)[0] == 0
    git(repo, "checkout", "-q", commits.old)

    code, _, err = sync(repo, "--allow-older")

    assert code == 0, err
    assert (f"warning: syncing commit {commits.old[:12]}, older than commit "
            f"{commits.new[:12]}") in err
    assert "loggerLevel: INFO" in (repo / SYNCED).read_text()
    assert recorded_commit(repo) == commits.old


def test_sync_goes_forward_from_an_ancestor_silently(commits: Commits) -> None:
    repo = commits.repo
    git(repo, "checkout", "-q", commits.old)
    assert sync(repo)[0] == 0
    git(repo, "checkout", "-q", "main")

    code, _, err = sync(repo)

    assert code == 0, err
    assert "warning" not in err
    assert recorded_commit(repo) == commits.new


def test_sync_refuses_a_commit_on_a_diverged_history(commits: Commits) -> None:
    repo = commits.repo
    assert sync(repo)[0] == 0
    git(repo, "checkout", "-q", "-b", "other", commits.old)
    sideways = commit_level(repo, "WARN")  # neither older nor newer than what was synced

    code, _, err = sync(repo)

    assert code == 1
    assert f"commit {sideways[:12]} is not a descendant of commit {commits.new[:12]}" in err


def test_unknown_commits_warn_but_never_block(commits: Commits) -> None:
    repo = commits.repo
    git(repo, "checkout", "-q", commits.old)
    assert sync(repo, "--commit", "build-41")[0] == 0  # not a commit git knows
    git(repo, "checkout", "-q", "main")

    code, _, err = sync(repo)

    assert code == 0, err  # the target moves to HEAD
    assert "warning: cannot tell whether commit " in err
    assert recorded_commit(repo) == commits.new


def test_an_older_commit_that_renders_the_same_files_writes_nothing(commits: Commits) -> None:
    repo = commits.repo
    git(repo, "commit", "-q", "--allow-empty", "-m", "docs only")
    assert sync(repo)[0] == 0
    git(repo, "checkout", "-q", commits.new)
    # Nothing to write, so nothing to refuse: the target already holds these bytes.
    assert sync(repo, "--detailed-exitcode")[0] == 0


def test_shallow_checkout_of_an_old_commit_warns_and_syncs(commits: Commits,
                                                           tmp_path: Path) -> None:
    """A depth-1 checkout lacks the newer commit: it cannot refuse, so it says why."""
    repo = commits.repo
    assert sync(repo)[0] == 0
    git(repo, "branch", "old", commits.old)
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "old", repo.as_uri(), str(clone))
    shutil.copytree(repo / ".local-bucket", clone / ".local-bucket")  # the same "bucket"

    code, _, err = sync(clone)

    assert code == 0, err
    assert (f"warning: cannot tell whether commit {commits.old[:12]} is newer than commit "
            f"{commits.new[:12]}") in err
    assert "fetch-depth: 0" in err
    assert recorded_commit(clone) == commits.old


def test_full_clone_refuses_what_a_shallow_one_lets_through(commits: Commits,
                                                            tmp_path: Path) -> None:
    """What CI gets with fetch-depth: 0: every branch's history, so the newer commit is known."""
    repo = commits.repo
    assert sync(repo)[0] == 0
    clone = tmp_path / "full"
    git(tmp_path, "clone", "-q", repo.as_uri(), str(clone))
    git(clone, "checkout", "-q", commits.old)
    shutil.copytree(repo / ".local-bucket", clone / ".local-bucket")

    assert sync(clone)[0] == 1


def test_a_run_without_a_commit_warns_but_syncs(repo: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MWAA_GITOPS_COMMIT", raising=False)
    assert sync(repo, "--commit", "0" * 40)[0] == 0
    workflow = repo / WORKFLOW
    workflow.write_text(workflow.read_text().replace("loggerLevel: INFO", "loggerLevel: WARN"))

    code, _, err = sync(repo)  # a plain folder, not a git clone

    assert code == 0, err
    assert f"warning: this run has no commit (not a git clone, no --commit), so it cannot " \
           f"tell whether it is newer than commit {'0' * 12}" in err
