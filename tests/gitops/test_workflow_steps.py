"""The workflows' own ``run:`` scripts, taken from the workflow files and run the way a GitHub
runner runs them (bash -eo pipefail, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) in a repository
made by ``init`` with a few commits: environment listing, rendered diff between two
revisions, plan and sync."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from mwaa_gitops.config.load import load_file
from tests.gitops.conftest import History
from tests.gitops.shell import ROOT, Run

ZERO = "0" * 40



@dataclass
class Step:
    """What one step left behind: its process, its outputs and its job-summary text."""

    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def script(workflow: str, job: str, step: str) -> str:
    """The ``run:`` text of a named step, exactly as this repository's workflow holds it."""
    data = load_file(ROOT / ".github" / "workflows" / workflow).plain()
    for candidate in data["jobs"][job]["steps"]:
        if candidate.get("name") == step:
            return str(candidate["run"])
    raise AssertionError(f"{workflow}: job {job} has no step {step!r}")


def run_step(run: Run, repo: Path, text: str, env: dict[str, str]) -> Step:
    work = repo.parent / "runner"
    work.mkdir(exist_ok=True)
    outputs, summary = work / "output", work / "summary"
    for file in (outputs, summary):
        file.write_text("")
    (work / "step.sh").write_text(text)
    done = run("bash", "--noprofile", "--norc", "-eo", "pipefail", work / "step.sh", cwd=repo,
               extra_env={"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
                          "GITHUB_ACTIONS": "true", **env})
    pairs = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return Step(done.returncode, done.stdout, done.stderr, pairs, summary.read_text())


def names(step: Step) -> list[str]:
    return [row["name"] for row in json.loads(step.outputs["environments"])]


def list_for_push(run: Run, h: History, before: str) -> Step:
    return run_step(run, h.repo, script("sync.yml", "environments", "List environments"),
                    {"GITHUB_EVENT_NAME": "push", "BEFORE": before, "REQUESTED": "",
                     "GITHUB_SHA": h.dev_change})


def test_push_syncs_only_the_environment_the_merge_changed(commits: History, run: Run) -> None:
    step = list_for_push(run, commits, commits.environments)
    assert step.returncode == 0, step.stderr
    assert names(step) == ["dev"]
    row = json.loads(step.outputs["environments"])[0]
    assert (row["region"], row["target"]) == ("eu-west-1", "s3://example-mwaa-dev/openmetadata")
    assert "Environments to sync: dev" in step.summary


def test_push_that_touches_base_syncs_every_bucket_but_not_folders(commits: History,
                                                                   run: Run) -> None:
    step = list_for_push(run, commits, commits.scaffold)
    assert names(step) == ["dev", "prod"]  # local's target is a folder: never synced from CI


def test_first_push_of_a_branch_syncs_every_bucket(commits: History, run: Run) -> None:
    assert names(list_for_push(run, commits, ZERO)) == ["dev", "prod"]


def test_push_after_a_force_push_syncs_every_bucket(commits: History, run: Run) -> None:
    step = list_for_push(run, commits, "1" * 40)
    assert names(step) == ["dev", "prod"]
    assert "not in this clone; every environment counts as affected" in step.stderr


def test_manual_run_syncs_the_requested_environment(commits: History, run: Run) -> None:
    text = script("sync.yml", "environments", "List environments")
    step = run_step(run, commits.repo, text, {"GITHUB_EVENT_NAME": "workflow_dispatch",
                                              "REQUESTED": "prod", "BEFORE": ""})
    assert names(step) == ["prod"]
    unknown = run_step(run, commits.repo, text, {"GITHUB_EVENT_NAME": "workflow_dispatch",
                                                 "REQUESTED": "prdo", "BEFORE": ""})
    assert unknown.returncode == 1
    assert "::error::unknown environment 'prdo'" in unknown.stdout


def test_pull_request_previews_every_bucket_and_the_local_folder_only_when_asked(
        commits: History, run: Run) -> None:
    text = script("pull-request.yml", "validate", "List environments")
    step = run_step(run, commits.repo, text, {"PREVIEW_FOLDERS": ""})
    assert step.returncode == 0, step.stderr
    assert names(step) == ["dev", "prod"]
    assert "\n" not in step.outputs["environments"]  # one line: a valid step output
    asked = run_step(run, commits.repo, text, {"PREVIEW_FOLDERS": "true"})
    assert names(asked) == ["dev", "local", "prod"]


def test_pull_request_summary_shows_the_rendered_diff(commits: History, run: Run) -> None:
    text = script("pull-request.yml", "preview", "Rendered diff against the base branch")
    dev = run_step(run, commits.repo, text, {"ENV_NAME": "dev", "BASE_SHA": commits.environments})
    assert dev.returncode == 0, dev.stderr
    assert "### Rendered diff: `dev`" in dev.summary
    assert "1 changed, 0 added, 0 removed" in dev.summary
    assert "-  loggerLevel: INFO\n+  loggerLevel: DEBUG\n" in dev.summary
    prod = run_step(run, commits.repo, text, {"ENV_NAME": "prod",
                                              "BASE_SHA": commits.environments})
    assert "no change to the rendered files" in prod.summary
    new = run_step(run, commits.repo, text, {"ENV_NAME": "prod", "BASE_SHA": commits.scaffold})
    # prod did not exist at the base: every file is new, its DAG shown by its settings
    assert re.search(r"0 changed, [1-9]\d* added, 0 removed, 0 unchanged", new.summary)
    assert "+ dags/openmetadata/airflow_pipelines.py (rendered DAG code" in new.summary
    assert "+++ b/dags/openmetadata/airflow_pipelines.yaml" in new.summary
    # The same section is kept for the pull-request comment.
    assert (commits.repo / "preview" / "prod.md").read_text() == new.summary


def test_validation_errors_become_annotations(history: History, run: Run) -> None:
    dev = history.repo / "environments" / "dev" / "environment.yaml"
    dev.write_text(dev.read_text().replace("eu-west-1", "eu-west"))
    step = run_step(run, history.repo, "mwaa-gitops validate --format github\n", {})
    assert step.returncode == 1
    assert step.stdout.startswith("::error file=environments/dev/environment.yaml,line=4,col=11,")


def test_plan_and_sync_steps_converge(history: History, run: Run) -> None:
    plan = script("sync.yml", "sync", "Plan")
    sync = script("sync.yml", "sync", "Sync")
    env = {"ENV_NAME": "local"}  # the one environment that needs no AWS account
    before = run_step(run, history.repo, plan, env)
    assert before.returncode == 0, before.stderr
    assert "### mwaa-gitops plan: `local`" in before.summary
    assert "`dags/openmetadata/airflow_pipelines.yaml`" in before.summary
    synced = run_step(run, history.repo, sync, env)
    assert synced.returncode == 0, synced.stderr
    assert (history.repo / ".local-bucket" / "dags" / "openmetadata" /
            "airflow_pipelines.yaml").is_file()
    after = run_step(run, history.repo, plan, env)
    assert after.returncode == 0, after.stderr
    assert re.search(r"^0 to add, 0 to change, 0 to delete, [1-9]\d* unchanged$", after.summary,
                     re.MULTILINE)


def test_verify_step_reaches_the_verification_and_fails_where_there_is_no_mwaa(
        history: History, run: Run) -> None:
    # The step's command line is accepted (no usage error); a folder target has no MWAA.
    step = run_step(run, history.repo, script("sync.yml", "sync", "Verify"), {"ENV_NAME": "local"})
    assert step.returncode == 1, step.stderr
    assert step.stdout.startswith("::error file=environments/local/environment.yaml,")
    assert "nothing to verify" in step.stdout


GH_STAND_IN = """#!/bin/sh
# GitHub's CLI, as far as the comment step uses it: comments are files under $GH_STATE.
echo "$*" >> "$GH_STATE/calls"
case "$*" in
  *"--method PATCH"*) cp "${6#body=@}" "$GH_STATE/comment-$(basename "$4")" ;;
  *"--method POST"*) cp "${6#body=@}" "$GH_STATE/comment-101" ;;
  *) for f in "$GH_STATE"/comment-*; do
       if head -n 1 "$f" | grep -q "mwaa-gitops preview"; then basename "$f" | cut -d- -f2; fi
     done ;;
esac
"""


def test_the_pull_request_gets_one_comment_with_every_environment_updated_in_place(
        commits: History, run: Run) -> None:
    work = commits.repo.parent / "comment"
    (work / "preview").mkdir(parents=True)
    (work / "bin").mkdir()
    (work / "state").mkdir()
    gh = work / "bin" / "gh"
    gh.write_text(GH_STAND_IN)
    gh.chmod(0o755)
    (work / "state" / "comment-7").write_text("someone else's comment\n")
    (work / "preview" / "dev.md").write_text("### Rendered diff: `dev`\n")
    (work / "preview" / "prod.md").write_text("### mwaa-gitops plan: `prod`\n")
    text = script("pull-request.yml", "comment", "Post or update the comment")
    env = {"PATH": f"{work / 'bin'}:/usr/bin:/bin", "GH_STATE": str(work / "state"),
           "PR_NUMBER": "5", "HEAD_SHA": "a" * 40, "GITHUB_REPOSITORY": "team/config"}

    first = run_step(run, work, text, env)
    assert first.returncode == 0, first.stderr
    comment = (work / "state" / "comment-101").read_text()
    assert comment.startswith("<!-- mwaa-gitops preview -->\n")
    assert comment.index("`dev`") < comment.index("`prod`")
    (work / "preview" / "dev.md").write_text("### Rendered diff: `dev` (second push)\n")
    second = run_step(run, work, text, env)
    assert second.returncode == 0, second.stderr
    calls = (work / "state" / "calls").read_text().splitlines()
    assert [c.split()[2] for c in calls if "--method" in c] == ["POST", "PATCH"]
    assert "repos/team/config/issues/comments/101" in calls[-1]
    assert "(second push)" in (work / "state" / "comment-101").read_text()
    assert (work / "state" / "comment-7").read_text() == "someone else's comment\n"
