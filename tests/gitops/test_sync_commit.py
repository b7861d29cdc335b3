"""What ``sync`` records as the source commit, and the warning when that is not the truth."""

from __future__ import annotations

from pathlib import Path

from tests.gitops.shell import MWAA, Run, git


def test_sync_from_a_dirty_work_tree_warns_that_head_does_not_hold_the_changes(
        scaffold: Path, run: Run) -> None:
    head = git(run, scaffold, "rev-parse", "HEAD")
    local = scaffold / "environments" / "local" / "environment.yaml"
    local.write_text(local.read_text() + "# not committed\n")
    done = run(MWAA, "sync", "--env", "local", cwd=scaffold)
    assert done.returncode == 0, done.stderr
    assert ("warning: uncommitted changes (environments/local/environment.yaml) are synced, but "
            f"the manifest records commit {head[:12]} (HEAD), which does not hold them") \
        in done.stderr


def test_sync_from_a_clean_work_tree_or_with_a_named_commit_does_not_warn(
        scaffold: Path, run: Run) -> None:
    clean = run(MWAA, "sync", "--env", "local", cwd=scaffold)
    assert clean.returncode == 0, clean.stderr
    assert "warning" not in clean.stderr
    (scaffold / "environments" / "local" / "notes.md").write_text("draft\n")
    named = run(MWAA, "sync", "--env", "local", "--commit", "release-1", cwd=scaffold)
    assert named.returncode == 0, named.stderr
    assert "uncommitted" not in named.stderr
