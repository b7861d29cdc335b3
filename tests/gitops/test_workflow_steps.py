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


def test_pull_request_lists_every_environment_for_the_preview(commits: History,
                                                              run: Run) -> None:
    step = run_step(run, commits.repo, script("pull-request.yml", "validate",
                                              "List environments"), {})
    assert step.returncode == 0, step.stderr
    assert names(step) == ["dev", "local", "prod"]
    assert "\n" not in step.outputs["environments"]  # one line: a valid step output


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
    # prod did not exist at the base: every file is new
    assert re.search(r"0 changed, [1-9]\d* added, 0 removed, 0 unchanged", new.summary)
    assert "+++ b/dags/openmetadata/airflow_pipelines.py" in new.summary


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
